// Package place puts sgz's outputs where a user asked for them: into
// folders that also hold the user's own files. Every output goes through
// it (the site, the bulletin, the Parquet export, the backup, the
// assessment workbook, the template, the generated inputs), with one set
// of guarantees:
//
//   - It writes only names it creates, and replaces or removes an entry
//     only when its own record in that folder (the ledger, .sgz-written)
//     says it wrote that entry and the entry still has the content it
//     wrote (SHA-256 of every file). A marker alone proves nothing: a
//     ledger copied from elsewhere names files whose content differs.
//   - An entry of the user's in the way of a name it needs stops the
//     output with InTheWay, naming it; nothing of the user's is moved,
//     replaced or removed.
//   - The new output is written whole into a work folder under a name
//     unique to this process (beside the folder, or inside it), synced,
//     and only then moved in entry by entry. The ledger records the work
//     folder before anything is written into it and the moves before the
//     first is made, so that a crash at any instant leaves a record the
//     next run completes: it finishes the moves (the new output) or, where
//     the new entries are gone, keeps what is there (the old output), and
//     removes the work folders its ledger names, and only those.
//   - One output of a folder at a time: a lock file (.sgz-lock) in it.
//
// Restore (cmd/cli) uses the same moves for the database and its key.
package place

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// The files place keeps in a folder it writes into.
const (
	LedgerName = ".sgz-written"      // what sgz wrote here, with hashes
	nextName   = ".sgz-written.next" // the ledger after the moves in progress, and the moves
	lockName   = ".sgz-lock"         // one output at a time
	ledgerMax  = 64 << 20            // a national site lists some thousands of files
	ledgerHead = "sgz-written 1"
)

// Options say how an output is put into its folder.
type Options struct {
	// WorkBeside puts the work folder in the folder's parent rather than in
	// the folder (an export read with DIR/**/*.parquet must never show a
	// work folder's files).
	WorkBeside bool
	// Prune names the entries of earlier outputs that this output takes
	// the place of: those it does not write again are removed (when they
	// are provably sgz's). Nil prunes nothing.
	Prune func(name string) bool
	// Exclusive refuses a folder that holds anything sgz did not write
	// (the export: its readers glob the whole folder).
	Exclusive bool
	// Keep names entries that are sgz's and are not replaced without
	// leave (a backup): such an entry in the way stops the output with
	// ErrExists.
	Keep func(name string) bool
	// Replace names entries the output may replace although sgz has no
	// record of writing them: those the user named and asked to have
	// replaced (sgz restore --force: the database and its key).
	Replace func(name string) bool
	// First names entries moved in before the others (the key before the
	// database it belongs to).
	First func(name string) bool
}

// crash, set by a test, stops a Put at a step as a kill would: no
// cleaning up, nothing more written.
var crash func(step string) bool

var errCrash = errors.New("crash (test)")

// SGZ_PLACE_CRASH names a step at which an output stops the whole process
// as a kill would (make stress kills restore and export at every step
// this way); it is read once, and unset it does nothing.
func init() {
	if step := os.Getenv("SGZ_PLACE_CRASH"); step != "" {
		crash = func(s string) bool {
			if s == step {
				os.Exit(3)
			}
			return false
		}
	}
}

func crashed(step string) bool { return crash != nil && crash(step) }

// InTheWay is an output stopped by entries of the folder that sgz did not
// write (or that were changed since), under names the output needs.
type InTheWay struct {
	Dir   string
	Names []string
}

func (e *InTheWay) Error() string {
	return fmt.Sprintf("%s 中已有 %s，不是 sgz 写出的（或写出后被改动过）；sgz 不会覆盖或删除它们：请移走它们，或改用另一个文件夹",
		e.Dir, strings.Join(e.Names, "、"))
}

// ErrExists is an output stopped by an entry of sgz's that Options.Keep
// keeps.
var ErrExists = errors.New("已存在")

// tree is what sgz wrote under one entry: the SHA-256 of each file by its
// path inside the entry ("." for an entry that is a file).
type tree map[string]string

func (t tree) equal(u tree) bool {
	if len(t) != len(u) {
		return false
	}
	for k, v := range t {
		if u[k] != v {
			return false
		}
	}
	return true
}

// ledger is a folder's record: every entry sgz wrote there, and the work
// folders of outputs in progress.
type ledger struct {
	entries  map[string]tree
	work     []string // relative to the folder: ".sgz-work-…" or "../.NAME.sgz-work-…"
	plan     string   // (next ledger only) the work folder whose new/ holds the entries to move in
	moves    []string // (next ledger only) entries to move in from the work folder's new/, in order
	removes  []string // (next ledger only) entries to take out
	replaces []string // (next ledger only) entries the moves replace whoever wrote them
}

// Put writes an output into dir: fill writes its entries into the folder
// it is given; then each is moved into dir (replacing an earlier output's
// entry of the same name), and the earlier entries opts.Prune names that
// this output lacks are removed. dir is made if need be.
func Put(dir string, opts Options, fill func(work string) error) error {
	abs, err := resolve(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("无法建立输出文件夹 %s：%w", dir, err)
	}
	unlock, err := lock(abs)
	if err != nil {
		return fmt.Errorf("无法写入输出文件夹 %s：%w", dir, err)
	}
	defer unlock()
	if err := recoverLocked(abs); err != nil {
		return err
	}
	led, err := readLedger(filepath.Join(abs, LedgerName))
	if err != nil {
		return err
	}
	// the work folder, recorded before anything is written into it
	parent, prefix := abs, ".sgz-work-"
	if opts.WorkBeside {
		parent, prefix = filepath.Dir(abs), "."+filepath.Base(abs)+".sgz-work-"
	}
	work, err := os.MkdirTemp(parent, fmt.Sprintf("%s%d-", prefix, os.Getpid()))
	if err != nil {
		return fmt.Errorf("无法写入输出文件夹 %s：%w", filepath.Dir(work), err)
	}
	rel, _ := filepath.Rel(abs, work)
	led.work = append(led.work, rel)
	if err := writeLedger(filepath.Join(abs, LedgerName), led); err != nil {
		os.RemoveAll(work)
		return err
	}
	done := false
	defer func() {
		if !done { // nothing moved: the work folder goes, and its record
			os.RemoveAll(work)
			led.work = slices.DeleteFunc(led.work, func(w string) bool { return w == rel })
			_ = writeLedger(filepath.Join(abs, LedgerName), led)
		}
	}()
	newDir, oldDir := filepath.Join(work, "new"), filepath.Join(work, "old")
	for _, d := range []string{newDir, oldDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if err := fill(newDir); err != nil {
		return err
	}
	if crashed("filled") {
		done = true
		return errCrash
	}
	names, trees, err := hashEntries(newDir, true)
	if err != nil {
		return err
	}
	// what is in the way, what goes
	var inTheWay, kept []string
	owned := func(name string) bool {
		t, ok := led.entries[name]
		if !ok {
			return false
		}
		got, err := hashEntry(filepath.Join(abs, name), false)
		return err == nil && t.equal(got)
	}
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(abs, name)); err != nil {
			continue
		}
		switch {
		case opts.Replace != nil && opts.Replace(name):
		case !owned(name):
			inTheWay = append(inTheWay, name)
		case opts.Keep != nil && opts.Keep(name):
			kept = append(kept, name)
		}
	}
	if opts.Exclusive {
		all, err := os.ReadDir(abs)
		if err != nil {
			return err
		}
		for _, en := range all {
			if n := en.Name(); !own(n) && !slices.Contains(names, n) && !owned(n) {
				inTheWay = append(inTheWay, n)
			}
		}
	}
	if len(inTheWay) > 0 {
		sort.Strings(inTheWay)
		return &InTheWay{Dir: dir, Names: inTheWay}
	}
	if len(kept) > 0 {
		return fmt.Errorf("%s：%w", strings.Join(kept, "、"), ErrExists)
	}
	moves := slices.Clone(names)
	if opts.First != nil {
		sort.SliceStable(moves, func(i, j int) bool { return opts.First(moves[i]) && !opts.First(moves[j]) })
	}
	var replaced []string // may be replaced without a record of sgz's
	for _, name := range names {
		if opts.Replace != nil && opts.Replace(name) {
			replaced = append(replaced, name)
		}
	}
	next := ledger{entries: map[string]tree{}, work: led.work, plan: rel, moves: moves, replaces: replaced}
	for name, t := range led.entries {
		next.entries[name] = t
	}
	for i, name := range names {
		next.entries[name] = trees[i]
	}
	if opts.Prune != nil {
		for name := range led.entries {
			if slices.Contains(names, name) || !opts.Prune(name) {
				continue
			}
			if _, err := os.Lstat(filepath.Join(abs, name)); err != nil {
				delete(next.entries, name) // gone already
				continue
			}
			if owned(name) {
				next.removes = append(next.removes, name)
				delete(next.entries, name)
			}
			// changed since sgz wrote it: the user's now, left alone
		}
		sort.Strings(next.removes)
	}
	if err := syncTree(newDir); err != nil {
		return err
	}
	// the moves are recorded, then made
	if err := writeLedger(filepath.Join(abs, nextName), next); err != nil {
		return err
	}
	done = true // from here a failure is finished by the next run's recovery
	if crashed("planned") {
		return errCrash
	}
	if err := finish(abs); err != nil {
		return fmt.Errorf("写入 %s 时出错（下次写入时完成或复原）：%w", dir, err)
	}
	return nil
}

// PutFile writes one file through write, at path, as Put does (the work in
// path's folder).
func PutFile(path string, mode os.FileMode, opts Options, write func(w io.Writer) error) error {
	name := filepath.Base(path)
	return Put(filepath.Dir(path), opts, func(work string) error {
		f, err := os.OpenFile(filepath.Join(work, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
		if err != nil {
			return err
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(filepath.Join(work, name), mode) // not the umask's
		}
		return err
	})
}

// held resolves dir, takes its lock, finishes what a killed output left
// and reads its ledger; unlock lets the lock go.
func held(dir string) (abs string, led ledger, unlock func(), err error) {
	if abs, err = resolve(dir); err != nil {
		return "", led, nil, err
	}
	if unlock, err = lock(abs); err != nil {
		return "", led, nil, err
	}
	if err = recoverLocked(abs); err == nil {
		led, err = readLedger(filepath.Join(abs, LedgerName))
	}
	if err != nil {
		unlock()
		return "", led, nil, err
	}
	return abs, led, unlock, nil
}

// Adopt records entries of dir that sgz made by other means (the demo's
// database, written by DuckDB) as sgz's, with their content now: a later
// Remove or Put may replace them while they stay as they are.
func Adopt(dir string, names ...string) error {
	abs, led, unlock, err := held(dir)
	if err != nil {
		return err
	}
	defer unlock()
	for _, name := range names {
		if !entryName(name) {
			return fmt.Errorf("不能记录 %s", name)
		}
		t, err := hashEntry(filepath.Join(abs, name), false)
		if errors.Is(err, fs.ErrNotExist) {
			delete(led.entries, name)
			continue
		}
		if err != nil {
			return err
		}
		led.entries[name] = t
	}
	return writeLedger(filepath.Join(abs, LedgerName), led)
}

// Remove removes entries of dir that sgz wrote and that are as it wrote
// them; one that is not there is passed over, one of the user's (or
// changed since) stops it with InTheWay before anything is removed.
func Remove(dir string, names ...string) error {
	if abs, err := resolve(dir); err != nil {
		return err
	} else if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	abs, led, unlock, err := held(dir)
	if err != nil {
		return err
	}
	defer unlock()
	var gone, inTheWay []string
	for _, name := range names {
		if !entryName(name) {
			return fmt.Errorf("不能删除 %s", name)
		}
		if _, err := os.Lstat(filepath.Join(abs, name)); err != nil {
			delete(led.entries, name)
			continue
		}
		t, ok := led.entries[name]
		got, err := hashEntry(filepath.Join(abs, name), false)
		if !ok || err != nil || !t.equal(got) {
			inTheWay = append(inTheWay, name)
			continue
		}
		gone = append(gone, name)
	}
	if len(inTheWay) > 0 {
		return &InTheWay{Dir: dir, Names: inTheWay}
	}
	if len(gone) == 0 {
		return writeLedger(filepath.Join(abs, LedgerName), led)
	}
	// moved aside into a recorded work folder, then removed with it: a
	// crash leaves the entry whole or the work folder the next run removes
	work, err := os.MkdirTemp(abs, fmt.Sprintf(".sgz-work-%d-", os.Getpid()))
	if err != nil {
		return err
	}
	rel := filepath.Base(work)
	led.work = append(led.work, rel)
	if err := writeLedger(filepath.Join(abs, LedgerName), led); err != nil {
		os.RemoveAll(work)
		return err
	}
	for _, name := range gone {
		if err := os.Rename(filepath.Join(abs, name), filepath.Join(work, name)); err != nil {
			return err
		}
		delete(led.entries, name)
	}
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	led.work = slices.DeleteFunc(led.work, func(w string) bool { return w == rel })
	return writeLedger(filepath.Join(abs, LedgerName), led)
}

// Recover finishes or undoes what an output killed half-way left in dir
// (under the folder's lock), as the next Put would. A folder sgz never
// wrote into is left as it is.
func Recover(dir string) error {
	abs, err := resolve(dir)
	if err != nil {
		return err
	}
	// nothing to do (a plan or a work folder left) is told without the
	// lock, so that a folder on read-only media is left alone
	if _, err := os.Lstat(filepath.Join(abs, nextName)); errors.Is(err, fs.ErrNotExist) {
		led, err := readLedger(filepath.Join(abs, LedgerName))
		if err != nil || len(led.work) == 0 {
			return err
		}
	}
	unlock, err := lock(abs)
	if err != nil {
		return err
	}
	defer unlock()
	return recoverLocked(abs)
}

// recoverLocked completes a plan left in dir and removes the work folders
// the ledger names.
func recoverLocked(abs string) error {
	if _, err := os.Lstat(filepath.Join(abs, nextName)); err == nil {
		if err := finish(abs); err != nil {
			return fmt.Errorf("无法完成上次中断的写入（%s）：%w", abs, err)
		}
	}
	led, err := readLedger(filepath.Join(abs, LedgerName))
	if err != nil || len(led.work) == 0 {
		return err
	}
	for _, w := range led.work {
		if !workOf(abs, w) {
			continue // not a name this folder's outputs give their work
		}
		if err := os.RemoveAll(filepath.Join(abs, w)); err != nil {
			return err
		}
	}
	led.work = nil
	return writeLedger(filepath.Join(abs, LedgerName), led)
}

// finish carries out the plan of the next ledger: each new entry moved in
// (what it replaces moved aside into the work folder first), each entry to
// go moved aside, the next ledger made the ledger, the work folder
// removed. Run again after a crash, it does what is left: an entry whose
// new content is gone (the work folder removed by hand) keeps what is
// there, recorded as sgz's only if it is the content sgz wrote.
func finish(abs string) error {
	next, err := readLedger(filepath.Join(abs, nextName))
	if err != nil {
		return err
	}
	cur, err := readLedger(filepath.Join(abs, LedgerName))
	if err != nil {
		return err
	}
	var work string // "" when the plan's work folder is gone
	if next.plan != "" && workOf(abs, next.plan) {
		if _, err := os.Stat(filepath.Join(abs, next.plan, "new")); err == nil {
			work = filepath.Join(abs, next.plan)
		}
	}
	aside := func(name string) error {
		from := filepath.Join(abs, name)
		if _, err := os.Lstat(from); err != nil {
			return nil
		}
		if slices.Contains(next.replaces, name) {
			if work == "" {
				return nil
			}
			return os.Rename(from, filepath.Join(work, "old", name))
		}
		if t, ok := cur.entries[name]; ok {
			if got, err := hashEntry(from, false); err == nil && t.equal(got) {
				if work == "" {
					return os.RemoveAll(from)
				}
				return os.Rename(from, filepath.Join(work, "old", name))
			}
		}
		if t, ok := next.entries[name]; ok {
			if got, err := hashEntry(from, false); err == nil && t.equal(got) {
				return nil // already the new one
			}
		}
		return &InTheWay{Dir: abs, Names: []string{name}}
	}
	// checkOld is aside without the move: whether the entry there may be
	// replaced (sgz's as it wrote it, already the new one, or one the
	// output replaces whoever wrote it).
	checkOld := func(name string) error {
		from := filepath.Join(abs, name)
		if slices.Contains(next.replaces, name) {
			return nil
		}
		for _, l := range []ledger{cur, next} {
			if t, ok := l.entries[name]; ok {
				if got, err := hashEntry(from, false); err == nil && t.equal(got) {
					return nil
				}
			}
		}
		return &InTheWay{Dir: abs, Names: []string{name}}
	}
	for _, name := range next.moves {
		src := ""
		if work != "" {
			src = filepath.Join(work, "new", name)
		}
		if src == "" {
			continue
		}
		st, err := os.Lstat(src)
		if err != nil {
			continue // moved in already
		}
		// A file is renamed over the old one: the name never stands empty
		// (a database waited for must not be made anew in the gap). A
		// folder cannot be renamed over a full one: the old goes aside.
		if old, err := os.Lstat(filepath.Join(abs, name)); err == nil && st.Mode().IsRegular() && old.Mode().IsRegular() {
			if err := checkOld(name); err != nil {
				return err
			}
		} else if err := aside(name); err != nil {
			return err
		}
		if crashed("aside " + name) {
			return errCrash
		}
		if err := os.Rename(src, filepath.Join(abs, name)); err != nil {
			return err
		}
		if crashed("moved " + name) {
			return errCrash
		}
	}
	for _, name := range next.removes {
		if err := aside(name); err != nil {
			var itw *InTheWay
			if errors.As(err, &itw) {
				continue // the user's now: left alone
			}
			return err
		}
	}
	// what is there now, as recorded: an entry is sgz's if it holds what
	// sgz wrote (new or, where the move could not be made, old)
	final := ledger{entries: map[string]tree{}}
	for _, l := range []ledger{cur, next} {
		for name := range l.entries {
			if _, done := final.entries[name]; done {
				continue
			}
			got, err := hashEntry(filepath.Join(abs, name), false)
			if err != nil {
				continue
			}
			if t, ok := next.entries[name]; ok && t.equal(got) {
				final.entries[name] = t
			} else if t, ok := cur.entries[name]; ok && t.equal(got) && !slices.Contains(next.removes, name) {
				final.entries[name] = t
			}
		}
	}
	// work folders of other runs stay recorded (removed by recovery)
	for _, w := range append(cur.work, next.work...) {
		if w != next.plan && !slices.Contains(final.work, w) {
			final.work = append(final.work, w)
		}
	}
	if crashed("removed") {
		return errCrash
	}
	if err := writeLedger(filepath.Join(abs, LedgerName), final); err != nil {
		return err
	}
	if crashed("recorded") {
		return errCrash
	}
	if err := os.Remove(filepath.Join(abs, nextName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	syncDir(abs)
	if work != "" {
		return os.RemoveAll(work)
	}
	return nil
}

// own says whether name is one of place's own files in a folder.
func own(name string) bool {
	return name == LedgerName || name == nextName || name == lockName || strings.HasPrefix(name, ".sgz-work-")
}

// resolve is dir made absolute, its links followed (a link to the output
// folder stays a link).
func resolve(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("没有给出输出位置")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if abs == filepath.Dir(abs) {
		return "", fmt.Errorf("不能以根目录 %s 作为输出文件夹：请给一个文件夹，如 ./看板", abs)
	}
	return abs, nil
}

// flock is syscall.Flock (a variable so that a test can play a file
// system without locks).
var flock = syscall.Flock

// lock takes the folder's lock, waiting for another output that holds it.
// A file system that has no locks (some network shares) is written
// unlocked.
func lock(abs string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(abs, lockName), os.O_CREATE|os.O_RDWR|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s 不是普通文件", lockName)
	}
	if err := flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		if errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
			return func() {}, nil
		}
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// workOf says whether w names a work folder of abs's outputs: in it, or
// beside it under its own name.
func workOf(abs, w string) bool {
	if strings.HasPrefix(w, "../") {
		return strings.HasPrefix(w, "../."+filepath.Base(abs)+".sgz-work-") && workPattern.MatchString(w)
	}
	return workPattern.MatchString(w)
}

var workPattern = regexp.MustCompile(`^(\.sgz-work-[0-9]+-[0-9]+|\.\./\.[^/]+\.sgz-work-[0-9]+-[0-9]+)$`)

// readLedger reads a ledger: a regular file, bounded, every line well
// formed (a name inside the folder, a hash of 64 hex digits); a ledger
// that is not there is empty. One that cannot be read stops the output:
// without it nothing could be proven sgz's.
func readLedger(path string) (ledger, error) {
	led := ledger{entries: map[string]tree{}}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return led, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("sgz 的写出记录 %s 无法读取（%s）：无从确认哪些文件是 sgz 写出的；请检查该文件，或改用另一个文件夹", path, why)
	}
	if err != nil {
		return led, bad(err.Error())
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return led, bad("不是普通文件")
	}
	b, err := io.ReadAll(io.LimitReader(f, ledgerMax+1))
	if err != nil {
		return led, bad(err.Error())
	}
	if len(b) > ledgerMax {
		return led, bad("过大")
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			if line != ledgerHead {
				return led, bad("首行不是 " + ledgerHead)
			}
			first = false
			continue
		}
		kind, rest, _ := strings.Cut(line, "\t")
		parts := strings.Split(rest, "\t")
		switch {
		case kind == "E" && len(parts) == 3:
			name, rel, sum := parts[0], parts[1], parts[2]
			if !entryName(name) || !(rel == "." || filepath.IsLocal(rel) && filepath.Clean(rel) == rel) || !hexSum(sum) {
				return led, bad("记录不合格式：" + clip(line))
			}
			if led.entries[name] == nil {
				led.entries[name] = tree{}
			}
			led.entries[name][rel] = sum
		case kind == "W" && len(parts) == 1 && workPattern.MatchString(parts[0]):
			led.work = append(led.work, parts[0])
		case kind == "P" && len(parts) == 1 && workPattern.MatchString(parts[0]):
			led.plan = parts[0]
		case kind == "M" && len(parts) == 1 && entryName(parts[0]):
			led.moves = append(led.moves, parts[0])
		case kind == "X" && len(parts) == 1 && entryName(parts[0]):
			led.removes = append(led.removes, parts[0])
		case kind == "R" && len(parts) == 1 && entryName(parts[0]):
			led.replaces = append(led.replaces, parts[0])
		default:
			return led, bad("记录不合格式：" + clip(line))
		}
	}
	if err := sc.Err(); err != nil {
		return led, bad(err.Error())
	}
	if first {
		return led, bad("空文件")
	}
	return led, nil
}

// entryName is a name of an entry directly in the folder, not one of
// place's own files.
func entryName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00") && filepath.IsLocal(s) && !own(s)
}

func hexSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// writeLedger writes a ledger through a temporary file renamed over it,
// synced.
func writeLedger(path string, led ledger) error {
	var b strings.Builder
	b.WriteString(ledgerHead + "\n")
	names := make([]string, 0, len(led.entries))
	for name := range led.entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rels := make([]string, 0, len(led.entries[name]))
		for rel := range led.entries[name] {
			rels = append(rels, rel)
		}
		sort.Strings(rels)
		for _, rel := range rels {
			fmt.Fprintf(&b, "E\t%s\t%s\t%s\n", name, rel, led.entries[name][rel])
		}
	}
	for _, w := range led.work {
		fmt.Fprintf(&b, "W\t%s\n", w)
	}
	if led.plan != "" {
		fmt.Fprintf(&b, "P\t%s\n", led.plan)
	}
	for _, m := range led.moves {
		fmt.Fprintf(&b, "M\t%s\n", m)
	}
	for _, x := range led.removes {
		fmt.Fprintf(&b, "X\t%s\n", x)
	}
	for _, r := range led.replaces {
		fmt.Fprintf(&b, "R\t%s\n", r)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("无法写出 sgz 的写出记录：%w", err)
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("无法写出 sgz 的写出记录：%w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// hashEntries hashes every entry of dir.
func hashEntries(dir string, writtenHere bool) (names []string, trees []tree, err error) {
	all, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, en := range all {
		if !entryName(en.Name()) {
			return nil, nil, fmt.Errorf("输出不能含名为 %s 的条目", en.Name())
		}
		t, err := hashEntry(filepath.Join(dir, en.Name()), writtenHere)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, en.Name())
		trees = append(trees, t)
	}
	return names, trees, nil
}

// hashEntry hashes a file, or every file under a folder. A link, a device
// or anything but files and folders is no output of sgz's: an error.
func hashEntry(path string, _ bool) (tree, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	t := tree{}
	if st.Mode().IsRegular() {
		sum, err := hashFile(path)
		if err != nil {
			return nil, err
		}
		t["."] = sum
		return t, nil
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s 不是文件或文件夹", path)
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s 不是文件", p)
		}
		sum, err := hashFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		t[filepath.ToSlash(rel)] = sum
		return nil
	})
	return t, err
}

func hashFile(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// syncTree syncs every file and folder under dir, so that the moves that
// follow put in place what is on disk.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
			return nil // a file system that cannot sync a folder
		}
		return err
	})
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		f.Close()
	}
}
