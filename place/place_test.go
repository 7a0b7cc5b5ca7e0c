package place

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// site writes a small output like sgz's site: index.html, assets/app.js
// and a page per name in pages, each holding version.
func site(version string, pages ...string) func(work string) error {
	return func(work string) error {
		if err := os.MkdirAll(filepath.Join(work, "assets"), 0o755); err != nil {
			return err
		}
		files := map[string]string{"index.html": "index " + version, "assets/app.js": "app " + version}
		for _, p := range pages {
			files[p] = p + " " + version
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(work, name), []byte(body), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

var pages = Options{WorkBeside: true, Prune: func(name string) bool { return strings.HasSuffix(name, ".html") || name == "assets" }}

// TestUsersFilesNeverTouched: a folder holding the user's own assets/,
// index.html and other files under names the output needs is refused,
// naming them, and every file of the user's is as it was; on the first
// build and after one, with or without the ledger.
func TestUsersFilesNeverTouched(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "assets", "my.css"), "mine")
	write(t, filepath.Join(dir, "index.html"), "my page")
	write(t, filepath.Join(dir, "notes.txt"), "my notes")
	err := Put(dir, pages, site("v1"))
	var itw *InTheWay
	if !errors.As(err, &itw) || !slices.Equal(itw.Names, []string{"assets", "index.html"}) || !strings.Contains(err.Error(), "不是 sgz 写出的") {
		t.Fatalf("Put over the user's files: %v", err)
	}
	for path, want := range map[string]string{"assets/my.css": "mine", "index.html": "my page", "notes.txt": "my notes"} {
		if got := read(t, filepath.Join(dir, path)); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "assets", "app.js")); err == nil {
		t.Error("the output was written into the user's assets/")
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// leftovers are work folders and plans left in dir or beside it.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{filepath.Join(dir, ".sgz-work-*"), filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".sgz-work-*"), filepath.Join(dir, nextName)} {
		m, _ := filepath.Glob(pat)
		out = append(out, m...)
	}
	return out
}

// TestReplacesAndPrunesOnlyItsOwn: a second output replaces the first's
// entries and removes those it no longer has (b.html), and nothing else;
// an entry the user changed since is neither replaced (refused) nor
// removed (left); a ledger copied from elsewhere proves nothing.
func TestReplacesAndPrunesOnlyItsOwn(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	write(t, filepath.Join(dir, "notes.txt"), "my notes")
	if err := Put(dir, pages, site("v1", "a.html", "b.html", "c.html")); err != nil {
		t.Fatal(err)
	}
	if err := Put(dir, pages, site("v2", "a.html", "c.html")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"index.html": "index v2", "assets/app.js": "app v2", "a.html": "a.html v2", "notes.txt": "my notes"} {
		if got := read(t, filepath.Join(dir, path)); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.html")); err == nil {
		t.Error("b.html, which the second output lacks, is still there")
	}
	// the user edits c.html: it is no longer sgz's to replace or remove
	write(t, filepath.Join(dir, "c.html"), "edited by hand")
	err := Put(dir, pages, site("v3", "c.html"))
	var itw *InTheWay
	if !errors.As(err, &itw) || !slices.Equal(itw.Names, []string{"c.html"}) {
		t.Errorf("replacing an edited page: %v", err)
	}
	if err := Put(dir, pages, site("v3")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "c.html")); got != "edited by hand" {
		t.Errorf("the edited page was pruned: %q", got)
	}
	// a ledger copied from another site names entries whose content here
	// differs: they are the user's
	other := filepath.Join(parent, "other")
	if err := Put(other, pages, site("v9")); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(parent, "mine")
	write(t, filepath.Join(mine, "index.html"), "my page")
	write(t, filepath.Join(mine, "assets", "my.css"), "mine")
	b, _ := os.ReadFile(filepath.Join(other, LedgerName))
	write(t, filepath.Join(mine, LedgerName), string(b))
	if err := Put(mine, pages, site("v1")); !errors.As(err, &itw) {
		t.Errorf("a copied ledger: %v, want the user's entries in the way", err)
	}
	if read(t, filepath.Join(mine, "assets", "my.css")) != "mine" || read(t, filepath.Join(mine, "index.html")) != "my page" {
		t.Error("a copied ledger let the output replace the user's files")
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestWorkFoldersOfItsOwnOnly: a work folder is named for this process;
// what a killed output left is removed by the next, but an entry beside
// the folder that merely looks like one (.site.new-x, .site.sgz-work-1-1
// not in the ledger) is left alone.
func TestWorkFoldersOfItsOwnOnly(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	lookalikes := []string{filepath.Join(parent, ".site.new-123"), filepath.Join(parent, ".site.sgz-work-1-1"), filepath.Join(parent, ".other.sgz-work-1-1")}
	for _, p := range lookalikes {
		write(t, filepath.Join(p, "keep"), "mine")
	}
	var seen string
	if err := Put(dir, pages, func(work string) error {
		seen = filepath.Dir(work)
		return site("v1")(work)
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(seen), ".site.sgz-work-"+itoa(os.Getpid())+"-") {
		t.Errorf("work folder %s is not named for this process", seen)
	}
	// a killed output: its work folder stays, recorded
	crash = func(step string) bool { return step == "filled" }
	err := Put(dir, pages, site("v2"))
	crash = nil
	mine := filepath.Join(parent, ".site.sgz-work-"+itoa(os.Getpid())+"-*")
	if left, _ := filepath.Glob(mine); !errors.Is(err, errCrash) || len(left) != 1 {
		t.Fatalf("the killed output: %v, its work folders %v", err, left)
	}
	if err := Put(dir, pages, site("v3")); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(mine); len(left) > 0 {
		t.Errorf("the killed output's work folder is still there: %v", left)
	}
	for _, p := range lookalikes {
		if read(t, filepath.Join(p, "keep")) != "mine" {
			t.Errorf("%s was removed", p)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCrashAtEveryStep: an output killed at any step, then the next run
// (Recover), leaves the old output or the new one whole, never a mix, and
// nothing behind; the user's file is untouched throughout.
func TestCrashAtEveryStep(t *testing.T) {
	steps := []string{"filled", "planned", "aside a.html", "moved a.html", "aside assets", "moved assets", "aside index.html", "moved index.html", "removed", "recorded"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "site")
			write(t, filepath.Join(dir, "notes.txt"), "my notes")
			if err := Put(dir, pages, site("v1", "a.html", "b.html")); err != nil {
				t.Fatal(err)
			}
			crash = func(s string) bool { return s == step }
			err := Put(dir, pages, site("v2", "a.html"))
			crash = nil
			if !errors.Is(err, errCrash) {
				t.Fatalf("no crash at %q: %v", step, err)
			}
			if err := Recover(dir); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range []string{"index.html", "assets/app.js", "a.html", "b.html"} {
				got[p] = read(t, filepath.Join(dir, p))
			}
			old := map[string]string{"index.html": "index v1", "assets/app.js": "app v1", "a.html": "a.html v1", "b.html": "b.html v1"}
			new := map[string]string{"index.html": "index v2", "assets/app.js": "app v2", "a.html": "a.html v2"}
			if strings.HasPrefix(got["b.html"], "<") { // gone, as the new output has it
				new["b.html"] = got["b.html"]
			}
			if !equal(got, old) && !equal(got, new) {
				t.Errorf("after a crash at %q and recovery: %v, neither the old output nor the new", step, got)
			}
			if read(t, filepath.Join(dir, "notes.txt")) != "my notes" {
				t.Error("the user's file changed")
			}
			if left := leftovers(t, dir); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			// and the next output goes through as usual
			if err := Put(dir, pages, site("v3", "a.html")); err != nil || read(t, filepath.Join(dir, "a.html")) != "a.html v3" {
				t.Errorf("the output after: %v", err)
			}
		})
	}
}

func equal(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// TestExclusive: an exclusive output (the export) refuses a folder with
// anything sgz did not write in it, and replaces its own earlier output.
func TestExclusive(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ledgers", "x.parquet"), "mine")
	opts := Options{WorkBeside: true, Exclusive: true, Prune: func(string) bool { return true }}
	var itw *InTheWay
	if err := Put(dir, opts, site("v1")); !errors.As(err, &itw) || !slices.Equal(itw.Names, []string{"ledgers"}) {
		t.Errorf("a folder of other files: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "pq")
	for _, v := range []string{"v1", "v2"} {
		if err := Put(empty, opts, site(v)); err != nil {
			t.Fatal(err)
		}
	}
	if read(t, filepath.Join(empty, "index.html")) != "index v2" {
		t.Error("the second export did not replace the first")
	}
}

// TestKeep: an entry Options.Keep keeps (a backup) is not replaced even
// when sgz wrote it; a single file is written with the mode asked.
func TestKeep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "备份.zip")
	opts := Options{Keep: func(string) bool { return true }}
	body := func(s string) func(w io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := PutFile(path, 0o600, opts, body("one")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if err := PutFile(path, 0o600, opts, body("two")); !errors.Is(err, ErrExists) || read(t, path) != "one" {
		t.Errorf("a kept file: %v, %q", err, read(t, path))
	}
	if err := PutFile(path, 0o600, Options{}, body("two")); err != nil || read(t, path) != "two" {
		t.Errorf("without Keep: %v, %q", err, read(t, path))
	}
}

// TestLedgerReadLikeAnInput: a ledger that is a FIFO, damaged or naming a
// path outside the folder stops the output with the reason; none hangs.
func TestLedgerReadLikeAnInput(t *testing.T) {
	for name, setup := range map[string]func(dir string){
		"fifo": func(dir string) { _ = syscall.Mkfifo(filepath.Join(dir, LedgerName), 0o644) },
		"outside": func(dir string) {
			write(t, filepath.Join(dir, LedgerName), ledgerHead+"\nE\t../etc\t.\t"+strings.Repeat("a", 64)+"\n")
		},
		"work outside": func(dir string) { write(t, filepath.Join(dir, LedgerName), ledgerHead+"\nW\t../../home\n") },
		"not a ledger": func(dir string) { write(t, filepath.Join(dir, LedgerName), "index.html\nassets\n") },
	} {
		dir := t.TempDir()
		setup(dir)
		done := make(chan error, 1)
		go func() { done <- Put(dir, pages, site("v1")) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "写出记录") {
				t.Errorf("%s: %v, want the ledger named as unreadable", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still waiting after 5 s", name)
		}
	}
}

// TestRootRefused: the root folder is no output folder (named in words,
// not as a pattern error).
func TestRootRefused(t *testing.T) {
	if err := Put("/", pages, site("v1")); err == nil || !strings.Contains(err.Error(), "根目录") {
		t.Errorf("Put(/): %v", err)
	}
}

// TestAdoptAndRemove: an entry sgz made by other means and recorded is
// removed while it is as recorded; changed since, or the user's, it stops
// the removal with nothing removed; one not there is passed over.
func TestAdoptAndRemove(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sgz.duckdb"), "db")
	write(t, filepath.Join(dir, "sgz.duckdb.key"), "key")
	write(t, filepath.Join(dir, "mine.duckdb"), "mine")
	if err := Adopt(dir, "sgz.duckdb", "sgz.duckdb.key", "absent"); err != nil {
		t.Fatal(err)
	}
	var itw *InTheWay
	if err := Remove(dir, "sgz.duckdb", "mine.duckdb"); !errors.As(err, &itw) || !slices.Equal(itw.Names, []string{"mine.duckdb"}) {
		t.Errorf("removing the user's file with sgz's: %v", err)
	}
	if read(t, filepath.Join(dir, "sgz.duckdb")) != "db" || read(t, filepath.Join(dir, "mine.duckdb")) != "mine" {
		t.Error("a refused removal removed something")
	}
	write(t, filepath.Join(dir, "sgz.duckdb.key"), "changed")
	if err := Remove(dir, "sgz.duckdb.key"); !errors.As(err, &itw) {
		t.Errorf("removing a changed file: %v", err)
	}
	if err := Remove(dir, "sgz.duckdb", "absent"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sgz.duckdb")); err == nil {
		t.Error("sgz.duckdb is still there")
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestWithoutLocks: on a file system without locks (some network shares)
// the output is still written; a lock that fails otherwise stops it
// before anything changes.
func TestWithoutLocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	defer func(was func(int, int) error) { flock = was }(flock)
	flock = func(int, int) error { return syscall.ENOLCK }
	if err := Put(dir, pages, site("v1")); err != nil {
		t.Fatalf("without locks: %v", err)
	}
	flock = func(int, int) error { return syscall.EIO }
	if err := Put(dir, pages, site("v2")); err == nil || read(t, filepath.Join(dir, "index.html")) != "index v1" {
		t.Errorf("a lock failing with EIO: %v", err)
	}
}
