package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sgz/cmd/cli"
	"sgz/dashboards"
	"sgz/gen"
	"sgz/metrics"
)

// Stages from the generator's truth, by the rules of indicators.md
// "Stages" with the default thresholds written out here (90 days; the last
// 3 full months; 10 services a month, 3 types, 1 资源链接; all certified, a
// 特色项目, 40% 个案/小组/社区), over what the county ledger current at the
// date lists and the services entered by its end — plain loops over the
// world, not the SQL under test.

type truthStation struct {
	stage                                 string
	workers, certified                    int
	services30, services90, servicesWindw int
}

// stagesFromTruth returns, for county at asOf, each in-scope ledger
// station's figures and stage by township code (nil when the county has no
// ledger by asOf).
func stagesFromTruth(w *gen.World, county string, asOf time.Time) map[string]truthStation {
	var report time.Time
	for _, l := range w.Ledgers {
		if l.CountyCode == county && !l.ReportDate.After(asOf) && l.ReportDate.After(report) {
			report = l.ReportDate.Time
		}
	}
	if report.IsZero() {
		return nil
	}
	endOfDay := asOf.AddDate(0, 0, 1)
	windowEnd := asOf
	if asOf.AddDate(0, 0, 1).Day() != 1 { // not a month's last day
		windowEnd = time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	}
	windowStart := time.Date(windowEnd.Year(), windowEnd.Month()-2, 1, 0, 0, 0, 0, time.UTC)
	town := map[string]string{}
	for _, s := range w.Stations {
		town[s.ID] = s.TownshipCode
	}
	type svcFigures struct{ in30, in90, window, links, core int }
	figs := map[string]*svcFigures{}
	types := map[string]map[string]bool{}
	for _, sv := range w.Services {
		tc := town[sv.StationID]
		if !strings.HasPrefix(tc, county) || sv.End.After(asOf) || !sv.Entered.Before(endOfDay) {
			continue
		}
		f := figs[tc]
		if f == nil {
			f = &svcFigures{}
			figs[tc], types[tc] = f, map[string]bool{}
		}
		if sv.End.After(asOf.AddDate(0, 0, -30)) {
			f.in30++
		}
		if sv.End.After(asOf.AddDate(0, 0, -90)) {
			f.in90++
		}
		if !sv.End.Before(windowStart) && !sv.End.After(windowEnd) {
			f.window++
			types[tc][sv.Type] = true
			switch sv.Type {
			case "资源链接":
				f.links++
			case "个案服务", "小组活动", "社区活动":
				f.core++
			}
		}
	}
	out := map[string]truthStation{}
	for _, s := range w.LedgerStations(county, report) {
		if !s.InScope {
			continue
		}
		var ts truthStation
		for _, wk := range w.LedgerWorkers(county, report) {
			if wk.TownshipCode != s.TownshipCode || wk.Joined.After(asOf) || (wk.Left != nil && !wk.Left.After(asOf)) {
				continue
			}
			ts.workers++
			if wk.CertLevel != "" && (wk.CertDate == nil || !wk.CertDate.After(asOf)) {
				ts.certified++
			}
		}
		f := figs[s.TownshipCode]
		if f == nil {
			f = &svcFigures{}
		}
		ts.services30, ts.services90, ts.servicesWindw = f.in30, f.in90, f.window
		startup := s.HasSite && s.HasRules && s.HasSignage && ts.workers > 0 && f.in90 > 0
		improving := startup && f.window >= 30 && len(types[s.TownshipCode]) >= 3 && f.links >= 1
		professional := improving && ts.certified == ts.workers && strings.TrimSpace(s.Signature) != "" &&
			f.window > 0 && float64(f.core)/float64(f.window) >= 0.4
		switch {
		case professional:
			ts.stage = "专业"
		case improving:
			ts.stage = "提升"
		default:
			ts.stage = "起步"
		}
		out[s.TownshipCode] = ts
	}
	return out
}

// TestStagesMatchGroundTruth: each county's stage counts at every month end
// (report stages) and each township's stage and figures at the year end
// (report stations), and the stage columns of report indicators, equal the
// truth.
func TestStagesMatchGroundTruth(t *testing.T) {
	d := loadDemo(t)
	ref := mustRef()
	out, code := run("report", "stages", "--db", d.db, "--as-of", "2023-12-31", "--format", "csv")
	if code != 0 {
		t.Fatalf("report stages: exit %d: %s", code, out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	checked, promotions, fallbacks := 0, 0, 0
	prev := map[string]string{}
	for _, row := range rows[1:] {
		month, county := row[0], row[1]
		if county == "140700" {
			continue
		}
		m, _ := time.Parse("2006-01", month)
		asOf := m.AddDate(0, 1, -1)
		truth := stagesFromTruth(d.world, county, asOf)
		n := map[string]int{}
		for tc, s := range truth {
			n[s.stage]++
			if p := prev[tc]; p != "" && p != s.stage {
				if p == "起步" || (p == "提升" && s.stage == "专业") {
					promotions++
				} else {
					fallbacks++
				}
			}
			prev[tc] = s.stage
		}
		want := fmt.Sprintf("%d,%d,%d,%d", len(truth), n["起步"], n["提升"], n["专业"])
		if truth == nil {
			want = ",,," // no ledger that month: 未报送, never zeros
		}
		if got := strings.Join(row[3:7], ","); got != want {
			t.Errorf("%s %s: established,起步,提升,专业 = %s, want %s", month, row[2], got, want)
		}
		checked++
	}
	if checked < 11*12 {
		t.Errorf("only %d county-months checked", checked)
	}
	// The demo must show the progression the stage page is about.
	if promotions == 0 || fallbacks == 0 {
		t.Errorf("the truth has %d promotions and %d fall-backs month to month: the test proves little", promotions, fallbacks)
	}

	for _, asOf := range []string{"2023-06-30", "2023-12-30", "2023-12-31"} {
		out, code = run("report", "stations", "--db", d.db, "--as-of", asOf, "--format", "csv")
		if code != 0 {
			t.Fatalf("report stations: exit %d: %s", code, out)
		}
		rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
		header := strings.Join(rows[0], ",")
		if header != "county,township_code,township,stations,established_date,station_status,not_operating_since,workers,certified,fulltime,services_30d,services_90d,stage,missing_criteria" {
			t.Fatalf("header %s", header)
		}
		inScope := 0
		for _, tw := range ref.Townships {
			if tw.InScope {
				inScope++
			}
		}
		if len(rows)-1 != inScope {
			t.Errorf("%s: %d rows, want one per in-scope township (%d)", asOf, len(rows)-1, inScope)
		}
		seen := map[string]bool{}
		truth := map[string]truthStation{}
		reported := map[string]bool{}
		for _, c := range ref.Counties {
			ts := stagesFromTruth(d.world, c.Code, day(asOf))
			reported[c.Code] = ts != nil
			for k, v := range ts {
				truth[k] = v
			}
		}
		for _, row := range rows[1:] {
			tc := row[1]
			if seen[tc] {
				t.Errorf("%s: township %s twice", asOf, tc)
			}
			seen[tc] = true
			want, ok := truth[tc]
			switch {
			case !reported[tc[:6]]:
				check(t, tc, "station_status", row[5], "未报送")
			case !ok:
				check(t, tc, "station_status", row[5], "未建站")
				check(t, tc, "stage", row[12], "")
			default:
				got := strings.Join([]string{row[7], row[8], row[10], row[11], row[12]}, ",")
				w := fmt.Sprintf("%d,%d,%d,%d,%s", want.workers, want.certified, want.services30, want.services90, want.stage)
				if got != w {
					t.Errorf("%s %s %s: workers,certified,30d,90d,stage = %s, want %s", asOf, tc, row[2], got, w)
				}
				if (want.stage == "专业") != (row[13] == "") {
					t.Errorf("%s %s: stage %s with missing criteria %q", asOf, tc, want.stage, row[13])
				}
			}
		}

		// report indicators: stage columns and stations_fully_certified
		out, _ = run("report", "indicators", "--db", d.db, "--as-of", asOf, "--format", "csv")
		ind, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
		col := map[string]int{}
		for i, name := range ind[0] {
			col[name] = i
		}
		city := [4]int{}
		for i, c := range ref.Counties {
			row := ind[i+1]
			ts := stagesFromTruth(d.world, c.Code, day(asOf))
			if ts == nil {
				for _, name := range []string{"stage_startup", "stage_improving", "stage_professional", "stations_fully_certified"} {
					check(t, c.Name, name+" (未报送)", row[col[name]], "")
				}
				continue
			}
			n := [4]int{}
			for _, s := range ts {
				n[map[string]int{"起步": 0, "提升": 1, "专业": 2}[s.stage]]++
				if s.workers > 0 && s.certified == s.workers {
					n[3]++
				}
			}
			for k, name := range []string{"stage_startup", "stage_improving", "stage_professional", "stations_fully_certified"} {
				check(t, c.Name+" "+asOf, name, row[col[name]], strconv.Itoa(n[k]))
				city[k] += n[k]
			}
			checkRate(t, c.Name+" "+asOf, "stage_improving_or_above_rate", row[col["stage_improving_or_above_rate"]], n[1]+n[2], len(ts))
		}
		for k, name := range []string{"stage_startup", "stage_improving", "stage_professional", "stations_fully_certified"} {
			check(t, "晋中市 "+asOf, name, ind[12][col[name]], strconv.Itoa(city[k]))
		}
	}
}

// TestCountyPagesOnDemo: the dashboard of the demo has a page for every
// county listing every one of its in-scope townships (from the reference
// list), with a stage for exactly the townships the truth has a station
// in, and the 阶段 page's counts equal the truth's at the as-of date.
func TestCountyPagesOnDemo(t *testing.T) {
	d := loadDemo(t)
	site := demoSite(t)
	ref := mustRef()
	for _, c := range ref.Counties {
		b, err := os.ReadFile(filepath.Join(site, dashboards.CountyFile(c.Code)))
		if err != nil {
			t.Errorf("%s: no page: %v", c.Name, err)
			continue
		}
		page := string(b)
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(mustRead(t, filepath.Join(site, dashboards.CountyCSV(c.Code))), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		truth := stagesFromTruth(d.world, c.Code, day("2023-12-31"))
		listed := map[string]bool{}
		for _, r := range rows[1:] {
			listed[r[1]] = true
			if want := truth[r[1]].stage; r[10] != want {
				t.Errorf("%s %s %s: stage %q, want %q", c.Name, r[1], r[0], r[10], want)
			}
		}
		for _, tw := range ref.Townships {
			if tw.CountyCode != c.Code || !tw.InScope {
				continue
			}
			if !listed[tw.Code] {
				t.Errorf("%s: township %s %s missing from its CSV", c.Name, tw.Code, tw.Name)
			}
			if !strings.Contains(page, ">"+tw.Name+"<") {
				t.Errorf("%s: township %s missing from its page", c.Name, tw.Name)
			}
			delete(listed, tw.Code)
		}
		if len(listed) > 0 {
			t.Errorf("%s: page lists townships not in scope: %v", c.Name, listed)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var update = flag.Bool("update", false, "update the golden files of testdata/")

// TestReportStationsGolden loads testdata/stations/inputs (祁县, worked
// out by hand in its README) and compares `sgz report stations` with
// testdata/stations/report-stations.csv.
func TestReportStationsGolden(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.duckdb")
	if out, code := run("ingest", filepath.Join("testdata", "stations", "inputs"), "--db", db); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, out)
	}
	got, code := run("report", "stations", "--db", db, "--as-of", "2023-12-31", "--county", "祁县", "--format", "csv")
	if code != 0 {
		t.Fatalf("report stations: exit %d: %s", code, got)
	}
	golden := filepath.Join("testdata", "stations", "report-stations.csv")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := string(mustRead(t, golden)); got != want {
		t.Errorf("report stations:\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestFailedCheckStopsDashboard: a raw row holding a full ID number (as a
// careless hand edit of the database might leave) fails the personal-data
// check: sgz dashboard writes nothing and names the check, without
// printing the number; with --allow-failed-checks it writes the site and
// every page warns, without the number either.
func TestFailedCheckStopsDashboard(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	const id = "140727199001010017"
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO raw_rows VALUES (1, 'x', 99, 'staff', 'data', '甲一,` + id + `')`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	site := filepath.Join(t.TempDir(), "site")
	out, code := run("dashboard", "--db", db, "--as-of", "2023-12-31", "--out", site)
	if code != cli.ExitError || !strings.Contains(out, "no_personal_data") || !strings.Contains(out, "--allow-failed-checks") {
		t.Fatalf("exit %d, want %d naming the failed check and the flag:\n%s", code, cli.ExitError, out)
	}
	if strings.Contains(out, id) {
		t.Errorf("the failed check printed the ID number:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(site, "index.html")); err == nil {
		t.Error("a site was written although a check failed")
	}
	out, code = run("dashboard", "--db", db, "--as-of", "2023-12-31", "--out", site, "--allow-failed-checks")
	if code != cli.ExitOK {
		t.Fatalf("with --allow-failed-checks: exit %d: %s", code, out)
	}
	entries, _ := os.ReadDir(site)
	pages := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".html") && !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		b := string(mustRead(t, filepath.Join(site, e.Name())))
		if strings.Contains(b, id) {
			t.Errorf("%s holds the ID number", e.Name())
		}
		if strings.HasSuffix(e.Name(), ".html") {
			pages++
			if !strings.Contains(b, "本看板在数据检查未通过的情况下生成") {
				t.Errorf("%s does not warn of the failed check", e.Name())
			}
		}
	}
	if pages < 5+11 {
		t.Errorf("%d pages written, want the 5 site pages and 11 county pages", pages)
	}
}

// TestCountySeriesLeavesUnreportedMonthsOut: a county's monthly series says
// which month ends it had no ledger by (the truth's first ledger), so that
// its page draws no 0 stations for them.
func TestCountySeriesLeavesUnreportedMonthsOut(t *testing.T) {
	d := loadDemo(t)
	db, err := sql.Open("duckdb", d.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	series, err := metrics.MonthlyByCounty(context.Background(), db, day("2023-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range mustRef().Counties {
		first := ""
		for _, l := range d.world.Ledgers {
			if m := l.ReportDate.Format("2006-01"); l.CountyCode == c.Code && (first == "" || m < first) {
				first = m
			}
		}
		for _, p := range series[c.Code] {
			if want := p.Month < first; p.Unreported != want {
				t.Errorf("%s %s: unreported %v, want %v (first ledger %s)", c.Name, p.Month, p.Unreported, want, first)
			}
		}
	}
	for _, p := range series[metrics.CityCode] {
		if p.Unreported {
			t.Errorf("the city's %s is marked unreported", p.Month)
		}
	}
}

// TestDashboardBeforeAnyLedger: as of a day before the first ledger every
// county is 未报送; the site is still written (the checks pass: the city's
// stage counts are 0 like its stations, not blank).
func TestDashboardBeforeAnyLedger(t *testing.T) {
	d := loadDemo(t)
	site := filepath.Join(t.TempDir(), "site")
	if out, code := run("dashboard", "--db", d.db, "--as-of", "2021-01-01", "--out", site); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _ := run("report", "indicators", "--db", d.db, "--as-of", "2021-01-01", "--format", "csv")
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	city := rows[len(rows)-1]
	if got := strings.Join(city[18:22], ","); got != "0,0,0,0" {
		t.Errorf("city stage counts and fully certified = %s, want 0,0,0,0", got)
	}
}

// TestSiteLinksBulletins: a bulletin written with sgz bulletin is linked
// from the site's system-use page, its files copied into the site.
func TestSiteLinksBulletins(t *testing.T) {
	t.Parallel() // on its own copy of the demo's database
	d := loadDemo(t)
	db := copyDemo(t, d)
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", t.TempDir()); code != 0 {
		t.Fatal(out)
	}
	site := filepath.Join(t.TempDir(), "site")
	if out, code := run("dashboard", "--db", db, "--as-of", "2023-12-31", "--out", site); code != 0 {
		t.Fatal(out)
	}
	page := string(mustRead(t, filepath.Join(site, dashboards.SystemUseFile)))
	link := dashboards.EditionsDir + "/bulletin_2023-11_v1.html"
	if !strings.Contains(page, `href="`+link+`"`) {
		t.Errorf("system-use.html does not link %s: %.1500s", link, page[strings.Index(page, `id="editions"`):])
	}
	if b := string(mustRead(t, filepath.Join(site, filepath.FromSlash(link)))); !strings.Contains(b, "关于2023年11月全市乡镇（街道）社工站信息系统使用情况的通报") {
		t.Error("the linked bulletin is not the 2023-11 edition")
	}
}
