package transform_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"sgz/data"
	"sgz/ingest"
	"sgz/transform"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	ref, _ := data.Load()
	pol, _ := data.LoadPolicy("")
	if err := ingest.EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := transform.Apply(ctx, db, ref, pol); err != nil {
		t.Fatal(err)
	}
	return db
}

// Two exports hold the same service and station; the later file wins, and
// each is one row.
func TestLaterExportWins(t *testing.T) {
	db := open(t)
	for _, q := range []string{
		`INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, has_station_sheet, has_staff_sheet,
			loaded_at, count_loaded, count_rejected, count_skipped)
			SELECT i, 'e' || i, 'e', 'h' || i, 'h' || i, 1, 'export', false, false, TIMESTAMP '2024-01-01 00:00:00', 0, 0, 0 FROM range(1, 3) t(i)`,
		`INSERT INTO sys_stations VALUES (1, 's', 2, 'S1', '旧名', '140702', '140702101', DATE '2023-06-01', NULL, '筹建中'),
		                                 (2, 's', 2, 'S1', '新名', '140702', '140702101', DATE '2023-06-01', NULL, '运营中')`,
		`INSERT INTO sys_services VALUES (1, 'v', 2, 'F1', 'S1', '个案服务', '其他', DATE '2023-07-01', DATE '2023-07-01', 2, TIMESTAMP '2023-07-01 10:00:00'),
		                                 (2, 'v', 5, 'F1', 'S1', '小组活动', '其他', DATE '2023-07-01', DATE '2023-07-02', 9, TIMESTAMP '2023-07-02 10:00:00')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// what the loads of the two exports would have kept (ingest: supersede)
	if err := ingest.RecomputeServices(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	var name, status, kind string
	var pt, n int
	if err := db.QueryRow(`SELECT station_name, station_status, count(*) OVER () FROM stg_sys_stations`).Scan(&name, &status, &n); err != nil {
		t.Fatal(err)
	}
	if name != "新名" || status != "运营中" || n != 1 {
		t.Errorf("station = %s %s (%d rows), want 新名 运营中 in one row", name, status, n)
	}
	if err := db.QueryRow(`SELECT service_type, person_times, count(*) OVER () FROM stg_sys_services`).Scan(&kind, &pt, &n); err != nil {
		t.Fatal(err)
	}
	if kind != "小组活动" || pt != 9 || n != 1 {
		t.Errorf("service = %s %d (%d rows), want 小组活动 9 in one row", kind, pt, n)
	}
}

// The data tests find what they are written to find.
func TestDataTestsCatchBadRows(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	failed, err := transform.RunDataTests(ctx, db)
	if err != nil || len(failed) != 0 {
		t.Fatalf("empty database: %v %v", failed, err)
	}
	for _, q := range []string{
		`INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
		                    has_station_sheet, has_staff_sheet, loaded_at, count_loaded, count_rejected, count_skipped)
		 VALUES (1, 'a', 'a', 'h', 'h', 1, 'ledger', '140702', DATE '2023-06-30', true, true, TIMESTAMP '2024-01-01', 0, 0, 0),
		        (2, 'b', 'b', 'i', 'i', 1, 'ledger', '140702', DATE '2023-06-30', true, true, TIMESTAMP '2024-01-01', 0, 0, 0)`,
		`INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_masked, id_status, name_hash, cert_level, joined_date, left_date)
		 VALUES (1, 'p', 4, '140702', '140702101', 'k', '11010519491231002X', 'valid', 'n', '中级', DATE '2023-06-01', DATE '2023-05-01'),
		        (2, 'p', 4, '140702', '140702101', 'k', NULL, 'valid', 'n', '无', DATE '2023-06-01', NULL)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	failed, err = transform.RunDataTests(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range failed {
		names = append(names, f.Name)
	}
	want := "tests/no_personal_data.sql tests/stg_ledger_staff_dates.sql tests/stg_ledgers_one_source_per_sheet.sql"
	if strings.Join(names, " ") != want {
		t.Errorf("failed data tests = %v, want %s", names, want)
	}
}
