package dashboards

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sgz/metrics"
)

// CountiesFile lists the counties with a link to each county's page;
// CountiesCSV is its table.
const (
	CountiesFile = "counties.html"
	CountiesCSV  = "counties.csv"
)

// Chart IDs of a county page.
const (
	chartCountyTrendID = "chart_county_trend"
	chartCountyUseID   = "chart_county_use"
)

// CountyFile is the page of the county with code; CountyCSV its
// townships' table as CSV.
func CountyFile(code string) string { return "county-" + code + ".html" }

// CountyCSV is the file of a county's townships table.
func CountyCSV(code string) string { return "county-" + code + "-townships.csv" }

// countyLink is a cell naming a county that links to its page.
func countyLink(code, name string) cell {
	c := headCell(name)
	if code != metrics.CityCode && code != "" {
		c.Href = CountyFile(code)
	}
	return c
}

var (
	countyTmpl   = pageTemplate("county.html.tmpl")
	countiesTmpl = pageTemplate("counties.html.tmpl")
)

// countyPage is what county.html.tmpl reads.
type countyPage struct {
	pageMeta
	County     string
	Unreported bool
	KPIs       []kpi
	// Bulletin is a sentence on the county in the latest bulletin.
	Bulletin  string
	Townships dataTable
}

// buildCountyFiles writes one page and one CSV for every county: a
// template filled from the data, not a page per county by hand.
func buildCountyFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	counties, _, err := splitCity(s.Counties, indicatorCode)
	if err != nil {
		return nil, err
	}
	byCounty := map[string][]metrics.TownshipStation{}
	for _, t := range s.Townships {
		byCounty[t.CountyCode] = append(byCounty[t.CountyCode], t)
	}
	var files []siteFile
	for _, c := range counties {
		p := countyPage{pageMeta: newPageMeta(s, c.County+"乡镇（街道）社工站情况", CountyFile(c.CountyCode), nav),
			County: c.County, Unreported: !c.Reported()}
		p.SourcesNote = "只列 " + c.County + " 的台账"
		p.Sources = slices.DeleteFunc(p.Sources, func(r sourceRow) bool { return r.Kind == fileClassCN("ledger") && r.County != c.County })
		p.KPIs = countyKPIs(s, c)
		p.Bulletin = bulletinLine(s, c.CountyCode)
		var records [][]string
		p.Townships, records = townshipsTable(s, c, byCounty[c.CountyCode])
		p.Definitions = []string{
			"运营：有在岗驻站社工且近 " + strconv.Itoa(s.OperatingWindowDays) + " 天内有服务记录；挂牌未运营：挂牌满 " + strconv.Itoa(s.OperatingWindowDays) + " 天仍未运营，“自”为按数据推算的未运营起始日。",
			"阶段：起步须有独立场地、制度、统一标识、在岗驻站社工且近 " + strconv.Itoa(s.StartupWindowDays) + " 天有服务；提升另须近3个完整月月均服务、服务类型和资源链接达标；专业另须全员持证、有特色项目且个案、小组、社区活动占比达标。“距下一阶段尚缺”列出尚未达到的条件（定义见 docs/indicators.md）。",
		}
		county := s
		county.Monthly = s.CountyMonthly[c.CountyCode]
		trend, err := monthlyTrend(county.Snapshot, c, chartCountyTrendID, c.County+"已建站点与服务量月度趋势")
		if err != nil {
			return nil, err
		}
		use, err := countyUseTrend(s, c)
		if err != nil {
			return nil, err
		}
		p.Charts = []chartBlock{trend, use}
		p.Scripts = []string{echartsScript}
		page, err := renderPage(countyTmpl, CountyFile(c.CountyCode), p)
		if err != nil {
			return nil, err
		}
		csv, err := csvFile(CountyCSV(c.CountyCode), withAsOf(records, s.AsOf))
		if err != nil {
			return nil, err
		}
		files = append(files, page, csv)
	}
	list, err := countiesPage(s, counties, nav)
	if err != nil {
		return nil, err
	}
	return append(files, list...), nil
}

func countyKPIs(s metrics.Site, c metrics.CountyIndicators) []kpi {
	if !c.Reported() {
		return []kpi{{Label: "台账", Value: notReported, Note: "截至 " + dateCN(s.AsOf) + " 无台账", Pending: true}}
	}
	stages := noValue
	if c.StageStartup != nil {
		stages = fmt.Sprintf("%d / %d / %d", *c.StageStartup, *c.StageImproving, *c.StageProfessional)
	}
	return []kpi{
		{Label: "覆盖率", Value: pctText(c.CoverageRate), Note: intText(c.StationsEstablished) + " / " + strconv.Itoa(c.TownshipsInScope) + " 个乡镇（街道）已建站"},
		{Label: "运营站点", Value: intText(c.StationsOperating), Unit: "个", Note: "运营率 " + pctText(c.OperatingRate)},
		{Label: "驻站社工", Value: intText(c.ResidentWorkers), Unit: "人", Note: "持证率 " + pctText(c.CertificationRate) + "，专职率 " + pctText(c.FulltimeRate)},
		{Label: "本月服务（" + monthCN(s.AsOf) + "）", Value: strconv.Itoa(c.ServicesMonth), Unit: "次", Note: strconv.Itoa(c.PersonTimesMonth) + " 人次"},
		{Label: "起步 / 提升 / 专业", Value: stages, Unit: "个", Note: "提升及以上 " + pctText(c.ImprovingOrAboveRate) + "；全员持证站 " + intText(c.StationsFullyCertified) + " 个"},
	}
}

// bulletinLine says where the county stands in the latest bulletin month.
func bulletinLine(s metrics.Site, code string) string {
	latest, _, ranks := latestRanks(byMonth(s.Use), s.UseWarning)
	if latest == nil {
		return ""
	}
	for _, r := range ranks {
		if r.CountyCode != code {
			continue
		}
		line := useMonthLabel(latest.Month) + "系统使用情况（按 " + dateCN(latest.AsOf) + " 计算）："
		if r.Rank == 0 {
			return line + "无应计数据，未参加排名。"
		}
		line += "得分 " + scoreText(r.SystemUseScore) + " 分，全市第 " + strconv.Itoa(r.Rank) + " 名（共 " + strconv.Itoa(len(ranks)) + " 个县(市、区)）"
		if c := r.Change(); c != "" {
			line += "，较上月" + c
		}
		if r.Mark != "" {
			line += "；须提交书面说明及整改方案"
		}
		return line + "。"
	}
	return ""
}

// townshipColumns are the columns of a county's townships table; the CSV
// adds 乡镇代码 after the name and 数据截至 last.
func townshipColumns(s metrics.Site) []string {
	return []string{"乡镇(街道)", "站点", "挂牌时间", "运营状态", "驻站社工", "持证", "专职",
		"近" + strconv.Itoa(s.OperatingWindowDays) + "天服务", "近" + strconv.Itoa(s.StartupWindowDays) + "天服务", "阶段", "距下一阶段尚缺"}
}

// townshipsTable lists every in-scope township of the county, those
// without a station as gaps.
func townshipsTable(s metrics.Site, c metrics.CountyIndicators, towns []metrics.TownshipStation) (dataTable, [][]string) {
	cols := townshipColumns(s)
	built := 0
	for _, t := range towns {
		if t.HasStation() {
			built++
		}
	}
	t := dataTable{
		ID: "townships", Title: "各乡镇（街道）站点", Class: "wide", Columns: cols,
		CSV:   CountyCSV(c.CountyCode),
		Note:  fmt.Sprintf("应建 %d 个，已建 %d 个，未建 %d 个。", len(towns), built, len(towns)-built),
		Empty: "参考数据中没有该县(市、区)的乡镇（街道）。",
	}
	if !c.Reported() {
		t.Note = "截至 " + dateCN(s.AsOf) + " 该县(市、区)未报送台账，各乡镇（街道）站点情况不详。"
	}
	records := [][]string{append([]string{cols[0], "乡镇代码"}, cols[1:]...)}
	for _, tw := range towns {
		status := tw.Status
		if tw.NotOperatingSince != nil {
			status += "（自 " + dateISO(*tw.NotOperatingSince) + "）"
		}
		values := []string{tw.Stations, dateISOOr(tw.Established), status, intText(tw.Workers), intText(tw.Certified), intText(tw.Fulltime),
			intText(tw.ServicesOperatingWindow), intText(tw.ServicesStartupWindow), tw.Stage, tw.Missing}
		records = append(records, append([]string{tw.Township, tw.TownshipCode}, values...))
		row := viewRow{Cells: []cell{{Text: tw.Township, Head: true, Title: tw.TownshipCode}}}
		for i, v := range values {
			switch {
			case v == "" || v == noValue:
				row.Cells = append(row.Cells, textCell(noValue))
			case i == 2 && tw.Status != "运营中":
				badge := cell{Text: tw.Status, Badge: true}
				if tw.NotOperatingSince != nil {
					badge.Sub = "自 " + dateISO(*tw.NotOperatingSince)
				}
				row.Cells = append(row.Cells, badge)
			case i >= 3 && i <= 7:
				row.Cells = append(row.Cells, numCell(v))
			default:
				row.Cells = append(row.Cells, cell{Text: v, Wrap: i == 0 || i == 9})
			}
		}
		switch tw.Status {
		case "未建站":
			row.Class = "gap"
		case "挂牌未运营":
			row.Class = "risk"
		case notReported:
			row.Class = "unreported"
		}
		t.Rows = append(t.Rows, row)
	}
	if len(towns) > 0 {
		t.Empty = ""
	}
	return t, records
}

// countyUseTrend draws the county's three timeliness rates and its score
// for every bulletin month, each as of that month's summary deadline.
func countyUseTrend(s metrics.Site, c metrics.CountyIndicators) (chartBlock, error) {
	const height = 400
	title := c.County + "系统使用月度趋势"
	months := byMonth(s.Use)
	if len(months) == 0 {
		return chartBlock{ID: chartCountyUseID, Title: title, Width: chartWidth, Height: height,
			Empty: "暂无月度总结截止日已到的月份（" + asOfNote(s.Snapshot) + "）"}, nil
	}
	labels := make([]string, len(months))
	series := [4][]opts.LineData{}
	for i, m := range months {
		labels[i] = m.Month
		var row *metrics.CountyTimeliness
		for j := range m.Counties {
			if m.Counties[j].CountyCode == c.CountyCode {
				row = &m.Counties[j]
			}
		}
		for k := range series {
			series[k] = append(series[k], opts.LineData{Value: "-"})
		}
		if row == nil {
			continue
		}
		for k, r := range []*float64{row.BaseinfoTimelyRate, row.ServiceTimelyRate, row.SummaryOntimeRate} {
			if r != nil {
				series[k][i].Value = pctValue(*r)
			}
		}
		if row.SystemUseScore != nil {
			series[3][i].Value = scoreValue(row.SystemUseScore)
		}
	}
	l := charts.NewLine()
	l.SetGlobalOptions(baseOpts(chartCountyUseID, height, title,
		"各月按该月月度总结截止日计算　比率：%；得分：分（满分 100）")...)
	l.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "56", Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Top: "110", Left: "48", Right: "28", Bottom: "56"}),
		charts.WithXAxisOpts(monthAxis(len(months))),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
	)
	l.SetXAxis(labels)
	styles := []struct {
		name, color, dash string
		width             float32
	}{
		{"基础信息及时率（%）", "#41b6c4", "dotted", 2},
		{"服务记录及时率（%）", colorOrange, "dashed", 2},
		{"月度总结按时率（%）", "#7f7f7f", "dashed", 2},
		{"系统使用得分", colorBlue, "solid", 3.5},
	}
	for k, st := range styles {
		opt := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 6, ConnectNulls: opts.Bool(false)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: st.color}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: st.color, Type: st.dash, Width: st.width}),
		}
		if k == 3 {
			opt = append(opt, warningLine(s.UseWarning)...)
		}
		l.AddSeries(st.name, series[k], opt...)
	}
	return chartOf(l, chartCountyUseID, title, height)
}

// countiesPage lists the counties, each linking to its page, with the
// figures a leader picks a county by.
func countiesPage(s metrics.Site, counties []metrics.CountyIndicators, nav []navLink) ([]siteFile, error) {
	p := struct {
		pageMeta
		Table dataTable
	}{pageMeta: newPageMeta(s, "各县（市、区）社工站情况", CountiesFile, nav)}
	cols := []string{"县(市、区)", "覆盖率", "已建/应建", "运营率", "持证率", "起步 / 提升 / 专业", "系统使用得分"}
	p.Table = dataTable{ID: "counties", Title: "各县（市、区）", Note: "点击县(市、区)名称查看各乡镇（街道）站点明细；系统使用得分按截至 " + dateCN(s.AsOf) + " 的数据。",
		Class: "wide", Columns: cols, CSV: CountiesCSV}
	records := [][]string{append([]string{"区划代码"}, cols...)}
	for _, c := range counties {
		stages := noValue
		if c.StageStartup != nil {
			stages = fmt.Sprintf("%d / %d / %d", *c.StageStartup, *c.StageImproving, *c.StageProfessional)
		}
		values := []string{pctText(c.CoverageRate), intText(c.StationsEstablished) + "/" + strconv.Itoa(c.TownshipsInScope),
			pctText(c.OperatingRate), pctText(c.CertificationRate), stages, scoreText(c.SystemUseScore)}
		row := viewRow{Cells: []cell{countyLink(c.CountyCode, c.County)}}
		if !c.Reported() {
			row.Class = "unreported"
			values[0], values[1] = notReported, noValue
			row.Cells = append(row.Cells, cell{Text: notReported, Badge: true})
			for _, v := range values[1:] {
				row.Cells = append(row.Cells, numCell(v))
			}
		} else {
			for _, v := range values {
				row.Cells = append(row.Cells, numCell(v))
			}
		}
		p.Table.Rows = append(p.Table.Rows, row)
		records = append(records, append([]string{c.CountyCode, c.County}, values...))
	}
	page, err := renderPage(countiesTmpl, CountiesFile, p)
	if err != nil {
		return nil, err
	}
	csv, err := csvFile(CountiesCSV, withAsOf(records, s.AsOf))
	return []siteFile{page, csv}, err
}
