package cli_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/data"
	"sgz/metrics"
	"sgz/transform"
)

// rankedServices is stg_sys_services as it was: every loaded row ranked at
// each query, the later export (within it the lower row) winning.
const rankedServices = `WITH ranked AS (
	SELECT *, row_number() OVER (PARTITION BY service_id ORDER BY file_id DESC, sheet_name DESC, row_number DESC) AS rk
	FROM sys_services WHERE file_id IN (SELECT file_id FROM files))
SELECT r.service_id, r.file_id, r.row_number FROM ranked r
JOIN (SELECT station_id FROM sys_stations WHERE file_id IN (SELECT file_id FROM files)) s USING (station_id)
WHERE rk = 1`

func serviceKeys(t *testing.T, db, q string) (string, int) {
	t.Helper()
	conn, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT DISTINCT * FROM (` + q + `) ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	n := 0
	for rows.Next() {
		var id string
		var f, r int
		if err := rows.Scan(&id, &f, &r); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, id, f, r)
		n++
	}
	return b.String(), n
}

// TestSupersededEqualsRanked: the services stg_sys_services gives from the
// rows loads mark superseded are those ranking every row gives: on the
// demo (an export repeats the previous quarter; the later wins), after a
// services export is loaded again (--reload), after a newer export changes
// records, and with the rows of a torn load present.
func TestSupersededEqualsRanked(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	current := `SELECT service_id, file_id, row_number FROM stg_sys_services`
	check := func(when string) {
		t.Helper()
		// stg_sys_services is a view of a writing open; a read-only
		// reader makes it TEMP: read through a report instead of SQL.
		if out, code := run("report", "indicators", "--db", db, "--as-of", "2023-12-31"); code != 0 {
			t.Fatalf("%s: %s", when, out)
		}
		want, n := serviceKeys(t, db, rankedServices)
		got, m := serviceKeys(t, db, strings.ReplaceAll(current, "stg_sys_services", "("+stgServices(t)+")"))
		if got != want {
			t.Fatalf("%s: %d current services, ranking gives %d", when, m, n)
		}
		if n < 1000 {
			t.Fatalf("%s: only %d services", when, n)
		}
	}
	check("demo")
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	var overlapped int
	if err := conn.QueryRow(`SELECT count(*) FROM superseded_services`).Scan(&overlapped); err != nil || overlapped == 0 {
		t.Fatalf("the demo's repeated quarter superseded %d rows (%v)", overlapped, err)
	}
	conn.Close()

	// Load a services export again: its rows go and come back.
	exports, _ := filepath.Glob(filepath.Join(d.dir, "inputs", "system", "服务记录_2023Q2*"))
	if out, code := run("ingest", "--reload", "--db", db, exports[0]); code != 0 && code != 2 {
		t.Fatalf("reload: %s", out)
	}
	check("after --reload")

	// A newer export: a record changed, a record twice (the lower row wins).
	dir := t.TempDir()
	conn, _ = sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	var id, station string
	if err := conn.QueryRow(`SELECT service_id, station_id FROM sys_services ORDER BY service_id LIMIT 1`).Scan(&id, &station); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	text := "服务记录编号,站点编号,服务开始日期,服务人次,录入时间\n" +
		id + "," + station + ",2023-12-01,3,2023-12-01 10:00:00\n" +
		"NEW-1," + station + ",2023-12-02,3,2023-12-02 10:00:00\n" +
		"NEW-1," + station + ",2023-12-03,4,2023-12-03 10:00:00\n"
	if err := os.WriteFile(filepath.Join(dir, "服务记录_补报.csv"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run("ingest", "--db", db, dir); code != 0 {
		t.Fatalf("newer export: %s", out)
	}
	check("after a newer export")

	// A workbook with two services sheets, a record on row 2 of each; then
	// an export with the first record again: the second stays current.
	book := excelize.NewFile()
	for i, sheet := range []string{"一月", "二月"} {
		if i == 0 {
			_ = book.SetSheetName("Sheet1", sheet)
		} else {
			_, _ = book.NewSheet(sheet)
		}
		_ = book.SetSheetRow(sheet, "A1", &[]any{"服务记录编号", "站点编号", "服务开始日期", "服务人次", "录入时间"})
		_ = book.SetSheetRow(sheet, "A2", &[]any{fmt.Sprintf("TWO-%d", i), station, "2023-12-04", 1, "2023-12-04 10:00:00"})
	}
	two := t.TempDir()
	if err := book.SaveAs(filepath.Join(two, "服务记录_两表.xlsx")); err != nil {
		t.Fatal(err)
	}
	if out, code := run("ingest", "--db", db, two); code != 0 {
		t.Fatalf("two sheets: %s", out)
	}
	again := t.TempDir()
	if err := os.WriteFile(filepath.Join(again, "服务记录_再报.csv"), []byte("服务记录编号,站点编号,服务开始日期,服务人次,录入时间\n"+
		"TWO-0,"+station+",2023-12-05,2,2023-12-05 10:00:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run("ingest", "--db", db, again); code != 0 {
		t.Fatalf("again: %s", out)
	}
	check("after a two-sheet workbook and a newer export of one of its records")
	if got, _ := serviceKeys(t, db, `SELECT service_id, file_id, row_number FROM cur_services WHERE service_id LIKE 'TWO-%'`); strings.Count(got, "\n") != 2 {
		t.Errorf("current two-sheet records:\n%s", got)
	}

	// A torn load: its rows and what it superseded, with no files row.
	conn, _ = sql.Open("duckdb", db)
	for _, q := range []string{
		`INSERT INTO sys_services SELECT 999999, sheet_name, row_number, service_id, station_id, service_type, target_kind,
			start_date, end_date, person_times, entered_at FROM sys_services WHERE file_id = (SELECT min(file_id) FROM sys_services) LIMIT 50`,
		`INSERT INTO superseded_services SELECT 999999, file_id, sheet_name, row_number FROM sys_services WHERE file_id = (SELECT min(file_id) FROM sys_services) LIMIT 50`,
		`INSERT INTO cur_services SELECT service_id, station_id, service_type, target_kind, start_date, end_date, person_times, entered_at,
			999999, sheet_name, row_number FROM sys_services WHERE file_id = 999999`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	check("with a torn load's rows")
	// the next writing open sweeps them and rebuilds cur_services
	if out, code := run("ingest", "--db", db, dir); code != 0 || !strings.Contains(out, "cur_services 50 行") {
		t.Fatalf("the sweep: %s", out)
	}
	check("after the sweep")
	conn, _ = sql.Open("duckdb", db+"?access_mode=READ_ONLY")
	defer conn.Close()
	var left, cur, want int
	_ = conn.QueryRow(`SELECT count(*) FROM cur_services WHERE file_id = 999999`).Scan(&left)
	_ = conn.QueryRow(`SELECT count(*) FROM cur_services`).Scan(&cur)
	_, want = serviceKeys(t, db, rankedServices)
	if left != 0 || cur != want {
		t.Errorf("after the sweep cur_services has %d rows of the torn load and %d rows (want %d)", left, cur, want)
	}
}

// stgServices is the view's query as transform makes it.
func stgServices(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "transform", "sql", "2_stg_sys_services.sql"))
	if err != nil {
		t.Fatal(err)
	}
	q := string(b)
	q = q[strings.Index(q, "SELECT"):]
	q = strings.TrimSpace(q[:strings.Index(q, ";")]) // stg_scope_services, the file's first view
	// stg_scope_stations as a subquery of the loaded stations
	return strings.ReplaceAll(q, "JOIN stg_scope_stations s", "JOIN (SELECT DISTINCT station_id, county_code, township_code FROM sys_stations WHERE file_id IN (SELECT file_id FROM files)) s")
}

// TestCountyOperatingOnDemo: on the demo, county_operating gives the
// stations_operating of county_indicators at every month end of 2023 (the
// assessment reads it instead of computing every indicator twelve times).
func TestCountyOperatingOnDemo(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	ctx := context.Background()
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := data.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	if err := transform.Apply(ctx, conn, ref, pol); err != nil {
		t.Fatal(err)
	}
	if err := metrics.Apply(ctx, conn); err != nil {
		t.Fatal(err)
	}
	var outOfScope int
	if err := conn.QueryRow(`SELECT count(*) FROM stations_asof(DATE '2023-12-31') WHERE NOT in_scope`).Scan(&outOfScope); err != nil {
		t.Fatal(err)
	}
	operating := 0
	for _, end := range metrics.MonthEnds(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)) {
		ind, err := metrics.Indicators(ctx, conn, end)
		if err != nil {
			t.Fatal(err)
		}
		op, err := metrics.OperatingByCounty(ctx, conn, end)
		if err != nil {
			t.Fatal(err)
		}
		want, got := map[string]any{}, map[string]any{}
		for _, x := range ind {
			if x.CountyCode != "140700" {
				want[x.CountyCode] = intOrNil(x.StationsOperating)
			}
		}
		for _, x := range op {
			got[x.CountyCode] = intOrNil(x.StationsOperating)
			if x.StationsOperating != nil {
				operating += *x.StationsOperating
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: county_operating %v, county_indicators %v", end.Format(time.DateOnly), got, want)
		}
	}
	if operating == 0 {
		t.Error("no operating station at any month end: nothing compared")
	}
	t.Logf("out-of-scope stations at 2023-12-31: %d; operating station-months: %d", outOfScope, operating)
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
