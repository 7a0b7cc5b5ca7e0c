package metrics_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"sgz/data"
	"sgz/ingest"
	"sgz/metrics"
	"sgz/transform"
)

// A hand-made fixture for the boundaries of indicators.md, written straight
// into the ingest tables. County 140727 祁县 (7 in-scope townships).
//
// Ledger file 1, report 2023-05-31; file 2, report 2023-06-30; file 3 is a
// 2023-06-30 ledger that file 2 replaced (its rows must not count).
//
// Stations in file 2 (the current ledger at 2023-06-30):
//
//	140727100 昭馀镇   est 2023-03-01  two station rows (counts once)
//	140727101 东观镇   est 2023-06-30  (established on the as-of day: counts)
//	140727102 古县镇   est 2023-07-01  (after the as-of day: does not count)
//	140727400 经济开发区 est 2023-01-01 (out of scope: not counted)
//
// Staff in file 2, as of 2023-06-30:
//
//	A 昭馀 joined 2023-03-01, left 2023-06-30  -> not active (left <= D)
//	B 昭馀 joined 2023-03-01, left 2023-07-01, 社会工作师 certified 2022-01-01 -> active, certified
//	C 昭馀 joined 2023-06-30, 助理社会工作师 certified 2023-07-15 -> active, not yet certified
//	D 东观 joined 2023-06-01, 无, full-time -> active
//	D again (same person key) in another row -> counts once
//
// So: established 2, resident 3 (B, C, D), certified 1 (B), full-time: B and D.
//
// Services (station S1 in 昭馀, S2 in 东观):
//
//	S1 ends 2023-05-31 (= D-30: outside the window (D-30, D])
//	S1 ends 2023-06-01 (inside), entered 2023-07-01 00:00 (after D: not known)
//	S2 ends 2023-06-20, entered 2023-06-30 23:59:59 (by the end of D: counts)
//
// So 东观 is operating (worker D, service in window); 昭馀 is not (its only
// in-window service was entered after D). operating 1 of 2.
// services_month (June, entered by D): S1's 06-01 is unknown at D, so 1
// service (S2) with 4 person-times.
func TestBoundaries(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	exec := fixtureExec(t, db)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	files := `INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
		has_station_sheet, has_staff_sheet, loaded_at, count_loaded, count_rejected, count_skipped, replaced_by)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, CAST(? AS DATE), ?, ?, ?, 0, 0, 0, ?)`
	exec(files, 1, "a.xlsx", "a.xlsx", "h1", "h1", "ledger", "140727", "2023-05-31", true, true, now, nil)
	exec(files, 2, "b.xlsx", "b.xlsx", "h2", "h2", "ledger", "140727", "2023-06-30", true, true, now, nil)
	exec(files, 3, "c.xlsx", "c.xlsx", "h3", "h3", "ledger", "140727", "2023-06-30", false, false, now, 2)
	exec(files, 4, "s.csv", "s.csv", "h4", "h4", "export", nil, nil, false, false, now, nil)
	station := `INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx)
		VALUES (?, 's', ?, '140727', ?, ?, CAST(? AS DATE), false)`
	exec(station, 1, 4, "140727100", "昭馀站", "2023-03-01")
	exec(station, 2, 4, "140727100", "昭馀站", "2023-03-01")
	exec(station, 2, 5, "140727100", "昭馀二站", "2023-04-01")
	exec(station, 2, 6, "140727101", "东观站", "2023-06-30")
	exec(station, 2, 7, "140727102", "古县站", "2023-07-01")
	exec(station, 2, 8, "140727400", "开发区站", "2023-01-01")
	for i, town := range []string{"140727103", "140727104", "140727105", "140727200"} {
		exec(station, 3, 4+i, town, "replaced", "2023-01-01") // replaced file: ignored
	}
	staff := `INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_status, name_hash,
		is_fulltime, cert_level, certified_date, joined_date, left_date)
		VALUES (?, 'p', ?, '140727', ?, ?, 'valid', 'n', ?, ?, CAST(? AS DATE), CAST(? AS DATE), CAST(? AS DATE))`
	exec(staff, 2, 4, "140727100", "A", true, "无", nil, "2023-03-01", "2023-06-30")
	exec(staff, 2, 5, "140727100", "B", true, "社会工作师", "2022-01-01", "2023-03-01", "2023-07-01")
	exec(staff, 2, 6, "140727100", "C", false, "助理社会工作师", "2023-07-15", "2023-06-30", nil)
	exec(staff, 2, 7, "140727101", "D", true, "无", nil, "2023-06-01", nil)
	exec(staff, 2, 8, "140727101", "D", true, "无", nil, "2023-06-01", nil)
	exec(staff, 3, 4, "140727103", "E", true, "社会工作师", nil, "2023-01-01", nil) // replaced file
	exec(`INSERT INTO sys_stations VALUES (4, 's', 2, 'S1', '昭馀站', '140727', '140727100', NULL, NULL, '运营中'),
		(4, 's', 3, 'S2', '东观站', '140727', '140727101', NULL, NULL, '运营中')`)
	exec(`INSERT INTO sys_services VALUES
		(4, 'v', 2, 'F1', 'S1', '个案服务', '其他', DATE '2023-05-31', DATE '2023-05-31', 2, TIMESTAMP '2023-05-31 10:00:00'),
		(4, 'v', 3, 'F2', 'S1', '个案服务', '其他', DATE '2023-06-01', DATE '2023-06-01', 3, TIMESTAMP '2023-07-01 00:00:00'),
		(4, 'v', 4, 'F3', 'S2', '个案服务', '其他', DATE '2023-06-20', DATE '2023-06-20', 4, TIMESTAMP '2023-06-30 23:59:59')`)
	recompute(t, db)

	rows, err := metrics.Indicators(ctx, db, time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var q metrics.CountyIndicators
	for _, r := range rows {
		if r.CountyCode == "140727" {
			q = r
		}
	}
	if q.LedgerDate == nil || q.LedgerDate.Format(time.DateOnly) != "2023-06-30" {
		t.Fatalf("ledger date = %v, want 2023-06-30", q.LedgerDate)
	}
	wantInt(t, "townships_in_scope", &q.TownshipsInScope, 7)
	wantInt(t, "stations_established", q.StationsEstablished, 2)
	wantFloat(t, "coverage_rate", q.CoverageRate, 2.0/7)
	wantInt(t, "stations_operating", q.StationsOperating, 1)
	wantFloat(t, "operating_rate", q.OperatingRate, 0.5)
	wantInt(t, "resident_workers", q.ResidentWorkers, 3)
	wantInt(t, "certified_workers", q.CertifiedWorkers, 1)
	wantFloat(t, "certification_rate", q.CertificationRate, 1.0/3)
	wantFloat(t, "fulltime_rate", q.FulltimeRate, 2.0/3)
	wantInt(t, "services_month", &q.ServicesMonth, 1)
	wantInt(t, "person_times_month", &q.PersonTimesMonth, 4)

	// A county with no ledger is 未报送: ledger figures are nil, not zero.
	for _, r := range rows {
		if r.CountyCode == "140702" {
			if r.LedgerDate != nil || r.StationsEstablished != nil || r.CoverageRate != nil || r.ResidentWorkers != nil {
				t.Errorf("榆次区 without a ledger: %+v, want nil ledger figures", r)
			}
		}
	}
	city := rows[len(rows)-1]
	if city.CountyCode != metrics.CityCode || city.LedgerDate != nil {
		t.Errorf("city row = %s ledger %v, want 140700 with no ledger date (not every county reported)", city.CountyCode, city.LedgerDate)
	}
	wantInt(t, "city stations_established", city.StationsEstablished, 2)
	wantFloat(t, "city coverage_rate", city.CoverageRate, 2.0/118)

	// A July file with only a staff sheet: stations still come from the June
	// ledger (now 古县 too, established 07-01), staff from July (one person).
	exec(files, 5, "d.csv", "d.csv", "h5", "h5", "ledger", "140727", "2023-07-31", false, true, now, nil)
	exec(staff, 5, 4, "140727101", "F", true, "社会工作师", "2020-01-01", "2023-06-01", nil)
	july := countyAsOf(t, db, "140727", "2023-07-31")
	wantInt(t, "July stations_established", july.StationsEstablished, 3)
	wantInt(t, "July resident_workers", july.ResidentWorkers, 1)
	wantInt(t, "July certified_workers", july.CertifiedWorkers, 1)
	if july.LedgerDate == nil || july.LedgerDate.Format(time.DateOnly) != "2023-07-31" {
		t.Errorf("July ledger date = %v, want 2023-07-31 (the latest sheet in force)", july.LedgerDate)
	}
	// Before any ledger: the city's coverage is 0 of 118, not empty.
	rows, err = metrics.Indicators(ctx, db, time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	wantFloat(t, "city coverage_rate before any ledger", rows[len(rows)-1].CoverageRate, 0)

	// As of 2023-05-31 the May ledger is current: 昭馀 only, no staff rows.
	may := countyAsOf(t, db, "140727", "2023-05-31")
	wantInt(t, "May stations_established", may.StationsEstablished, 1)
	wantInt(t, "May resident_workers", may.ResidentWorkers, 0)
	if may.CertificationRate != nil {
		t.Errorf("May certification_rate = %v, want empty (0/0)", *may.CertificationRate)
	}
}

// countyAsOf is one county's row of the indicators as of asOf (YYYY-MM-DD).
func countyAsOf(t *testing.T, db *sql.DB, county, asOf string) metrics.CountyIndicators {
	t.Helper()
	d, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := metrics.Indicators(context.Background(), db, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.CountyCode == county {
			return r
		}
	}
	t.Fatalf("no row for %s as of %s", county, asOf)
	return metrics.CountyIndicators{}
}

func openFixture(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { db.Close() })
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := data.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	if err := ingest.EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := transform.Apply(ctx, db, ref, pol); err != nil {
		t.Fatal(err)
	}
	if err := metrics.Apply(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

// recompute keeps the current service records (cur_services) of rows a
// fixture put into sys_services itself, as loads keep them.
// fixtureExec runs a statement of a fixture, failing the test on an error.
func fixtureExec(t *testing.T, db *sql.DB) func(q string, args ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func recompute(t *testing.T, db *sql.DB) {
	t.Helper()
	if err := ingest.RecomputeServices(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

func wantInt(t *testing.T, name string, got *int, want int) {
	t.Helper()
	if got == nil || *got != want {
		t.Errorf("%s = %v, want %d", name, deref(got), want)
	}
}

func wantFloat(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || *got < want-1e-9 || *got > want+1e-9 {
		t.Errorf("%s = %v, want %.6f", name, deref(got), want)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// A ledger station without 挂牌时间 takes the system's 建站日期 only once the
// system knew the station (entered by the as-of day): loading a later
// export never changes a past figure.
func TestSystemDateFallbackIsAsOf(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	for _, q := range []string{
		ledgerFile(1, "140724", "2023-12-31"),
		exportFile(2),
		`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx)
		 VALUES (1, 's', 4, '140724', '140724100', '乐平站', NULL, false)`,
		`INSERT INTO sys_stations VALUES (2, 's', 2, 'S9', '乐平站', '140724', '140724100', DATE '2023-06-01', TIMESTAMP '2024-01-05 09:00:00', '运营中')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for asOf, want := range map[string]int{"2023-12-31": 0, "2024-01-31": 1} {
		wantInt(t, "昔阳县 stations_established as of "+asOf, countyAsOf(t, db, "140724", asOf).StationsEstablished, want)
	}
}

// Closed stations (indicators.md "Coverage": not closed (已撤销) by D;
// docs/decisions.md: a township is closed at D when every system station
// of it entered by D is 已撤销 and shows no activity after D). 昔阳县's ledger of 2023-11-30 lists four
// townships, each established 2023-03-01:
//
//	乐平镇 100: its one system station S1 is 已撤销             -> closed
//	皋落镇 101: S2 已撤销, S3 运营中                             -> open (S3)
//	冶头镇 102: S4 已撤销 but entered 2024-01-05 (after D)       -> open at D
//	沾尚镇 103: no system station                                -> open
//
// S1 records a service ending 2023-12-10: the export gives no closure date,
// but S1 was working after 2023-11-30, so it was not closed then.
//
// So 4 established at 2023-11-30, 3 at 2023-12-31; at 2024-01-31 (same
// ledger) S4 is known and 冶头镇 closed too: 2.
func TestClosedStations(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	queries := []string{ledgerFile(1, "140724", "2023-11-30"), exportFile(2)}
	for i, town := range []string{"100", "101", "102", "103"} {
		queries = append(queries, fmt.Sprintf(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx)
			VALUES (1, 's', %d, '140724', '140724%s', 's%s', DATE '2023-03-01', false)`, i+4, town, town))
	}
	queries = append(queries, `INSERT INTO sys_stations VALUES
		(2, 's', 2, 'S1', '乐平站', '140724', '140724100', DATE '2023-03-01', TIMESTAMP '2023-03-02 09:00:00', '已撤销'),
		(2, 's', 3, 'S2', '皋落站', '140724', '140724101', DATE '2023-03-01', TIMESTAMP '2023-03-02 09:00:00', '已撤销'),
		(2, 's', 4, 'S3', '皋落新站', '140724', '140724101', DATE '2023-04-01', TIMESTAMP '2023-04-01 09:00:00', '运营中'),
		(2, 's', 5, 'S4', '冶头站', '140724', '140724102', DATE '2023-03-01', TIMESTAMP '2024-01-05 09:00:00', '已撤销'),
		(2, 's', 6, 'S5', '大寨站', '140724', '140724104', DATE '2023-05-01', TIMESTAMP '2023-05-01 09:00:00', '运营中')`,
		// December services of the closed 乐平 station and of 大寨镇, which
		// the ledger leaves out: they count for the county.
		`INSERT INTO sys_services VALUES
		(2, 's', 7, 'F1', 'S1', '个案服务', '老年人', DATE '2023-12-10', DATE '2023-12-10', 2, TIMESTAMP '2023-12-10 18:00:00'),
		(2, 's', 8, 'F2', 'S5', '个案服务', '老年人', DATE '2023-12-11', DATE '2023-12-11', 3, TIMESTAMP '2023-12-13 09:00:00')`)
	for _, q := range queries {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	recompute(t, db)
	for asOf, want := range map[string]int{"2023-11-30": 4, "2023-12-31": 3, "2024-01-31": 2} {
		r := countyAsOf(t, db, "140724", asOf)
		wantInt(t, "昔阳县 stations_established as of "+asOf, r.StationsEstablished, want)
		wantFloat(t, "昔阳县 coverage_rate as of "+asOf, r.CoverageRate, float64(want)/10)
	}
	// The station detail for December: the three established stations,
	// 大寨 which the ledger leaves out but the system's register knows (it
	// owes: indicators.md "Which stations owe"), then 乐平, listed but
	// closed, which owes nothing but whose services count.
	lines, err := metrics.StationDetail(ctx, db, time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%s %s %d/%d", l.TownshipCode, l.Ledger, l.ServicesOnTime, l.Services))
	}
	want := []string{"140724101 counted 0/0", "140724102 counted 0/0", "140724103 counted 0/0", "140724104 system 0/1", "140724100 listed 1/1"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("station detail:\n got %v\nwant %v", got, want)
	}
}

// The coverage early warning (issue 4): pace = stations established over
// the last policy.warning_lookback_months (3) months ÷ 3, projected date =
// as-of + remaining ÷ pace months (of 365.25/12 days), against
// policy.coverage_deadline 2023-12-31. 昔阳县 (10 townships) reports 4
// stations on 2023-06-30, 7 on 2023-09-30 and 9 on 2023-12-31; 榆社县 (7)
// reports 2 on 2023-06-30 and on 2023-09-30; 祁县 (7) all 7 on 2023-09-30.
//
//	as of 2023-09-30: 昔阳县 pace (7-4)/3 = 1.0, 3 to go: 92 days
//	                  (ceil(91.3125)) -> 2023-12-31, 预计按期完成;
//	                  榆社县 pace 0 -> 存在不能按期完成风险; 祁县 已完成;
//	                  the other counties have no ledger: 未报送.
//	as of 2023-12-31 (the deadline, figures as of its end): 昔阳县 9 of 10
//	                  -> 逾期未完成.
func TestOutlooks(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	queries := []string{ledgerFile(1, "140724", "2023-06-30"), ledgerFile(2, "140724", "2023-09-30"), ledgerFile(3, "140724", "2023-12-31"),
		ledgerFile(4, "140721", "2023-06-30"), ledgerFile(5, "140721", "2023-09-30"), ledgerFile(6, "140727", "2023-09-30")}
	stations := func(file int, county string, towns ...string) {
		for i, town := range towns {
			queries = append(queries, fmt.Sprintf(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx)
				VALUES (%d, 's', %d, '%s', '%s%s', 's', DATE '2023-03-01', false)`, file, i+4, county, county, town))
		}
	}
	xiyang := []string{"100", "101", "102", "103", "104", "200", "201", "202", "203"}
	stations(1, "140724", xiyang[:4]...)
	stations(2, "140724", xiyang[:7]...)
	stations(3, "140724", xiyang...)
	stations(4, "140721", "100", "101")
	stations(5, "140721", "100", "101")
	stations(6, "140727", "100", "101", "102", "103", "104", "105", "201")
	for _, q := range queries {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	pol, err := data.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	outlooks := func(asOf time.Time) map[string]string {
		now, err := metrics.Indicators(ctx, db, asOf)
		if err != nil {
			t.Fatal(err)
		}
		os, err := metrics.Outlooks(ctx, db, now, asOf, pol)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, o := range os {
			s := o.Status
			if o.Projected != nil {
				s += " " + o.Projected.Format(time.DateOnly)
			}
			got[o.County] = s
		}
		return got
	}
	sep := outlooks(time.Date(2023, 9, 30, 0, 0, 0, 0, time.UTC))
	for county, want := range map[string]string{"昔阳县": "预计按期完成 2023-12-31", "榆社县": "存在不能按期完成风险", "祁县": "已完成", "榆次区": "未报送"} {
		if sep[county] != want {
			t.Errorf("as of 2023-09-30, %s: %q, want %q", county, sep[county], want)
		}
	}
	if dec := outlooks(time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)); dec["昔阳县"] != "逾期未完成" {
		t.Errorf("as of 2023-12-31, 昔阳县: %q, want 逾期未完成", dec["昔阳县"])
	}
}

// TestTakeSiteProgress: the site's parts are told in order, each once,
// numbered 1 to their count: 14 at the city's scope (the list in
// TakeSiteProgress), 15 with 各地区 at a wider one; the site is the same
// as TakeSite's.
func TestTakeSiteProgress(t *testing.T) {
	db := openFixture(t)
	ctx := context.Background()
	asOf := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, scope := range []string{data.CityScope, data.ProvinceScope} {
		pol, err := data.LoadPolicy("")
		if err != nil {
			t.Fatal(err)
		}
		pol.Scope = scope
		var names []string
		site, err := metrics.TakeSiteProgress(ctx, db, asOf, pol, func(part string, done, total int) {
			want := 14
			if scope != data.CityScope {
				want = 15
			}
			if done != len(names)+1 || total != want {
				t.Errorf("%s: part %q told as %d/%d after %d parts, want %d in all", scope, part, done, total, len(names), want)
			}
			names = append(names, part)
		})
		if err != nil {
			t.Fatal(err)
		}
		if names[0] != "数据检查" || names[len(names)-1] != "全覆盖预警" || (scope != data.CityScope) != slices.Contains(names, "各地区") {
			t.Errorf("%s: parts %v", scope, names)
		}
		plain, err := metrics.TakeSite(ctx, db, asOf, pol)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(plain)
		b, _ := json.Marshal(site)
		if string(a) != string(b) || len(a) < 1000 {
			t.Errorf("%s: TakeSiteProgress and TakeSite differ", scope)
		}
	}
}

// TestSourcesAreTheRowsRead: the sources of the figures as of 2023-06-30
// are the exports whose rows the figures read, written by hand:
//
//	1 站点_旧.csv   S1 (a later stations export has it again)   not a source
//	2 站点_新.csv   S1, S2 entered 2023-01-05                   source
//	3 服务_旧.csv   F1 (a later services export has it again)   not a source
//	4 服务_新.csv   F1 again, F2, entered in June                source
//	5 总结.csv      S1's May summary, submitted 2023-06-05       source
//	6 服务_晚.csv   F3, entered 2023-07-02 (after the date)      not a source
//	7 站点_补.csv   S3, no entry time (known all along)          source
//	8 站点_迟.csv   S4, entered 2023-07-10, but its service F4
//	                 (in 服务_新.csv, June) takes its county from it source
//	9 站点_未用.csv S5, entered 2023-07-10, nothing of it read    not a source
//	10 站点_总结.csv S6, entered 2023-07-10, but its June summary
//	                 (in 总结.csv) takes its county from it      source
//
// (Before, every export with a row of the date was listed, 站点_旧 and
// 服务_旧 among them, though no figure came from them.)
func TestSourcesAreTheRowsRead(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	exec := fixtureExec(t, db)
	now := time.Date(2023, 7, 5, 0, 0, 0, 0, time.UTC)
	for i, name := range []string{"站点_旧.csv", "站点_新.csv", "服务_旧.csv", "服务_新.csv", "总结.csv", "服务_晚.csv", "站点_补.csv", "站点_迟.csv", "站点_未用.csv", "站点_总结.csv"} {
		exec(`INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
			has_station_sheet, has_staff_sheet, loaded_at, count_loaded, count_rejected, count_skipped, replaced_by)
			VALUES (?, ?, ?, ?, ?, 1, 'export', NULL, NULL, false, false, ?, 0, 0, 0, NULL)`, i+1, name, name, fmt.Sprint("h", i), fmt.Sprint("h", i), now)
	}
	exec(`INSERT INTO sys_stations VALUES
		(1, 's', 2, 'S1', '昭馀站', '140727', '140727100', NULL, TIMESTAMP '2023-01-05 09:00:00', '运营中'),
		(2, 's', 2, 'S1', '昭馀站', '140727', '140727100', NULL, TIMESTAMP '2023-01-05 09:00:00', '运营中'),
		(2, 's', 3, 'S2', '东观站', '140727', '140727101', NULL, TIMESTAMP '2023-01-05 09:00:00', '运营中'),
		(7, 's', 2, 'S3', '古县站', '140727', '140727102', NULL, NULL, '运营中'),
		(8, 's', 2, 'S4', '城赵站', '140727', '140727103', NULL, TIMESTAMP '2023-07-10 09:00:00', '运营中'),
		(9, 's', 2, 'S5', '贾令站', '140727', '140727104', NULL, TIMESTAMP '2023-07-10 09:00:00', '运营中'),
		(10, 's', 2, 'S6', '西六支站', '140727', '140727105', NULL, TIMESTAMP '2023-07-10 09:00:00', '运营中')`)
	exec(`INSERT INTO sys_services VALUES
		(3, 'v', 2, 'F1', 'S1', '个案服务', '其他', DATE '2023-06-01', DATE '2023-06-01', 2, TIMESTAMP '2023-06-10 10:00:00'),
		(4, 'v', 2, 'F1', 'S1', '个案服务', '其他', DATE '2023-06-01', DATE '2023-06-01', 2, TIMESTAMP '2023-06-10 10:00:00'),
		(4, 'v', 3, 'F2', 'S2', '个案服务', '其他', DATE '2023-06-18', DATE '2023-06-18', 3, TIMESTAMP '2023-06-20 10:00:00'),
		(4, 'v', 4, 'F4', 'S4', '个案服务', '其他', DATE '2023-06-18', DATE '2023-06-18', 3, TIMESTAMP '2023-06-21 10:00:00'),
		(6, 'v', 2, 'F3', 'S2', '个案服务', '其他', DATE '2023-06-28', DATE '2023-06-28', 1, TIMESTAMP '2023-07-02 10:00:00')`)
	exec(`INSERT INTO sys_summaries VALUES (5, 'm', 2, 'S1', DATE '2023-05-01', TIMESTAMP '2023-06-05 10:00:00', '已提交'),
		(5, 'm', 3, 'S6', DATE '2023-05-01', TIMESTAMP '2023-06-06 10:00:00', '已提交')`)
	recompute(t, db)
	src, err := metrics.Sources(ctx, db, time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range src {
		got = append(got, s.FileName)
	}
	slices.Sort(got)
	if want := []string{"总结.csv", "服务_新.csv", "站点_总结.csv", "站点_新.csv", "站点_补.csv", "站点_迟.csv"}; !slices.Equal(got, want) {
		t.Errorf("sources = %v, want %v", got, want)
	}
}

// TestRejectReasonsGrouped: the data-quality page's reasons group rows by
// what their reasons say, with the value, id or row number that varies put
// as …, but the expected forms a reason shows kept as written; a row with
// two rejects counts once; a replaced ledger's rows do not count.
func TestRejectReasonsGrouped(t *testing.T) {
	db := openFixture(t)
	exec := fixtureExec(t, db)
	now := time.Date(2023, 7, 5, 0, 0, 0, 0, time.UTC)
	for i, replaced := range []any{nil, nil, 1} {
		exec(`INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
			has_station_sheet, has_staff_sheet, loaded_at, count_loaded, count_rejected, count_skipped, replaced_by)
			VALUES (?, ?, ?, ?, ?, 1, 'ledger', '140727', DATE '2023-06-30', true, true, ?, 0, 0, 0, ?)`, i+1, fmt.Sprint("祁县_", i, ".xlsx"), "x", fmt.Sprint("h", i), fmt.Sprint("h", i), now, replaced)
	}
	const amount = "不是金额（应如 1200、1,200.00、1.2万 或 ￥1200）"
	exec(`INSERT INTO rejects VALUES
		(1, '资金台账', 17, 'I 支出金额（元）', '见附件', '"见附件" ` + amount + `'),
		(2, '资金台账', 17, 'I 支出金额（元）', '见附件', '"见附件" ` + amount + `'),
		(2, '资金台账', 18, 'H 收入金额（元）', '约5000', '"约5000" ` + amount + `'),
		(2, '资金台账', 18, 'I 支出金额（元）', '约5000', '"约5000" ` + amount + `'),
		(3, '资金台账', 19, 'I 支出金额（元）', 'x', '"x" ` + amount + `'),
		(1, '人员台账', 5, 'F 身份证号码', '140727****', '同一人（身份证号码相同）已在第 4 行登记且在站时间重叠，本行不计'),
		(2, '人员台账', 9, 'F 身份证号码', '140727****', '同一人（身份证号码相同）已在第 7 行登记且在站时间重叠，本行不计'),
		(1, '服务记录', 3, '站点编号', 'ZD99999999901', '站点编号 ZD99999999901 不在已载入的系统站点信息中；请先载入站点信息导出')`)
	got, _, err := metrics.RejectReasons(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	want := []metrics.RejectReason{
		{Reason: "… " + amount, Rows: 3},
		{Reason: "同一人（身份证号码相同）已在第 … 行登记且在站时间重叠，本行不计", Rows: 2},
		{Reason: "站点编号 … 不在已载入的系统站点信息中；请先载入站点信息导出", Rows: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
}
