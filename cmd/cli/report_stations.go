package cli

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"sgz/ingest"
	"sgz/metrics"
)

// countyOption adds --county, read by countyCode.
func countyOption(fs *flag.FlagSet) *string {
	return fs.String("county", "", "只看此县（名称、别名或代码）")
}

// countyCode resolves --county to a county code ("" for every county).
func countyCode(st *store, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	code, err := ingest.NewResolver(st.ref).County(value)
	if err != nil {
		return "", fmt.Errorf("--county: %v", err)
	}
	return code, nil
}

// asOfReport is a report as of a date, once its flags are read: the open
// store, the date and the county's code ("" for every county).
type asOfReport struct {
	st     *store
	asOf   time.Time
	county string
}

// openAsOfReport opens the store of a report and resolves --as-of and,
// when the report has it (county not nil), --county. The caller closes
// r.st.
func openAsOfReport(e *env, ro reportOpts, asOf string, county *string) (*asOfReport, error) {
	st, err := openReport(e, ro)
	if err != nil {
		return nil, err
	}
	r := &asOfReport{st: st}
	if r.asOf, err = asOfFlag(e, st, asOf); err == nil && county != nil {
		r.county, err = countyCode(st, *county)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return r, nil
}

// stationColumns are the columns of sgz report stations (and of the county
// pages' CSV); window labels name the policy's windows.
func stationColumns(operatingDays, startupDays int) []column[metrics.TownshipStation] {
	return []column[metrics.TownshipStation]{
		{"county", "县(市、区)", func(t metrics.TownshipStation) any { return t.County }},
		{"township_code", "乡镇代码", func(t metrics.TownshipStation) any { return t.TownshipCode }},
		{"township", "乡镇(街道)", func(t metrics.TownshipStation) any { return t.Township }},
		{"stations", "站点", func(t metrics.TownshipStation) any { return t.Stations }},
		{"established_date", "挂牌时间", func(t metrics.TownshipStation) any { return date(t.Established) }},
		{"station_status", "运营状态", func(t metrics.TownshipStation) any { return t.Status }},
		{"not_operating_since", "未运营起始", func(t metrics.TownshipStation) any { return date(t.NotOperatingSince) }},
		{"workers", "驻站社工", func(t metrics.TownshipStation) any { return deref(t.Workers) }},
		{"certified", "持证", func(t metrics.TownshipStation) any { return deref(t.Certified) }},
		{"fulltime", "专职", func(t metrics.TownshipStation) any { return deref(t.Fulltime) }},
		{"services_" + strconv.Itoa(operatingDays) + "d", "近" + strconv.Itoa(operatingDays) + "天服务", func(t metrics.TownshipStation) any { return deref(t.ServicesOperatingWindow) }},
		{"services_" + strconv.Itoa(startupDays) + "d", "近" + strconv.Itoa(startupDays) + "天服务", func(t metrics.TownshipStation) any { return deref(t.ServicesStartupWindow) }},
		{"stage", "阶段", func(t metrics.TownshipStation) any { return t.Stage }},
		{"missing_criteria", "距下一阶段尚缺", func(t metrics.TownshipStation) any { return t.Missing }},
	}
}

// reportStations prints one row per in-scope township as of --as-of:
// station, operating or not, staff, recent services, stage and what it
// still lacks (indicators.md "Stages").
func reportStations(e *env, args []string) int {
	fs := e.flags("report stations")
	ro := reportFlags(fs)
	asOf := asOfOption(fs)
	county := countyOption(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	r, err := openAsOfReport(e, ro, *asOf, county)
	if err != nil {
		return e.fail(err)
	}
	defer r.st.Close()
	st, d, code := r.st, r.asOf, r.county
	rows, err := metrics.TownshipStations(e.ctx, st.db, d, code)
	if err != nil {
		return e.fail(err)
	}
	if *ro.format == "table" {
		fmt.Fprintf(e.stdout, "乡镇(街道)社工站明细，截至 %s（阶段见 docs/indicators.md）\n", d.Format("2006年1月2日"))
	}
	cols := stationColumns(st.policy.OperatingWindowDays, st.policy.StartupServiceWindowDays)
	if err := printRows(e.stdout, *ro.format, cols, rows, nil); err != nil {
		return e.fail(err)
	}
	return ExitOK
}

// stageCount is one county's (or the city's) stage counts at one month
// end; Reported false (a county without a ledger then) leaves them blank.
type stageCount struct {
	Month, CountyCode, County           string
	Reported                            bool
	Startup, Improving, Professional, N int
}

// stageCounts counts history by month and county, with a city row (140700,
// the sum of the counties that had reported) after each month's counties;
// counties come in reference order.
func stageCounts(history metrics.StageHistory, counties []countyName) []stageCount {
	months, counts := history.Counts()
	var out []stageCount
	for _, m := range months {
		for _, c := range append(counties, countyName{metrics.CityCode, "晋中市"}) {
			row := stageCount{Month: m, CountyCode: c.code, County: c.name,
				Reported: c.code == metrics.CityCode || history.IsReported(m, c.code)}
			if x := counts[[2]string{m, c.code}]; row.Reported {
				row.Startup, row.Improving, row.Professional, row.N = x.ByStage[metrics.StageStartup],
					x.ByStage[metrics.StageImproving], x.ByStage[metrics.StageProfessional], x.Established
			}
			out = append(out, row)
		}
	}
	return out
}

type countyName struct{ code, name string }

func (st *store) countyNames(only string) []countyName {
	var out []countyName
	for _, c := range st.ref.Counties {
		if only == "" || c.Code == only {
			out = append(out, countyName{c.Code, c.Name})
		}
	}
	return out
}

// ifReported is n, or nothing for a county without a ledger that month.
func ifReported(c stageCount, n int) any {
	if !c.Reported {
		return nil
	}
	return n
}

var stageCountColumns = []column[stageCount]{
	{"month", "月份", func(c stageCount) any { return c.Month }},
	{"county_code", "代码", func(c stageCount) any { return c.CountyCode }},
	{"county", "县(市、区)", func(c stageCount) any { return c.County }},
	{"stations_established", "已建站", func(c stageCount) any { return ifReported(c, c.N) }},
	{"stage_startup", "起步", func(c stageCount) any { return ifReported(c, c.Startup) }},
	{"stage_improving", "提升", func(c stageCount) any { return ifReported(c, c.Improving) }},
	{"stage_professional", "专业", func(c stageCount) any { return ifReported(c, c.Professional) }},
}

// reportStages prints the stage counts of every county at every month end
// up to --as-of (the last point at --as-of itself), each as known then.
func reportStages(e *env, args []string) int {
	fs := e.flags("report stages")
	ro := reportFlags(fs)
	asOf := asOfOption(fs)
	county := countyOption(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	r, err := openAsOfReport(e, ro, *asOf, county)
	if err != nil {
		return e.fail(err)
	}
	defer r.st.Close()
	st, d, code := r.st, r.asOf, r.county
	history, err := metrics.StagesByMonth(e.ctx, st.db, d)
	if err != nil {
		return e.fail(err)
	}
	rows := stageCounts(history, st.countyNames(code))
	if code != "" {
		kept := rows[:0]
		for _, r := range rows {
			if r.CountyCode == code {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if *ro.format == "table" {
		fmt.Fprintf(e.stdout, "各月末站点阶段（每月按当月末已知数据计算），截至 %s\n", d.Format("2006年1月2日"))
	}
	if err := printRows(e.stdout, *ro.format, stageCountColumns, rows, func(c stageCount, col string) string {
		if !c.Reported && col == "stations_established" {
			return "未报送"
		}
		return ""
	}); err != nil {
		return e.fail(err)
	}
	return ExitOK
}

var transitionColumns = []column[metrics.Transition]{
	{"county_code", "代码", func(t metrics.Transition) any { return t.CountyCode }},
	{"township_code", "乡镇代码", func(t metrics.Transition) any { return t.TownshipCode }},
	{"township", "乡镇(街道)", func(t metrics.Transition) any { return t.Township }},
	{"from_month", "起", func(t metrics.Transition) any { return t.FromMonth }},
	{"to_month", "止", func(t metrics.Transition) any { return t.ToMonth }},
	{"from_stage", "原阶段", func(t metrics.Transition) any {
		if t.From == "" {
			return "未建站"
		}
		return t.From
	}},
	{"to_stage", "现阶段", func(t metrics.Transition) any { return t.To }},
	{"direction", "变化", func(t metrics.Transition) any { return t.Direction() }},
	{"why", "回落原因", func(t metrics.Transition) any { return t.Why }},
}

// reportTransitions prints the stations whose stage at the end of --as-of's
// month differs from their stage --months months earlier: promoted (晋级),
// fallen back (回落, with what they now lack) or new (新建).
func reportTransitions(e *env, args []string) int {
	fs := e.flags("report transitions")
	ro := reportFlags(fs)
	asOf := asOfOption(fs)
	county := countyOption(fs)
	months := fs.Int("months", 3, "与多少个月前的月末相比（默认 3，即一个季度）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if *months < 1 || *months > 120 {
		fmt.Fprintf(e.stderr, "sgz report transitions: --months %d: 须在 1 到 120 之间\n", *months)
		return ExitError
	}
	r, err := openAsOfReport(e, ro, *asOf, county)
	if err != nil {
		return e.fail(err)
	}
	defer r.st.Close()
	st, d, code := r.st, r.asOf, r.county
	history, err := metrics.StagesByMonth(e.ctx, st.db, d)
	if err != nil {
		return e.fail(err)
	}
	to := d.Format("2006-01")
	from := time.Date(d.Year(), d.Month()-time.Month(*months), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	var rows []metrics.Transition
	for _, t := range metrics.Transitions(history.Points, from, to) {
		if code == "" || t.CountyCode == code {
			rows = append(rows, t)
		}
	}
	if *ro.format == "table" {
		fmt.Fprintf(e.stdout, "站点阶段变化：%s 月末 → %s（每个月末按当时已知数据计算）\n", from, d.Format("2006-01-02"))
	}
	if err := printRows(e.stdout, *ro.format, transitionColumns, rows, nil); err != nil {
		return e.fail(err)
	}
	return ExitOK
}
