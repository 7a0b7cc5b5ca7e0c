package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"sgz/data"
)

// Assessment is the year-end target assessment (年度目标考核) of every
// county for one year, as of a date (docs/indicators.md "Year-end
// assessment"). Before the year's last day it is a forecast (预评估).
type Assessment struct {
	Year     int       `json:"year"`
	AsOf     time.Time `json:"as_of"`
	Forecast bool      `json:"forecast"` // as of a day before Y-12-31: 预评估
	Rules    Rules     `json:"rules"`
	// UseMonths are the months whose system use counts (deadline by AsOf).
	UseMonths []UseMonthDue `json:"use_months"`
	// Counties in code order.
	Counties []CountyScore `json:"counties"`
	// Funds is the year's funds check the deductions come from; Use the
	// bulletin figures of UseMonths, every county's.
	Funds *Funds     `json:"-"`
	Use   []UseMonth `json:"-"`
}

// UseMonthDue is a month of system use and the deadline it is computed at.
type UseMonthDue struct {
	Month    string    `json:"month"` // YYYY-MM
	Deadline time.Time `json:"deadline"`
}

// Rules are the policy's weights, caps and deductions the scores used.
type Rules struct {
	Coverage, Operating, Certification, SystemUse, ServiceVolume, Stages float64
	ServiceVolumeTarget                                                  float64
	PerFundFlag, PerMissingLedgerMonth, DeductionCap                     float64
	// LedgerMonthlyFrom is the first month a county owes a ledger every
	// month (policy.ledger_monthly_from); in a later year, January.
	LedgerMonthlyFrom time.Time `json:"ledger_monthly_from"`
}

// RulesOf takes the assessment's rules from a policy.
func RulesOf(p data.Policy) Rules {
	return Rules{
		Coverage: p.AssessPointsCoverage, Operating: p.AssessPointsOperating, Certification: p.AssessPointsCertification,
		SystemUse: p.AssessPointsSystemUse, ServiceVolume: p.AssessPointsServiceVolume, Stages: p.AssessPointsStages,
		ServiceVolumeTarget: p.AssessServiceVolumeTarget,
		PerFundFlag:         p.AssessDeductionFundFlag, PerMissingLedgerMonth: p.AssessDeductionMissingLedg, DeductionCap: p.AssessDeductionCap,
		LedgerMonthlyFrom: p.LedgerMonthlyFrom,
	}
}

// LedgerMonths are the months of year, up to asOf, in which a county owes
// a ledger (indicators.md, "Year-end assessment", deductions): from
// LedgerMonthlyFrom (January of a later year) to the month before asOf's,
// and asOf's own month too when asOf is its last day. Where a county's
// first ledger came makes no difference: a county that sends one ledger
// in December has missed June to November.
func (r Rules) LedgerMonths(year int, asOf time.Time) []string {
	from := yearStart(year)
	if r.LedgerMonthlyFrom.After(from) {
		from = r.LedgerMonthlyFrom
	}
	last := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	if asOf.AddDate(0, 0, 1).Month() == asOf.Month() {
		last = last.AddDate(0, -1, 0) // asOf's month is not over
	}
	var out []string
	for m := from; !m.After(last) && m.Year() == year; m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// Part is one part of a county's score: its raw value (a rate 0–1, the
// mean system use score 0–100, or the mean services per operating station
// a month), the points it gives and the most it can give. Raw nil: the
// value is undefined (nothing to divide), which scores 0.
type Part struct {
	Raw    *float64 `json:"raw"`
	Points float64  `json:"points"`
	Max    float64  `json:"max"`
	// Num and Den, for a rate: what was counted over what.
	Num *int `json:"num,omitempty"`
	Den *int `json:"den,omitempty"`
}

// CountyScore is one county's assessment with the evidence behind it.
type CountyScore struct {
	CountyCode string     `json:"county_code"`
	County     string     `json:"county"`
	LedgerDate *time.Time `json:"ledger_date"` // the current ledger at AsOf; nil 未报送

	Coverage      Part `json:"coverage"`
	Operating     Part `json:"operating"`
	Certification Part `json:"certification"`
	SystemUse     Part `json:"system_use"`
	ServiceVolume Part `json:"service_volume"`
	Stages        Part `json:"stages"`

	// UseScores: the system use score of each month of UseMonths (nil:
	// the county owed nothing that month, left out).
	UseScores []*float64 `json:"use_scores"`
	// Volume: each month of the year up to AsOf's month.
	Volume []VolumeMonth `json:"volume_months"`

	FundFlags           []FundFlag `json:"fund_flags"`
	MissingLedgerMonths []string   `json:"missing_ledger_months"` // YYYY-MM
	// FundDeduction and LedgerDeduction are the points deducted before the
	// cap; Deduction, after it (≥ 0, subtracted from the parts).
	FundDeduction   float64 `json:"fund_deduction"`
	LedgerDeduction float64 `json:"ledger_deduction"`
	Deduction       float64 `json:"deduction"`

	Total float64 `json:"total"`
	Rank  int     `json:"rank"` // by Total at full precision; ties share
}

// VolumeMonth is one month of the service-volume part.
type VolumeMonth struct {
	Month     string   `json:"month"` // YYYY-MM
	Services  int      `json:"services"`
	Operating *int     `json:"operating"` // operating stations at the month's end (at AsOf in its month); nil 未报送
	Ratio     *float64 `json:"ratio"`     // nil: left out (no operating station)
}

// PartsSum is the sum of the six parts, in the order the workbook's total
// formula adds them.
func (c CountyScore) PartsSum() float64 {
	return c.Coverage.Points + c.Operating.Points + c.Certification.Points + c.SystemUse.Points +
		c.ServiceVolume.Points + c.Stages.Points
}

// Assess scores every county for year as of asOf (asOf within year; the
// year's last day for the final assessment).
func Assess(ctx context.Context, db *sql.DB, pol data.Policy, year int, asOf time.Time) (*Assessment, error) {
	end := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	if asOf.Year() != year {
		return nil, fmt.Errorf("考核日期 %s 不在 %d 年内", asOf.Format(time.DateOnly), year)
	}
	a := &Assessment{Year: year, AsOf: asOf, Forecast: asOf.Before(end), Rules: RulesOf(pol)}
	r := a.Rules
	ind, err := Indicators(ctx, db, asOf)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*CountyScore{}
	for _, c := range ind {
		if c.CountyCode == CityCode {
			continue
		}
		s := CountyScore{CountyCode: c.CountyCode, County: c.County, LedgerDate: c.LedgerDate}
		s.Coverage = ratePart(c.CoverageRate, r.Coverage, c.StationsEstablished, &c.TownshipsInScope)
		s.Operating = ratePart(c.OperatingRate, r.Operating, c.StationsOperating, c.StationsEstablished)
		s.Certification = ratePart(c.CertificationRate, r.Certification, c.CertifiedWorkers, c.ResidentWorkers)
		var improving *int
		if c.StageImproving != nil && c.StageProfessional != nil {
			n := *c.StageImproving + *c.StageProfessional
			improving = &n
		}
		s.Stages = ratePart(c.ImprovingOrAboveRate, r.Stages, improving, c.StationsEstablished)
		a.Counties = append(a.Counties, s)
	}
	for i := range a.Counties {
		byCode[a.Counties[i].CountyCode] = &a.Counties[i]
	}

	// System use: the bulletin's figure of each month of the year from
	// bulletin_first_month whose deadline has passed by asOf.
	first := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	if pol.BulletinFirstMonth.After(first) {
		first = pol.BulletinFirstMonth
	}
	var use []UseMonth
	if first.Year() == year {
		if use, err = UseSeries(ctx, db, first, asOf); err != nil {
			return nil, err
		}
	}
	for _, m := range use {
		if m.Month[:4] != fmt.Sprint(year) {
			break
		}
		a.UseMonths = append(a.UseMonths, UseMonthDue{Month: m.Month, Deadline: m.AsOf})
		a.Use = append(a.Use, m)
		scores := map[string]*float64{}
		for _, c := range m.Counties {
			scores[c.CountyCode] = c.SystemUseScore
		}
		for i := range a.Counties {
			a.Counties[i].UseScores = append(a.Counties[i].UseScores, scores[a.Counties[i].CountyCode])
		}
	}
	for i := range a.Counties {
		c := &a.Counties[i]
		c.SystemUse = Part{Max: r.SystemUse}
		if mean, ok := meanOf(c.UseScores); ok {
			c.SystemUse.Raw = &mean
			c.SystemUse.Points = r.SystemUse * mean / 100 // as the workbook: =P*I/100
		}
	}

	// Service volume: services that ended in each month (known by asOf)
	// over the operating stations at the month's end.
	services := map[[2]string]int{}
	err = eachRow(ctx, db, `SELECT county_code, strftime(end_date, '%Y-%m'), count(*)
		FROM stg_sys_services
		WHERE year(end_date) = $1 AND entered_at < CAST($2 AS DATE) + INTERVAL 1 DAY
		GROUP BY ALL`, []any{year, asOf}, func(rows *sql.Rows) error {
		var c, m string
		var n int
		err := rows.Scan(&c, &m, &n)
		services[[2]string{c, m}] = n
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, monthEnd := range MonthEnds(yearStart(year), asOf) {
		label := monthEnd.Format("2006-01")
		rows, err := OperatingByCounty(ctx, db, monthEnd) // the last is asOf itself (MonthEnds)
		if err != nil {
			return nil, err
		}
		for _, x := range rows {
			c := byCode[x.CountyCode]
			if c == nil {
				continue
			}
			v := VolumeMonth{Month: label, Services: services[[2]string{x.CountyCode, label}], Operating: x.StationsOperating}
			if x.StationsOperating != nil && *x.StationsOperating > 0 {
				ratio := float64(v.Services) / float64(*x.StationsOperating)
				v.Ratio = &ratio
			}
			c.Volume = append(c.Volume, v)
		}
	}
	for i := range a.Counties {
		c := &a.Counties[i]
		c.ServiceVolume = Part{Max: r.ServiceVolume}
		var ratios []*float64
		for _, v := range c.Volume {
			ratios = append(ratios, v.Ratio)
		}
		if mean, ok := meanOf(ratios); ok {
			c.ServiceVolume.Raw = &mean
			c.ServiceVolume.Points = r.ServiceVolume * math.Min(1, mean/r.ServiceVolumeTarget) // =P*MIN(1,K/target)
		}
	}

	// Deductions: fund flags of the year; months owed a ledger
	// (Rules.LedgerMonths) with none.
	if a.Funds, err = FundsOf(ctx, db, year, asOf); err != nil {
		return nil, err
	}
	for _, f := range a.Funds.Flags {
		if c := byCode[f.CountyCode]; c != nil {
			c.FundFlags = append(c.FundFlags, f)
		}
	}
	sent := map[string]map[string]bool{}
	err = eachRow(ctx, db, `SELECT DISTINCT county_code, strftime(report_date, '%Y-%m') FROM stg_ledgers
		WHERE year(report_date) = $1 AND report_date <= CAST($2 AS DATE)`, []any{year, asOf}, func(rows *sql.Rows) error {
		var c, m string
		err := rows.Scan(&c, &m)
		if sent[c] == nil {
			sent[c] = map[string]bool{}
		}
		sent[c][m] = true
		return err
	})
	if err != nil {
		return nil, err
	}
	owed := r.LedgerMonths(year, asOf)
	for i := range a.Counties {
		c := &a.Counties[i]
		for _, m := range owed {
			if !sent[c.CountyCode][m] {
				c.MissingLedgerMonths = append(c.MissingLedgerMonths, m)
			}
		}
		c.FundDeduction = r.PerFundFlag * float64(len(c.FundFlags))
		c.LedgerDeduction = r.PerMissingLedgerMonth * float64(len(c.MissingLedgerMonths))
		c.Deduction = math.Min(r.DeductionCap, c.FundDeduction+c.LedgerDeduction) // =MIN(cap, …)
		c.Total = math.Max(0, c.PartsSum()-c.Deduction)
	}
	rankScores(a.Counties)
	return a, nil
}

// CountyOperating is a county's operating stations at a date
// (county_operating: as county_indicators has them).
type CountyOperating struct {
	CountyCode        string
	StationsOperating *int // nil while the county has no ledger
}

// OperatingByCounty gives each county's operating stations as of asOf.
func OperatingByCounty(ctx context.Context, db *sql.DB, asOf time.Time) ([]CountyOperating, error) {
	var out []CountyOperating
	err := eachRow(ctx, db, `SELECT county_code, stations_operating FROM county_operating(CAST($1 AS DATE)) ORDER BY county_code`,
		[]any{asOf}, func(rows *sql.Rows) error {
			var c CountyOperating
			var n sql.NullInt64
			if err := rows.Scan(&c.CountyCode, &n); err != nil {
				return err
			}
			if n.Valid {
				v := int(n.Int64)
				c.StationsOperating = &v
			}
			out = append(out, c)
			return nil
		})
	return out, err
}

func yearStart(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }

// ratePart scores a rate: points × rate, 0 when the rate is undefined.
func ratePart(rate *float64, points float64, num, den *int) Part {
	p := Part{Raw: rate, Max: points, Num: num, Den: den}
	if rate != nil {
		p.Points = points * *rate
	}
	return p
}

// meanOf is the mean of the values that are there (false: none is).
func meanOf(xs []*float64) (float64, bool) {
	sum, n := 0.0, 0
	for _, x := range xs {
		if x != nil {
			sum += *x
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// rankScores ranks by total at full precision, highest first; ties share
// a rank (1, 2, 2, 4).
func rankScores(cs []CountyScore) {
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return cs[order[i]].Total > cs[order[j]].Total })
	for k, i := range order {
		cs[i].Rank = k + 1
		if k > 0 && cs[order[k-1]].Total == cs[i].Total {
			cs[i].Rank = cs[order[k-1]].Rank
		}
	}
}

// Worker is one active resident worker as of a date, as the certification
// rate counts them (staff_asof: a person once per county), with the
// current ledger's row that lists them; no name or ID number.
type Worker struct {
	CountyCode string     `json:"county_code"`
	County     string     `json:"county"`
	Township   string     `json:"township"`
	File       string     `json:"file"`
	Sheet      string     `json:"sheet"`
	Row        int        `json:"row"` // the first row listing the person
	Role       string     `json:"role"`
	CertLevel  string     `json:"cert_level"`
	CertDate   *time.Time `json:"cert_date"`
	Certified  bool       `json:"certified"` // counted as certified at the date
}

// ActiveWorkers lists the workers the certification rate counts as of
// asOf, in county, township and row order.
func ActiveWorkers(ctx context.Context, db *sql.DB, asOf time.Time) ([]Worker, error) {
	var out []Worker
	err := eachRow(ctx, db, `WITH rows AS (
			SELECT s.county_code, s.person_key, l.file_name, s.sheet_name, s.row_number, s.role, s.cert_level, s.certified_date
			FROM stg_ledger_staff s
			JOIN current_ledger(CAST($1 AS DATE)) c ON c.file_id = s.file_id AND c.sheet_kind = 'staff'
			JOIN stg_ledgers l ON l.file_id = s.file_id
			WHERE s.joined_date <= CAST($1 AS DATE) AND (s.left_date IS NULL OR s.left_date > CAST($1 AS DATE))
		)
		SELECT a.county_code, c.county_name, t.township_name,
		       arg_min(r.file_name, (r.file_name, r.sheet_name, r.row_number)),
		       arg_min(r.sheet_name, (r.file_name, r.sheet_name, r.row_number)),
		       arg_min(r.row_number, (r.file_name, r.sheet_name, r.row_number)),
		       coalesce(arg_min(r.role, (r.file_name, r.sheet_name, r.row_number)), ''),
		       arg_min(r.cert_level, (r.file_name, r.sheet_name, r.row_number)),
		       arg_min(r.certified_date, (r.file_name, r.sheet_name, r.row_number)),
		       a.is_certified
		FROM staff_asof(CAST($1 AS DATE)) a
		JOIN rows r USING (county_code, person_key)
		JOIN ref_counties c USING (county_code)
		JOIN ref_townships t ON t.township_code = a.township_code
		GROUP BY a.county_code, c.county_name, a.township_code, t.township_name, a.person_key, a.is_certified
		ORDER BY a.county_code, a.township_code, 6`, []any{asOf}, func(r *sql.Rows) error {
		var w Worker
		var cert sql.NullTime
		if err := r.Scan(&w.CountyCode, &w.County, &w.Township, &w.File, &w.Sheet, &w.Row, &w.Role, &w.CertLevel, &cert, &w.Certified); err != nil {
			return err
		}
		w.CertDate = nullTime(cert)
		out = append(out, w)
		return nil
	})
	return out, err
}

// Loss is one reason a county's score is below the most it could be: a
// part short of its points, or a deduction.
type Loss struct {
	What   string  `json:"what"`   // 覆盖率, 资金超范围使用, 缺报台账, 扣分上限 …
	Why    string  `json:"why"`    // in plain Chinese, with the figures
	Points float64 `json:"points"` // points lost (a cap gives some back: negative)
}

// Losses lists where a county lost points and why, parts first, then the
// deductions (with the ledger rows of a fund flag), then the cap.
func (c CountyScore) Losses(r Rules) []Loss {
	var out []Loss
	ratio := func(p Part, unit string) string {
		if p.Num == nil || p.Den == nil {
			return ""
		}
		return fmt.Sprintf("%d/%d%s", *p.Num, *p.Den, unit)
	}
	pctOf := func(p Part) string { return Decimal(100**p.Raw, 1) + "%" }
	part := func(what string, p Part, text func() string, none string) {
		lost := p.Max - p.Points
		if Round(lost, ScoreDecimals) <= 0 {
			return
		}
		why := none
		if p.Raw != nil {
			why = text()
		}
		out = append(out, Loss{What: what, Why: why, Points: lost})
	}
	part("覆盖率", c.Coverage, func() string {
		return "已建站 " + ratio(c.Coverage, " 个乡镇（街道）") + "，覆盖率 " + pctOf(c.Coverage)
	},
		"截至计算日未报送台账，覆盖率无法计算")
	part("运营率", c.Operating, func() string {
		return "运营 " + ratio(c.Operating, " 个站点") + "，运营率 " + pctOf(c.Operating)
	},
		"无已建站点或未报送台账，运营率无法计算")
	part("持证率", c.Certification, func() string {
		return "持证 " + ratio(c.Certification, " 人") + "，持证率 " + pctOf(c.Certification)
	},
		"无在岗驻站社工或未报送台账，持证率无法计算")
	part("系统使用", c.SystemUse, func() string {
		n := 0
		for _, s := range c.UseScores {
			if s != nil {
				n++
			}
		}
		return fmt.Sprintf("%d 个月系统使用得分平均 %s 分", n, Decimal(*c.SystemUse.Raw, ScoreDecimals))
	}, "没有计入的月份（截至计算日无月度总结截止日已过且有应报事项的月份）")
	part("服务量", c.ServiceVolume, func() string {
		return fmt.Sprintf("站均月服务 %s 次，满分标准 %s 次", Decimal(*c.ServiceVolume.Raw, ScoreDecimals), pointsText(r.ServiceVolumeTarget))
	}, "没有月末有运营站点的月份")
	part("阶段", c.Stages, func() string { return "提升及以上 " + ratio(c.Stages, " 个站点") + "，占 " + pctOf(c.Stages) },
		"无已建站点或未报送台账，无法计算")
	for _, f := range c.FundFlags {
		var rows []string
		for _, x := range f.Rows {
			rows = append(rows, fmt.Sprint(x.Row))
		}
		where := fmt.Sprintf("（%s %s 第 %s 行）", f.Rows[0].File, f.Rows[0].Sheet, strings.Join(rows, "、"))
		out = append(out, Loss{What: "资金" + f.Kind, Why: f.Reason + where, Points: r.PerFundFlag})
	}
	for _, m := range c.MissingLedgerMonths {
		t, _ := time.Parse("2006-01", m)
		out = append(out, Loss{What: "缺报台账", Why: t.Format("2006年1月") + "无填报日期在该月的台账", Points: r.PerMissingLedgerMonth})
	}
	if over := c.FundDeduction + c.LedgerDeduction - c.Deduction; over > 0 {
		out = append(out, Loss{What: "扣分上限", Why: fmt.Sprintf("扣分合计 %s 分，按上限扣 %s 分", pointsText(c.FundDeduction+c.LedgerDeduction), pointsText(c.Deduction)), Points: -over})
	}
	return out
}

// pointsText writes a number of points or a policy figure as plainly as
// it is: 10, 2.5, 0.25 (at most ScoreDecimals decimals).
func pointsText(x float64) string {
	return strconv.FormatFloat(Round(x, ScoreDecimals), 'f', -1, 64)
}
