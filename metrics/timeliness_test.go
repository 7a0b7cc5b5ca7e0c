package metrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sgz/metrics"
)

// TestTimeliness works the three rates of indicators.md by hand on a small
// fixture: county 140722 左权县, month 2023-11 (summary due 2023-12-06, a
// Wednesday after the December 2–3 weekend), as of that deadline.
//
// Stations (ledger of 2023-11-30):
//
//	A 140722100 est 2023-03-01: existed before the rule, base info due 2023-05-31,
//	  entered 2023-05-31 23:59:59 -> on time (the last second of the day)
//	B 140722101 est 2023-06-20: due 2023-06-27, entered 2023-06-28 -> late
//	C 140722102 est 2023-09-01: due 2023-09-08, never entered -> late
//	D 140722103 est 2023-11-30: due 2023-12-07 > as-of: not counted yet
//	base information: 1 on time of 3.
//
// Services ending in November (all at A's system station SA):
//
//	end 11-10 entered 11-11 09:00 -> on time (the day after)
//	end 11-10 entered 11-12 00:00 -> late
//	end 11-30 entered 12-01 -> on time
//	end 11-20 entered 12-07 -> after the as-of day: not known, not counted
//	services: 2 on time of 3.
//
// Summaries for November (owed by A, B, C, D: all established by 11-30):
//
//	A submitted 2023-12-06 23:59 -> on time (deadline day)
//	B 已退回 on 12-01 (no submission), resubmitted 12-07, after the as-of
//	  day -> missing as of 12-06
//	C, D none -> missing
//	summaries: 1 on time of 4, 0 late, 3 missing.
//
// Score = 100 × (0.2 × 1/3 + 0.4 × 2/3 + 0.4 × 1/4) = 43.3333.
//
// As of 2023-12-10 B's resubmission is known (late) and D's base
// information is due (late, never entered): base 1 of 4, summaries 1 on
// time, 1 late, 2 missing.
func TestTimeliness(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	for _, q := range []string{
		ledgerFile(1, "140722", "2023-11-30"),
		exportFile(2),
		`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx) VALUES
		 (1, 's', 4, '140722', '140722100', 'A', DATE '2023-03-01', false),
		 (1, 's', 5, '140722', '140722101', 'B', DATE '2023-06-20', false),
		 (1, 's', 6, '140722', '140722102', 'C', DATE '2023-09-01', false),
		 (1, 's', 7, '140722', '140722103', 'D', DATE '2023-11-30', false)`,
		`INSERT INTO sys_stations VALUES
		 (2, 's', 2, 'SA', 'A', '140722', '140722100', DATE '2023-03-01', TIMESTAMP '2023-05-31 23:59:59', '运营中'),
		 (2, 's', 3, 'SB', 'B', '140722', '140722101', DATE '2023-06-20', TIMESTAMP '2023-06-28 09:00:00', '运营中')`,
		`INSERT INTO sys_services VALUES
		 (2, 'v', 2, 'F1', 'SA', '个案服务', '其他', DATE '2023-11-10', DATE '2023-11-10', 1, TIMESTAMP '2023-11-11 09:00:00'),
		 (2, 'v', 3, 'F2', 'SA', '个案服务', '其他', DATE '2023-11-10', DATE '2023-11-10', 1, TIMESTAMP '2023-11-12 00:00:00'),
		 (2, 'v', 4, 'F3', 'SA', '个案服务', '其他', DATE '2023-11-30', DATE '2023-11-30', 1, TIMESTAMP '2023-12-01 10:00:00'),
		 (2, 'v', 5, 'F4', 'SA', '个案服务', '其他', DATE '2023-11-20', DATE '2023-11-20', 1, TIMESTAMP '2023-12-07 10:00:00')`,
		`INSERT INTO sys_summaries VALUES
		 (2, 'm', 2, 'SA', DATE '2023-11-01', TIMESTAMP '2023-12-06 23:59:00', '已通过'),
		 (2, 'm', 3, 'SB', DATE '2023-11-01', TIMESTAMP '2023-12-01 10:00:00', '已退回'),
		 (2, 'm', 4, 'SB', DATE '2023-11-01', TIMESTAMP '2023-12-07 10:00:00', '已通过')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	recompute(t, db)
	nov := time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	due, err := metrics.SummaryDeadline(ctx, db, nov)
	if err != nil || due.Format(time.DateOnly) != "2023-12-06" {
		t.Fatalf("deadline %v %v, want 2023-12-06", due, err)
	}
	zq := func(asOf time.Time) metrics.CountyTimeliness {
		rows, err := metrics.Timeliness(ctx, db, nov, asOf)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.CountyCode == "140722" {
				return r
			}
		}
		t.Fatal("no 左权县 row")
		return metrics.CountyTimeliness{}
	}
	z := zq(due)
	if z.BaseinfoCounted != 3 || z.BaseinfoOnTime != 1 || z.ServicesCounted != 3 || z.ServicesOnTime != 2 ||
		z.SummariesOwed != 4 || z.SummariesOnTime != 1 || z.SummariesLate != 0 || z.SummariesMissing != 3 {
		t.Errorf("as of the deadline: %+v", z)
	}
	wantFloat(t, "baseinfo_timely_rate", z.BaseinfoTimelyRate, 1.0/3)
	wantFloat(t, "service_timely_rate", z.ServiceTimelyRate, 2.0/3)
	wantFloat(t, "summary_ontime_rate", z.SummaryOntimeRate, 1.0/4)
	wantFloat(t, "system_use_score", z.SystemUseScore, 100*(0.2/3+0.4*2/3+0.4/4))

	z = zq(time.Date(2023, 12, 10, 0, 0, 0, 0, time.UTC))
	if z.BaseinfoCounted != 4 || z.BaseinfoOnTime != 1 || z.SummariesOnTime != 1 || z.SummariesLate != 1 || z.SummariesMissing != 2 || z.ServicesCounted != 4 {
		t.Errorf("as of 12-10: %+v, want D's base information late, B's summary late, C and D missing, the 4th service known", z)
	}

	// A county with nothing owed has no rates and no score; the city row
	// sums the counties.
	rows, _ := metrics.Timeliness(ctx, db, nov, due)
	for _, r := range rows {
		if r.CountyCode == "140702" && (r.BaseinfoTimelyRate != nil || r.SystemUseScore != nil) {
			t.Errorf("榆次区 with nothing owed: %+v", r)
		}
	}
	city := rows[len(rows)-1]
	if city.CountyCode != metrics.CityCode || city.SummariesOwed != 4 {
		t.Errorf("city row %+v", city)
	}
}

// An undefined rate leaves its weight out: with no services and no
// summaries owed, the score is the base-information rate alone — 1 of 2 on
// time gives 50, where the unscaled weight would give 100 × 0.2 × ½ = 10.
func TestScoreRescalesWeights(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	for _, q := range []string{
		ledgerFile(1, "140722", "2023-06-01"),
		`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx) VALUES
		 (1, 's', 4, '140722', '140722100', 'A', DATE '2023-05-20', false),
		 (1, 's', 5, '140722', '140722101', 'B', DATE '2023-05-21', false)`,
		exportFile(2),
		`INSERT INTO sys_stations VALUES (2, 's', 2, 'SA', 'A', '140722', '140722100', DATE '2023-05-20', TIMESTAMP '2023-05-30 09:00:00', '运营中')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Both due 2023-05-31 (the later of the cut-off and est + 7); A entered
	// 05-30, B never: 1 of 2 on time. May's summary (due 2023-06-07) is not
	// yet due as of 06-05, so the summary month is April, when neither
	// existed; no services.
	r := countyAsOf(t, db, "140722", "2023-06-05")
	wantFloat(t, "baseinfo_timely_rate", r.BaseinfoTimelyRate, 0.5)
	if r.ServiceTimelyRate != nil || r.SummaryOntimeRate != nil {
		t.Errorf("service/summary rates %v %v, want empty", r.ServiceTimelyRate, r.SummaryOntimeRate)
	}
	wantFloat(t, "system_use_score (base information alone)", r.SystemUseScore, 50)
}

// A score that is exactly the warning line is not below it: base
// information 10 of 10, no services, summaries 7 of 10 gives
// 100 × (0.2 × 1 + 0.4 × 0.7) / 0.6 = 80, which floating point makes
// 79.999999999999986 unless rounded.
func TestScoreOnTheWarningLine(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec(ledgerFile(1, "140725", "2023-11-30"))
	exec(exportFile(2))
	towns := []string{"140725100", "140725101", "140725102", "140725103", "140725104", "140725105", "140725106", "140725200", "140725201", "140725202"}
	for i, code := range towns {
		id := fmt.Sprintf("S%d", i)
		exec(fmt.Sprintf(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx)
			VALUES (1, 's', %d, '140725', '%s', 'x', DATE '2023-11-01', false)`, i+4, code))
		exec(fmt.Sprintf(`INSERT INTO sys_stations VALUES (2, 's', %d, '%s', 'x', '140725', '%s', DATE '2023-11-01', TIMESTAMP '2023-11-02 09:00:00', '运营中')`, i+2, id, code))
		if i < 7 {
			exec(fmt.Sprintf(`INSERT INTO sys_summaries VALUES (2, 'm', %d, '%s', DATE '2023-11-01', TIMESTAMP '2023-12-01 09:00:00', '已通过')`, i+2, id))
		}
	}
	rows, err := metrics.Timeliness(ctx, db, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range metrics.Rank(rows, 80) {
		if r.CountyCode == "140725" {
			if r.SystemUseScore == nil || *r.SystemUseScore != 80 || r.BelowWarning {
				t.Errorf("寿阳县 score %v below %v, want exactly 80 and not below the line", deref(r.SystemUseScore), r.BelowWarning)
			}
		}
	}
}

// ledgerFile and exportFile are fixture rows of the files table: a ledger
// of county reported on report (both sheets in force), an export.
func ledgerFile(id int, county, report string) string {
	return fmt.Sprintf(`INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
		has_station_sheet, has_staff_sheet, loaded_at, count_loaded, count_rejected, count_skipped)
		VALUES (%[1]d, 'l%[1]d', 'l%[1]d', 'l%[1]d', 'l%[1]d', 1, 'ledger', '%[2]s', DATE '%[3]s', true, true, TIMESTAMP '2024-02-01', 0, 0, 0)`, id, county, report)
}

func exportFile(id int) string {
	return fmt.Sprintf(`INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
		has_station_sheet, has_staff_sheet, loaded_at, count_loaded, count_rejected, count_skipped)
		VALUES (%[1]d, 'e%[1]d', 'e%[1]d', 'e%[1]d', 'e%[1]d', 1, 'export', NULL, NULL, false, false, TIMESTAMP '2024-02-01', 0, 0, 0)`, id)
}

// TestWhichStationsOwe works indicators.md "Which stations owe" by hand:
// the union of the ledger's stations and the system's register, known by
// the date, not 已撤销, matched by township. Month 2023-06 (summary due
// 2023-07-03, a Monday).
//
// 左权县 140722, ledger of 2023-06-30:
//
//	A 140722100 est 2023-03-01, in the ledger and the system (SA, entered
//	  2023-05-20): base due 2023-05-31 -> on time; June summary 07-01 -> on time
//	L 140722104 est 2023-04-01, in the ledger only (no system station):
//	  never entered -> base late; no summary -> missing
//	S 140722200 est 2023-02-01, in the system only (S2, entered 2023-07-10,
//	  after its deadline 2023-05-31): unknown at 07-03, so it owes
//	  nothing then; at 07-31 it owes, base late
//
// 和顺县 140723, no ledger at all; the system's register:
//
//	H1 140723100 est 2023-01-10, entered 01-15 -> base on time; June
//	  summary 07-03 10:00 -> on time
//	H2 140723101 est 2023-06-01, entered 06-20 (due 06-08) -> late; no
//	  summary -> missing
//	H3 140723102 已撤销, no activity -> owes nothing
//
// As of 07-03: 左权县 base 1 of 2, summaries 1 of 2; 和顺县 base 1 of 2,
// summaries 1 of 2 (before the rule it owed nothing: no score). As of
// 07-31: 左权县 base 1 of 3.
func TestWhichStationsOwe(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	exec := fixtureExec(t, db)
	exec(ledgerFile(1, "140722", "2023-06-30"))
	exec(exportFile(2))
	exec(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date, established_approx) VALUES
		 (1, 's', 4, '140722', '140722100', 'A', DATE '2023-03-01', false),
		 (1, 's', 5, '140722', '140722104', 'L', DATE '2023-04-01', false)`)
	exec(`INSERT INTO sys_stations VALUES
		 (2, 's', 2, 'SA', 'A', '140722', '140722100', DATE '2023-03-01', TIMESTAMP '2023-05-20 09:00:00', '运营中'),
		 (2, 's', 3, 'S2', 'S', '140722', '140722200', DATE '2023-02-01', TIMESTAMP '2023-07-10 09:00:00', '运营中'),
		 (2, 's', 4, 'H1', 'H1', '140723', '140723100', DATE '2023-01-10', TIMESTAMP '2023-01-15 09:00:00', '运营中'),
		 (2, 's', 5, 'H2', 'H2', '140723', '140723101', DATE '2023-06-01', TIMESTAMP '2023-06-20 09:00:00', '运营中'),
		 (2, 's', 6, 'H3', 'H3', '140723', '140723102', DATE '2022-05-01', TIMESTAMP '2022-05-02 09:00:00', '已撤销')`)
	exec(`INSERT INTO sys_summaries VALUES
		 (2, 'm', 2, 'SA', DATE '2023-06-01', TIMESTAMP '2023-07-01 10:00:00', '已提交'),
		 (2, 'm', 3, 'H1', DATE '2023-06-01', TIMESTAMP '2023-07-03 10:00:00', '已提交')`)
	recompute(t, db)
	june := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	county := func(asOf time.Time, code string) metrics.CountyTimeliness {
		t.Helper()
		rows, err := metrics.Timeliness(ctx, db, june, asOf)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.CountyCode == code {
				return r
			}
		}
		t.Fatalf("no row of %s", code)
		return metrics.CountyTimeliness{}
	}
	due := time.Date(2023, 7, 3, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		code                       string
		asOf                       time.Time
		base, baseOn, owed, owedOn int
	}{
		{"140722", due, 2, 1, 2, 1},
		{"140723", due, 2, 1, 2, 1},
		{"140722", time.Date(2023, 7, 31, 0, 0, 0, 0, time.UTC), 3, 1, 3, 1},
	} {
		z := county(c.asOf, c.code)
		if z.BaseinfoCounted != c.base || z.BaseinfoOnTime != c.baseOn || z.SummariesOwed != c.owed || z.SummariesOnTime != c.owedOn {
			t.Errorf("%s as of %s: base %d of %d, summaries %d of %d; want %d of %d, %d of %d", c.code, c.asOf.Format(time.DateOnly),
				z.BaseinfoOnTime, z.BaseinfoCounted, z.SummariesOnTime, z.SummariesOwed, c.baseOn, c.base, c.owedOn, c.owed)
		}
	}
	// the station list says which owe and why
	detail, err := metrics.StationDetail(ctx, db, june, due)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range detail {
		got[s.TownshipCode] = s.Ledger + " " + s.SummaryStatus
	}
	want := map[string]string{"140722100": "counted on_time", "140722104": "counted missing", "140723100": "system on_time", "140723101": "system missing"}
	for tw, w := range want {
		if got[tw] != w {
			t.Errorf("%s: %q, want %q", tw, got[tw], w)
		}
	}
	for _, tw := range []string{"140722200", "140723102"} {
		if _, ok := got[tw]; ok {
			t.Errorf("%s owes at 07-03 (%q): unknown then, or closed", tw, got[tw])
		}
	}
}
