package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"sgz/place"
)

// The Parquet hand-off (sgz export): the canonical tables and the monthly
// indicators as Parquet files in the Hive layout, partitioned by province,
// city and month (province=14/city=1407/month=2023-12/…), so that Spark,
// Trino or DuckDB itself can take over when one machine is outgrown.

// ExportTable is one exported table: its name, the query that gives its
// rows, and the month column it is partitioned by ("" for a reference
// table written as one file).
type ExportTable struct {
	Name, Query, Month string
}

// ExportTables are the canonical tables sgz exports. Every query has a
// county_code; province and city are its first two and four digits.
var ExportTables = []ExportTable{
	{"ledgers", `SELECT * FROM stg_ledgers`, "report_date"},
	{"ledger_stations", `SELECT * FROM stg_ledger_stations`, "report_date"},
	{"ledger_staff", `SELECT * FROM stg_ledger_staff`, "report_date"},
	// 摘要 is free text a clerk may fill with a payee's name: not exported
	{"ledger_funds", `SELECT * EXCLUDE (summary) FROM stg_ledger_funds`, "report_date"},
	// the system's records of the whole scope
	{"sys_stations", `SELECT * FROM stg_scope_stations`, "established_date"},
	{"sys_services", `SELECT * FROM stg_scope_services`, "end_date"},
	{"sys_summaries", `SELECT m.*, s.county_code FROM stg_sys_summaries m JOIN stg_scope_stations s USING (station_id)`, "summary_month"},
	{"ref_counties", `SELECT * FROM ref_counties`, ""},
	{"ref_townships", `SELECT * FROM ref_townships`, ""},
	{"ref_areas", `SELECT * FROM ref_areas`, ""},
	{"ref_scope_townships", `SELECT * FROM ref_scope_townships`, ""},
}

// Export writes the tables and the indicators of every month end from the
// first month with data to asOf (the indicators table, one row per county
// and the city per month end, partitioned by that month) into dir, whole:
// into a new folder beside it first, then moved into place. It returns the
// rows written per table.
func Export(ctx context.Context, db *sql.DB, dir string, asOf time.Time, firstYear int) (map[string]int64, error) {
	counts := map[string]int64{}
	// Through package place: written whole into a work folder beside dir
	// (DIR/**/*.parquet never reads a work folder's files, even one a
	// killed export left), then moved in, each table replacing the earlier
	// export's, one that has no rows this time removed. Only into a folder
	// that holds nothing but sgz's earlier export: its readers glob it
	// whole, and nothing else of the user's is ever replaced.
	err := place.Put(dir, place.Options{WorkBeside: true, Exclusive: true, Prune: func(string) bool { return true }},
		func(work string) error { return exportInto(ctx, db, work, asOf, firstYear, counts) })
	var itw *place.InTheWay
	if errors.As(err, &itw) {
		return nil, fmt.Errorf("输出文件夹 %s 中有不是 sgz export 写出的内容（%s）：为免覆盖或混入其中的文件，请另给一个空文件夹", dir, strings.Join(itw.Names, "、"))
	}
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// exportInto writes the export into work (Export).
func exportInto(ctx context.Context, db *sql.DB, work string, asOf time.Time, firstYear int, counts map[string]int64) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	quote := func(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }
	for _, t := range ExportTables {
		q := t.Query
		if t.Month != "" {
			q = fmt.Sprintf(`SELECT *, left(county_code, 2) AS province, left(county_code, 4) AS city,
				coalesce(strftime(%s, '%%Y-%%m'), 'none') AS month FROM (%s)`, t.Month, t.Query)
		}
		var n int64
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`)`).Scan(&n); err != nil {
			return fmt.Errorf("export %s: %w", t.Name, err)
		}
		counts[t.Name] = n
		target := filepath.Join(work, t.Name)
		copyQ := fmt.Sprintf(`COPY (%s) TO %s (FORMAT PARQUET, PARTITION_BY (province, city, month))`, q, quote(target))
		if t.Month == "" {
			copyQ = fmt.Sprintf(`COPY (%s) TO %s (FORMAT PARQUET)`, q, quote(target+".parquet"))
		}
		if n == 0 && t.Month != "" {
			continue // nothing to partition: no folder (a reader finds no files)
		}
		if _, err := conn.ExecContext(ctx, copyQ); err != nil {
			return fmt.Errorf("export %s: %w", t.Name, err)
		}
	}
	// The indicators at every month end, each as of that day, gathered in
	// a temporary table of one connection (a read-only database allows it).
	var first sql.NullTime
	if err := conn.QueryRowContext(ctx, `SELECT CAST(least((SELECT min(report_date) FROM stg_ledgers),
		(SELECT min(end_date) FROM stg_scope_services)) AS DATE)`).Scan(&first); err != nil {
		return err
	}
	if start := time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC); first.Valid && first.Time.Before(start) {
		first.Time = start // month ends within the holiday calendar only
	}
	if first.Valid && !first.Time.After(asOf) {
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE sgz_export_indicators AS
			SELECT *, DATE '2000-01-01' AS as_of FROM county_indicators(DATE '2000-01-01') WHERE false`); err != nil {
			return err
		}
		ends := MonthEnds(first.Time, asOf)
		for _, end := range ends {
			if _, err := conn.ExecContext(ctx, `INSERT INTO sgz_export_indicators SELECT *, CAST($1 AS DATE) FROM county_indicators(CAST($1 AS DATE))`, end); err != nil {
				return fmt.Errorf("export indicators %s: %w", end.Format("2006-01"), err)
			}
		}
		q := `SELECT *, left(county_code, 2) AS province, left(county_code, 4) AS city, strftime(as_of, '%Y-%m') AS month FROM sgz_export_indicators`
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`COPY (%s) TO %s (FORMAT PARQUET, PARTITION_BY (province, city, month))`,
			q, quote(filepath.Join(work, "indicators")))); err != nil {
			return fmt.Errorf("export indicators: %w", err)
		}
		_, _ = conn.ExecContext(ctx, `DROP TABLE IF EXISTS sgz_export_indicators`)
		counts["indicators"] = int64(len(ends))

		// The figures of every area of the scope likewise (area_indicators),
		// partitioned by the first two and four digits of the area's code
		// (the country, 000000, under province=00).
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE sgz_export_areas AS
			SELECT *, DATE '2000-01-01' AS as_of FROM area_indicators(DATE '2000-01-01') WHERE false`); err != nil {
			return err
		}
		for _, end := range ends {
			if _, err := conn.ExecContext(ctx, `INSERT INTO sgz_export_areas SELECT *, CAST($1 AS DATE) FROM area_indicators(CAST($1 AS DATE))`, end); err != nil {
				return fmt.Errorf("export areas %s: %w", end.Format("2006-01"), err)
			}
		}
		q = `SELECT *, left(area_code, 2) AS province, left(area_code, 4) AS city, strftime(as_of, '%Y-%m') AS month FROM sgz_export_areas`
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`COPY (%s) TO %s (FORMAT PARQUET, PARTITION_BY (province, city, month))`,
			q, quote(filepath.Join(work, "areas")))); err != nil {
			return fmt.Errorf("export areas: %w", err)
		}
		_, _ = conn.ExecContext(ctx, `DROP TABLE IF EXISTS sgz_export_areas`)
		counts["areas"] = int64(len(ends))
	}
	return nil
}
