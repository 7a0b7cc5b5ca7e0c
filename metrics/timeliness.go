package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Timeliness returns the system use of every county and the city (last)
// for services that ended in month and the summaries for month, as of
// asOf (indicators.md; the bulletin takes asOf = the summary deadline).
func Timeliness(ctx context.Context, db *sql.DB, month, asOf time.Time) ([]CountyTimeliness, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM county_timeliness(CAST($1 AS DATE), CAST($1 AS DATE), CAST($2 AS DATE))`, month, asOf)
	if err != nil {
		return nil, fmt.Errorf("计算 %s 的系统使用明细（截至 %s）出错: %w", month.Format("2006-01"), asOf.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var out []CountyTimeliness
	for rows.Next() {
		var c CountyTimeliness
		var base, svc, sum, score sql.NullFloat64
		if err := rows.Scan(&c.CountyCode, &c.County, &c.BaseinfoCounted, &c.BaseinfoOnTime, &c.ServicesCounted, &c.ServicesOnTime,
			&c.SummariesOwed, &c.SummariesOnTime, &c.SummariesLate, &c.SummariesMissing, &base, &svc, &sum, &score); err != nil {
			return nil, err
		}
		c.BaseinfoTimelyRate, c.ServiceTimelyRate = nullFloat(base), nullFloat(svc)
		c.SummaryOntimeRate, c.SystemUseScore = nullFloat(sum), nullFloat(score)
		out = append(out, c)
	}
	return out, rows.Err()
}

// SummaryDeadline is the deadline of month's summary from the database's
// calendar (ref_summary_deadlines).
func SummaryDeadline(ctx context.Context, db *sql.DB, month time.Time) (time.Time, error) {
	var d time.Time
	err := db.QueryRowContext(ctx, `SELECT due_date FROM ref_summary_deadlines WHERE summary_month = CAST(? AS DATE)`, month).Scan(&d)
	if err == sql.ErrNoRows {
		return d, fmt.Errorf("无法确定 %s 月度总结的截止日：节假日日历（data/holidays.csv）未覆盖", month.Format("2006-01"))
	}
	return d.UTC(), err
}

// StationDetail returns what every station owed for month and when it came,
// as of asOf: the stations of the counties' current ledgers, and after them
// in each county the townships that owe nothing by the ledger but whose
// system stations' service records count for the county (Ledger other
// than "counted").
func StationDetail(ctx context.Context, db *sql.DB, month, asOf time.Time) ([]StationTimeliness, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM station_timeliness(CAST(? AS DATE), CAST(? AS DATE))`, month, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StationTimeliness
	for rows.Next() {
		var s StationTimeliness
		var est, bdue, bent, sdue, ssub sql.NullTime
		var names sql.NullString
		var bok sql.NullBool
		var late sql.NullInt64
		if err := rows.Scan(&s.CountyCode, &s.County, &s.TownshipCode, &s.Township, &names, &est,
			&bdue, &bent, &bok, &s.Services, &s.ServicesOnTime, &sdue, &ssub, &s.SummaryStatus, &late, &s.Ledger); err != nil {
			return nil, err
		}
		s.Stations, s.Established = names.String, nullTime(est)
		s.BaseinfoDue, s.BaseinfoEntered = nullTime(bdue), nullTime(bent)
		s.SummaryDue, s.SummarySubmitted = nullTime(sdue), nullTime(ssub)
		if bok.Valid {
			s.BaseinfoOnTime = &bok.Bool
		}
		s.SummaryDaysLate = nullInt(late)
		out = append(out, s)
	}
	return out, rows.Err()
}
