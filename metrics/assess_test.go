package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"sgz/data"
	"sgz/metrics"
	"sgz/transform"
)

// assessFixture writes two counties that differ only in their funds and a
// third with almost nothing, straight into the ingest tables. Every figure
// of TestAssessment is worked out by hand from it.
//
// 祁县 140727 and 榆社县 140721 (7 in-scope townships each), the same:
//
//	ledgers 2023-10-31 and 2023-12-31 (none in November);
//	two stations, established 2023-01-01, site/rules/signage yes:
//	  S1 (first township) with 特色项目, worker a 社会工作师 (certified 2022);
//	  S2 (second township) without, worker b 无证;
//	system: both stations, base information entered 2023-05-01;
//	services, Oct–Dec 2023: S1 10 a month on days 5–14 (4 个案服务,
//	  3 小组活动, 2 社区活动, 1 资源链接), S2 2 a month (个案服务, day 20);
//	  all entered the day they end, except two of S1's November services
//	  entered three days late;
//	November summaries: S1 on 2023-12-01, S2 none.
//
// 祁县's 2023-12-31 funds: 10,000.00 received, 2,000.00 人员经费 and 500.00
// 宴请 spent (1 flag). 榆社县's: the same and 300.00 礼品 (2 flags).
//
// 和顺县 140723: ledgers 2023-06-30 and 2023-12-31, no station.
// 平遥县 140728: one ledger, 2023-12-31, no station.
func assessFixture(t *testing.T, db *sql.DB) {
	t.Helper()
	exec := fixtureExec(t, db)
	now := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	file := `INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
		has_station_sheet, has_staff_sheet, has_funds_sheet, loaded_at, count_loaded, count_rejected, count_skipped)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, CAST(? AS DATE), ?, ?, ?, ?, 0, 0, 0)`
	id := 0
	next := func() int { id++; return id }
	counties := []struct {
		code, name string
		towns      [2]string
		extra      bool // a second out-of-scope purchase
	}{{"140727", "祁县", [2]string{"140727100", "140727101"}, false}, {"140721", "榆社县", [2]string{"140721100", "140721101"}, true}}
	export := next()
	exec(file, export, "export.csv", "x", "hx", "hx", "export", nil, nil, false, false, false, now)
	svc := 0
	for _, c := range counties {
		for _, report := range []string{"2023-10-31", "2023-12-31"} {
			f := next()
			exec(file, f, c.name+"_"+report+".xlsx", "x", "h"+fmt.Sprint(f), "h"+fmt.Sprint(f), "ledger", c.code, report, true, true, report == "2023-12-31", now)
			for i, town := range c.towns {
				sig := any(nil)
				if i == 0 {
					sig = "一老一小"
				}
				exec(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name,
					established_date, established_approx, has_site, has_rules, has_signage, signature_project)
					VALUES (?, '站点', ?, ?, ?, ?, DATE '2023-01-01', false, true, true, true, ?)`, f, 4+i, c.code, town, fmt.Sprint("S", i+1), sig)
				cert, certDate := "无", any(nil)
				if i == 0 {
					cert, certDate = "社会工作师", "2022-06-01"
				}
				exec(`INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_status, name_hash,
					is_fulltime, cert_level, certified_date, joined_date) VALUES (?, '人员', ?, ?, ?, ?, 'valid', 'n', true, ?, CAST(? AS DATE), DATE '2023-01-01')`,
					f, 4+i, c.code, town, c.code+town, cert, certDate)
			}
			if report == "2023-12-31" {
				fund := `INSERT INTO ledger_funds VALUES (?, '资金', ?, ?, NULL, '市级福彩公益金', CAST(? AS DATE), false, ?, ?, ?, ?)`
				exec(fund, f, 4, c.code, "2023-02-01", "拨付", nil, 1_000_000, 0)
				exec(fund, f, 5, c.code, "2023-03-01", "人员经费", "人员经费", 0, 200_000)
				exec(fund, f, 6, c.code, "2023-04-01", "宴请", "宴请", 0, 50_000)
				if c.extra {
					exec(fund, f, 7, c.code, "2023-05-01", "礼品", "礼品", 0, 30_000)
				}
			}
		}
		for i, town := range c.towns {
			sid := c.code + "S" + fmt.Sprint(i+1)
			exec(`INSERT INTO sys_stations VALUES (?, '站点', ?, ?, ?, ?, ?, DATE '2023-01-01', TIMESTAMP '2023-05-01 10:00:00', '运营中')`,
				export, 2+i, sid, "S", c.code, town)
			for m := 10; m <= 12; m++ {
				n, types := 2, []string{"个案服务", "个案服务"}
				day := 20
				if i == 0 {
					n, day = 10, 5
					types = []string{"个案服务", "个案服务", "个案服务", "个案服务", "小组活动", "小组活动", "小组活动", "社区活动", "社区活动", "资源链接"}
				}
				for k := 0; k < n; k++ {
					end := time.Date(2023, time.Month(m), day, 0, 0, 0, 0, time.UTC)
					if i == 0 {
						end = end.AddDate(0, 0, k)
					}
					entered := end.Add(9 * time.Hour)
					if i == 0 && m == 11 && k < 2 {
						entered = entered.AddDate(0, 0, 3)
					}
					svc++
					exec(`INSERT INTO sys_services VALUES (?, '服务', ?, ?, ?, ?, '其他', ?, ?, 1, ?)`,
						export, svc+1, fmt.Sprint("F", svc), sid, types[k], end, end, entered)
				}
			}
			if i == 0 {
				exec(`INSERT INTO sys_summaries VALUES (?, '总结', ?, ?, DATE '2023-11-01', TIMESTAMP '2023-12-01 09:00:00', '已通过')`, export, 2, sid)
			}
		}
	}
	for _, report := range []string{"2023-06-30", "2023-12-31"} {
		f := next()
		exec(file, f, "和顺县_"+report+".xlsx", "x", "h"+fmt.Sprint(f), "h"+fmt.Sprint(f), "ledger", "140723", report, true, true, false, now)
	}
	f := next() // 平遥县: its first (and only) ledger of the year in December
	exec(file, f, "平遥县_2023-12-31.xlsx", "x", "h"+fmt.Sprint(f), "h"+fmt.Sprint(f), "ledger", "140728", "2023-12-31", true, true, false, now)
	recompute(t, db)
}

// assessPolicy is the default policy with the system use counted from
// 2023-11 (one month to work out by hand) and edits.
func assessPolicy(t *testing.T, edits map[string]string) data.Policy {
	t.Helper()
	lines := strings.Split(string(data.DefaultPolicyCSV()), "\n")
	edits["bulletin_first_month"] = "2023-11"
	for i, l := range lines {
		key, rest, ok := strings.Cut(l, ",")
		if v, edit := edits[key]; ok && edit {
			_, about, _ := strings.Cut(rest, ",")
			lines[i] = key + "," + v + "," + about
		}
	}
	pol, err := data.ParsePolicy("edited.csv", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

func applyPolicy(t *testing.T, db *sql.DB, pol data.Policy) {
	t.Helper()
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := transform.Apply(context.Background(), db, ref, pol); err != nil {
		t.Fatal(err)
	}
}

// TestAssessment scores the fixture as of 2023-12-31, every part worked
// out by hand:
//
//	coverage       2/7 → 30 × 2/7           =  8.571428…
//	operating      2/2 → 15 × 1             = 15
//	certification  1/2 → 15 × 0.5           =  7.5
//	system use     November only (deadline 2023-12-06): base information
//	               2/2 on time, services 10/12 on time (two of S1's late),
//	               summaries 1/2 → 100 × (0.2·1 + 0.4·10/12 + 0.4·0.5)
//	               = 73.333… → 20 × 73.333…/100 = 14.666…
//	service volume Jan–Sep left out (no ledger: no operating station
//	               known); Oct, Nov, Dec: 12 services / 2 operating = 6
//	               → 10 × min(1, 6/20) = 3
//	stages         S1 专业 (30 services Oct–Dec, 4 types, 3 资源链接, core
//	               27/30, all certified, 特色项目), S2 起步 (2 a month)
//	               → 10 × 1/2 = 5
//	parts          53.738095…
//	祁县 deductions  1 fund flag (5) + June–September and November
//	               without a ledger (25: owed from policy.ledger_monthly_from,
//	               2023-06, whenever the first ledger came) = 30, capped at 10
//	榆社县           2 flags (10) + the same 5 months (25), capped at 10
//	→ both 43.738095…, tied at rank 1.
//	和顺县           no station: every part 0; July–November without a
//	               ledger (25, capped at 10): 0 − 10, never below 0 → 0,
//	               tied with the eight counties with nothing at rank 3.
//	平遥县           its first ledger in December: June–November
//	               without one (30, capped at 10) → 0; before the rule
//	               its first ledger started the count, and it lost nothing.
func TestAssessment(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	assessFixture(t, db)
	pol := assessPolicy(t, map[string]string{})
	applyPolicy(t, db, pol)
	a, err := metrics.Assess(ctx, db, pol, 2023, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if a.Forecast || len(a.UseMonths) != 1 || a.UseMonths[0].Month != "2023-11" || a.UseMonths[0].Deadline.Format(time.DateOnly) != "2023-12-06" {
		t.Errorf("forecast %v, use months %+v; want final, 2023-11 due 2023-12-06", a.Forecast, a.UseMonths)
	}
	use := 100 * (0.2*1 + 0.4*10.0/12 + 0.4*0.5)
	parts := 30*2.0/7 + 15 + 7.5 + 20*use/100 + 3 + 5
	by := map[string]metrics.CountyScore{}
	for _, c := range a.Counties {
		by[c.County] = c
	}
	for _, name := range []string{"祁县", "榆社县"} {
		c := by[name]
		near(t, name+" coverage", c.Coverage.Points, 30*2.0/7)
		near(t, name+" operating", c.Operating.Points, 15)
		near(t, name+" certification", c.Certification.Points, 7.5)
		near(t, name+" system use raw", *c.SystemUse.Raw, use)
		near(t, name+" system use", c.SystemUse.Points, 20*use/100)
		near(t, name+" service volume raw", *c.ServiceVolume.Raw, 6)
		near(t, name+" service volume", c.ServiceVolume.Points, 3)
		near(t, name+" stages", c.Stages.Points, 5)
		near(t, name+" deduction", c.Deduction, 10)
		near(t, name+" total", c.Total, parts-10)
		if c.Rank != 1 {
			t.Errorf("%s rank %d, want 1 (tied)", name, c.Rank)
		}
		if strings.Join(c.MissingLedgerMonths, ",") != "2023-06,2023-07,2023-08,2023-09,2023-11" {
			t.Errorf("%s months without a ledger %v, want June–September and November", name, c.MissingLedgerMonths)
		}
		var months []string
		for _, v := range c.Volume {
			if v.Ratio != nil {
				months = append(months, fmt.Sprintf("%s:%d/%d", v.Month, v.Services, *v.Operating))
			}
		}
		if strings.Join(months, " ") != "2023-10:12/2 2023-11:12/2 2023-12:12/2" || len(c.Volume) != 12 {
			t.Errorf("%s volume months %v of %d, want Oct–Dec 12/2 of 12", name, months, len(c.Volume))
		}
	}
	near(t, "祁县 fund deduction", by["祁县"].FundDeduction, 5)
	near(t, "榆社县 fund deduction", by["榆社县"].FundDeduction, 10)
	if by["祁县"].Total != by["榆社县"].Total {
		t.Errorf("the tie is not exact: %v vs %v", by["祁县"].Total, by["榆社县"].Total)
	}
	h := by["和顺县"]
	near(t, "和顺县 ledger deduction", h.LedgerDeduction, 25)
	near(t, "和顺县 deduction", h.Deduction, 10)
	if h.Total != 0 || h.Rank != 3 || by["榆次区"].Rank != 3 || strings.Join(h.MissingLedgerMonths, ",") != "2023-07,2023-08,2023-09,2023-10,2023-11" {
		t.Errorf("和顺县 total %v rank %d months %v, 榆次区 rank %d; want 0, 3, Jul–Nov, 3", h.Total, h.Rank, h.MissingLedgerMonths, by["榆次区"].Rank)
	}
	py := by["平遥县"]
	near(t, "平遥县 ledger deduction", py.LedgerDeduction, 30)
	if strings.Join(py.MissingLedgerMonths, ",") != "2023-06,2023-07,2023-08,2023-09,2023-10,2023-11" || py.Deduction != 10 || py.Total != 0 {
		t.Errorf("平遥县 (first ledger in December): months %v, deduction %v, total %v; want June–November, 10, 0", py.MissingLedgerMonths, py.Deduction, py.Total)
	}
	if h.Coverage.Raw == nil || *h.Coverage.Raw != 0 || by["榆次区"].Coverage.Raw != nil {
		t.Errorf("coverage raw: 和顺县 %v (0 of 8), 榆次区 %v (未报送: undefined)", h.Coverage.Raw, by["榆次区"].Coverage.Raw)
	}

	// Before the year ends: a forecast; November's deadline has not come,
	// so no month of system use counts.
	f, err := metrics.Assess(ctx, db, pol, 2023, time.Date(2023, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Counties {
		if c.County == "祁县" && (!f.Forecast || c.SystemUse.Raw != nil || c.SystemUse.Points != 0 || len(c.Volume) != 11) {
			t.Errorf("forecast at 2023-11-30: forecast %v, system use %+v, %d volume months", f.Forecast, c.SystemUse, len(c.Volume))
		}
	}
}

// TestAssessmentPolicyChange: coverage worth 40 and deductions capped at
// 40 change the scores as worked out by hand, without a code change, and
// break the tie: 祁县 parts + 10 × 2/7 − 30 (1 fund flag and 5 months
// without a ledger), 榆社县 the same − 35 (2 flags).
func TestAssessmentPolicyChange(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	assessFixture(t, db)
	pol := assessPolicy(t, map[string]string{"assess_points_coverage": "40", "assess_deduction_cap": "40"})
	applyPolicy(t, db, pol)
	a, err := metrics.Assess(ctx, db, pol, 2023, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	use := 100 * (0.2*1 + 0.4*10.0/12 + 0.4*0.5)
	parts := 40*2.0/7 + 15 + 7.5 + 20*use/100 + 3 + 5
	for _, c := range a.Counties {
		switch c.County {
		case "祁县":
			near(t, "祁县 total", c.Total, parts-30)
			if c.Rank != 1 {
				t.Errorf("祁县 rank %d, want 1", c.Rank)
			}
		case "榆社县":
			near(t, "榆社县 total", c.Total, parts-35)
			if c.Rank != 2 {
				t.Errorf("榆社县 rank %d, want 2", c.Rank)
			}
		}
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.12f, want %.12f", what, got, want)
	}
}

// TestCountyOperatingAsIndicators: county_operating gives, at every month
// end of 2023, the stations_operating of county_indicators, NULL for a
// county without a ledger included.
func TestCountyOperatingAsIndicators(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	assessFixture(t, db)
	// and an operating station in a township out of scope (祁县 400), which
	// counts in neither
	var ledger int
	if err := db.QueryRowContext(ctx, `SELECT file_id FROM files WHERE county_code = '140727' AND report_date = DATE '2023-12-31'`).Scan(&ledger); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name,
			established_date, established_approx, has_site, has_rules, has_signage) VALUES (%d, '站点', 10, '140727', '140727400', 'OUT',
			DATE '2023-01-01', false, true, true, true)`, ledger),
		fmt.Sprintf(`INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_status, name_hash,
			is_fulltime, cert_level, joined_date) VALUES (%d, '人员', 10, '140727', '140727400', 'OUTP', 'valid', 'n', true, '无', DATE '2023-01-01')`, ledger),
		`INSERT INTO sys_stations VALUES (1, '站点', 90, 'OUTS', 'S', '140727', '140727400', DATE '2023-01-01', TIMESTAMP '2023-05-01 10:00:00', '运营中')`,
		`INSERT INTO sys_services VALUES (1, '服务', 9999, 'FOUT', 'OUTS', '个案服务', '其他', DATE '2023-12-20', DATE '2023-12-20', 1, TIMESTAMP '2023-12-20 10:00:00')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	recompute(t, db)
	var outOfScope int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM stations_asof(DATE '2023-12-31') WHERE NOT in_scope AND is_operating`).Scan(&outOfScope); err != nil || outOfScope != 1 {
		t.Fatalf("operating stations out of scope: %d (%v), want 1", outOfScope, err)
	}
	applyPolicy(t, db, assessPolicy(t, map[string]string{}))
	checked := 0
	for _, end := range metrics.MonthEnds(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)) {
		ind, err := metrics.Indicators(ctx, db, end)
		if err != nil {
			t.Fatal(err)
		}
		op, err := metrics.OperatingByCounty(ctx, db, end)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, x := range ind {
			if x.CountyCode != "140700" {
				want[x.CountyCode] = fmt.Sprint(deref(x.StationsOperating))
			}
		}
		got := map[string]string{}
		for _, x := range op {
			got[x.CountyCode] = fmt.Sprint(deref(x.StationsOperating))
			if x.StationsOperating != nil && *x.StationsOperating > 0 {
				checked++
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: county_operating %v, county_indicators %v", end.Format(time.DateOnly), got, want)
		}
	}
	if checked == 0 {
		t.Error("no county had an operating station at any month end: the fixture checks nothing")
	}
}

// TestLedgerMonths: the months a county owes a ledger run from the
// policy's ledger_monthly_from (January in a later year) to the month
// before the as-of date's, that month too when the date is its last day;
// none in a year before the rule.
func TestLedgerMonths(t *testing.T) {
	r := metrics.Rules{LedgerMonthlyFrom: time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		year int
		asOf string
		want string
	}{
		{2023, "2023-12-31", "2023-06 2023-07 2023-08 2023-09 2023-10 2023-11 2023-12"},
		{2023, "2023-12-15", "2023-06 2023-07 2023-08 2023-09 2023-10 2023-11"},
		{2023, "2023-06-30", "2023-06"},
		{2023, "2023-06-29", ""},
		{2024, "2024-03-31", "2024-01 2024-02 2024-03"},
		{2022, "2022-12-31", ""},
	} {
		asOf, _ := time.Parse(time.DateOnly, c.asOf)
		if got := strings.Join(r.LedgerMonths(c.year, asOf), " "); got != c.want {
			t.Errorf("%d as of %s: %q, want %q", c.year, c.asOf, got, c.want)
		}
	}
}
