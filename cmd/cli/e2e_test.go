package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/cmd/cli"
	"sgz/data"
	"sgz/gen"
	"sgz/ingest"
	"sgz/metrics"
	"sgz/transform"
)

// The end-to-end tests generate the sample inputs once, load them through
// the command line, and compare `sgz report indicators` with figures worked
// out here from the generator's ground truth (truth.json) by the rules of
// docs/indicators.md — plain loops over what the generator created, not the
// SQL under test.

type demoData struct {
	dir, db  string
	world    *gen.World
	manifest []gen.Expected
	ingest   string
	err      error
}

var (
	demoOnce sync.Once
	demo     demoData

	siteOnce    sync.Once
	demoSiteDir string
	siteErr     error
)

// demoSite is the site of the demo's database as of 2023-12-31, built
// once for the tests that only read it.
func demoSite(t *testing.T) string {
	t.Helper()
	d := loadDemo(t)
	siteOnce.Do(func() {
		demoSiteDir = filepath.Join(d.dir, "site")
		if out, code := run("dashboard", "--db", d.db, "--as-of", "2023-12-31", "--out", demoSiteDir); code != 0 {
			siteErr = fmt.Errorf("dashboard: exit %d: %s", code, out)
		}
	})
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	return demoSiteDir
}

// loadDemo generates the messy inputs (every county with its habits) and
// loads them.
func loadDemo(t *testing.T) demoData {
	t.Helper()
	demoOnce.Do(func() {
		// SGZ_E2E_SEED runs the suite on another world (the demo's is 1).
		seed := os.Getenv("SGZ_E2E_SEED")
		if seed == "" {
			seed = "7"
		}
		demo = generateAndLoad(seed)
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	return demo
}

func generateAndLoad(seed string, genFlags ...string) demoData {
	var d demoData
	dir, err := mkTemp()
	if err != nil {
		d.err = err
		return d
	}
	d.dir, d.db = dir, filepath.Join(dir, "sgz.duckdb")
	inputs := filepath.Join(dir, "inputs")
	if out, code := run(append([]string{"gen", "--seed", seed, "--out", inputs}, genFlags...)...); code != 0 {
		d.err = fmt.Errorf("gen: exit %d: %s", code, out)
		return d
	}
	var code int
	d.ingest, code = run("ingest", filepath.Join(inputs, "ledgers"), filepath.Join(inputs, "system"), "--db", d.db)
	if code != 0 && code != 1 {
		d.err = fmt.Errorf("ingest: exit %d: %s", code, d.ingest)
		return d
	}
	if d.world, d.err = gen.ReadTruth(filepath.Join(inputs, "truth.json")); d.err != nil {
		return d
	}
	b, err := os.ReadFile(filepath.Join(inputs, "manifest.json"))
	if err == nil {
		err = json.Unmarshal(b, &d.manifest)
	}
	d.err = err
	return d
}

func run(args ...string) (string, int) {
	var out, errb bytes.Buffer
	code := cli.Do(args, nil, &out, &errb)
	return out.String() + errb.String(), code
}

// expected is one county's figures worked out from the truth.
type expected struct {
	ledger                                         string
	established, operating, workers, cert, fulltim int
	services, personTimes                          int
	// timeliness: counted and on time
	baseCounted, baseOnTime, svcOnTime, sumOwed, sumOnTime int
}

// timeliness adds the three timeliness counts of indicators.md to e.
func timeliness(w *gen.World, county string, asOf time.Time, report time.Time, e *expected) {
	cal := data.NewCalendar(mustRef().Holidays)
	endOfDay := asOf.AddDate(0, 0, 1)
	cutoff := day("2023-05-31")
	var month, due time.Time
	for m := day("2021-01-01"); ; m = m.AddDate(0, 1, 0) {
		d, err := cal.SummaryDeadline(m, 3, 3)
		if err != nil || d.After(asOf) {
			break
		}
		month, due = m, d
	}
	// The stations that owe (indicators.md "Which stations owe"): the
	// ledger's in force and the system's known by asOf, by township; the
	// ledger's 挂牌时间, else the system's 建站日期.
	type owing struct {
		*gen.Station
		established time.Time
	}
	var owe []owing
	inLedger := map[string]bool{}
	for _, s := range w.LedgerStations(county, report) {
		inLedger[s.TownshipCode] = true
		owe = append(owe, owing{s, s.Established.Time})
	}
	for _, s := range w.Stations {
		if s.CountyCode == county && !inLedger[s.TownshipCode] && !s.NotInSystem && !s.BaseinfoEntered.IsZero() &&
			s.BaseinfoEntered.Before(endOfDay) && !s.SystemEstablished().After(asOf) {
			owe = append(owe, owing{s, s.SystemEstablished()})
		}
	}
	for _, o := range owe {
		s := o.Station
		bdue := o.established.AddDate(0, 0, 7)
		if bdue.Before(cutoff) {
			bdue = cutoff
		}
		if !bdue.After(asOf) {
			e.baseCounted++
			entered := s.BaseinfoEntered.Time
			if !entered.IsZero() && entered.Before(endOfDay) && !entered.Truncate(24*time.Hour).After(bdue) {
				e.baseOnTime++
			}
		}
		if month.IsZero() || o.established.After(month.AddDate(0, 1, -1)) {
			continue
		}
		e.sumOwed++
		var first time.Time
		for _, sm := range w.Summaries {
			if sm.StationID == s.ID && sm.Month == month.Format("2006-01") && sm.Status != "已退回" && sm.Submitted.Before(endOfDay) {
				if first.IsZero() || sm.Submitted.Before(first) {
					first = sm.Submitted.Time
				}
			}
		}
		if !first.IsZero() && !first.Truncate(24*time.Hour).After(due) {
			e.sumOnTime++
		}
	}
}

func mustRef() *data.Reference {
	ref, err := data.Load()
	if err != nil {
		panic(err)
	}
	return ref
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fromTruth applies indicators.md to the world as the county ledgers and
// system exports report it.
func fromTruth(w *gen.World, county string, asOf time.Time, windowDays int) expected {
	var e expected
	var report time.Time
	for _, l := range w.Ledgers {
		if l.CountyCode == county && !l.ReportDate.After(asOf) && l.ReportDate.After(report) {
			report = l.ReportDate.Time
		}
	}
	endOfDay := asOf.AddDate(0, 0, 1)
	window := asOf.AddDate(0, 0, -windowDays)
	monthStart := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	stationTown := map[string]string{}
	for _, s := range w.Stations {
		stationTown[s.ID] = s.TownshipCode
	}
	recent := map[string]bool{} // township -> a service ended in the window, entered by as-of
	for _, sv := range w.Services {
		if !sv.Entered.Before(endOfDay) || stationTown[sv.StationID][:6] != county {
			continue
		}
		if sv.End.After(window) && !sv.End.After(asOf) {
			recent[stationTown[sv.StationID]] = true
		}
		if !sv.End.Before(monthStart) && !sv.End.After(asOf) {
			e.services++
			e.personTimes += sv.PersonTimes
			if !sv.Entered.Truncate(24 * time.Hour).After(sv.End.AddDate(0, 0, 1)) {
				e.svcOnTime++
			}
		}
	}
	if report.IsZero() {
		return e
	}
	e.ledger = report.Format(time.DateOnly)
	timeliness(w, county, asOf, report, &e)
	staffed := map[string]bool{}
	for _, wk := range w.LedgerWorkers(county, report) {
		if wk.Joined.After(asOf) || (wk.Left != nil && !wk.Left.After(asOf)) {
			continue
		}
		e.workers++
		staffed[wk.TownshipCode] = true
		if wk.CertLevel != "" && (wk.CertDate == nil || !wk.CertDate.After(asOf)) {
			e.cert++
		}
		if wk.FullTime {
			e.fulltim++
		}
	}
	for _, s := range w.LedgerStations(county, report) {
		if !s.InScope {
			continue
		}
		e.established++
		if staffed[s.TownshipCode] && recent[s.TownshipCode] {
			e.operating++
		}
	}
	return e
}

func TestIndicatorsMatchGroundTruth(t *testing.T) {
	d := loadDemo(t)
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	inScope := map[string]int{}
	for _, tw := range ref.Townships {
		if tw.InScope {
			inScope[tw.CountyCode]++
		}
	}
	// 2022-12-31: the six 2023 counties have not reported yet (未报送);
	// 2023-06-30 mid-year; 2023-08-31: 左权县 sent no August ledger, so its
	// July ledger is current; 2023-12-31 the year end.
	for _, asOf := range []string{"2022-12-31", "2023-06-15", "2023-06-30", "2023-08-31", "2023-12-31"} {
		t.Run(asOf, func(t *testing.T) {
			out, code := run("report", "indicators", "--db", d.db, "--as-of", asOf, "--format", "csv")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			wantHeader := "county_code,county,ledger_date,townships_in_scope,stations_established,coverage_rate,stations_operating,operating_rate,resident_workers,certified_workers,certification_rate,fulltime_rate,services_month,person_times_month,baseinfo_timely_rate,service_timely_rate,summary_ontime_rate,system_use_score,stage_startup,stage_improving,stage_professional"
			if got := strings.Join(rows[0], ","); !strings.HasPrefix(got, wantHeader) {
				t.Fatalf("header:\n got %s\nwant %s", got, wantHeader)
			}
			if len(rows) != 13 {
				t.Fatalf("%d rows, want 11 counties + 晋中市 + header", len(rows))
			}
			var city expected
			allReported := true
			for i, c := range ref.Counties {
				row := rows[i+1]
				e := fromTruth(d.world, c.Code, day(asOf), 30)
				if row[0] != c.Code || row[1] != c.Name {
					t.Errorf("row %d is %s %s, want %s %s", i+1, row[0], row[1], c.Code, c.Name)
				}
				check(t, c.Name, "ledger_date", row[2], e.ledger)
				check(t, c.Name, "townships_in_scope", row[3], strconv.Itoa(inScope[c.Code]))
				if e.ledger == "" {
					allReported = false
					for _, col := range []int{4, 5, 6, 7, 8, 9, 10, 11} {
						check(t, c.Name, rows[0][col]+" (未报送)", row[col], "")
					}
				} else {
					check(t, c.Name, "stations_established", row[4], strconv.Itoa(e.established))
					checkRate(t, c.Name, "coverage_rate", row[5], e.established, inScope[c.Code])
					check(t, c.Name, "stations_operating", row[6], strconv.Itoa(e.operating))
					checkRate(t, c.Name, "operating_rate", row[7], e.operating, e.established)
					check(t, c.Name, "resident_workers", row[8], strconv.Itoa(e.workers))
					check(t, c.Name, "certified_workers", row[9], strconv.Itoa(e.cert))
					checkRate(t, c.Name, "certification_rate", row[10], e.cert, e.workers)
					checkRate(t, c.Name, "fulltime_rate", row[11], e.fulltim, e.workers)
				}
				check(t, c.Name, "services_month", row[12], strconv.Itoa(e.services))
				check(t, c.Name, "person_times_month", row[13], strconv.Itoa(e.personTimes))
				checkRate(t, c.Name, "baseinfo_timely_rate", row[14], e.baseOnTime, e.baseCounted)
				checkRate(t, c.Name, "service_timely_rate", row[15], e.svcOnTime, e.services)
				checkRate(t, c.Name, "summary_ontime_rate", row[16], e.sumOnTime, e.sumOwed)
				checkScore(t, c.Name, row[17], e)
				city.established += e.established
				city.operating += e.operating
				city.workers += e.workers
				city.cert += e.cert
				city.fulltim += e.fulltim
				city.services += e.services
				city.personTimes += e.personTimes
			}
			row := rows[12]
			if row[0] != "140700" || row[1] != "晋中市" {
				t.Fatalf("last row is %s %s, want 140700 晋中市", row[0], row[1])
			}
			if !allReported {
				check(t, "晋中市", "ledger_date", row[2], "")
			} else {
				oldest := ""
				for _, c := range ref.Counties {
					if l := fromTruth(d.world, c.Code, day(asOf), 30).ledger; oldest == "" || l < oldest {
						oldest = l
					}
				}
				check(t, "晋中市", "ledger_date (oldest current ledger)", row[2], oldest)
			}
			check(t, "晋中市", "townships_in_scope", row[3], "118")
			check(t, "晋中市", "stations_established", row[4], strconv.Itoa(city.established))
			checkRate(t, "晋中市", "coverage_rate", row[5], city.established, 118)
			check(t, "晋中市", "stations_operating", row[6], strconv.Itoa(city.operating))
			checkRate(t, "晋中市", "operating_rate", row[7], city.operating, city.established)
			checkRate(t, "晋中市", "fulltime_rate", row[11], city.fulltim, city.workers)
			check(t, "晋中市", "resident_workers", row[8], strconv.Itoa(city.workers))
			check(t, "晋中市", "certified_workers", row[9], strconv.Itoa(city.cert))
			checkRate(t, "晋中市", "certification_rate", row[10], city.cert, city.workers)
			check(t, "晋中市", "services_month", row[12], strconv.Itoa(city.services))
			check(t, "晋中市", "person_times_month", row[13], strconv.Itoa(city.personTimes))
		})
	}
}

// TestScenario pins the story the demo tells, from the truth alone: pilots
// covered by the end of 2022, 榆社县 and 昔阳县 short at the end of 2023.
func TestScenario(t *testing.T) {
	d := loadDemo(t)
	out, _ := run("report", "indicators", "--db", d.db, "--as-of", "2023-12-31", "--format", "csv")
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	short := []string{}
	for _, r := range rows[1:12] {
		if r[5] != "1.000000" {
			short = append(short, r[1])
		}
	}
	if !slices.Equal(short, []string{"榆社县", "昔阳县"}) {
		t.Errorf("counties short of full coverage at 2023-12-31: %v, want [榆社县 昔阳县]", short)
	}
	out, _ = run("report", "indicators", "--db", d.db, "--as-of", "2022-12-31", "--format", "csv")
	rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
	for _, r := range rows[1:12] {
		pilot := slices.Contains([]string{"介休市", "平遥县", "灵石县", "寿阳县", "和顺县"}, r[1])
		if pilot && r[5] != "1.000000" {
			t.Errorf("pilot %s coverage at 2022-12-31 = %s, want 1.000000", r[1], r[5])
		}
		if !pilot && r[2] != "" {
			t.Errorf("%s has a ledger dated %s at 2022-12-31; it first reports in 2023", r[1], r[2])
		}
	}
}

func TestLoadingTwiceChangesNothing(t *testing.T) {
	d := loadDemo(t)
	before, _ := run("report", "indicators", "--db", d.db, "--as-of", "2023-12-31", "--format", "csv")
	out, code := run("ingest", filepath.Join(d.dir, "inputs", "ledgers"), filepath.Join(d.dir, "inputs", "system"), "--db", d.db)
	if code != 0 {
		t.Fatalf("second ingest: exit %d\n%s", code, out)
	}
	if want := fmt.Sprintf("共 %d 个文件: 载入 0, 部分载入 0, 拒收 0, 未变 %d", len(d.manifest), len(d.manifest)); !strings.Contains(out, want) {
		t.Errorf("second ingest summary lacks %q:\n%s", want, lastLines(out, 3))
	}
	after, _ := run("report", "indicators", "--db", d.db, "--as-of", "2023-12-31", "--format", "csv")
	if before != after {
		t.Errorf("figures changed after loading the same files again:\n%s\n%s", before, after)
	}
}

// TestUnchangedFolderKeepsItsFigures: a folder holding a county's ledger
// and its correction (same county, same 填报日期) loaded again and again
// gives the same figures every time: bytes seen before change nothing,
// replaced or not. The correction is in force, and the summary says why.
func TestUnchangedFolderKeepsItsFigures(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	folder := t.TempDir()
	orig := filepath.Join(d.dir, "inputs", "ledgers", "祁县_2023-12.xlsx")
	b, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "祁县_2023-12.xlsx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveRow("人员台账", 4); err != nil { // one worker fewer
		t.Fatal(err)
	}
	corrected := filepath.Join(folder, "祁县_2023-12_更正.xlsx")
	if err := f.SaveAs(corrected); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// the correction is the newer file: its modification time says so
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(corrected, later, later); err != nil {
		t.Fatal(err)
	}
	// the staff rows of 祁县's ledger in force at 2023-12-31
	workers := func() string {
		conn, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var n int
		var name string
		if err := conn.QueryRow(`SELECT count(*), any_value(f.file_name) FROM ledger_staff s JOIN files f USING (file_id)
			WHERE f.county_code = '140727' AND f.report_date = DATE '2023-12-31' AND f.replaced_by IS NULL`).Scan(&n, &name); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d (%s)", n, name)
	}
	before := workers()
	var seen []string
	for i := 0; i < 4; i++ {
		out, code := run("ingest", folder, "--db", db)
		if code != 0 && code != 1 {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, out)
		}
		if i == 0 && !strings.Contains(out, "取代同县同填报日期的旧台账 祁县_2023-12.xlsx") {
			t.Errorf("run 1 does not say the correction is in force:\n%s", out)
		}
		if i > 0 && !strings.Contains(out, "仍以 祁县_2023-12_更正.xlsx 为准") {
			t.Errorf("run %d does not say which ledger is in force:\n%s", i+1, out)
		}
		seen = append(seen, workers())
	}
	for i, w := range seen {
		if w != seen[0] {
			t.Errorf("run %d: 祁县's staff rows in force %s, run 1 %s: the figures flip", i+1, w, seen[0])
		}
	}
	if seen[0] == before {
		t.Errorf("the correction (one staff row fewer) changed nothing: %s", before)
	}
	// Two new corrections of the same county and date in one batch: the
	// later by modification time is in force, whatever their names say
	// (a_…: one worker fewer, modified last; z_…: two fewer).
	db2 := copyDemo(t, d)
	batch := t.TempDir()
	for _, c := range []struct {
		name  string
		rows  int
		delay time.Duration
	}{{"a_祁县_2023-12_更正.xlsx", 1, 2 * time.Hour}, {"z_祁县_2023-12_更正.xlsx", 2, time.Hour}} {
		f, err := excelize.OpenFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c.rows; i++ {
			if err := f.RemoveRow("人员台账", 4); err != nil {
				t.Fatal(err)
			}
		}
		_ = f.SetDocProps(&excelize.DocProperties{Title: c.name})
		p := filepath.Join(batch, c.name)
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		f.Close()
		at := time.Now().Add(c.delay)
		_ = os.Chtimes(p, at, at)
	}
	db = db2
	if out, code := run("ingest", batch, "--db", db); code != 0 && code != 1 {
		t.Fatalf("the batch of two corrections: exit %d\n%s", code, out)
	}
	if got, want := workers(), strings.Replace(seen[0], "祁县_2023-12_更正.xlsx", "a_祁县_2023-12_更正.xlsx", 1); got != want {
		t.Errorf("two corrections in one batch: 祁县's staff rows in force %s, want the later-modified one's, %s", got, want)
	}
}

// TestRepeatedRejectsListedOnce: the ingest summary lists a reject that a
// county's monthly ledgers repeat (a cumulative funds sheet) once, naming
// the other ledgers; every rejected ledger row the generator planted is
// listed or named, and none twice.
func TestRepeatedRejectsListedOnce(t *testing.T) {
	d := loadDemo(t)
	planted := 0
	for _, e := range d.manifest {
		if strings.Contains(filepath.ToSlash(e.File), "ledgers/") {
			planted += e.Rejected
		}
	}
	listed, named := 0, 0
	seen := map[string]bool{}
	lines := strings.Split(d.ingest, "\n")
	others := regexp.MustCompile(`^ +同一问题也在本县其余 (\d+) 个台账的同一行：`)
	for i, l := range lines {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "拒收 ")
		if !ok || !strings.Contains(rest, ".xlsx:") && !strings.Contains(rest, ".csv:") {
			continue
		}
		file, where, _ := strings.Cut(rest, ":")
		if strings.HasPrefix(file, "服务记录") || strings.HasPrefix(file, "月度总结") || strings.HasPrefix(file, "站点信息") {
			continue
		}
		county, _, _ := strings.Cut(file, "_")
		if seen[county+where] {
			t.Errorf("listed twice for %s: %s", county, where)
		}
		seen[county+where] = true
		listed++
		if i+1 < len(lines) {
			if m := others.FindStringSubmatch(lines[i+1]); m != nil {
				n, _ := strconv.Atoi(m[1])
				named += n
			}
		}
	}
	if listed == 0 || named == 0 || listed+named != planted {
		t.Errorf("%d rejects listed and %d more ledgers named, want %d planted rejected ledger rows in all (and some repeated)", listed, named, planted)
	}
}

// TestCorpusOutcomes: every generated file — at least 25 of them messy in
// one way or another — ends loaded, skipped or rejected row by row exactly
// as the generator planted it (manifest.json).
func TestCorpusOutcomes(t *testing.T) {
	d := loadDemo(t)
	if len(d.manifest) < 25 {
		t.Fatalf("corpus of %d files, want at least 25", len(d.manifest))
	}
	db, err := sql.Open("duckdb", d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type got struct{ loaded, rejected, skipped, flags, overlap int }
	have := map[string]got{}
	rows, err := db.Query(`SELECT f.file_name, f.count_loaded, f.count_rejected, f.count_skipped,
		(SELECT count(*) FROM row_flags g WHERE g.file_id = f.file_id), f.count_overlap FROM files f`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var g got
		if err := rows.Scan(&name, &g.loaded, &g.rejected, &g.skipped, &g.flags, &g.overlap); err != nil {
			t.Fatal(err)
		}
		have[name] = g
	}
	rows.Close()
	messy := 0
	for _, e := range d.manifest {
		g, ok := have[filepath.Base(e.File)]
		if !ok {
			t.Errorf("%s: not loaded", e.File)
			continue
		}
		want := got{e.Loaded, e.Rejected, e.Skipped, e.Flags + e.Changed, e.Overlap}
		if g != want {
			t.Errorf("%s: loaded/rejected/skipped/flagged/overlapping = %v, want %v", e.File, g, want)
		}
		if e.Rejected+e.Skipped+e.Flags+e.Overlap > 0 {
			messy++
		}
	}
	if len(have) != len(d.manifest) {
		t.Errorf("%d files in the database, %d generated", len(have), len(d.manifest))
	}
	t.Logf("%d files, %d with planted rejects, skips, flags or overlaps", len(d.manifest), messy)
}

// TestMessyEqualsClean: the same world written as the template draws it
// and with every county's habits gives the same figures at every date.
func TestMessyEqualsClean(t *testing.T) {
	messy := loadDemo(t)
	clean := generateAndLoad(strconv.FormatUint(messy.world.Seed, 10), "--clean")
	if clean.err != nil {
		t.Fatal(clean.err)
	}
	if !strings.Contains(clean.ingest, "部分载入 0, 拒收 0") {
		t.Errorf("clean files did not all load:\n%s", lastLines(clean.ingest, 2))
	}
	for _, asOf := range []string{"2021-12-31", "2022-06-30", "2023-03-31", "2023-06-30", "2023-08-31", "2023-11-30", "2023-12-31"} {
		a, _ := run("report", "indicators", "--db", messy.db, "--as-of", asOf, "--format", "csv")
		b, _ := run("report", "indicators", "--db", clean.db, "--as-of", asOf, "--format", "csv")
		if a != b {
			t.Errorf("as of %s the messy and clean files give different figures:\nmessy:\n%s\nclean:\n%s", asOf, a, b)
		}
	}
}

func check(t *testing.T, county, col, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s %s = %q, want %q", county, col, got, want)
	}
}

func checkRate(t *testing.T, county, col, got string, num, den int) {
	t.Helper()
	if den == 0 {
		check(t, county, col, got, "")
		return
	}
	f, err := strconv.ParseFloat(got, 64)
	if err != nil || math.Abs(f-float64(num)/float64(den)) > 5e-7 || len(got) < len("0.0000") {
		t.Errorf("%s %s = %q, want %d/%d = %.6f", county, col, got, num, den, float64(num)/float64(den))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestPolicyFileChangesTheWindow runs the report with a policy file whose
// operating window is 10 days instead of 30: the operating counts must
// follow the truth worked out with 10 days.
func TestPolicyFileChangesTheWindow(t *testing.T) {
	d := loadDemo(t)
	pol := strings.Replace(string(data.DefaultPolicyCSV()), "operating_window_days,30,", "operating_window_days,10,", 1)
	path := filepath.Join(d.dir, "policy-10.csv")
	if err := os.WriteFile(path, []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := run("report", "indicators", "--db", d.db, "--as-of", "2023-12-31", "--format", "csv", "--policy", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	ref, _ := data.Load()
	differs := false
	for i, c := range ref.Counties {
		e10 := fromTruth(d.world, c.Code, day("2023-12-31"), 10)
		e30 := fromTruth(d.world, c.Code, day("2023-12-31"), 30)
		check(t, c.Name, "stations_operating (10-day window)", rows[i+1][6], strconv.Itoa(e10.operating))
		differs = differs || e10.operating != e30.operating
	}
	if !differs {
		t.Error("a 10-day window gives the same operating counts as 30 days: the test proves nothing")
	}
}

// TestNonsensePolicyRefused: a policy value out of its range stops every
// command with exit 2 before anything is computed, naming the key.
func TestNonsensePolicyRefused(t *testing.T) {
	d := loadDemo(t)
	for key, val := range map[string]string{"use_weight_baseinfo": "NaN", "assess_points_coverage": "Inf", "coverage_target": "7",
		"summary_due_day": "400", "operating_window_days": "0", "assess_service_volume_target": "0", "professional_core_share": "1e308"} {
		var lines []string
		for _, line := range strings.Split(string(data.DefaultPolicyCSV()), "\n") {
			if k, rest, ok := strings.Cut(line, ","); ok && k == key {
				_, about, _ := strings.Cut(rest, ",")
				line = key + "," + val + "," + about
			}
			lines = append(lines, line)
		}
		path := filepath.Join(t.TempDir(), "policy.csv")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"report", "assessment", "--year", "2023"}, {"ingest", filepath.Join(d.dir, "inputs", "system")}} {
			out, code := run(append(args, "--db", d.db, "--policy", path)...)
			if code != cli.ExitError || !strings.Contains(out, "参数 "+key+" 的值") {
				t.Errorf("%s=%s, %s: exit %d, want %d naming the key:\n%s", key, val, args[0], code, cli.ExitError, out)
			}
		}
	}
}

// TestDataTestsOnDemo runs the data tests beside the models
// (transform/tests/*.sql) against the loaded sample data.
func TestDataTestsOnDemo(t *testing.T) {
	d := loadDemo(t)
	db, err := sql.Open("duckdb", d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	failed, err := transform.RunDataTests(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failed {
		t.Errorf("%s returned rows:\n%s", f.Name, strings.Join(f.Rows, "\n"))
	}
}

// The monthly series ends with the month of the as-of date, and its last
// point is the city's services_month.
func TestMonthlySeriesMatchesIndicator(t *testing.T) {
	d := loadDemo(t)
	db, err := sql.Open("duckdb", d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, asOf := range []string{"2023-06-15", "2023-12-31"} {
		series, err := metrics.Monthly(context.Background(), db, day(asOf))
		if err != nil {
			t.Fatal(err)
		}
		var want expected
		for _, c := range []string{"140702", "140703", "140721", "140722", "140723", "140724", "140725", "140727", "140728", "140729", "140781"} {
			e := fromTruth(d.world, c, day(asOf), 30)
			want.services += e.services
			want.established += e.established
		}
		last := series[len(series)-1]
		if last.Month != asOf[:7] || last.Services != want.services || last.StationsEstablished != want.established {
			t.Errorf("as of %s the last point is %+v, want month %s, %d services, %d stations", asOf, last, asOf[:7], want.services, want.established)
		}
	}
}

// TestNoPersonalDataStoredOrPublished looks for every worker's ID number
// (and its first 17 digits, which a wrong check digit keeps), phone number
// and name from the truth in every text of every table of the database, in
// the database file's bytes, and in every file of a published dashboard
// and of the rejects report.
func TestNoPersonalDataStoredOrPublished(t *testing.T) {
	d := loadDemo(t)
	var secrets []string
	for _, w := range d.world.Workers {
		secrets = append(secrets, w.IDNumber, w.IDNumber[:17], w.Phone)
	}
	names := map[string]bool{}
	for _, w := range d.world.Workers {
		names[w.Name] = true
	}
	scan := func(where, text string, withNames bool) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains %s…", where, s[:6])
				return
			}
		}
		if withNames {
			for n := range names {
				if strings.Contains(text, n) {
					t.Errorf("%s contains a worker's name %s*", where, string([]rune(n)[:1]))
					return
				}
			}
		}
	}
	site := demoSite(t)
	rejects, _ := run("report", "rejects", "--db", d.db, "--format", "csv")
	scan("sgz report rejects", rejects, true)
	bulletinDir := filepath.Join(d.dir, "bulletin-pii")
	if out, code := run("bulletin", "--db", d.db, "--month", "2023-11", "--out", bulletinDir); code != 0 {
		t.Fatalf("bulletin: %s", out)
	}
	assessDir := filepath.Join(d.dir, "assess-pii")
	if out, code := run("assess", "--db", d.db, "--year", "2023", "--out", filepath.Join(assessDir, "考核.xlsx")); code != 0 {
		t.Fatalf("assess: %s", out)
	}
	for _, args := range [][]string{{"report", "funds", "--year", "2023", "--flags"}, {"report", "assessment", "--year", "2023"}} {
		out, _ := run(append(args, "--db", d.db, "--format", "json")...)
		scan(strings.Join(args, " "), out, true)
	}
	scanOutputs(t, []string{site, bulletinDir, assessDir}, func(path, text string) { scan(path, text, !strings.HasSuffix(path, ".js")) })
	db, err := sql.Open("duckdb", d.db)
	if err != nil {
		t.Fatal(err)
	}
	scanTables(t, db, func(table, text string) {
		scan("table "+table, text, table != "ref_townships" && table != "ref_counties" && table != "ref_holidays")
	})
	db.Close()
	db.Close()
	b, err := os.ReadFile(d.db)
	if err != nil {
		t.Fatal(err)
	}
	scan("the database file", string(b), false)
	// The key of the hashes is kept next to the database, not in it, and not
	// in anything published.
	key, err := os.ReadFile(ingest.KeyPath(d.db))
	if err != nil || len(strings.TrimSpace(string(key))) != 64 {
		t.Fatalf("key file: %q %v", key, err)
	}
	if bytes.Contains(b, bytes.TrimSpace(key)) {
		t.Error("the database file holds the key of its personal hashes")
	}
	for _, dir := range []string{site, bulletinDir} {
		_ = filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
			if err == nil && !de.IsDir() {
				if b, _ := os.ReadFile(path); bytes.Contains(b, bytes.TrimSpace(key)) {
					t.Errorf("%s holds the key of the personal hashes", path)
				}
			}
			return err
		})
	}
}

// tableCounts fingerprints a database: the row count of every table.
func tableCounts(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out strings.Builder
	for _, table := range []string{"files", "refused_files", "raw_rows", "rejects", "row_flags", "ledger_stations", "ledger_staff", "sys_stations", "sys_services", "sys_summaries"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s=%d ", table, n)
	}
	return out.String()
}

// scanOutputs hands check the text of every file under dirs (a workbook's
// or document's unzipped; not a PDF's, whose text is its HTML's in
// compressed streams).
func scanOutputs(t *testing.T, dirs []string, check func(path, text string)) {
	t.Helper()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || strings.HasSuffix(path, ".pdf") {
				return err
			}
			b, err := os.ReadFile(path)
			if err == nil && (strings.HasSuffix(path, ".xlsx") || strings.HasSuffix(path, ".docx")) {
				b, err = unzipped(b)
			}
			check(path, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// scanTables hands check every value of every table of db, as text.
func scanTables(t *testing.T, db *sql.DB, check func(table, text string)) {
	t.Helper()
	tables, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		_ = tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	if len(names) < 10 {
		t.Fatalf("only %d tables found: %v", len(names), names)
	}
	for _, table := range names {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var all strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprint(&all, v, "\x00")
			}
		}
		rows.Close()
		check(table, all.String())
	}
}

// TestFreeTextPersonalDataMasked: a name and a phone number typed into
// free text — a 岗位 cell 站长（王小明 13501084571）, a station's 备注, a funds
// 摘要 naming the payee, the file's own name — reach neither the database
// nor the site, the workbook, the export or the list of rejects; the
// 岗位 keeps its recognised value.
func TestFreeTextPersonalDataMasked(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	f, err := excelize.OpenFile(filepath.Join(d.dir, "inputs", "ledgers", "祁县_2023-12.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	// the cell under a header, in the first data row below it
	put := func(sheet, header, value string) {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, c := range r {
				if strings.Contains(c, header) {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
					if err := f.SetCellStr(sheet, cell, value); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
		}
		t.Fatalf("%s has no column %s", sheet, header)
	}
	put("人员台账", "岗位", "站长（王小明 13501084571）")
	put("站点台账", "备注", "站长王小明，电话13501084571")
	put("资金台账", "摘要", "支付王小明劳务费")
	in := filepath.Join(t.TempDir(), "王小明_祁县_2023-12_更正.xlsx")
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, code := run("ingest", in, "--db", db); code != 0 && code != 1 {
		t.Fatalf("ingest: exit %d\n%s", code, out)
	}
	outs := t.TempDir()
	site, book, pq := filepath.Join(outs, "site"), filepath.Join(outs, "考核.xlsx"), filepath.Join(outs, "pq")
	for _, args := range [][]string{{"dashboard", "--as-of", "2023-12-31", "--out", site}, {"assess", "--year", "2023", "--out", book}, {"export", "--out", pq, "--as-of", "2021-12-31"}} {
		if out, code := run(append(args, "--db", db)...); code != 0 {
			t.Fatalf("%s: exit %d\n%s", args[0], code, out)
		}
	}
	secrets := []string{"王小明", "小明", "13501084571"}
	bad := func(where, text string) {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds %s", where, s)
			}
		}
	}
	rejects, _ := run("report", "rejects", "--db", db, "--format", "csv")
	bad("sgz report rejects", rejects)
	scanOutputs(t, []string{site, outs}, bad)
	conn, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	scanTables(t, conn, bad)
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM ledger_staff s JOIN files f USING (file_id) WHERE f.file_name = '王**_祁县_2023-12_更正.xlsx' AND s.role = '站长'`).Scan(&n); err != nil || n == 0 {
		t.Errorf("the 岗位 站长 is not kept under the masked file name: %d %v", n, err)
	}
	parquet, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer parquet.Close()
	var text string
	if err := parquet.QueryRow(`SELECT string_agg(CAST(x AS VARCHAR), '|') FROM read_parquet('` + filepath.Join(pq, "**", "*.parquet") + `', union_by_name = true) x`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	bad("the Parquet export", text)
}

// TestValidateWritesNothing: sgz validate reports what ingest would, and
// the database stays as it was.
func TestValidateWritesNothing(t *testing.T) {
	dir := t.TempDir()
	inputs := filepath.Join(dir, "in")
	if out, code := run("gen", "--seed", "3", "--out", inputs); code != 0 {
		t.Fatal(out)
	}
	db := filepath.Join(dir, "v.duckdb")
	if out, code := run("ingest", "--db", db, filepath.Join(inputs, "system", "站点信息_20240110.csv")); code != 0 {
		t.Fatal(out)
	}
	if out, code := run("ingest", "--db", db, filepath.Join(inputs, "system", "服务记录_2023Q2.xlsx")); code != 0 {
		t.Fatal(out)
	}
	var manifest []gen.Expected
	b, err := os.ReadFile(filepath.Join(inputs, "manifest.json"))
	if err == nil {
		err = json.Unmarshal(b, &manifest)
	}
	if err != nil {
		t.Fatal(err)
	}
	overlap := -1
	for _, m := range manifest {
		if m.File == "system/服务记录_2023Q3.csv" {
			overlap = m.Overlap
		}
	}
	if overlap <= 0 {
		t.Fatalf("the generator no longer repeats Q2 services in the Q3 export (overlap %d)", overlap)
	}
	before := tableCounts(t, db)
	out, code := run("validate", "--db", db, filepath.Join(inputs, "ledgers"),
		filepath.Join(inputs, "system", "服务记录_2023Q2.xlsx"), filepath.Join(inputs, "system", "服务记录_2023Q3.csv"))
	for _, want := range []string{
		// the first of 祁县's ledgers with it; the others named under it
		"拒收 祁县_2023-03.xlsx:人员台账:R5:F 身份证号码: 同一人（身份证号码相同）已在第 4 行登记",
		"祁县_2023-11.xlsx、祁县_2023-12.xlsx",
		"未变  服务记录_2023Q2.xlsx",
		fmt.Sprintf("与此前载入的导出重复 %d 条记录", overlap),
		"数据库本身未作任何改动",
	} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("validate: exit %d, want 1 and %q:\n%s", code, want, out)
		}
	}
	if after := tableCounts(t, db); after != before {
		t.Errorf("validate wrote to the database:\nbefore %s\nafter  %s", before, after)
	}

	// With no database yet, validate checks against an empty one and does
	// not create the file.
	none := filepath.Join(dir, "none.duckdb")
	if _, code := run("validate", "--db", none, filepath.Join(inputs, "system", "站点信息_20240110.csv")); code != 0 {
		t.Errorf("validate of the stations export into no database: exit %d", code)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("validate created %s (stat: %v)", none, err)
	}
}

// TestRefusedFilesWriteNothing: each refusal has one clear message, and
// nothing of the file reaches the data tables (only the refusal is noted).
func TestRefusedFilesWriteNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	files := map[string][]byte{
		"空.xlsx":    {},
		"说明.docx":   []byte("not a sheet"),
		"截断.xlsx":   []byte("PK\x03\x04\x14\x00\x00\x00"),
		"无表头.csv":   []byte("甲,乙\n1,2\n"),
		"无日期台账.csv": []byte("乡镇(街道),站点名称,挂牌时间\n东阳镇,东阳镇社工站,2023-05-01\n"),
	}
	want := map[string]string{
		"空.xlsx": "文件为空", "说明.docx": "不是表格文件", "截断.xlsx": "无法读取的 .xlsx 工作簿",
		"无表头.csv": "没有一个工作表有可识别的表头行", "无日期台账.csv": "没有填报日期",
	}
	var paths []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, code := run(append([]string{"ingest", "--db", db}, paths...)...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for name, msg := range want {
		if !strings.Contains(out, "拒收  "+name+": "+msg) {
			t.Errorf("no line 拒收  %s: %s… in\n%s", name, msg, out)
		}
	}
	if got := tableCounts(t, db); got != "files=0 refused_files=5 raw_rows=0 rejects=0 row_flags=0 ledger_stations=0 ledger_staff=0 sys_stations=0 sys_services=0 sys_summaries=0 " {
		t.Errorf("after refusals: %s", got)
	}
}

// checkScore: 100 × the weighted mean of the defined rates, weights 0.2,
// 0.4, 0.4 rescaled over the defined ones (indicators.md).
func checkScore(t *testing.T, county, got string, e expected) {
	t.Helper()
	var sum, weights float64
	for _, r := range []struct {
		w        float64
		num, den int
	}{{0.2, e.baseOnTime, e.baseCounted}, {0.4, e.svcOnTime, e.services}, {0.4, e.sumOnTime, e.sumOwed}} {
		if r.den > 0 {
			sum += r.w * float64(r.num) / float64(r.den)
			weights += r.w
		}
	}
	if weights == 0 {
		check(t, county, "system_use_score", got, "")
		return
	}
	f, err := strconv.ParseFloat(got, 64)
	if want := 100 * sum / weights; err != nil || math.Abs(f-want) > 5e-5 {
		t.Errorf("%s system_use_score = %q, want %.6f", county, got, want)
	}
}

// TestStationDetailAddsUp: the lines of sgz report timeliness add up to the
// county figures of every month (the bulletin's), and the services of a
// station the ledger leaves out, which count for the county, have a line of
// their own with the number the truth gives.
func TestStationDetailAddsUp(t *testing.T) {
	d := loadDemo(t)
	ctx := context.Background()
	db, err := sql.Open("duckdb", d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	omitted := 0
	for m := day("2023-01-01"); !m.After(day("2023-12-01")); m = m.AddDate(0, 1, 0) {
		due, err := metrics.SummaryDeadline(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		counties, err := metrics.Timeliness(ctx, db, m, due)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := metrics.StationDetail(ctx, db, m, due)
		if err != nil {
			t.Fatal(err)
		}
		sum := map[string]*metrics.CountyTimeliness{}
		systemOnly := map[string]int{}
		for _, l := range lines {
			c := sum[l.CountyCode]
			if c == nil {
				c = &metrics.CountyTimeliness{}
				sum[l.CountyCode] = c
			}
			if l.BaseinfoDue != nil {
				c.BaseinfoCounted++
				if *l.BaseinfoOnTime {
					c.BaseinfoOnTime++
				}
			}
			c.ServicesCounted += l.Services
			c.ServicesOnTime += l.ServicesOnTime
			if l.SummaryStatus != "not_owed" {
				c.SummariesOwed++
			}
			// a station the ledger leaves out: it owes by the system's
			// register ("system") once known, else its services only count
			if l.Ledger == "not_listed" || l.Ledger == "system" {
				systemOnly[l.TownshipCode] += l.Services
			}
		}
		for _, c := range counties {
			if c.CountyCode == metrics.CityCode {
				continue
			}
			s := sum[c.CountyCode]
			if s == nil {
				s = &metrics.CountyTimeliness{}
			}
			if s.BaseinfoCounted != c.BaseinfoCounted || s.BaseinfoOnTime != c.BaseinfoOnTime || s.ServicesCounted != c.ServicesCounted ||
				s.ServicesOnTime != c.ServicesOnTime || s.SummariesOwed != c.SummariesOwed {
				t.Errorf("%s %s: lines add up to base %d/%d services %d/%d summaries %d; county %d/%d %d/%d %d", m.Format("2006-01"), c.County,
					s.BaseinfoOnTime, s.BaseinfoCounted, s.ServicesOnTime, s.ServicesCounted, s.SummariesOwed,
					c.BaseinfoOnTime, c.BaseinfoCounted, c.ServicesOnTime, c.ServicesCounted, c.SummariesOwed)
			}
		}
		// From the truth: services of stations the ledgers leave out that
		// ended in the month and were entered by the deadline.
		want := map[string]int{}
		for _, st := range d.world.Stations {
			if !st.LedgerOmits {
				continue
			}
			for _, sv := range d.world.Services {
				if sv.StationID == st.ID && sv.End.Year() == m.Year() && sv.End.Month() == m.Month() && sv.Entered.Before(due.AddDate(0, 0, 1)) {
					want[st.TownshipCode]++
				}
			}
		}
		for town, n := range want {
			omitted += n
			if systemOnly[town] != n {
				t.Errorf("%s: the line of %s, left out of its ledger, has %d services, want %d", m.Format("2006-01"), town, systemOnly[town], n)
			}
		}
	}
	if omitted == 0 {
		t.Error("the world has no services of a station its ledger leaves out: the test checks nothing")
	}
}

// TestOldKeyMovedOut: a database made when sgz kept the key of personal
// hashes in its meta table is, on the next open, rewritten without it: the
// key is in DB.key, the database file's bytes no longer hold it (deleting
// the row alone would leave them in a free block), and every row and figure
// is still there; the key file holds the same key, so later loads hash
// people as before.
func TestOldKeyMovedOut(t *testing.T) {
	d := loadDemo(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "old.duckdb")
	src, err := os.ReadFile(d.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, src, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(ingest.KeyPath(d.db))
	if err != nil {
		t.Fatal(err)
	}
	hexKey := strings.TrimSpace(string(key))
	// Make it as the older sgz did: the key in meta, no key file.
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO meta VALUES ('pii_salt', ?)`, hexKey); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if b, _ := os.ReadFile(db); !bytes.Contains(b, []byte(hexKey)) {
		t.Fatal("the old-style database does not hold its key: the test would prove nothing")
	}
	before := tableCounts(t, db)
	a, code := run("report", "indicators", "--db", db, "--as-of", "2023-12-31", "--format", "csv")
	if code != 0 {
		t.Fatal(a)
	}
	if b, _ := os.ReadFile(ingest.KeyPath(db)); strings.TrimSpace(string(b)) != hexKey {
		t.Errorf("key file %q, want the key that was in meta", b)
	}
	if b, _ := os.ReadFile(db); bytes.Contains(b, []byte(hexKey)) {
		t.Error("the rewritten database file still holds the key")
	}
	if st, err := os.Stat(db); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the rewritten database: %v %v, want the original's mode 0600", st, err)
	}
	if left, _ := filepath.Glob(ingest.Rebuilt(db) + "*"); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if after := tableCounts(t, db); after != before {
		t.Errorf("rows changed in the rewrite:\nbefore %s\nafter  %s", before, after)
	}
	if want, _ := run("report", "indicators", "--db", d.db, "--as-of", "2023-12-31", "--format", "csv"); a != want {
		t.Errorf("figures after the rewrite differ:\n%s\nwant\n%s", a, want)
	}
}

// unzipped is every part of a zip file (an .xlsx, a .docx), uncompressed,
// one after the other.
func unzipped(b []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(&out, rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out.WriteByte(0)
	}
	return out.Bytes(), nil
}
