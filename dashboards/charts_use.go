package dashboards

import (
	"cmp"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sgz/metrics"
)

// Charts of the 系统使用 page.
const (
	chartUseTrendID = "chart_use_trend"
	chartUseRatesID = "chart_use_rates"
)

// Eleven county lines must stay apart without colour: each county has its
// own symbol, the first six solid lines and the rest dashed, and the
// colours are the Okabe–Ito set (distinct for the common colour
// blindnesses; its yellow is left out, too pale on white). Two counties
// that share a colour differ in dash and in symbol shape (filled against
// hollow, or star against plus). The city is a thick black line.
var (
	lineColors  = []string{"#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7"}
	lineDashes  = []string{"solid", "dashed", "dotted"}
	lineSymbols = []string{
		"circle", "rect", "triangle", "diamond", symbolStar, symbolCross,
		"emptyRect", "emptyTriangle", "emptyDiamond", "emptyCircle", symbolPlus,
	}
)

// Symbols echarts lacks, as SVG paths in a 10 × 10 box.
const (
	symbolStar  = "path://M5,0L6.2,3.5L10,3.8L7,6.1L8.1,10L5,7.7L1.9,10L3,6.1L0,3.8L3.8,3.5Z"
	symbolCross = "path://M2,0L5,3L8,0L10,2L7,5L10,8L8,10L5,7L2,10L0,8L3,5L0,2Z"
	symbolPlus  = "path://M3.5,0H6.5V3.5H10V6.5H6.5V10H3.5V6.5H0V3.5H3.5Z"
)

const (
	colorCity  = "#000000"
	colorMuted = "#bdbdbd" // counties not warned
)

// lineStyle returns the colour, dash and symbol of the i-th county line.
func lineStyle(i int) (color, dash, symbol string) {
	return lineColors[i%len(lineColors)],
		lineDashes[(i/len(lineColors))%len(lineDashes)],
		lineSymbols[i%len(lineSymbols)]
}

// scoreValue rounds a score as the tables show it, so that labels and
// tooltips agree with them; "-" is echarts' "no value".
func scoreValue(score *float64) any {
	if score == nil || math.IsNaN(*score) {
		return "-"
	}
	return metrics.Round(*score, metrics.ScoreDecimals)
}

// endPoint is the last point of a line, carrying the line's name as its
// label so that a reader can follow a line without matching colours to the
// legend. Offset moves the label up or down, away from the others.
type endPoint struct {
	Value any      `json:"value"`
	Label endLabel `json:"label"`
}

type endLabel struct {
	Show       bool   `json:"show"`
	Position   string `json:"position"`
	Distance   int    `json:"distance"`
	Offset     [2]int `json:"offset"`
	Formatter  string `json:"formatter"`
	Color      string `json:"color"`
	FontSize   int    `json:"fontSize"`
	FontWeight string `json:"fontWeight,omitempty"`
	// A white outline keeps the name legible where it crosses a line.
	TextBorderColor string  `json:"textBorderColor"`
	TextBorderWidth float64 `json:"textBorderWidth"`
}

// spreadLabels returns, for labels wanted at heights ys (pixels, top = 0),
// heights at least gap apart, each as close to its own as the others
// allow, within [top, bottom]. The order of equal heights is kept.
func spreadLabels(ys []float64, gap, top, bottom float64) []float64 {
	order := make([]int, len(ys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ys[a], ys[b]) })
	out := slices.Clone(ys)
	prev := top - gap
	for _, i := range order {
		out[i] = max(out[i], prev+gap)
		prev = out[i]
	}
	next := bottom + gap
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		out[i] = min(out[i], next-gap)
		next = out[i]
	}
	return out
}

// --- 得分趋势: the score of every county and the city by month ---

func useScoreTrend(s metrics.Site, months []metrics.UseMonth) (chartBlock, error) {
	const height = 600
	// The plot area in pixels, also to place the end labels.
	const gridTop, gridBottom, labelGap = 100, 118, 13
	title := "各县（市、区）系统使用得分月度变化"
	names := make([]string, len(months))
	for i, m := range months {
		names[i] = m.Month
	}
	// The score axis starts at the tens below the lowest score (and at least
	// ten below the warning line), so that eleven lines between 60 and 100
	// do not crowd the top of the chart; the subtitle says where it starts.
	yMin := 100.0
	for _, m := range months {
		for _, c := range m.Counties {
			if c.SystemUseScore != nil {
				yMin = math.Min(yMin, *c.SystemUseScore)
			}
		}
	}
	if s.UseWarning > 0 {
		yMin = math.Min(yMin, s.UseWarning-10)
	}
	yMin = math.Max(0, math.Floor(yMin/10)*10)
	// The counties the latest month warns keep a colour and an end label;
	// the others are grey, so that the eye finds the ones to act on.
	warned := map[string]bool{}
	_, _, ranks := latestRanks(months, s.UseWarning)
	for _, r := range ranks {
		warned[r.CountyCode] = r.Mark != ""
	}
	sub := "各月按该月月度总结截止日计算；" + asOfNote(s.Snapshot) + "　单位：分"
	if yMin > 0 {
		sub += "　纵轴自 " + numberText(yMin) + " 分起"
	}
	sub += "\n彩色为最近一月须提交整改方案的县(市、区)，黑色为全市，其余灰色"

	l := charts.NewLine()
	l.SetGlobalOptions(baseOpts(chartUseTrendID, height, title, sub)...)
	l.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{
			Show: opts.Bool(true), Bottom: "8", Left: "center", Width: "620",
			ItemWidth: 30, ItemHeight: 12,
			TextStyle: &opts.TextStyle{FontSize: 12, Color: colorText},
		}),
		charts.WithTooltipOpts(opts.Tooltip{
			Trigger:        "axis",
			ValueFormatter: opts.FuncOpts("function(v){return typeof v==='number'?v.toFixed(2)+' 分':'" + noValue + "';}"),
		}),
		charts.WithGridOpts(opts.Grid{Top: px(gridTop), Left: "56", Right: "72", Bottom: px(gridBottom)}),
		charts.WithXAxisOpts(monthAxis(len(months))),
		charts.WithYAxisOpts(opts.YAxis{
			Name:      "得分（分）",
			Type:      "value",
			Min:       yMin,
			Max:       100,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)},
		}),
	)
	l.SetXAxis(names)

	plotTop, plotBottom := float64(gridTop), float64(height-gridBottom)
	yPixel := func(v float64) float64 { return plotTop + (100-v)/(100-yMin)*(plotBottom-plotTop) }

	type line struct {
		name, color, dash, symbol string
		width                     float32
		size                      int
		city, strong              bool // strong: a warned county
		data                      []any
		last                      int // index of the last point with a value; -1 none
	}
	var lines []line
	colored := 0
	for _, c := range useCounties(months) {
		ln := line{name: c.Name, color: colorMuted, dash: "solid", symbol: "circle", width: 1.5, size: 5, last: -1}
		switch {
		case c.Code == metrics.CityCode:
			ln.color, ln.dash, ln.symbol, ln.width, ln.size, ln.city = colorCity, "solid", "circle", 4, 9, true
		case warned[c.Code]:
			ln.color, ln.dash, ln.symbol = lineStyle(colored)
			ln.width, ln.size, ln.strong = 3, 9, true
			colored++
		}
		for j, m := range months {
			v := scoreValue(scoreOf(m, c.Code))
			ln.data = append(ln.data, opts.LineData{Value: v})
			if v != "-" {
				ln.last = j
			}
		}
		lines = append(lines, ln)
	}
	// End labels of lines that end in the same month are spread apart.
	for j := range months {
		var idx []int
		var ys []float64
		for k, ln := range lines {
			if ln.last == j && (ln.city || ln.strong) {
				idx = append(idx, k)
				ys = append(ys, yPixel(ln.data[j].(opts.LineData).Value.(float64)))
			}
		}
		spread := spreadLabels(ys, labelGap, plotTop-10, plotBottom)
		for n, k := range idx {
			ln := &lines[k]
			lbl := endLabel{Show: true, Position: "right", Distance: 8, Offset: [2]int{0, int(math.Round(spread[n] - ys[n]))},
				Formatter: ln.name, Color: ln.color, FontSize: 11, TextBorderColor: "#ffffff", TextBorderWidth: 3}
			if ln.city {
				lbl.FontWeight = "bold"
			}
			ln.data[j] = endPoint{Value: ln.data[j].(opts.LineData).Value, Label: lbl}
		}
	}
	for _, ln := range lines {
		seriesOpts := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{Symbol: ln.symbol, SymbolSize: ln.size, ConnectNulls: opts.Bool(false)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: ln.color}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: ln.color, Type: ln.dash, Width: ln.width}),
			charts.WithEmphasisOpts(opts.Emphasis{Focus: "series"}),
			charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Data = ln.data }),
		}
		if ln.city && s.UseWarning > 0 {
			seriesOpts = append(seriesOpts, warningLine(s.UseWarning)...)
		}
		l.AddSeries(ln.name, nil, seriesOpts...)
	}
	return chartOf(l, chartUseTrendID, title, height)
}

// warningLine draws the warning line (预警线) across a score chart.
func warningLine(warning float64) []charts.SeriesOpts {
	return []charts.SeriesOpts{
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "预警线", YAxis: warning}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideStartTop", Color: colorTarget, Formatter: "预警线 " + numberText(warning) + " 分"},
			LineStyle: &opts.LineStyle{Color: colorTarget, Type: "dashed", Width: 2},
		}),
	}
}

// --- 三项比率: the three rates per county for the latest month ---

// counties are in code order; the city comes last.
func useRatesBar(m metrics.UseMonth, counties []metrics.CountyTimeliness, city metrics.CountyTimeliness) (chartBlock, error) {
	const height = 460
	month := useMonthLabel(m.Month)
	title := "各县（市、区）系统使用三项比率（" + month + "）"
	rows := append(slices.Clone(counties), city)
	names := make([]string, len(rows))
	for i, c := range rows {
		names[i] = c.County
	}
	series := func(rate func(metrics.CountyTimeliness) *float64) []opts.BarData {
		out := make([]opts.BarData, len(rows))
		for i, c := range rows {
			out[i] = opts.BarData{Value: "-"}
			if r := rate(c); r != nil {
				out[i].Value = pctValue(*r)
			}
		}
		return out
	}

	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(chartUseRatesID, height, title,
		"截至 "+dateCN(m.AsOf)+"（"+month+"月度总结截止日）　单位：%")...)
	b.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{
			Trigger:        "axis",
			ValueFormatter: opts.FuncOpts("function(v){return typeof v==='number'?v.toFixed(1)+'%':'" + noValue + "';}"),
		}),
		charts.WithGridOpts(opts.Grid{Top: "100", Left: "56", Right: "20", Bottom: "40"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", FontSize: 11}}),
		charts.WithYAxisOpts(opts.YAxis{
			Name:      "比率（%）",
			Type:      "value",
			Min:       0,
			Max:       100,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Formatter: "{value}%"},
		}),
	)
	b.SetXAxis(names)
	bars := charts.WithBarChartOpts(opts.BarChart{BarGap: "10%", BarCategoryGap: "30%"})
	b.AddSeries("基础信息及时率", series(func(c metrics.CountyTimeliness) *float64 { return c.BaseinfoTimelyRate }), bars)
	b.AddSeries("服务记录及时率", series(func(c metrics.CountyTimeliness) *float64 { return c.ServiceTimelyRate }), bars)
	b.AddSeries("月度总结按时率", series(func(c metrics.CountyTimeliness) *float64 { return c.SummaryOntimeRate }), bars)
	return chartOf(b, chartUseRatesID, title, height)
}
