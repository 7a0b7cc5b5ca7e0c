package dashboards

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sgz/metrics"
)

// Files of the 考核 page.
const (
	AssessmentFile      = "assessment.html"
	AssessmentCSV       = "assessment.csv"
	AssessmentLossesCSV = "assessment-losses.csv"
	chartAssessmentID   = "chart_assessment"
)

var assessmentTmpl = pageTemplate("assessment.html.tmpl")

type assessmentPage struct {
	pageMeta
	Year     int
	Forecast bool
	Scores   dataTable
	Losses   dataTable
}

// assessmentParts names the parts in the order they stack, with their
// colours (blue to teal, then the two greys and the stage green: six that
// stay apart for colour-blind readers).
var assessmentParts = []struct {
	Name, Color string
	Part        func(metrics.CountyScore) metrics.Part
}{
	{"覆盖率", "#225ea8", func(c metrics.CountyScore) metrics.Part { return c.Coverage }},
	{"运营率", "#41b6c4", func(c metrics.CountyScore) metrics.Part { return c.Operating }},
	{"持证率", "#a1dab4", func(c metrics.CountyScore) metrics.Part { return c.Certification }},
	{"系统使用", "#f28e2b", func(c metrics.CountyScore) metrics.Part { return c.SystemUse }},
	{"服务量", "#7f7f7f", func(c metrics.CountyScore) metrics.Part { return c.ServiceVolume }},
	{"阶段", "#c7b8e0", func(c metrics.CountyScore) metrics.Part { return c.Stages }},
}

// byRank orders the counties by rank, then code.
func byRank(cs []metrics.CountyScore) []metrics.CountyScore {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b metrics.CountyScore) int {
		if a.Rank != b.Rank {
			return a.Rank - b.Rank
		}
		return strings.Compare(a.CountyCode, b.CountyCode)
	})
	return out
}

// jsonText is a value as a JavaScript literal, for the formatter
// functions to read figures Go rounded (numbers only: go-echarts escapes
// the quotes of a string inside a function).
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func buildAssessmentFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	a := s.Assessment
	if a == nil {
		return nil, fmt.Errorf("dashboards: the site has no assessment")
	}
	title := fmt.Sprintf("晋中市%d年度社工站建设目标考核", a.Year)
	if a.Forecast {
		title += "（预评估）"
	}
	p := assessmentPage{pageMeta: newPageMeta(s, title, AssessmentFile, nav), Year: a.Year, Forecast: a.Forecast}
	r := a.Rules
	p.SourcesNote = "考核按计算日已知的台账和系统记录计算；系统使用取各月通报的得分"
	p.Definitions = []string{
		fmt.Sprintf("各项得分 = 分值 × 原始值：覆盖率 %s 分、运营率 %s 分、持证率 %s 分、系统使用 %s 分（各月系统使用得分的平均 ÷ 100）、服务量 %s 分（站均月服务量 ÷ %s，封顶）、阶段 %s 分（提升及以上占比）。",
			numberText(r.Coverage), numberText(r.Operating), numberText(r.Certification), numberText(r.SystemUse), numberText(r.ServiceVolume), numberText(r.ServiceVolumeTarget), numberText(r.Stages)),
		fmt.Sprintf("扣分：每个资金问题（超范围使用每笔一个、超支每年一个）扣 %s 分；自 %s 起（以后各年自 1 月起）每个无台账的月份扣 %s 分；合计最多扣 %s 分。总分不低于 0。",
			numberText(r.PerFundFlag), r.LedgerMonthlyFrom.Format("2006年1月"), numberText(r.PerMissingLedgerMonth), numberText(r.DeductionCap)),
		"得分显示保留两位小数，排名按全精度总分，同分同名次。每一分的依据见 sgz assess 写出的考核工作簿（各项一个工作表，列出所依据的行）；定义见 docs/indicators.md“年度目标考核”。",
	}
	if a.Forecast {
		p.Definitions = append([]string{fmt.Sprintf("预评估：%d 年尚未结束，按截至 %s 的数据计算，年末结果以 12 月 31 日数据为准。", a.Year, dateCN(a.AsOf))}, p.Definitions...)
	}
	ranked := byRank(a.Counties)
	chart, err := assessmentChart(a, ranked)
	if err != nil {
		return nil, err
	}
	p.Charts = []chartBlock{chart}
	p.Scripts = []string{echartsScript}

	p.Scores = dataTable{ID: "assessment-scores", Title: "各县（市、区）得分", CSV: AssessmentCSV, Class: "wide",
		Note:    "小字为原始值；点击县名看该县明细。",
		Columns: []string{"排名", "县（市、区）", "覆盖率", "运营率", "持证率", "系统使用", "服务量", "阶段", "扣分", "总分"}}
	records := [][]string{{"排名", "区划代码", "县（市、区）", "覆盖率", "覆盖率得分", "运营率", "运营率得分", "持证率", "持证率得分",
		"系统使用月均得分", "系统使用得分", "站均月服务量", "服务量得分", "提升及以上占比", "阶段得分", "资金问题", "缺报台账月数", "扣分", "总分"}}
	for _, c := range ranked {
		row := viewRow{Cells: []cell{numCell(strconv.Itoa(c.Rank)), {Text: c.County, Head: true, Href: CountyFile(c.CountyCode)}}}
		rec := []string{strconv.Itoa(c.Rank), c.CountyCode, c.County}
		for i, part := range assessmentParts {
			x := part.Part(c)
			raw := noValue
			if x.Raw != nil {
				switch i {
				case 3, 4: // a mean score, a mean count
					raw = metrics.Decimal(*x.Raw, metrics.ScoreDecimals)
				default:
					raw = pctText(x.Raw)
				}
			}
			row.Cells = append(row.Cells, cell{Text: metrics.Decimal(x.Points, metrics.ScoreDecimals), Sub: raw, Num: true})
			rawRec := ""
			if x.Raw != nil {
				rawRec = strconv.FormatFloat(*x.Raw, 'f', 6, 64)
			}
			rec = append(rec, rawRec, metrics.Decimal(x.Points, metrics.ScoreDecimals))
		}
		ded := ""
		if c.Deduction > 0 {
			ded = "−" + metrics.Decimal(c.Deduction, metrics.ScoreDecimals)
		}
		row.Cells = append(row.Cells, numCell(ded), cell{Text: metrics.Decimal(c.Total, metrics.ScoreDecimals), Num: true, Strong: true})
		rec = append(rec, strconv.Itoa(len(c.FundFlags)), strconv.Itoa(len(c.MissingLedgerMonths)),
			metrics.Decimal(c.Deduction, metrics.ScoreDecimals), metrics.Decimal(c.Total, metrics.ScoreDecimals))
		p.Scores.Rows = append(p.Scores.Rows, row)
		records = append(records, rec)
	}

	p.Losses = dataTable{ID: "assessment-losses", Title: "失分及原因", CSV: AssessmentLossesCSV,
		Note:    "各县每一项失分和扣分的原因（小字为失分）；资金问题注明台账文件、工作表和行。",
		Columns: []string{"县（市、区）", "项目", "原因"}}
	losses := [][]string{{"排名", "区划代码", "县（市、区）", "项目", "失分", "原因"}}
	for _, c := range ranked {
		for i, l := range c.Losses(r) {
			county := cell{}
			if i == 0 {
				county = cell{Text: c.County, Head: true, Href: CountyFile(c.CountyCode)}
			}
			lost := "失 " + metrics.Decimal(l.Points, metrics.ScoreDecimals) + " 分"
			if l.Points < 0 {
				lost = "退回 " + metrics.Decimal(-l.Points, metrics.ScoreDecimals) + " 分"
			}
			p.Losses.Rows = append(p.Losses.Rows, viewRow{Cells: []cell{county, {Text: l.What, Sub: lost},
				{Text: l.Why, Wrap: true}}})
			losses = append(losses, []string{strconv.Itoa(c.Rank), c.CountyCode, c.County, l.What, metrics.Decimal(l.Points, metrics.ScoreDecimals), l.Why})
		}
	}
	if len(p.Losses.Rows) == 0 {
		p.Losses.Empty = "各县均未失分。"
	}
	return pageFiles(assessmentTmpl, AssessmentFile, p, s.AsOf, []csvTable{{AssessmentCSV, records}, {AssessmentLossesCSV, losses}})
}

// assessmentChart stacks each county's points by part, highest total
// first, with the deductions to the left of zero and the total at the end.
func assessmentChart(a *metrics.Assessment, ranked []metrics.CountyScore) (chartBlock, error) {
	height := 120 + 34*len(ranked)
	title := "各县（市、区）考核得分构成"
	names := make([]string, len(ranked))
	for i, c := range ranked {
		names[len(ranked)-1-i] = c.County // the first rank on top
	}
	b := charts.NewBar()
	sub := "数据截至 " + dateCN(a.AsOf) + "　单位：分　条末数字为总分（已减扣分）"
	if a.Forecast {
		sub = "预评估，" + sub
	}
	b.SetGlobalOptions(baseOpts(chartAssessmentID, height, title, sub)...)
	var colors opts.Colors
	for _, p := range assessmentParts {
		colors = append(colors, p.Color)
	}
	colors = append(colors, colorTarget)
	b.SetGlobalOptions(
		charts.WithColorsOpts(colors),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis",
			ValueFormatter: opts.FuncOpts("function(v){return typeof v==='number'?v.toFixed(2):'" + noValue + "';}")}),
		charts.WithGridOpts(opts.Grid{Top: "110", Left: "64", Right: "56", Bottom: "24"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: -a.Rules.DeductionCap, Max: 100, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0"}}),
	)
	stack := charts.WithBarChartOpts(opts.BarChart{Stack: "score", BarWidth: "60%"})
	series := func(v func(metrics.CountyScore) float64) []opts.BarData {
		out := make([]opts.BarData, len(ranked))
		for i, c := range ranked {
			out[len(ranked)-1-i] = opts.BarData{Value: metrics.Round(v(c), metrics.ScoreDecimals)}
		}
		return out
	}
	for i, p := range assessmentParts {
		opt := []charts.SeriesOpts{stack}
		if i == len(assessmentParts)-1 {
			// the total at the end of each bar
			totals := make([]float64, len(ranked))
			for j, c := range ranked {
				totals[len(ranked)-1-j] = metrics.Round(c.Total, metrics.ScoreDecimals)
			}
			opt = append(opt, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Color: colorText,
				Formatter: opts.FuncStripCommentsOpts("function(p){return " + jsonText(totals) + "[p.dataIndex].toFixed(2);}")}))
		}
		b.AddSeries(p.Name, series(func(c metrics.CountyScore) float64 { return p.Part(c).Points }), opt...)
	}
	b.AddSeries("扣分", series(func(c metrics.CountyScore) float64 { return -c.Deduction }), stack)
	return chartOf(b, chartAssessmentID, title, height)
}
