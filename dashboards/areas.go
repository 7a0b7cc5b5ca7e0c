package dashboards

import (
	"fmt"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sgz/metrics"
)

// The pages of a scope wider than the city (docs/decisions.md, "Province
// and national scope"): areas.html for the top (the province, or the
// country) and its provinces or cities, and one page for each area below
// it that has areas of its own (a province's cities, a city's counties),
// all from the system exports (metrics.AreaIndicators).
const (
	AreasFile    = "areas.html"
	AreasCSVFile = "areas.csv"
	chartAreasID = "chart_areas"
)

var areasTmpl = pageTemplate("areas.html.tmpl")

// AreaFile is the page of one area below the top.
func AreaFile(code string) string { return "area-" + code + ".html" }

type areasPage struct {
	pageMeta
	Intro string
	Table dataTable
}

// areaLevelCN names a level of areas in Chinese.
var areaLevelCN = map[string]string{"country": "全国", "province": "省（区、市）", "city": "市（地、州、盟）", "county": "县（市、区）"}

// areasNav is the navigation of a site with areas: the city's pages and
// the top area's page first.
func areasNav(s metrics.Site) []navLink {
	nav := siteNav()
	if len(s.Areas) == 0 {
		return nav
	}
	return append([]navLink{{Href: AreasFile, Label: s.Areas[0].Name}}, nav...)
}

func buildAreaFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	if len(s.Areas) == 0 {
		return nil, nil
	}
	top := s.Areas[0]
	if top.Parent != "" {
		return nil, fmt.Errorf("dashboards: areas: the first area %s %s has a parent", top.Code, top.Name)
	}
	children := map[string][]metrics.AreaIndicators{}
	for _, a := range s.Areas[1:] {
		children[a.Parent] = append(children[a.Parent], a)
	}
	byLevel := func(a metrics.AreaIndicators) string { return a.Level + a.Code }
	parents := map[string]metrics.AreaIndicators{}
	for _, a := range s.Areas {
		parents[byLevel(a)] = a
	}
	up := map[string]string{"county": "city", "city": "province", "province": "country"}
	// the scope's exports: every loaded one (the city's pages list only
	// the files of the city's figures)
	exports := 0
	for _, f := range s.Files {
		if f.Class == "export" && !f.Replaced {
			exports++
		}
	}
	var files []siteFile
	for _, a := range s.Areas {
		if a.Level == "county" {
			continue
		}
		kids := children[a.Code]
		if a.Level == "city" {
			// a city's children are counties: the city 441900 is also the
			// county 441900, whose parent it is
			kids = filterLevel(kids, "county")
		} else {
			kids = filterLevel(kids, map[string]string{"country": "province", "province": "city"}[a.Level])
		}
		file := AreaFile(a.Code)
		title := a.Name + "乡镇（街道）社工站系统使用情况"
		if a.Parent == "" {
			file = AreasFile
		}
		p := areasPage{pageMeta: newPageMeta(s, title, file, nav)}
		// the exports of the whole scope: listed on the data-quality page
		p.Sources, p.SourcesCount = nil, exports
		p.SourcesNote = "已载入的全部系统导出；本页各项均取自信息系统导出（不含县级台账），文件清单见“数据质量”页的已载入文件"
		if a.Parent != "" {
			parent := parents[up[a.Level]+a.Parent]
			p.Intro = "上级：" + parent.Name
		}
		p.Definitions = []string{
			"已建站：截至当日系统中有未撤销站点（建站日期不晚于当日）的计入覆盖范围的乡镇（街道）数；覆盖率 = 已建站 / 乡镇数。",
			"运营：近 " + strconv.Itoa(s.OperatingWindowDays) + " 天有服务记录（截至当日已录入）的站点；系统不含驻站人员，台账口径另要求有在岗社工。",
			"三项及时率和系统使用得分的口径同“系统使用”页；上级区域的比率由下级的计数相加后计算，不是比率的平均。",
		}
		p.Table = areaTable(a, kids, children)
		if len(kids) > 0 {
			chart, err := areasBar(a, kids)
			if err != nil {
				return nil, err
			}
			p.Charts = []chartBlock{chart}
			p.Scripts = []string{echartsScript}
		}
		page, err := renderPage(areasTmpl, file, p)
		if err != nil {
			return nil, err
		}
		files = append(files, page)
	}
	records := [][]string{{"区划代码", "区域", "层级", "上级代码", "乡镇数", "已建站", "覆盖率", "运营", "运营率", "本月服务", "服务人次",
		"基础信息及时率", "服务记录及时率", "月度总结按时率", "系统使用得分"}}
	for _, a := range s.Areas {
		records = append(records, []string{a.Code, a.Name, areaLevelCN[a.Level], a.Parent, strconv.Itoa(a.TownshipsInScope),
			strconv.Itoa(a.StationsEstablished), pctText(a.CoverageRate), strconv.Itoa(a.StationsOperating), pctText(a.OperatingRate),
			strconv.Itoa(a.ServicesMonth), strconv.Itoa(a.PersonTimesMonth), pctText(a.BaseinfoTimelyRate),
			pctText(a.ServiceTimelyRate), pctText(a.SummaryOntimeRate), scoreText(a.SystemUseScore)})
	}
	f, err := csvFile(AreasCSVFile, withAsOf(records, s.AsOf))
	if err != nil {
		return nil, err
	}
	return append(files, f), nil
}

func filterLevel(as []metrics.AreaIndicators, level string) []metrics.AreaIndicators {
	var out []metrics.AreaIndicators
	for _, a := range as {
		if a.Level == level {
			out = append(out, a)
		}
	}
	return out
}

// areaTable lists kids, each linked to its own page when it has areas
// below it, and a (the sum) last.
func areaTable(a metrics.AreaIndicators, kids []metrics.AreaIndicators, children map[string][]metrics.AreaIndicators) dataTable {
	level := "下级区域"
	if len(kids) > 0 {
		level = areaLevelCN[kids[0].Level]
	}
	t := dataTable{ID: "areas", Title: a.Name + "各" + level, CSV: AreasCSVFile, CSVLabel: "下载 CSV（范围内全部区域）", Class: "wide",
		Columns: []string{level, "乡镇数", "已建站", "覆盖率", "运营", "运营率", "本月服务", "服务人次", "基础信息及时率", "服务记录及时率", "月度总结按时率", "系统使用得分"}}
	if len(kids) == 0 {
		t.Empty = a.Name + "没有下级区域。"
	}
	row := func(x metrics.AreaIndicators, head cell) viewRow {
		return viewRow{Cells: []cell{head, numCell(strconv.Itoa(x.TownshipsInScope)), numCell(strconv.Itoa(x.StationsEstablished)),
			numCell(pctText(x.CoverageRate)), numCell(strconv.Itoa(x.StationsOperating)), numCell(pctText(x.OperatingRate)),
			numCell(strconv.Itoa(x.ServicesMonth)), numCell(strconv.Itoa(x.PersonTimesMonth)), numCell(pctText(x.BaseinfoTimelyRate)),
			numCell(pctText(x.ServiceTimelyRate)), numCell(pctText(x.SummaryOntimeRate)), numCell(scoreText(x.SystemUseScore))}}
	}
	for _, k := range kids {
		head := headCell(k.Name)
		if k.Level != "county" && len(children[k.Code]) > 0 {
			head.Href = AreaFile(k.Code)
		}
		t.Rows = append(t.Rows, row(k, head))
	}
	t.Foot = []viewRow{row(a, headCell(a.Name+"（合计）"))}
	return t
}

// areasBar draws the coverage rate and the system use score of kids as
// horizontal bars, one row of two bars per area (31 provinces' names do
// not fit under vertical bars on a phone).
func areasBar(a metrics.AreaIndicators, kids []metrics.AreaIndicators) (chartBlock, error) {
	height := max(300, 130+30*len(kids))
	title := a.Name + "各" + areaLevelCN[kids[0].Level] + "覆盖率与系统使用得分"
	names := make([]string, len(kids))
	cov := make([]opts.BarData, len(kids))
	score := make([]opts.BarData, len(kids))
	for i, k := range kids {
		names[i] = k.Name
		cov[i], score[i] = opts.BarData{Value: "-"}, opts.BarData{Value: "-"}
		if k.CoverageRate != nil {
			cov[i].Value = pctValue(*k.CoverageRate)
		}
		if k.SystemUseScore != nil {
			score[i].Value = pctValue(*k.SystemUseScore / 100)
		}
	}
	b := charts.NewBar()
	b.SetGlobalOptions(baseOpts(chartAreasID, height, title, "系统导出口径　覆盖率单位：%，得分满分 100")...)
	b.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{
			Trigger:        "axis",
			ValueFormatter: opts.FuncOpts("function(v){return typeof v==='number'?v.toFixed(1):'" + noValue + "';}"),
		}),
		charts.WithGridOpts(opts.Grid{Top: "90", Left: "8", Right: "24", Bottom: "30", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", FontSize: 11}}),
	)
	b.SetXAxis(names)
	b.XYReversal()
	bars := charts.WithBarChartOpts(opts.BarChart{BarGap: "10%", BarCategoryGap: "30%"})
	b.AddSeries("覆盖率（%）", cov, bars)
	b.AddSeries("系统使用得分", score, bars)
	return chartOf(b, chartAreasID, title, height)
}
