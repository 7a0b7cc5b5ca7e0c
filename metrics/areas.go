package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AreaIndicators is one row of area_indicators: an area of the policy's
// scope (the country, a province, a city or a county) as the system
// exports show it on one date. A nil pointer is a rate whose denominator
// is zero.
type AreaIndicators struct {
	Code   string `json:"area_code"`
	Name   string `json:"area_name"`
	Level  string `json:"area_level"` // country, province, city or county
	Parent string `json:"parent_code"`

	TownshipsInScope    int      `json:"townships_in_scope"`
	StationsEstablished int      `json:"stations_established"`
	CoverageRate        *float64 `json:"coverage_rate"`
	StationsOperating   int      `json:"stations_operating"`
	OperatingRate       *float64 `json:"operating_rate"`
	ServicesMonth       int      `json:"services_month"`
	PersonTimesMonth    int      `json:"person_times_month"`
	BaseinfoTimelyRate  *float64 `json:"baseinfo_timely_rate"`
	ServiceTimelyRate   *float64 `json:"service_timely_rate"`
	SummaryOntimeRate   *float64 `json:"summary_ontime_rate"`
	SystemUseScore      *float64 `json:"system_use_score"`
}

// Areas returns the areas of the scope as of asOf, the top first, then by
// level and code; levels limits them (nil: every level).
func Areas(ctx context.Context, db *sql.DB, asOf time.Time, levels ...string) ([]AreaIndicators, error) {
	want := map[string]bool{}
	for _, l := range levels {
		want[l] = true
	}
	var out []AreaIndicators
	err := eachRow(ctx, db, `SELECT * FROM area_indicators(CAST(? AS DATE))`, []any{asOf}, func(r *sql.Rows) error {
		var a AreaIndicators
		var parent sql.NullString
		var cov, opr, base, svc, sum, score sql.NullFloat64
		if err := r.Scan(&a.Code, &a.Name, &a.Level, &parent, &a.TownshipsInScope, &a.StationsEstablished, &cov,
			&a.StationsOperating, &opr, &a.ServicesMonth, &a.PersonTimesMonth, &base, &svc, &sum, &score); err != nil {
			return err
		}
		a.Parent = parent.String
		a.CoverageRate, a.OperatingRate = nullFloat(cov), nullFloat(opr)
		a.BaseinfoTimelyRate, a.ServiceTimelyRate = nullFloat(base), nullFloat(svc)
		a.SummaryOntimeRate, a.SystemUseScore = nullFloat(sum), nullFloat(score)
		if len(want) == 0 || want[a.Level] {
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("按区域计算截至 %s 的指标出错: %w", asOf.Format(time.DateOnly), err)
	}
	return out, nil
}
