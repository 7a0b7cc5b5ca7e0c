// Command bench runs sgz's speed and memory benchmarks side by side in one
// run and writes the table to bench/results.md (`make bench`). Each case
// runs as a child process, so that its wall time and peak RSS are its own;
// each is run -runs times and the median is reported. Ratios compare cases
// measured in the same run: this machine is shared and noisy, so absolute
// seconds move between runs and the ratios are what to read.
//
//	go run -tags duckdb_arrow ./bench [-runs 3] [-sgz bin/sgz] [-work build/bench] [-out bench/results.md]
//	go run -tags duckdb_arrow ./bench -national [-sgz bin/sgz] [-work build/national] [-out bench/national.md]
//
// -national runs a national year once, step by step (`make bench-national`:
// about 6 GB of inputs and 10 minutes).
//
// The bench binary is also its own helper for the reference readers:
// `bench -helper read_csv FILE DB` and `bench -helper excelize FILE`.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/ingest"
)

// services is how many records the CSV and .xlsx exports hold: a million,
// and for the workbook as many as a sheet holds under its header.
const (
	csvRecords  = 1_000_000
	xlsxRecords = 1_048_575
)

var header = []string{"服务记录编号", "站点编号", "站点名称", "服务类型", "服务对象类别", "服务开始日期", "服务结束日期", "服务人次", "录入时间", "录入人"}

func main() {
	helper := flag.String("helper", "", "run a reference reader (read_csv, excelize) and exit")
	runs := flag.Int("runs", 3, "runs of each case (the median is reported)")
	sgz := flag.String("sgz", "bin/sgz", "the sgz binary")
	work := flag.String("work", "build/bench", "folder for inputs and databases")
	out := flag.String("out", "", "results file (default bench/results.md, with -national bench/national.md)")
	national := flag.Bool("national", false, "run a national year once (gen, ingest, indicators, site, bulletin)")
	flag.Parse()
	if *national {
		w, o := *work, *out
		if w == "build/bench" {
			w = "build/national"
		}
		if o == "" {
			o = "bench/national.md"
		}
		if err := runNational(*sgz, w, o); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *out == "" {
		*out = "bench/results.md"
	}
	if *helper != "" {
		if err := runHelper(*helper, flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*runs, *sgz, *work, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// runHelper is a reference reader, timed by the parent as a process.
func runHelper(name string, args []string) error {
	switch name {
	case "read_csv": // DuckDB's own reader of the UTF-8 file into a table
		db, err := sql.Open("duckdb", args[1])
		if err != nil {
			return err
		}
		defer db.Close()
		var n int64
		if _, err := db.Exec(`CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, all_varchar = false)`, args[0]); err != nil {
			return err
		}
		if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
			return err
		}
		fmt.Println(n, "rows")
		return nil
	case "volume":
		return copyServices(args[0])
	case "excelize": // excelize's bare streaming read with raw cell values
		f, err := excelize.OpenFile(args[0], excelize.Options{RawCellValue: true})
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := f.Rows(f.GetSheetList()[0])
		if err != nil {
			return err
		}
		n, cells := 0, 0
		for rows.Next() {
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return err
			}
			n++
			cells += len(cols)
		}
		fmt.Println(n, "rows", cells, "cells")
		return rows.Close()
	}
	return fmt.Errorf("no helper %q", name)
}

type measure struct {
	wall time.Duration
	rss  int64 // bytes
}

// child runs a command and measures it; its output goes to log.
func child(log io.Writer, name string, args ...string) (measure, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err := cmd.Run()
	m := measure{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.rss = ru.Maxrss << 10 // kilobytes on Linux
		}
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return m, nil
}

type result struct {
	name, what string
	runs       []measure
}

func (r result) median() measure {
	ws := make([]time.Duration, len(r.runs))
	rs := make([]int64, len(r.runs))
	for i, m := range r.runs {
		ws[i], rs[i] = m.wall, m.rss
	}
	slices.Sort(ws)
	slices.Sort(rs)
	return measure{wall: ws[len(ws)/2], rss: rs[len(rs)/2]}
}

func run(runs int, sgz, work, out string) error {
	sgz, _ = filepath.Abs(sgz)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := workLog(work)
	if err != nil {
		return err
	}
	defer logf.Close()
	prepared := false // inputs made in this process (its memory grew)
	say := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
		fmt.Fprintf(logf, format+"\n", args...)
		prepared = prepared || strings.HasPrefix(format, "准备")
	}

	// The city: the demo's database (stations loaded) and its folder.
	demo := filepath.Join(work, "demo")
	demoDB := filepath.Join(demo, "sgz.duckdb")
	if _, err := os.Stat(demoDB); err != nil {
		say("准备：sgz demo（示例数据库，站点已载入）")
		os.RemoveAll(demo)
		if _, err := child(logf, sgz, "demo", "--out", demo); err != nil {
			return err
		}
	}
	stations, err := stationIDs(demoDB)
	if err != nil {
		return err
	}
	gbCSV := filepath.Join(work, "服务记录_1000000.csv")
	utfCSV := filepath.Join(work, "services_utf8_1000000.csv")
	book := filepath.Join(work, "服务记录_1048575.xlsx")
	if err := ensure(gbCSV, func(w io.Writer) error { return writeServicesCSV(w, csvRecords, stations, true) }); err != nil {
		return err
	}
	if err := ensure(utfCSV, func(w io.Writer) error { return writeServicesCSV(w, csvRecords, stations, false) }); err != nil {
		return err
	}
	if _, err := os.Stat(book); err != nil {
		say("准备：%d 行的 .xlsx 服务记录导出", xlsxRecords)
		if err := writeServicesXLSX(book, xlsxRecords, stations); err != nil {
			return err
		}
	}

	// Exports loaded into a database that holds only the stations (the
	// first load of a new database, where DuckDB's estimates see empty
	// tables) and their corrected re-exports (the overlap path): 250,000
	// records, and 2,000,000 (sheet_max_rows), each with its UTF-8 copy
	// for read_csv.
	stationsDB := filepath.Join(work, "stations", "sgz.duckdb")
	if _, err := os.Stat(stationsDB); err != nil {
		say("准备：只载入了站点信息的数据库")
		os.RemoveAll(filepath.Dir(stationsDB))
		if err := os.MkdirAll(filepath.Dir(stationsDB), 0o755); err != nil {
			return err
		}
		if _, err := child(logf, sgz, "ingest", "--quiet", "--db", stationsDB+".tmp", filepath.Join(demo, "inputs", "system", "站点信息_20240110.csv")); err != nil {
			return err
		}
		for _, s := range []string{"", ".key"} {
			if err := os.Rename(stationsDB+".tmp"+s, stationsDB+s); err != nil {
				return err
			}
		}
	}
	type sized struct {
		n                      int
		gb, utf, fixed, loaded string // the export, its UTF-8 copy, its re-export, a database it is loaded in
	}
	var sizes []sized
	for _, n := range []int{250_000, 2_000_000} {
		z := sized{n: n, gb: filepath.Join(work, fmt.Sprintf("服务记录_%d.csv", n)), utf: filepath.Join(work, fmt.Sprintf("services_utf8_%d.csv", n)),
			fixed: filepath.Join(work, fmt.Sprintf("服务记录_%d_更正.csv", n)), loaded: filepath.Join(work, fmt.Sprintf("loaded_%d", n), "sgz.duckdb")}
		for path, gb := range map[string]bool{z.gb: true, z.utf: false} {
			if err := ensure(path, func(w io.Writer) error { return writeExport(w, n, stations, gb, false) }); err != nil {
				return err
			}
		}
		if err := ensure(z.fixed, func(w io.Writer) error { return writeExport(w, n, stations, true, true) }); err != nil {
			return err
		}
		if _, err := os.Stat(z.loaded); err != nil {
			say("准备：载入 %d 条记录的数据库（供更正后重新导出的文件载入）", n)
			if err := freshCopy(stationsDB, z.loaded+".tmp"); err != nil {
				return err
			}
			if _, err := child(logf, sgz, "ingest", "--quiet", "--db", z.loaded+".tmp", z.gb); err != nil {
				return err
			}
			for _, s := range []string{"", ".key"} {
				if err := os.Rename(z.loaded+".tmp"+s, z.loaded+s); err != nil {
					return err
				}
			}
		}
		sizes = append(sizes, z)
	}

	// A folder of 1,000 small exports, loaded once: sent again, unchanged.
	folder := filepath.Join(work, "unchanged_1000")
	unchangedDB := filepath.Join(work, "unchanged", "sgz.duckdb")
	if _, err := os.Stat(unchangedDB); err != nil {
		say("准备：1,000 个小文件的文件夹，先载入一次")
		if err := writeFolder(folder, 1000, 100, stations); err != nil {
			return err
		}
		os.RemoveAll(filepath.Dir(unchangedDB))
		if err := os.MkdirAll(filepath.Dir(unchangedDB), 0o755); err != nil {
			return err
		}
		for _, s := range []string{"", ".key"} {
			if err := copyFile(demoDB+s, unchangedDB+".tmp"+s); err != nil {
				return err
			}
		}
		if _, err := child(logf, sgz, "ingest", "--quiet", "--db", unchangedDB+".tmp", folder); err != nil {
			return err
		}
		for _, s := range []string{"", ".key"} {
			if err := os.Rename(unchangedDB+".tmp"+s, unchangedDB+s); err != nil {
				return err
			}
		}
	}

	// Volume: the demo's database with 21,000,000 service records (the
	// million-record export loaded, then copied 20 times over in SQL under
	// new record ids), for the queries and the site at that volume.
	volumeDB := filepath.Join(work, "volume", "sgz.duckdb")
	if _, err := os.Stat(volumeDB); err != nil {
		say("准备：2,100 万条服务记录的数据库（载入 100 万条后在 SQL 中复制 20 份）")
		if err := makeVolume(logf, sgz, demoDB, gbCSV, volumeDB); err != nil {
			return err
		}
	}

	// The province: gen --scale province (the city's files and the system
	// exports of 山西省's other townships, 1.5 million records), loaded once
	// for the queries (the national run, make bench-national, times the
	// ingest at scale).
	prov := filepath.Join(work, "province")
	provDB := filepath.Join(work, "province_db", "sgz.duckdb")
	provPolicy := filepath.Join(prov, "policy.csv")
	if _, err := os.Stat(provPolicy); err != nil {
		say("准备：sgz gen --scale province")
		os.RemoveAll(prov)
		if _, err := child(logf, sgz, "gen", "--scale", "province", "--seed", "1", "--out", prov); err != nil {
			return err
		}
	}
	provFresh := func() error {
		os.RemoveAll(filepath.Dir(provDB))
		return os.MkdirAll(filepath.Dir(provDB), 0o755)
	}
	provIngest := []string{"ingest", "--quiet", "--policy", provPolicy, "--db", provDB, filepath.Join(prov, "ledgers"), filepath.Join(prov, "system")}
	if _, err := os.Stat(provDB); err != nil {
		say("准备：载入全省数据")
		if err := provFresh(); err != nil {
			return err
		}
		if _, err := child(logf, sgz, provIngest...); err != nil && !partly(err) {
			return err
		}
	}

	// A fresh copy of the demo's database for each ingest.
	db := filepath.Join(work, "run", "sgz.duckdb")
	fresh := func() error {
		os.RemoveAll(filepath.Dir(db))
		if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
			return err
		}
		for _, s := range []string{"", ".key"} {
			if err := copyFile(demoDB+s, db+s); err != nil {
				return err
			}
		}
		return nil
	}
	empty := filepath.Join(work, "run", "ref.duckdb")
	cases := []struct {
		name, what string
		prep       func() error
		args       []string
		bin        string
	}{
		{"csv_ingest", "sgz ingest：100 万条服务记录，GB18030 CSV（解码、校验、脱敏、写入）", fresh, []string{"ingest", "--quiet", "--db", db, gbCSV}, sgz},
		{"csv_duckdb", "DuckDB read_csv：同样 100 万行（UTF-8）建表", func() error { os.Remove(empty); return os.MkdirAll(filepath.Dir(empty), 0o755) }, []string{"-helper", "read_csv", utfCSV, empty}, self},
		{"xlsx_ingest", "sgz ingest：1,048,575 行 .xlsx 服务记录", fresh, []string{"ingest", "--quiet", "--db", db, book}, sgz},
		{"xlsx_excelize", "excelize 流式读取同一工作表（原始值，不转换）", nil, []string{"-helper", "excelize", book}, self},
		{"unchanged_1000", "sgz ingest：再次送来 1,000 个已载入的文件（内容未变）", nil, []string{"ingest", "--quiet", "--db", unchangedDB, folder}, sgz},
		{"volume_indicators", "2,100 万条服务记录：report indicators", nil, []string{"report", "indicators", "--db", volumeDB, "--as-of", "2023-12-31"}, sgz},
		{"volume_site", "2,100 万条服务记录：dashboard 写出看板网站", func() error { return os.RemoveAll(filepath.Join(work, "volume_site")) }, []string{"dashboard", "--db", volumeDB, "--as-of", "2023-12-31", "--out", filepath.Join(work, "volume_site")}, sgz},
		{"city_indicators", "市级：report indicators（示例数据库）", nil, []string{"report", "indicators", "--db", demoDB, "--as-of", "2023-12-31"}, sgz},
		{"city_site", "市级：dashboard 写出看板网站", func() error { return os.RemoveAll(filepath.Join(work, "site")) }, []string{"dashboard", "--db", demoDB, "--as-of", "2023-12-31", "--out", filepath.Join(work, "site")}, sgz},
		{"province_indicators", "省级（山西省 150 万条服务记录）：report indicators", nil, []string{"report", "indicators", "--policy", provPolicy, "--db", provDB, "--as-of", "2023-12-31"}, sgz},
		{"province_areas", "省级：report areas（全省、各市、各县）", nil, []string{"report", "areas", "--policy", provPolicy, "--db", provDB, "--as-of", "2023-12-31"}, sgz},
		{"province_site", "省级：dashboard 写出看板网站（含全省、各市页面）", func() error { return os.RemoveAll(filepath.Join(work, "province_site")) }, []string{"dashboard", "--policy", provPolicy, "--db", provDB, "--as-of", "2023-12-31", "--out", filepath.Join(work, "province_site")}, sgz},
	}
	for _, z := range sizes {
		k := fmt.Sprintf("%dk", z.n/1000)
		if z.n >= 1_000_000 {
			k = fmt.Sprintf("%dm", z.n/1_000_000)
		}
		rdb := filepath.Join(work, "run", "sgz.duckdb")
		cases = append(cases, []struct {
			name, what string
			prep       func() error
			args       []string
			bin        string
		}{
			{"csv_fresh_" + k, fmt.Sprintf("sgz ingest：%s 条服务记录，载入只有站点信息的数据库", thousands(int64(z.n))),
				func() error { return freshCopy(stationsDB, rdb) }, []string{"ingest", "--quiet", "--db", rdb, z.gb}, sgz},
			{"csv_duckdb_" + k, "DuckDB read_csv：同样的记录（UTF-8）建表",
				func() error { os.Remove(empty); return os.MkdirAll(filepath.Dir(empty), 0o755) }, []string{"-helper", "read_csv", z.utf, empty}, self},
			{"csv_reexport_" + k, "sgz ingest：同样的记录更正后重新导出（编号相同，每三条改一条），载入已有原导出的数据库",
				func() error { return freshCopy(z.loaded, rdb) }, []string{"ingest", "--quiet", "--db", rdb, z.fixed}, sgz},
		}...)
	}
	if prepared {
		// A child's peak RSS counts its parent's memory at the fork (Linux
		// keeps the larger of the two across exec): the parent that made
		// the inputs starts again as a small process before it measures.
		say("输入已备齐，重新启动以测量")
		logf.Close()
		return syscall.Exec(self, os.Args, os.Environ())
	}
	var results []result
	for _, c := range cases {
		r := result{name: c.name, what: c.what}
		for i := 0; i < runs; i++ {
			if c.prep != nil {
				if err := c.prep(); err != nil {
					return err
				}
			}
			fmt.Fprintf(logf, "== %s run %d\n", c.name, i+1)
			m, err := child(logf, c.bin, c.args...)
			if err != nil && !partly(err) {
				return err
			}
			say("%-16s 第 %d 次：%6.2f s，峰值内存 %4d MB", c.name, i+1, m.wall.Seconds(), m.rss>>20)
			r.runs = append(r.runs, m)
		}
		results = append(results, r)
	}
	table := report(results, runs, sgz, work)
	fmt.Print(table)
	return os.WriteFile(out, []byte(table), 0o644)
}

func report(results []result, runs int, sgz, work string) string {
	med := map[string]measure{}
	for _, r := range results {
		med[r.name] = r.median()
	}
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# sgz benchmarks\n\n")
	fmt.Fprintf(&b, "Run %s on %s: %s, %d cores, %s; %s. Each case ran %d times as its own process; medians of wall time and peak RSS. Reproduce with `make bench` (inputs are generated into %s the first time).\n\n",
		time.Now().Format("2006-01-02 15:04"), host, cpuModel(), runtime.NumCPU(), memTotal(), runtime.Version(), runs, work)
	b.WriteString("| case | what | median s | peak RSS MB | all runs s |\n|---|---|---:|---:|---|\n")
	for _, r := range results {
		m := r.median()
		var all []string
		for _, x := range r.runs {
			all = append(all, fmt.Sprintf("%.2f", x.wall.Seconds()))
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %d | %s |\n", r.name, r.what, m.wall.Seconds(), m.rss>>20, strings.Join(all, ", "))
	}
	ratio := func(ref, ours string) float64 { return med[ref].wall.Seconds() / med[ours].wall.Seconds() }
	b.WriteString("\n| ratio | measured | target |\n|---|---:|---|\n")
	fmt.Fprintf(&b, "| CSV ingest throughput ÷ DuckDB read_csv | %.2f× | ≥ 0.8× (stretch 1.0×) |\n", ratio("csv_duckdb", "csv_ingest"))
	fmt.Fprintf(&b, "| xlsx ingest throughput ÷ excelize raw read | %.2f× | ≥ 0.8× |\n", ratio("xlsx_excelize", "xlsx_ingest"))
	fmt.Fprintf(&b, "| xlsx ingest throughput ÷ openpyxl read-only (86 s per million rows, ../shared/notes/ingest-speed.md; openpyxl is not installable offline here) | %.2f× | ≥ 3× |\n",
		86.0*float64(xlsxRecords)/1e6/med["xlsx_ingest"].wall.Seconds())
	fmt.Fprintf(&b, "| CSV ingest peak RSS | %d MB | < 500 MB |\n", med["csv_ingest"].rss>>20)
	for _, k := range []string{"250k", "2m"} {
		fmt.Fprintf(&b, "| %s records into a database of stations only: throughput ÷ read_csv; peak RSS | %.2f×; %d MB | loads with the defaults; < 500 MB |\n",
			strings.ToUpper(k), ratio("csv_duckdb_"+k, "csv_fresh_"+k), med["csv_fresh_"+k].rss>>20)
		fmt.Fprintf(&b, "| their corrected re-export (overlap): throughput ÷ read_csv; peak RSS | %.2f×; %d MB | loads with the defaults; < 500 MB |\n",
			ratio("csv_duckdb_"+k, "csv_reexport_"+k), med["csv_reexport_"+k].rss>>20)
	}
	fmt.Fprintf(&b, "| indicators at 21,000,000 services on the city's 118 stations (volume) | %.2f s | < 2 s (the national target; met at the national scale, national.md) |\n", med["volume_indicators"].wall.Seconds())
	fmt.Fprintf(&b, "| site at 21,000,000 services on the city's 118 stations (volume) | %.2f s | < 30 s (the national target; met at the national scale, national.md) |\n", med["volume_site"].wall.Seconds())
	fmt.Fprintf(&b, "| an unchanged folder of 1,000 files, again | %.2f s | < 1 s |\n", med["unchanged_1000"].wall.Seconds())
	fmt.Fprintf(&b, "| indicators at the province's scale (report areas) | %.2f s | < 2 s |\n", med["province_areas"].wall.Seconds())
	fmt.Fprintf(&b, "| site at the province's scale | %.2f s | < 30 s |\n", med["province_site"].wall.Seconds())
	b.WriteString("\nThe national year is measured by `make bench-national` ([national.md](national.md)).\n")
	b.WriteString("\nWhere a target is missed, [README.md](README.md) explains why from a CPU profile and what meeting it would take: " +
		"\"The CSV miss, from the profile\", \"The xlsx ≥ 3× openpyxl miss, from the profile\" and \"Queries and the site at volume\".\n")
	return b.String()
}

// checkAreas compares report areas as of 2023-12-31 with the generator's
// truth for every city and county outside 晋中市, and returns how many
// were compared and how many differ (each difference is logged).
func checkAreas(sgz, policy, db, truthFile string) (checked, wrong int, err error) {
	b, err := os.ReadFile(truthFile)
	if err != nil {
		return 0, 0, err
	}
	var raw map[string]map[string]int
	if err := json.Unmarshal(b, &raw); err != nil {
		return 0, 0, err
	}
	out, err := exec.Command(sgz, "report", "areas", "--policy", policy, "--db", db, "--as-of", "2023-12-31", "--format", "json").Output()
	if err != nil {
		return 0, 0, fmt.Errorf("report areas: %w", err)
	}
	var rows []struct {
		Code      string   `json:"area_code"`
		Level     string   `json:"area_level"`
		Townships int      `json:"townships_in_scope"`
		Stations  int      `json:"stations_established"`
		Operating int      `json:"stations_operating"`
		Services  int      `json:"services_month"`
		Persons   int      `json:"person_times_month"`
		Base      *float64 `json:"baseinfo_timely_rate"`
		Service   *float64 `json:"service_timely_rate"`
		Summary   *float64 `json:"summary_ontime_rate"`
	}
	if err := json.Unmarshal(out, &rows); err != nil {
		return 0, 0, err
	}
	rate := func(n, d int) *float64 {
		if d == 0 {
			return nil
		}
		x := float64(n) / float64(d)
		return &x
	}
	same := func(a, b *float64) bool {
		return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9)
	}
	for _, r := range rows {
		if (r.Level != "city" && r.Level != "county") || strings.HasPrefix(r.Code, "1407") {
			continue
		}
		t := raw[r.Code]
		checked++
		ok := r.Townships == t["townships_in_scope"] && r.Stations == t["stations_established"] && r.Operating == t["stations_operating"] &&
			r.Services == t["services_month"] && r.Persons == t["person_times_month"] &&
			same(r.Base, rate(t["baseinfo_on_time"], t["baseinfo_counted"])) &&
			same(r.Service, rate(t["services_on_time"], t["services_month"])) &&
			same(r.Summary, rate(t["summaries_on_time"], t["summaries_owed"]))
		if !ok {
			wrong++
			fmt.Fprintf(os.Stderr, "area %s %s: %+v, truth %v\n", r.Level, r.Code, r, t)
		}
	}
	return checked, wrong, nil
}

// thousands writes n with thousands separators (49,690,099).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// partly says err is sgz's exit status 1: some rows or files were
// rejected (the generated city files plant bad rows on purpose).
func partly(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == 1
}

// workLog makes the work folder and its bench.log, which the children's
// output goes to.
func workLog(work string) (*os.File, error) {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	return os.Create(filepath.Join(work, "bench.log"))
}

// runNational runs a national year once, step by step, each step a process
// of its own, and writes the table to out: gen --scale national (skipped
// when its inputs are there), ingest into a new database, report
// indicators and areas as of 2023-12-31, the site, the November bulletin.
func runNational(sgz, work, out string) error {
	sgz, _ = filepath.Abs(sgz)
	logf, err := workLog(work)
	if err != nil {
		return err
	}
	defer logf.Close()
	inputs := filepath.Join(work, "inputs")
	policy := filepath.Join(inputs, "policy.csv")
	db := filepath.Join(work, "db", "sgz.duckdb")
	type step struct {
		name, what string
		args       []string
		m          measure
	}
	var steps []step
	if _, err := os.Stat(policy); err != nil {
		os.RemoveAll(inputs)
		steps = append(steps, step{name: "gen", what: "sgz gen --scale national（不计入全流程）", args: []string{"gen", "--scale", "national", "--seed", "1", "--out", inputs}})
	}
	os.RemoveAll(filepath.Dir(db))
	os.RemoveAll(filepath.Join(work, "site"))
	os.RemoveAll(filepath.Join(work, "bulletin"))
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		return err
	}
	p := []string{"--policy", policy, "--db", db}
	steps = append(steps,
		step{name: "ingest", what: "sgz ingest：全国一年的台账和系统导出", args: append([]string{"ingest", "--quiet", filepath.Join(inputs, "ledgers"), filepath.Join(inputs, "system")}, p...)},
		step{name: "indicators", what: "report indicators（晋中市各县，台账口径）", args: append([]string{"report", "indicators", "--as-of", "2023-12-31"}, p...)},
		step{name: "areas", what: "report areas（全国、各省、各市、各县，系统口径）", args: append([]string{"report", "areas", "--as-of", "2023-12-31"}, p...)},
		step{name: "site", what: "dashboard 写出看板网站（全国、各省、各市页面及晋中市各页）", args: append([]string{"dashboard", "--as-of", "2023-12-31", "--out", filepath.Join(work, "site")}, p...)},
		step{name: "bulletin", what: "bulletin：2023年11月通报", args: append([]string{"bulletin", "--month", "2023-11", "--out", filepath.Join(work, "bulletin")}, p...)},
	)
	var total measure
	for i := range steps {
		fmt.Fprintf(logf, "== %s\n", steps[i].name)
		fmt.Fprintf(os.Stderr, "%s …\n", steps[i].name)
		m, err := child(logf, sgz, steps[i].args...)
		if err != nil && !partly(err) {
			return err
		}
		steps[i].m = m
		fmt.Fprintf(os.Stderr, "%-10s %7.1f s，峰值内存 %5d MB\n", steps[i].name, m.wall.Seconds(), m.rss>>20)
		if steps[i].name != "gen" {
			total.wall += m.wall
			total.rss = max(total.rss, m.rss)
		}
	}
	checked, wrong, err := checkAreas(sgz, policy, db, filepath.Join(inputs, "scale_truth.json"))
	if err != nil {
		return err
	}
	var records, files int64
	if conn, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY"); err == nil {
		_ = conn.QueryRow(`SELECT (SELECT count(*) FROM sys_services), (SELECT count(*) FROM files)`).Scan(&records, &files)
		conn.Close()
	}
	size := int64(0)
	if st, err := os.Stat(db); err == nil {
		size = st.Size()
	}
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# A national year on one machine\n\n")
	fmt.Fprintf(&b, "Run %s on %s: %s, %d cores, %s; %s. Each step ran once as its own process. Reproduce with `make bench-national` (inputs are generated into %s the first time: about 6 GB).\n\n",
		time.Now().Format("2006-01-02 15:04"), host, cpuModel(), runtime.NumCPU(), memTotal(), runtime.Version(), work)
	fmt.Fprintf(&b, "The database holds %s service records from %s files (%.1f GB).\n\n", thousands(records), thousands(files), float64(size)/(1<<30))
	b.WriteString("| step | what | wall s | peak RSS MB |\n|---|---|---:|---:|\n")
	for _, st := range steps {
		fmt.Fprintf(&b, "| %s | %s | %.1f | %d |\n", st.name, st.what, st.m.wall.Seconds(), st.m.rss>>20)
	}
	fmt.Fprintf(&b, "| **total** | ingest to bulletin | **%.1f** | **%d** (largest step) |\n", total.wall.Seconds(), total.rss>>20)
	fmt.Fprintf(&b, "\nTarget (issue 10): ingest, indicators, site and bulletin in under 10 minutes (600 s), peak RSS under 8 GiB (8,192 MB).\n")
	fmt.Fprintf(&b, "\nChecked against the generator's own figures (`scale_truth.json`): %s areas outside 晋中市 (cities and counties; provinces and the country include the city's demo files, which the truth leaves out), townships, stations, operating stations, December services and person-times, and the three timeliness counts behind the rates: %d differ.\n", thousands(int64(checked)), wrong)
	table := b.String()
	fmt.Print(table)
	return os.WriteFile(out, []byte(table), 0o644)
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "memory unknown"
}

func stationIDs(db string) ([]string, error) {
	d, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	rows, err := d.QueryContext(context.Background(), `SELECT DISTINCT station_id FROM sys_stations ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s has no stations", db)
	}
	return ids, rows.Err()
}

// ensure writes path with write unless it exists (inputs are kept between
// runs: they are deterministic).
func ensure(path string, write func(io.Writer) error) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var (
	types   = []string{"个案服务", "小组服务", "社区活动", "需求评估", "探访慰问", "政策宣传"}
	targets = []string{"低保对象", "特困人员", "留守儿童", "困境儿童", "老年人", "残疾人", "低保边缘"}
)

// record is one service record of 2023, as the system exports it.
func record(rng *rand.Rand, i int, stations []string) []string {
	st := stations[rng.IntN(len(stations))]
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(360))
	end := start.AddDate(0, 0, rng.IntN(3))
	entered := end.Add(time.Duration(rng.IntN(3*86400)) * time.Second)
	return []string{fmt.Sprintf("FW%s%08d", st[2:min(len(st), 8)], i), st, "社会工作服务站", types[rng.IntN(len(types))], targets[rng.IntN(len(targets))],
		start.Format(time.DateOnly), end.Format(time.DateOnly), fmt.Sprint(1 + rng.IntN(20)), entered.Format(time.DateTime), "王芳"}
}

func writeServicesCSV(w io.Writer, n int, stations []string, gb bool) error {
	return writeExport(w, n, stations, gb, false)
}

// writeExport writes n records as writeServicesCSV does; corrected, the
// same records (the same ids, stations and dates) with every third one's
// 服务人次 one more, as a re-export after corrections in the system.
func writeExport(w io.Writer, n int, stations []string, gb, corrected bool) error {
	if gb {
		w = simplifiedchinese.GB18030.NewEncoder().Writer(w)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 1; i <= n; i++ {
		rec := record(rng, i, stations)
		if corrected && i%3 == 0 {
			pt, _ := strconv.Atoi(rec[7])
			rec[7] = strconv.Itoa(pt + 1)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeServicesXLSX(path string, n int, stations []string) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	row := make([]any, len(header))
	for i, h := range header {
		row[i] = h
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 1; i <= n; i++ {
		rec := record(rng, i, stations)
		for j, v := range rec {
			row[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// writeFolder writes files GB18030 services exports of rows records each.
func writeFolder(dir string, files, rows int, stations []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for i := 0; i < files; i++ {
		path := filepath.Join(dir, fmt.Sprintf("服务记录_%04d.csv", i))
		err := ensure(path, func(w io.Writer) error {
			cw := csv.NewWriter(simplifiedchinese.GB18030.NewEncoder().Writer(w))
			if err := cw.Write(header); err != nil {
				return err
			}
			for j := 0; j < rows; j++ {
				if err := cw.Write(record(rng, 2_000_000+i*rows+j, stations)); err != nil {
					return err
				}
			}
			cw.Flush()
			return cw.Error()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// makeVolume loads the export into a copy of the demo's database, copies
// its records 20 times in SQL (new ids, same stations and dates) and lets
// sgz work out the current records.
func makeVolume(log io.Writer, sgz, demoDB, export, volumeDB string) error {
	dir := filepath.Dir(volumeDB)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := volumeDB + ".tmp"
	for _, s := range []string{"", ".key"} {
		if err := copyFile(demoDB+s, tmp+s); err != nil {
			return err
		}
	}
	if _, err := child(log, sgz, "ingest", "--quiet", "--db", tmp, export); err != nil {
		return err
	}
	// in a child: the parent's own memory would count in the peaks of the
	// children it starts afterwards (they share it until they exec)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if _, err := child(log, self, "-helper", "volume", tmp); err != nil {
		return err
	}
	for _, s := range []string{"", ".key"} {
		if err := os.Rename(tmp+s, volumeDB+s); err != nil {
			return err
		}
	}
	return nil
}

// copyServices copies the latest file's service records 20 times under new
// ids and works out the current records (the helper "volume"). The copies
// go in by end date, as a year of monthly exports would arrive: the
// current records keep the order loads append them in (docs/decisions.md).
func copyServices(path string) error {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	_, err = db.ExecContext(ctx, `INSERT INTO sys_services
		SELECT file_id, sheet_name, row_number + 2000000 * k, service_id || '-' || k, station_id, service_type, target_kind,
		       start_date, end_date, person_times, entered_at
		FROM sys_services, range(1, 21) r(k) WHERE file_id = (SELECT max(file_id) FROM files)
		ORDER BY end_date, k`)
	if err == nil {
		err = ingest.RecomputeServices(ctx, db)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// freshCopy puts a copy of a database and its key at to, replacing what
// was there.
func freshCopy(from, to string) error {
	os.RemoveAll(filepath.Dir(to))
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	for _, s := range []string{"", ".key"} {
		if err := copyFile(from+s, to+s); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
