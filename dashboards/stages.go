package dashboards

import (
	"slices"
	"strconv"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sgz/metrics"
)

// Files of the 阶段 page.
const (
	StagesFile           = "stages.html"
	StageCountiesFile    = "stages-counties.csv"
	StageHistoryFile     = "stages-history.csv"
	StageTransitionsFile = "stages-transitions.csv"
)

const (
	chartStageTrendID = "chart_stage_trend"
	chartStageFlowID  = "chart_stage_flow"
)

// stageQuarter is how far back the page compares stages: a quarter.
const stageQuarter = 3

var stagesTmpl = pageTemplate("stages.html.tmpl")

type stagesPage struct {
	pageMeta
	From, To    string // the compared month ends, as 2023年9月末
	Counties    dataTable
	Transitions dataTable
}

func buildStagesFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	counties, _, err := splitCity(s.Counties, indicatorCode)
	if err != nil {
		return nil, err
	}
	p := stagesPage{pageMeta: newPageMeta(s, "晋中市乡镇（街道）社工站发展阶段", StagesFile, nav)}
	p.SourcesNote = "各月末的阶段按当日已知的台账和系统记录计算，以后载入的数据不改变已过月份"
	p.Definitions = []string{
		"起步：已建站点。提升：起步条件（独立场地、制度、统一标识、在岗驻站社工、近 " + strconv.Itoa(s.StartupWindowDays) + " 天有服务）齐备，且近3个完整月月均服务、服务类型、资源链接达标。专业：提升，且全员持证、有特色项目、个案小组社区活动占比达标。阈值见政策参数文件，定义见 docs/indicators.md。",
		"晋级、回落按两个月末的阶段比较；新建指前一月末尚未建站（或未列入台账）。回落原因为该站点现在距原阶段尚缺的条件。",
	}
	months, counts := s.StageHistory.Counts()
	to := s.AsOf.Format("2006-01")
	from := time.Date(s.AsOf.Year(), s.AsOf.Month()-stageQuarter, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	p.From, p.To = useMonthLabel(from)+"末", dateCN(s.AsOf)
	transitions := metrics.Transitions(s.StageHistory.Points, from, to)

	var countyRecords [][]string
	p.Counties, countyRecords = stageCountiesTable(counties, s.StageHistory, counts, transitions, from, to, p.From, p.To)
	var transitionRecords [][]string
	p.Transitions, transitionRecords = transitionsTable(s, transitions)

	trend, err := stageTrend(s, months, counts)
	if err != nil {
		return nil, err
	}
	// short node names, so that the labels fit beside the sankey on a phone
	fromShort, toShort := shortDay(time.Date(s.AsOf.Year(), s.AsOf.Month()-stageQuarter+1, 0, 0, 0, 0, 0, time.UTC), s.AsOf)+"末", shortDay(s.AsOf, s.AsOf)
	flow, err := stageFlow(s, from, to, fromShort, toShort)
	if err != nil {
		return nil, err
	}
	p.Charts = []chartBlock{trend, flow}
	p.Scripts = []string{echartsScript}

	// A county without a ledger that month has no counts (未报送), never
	// zeros; the city adds up the counties that had reported.
	history := [][]string{{"月份", "区划代码", "县(市、区)", "台账", "已建站", "起步", "提升", "专业"}}
	for _, m := range months {
		for _, c := range append(slices.Clone(counties), metrics.CountyIndicators{CountyCode: metrics.CityCode, County: "晋中市"}) {
			if c.CountyCode != metrics.CityCode && !s.StageHistory.IsReported(m, c.CountyCode) {
				history = append(history, []string{m, c.CountyCode, c.County, notReported, "", "", "", ""})
				continue
			}
			x := counts[[2]string{m, c.CountyCode}]
			history = append(history, []string{m, c.CountyCode, c.County, "", strconv.Itoa(x.Established),
				strconv.Itoa(x.ByStage[metrics.StageStartup]), strconv.Itoa(x.ByStage[metrics.StageImproving]), strconv.Itoa(x.ByStage[metrics.StageProfessional])})
		}
	}
	return pageFiles(stagesTmpl, StagesFile, p, s.AsOf, []csvTable{{StageCountiesFile, countyRecords}, {StageHistoryFile, history}, {StageTransitionsFile, transitionRecords}})
}

// stageCountiesTable: per county, the stage counts at both month ends and
// the moves between them.
func stageCountiesTable(counties []metrics.CountyIndicators, h metrics.StageHistory, counts map[[2]string]metrics.StageCount, moves []metrics.Transition, from, to, fromLabel, toLabel string) (dataTable, [][]string) {
	t := dataTable{ID: "stage-counties", Title: "各县（市、区）阶段构成与变化", CSV: StageCountiesFile, Class: "wide",
		Note:    fromLabel + " → " + toLabel + "。",
		Columns: []string{"县(市、区)", "已建站", "起步", "提升", "专业", "提升及以上", fromLabel + "提升及以上", "晋级", "回落", "新建"}}
	records := [][]string{{"区划代码", "县(市、区)", "已建站", "起步", "提升", "专业", "提升及以上占比", fromLabel + "提升及以上", "晋级", "回落", "新建"}}
	moved := map[string]map[string]int{}
	for _, m := range moves {
		for _, code := range []string{m.CountyCode, metrics.CityCode} {
			if moved[code] == nil {
				moved[code] = map[string]int{}
			}
			moved[code][m.Direction()]++
		}
	}
	rowOf := func(code, name string) ([]cell, []string) {
		now, before := counts[[2]string{to, code}], counts[[2]string{from, code}]
		advanced := now.ByStage[metrics.StageImproving] + now.ByStage[metrics.StageProfessional]
		advancedBefore := before.ByStage[metrics.StageImproving] + before.ByStage[metrics.StageProfessional]
		share := noValue
		if now.Established > 0 {
			share = strconv.FormatFloat(pctValue(float64(advanced)/float64(now.Established)), 'f', 1, 64) + "%"
		}
		values := []string{strconv.Itoa(now.Established), strconv.Itoa(now.ByStage[metrics.StageStartup]), strconv.Itoa(now.ByStage[metrics.StageImproving]),
			strconv.Itoa(now.ByStage[metrics.StageProfessional]), share, strconv.Itoa(advancedBefore),
			strconv.Itoa(moved[code]["晋级"]), strconv.Itoa(moved[code]["回落"]), strconv.Itoa(moved[code]["新建"])}
		if code != metrics.CityCode {
			// no ledger at either end: nothing to count there (未报送)
			if !h.IsReported(to, code) {
				for i := range values[:5] {
					values[i] = notReported
				}
			}
			if !h.IsReported(from, code) {
				values[5] = notReported
			}
		}
		cells := []cell{countyLink(code, name)}
		for _, v := range values {
			cells = append(cells, numCell(v))
		}
		return cells, append([]string{code, name}, values...)
	}
	for _, c := range counties {
		cells, rec := rowOf(c.CountyCode, c.County)
		row := viewRow{Cells: cells}
		if !c.Reported() {
			row.Class = "unreported"
		}
		t.Rows = append(t.Rows, row)
		records = append(records, rec)
	}
	cells, rec := rowOf(metrics.CityCode, "晋中市")
	cells[0] = headCell("晋中市（合计）")
	t.Foot = []viewRow{{Cells: cells}}
	records = append(records, rec)
	return t, records
}

func transitionsTable(s metrics.Site, moves []metrics.Transition) (dataTable, [][]string) {
	names := map[string]string{}
	for _, c := range s.Counties {
		names[c.CountyCode] = c.County
	}
	t := dataTable{ID: "transitions", Title: "阶段变化的站点", CSV: StageTransitionsFile, Class: "wide",
		Columns: []string{"县(市、区)", "乡镇(街道)", "原阶段", "现阶段", "变化", "回落原因（现尚缺）"},
		Empty:   "这一期间没有站点的阶段发生变化。"}
	records := [][]string{{"区划代码", "县(市、区)", "乡镇代码", "乡镇(街道)", "起始月", "截止月", "原阶段", "现阶段", "变化", "回落原因"}}
	// fall-backs first: they need attention
	order := map[string]int{"回落": 0, "晋级": 1, "新建": 2}
	sorted := slices.Clone(moves)
	slices.SortStableFunc(sorted, func(a, b metrics.Transition) int { return order[a.Direction()] - order[b.Direction()] })
	for _, m := range sorted {
		from := m.From
		if from == "" {
			from = "未建站"
		}
		row := viewRow{Cells: []cell{countyLink(m.CountyCode, names[m.CountyCode]), {Text: m.Township, Title: m.TownshipCode},
			textCell(from), textCell(m.To), {Text: m.Direction(), Strong: m.Direction() == "回落"}, {Text: m.Why, Wrap: true}}}
		if m.Direction() == "回落" {
			row.Class = "risk"
		}
		t.Rows = append(t.Rows, row)
		records = append(records, []string{m.CountyCode, names[m.CountyCode], m.TownshipCode, m.Township, m.FromMonth, m.ToMonth, from, m.To, m.Direction(), m.Why})
	}
	if len(moves) > 0 {
		t.Empty = ""
	}
	return t, records
}

// stageTrend stacks the city's stations by stage at every month end.
func stageTrend(s metrics.Site, months []string, counts map[[2]string]metrics.StageCount) (chartBlock, error) {
	const height = 420
	title := "全市站点阶段月度变化"
	if len(months) == 0 {
		return chartBlock{ID: chartStageTrendID, Title: title, Width: chartWidth, Height: height,
			Empty: "暂无台账（" + asOfNote(s.Snapshot) + "）"}, nil
	}
	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(chartStageTrendID, height, title, "各月末按当日已知数据计算　单位：个（已建站点）")...)
	b.SetGlobalOptions(
		charts.WithColorsOpts(stagePalette),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Top: "110", Left: "48", Right: "28", Bottom: "56"}),
		charts.WithXAxisOpts(monthAxis(len(months))),
		charts.WithYAxisOpts(opts.YAxis{Name: "站点（个）", Type: "value", Min: 0, MinInterval: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
	)
	b.SetXAxis(months)
	stack := charts.WithBarChartOpts(opts.BarChart{Stack: "stage", BarWidth: "60%"})
	for _, st := range metrics.Stages {
		data := make([]opts.BarData, len(months))
		for i, m := range months {
			data[i] = opts.BarData{Value: counts[[2]string{m, metrics.CityCode}].ByStage[st]}
		}
		b.AddSeries(st, data, stack)
	}
	return chartOf(b, chartStageTrendID, title, height)
}

// stageFlow is a sankey of the city's stations from their stage at the
// earlier month end to their stage now (new stations from 未建站).
func stageFlow(s metrics.Site, from, to, fromLabel, toLabel string) (chartBlock, error) {
	const height = 420
	title := "近一季度阶段流向"
	before, now := map[string]string{}, map[string]string{}
	for _, p := range s.StageHistory.Points {
		switch p.Month {
		case from:
			before[p.TownshipCode] = p.Stage
		case to:
			now[p.TownshipCode] = p.Stage
		}
	}
	if len(now) == 0 {
		return chartBlock{ID: chartStageFlowID, Title: title, Width: chartWidth, Height: height,
			Empty: "暂无已建站点（" + asOfNote(s.Snapshot) + "）"}, nil
	}
	flows := map[[2]string]int{}
	for town, st := range now {
		src := before[town]
		if src == "" {
			src = "未建站"
		}
		flows[[2]string{src + "（" + fromLabel + "）", st + "（" + toLabel + "）"}]++
	}
	colors := map[string]string{"未建站": colorUnreported, metrics.StageStartup: stagePalette[0], metrics.StageImproving: stagePalette[1], metrics.StageProfessional: stagePalette[2]}
	var nodes []opts.SankeyNode
	for depth, label := range []string{fromLabel, toLabel} {
		for _, st := range append([]string{"未建站"}, metrics.Stages...) {
			name := st + "（" + label + "）"
			used := false
			for k := range flows {
				used = used || k[depth] == name
			}
			if used {
				d := depth
				nodes = append(nodes, opts.SankeyNode{Name: name, Depth: &d, ItemStyle: &opts.ItemStyle{Color: colors[st]}})
			}
		}
	}
	var links []opts.SankeyLink
	for _, st := range append([]string{"未建站"}, metrics.Stages...) {
		for _, dst := range metrics.Stages {
			k := [2]string{st + "（" + fromLabel + "）", dst + "（" + toLabel + "）"}
			if n := flows[k]; n > 0 {
				links = append(links, opts.SankeyLink{Source: k[0], Target: k[1], Value: float32(n)})
			}
		}
	}
	sk := charts.NewSankey()
	sk.SetGlobalOptions(baseOpts(chartStageFlowID, height, title, fromLabel+" → "+toLabel+"　线宽为站点数")...)
	sk.SetGlobalOptions(charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	sk.AddSeries("阶段流向", nodes, links,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Color: colorText}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "source", Curveness: 0.5, Opacity: opts.Float(0.35)}),
		// below the title, room on the right for the labels of the last column
		func(s *charts.SingleSeries) { s.Top, s.Bottom, s.Left, s.Right = "84", "16", "16", "150" },
	)
	return chartOf(sk, chartStageFlowID, title, height)
}

// shortDay is 9月30日 for a day of the same year as ref, 2023年9月30日
// otherwise; a month's last day before "末" reads 9月 (9月末).
func shortDay(t, ref time.Time) string {
	last := t.AddDate(0, 0, 1).Day() == 1 && !t.Equal(ref)
	out := strconv.Itoa(int(t.Month())) + "月"
	if !last {
		out += strconv.Itoa(t.Day()) + "日"
	}
	if t.Year() != ref.Year() {
		out = strconv.Itoa(t.Year()) + "年" + out
	}
	return out
}
