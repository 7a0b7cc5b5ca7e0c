package cli_test

import (
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTornLoadRemovedOnOpen: the rows a load killed during its commit can
// leave (its services and raw rows, no files row: duckdb/duckdb#25931) are
// removed on the next open, with a message naming how many of which
// tables, and the indicators are those from before the torn load.
func TestTornLoadRemovedOnOpen(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	before, code := run("report", "indicators", "--db", db, "--as-of", "2023-12-31", "--format", "csv")
	if code != 0 {
		t.Fatal(before)
	}
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	// What a torn load of a services export leaves: 700 December services
	// and their raw rows under a file id that files never got.
	for _, q := range []string{
		`INSERT INTO sys_services SELECT 999999, sheet_name, row_number, service_id || '-torn', station_id, service_type, target_kind,
			DATE '2023-12-20', DATE '2023-12-20', person_times, TIMESTAMP '2023-12-21 09:00:00' FROM sys_services LIMIT 700`,
		`INSERT INTO raw_rows SELECT 999999, sheet_name, row_number, sheet_kind, row_role, cells FROM raw_rows WHERE sheet_kind = 'sys_services' LIMIT 701`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	after, code := run("report", "indicators", "--db", db, "--as-of", "2023-12-31", "--format", "csv")
	if code != 0 {
		t.Fatal(after)
	}
	msg := "数据库中有 1401 行不属于任何已载入的文件（上次载入在提交时中断留下的），已删除：raw_rows 701 行、sys_services 700 行。"
	if !strings.Contains(after, msg) {
		t.Errorf("no message %q in:\n%s", msg, after)
	}
	got := strings.TrimSpace(after[:strings.Index(after, "sgz: ")]) // stderr comes after stdout
	if got != strings.TrimSpace(before) {
		t.Errorf("indicators after the torn load differ from before:\n%s\nwant\n%s", got, before)
	}
	conn, err = sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	_ = conn.QueryRow(`SELECT (SELECT count(*) FROM sys_services WHERE file_id = 999999) + (SELECT count(*) FROM raw_rows WHERE file_id = 999999)`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows of no file remain", n)
	}
}

// TestAsOfWithinCalendar: a date outside the holiday calendar is refused
// at once by dashboard and report indicators; a service entered in 2999
// that a database took before sgz refused such dates does not move
// --as-of latest.
func TestAsOfWithinCalendar(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	for _, args := range [][]string{
		{"report", "indicators", "--as-of", "9999-12-31"},
		{"dashboard", "--as-of", "2999-01-01", "--out", t.TempDir()},
		{"report", "assessment", "--year", "2099"},
	} {
		out, code := run(append(args, "--db", db)...)
		if code != 2 || !strings.Contains(out, "不在节假日日历的年份内（2021–2026 年）") {
			t.Errorf("%v: exit %d %s", args, code, out)
		}
	}
	before, _ := run("report", "indicators", "--db", db, "--as-of", "latest", "--format", "csv")
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO sys_services SELECT file_id, sheet_name, row_number, service_id || '-2999', station_id, service_type, target_kind,
		start_date, end_date, person_times, TIMESTAMP '2999-11-10 09:00:00' FROM sys_services LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	after, _ := run("report", "indicators", "--db", db, "--as-of", "latest", "--format", "csv")
	if after != before {
		t.Errorf("a service entered in 2999 moved latest:\n%s\nwas\n%s", after, before)
	}
}

// TestRejectsCSVFormulaSafe: a refused file named like a formula comes out
// of report rejects --format csv (which the README tells clerks to open in
// Excel as 待核实.csv) as text, not a formula; numbers stay numbers.
func TestRejectsCSVFormulaSafe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.duckdb")
	for _, name := range []string{`=HYPERLINK("x","refused").csv`, "+cmd|' C calc'!A0.csv", "@SUM(A1).csv", "-1+2.csv"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("no header here\n1,2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, code := run("ingest", dir, "--db", db); code != 1 {
		t.Fatalf("ingest: exit %d %s", code, out)
	}
	out, code := run("report", "rejects", "--db", db, "--format", "csv")
	if code != 0 {
		t.Fatal(out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs[1:] {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q would be a formula in a spreadsheet", c)
			}
			if strings.HasPrefix(c, "'=HYPERLINK") || strings.HasPrefix(c, "'+cmd") || strings.HasPrefix(c, "'@SUM") || strings.HasPrefix(c, "'-1+2") {
				n++
			}
		}
	}
	if n < 4 {
		t.Errorf("%d of the 4 names kept as text: %v", n, recs)
	}
}
