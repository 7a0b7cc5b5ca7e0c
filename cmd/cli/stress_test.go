package cli_test

import (
	"bufio"
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
