// Package metrics computes the indicators of docs/indicators.md as of a
// date from the canonical views, with SQL table macros (metrics/sql, one
// model per file, the number before the name being its layer) and small Go
// readers that turn their rows into typed values.
//
// In: a DuckDB database prepared by ingest and transform. Out: rows of
// CountyIndicators, MonthPoint and Source.
package metrics

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"
	"time"

	"sgz/transform"
)

//go:embed sql/*.sql
var models embed.FS

// Apply (re)creates the indicator macros.
func Apply(ctx context.Context, db *sql.DB) error {
	return transform.RunModels(ctx, db, models, "sql")
}

// ApplyTemp creates them as temporary macros, for a database opened
// read-only (transform.ApplyTemp).
func ApplyTemp(ctx context.Context, db *sql.DB) error {
	return transform.RunModelsTemp(ctx, db, models, "sql")
}

// Indicators returns one row per county in code order and the city row
// last, as of asOf.
func Indicators(ctx context.Context, db *sql.DB, asOf time.Time) ([]CountyIndicators, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM county_indicators(CAST(? AS DATE))`, asOf)
	if err != nil {
		return nil, fmt.Errorf("计算截至 %s 的指标出错: %w", asOf.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var out []CountyIndicators
	for rows.Next() {
		var c CountyIndicators
		var ledger sql.NullTime
		var est, op, workers, cert, startup, improving, professional, fully sql.NullInt64
		var cov, opr, certr, ftr, base, svc, sum, score, advanced sql.NullFloat64
		var services, pt int64
		if err := rows.Scan(&c.CountyCode, &c.County, &ledger, &c.TownshipsInScope, &est, &cov, &op, &opr,
			&workers, &cert, &certr, &ftr, &services, &pt, &base, &svc, &sum, &score,
			&startup, &improving, &professional, &fully, &advanced); err != nil {
			return nil, err
		}
		c.StageStartup, c.StageImproving, c.StageProfessional = nullInt(startup), nullInt(improving), nullInt(professional)
		c.StationsFullyCertified, c.ImprovingOrAboveRate = nullInt(fully), nullFloat(advanced)
		c.BaseinfoTimelyRate, c.ServiceTimelyRate = nullFloat(base), nullFloat(svc)
		c.SummaryOntimeRate, c.SystemUseScore = nullFloat(sum), nullFloat(score)
		c.LedgerDate = nullTime(ledger)
		c.StationsEstablished, c.StationsOperating = nullInt(est), nullInt(op)
		c.ResidentWorkers, c.CertifiedWorkers = nullInt(workers), nullInt(cert)
		c.CoverageRate, c.OperatingRate = nullFloat(cov), nullFloat(opr)
		c.CertificationRate, c.FulltimeRate = nullFloat(certr), nullFloat(ftr)
		c.ServicesMonth, c.PersonTimesMonth = int(services), int(pt)
		out = append(out, c)
	}
	return out, rows.Err()
}

// LatestDate is the latest plausible date seen in the data (for --as-of
// latest): the latest ledger report date or system entry date that is not
// after today. (sgz refuses later dates; one typed wrong that a database
// took before, such as 2999-11-10, must not move "latest".)
func LatestDate(ctx context.Context, db *sql.DB) (time.Time, error) {
	return latestDate(ctx, db, "stg_sys_services", "stg_sys_stations")
}

// LatestScopeDate is LatestDate over the system records of the whole scope
// (stg_scope_*): the figures by area and the export, which at a wider
// scope reach past the city's data.
func LatestScopeDate(ctx context.Context, db *sql.DB) (time.Time, error) {
	return latestDate(ctx, db, "stg_scope_services", "stg_scope_stations")
}

func latestDate(ctx context.Context, db *sql.DB, services, stations string) (time.Time, error) {
	var t sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT CAST(greatest(
		(SELECT max(report_date) FROM stg_ledgers WHERE report_date <= current_date),
		(SELECT max(CAST(entered_at AS DATE)) FROM `+services+` WHERE entered_at < current_date + 1),
		(SELECT max(CAST(baseinfo_entered_at AS DATE)) FROM `+stations+` WHERE baseinfo_entered_at < current_date + 1),
		(SELECT max(CAST(submitted_at AS DATE)) FROM stg_sys_summaries
		 WHERE submitted_at < current_date + 1 AND station_id IN (SELECT station_id FROM `+stations+`))) AS DATE)`).Scan(&t)
	if err != nil {
		return time.Time{}, err
	}
	if !t.Valid {
		return time.Time{}, fmt.Errorf("数据库中还没有数据：请先用 sgz ingest 载入文件")
	}
	return t.Time.UTC(), nil
}

// Monthly returns the city's series month by month from the first month
// with a ledger or a service to the month of asOf, as known at asOf:
// stations established at each month end by the ledger current then
// (capped at asOf), services that ended in the month and were entered by
// asOf (the rule of services_month, so the last point equals the
// indicator).
func Monthly(ctx context.Context, db *sql.DB, asOf time.Time) ([]MonthPoint, error) {
	series, err := MonthlyByCounty(ctx, db, asOf)
	return series[CityCode], err
}

// MonthlyByCounty returns the series of Monthly for every county (by code,
// over the same months) and the city (CityCode).
func MonthlyByCounty(ctx context.Context, db *sql.DB, asOf time.Time) (map[string][]MonthPoint, error) {
	var first sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT CAST(least(
		(SELECT min(report_date) FROM stg_ledgers WHERE report_date <= CAST($1 AS DATE)),
		(SELECT min(end_date) FROM stg_sys_services WHERE entered_at < CAST($1 AS DATE) + INTERVAL 1 DAY)) AS DATE)`, asOf).Scan(&first)
	if err != nil || !first.Valid {
		return map[string][]MonthPoint{}, err
	}
	codes := []string{CityCode}
	if err := eachRow(ctx, db, `SELECT county_code FROM ref_counties ORDER BY county_code`, nil, func(r *sql.Rows) error {
		var c string
		err := r.Scan(&c)
		codes = append(codes, c)
		return err
	}); err != nil {
		return nil, err
	}
	// services and person-times by county and month
	services := map[[2]string][2]int{}
	if err := eachRow(ctx, db, `SELECT county_code, strftime(end_date, '%Y-%m'), count(*), sum(person_times)
		FROM stg_sys_services
		WHERE entered_at < CAST($1 AS DATE) + INTERVAL 1 DAY
		GROUP BY ALL`, []any{asOf}, func(r *sql.Rows) error {
		var c, m string
		var n, pt int
		err := r.Scan(&c, &m, &n, &pt)
		services[[2]string{c, m}] = [2]int{n, pt}
		x := services[[2]string{CityCode, m}]
		services[[2]string{CityCode, m}] = [2]int{x[0] + n, x[1] + pt}
		return err
	}); err != nil {
		return nil, err
	}
	out := map[string][]MonthPoint{}
	for _, end := range MonthEnds(first.Time, asOf) {
		label := end.Format("2006-01")
		est := map[string]int{}
		reported := map[string]bool{CityCode: true}
		if err := eachRow(ctx, db, `SELECT l.county_code, count(s.township_code) FILTER (WHERE s.in_scope)
			FROM (SELECT DISTINCT county_code FROM current_ledger(CAST($1 AS DATE)) WHERE sheet_kind = 'stations') l
			LEFT JOIN stations_asof(CAST($1 AS DATE)) s USING (county_code)
			GROUP BY l.county_code`,
			[]any{end}, func(r *sql.Rows) error {
				var c string
				var n int
				err := r.Scan(&c, &n)
				est[c] += n
				est[CityCode] += n
				reported[c] = true
				return err
			}); err != nil {
			return nil, err
		}
		for _, c := range codes {
			sv := services[[2]string{c, label}]
			out[c] = append(out[c], MonthPoint{Month: label, StationsEstablished: est[c], Services: sv[0], PersonTimes: sv[1], Unreported: !reported[c]})
		}
	}
	return out, nil
}

// eachRow runs q with args and calls scan for every row.
func eachRow(ctx context.Context, db *sql.DB, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Sources lists the files the figures as of asOf were computed from: the
// county ledgers current at asOf and the system exports that hold a
// current row the figures read (a record, summary or station known by
// then, in the version the staging views keep). An export whose every row
// a later one replaced is not listed: no figure comes from it (it was
// listed while the rows of every export were read here).
func Sources(ctx context.Context, db *sql.DB, asOf time.Time) ([]Source, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT f.file_name, f.file_class, coalesce(c.county_name, ''), f.report_date, f.sha256
		FROM files f
		LEFT JOIN ref_counties c USING (county_code)
		WHERE f.file_id IN (SELECT file_id FROM current_ledger(CAST($1 AS DATE)))
		   OR (f.file_class = 'export' AND f.replaced_by IS NULL AND f.file_id IN (
		       -- the city's rows known at asOf (at a wider scope the other
		       -- areas' exports are not the city's figures' sources)
		       SELECT file_id FROM stg_sys_services WHERE entered_at < CAST($1 AS DATE) + INTERVAL 1 DAY
		       UNION SELECT file_id FROM stg_sys_summaries WHERE submitted_at < CAST($1 AS DATE) + INTERVAL 1 DAY
		           AND station_id IN (SELECT station_id FROM stg_sys_stations)
		       -- a station: known by then, known all along (no entry time:
		       -- station_timeliness counts it), or giving a listed record or
		       -- summary its county and township
		       UNION SELECT file_id FROM stg_sys_stations WHERE baseinfo_entered_at IS NULL
		           OR baseinfo_entered_at < CAST($1 AS DATE) + INTERVAL 1 DAY
		           OR station_id IN (SELECT station_id FROM stg_sys_services WHERE entered_at < CAST($1 AS DATE) + INTERVAL 1 DAY)
		           OR station_id IN (SELECT station_id FROM stg_sys_summaries WHERE submitted_at < CAST($1 AS DATE) + INTERVAL 1 DAY)))
		ORDER BY f.file_class DESC, f.county_code, f.file_name`, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		var s Source
		var report sql.NullTime
		if err := rows.Scan(&s.FileName, &s.Kind, &s.CountyName, &report, &s.SHA256); err != nil {
			return nil, err
		}
		s.ReportDate = nullTime(report)
		out = append(out, s)
	}
	return out, rows.Err()
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullFloat(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// KindLabel names a file class in Chinese.
func KindLabel(class string) string {
	return map[string]string{"ledger": "县级台账", "export": "系统导出"}[strings.ToLower(class)]
}
