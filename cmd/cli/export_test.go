package cli_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportParquet: the exported indicators, read back by DuckDB from
// the Hive layout, equal report indicators for every county at 2023-12-31
// and 2023-06-30; the canonical tables keep every row; a reference table
// is one file.
func TestExportParquet(t *testing.T) {
	d := loadDemo(t)
	dir := filepath.Join(t.TempDir(), "parquet")
	if out, code := run("export", "--format", "parquet", "--out", dir, "--db", d.db, "--as-of", "2023-12-31"); code != 0 || !strings.Contains(out, "已导出到") {
		t.Fatalf("export: exit %d %s", code, out)
	}
	pq, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer pq.Close()
	glob := func(table string) string {
		return "read_parquet('" + filepath.Join(dir, table, "**", "*.parquet") + "', hive_partitioning = true)"
	}
	for _, asOf := range []string{"2023-12-31", "2023-06-30"} {
		out, code := run("report", "indicators", "--db", d.db, "--as-of", asOf, "--format", "json")
		if code != 0 {
			t.Fatal(out)
		}
		var want []map[string]any
		if err := json.Unmarshal([]byte(out), &want); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			code := w["county_code"].(string)
			var cov, score sql.NullFloat64
			var services int
			var province, city string
			err := pq.QueryRow(`SELECT coverage_rate, system_use_score, services_month, province, city FROM `+glob("indicators")+`
				WHERE month = ? AND county_code = ?`, asOf[:7], code).Scan(&cov, &score, &services, &province, &city)
			if err != nil {
				t.Fatalf("%s %s: %v", asOf, code, err)
			}
			same := func(a sql.NullFloat64, b any) bool {
				if b == nil {
					return !a.Valid
				}
				return a.Valid && math.Abs(a.Float64-b.(float64)) < 1e-12
			}
			if !same(cov, w["coverage_rate"]) || !same(score, w["system_use_score"]) || float64(services) != w["services_month"].(float64) ||
				province != "14" || city != "1407" {
				t.Errorf("%s %s: parquet %v %v %d %s/%s, report %v %v %v", asOf, code, cov, score, services, province, city,
					w["coverage_rate"], w["system_use_score"], w["services_month"])
			}
		}
	}
	// the figures by area likewise (the city and its counties at the
	// city's scope), partitioned by the area code's digits
	for _, asOf := range []string{"2023-12-31", "2023-06-30"} {
		out, code := run("report", "areas", "--db", d.db, "--as-of", asOf, "--format", "csv")
		if code != 0 {
			t.Fatal(out)
		}
		var got strings.Builder
		rows, err := pq.Query(`SELECT area_code, area_name, area_level, coalesce(parent_code, ''), townships_in_scope, stations_established,
			coalesce(printf('%.6f', coverage_rate), ''), stations_operating, coalesce(printf('%.6f', operating_rate), ''), services_month, person_times_month,
			coalesce(printf('%.6f', baseinfo_timely_rate), ''), coalesce(printf('%.6f', service_timely_rate), ''),
			coalesce(printf('%.6f', summary_ontime_rate), ''), coalesce(printf('%.6f', system_use_score), ''), province, city
			FROM `+glob("areas")+` WHERE month = ? ORDER BY parent_code IS NOT NULL, area_code`, asOf[:7])
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			v := make([]any, 17)
			p := make([]any, 17)
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			if code := v[0].(string); fmt.Sprint(v[15]) != code[:2] || fmt.Sprint(v[16]) != code[:4] { // read back as numbers
				t.Errorf("%s in partition %v/%v", code, v[15], v[16])
			}
			var cells []string
			for _, x := range v[:15] {
				cells = append(cells, fmt.Sprint(x))
			}
			got.WriteString(strings.Join(cells, ",") + "\n")
			n++
		}
		rows.Close()
		lines := strings.SplitN(strings.ReplaceAll(out, "\r\n", "\n"), "\n", 2)
		if n != 12 || got.String() != lines[1] {
			t.Errorf("%s: %d areas in the parquet:\n%s\nreport areas:\n%s", asOf, n, got.String(), lines[1])
		}
	}
	db, err := sql.Open("duckdb", d.db+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	var inDB, inPQ, townships int
	_ = db.QueryRow(`SELECT count(*) FROM (SELECT DISTINCT service_id FROM sys_services WHERE file_id IN (SELECT file_id FROM files))`).Scan(&inDB)
	db.Close()
	if err := pq.QueryRow(`SELECT count(*) FROM ` + glob("sys_services")).Scan(&inPQ); err != nil || inPQ != inDB {
		t.Errorf("services: %d in the parquet, %d in the database (%v)", inPQ, inDB, err)
	}
	if err := pq.QueryRow(`SELECT count(*) FROM read_parquet('` + filepath.Join(dir, "ref_townships.parquet") + `')`).Scan(&townships); err != nil || townships != 130 {
		t.Errorf("ref_townships: %d rows (%v), want 130", townships, err)
	}
}

// TestExportKeepsOthersFiles: export refuses a folder that holds other
// files, even with a marker an earlier sgz wrote put in by hand (a marker
// proves nothing); into its own earlier output it replaces every table;
// its work folder is beside the output folder, never inside it (a glob of
// DIR/**/*.parquet reads only the export).
func TestExportKeepsOthersFiles(t *testing.T) {
	d := loadDemo(t)
	other := t.TempDir()
	if err := os.MkdirAll(filepath.Join(other, "ledgers", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, ".sgz-export"), []byte("sgz export 2023-12-31\nledgers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run("export", "--out", other, "--db", d.db, "--as-of", "2021-12-31"); code != 2 || !strings.Contains(out, "不是 sgz export 写出的内容") || !strings.Contains(out, "ledgers") {
		t.Errorf("export into a folder of other files: exit %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(other, "ledgers", "x")); err != nil {
		t.Error("the folder's ledgers were removed")
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "pq")
	var inside []string
	for i := 0; i < 2; i++ {
		// (the indicators of 2021 only: what is tested here is the folder)
		if out, code := run("export", "--out", dir, "--db", d.db, "--as-of", "2021-12-31"); code != 0 {
			t.Fatalf("export %d: %s", i+1, out)
		}
		hidden, _ := filepath.Glob(filepath.Join(dir, ".*", "*"))
		inside = append(inside, hidden...)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != ".sgz-lock .sgz-written areas indicators ledger_funds ledger_staff ledger_stations ledgers ref_areas.parquet ref_counties.parquet ref_scope_townships.parquet ref_townships.parquet sys_services sys_stations sys_summaries" {
		t.Errorf("the export folder holds %s", got)
	}
	if len(inside) > 0 {
		t.Errorf("hidden folders inside the export: %v", inside)
	}
	if left, _ := filepath.Glob(filepath.Join(parent, ".pq.sgz-work-*")); len(left) > 0 {
		t.Errorf("work folders left beside the export: %v", left)
	}
}
