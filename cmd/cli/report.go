package cli

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"sgz/dashboards"
	"sgz/data"
	"sgz/metrics"
)

const reportUsage = `用法: sgz report 报表 [参数]
报表:
  indicators   --as-of D     各县指标（定义见 docs/indicators.md）
  areas        --as-of D     按省、市、县汇总的系统导出指标（政策参数 scope 为 14 或 全国 时含全省、全国）
  stations     --as-of D     各乡镇(街道)社工站明细：运营状态、人员、服务、阶段及尚缺条件
  stages       --as-of D     各月末各县站点阶段（起步、提升、专业）数量
  transitions  --as-of D     近 N 个月站点阶段变化（晋级、回落及原因、新建）
  timeliness   --month M     某月各站系统使用明细（应录入、实际录入、逾期天数）
  funds        --year Y      各县市级福彩公益金收支、超范围使用和超支（--flags 列出问题所在台账行）
  assessment   --year Y      各县年度目标考核得分、扣分和排名（年度未结束时为预评估）
  rejects                    全部拒收的行和文件及原因
各报表的参数见 sgz report 报表 --help；输出格式 --format table|csv|json；
各项指标的定义和算例见 docs/indicators.md。`

var reports = map[string]func(*env, []string) int{
	"indicators":  reportIndicators,
	"areas":       reportAreas,
	"stations":    reportStations,
	"stages":      reportStages,
	"transitions": reportTransitions,
	"timeliness":  reportTimeliness,
	"funds":       reportFunds,
	"assessment":  reportAssessment,
	"rejects":     reportRejects,
}

func runReport(e *env, args []string) int {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !slices.Contains([]string{"-h", "--help", "-help"}, args[0])) {
		fmt.Fprintln(e.stderr, "sgz report: 请指明报表：indicators、areas、stations、stages、transitions、timeliness、funds、assessment 或 rejects")
		fmt.Fprintln(e.stderr, reportUsage)
		return ExitError
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(e.stdout, reportUsage)
		return ExitOK
	}
	if r, ok := reports[args[0]]; ok {
		return r(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sgz report: 没有报表 %q（可选 indicators、areas、stations、stages、transitions、timeliness、funds、assessment、rejects）\n", args[0])
	return ExitError
}

// asOfOption adds --as-of, read by asOfFlag.
func asOfOption(fs *flag.FlagSet) *string {
	return fs.String("as-of", "", "截至日期 YYYY-MM-DD，或 latest（数据中的最晚日期）；默认今天")
}

// asOfFlag parses --as-of: YYYY-MM-DD, latest (the latest date in the
// data) or, when empty, today.
func asOfFlag(e *env, st *store, value string) (time.Time, error) {
	return asOfFlagIn(e, st, value, metrics.LatestDate)
}

// asOfFlagIn is asOfFlag with latest the date latest gives (the city's
// data, or the whole scope's: metrics.LatestScopeDate).
func asOfFlagIn(e *env, st *store, value string, latest func(context.Context, *sql.DB) (time.Time, error)) (time.Time, error) {
	var t time.Time
	var err error
	switch value {
	case "":
		now := time.Now()
		t = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	case "latest":
		if t, err = latest(e.ctx, st.db); err != nil {
			return t, err
		}
	default:
		if t, err = time.Parse(time.DateOnly, value); err != nil {
			return t, fmt.Errorf("--as-of %q 不是 YYYY-MM-DD 格式的日期，也不是 latest", value)
		}
	}
	// Every figure's deadlines come from the holiday calendar: a date of
	// another year is refused, not computed on a guessed calendar.
	if cal := data.NewCalendar(st.ref.Holidays); !cal.Covers(t) {
		ys := cal.Years()
		return t, fmt.Errorf("截至日期 %s 不在节假日日历的年份内（%d–%d 年）：请核对日期；新的年份请先在 data/holidays.csv 加入国务院办公厅公布的节假日安排",
			t.Format(time.DateOnly), ys[0], ys[len(ys)-1])
	}
	return t, nil
}

// reportOpts are the flags every report has: the store's and --format.
type reportOpts struct {
	store  *storeOpts
	format *string
}

func reportFlags(fs *flag.FlagSet) reportOpts {
	return reportOpts{store: storeFlags(fs), format: fs.String("format", "table", "输出格式：table、csv 或 json")}
}

// openReport checks --format and opens the store.
func openReport(e *env, o reportOpts) (*store, error) {
	switch *o.format {
	case "table", "csv", "json":
	default:
		return nil, fmt.Errorf("--format %q: 可选 table、csv 或 json", *o.format)
	}
	ro := *o.store
	ro.readOnly = true // reports only read
	return openExisting(e, ro)
}

// column is one column of a printed report.
type column[T any] struct {
	name, label string
	value       func(T) any // nil prints empty
}

// indicatorColumns are exactly indicators.md "Machine-readable output".
var indicatorColumns = []column[metrics.CountyIndicators]{
	{"county_code", "代码", func(c metrics.CountyIndicators) any { return c.CountyCode }},
	{"county", "县(市、区)", func(c metrics.CountyIndicators) any { return c.County }},
	{"ledger_date", "台账日期", func(c metrics.CountyIndicators) any { return date(c.LedgerDate) }},
	{"townships_in_scope", "乡镇数", func(c metrics.CountyIndicators) any { return c.TownshipsInScope }},
	{"stations_established", "已建站", func(c metrics.CountyIndicators) any { return deref(c.StationsEstablished) }},
	{"coverage_rate", "覆盖率", func(c metrics.CountyIndicators) any { return deref(c.CoverageRate) }},
	{"stations_operating", "运营", func(c metrics.CountyIndicators) any { return deref(c.StationsOperating) }},
	{"operating_rate", "运营率", func(c metrics.CountyIndicators) any { return deref(c.OperatingRate) }},
	{"resident_workers", "驻站社工", func(c metrics.CountyIndicators) any { return deref(c.ResidentWorkers) }},
	{"certified_workers", "持证", func(c metrics.CountyIndicators) any { return deref(c.CertifiedWorkers) }},
	{"certification_rate", "持证率", func(c metrics.CountyIndicators) any { return deref(c.CertificationRate) }},
	{"fulltime_rate", "专职率", func(c metrics.CountyIndicators) any { return deref(c.FulltimeRate) }},
	{"services_month", "本月服务", func(c metrics.CountyIndicators) any { return c.ServicesMonth }},
	{"person_times_month", "服务人次", func(c metrics.CountyIndicators) any { return c.PersonTimesMonth }},
	{"baseinfo_timely_rate", "基础信息及时率", func(c metrics.CountyIndicators) any { return deref(c.BaseinfoTimelyRate) }},
	{"service_timely_rate", "服务记录及时率", func(c metrics.CountyIndicators) any { return deref(c.ServiceTimelyRate) }},
	{"summary_ontime_rate", "月度总结按时率", func(c metrics.CountyIndicators) any { return deref(c.SummaryOntimeRate) }},
	{"system_use_score", "系统使用得分", func(c metrics.CountyIndicators) any { return deref(c.SystemUseScore) }},
	{"stage_startup", "起步", func(c metrics.CountyIndicators) any { return deref(c.StageStartup) }},
	{"stage_improving", "提升", func(c metrics.CountyIndicators) any { return deref(c.StageImproving) }},
	{"stage_professional", "专业", func(c metrics.CountyIndicators) any { return deref(c.StageProfessional) }},
	{"stations_fully_certified", "全员持证站", func(c metrics.CountyIndicators) any { return deref(c.StationsFullyCertified) }},
	{"stage_improving_or_above_rate", "提升及以上占比", func(c metrics.CountyIndicators) any { return deref(c.ImprovingOrAboveRate) }},
}

// areaColumns are area_indicators' columns (docs/indicators.md "Figures
// by area").
var areaColumns = []column[metrics.AreaIndicators]{
	{"area_code", "代码", func(a metrics.AreaIndicators) any { return a.Code }},
	{"area_name", "区域", func(a metrics.AreaIndicators) any { return a.Name }},
	{"area_level", "层级", func(a metrics.AreaIndicators) any { return a.Level }},
	{"parent_code", "上级代码", func(a metrics.AreaIndicators) any { return a.Parent }},
	{"townships_in_scope", "乡镇数", func(a metrics.AreaIndicators) any { return a.TownshipsInScope }},
	{"stations_established", "已建站", func(a metrics.AreaIndicators) any { return a.StationsEstablished }},
	{"coverage_rate", "覆盖率", func(a metrics.AreaIndicators) any { return deref(a.CoverageRate) }},
	{"stations_operating", "运营", func(a metrics.AreaIndicators) any { return a.StationsOperating }},
	{"operating_rate", "运营率", func(a metrics.AreaIndicators) any { return deref(a.OperatingRate) }},
	{"services_month", "本月服务", func(a metrics.AreaIndicators) any { return a.ServicesMonth }},
	{"person_times_month", "服务人次", func(a metrics.AreaIndicators) any { return a.PersonTimesMonth }},
	{"baseinfo_timely_rate", "基础信息及时率", func(a metrics.AreaIndicators) any { return deref(a.BaseinfoTimelyRate) }},
	{"service_timely_rate", "服务记录及时率", func(a metrics.AreaIndicators) any { return deref(a.ServiceTimelyRate) }},
	{"summary_ontime_rate", "月度总结按时率", func(a metrics.AreaIndicators) any { return deref(a.SummaryOntimeRate) }},
	{"system_use_score", "系统使用得分", func(a metrics.AreaIndicators) any { return deref(a.SystemUseScore) }},
}

func reportAreas(e *env, args []string) int {
	fs := e.flags("report areas")
	ro := reportFlags(fs)
	asOf := asOfOption(fs)
	level := fs.String("level", "", "只列某一层级：country、province、city 或 county（默认全部）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	var levels []string
	switch *level {
	case "":
	case "country", "province", "city", "county":
		levels = []string{*level}
	default:
		return e.fail(fmt.Errorf("--level %q: 可选 country、province、city 或 county", *level))
	}
	st, err := openReport(e, ro)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	// latest: the latest date of the whole scope's records
	d, err := asOfFlagIn(e, st, *asOf, metrics.LatestScopeDate)
	if err != nil {
		return e.fail(err)
	}
	r := asOfReport{st: st, asOf: d}
	rows, err := metrics.Areas(e.ctx, r.st.db, r.asOf, levels...)
	if err != nil {
		return e.fail(err)
	}
	if *ro.format == "table" {
		fmt.Fprintf(e.stdout, "截至 %s，系统导出口径（运营：近 %d 天有服务记录；不含台账的人员和持证）\n", r.asOf.Format("2006年1月2日"), r.st.policy.OperatingWindowDays)
	}
	if err := printRows(e.stdout, *ro.format, areaColumns, rows, nil); err != nil {
		return e.fail(err)
	}
	return ExitOK
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func date(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

func reportIndicators(e *env, args []string) int {
	fs := e.flags("report indicators")
	ro := reportFlags(fs)
	asOf := asOfOption(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	r, err := openAsOfReport(e, ro, *asOf, nil)
	if err != nil {
		return e.fail(err)
	}
	defer r.st.Close()
	d := r.asOf
	rows, err := metrics.Indicators(e.ctx, r.st.db, d)
	if err != nil {
		return e.fail(err)
	}
	if *ro.format == "table" {
		fmt.Fprintf(e.stdout, "截至 %s（未报送：该县截至此日无台账）\n", d.Format("2006年1月2日"))
	}
	if err := printRows(e.stdout, *ro.format, indicatorColumns, rows, func(c metrics.CountyIndicators, col string) string {
		if !c.Reported() && c.CountyCode != metrics.CityCode && col == "ledger_date" {
			return "未报送"
		}
		return ""
	}); err != nil {
		return e.fail(err)
	}
	return ExitOK
}

// printRows prints rows as csv (machine names, rates with 6 decimals),
// json (an array of objects) or an aligned table (Chinese labels; override
// may replace a blank cell's text).
func printRows[T any](w io.Writer, format string, cols []column[T], rows []T, override func(T, string) string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.name
		}
		_ = cw.Write(names)
		for _, r := range rows {
			rec := make([]string, len(cols))
			for i, c := range cols {
				// opened in a spreadsheet, a value from a file must not run
				rec[i] = dashboards.SpreadsheetSafe(cellText(c.value(r), 6))
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := make([]map[string]any, len(rows))
		for i, r := range rows {
			m := map[string]any{}
			for _, c := range cols {
				m[c.name] = c.value(r)
			}
			out[i] = m
		}
		return printJSON(w, out)
	}
	grid := [][]string{make([]string, len(cols))}
	for i, c := range cols {
		grid[0][i] = c.label
	}
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			v := c.value(r)
			if f, ok := v.(float64); ok && strings.HasSuffix(c.name, "_rate") {
				rec[i] = strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
			} else {
				rec[i] = cellText(v, 2)
			}
			if rec[i] == "" && override != nil {
				rec[i] = override(r, c.name)
			}
			if rec[i] == "" {
				rec[i] = "—"
			}
		}
		grid = append(grid, rec)
	}
	return printGrid(w, grid)
}

// printJSON prints v as indented JSON, the --format json of every report.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cellText(v any, decimals int) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', decimals, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return printable(x)
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return printable(fmt.Sprint(v))
}

// printable replaces control characters (a terminal would obey an escape
// sequence in a station name) and the bidirectional overrides that
// reorder what a reader sees with U+FFFD; tab, line breaks included, since
// a table cell is one line.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// printGrid aligns columns by display width (a Chinese character is two
// columns wide on a terminal).
func printGrid(w io.Writer, grid [][]string) error {
	widths := make([]int, len(grid[0]))
	for _, row := range grid {
		for i, cell := range row {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	for _, row := range grid {
		var b strings.Builder
		for i, cell := range row {
			pad := widths[i] - displayWidth(cell)
			if i > 0 {
				b.WriteString("  ")
			}
			if _, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSuffix(cell, "%"), ",", ""), 64); err == nil {
				b.WriteString(strings.Repeat(" ", pad) + cell)
			} else {
				b.WriteString(cell + strings.Repeat(" ", pad))
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// rejectRow is one line of `sgz report rejects`.
var rejectColumns = []column[metrics.Reject]{
	{"outcome", "处理", func(r metrics.Reject) any { return r.Outcome }},
	{"file", "文件", func(r metrics.Reject) any { return r.File }},
	{"sheet", "工作表", func(r metrics.Reject) any { return r.Sheet }},
	{"row", "行", func(r metrics.Reject) any { return r.Row }},
	{"column", "列", func(r metrics.Reject) any { return r.Column }},
	{"value", "值", func(r metrics.Reject) any { return r.Value }},
	{"reason", "原因", func(r metrics.Reject) any { return r.Reason }},
}

func reportRejects(e *env, args []string) int {
	fs := e.flags("report rejects")
	ro := reportFlags(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	st, err := openReport(e, ro)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	out, err := metrics.Rejects(e.ctx, st.db)
	if err != nil {
		return e.fail(err)
	}
	if err := printRows(e.stdout, *ro.format, rejectColumns, out, nil); err != nil {
		return e.fail(err)
	}
	return ExitOK
}

var statusLabel = map[string]string{"on_time": "按时", "late": "逾期", "missing": "未提交", "not_owed": "不适用"}

func yesNoLabel(b *bool, yes, no, none string) any {
	if b == nil {
		return none
	}
	if *b {
		return yes
	}
	return no
}

func datetime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format("2006-01-02 15:04")
}

var ledgerLabel = map[string]string{
	"counted":    "已列",
	"system":     "台账未列、系统有（按系统登记计）",
	"listed":     "已列、当日未建成或已撤销（仅计服务记录）",
	"not_listed": "台账未列（仅计服务记录）",
}

var timelinessColumns = []column[metrics.StationTimeliness]{
	{"county", "县(市、区)", func(s metrics.StationTimeliness) any { return s.County }},
	{"township_code", "乡镇代码", func(s metrics.StationTimeliness) any { return s.TownshipCode }},
	{"township", "乡镇(街道)", func(s metrics.StationTimeliness) any { return s.Township }},
	{"ledger", "台账", func(s metrics.StationTimeliness) any { return ledgerLabel[s.Ledger] }},
	{"established_date", "挂牌时间", func(s metrics.StationTimeliness) any { return date(s.Established) }},
	{"baseinfo_due", "基础信息应录入", func(s metrics.StationTimeliness) any { return date(s.BaseinfoDue) }},
	{"baseinfo_entered_at", "实际录入", func(s metrics.StationTimeliness) any { return datetime(s.BaseinfoEntered) }},
	{"baseinfo", "基础信息", func(s metrics.StationTimeliness) any {
		if s.Ledger != "counted" && s.Ledger != "system" {
			return "不适用"
		}
		if s.BaseinfoOnTime != nil && !*s.BaseinfoOnTime && s.BaseinfoEntered == nil {
			return "未录入"
		}
		return yesNoLabel(s.BaseinfoOnTime, "按时", "逾期", "未到期")
	}},
	{"services", "服务记录", func(s metrics.StationTimeliness) any { return s.Services }},
	{"services_on_time", "按时录入", func(s metrics.StationTimeliness) any { return s.ServicesOnTime }},
	{"summary_due", "月度总结截止", func(s metrics.StationTimeliness) any { return date(s.SummaryDue) }},
	{"summary_submitted_at", "提交时间", func(s metrics.StationTimeliness) any { return datetime(s.SummarySubmitted) }},
	{"summary_status", "月度总结", func(s metrics.StationTimeliness) any { return statusLabel[s.SummaryStatus] }},
	{"summary_days_late", "逾期天数", func(s metrics.StationTimeliness) any { return deref(s.SummaryDaysLate) }},
}

// reportTimeliness prints, station by station, what was due for a month and
// when it came, as of the month's summary deadline (the bulletin's date)
// unless --as-of says otherwise.
func reportTimeliness(e *env, args []string) int {
	fs := e.flags("report timeliness")
	ro := reportFlags(fs)
	month := fs.String("month", "", "月份 YYYY-MM（必填）")
	asOf := fs.String("as-of", "", "截至日期 YYYY-MM-DD；默认该月月度总结截止日")
	county := countyOption(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	m, err := time.Parse("2006-01", *month)
	if err != nil {
		return e.fail(fmt.Errorf("--month %q 不是 YYYY-MM 格式的月份", *month))
	}
	st, err := openReport(e, ro)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	d, err := metrics.SummaryDeadline(e.ctx, st.db, m)
	if err != nil {
		return e.fail(err)
	}
	if *asOf != "" {
		if d, err = asOfFlag(e, st, *asOf); err != nil {
			return e.fail(err)
		}
	}
	code, err := countyCode(st, *county)
	if err != nil {
		return e.fail(err)
	}
	rows, err := metrics.StationDetail(e.ctx, st.db, m, d)
	if err != nil {
		return e.fail(err)
	}
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
		fmt.Fprintf(e.stdout, "%s 系统使用明细，截至 %s（该月月度总结截止日）\n", m.Format("2006年1月"), d.Format("2006年1月2日"))
	}
	if err := printRows(e.stdout, *ro.format, timelinessColumns, rows, nil); err != nil {
		return e.fail(err)
	}
	return ExitOK
}
