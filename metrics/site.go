package metrics

import (
	"context"
	"database/sql"
	"math"
	"time"

	"sgz/data"
	"sgz/transform"
)

// UseSeries returns the system use of every month from first whose
// summary deadline has passed by asOf, each as of its own deadline (the
// bulletin's figures, which later loads never change).
func UseSeries(ctx context.Context, db *sql.DB, first, asOf time.Time) ([]UseMonth, error) {
	var out []UseMonth
	for m := first; ; m = m.AddDate(0, 1, 0) {
		due, err := SummaryDeadline(ctx, db, m)
		if err != nil || due.After(asOf) {
			return out, nil
		}
		rows, err := Timeliness(ctx, db, m, due)
		if err != nil {
			return nil, err
		}
		out = append(out, UseMonth{Month: m.Format("2006-01"), AsOf: due, Counties: rows})
	}
}

// Differences lists where the current ledgers and the system disagree at
// asOf.
func Differences(ctx context.Context, db *sql.DB, asOf time.Time) ([]Difference, error) {
	rows, err := db.QueryContext(ctx, `SELECT r.county_code, c.county_name, r.township_code, t.township_name, r.difference, r.ledger_date, r.system_date
		FROM reconciliation(CAST(? AS DATE)) r
		JOIN ref_counties c USING (county_code) JOIN ref_townships t USING (township_code)
		ORDER BY r.county_code, r.township_code`, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Difference
	for rows.Next() {
		var d Difference
		var l, s sql.NullTime
		if err := rows.Scan(&d.CountyCode, &d.County, &d.TownshipCode, &d.Township, &d.Kind, &l, &s); err != nil {
			return nil, err
		}
		d.LedgerDate, d.SystemDate = nullTime(l), nullTime(s)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Files lists every loaded file with its counts, newest report first.
func Files(ctx context.Context, db *sql.DB) ([]FileLoad, error) {
	rows, err := db.QueryContext(ctx, `SELECT f.file_name, f.file_class, coalesce(c.county_name, ''), f.report_date,
		f.count_loaded, f.count_rejected, f.count_skipped, (SELECT count(*) FROM row_flags g WHERE g.file_id = f.file_id),
		coalesce(f.count_overlap, 0), f.replaced_by IS NOT NULL
		FROM files f LEFT JOIN ref_counties c USING (county_code)
		ORDER BY f.file_class DESC, f.county_code, f.report_date DESC, f.file_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FileLoad
	for rows.Next() {
		var f FileLoad
		var d sql.NullTime
		if err := rows.Scan(&f.FileName, &f.Class, &f.County, &d, &f.Loaded, &f.Rejected, &f.Skipped, &f.Flags, &f.Overlap, &f.Replaced); err != nil {
			return nil, err
		}
		f.ReportDate = nullTime(d)
		out = append(out, f)
	}
	return out, rows.Err()
}

// RejectReasons counts the rejected rows of the files in force by reason,
// with quoted values, identifiers and numbers folded so that like reasons
// group; refused is the number of refused files.
func RejectReasons(ctx context.Context, db *sql.DB) (reasons []RejectReason, refused int, err error) {
	// What varies from row to row (a quoted value, an id, a row number)
	// becomes …, but a parenthesis that shows the expected forms or a
	// standard stays as written: "（应如 1200、1,200.00、1.2万 或 ￥1200）".
	rows, err := db.QueryContext(ctx, `WITH r AS (
		  SELECT r.reason, r.file_id, r.sheet_name, r.row_number,
		         regexp_extract(r.reason, '（[^（）]*(应如|如：|GB|政策参数)[^（）]*）') AS kept
		  FROM rejects r JOIN files f USING (file_id) WHERE f.replaced_by IS NULL)
		SELECT CASE WHEN kept = '' THEN regexp_replace(reason, '"[^"]*"|[A-Za-z]*[0-9][0-9A-Za-z]*', '…', 'g')
		            ELSE replace(regexp_replace(replace(reason, kept, chr(1)), '"[^"]*"|[A-Za-z]*[0-9][0-9A-Za-z]*', '…', 'g'), chr(1), kept)
		       END AS reason,
		       count(DISTINCT (file_id, sheet_name, row_number)) AS n
		FROM r GROUP BY 1 ORDER BY n DESC, reason`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var r RejectReason
		if err := rows.Scan(&r.Reason, &r.Rows); err != nil {
			return nil, 0, err
		}
		reasons = append(reasons, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	err = db.QueryRowContext(ctx, `SELECT count(DISTINCT file_name) FROM refused_files`).Scan(&refused)
	return reasons, refused, err
}

// Reject is one refused file, rejected row, or row loaded with a remark
// (sgz report rejects, the data-quality page's list). Values are as ingest
// kept them: personal data masked.
type Reject struct {
	Outcome, File, Sheet, Column, Value, Reason string
	Row                                         int
}

// Rejects lists every refused file, then every rejected row and every
// remark of the files in force, by file, sheet, row and column.
func Rejects(ctx context.Context, db *sql.DB) ([]Reject, error) {
	var out []Reject
	err := eachRow(ctx, db, `
		SELECT '拒收文件' AS outcome, file_name, '' AS sheet_name, 0 AS row_number, '' AS column_name, '' AS value, reason
		FROM refused_files
		UNION ALL
		SELECT '拒收行', f.file_name, r.sheet_name, r.row_number, r.column_name, r.value, r.reason
		FROM rejects r JOIN files f USING (file_id)
		WHERE f.replaced_by IS NULL
		UNION ALL
		SELECT '已载入但需核实', f.file_name, g.sheet_name, g.row_number, g.column_name, g.value, g.note
		FROM row_flags g JOIN files f USING (file_id)
		WHERE f.replaced_by IS NULL
		ORDER BY 1 DESC, 2, 3, 4, 5`, nil, func(r *sql.Rows) error {
		var x Reject
		err := r.Scan(&x.Outcome, &x.File, &x.Sheet, &x.Row, &x.Column, &x.Value, &x.Reason)
		out = append(out, x)
		return err
	})
	return out, err
}

// Outlooks projects, for each county, whether it reaches the coverage
// target by the policy deadline at its pace over the last lookback months
// (stations established per month, by the ledgers current then); now is
// Indicators as of asOf, which the callers have at hand.
func Outlooks(ctx context.Context, db *sql.DB, now []CountyIndicators, asOf time.Time, pol data.Policy) ([]Outlook, error) {
	back, err := Indicators(ctx, db, asOf.AddDate(0, -pol.WarningLookbackMonths, 0))
	if err != nil {
		return nil, err
	}
	var out []Outlook
	for i, c := range now {
		if c.CountyCode == CityCode {
			continue
		}
		o := Outlook{CountyCode: c.CountyCode, County: c.County, Target: int(math.Ceil(pol.CoverageTarget*float64(c.TownshipsInScope) - 1e-9))}
		if !c.Reported() {
			o.Status = "未报送"
			out = append(out, o)
			continue
		}
		o.Established, o.Coverage = *c.StationsEstablished, *c.CoverageRate
		before := 0
		if back[i].StationsEstablished != nil {
			before = *back[i].StationsEstablished
		}
		o.PacePerMonth = float64(o.Established-before) / float64(max(pol.WarningLookbackMonths, 1))
		remaining := o.Target - o.Established
		switch {
		case remaining <= 0:
			o.Status = "已完成"
		case !asOf.Before(pol.CoverageDeadline):
			// figures as of the end of the deadline day: the day is over
			o.Status = "逾期未完成"
		case o.PacePerMonth <= 0:
			o.Status = "存在不能按期完成风险"
		default:
			days := math.Ceil(float64(remaining) / o.PacePerMonth * 365.25 / 12)
			p := asOf.AddDate(0, 0, int(days))
			o.Projected = &p
			o.Status = "预计按期完成"
			if p.After(pol.CoverageDeadline) {
				o.Status = "存在不能按期完成风险"
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// TakeSite gathers everything the dashboard site shows as of asOf.
func TakeSite(ctx context.Context, db *sql.DB, asOf time.Time, pol data.Policy) (Site, error) {
	return TakeSiteProgress(ctx, db, asOf, pol, nil)
}

// TakeSiteProgress is TakeSite telling progress, when not nil, the name of
// each part before it is computed, with its place among them (a site of
// the country takes seconds per part).
func TakeSiteProgress(ctx context.Context, db *sql.DB, asOf time.Time, pol data.Policy, progress func(part string, done, total int)) (Site, error) {
	return TakeSiteChecked(ctx, db, asOf, pol, progress, nil)
}

// TakeSiteChecked is TakeSiteProgress with the data checks run first and
// handed to gate: an error from gate stops the build before anything else
// is computed (a failed check stops sgz dashboard in a second, not after
// the whole site).
func TakeSiteChecked(ctx context.Context, db *sql.DB, asOf time.Time, pol data.Policy, progress func(part string, done, total int), gate func([]transform.DataTest) error) (Site, error) {
	s := Site{Snapshot: Snapshot{AsOf: asOf, CoverageTarget: pol.CoverageTarget, CoverageDeadline: pol.CoverageDeadline},
		OperatingWindowDays: pol.OperatingWindowDays, StartupWindowDays: pol.StartupServiceWindowDays, UseWarning: pol.UseWarning}
	type part struct {
		name string
		run  func() error
	}
	parts := []part{
		{"数据检查", func() (err error) {
			if s.Checks, err = Checks(ctx, db, asOf); err != nil || gate == nil {
				return err
			}
			return gate(s.Checks)
		}},
		{"各县指标", func() (err error) { s.Counties, err = Indicators(ctx, db, asOf); return err }},
		{"各县月度序列", func() (err error) {
			s.CountyMonthly, err = MonthlyByCounty(ctx, db, asOf)
			s.Monthly = s.CountyMonthly[CityCode]
			return err
		}},
		{"数据来源", func() (err error) { s.Sources, err = Sources(ctx, db, asOf); return err }},
		{"乡镇站点", func() (err error) { s.Townships, err = TownshipStations(ctx, db, asOf, ""); return err }},
		{"各月阶段", func() (err error) { s.StageHistory, err = StagesByMonth(ctx, db, asOf); return err }},
		{"系统使用", func() (err error) { s.Use, err = UseSeries(ctx, db, pol.BulletinFirstMonth, asOf); return err }},
		{"台账与系统差异", func() (err error) { s.Differences, err = Differences(ctx, db, asOf); return err }},
		{"已载入文件", func() (err error) { s.Files, err = Files(ctx, db); return err }},
		{"拒收原因", func() (err error) { s.RejectReasons, s.RefusedFiles, err = RejectReasons(ctx, db); return err }},
		{"拒收明细", func() (err error) { s.Rejects, err = Rejects(ctx, db); return err }},
		{"通报版本", func() (err error) { s.Bulletins, err = Bulletins(ctx, db); return err }},
		{"年度考核", func() (err error) { s.Assessment, err = Assess(ctx, db, pol, asOf.Year(), asOf); return err }},
	}
	if pol.Scope != data.CityScope {
		parts = append(parts, part{"各地区", func() (err error) { s.Areas, err = Areas(ctx, db, asOf); return err }})
	}
	parts = append(parts, part{"全覆盖预警", func() (err error) { s.Outlooks, err = Outlooks(ctx, db, s.Counties, asOf, pol); return err }})
	for i, p := range parts {
		if progress != nil {
			progress(p.name, i+1, len(parts))
		}
		if err := p.run(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// BulletinEdition is one version of a monthly bulletin that sgz bulletin
// has written (table bulletin_versions), with where it last wrote it.
type BulletinEdition struct {
	Month      string    `json:"month"` // YYYY-MM
	Version    int       `json:"version"`
	AsOf       time.Time `json:"as_of"`
	RecordedAt time.Time `json:"recorded_at"`
	// HTML, PDF and Annex are absolute paths, "" when not recorded; the
	// SHA256 fields their fingerprints when they were written.
	HTML, PDF, Annex                   string
	HTMLSHA256, PDFSHA256, AnnexSHA256 string
}

// Bulletins lists every bulletin version written, the newest month first
// and its latest version first; none when no bulletin was ever written.
func Bulletins(ctx context.Context, db *sql.DB) ([]BulletinEdition, error) {
	// the table exists once a bulletin was written; its file columns once
	// an sgz that records files wrote one (older versions: no files)
	var table, files int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE column_name = 'html_sha256')
		FROM information_schema.columns WHERE table_name = 'bulletin_versions'`).Scan(&table, &files); err != nil || table == 0 {
		return nil, err
	}
	cols := `'', '', '', '', '', ''`
	if files > 0 {
		cols = `coalesce(html_path, ''), coalesce(pdf_path, ''), coalesce(annex_path, ''),
			coalesce(html_sha256, ''), coalesce(pdf_sha256, ''), coalesce(annex_sha256, '')`
	}
	var out []BulletinEdition
	err := eachRow(ctx, db, `SELECT strftime(summary_month, '%Y-%m'), version, as_of, recorded_at, `+cols+`
		FROM bulletin_versions ORDER BY summary_month DESC, version DESC`, nil, func(r *sql.Rows) error {
		var b BulletinEdition
		err := r.Scan(&b.Month, &b.Version, &b.AsOf, &b.RecordedAt, &b.HTML, &b.PDF, &b.Annex, &b.HTMLSHA256, &b.PDFSHA256, &b.AnnexSHA256)
		out = append(out, b)
		return err
	})
	return out, err
}
