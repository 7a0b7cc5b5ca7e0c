package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Stage names, in order.
const (
	StageStartup      = "起步"
	StageImproving    = "提升"
	StageProfessional = "专业"
)

// Stages lists the stages in order.
var Stages = []string{StageStartup, StageImproving, StageProfessional}

// TownshipStation is one in-scope township as of a date, with or without a
// station (sgz report stations, the county pages): township_stations.
type TownshipStation struct {
	CountyCode   string `json:"county_code"`
	County       string `json:"county"`
	TownshipCode string `json:"township_code"`
	Township     string `json:"township"`
	// Reported: the county had a ledger by the date; otherwise nothing
	// below is known (未报送).
	Reported    bool       `json:"reported"`
	Stations    string     `json:"stations"` // names, 、-separated; "" without a station
	Established *time.Time `json:"established_date"`
	// Status: 未报送, 未建站, 运营中, 挂牌未运营 or 新建未满N天.
	Status            string     `json:"station_status"`
	NotOperatingSince *time.Time `json:"not_operating_since"` // for 挂牌未运营
	Workers           *int       `json:"workers"`
	Certified         *int       `json:"certified"`
	Fulltime          *int       `json:"fulltime"`
	// Services ended in the operating window (30 days) and the startup
	// window (90 days) up to the date.
	ServicesOperatingWindow *int `json:"services_operating_window"`
	ServicesStartupWindow   *int `json:"services_startup_window"`
	// ServicesFullMonths counts the services of the stage window (the last
	// full months, WindowStart to WindowEnd).
	ServicesFullMonths     *int       `json:"services_full_months"`
	WindowStart, WindowEnd *time.Time `json:"-"`
	Stage                  string     `json:"stage"` // "" without a station
	// Missing lists what the station still lacks for the next stage, in
	// plain Chinese, '；'-separated.
	Missing string `json:"missing_criteria"`
}

// HasStation says whether the township has an established station.
func (t TownshipStation) HasStation() bool { return t.Stage != "" }

// TownshipStations returns every in-scope township as of asOf, in code
// order; county (a code) limits them to one county when not empty.
func TownshipStations(ctx context.Context, db *sql.DB, asOf time.Time, county string) ([]TownshipStation, error) {
	rows, err := db.QueryContext(ctx, `SELECT county_code, county, township_code, township_name, is_reported,
		station_names, established_date, station_status, not_operating_since,
		count_workers, count_certified, count_fulltime,
		services_operating_window, services_startup_window, services_window, window_start, window_end,
		stage, missing_criteria
		FROM township_stations(CAST($1 AS DATE))
		WHERE $2 = '' OR county_code = $2`, asOf, county)
	if err != nil {
		return nil, fmt.Errorf("计算截至 %s 的站点明细出错: %w", asOf.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var out []TownshipStation
	for rows.Next() {
		var t TownshipStation
		var names, stage, missing sql.NullString
		var est, since, ws, we sql.NullTime
		var workers, cert, full, s30, s90, sw sql.NullInt64
		if err := rows.Scan(&t.CountyCode, &t.County, &t.TownshipCode, &t.Township, &t.Reported,
			&names, &est, &t.Status, &since, &workers, &cert, &full, &s30, &s90, &sw, &ws, &we,
			&stage, &missing); err != nil {
			return nil, err
		}
		t.Stations, t.Stage, t.Missing = names.String, stage.String, missing.String
		t.Established, t.NotOperatingSince = nullTime(est), nullTime(since)
		t.WindowStart, t.WindowEnd = nullTime(ws), nullTime(we)
		t.Workers, t.Certified, t.Fulltime = nullInt(workers), nullInt(cert), nullInt(full)
		t.ServicesOperatingWindow, t.ServicesStartupWindow, t.ServicesFullMonths = nullInt(s30), nullInt(s90), nullInt(sw)
		out = append(out, t)
	}
	return out, rows.Err()
}

// StagePoint is one established in-scope station's stage at one month end.
type StagePoint struct {
	Month        string // YYYY-MM
	CountyCode   string
	TownshipCode string
	Township     string
	Stage        string
	Missing      string
}

// StageHistory is every established in-scope station's stage at every
// month end, and which counties had a ledger by then (a county without one
// is 未报送 that month: no stage counts, never zeros).
type StageHistory struct {
	Points []StagePoint `json:"points"`
	// Reported lists, by month (YYYY-MM), the codes of the counties with a
	// ledger at that month end.
	Reported map[string][]string `json:"reported"`
}

// IsReported says whether county had a ledger at the end of month.
func (h StageHistory) IsReported(month, county string) bool {
	return slices.Contains(h.Reported[month], county)
}

// StageCount is the established in-scope stations of one county (or the
// city) at one month end, in all and by stage (起步, 提升, 专业).
type StageCount struct {
	Established int
	ByStage     map[string]int
}

// Counts counts the history by month and county: the key is the month
// (YYYY-MM) and the county's code, CityCode for the city (the counties
// that had reported). Months lists every month of the history, oldest
// first.
func (h StageHistory) Counts() (months []string, counts map[[2]string]StageCount) {
	counts = map[[2]string]StageCount{}
	seen := map[string]bool{}
	for _, p := range h.Points {
		seen[p.Month] = true
		for _, code := range []string{p.CountyCode, CityCode} {
			k := [2]string{p.Month, code}
			c := counts[k]
			if c.ByStage == nil {
				c.ByStage = map[string]int{}
			}
			c.Established++
			c.ByStage[p.Stage]++
			counts[k] = c
		}
	}
	for m := range h.Reported {
		seen[m] = true
	}
	for m := range seen {
		months = append(months, m)
	}
	slices.Sort(months)
	return months, counts
}

// StagesByMonth returns each established in-scope station's stage at every
// month end from the first month with a ledger to the month of asOf (its
// last point at asOf itself), each computed as of that day: what was known
// then, so that later loads never change the history.
func StagesByMonth(ctx context.Context, db *sql.DB, asOf time.Time) (StageHistory, error) {
	h := StageHistory{Reported: map[string][]string{}}
	var first sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT min(report_date) FROM stg_ledgers WHERE report_date <= CAST(? AS DATE)`, asOf).Scan(&first); err != nil {
		return h, err
	}
	if !first.Valid {
		return h, nil
	}
	for _, end := range MonthEnds(first.Time, asOf) {
		month := end.Format("2006-01")
		err := eachRow(ctx, db, `SELECT s.county_code, s.township_code, t.township_name, s.stage, s.missing_criteria
			FROM station_stages(CAST(? AS DATE)) s JOIN ref_townships t USING (township_code)
			WHERE s.in_scope ORDER BY s.township_code`, []any{end}, func(r *sql.Rows) error {
			p := StagePoint{Month: month}
			err := r.Scan(&p.CountyCode, &p.TownshipCode, &p.Township, &p.Stage, &p.Missing)
			h.Points = append(h.Points, p)
			return err
		})
		if err == nil {
			err = eachRow(ctx, db, `SELECT DISTINCT county_code FROM current_ledger(CAST(? AS DATE)) WHERE sheet_kind = 'stations' ORDER BY 1`,
				[]any{end}, func(r *sql.Rows) error {
					var c string
					err := r.Scan(&c)
					h.Reported[month] = append(h.Reported[month], c)
					return err
				})
		}
		if err != nil {
			return h, fmt.Errorf("计算 %s 的站点阶段出错: %w", end.Format(time.DateOnly), err)
		}
	}
	return h, nil
}

// MonthEnds lists the last day of every month from the month of from to
// the month of to, the last one being to itself.
func MonthEnds(from, to time.Time) []time.Time {
	var out []time.Time
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		if end.After(to) {
			end = to
		}
		out = append(out, end)
	}
	return out
}

// Transition is one station whose stage changed between two month ends.
type Transition struct {
	CountyCode, TownshipCode, Township string
	FromMonth, ToMonth                 string
	From, To                           string // From is "" for a station new since FromMonth
	// Why, for a fall-back: what the station lacked at ToMonth for the
	// stage it fell from.
	Why string
}

// Direction is 晋级 (promoted), 回落 (fell back) or 新建 (new station).
func (t Transition) Direction() string {
	switch {
	case t.From == "":
		return "新建"
	case stageRank(t.To) > stageRank(t.From):
		return "晋级"
	}
	return "回落"
}

func stageRank(s string) int {
	for i, x := range Stages {
		if x == s {
			return i
		}
	}
	return -1
}

// Transitions compares each station's stage at the month end of fromMonth
// with its stage at toMonth (both in history) and returns those that
// changed, in township order. A station that was established after
// fromMonth's end counts as new (From ""); one that is no longer
// established at toMonth is left out.
func Transitions(history []StagePoint, fromMonth, toMonth string) []Transition {
	before := map[string]string{}
	for _, p := range history {
		if p.Month == fromMonth {
			before[p.TownshipCode] = p.Stage
		}
	}
	var out []Transition
	for _, p := range history {
		if p.Month != toMonth || before[p.TownshipCode] == p.Stage {
			continue
		}
		t := Transition{CountyCode: p.CountyCode, TownshipCode: p.TownshipCode, Township: p.Township,
			FromMonth: fromMonth, ToMonth: toMonth, From: before[p.TownshipCode], To: p.Stage}
		if t.Direction() == "回落" {
			t.Why = p.Missing
		}
		out = append(out, t)
	}
	return out
}
