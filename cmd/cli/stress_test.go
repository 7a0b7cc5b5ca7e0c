package cli_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStressKillDuringCommit (make stress; SGZ_STRESS=1): a large services
// export is ingested and the process killed, again and again, the moment
// its commit starts (when the write-ahead log appears) and at random
// moments before; after each kill the indicators equal those before the
// load (rows of the torn load count nowhere, and the next writing open
// removes them), and in the end the file loads exactly once.
func TestStressKillDuringCommit(t *testing.T) {
	if os.Getenv("SGZ_STRESS") == "" {
		t.Skip("make stress runs this (SGZ_STRESS=1)")
	}
	d := loadDemo(t)
	db := copyDemo(t, d)
	rows := 300000
	if n := os.Getenv("SGZ_STRESS_ROWS"); n != "" {
		fmt.Sscan(n, &rows)
	}
	big := filepath.Join(t.TempDir(), "服务记录_stress.csv")
	var stations []string
	for _, s := range d.world.Stations {
		if !s.NotInSystem {
			stations = append(stations, s.ID)
		}
	}
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("服务记录编号,站点编号,服务类型,服务对象类别,服务开始日期,服务结束日期,服务人次,录入时间\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(w, "STRESS%08d,%s,个案服务,老年人,2023-12-%02d,2023-12-%02d,1,2023-12-%02d 10:00:00\n", i, stations[i%len(stations)], 1+i%28, 1+i%28, 2+i%28)
	}
	w.Flush()
	f.Close()
	indicators := func() string {
		out, code := run("report", "indicators", "--db", db, "--as-of", "2023-12-31", "--format", "csv")
		if code != 0 {
			t.Fatal(out)
		}
		return out
	}
	before := indicators()
	sgz := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
		cmd.Env = append(os.Environ(), "SGZ_TEST_CLI=1")
		return cmd
	}
	small := filepath.Join(d.dir, "inputs", "system", "月度总结_20240110.csv") // loaded before: a writing open that changes nothing
	kills := 8
	for i := 0; i < kills; i++ {
		cmd := sgz("ingest", big, "--db", db)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		atCommit := i%2 == 0
		limit := time.Duration(200+rand.IntN(3000)) * time.Millisecond
		for {
			if st, err := os.Stat(db + ".wal"); atCommit && err == nil && st.Size() > 0 {
				break // the commit has begun
			}
			if !atCommit && time.Since(start) > limit {
				break
			}
			if time.Since(start) > 5*time.Minute {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if got := indicators(); got != before {
			t.Fatalf("kill %d (%s after %v): the indicators changed:\n%s", i+1, map[bool]string{true: "at the commit", false: "at random"}[atCommit], time.Since(start), got)
		}
		out, _ := run("ingest", small, "--db", db)
		if strings.Contains(out, "不属于任何已载入的文件") {
			t.Logf("kill %d: %s", i+1, strings.SplitN(out, "\n", 2)[0])
		}
	}
	if out, code := run("ingest", big, "--db", db); code != 0 {
		t.Fatalf("the load after the kills: exit %d %s", code, out)
	}
	if out, _ := run("ingest", big, "--db", db); !strings.Contains(out, "未变") {
		t.Errorf("the file loaded twice: %s", out)
	}
	out, _ := run("report", "indicators", "--db", db, "--as-of", "2023-12-31", "--format", "csv")
	city := strings.Split(strings.TrimSpace(out), "\n")
	cols := strings.Split(city[len(city)-1], ",")
	wantCity := strings.Split(strings.Split(strings.TrimSpace(before), "\n")[len(city)-1], ",")
	var got, was int
	fmt.Sscan(cols[12], &got)
	fmt.Sscan(wantCity[12], &was)
	if got != was+rows {
		t.Errorf("December services after the load: %d, want %d + %d", got, was, rows)
	}
}

// TestStressKillRestoreAndExport (make stress; SGZ_STRESS=1): restore and
// export killed at every step of putting their output in place
// (SGZ_PLACE_CRASH), then the next command: the database answers as it
// did or as the backup does, with its own key; the export folder holds the
// old export or the new one, and nothing hidden a glob would read.
func TestStressKillRestoreAndExport(t *testing.T) {
	if os.Getenv("SGZ_STRESS") == "" {
		t.Skip("make stress runs this (SGZ_STRESS=1)")
	}
	d := loadDemo(t)
	sgz := func(env string, args ...string) (string, int) {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
		cmd.Env = append(os.Environ(), "SGZ_TEST_CLI=1", env)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	indicators := func(db string) string {
		out, code := run("report", "indicators", "--db", db, "--as-of", "2023-12-31", "--format", "csv")
		if code != 0 {
			t.Fatalf("after the kill: %s", out)
		}
		return out
	}
	// the backup is of another state: a later export loaded
	base := copyDemo(t, d)
	old := indicators(base)
	changed := copyDemo(t, d)
	extra := filepath.Join(t.TempDir(), "服务记录_补录.csv")
	body := "服务记录编号,站点编号,服务类型,服务对象类别,服务开始日期,服务结束日期,服务人次,录入时间\n"
	for i, s := range d.world.Stations[:20] {
		if !s.NotInSystem {
			body += fmt.Sprintf("KILL%04d,%s,个案服务,老年人,2023-12-20,2023-12-20,3,2023-12-21 10:00:00\n", i, s.ID)
		}
	}
	if err := os.WriteFile(extra, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run("ingest", extra, "--db", changed); code != 0 {
		t.Fatal(out)
	}
	backup := filepath.Join(t.TempDir(), "备份.zip")
	if out, code := run("backup", backup, "--db", changed); code != 0 {
		t.Fatal(out)
	}
	restored := indicators(changed)
	if restored == old {
		t.Fatal("the backup's figures equal the database's: the test would prove nothing")
	}
	for _, step := range []string{"filled", "planned", "aside sgz.duckdb.key", "moved sgz.duckdb.key", "aside sgz.duckdb", "moved sgz.duckdb", "removed", "recorded"} {
		db := filepath.Join(t.TempDir(), "sgz.duckdb")
		for _, s := range []string{"", ".key"} {
			b, _ := os.ReadFile(base + s)
			if err := os.WriteFile(db+s, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		out, code := sgz("SGZ_PLACE_CRASH="+step, "restore", backup, "--db", db, "--force")
		if code != 3 {
			t.Fatalf("restore killed at %q: exit %d, want 3 (the kill)\n%s", step, code, out)
		}
		got := indicators(db) // this open finishes what the kill left
		if got != old && got != restored {
			t.Errorf("restore killed at %q: the database is neither the old one nor the backup's", step)
		}
		// its key is its own: a load goes through
		if out, code := run("ingest", extra, "--db", db); code != 0 {
			t.Errorf("restore killed at %q: a load after it: exit %d\n%s", step, code, out)
		}
	}
	// the export, killed while it replaces an earlier one
	parent := t.TempDir()
	dir := filepath.Join(parent, "pq")
	if out, code := run("export", "--out", dir, "--db", base, "--as-of", "2023-06-30"); code != 0 {
		t.Fatal(out)
	}
	count := func() int {
		pq, err := sql.Open("duckdb", "")
		if err != nil {
			t.Fatal(err)
		}
		defer pq.Close()
		var n int
		if err := pq.QueryRow(`SELECT count(*) FROM read_parquet('` + filepath.Join(dir, "indicators", "**", "*.parquet") + `')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for _, step := range []string{"filled", "planned", "aside indicators", "moved indicators", "aside sys_services", "moved sys_services", "removed", "recorded"} {
		out, code := sgz("SGZ_PLACE_CRASH="+step, "export", "--out", dir, "--db", base, "--as-of", "2023-12-31")
		if code != 3 {
			t.Fatalf("export killed at %q: exit %d\n%s", step, code, out)
		}
		if hidden, _ := filepath.Glob(filepath.Join(dir, ".*", "*")); len(hidden) > 0 {
			t.Errorf("export killed at %q: hidden entries inside the export: %v", step, hidden)
		}
		// the next export finishes (or undoes) what the kill left, then
		// writes its own: the folder holds an export, whole
		if out, code := run("export", "--out", dir, "--db", base, "--as-of", "2023-06-30"); code != 0 {
			t.Fatalf("the export after a kill at %q: %s", step, out)
		}
		if n := count(); n != before {
			t.Errorf("export killed at %q, then again: %d indicator rows, want %d", step, n, before)
		}
		if left, _ := filepath.Glob(filepath.Join(parent, ".pq.sgz-work-*")); len(left) > 0 {
			t.Errorf("export killed at %q: work folders left: %v", step, left)
		}
	}
}
