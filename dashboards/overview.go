package dashboards

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sgz/metrics"
)

// Files of the overview page, relative to the site folder.
const (
	OverviewFile   = "index.html"
	IndicatorsFile = "indicators.csv"
)

const overviewTitle = "晋中市乡镇（街道）社工站建设情况总览"

const useScoreLabel = "系统使用得分"

// buildOverviewFiles renders index.html and its CSVs. With nav nil the page
// stands alone (WriteOverview): no navigation and no coverage outlook.
func buildOverviewFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	page, err := buildOverview(s.Snapshot)
	if err != nil {
		return nil, err
	}
	meta := newPageMeta(s, overviewTitle, OverviewFile, nav)
	meta.Scripts, meta.Charts, meta.Definitions = page.Scripts, page.Charts, page.Definitions
	page.pageMeta = meta
	var files []siteFile
	if nav != nil {
		table, records := outlookTable(s.Outlooks)
		page.Outlook = &table
		page.AtRisk = atRisk(s.Outlooks)
		f, err := csvFile(OutlookFile, withAsOf(records, s.AsOf))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if nav != nil {
		// in the site, each county's name leads to its page
		for i, r := range page.Rows {
			page.Table.Rows[i].Cells[0] = countyLink(r.Code, r.Cells[0])
		}
		for i := range page.Charts {
			page.Charts[i].Links = countyLinks(s.Counties)
		}
		page.KPIs = withBulletinScore(page.KPIs, s)
	}
	html, err := renderPage(overviewTmpl, OverviewFile, page)
	if err != nil {
		return nil, err
	}
	indicators, err := indicatorsCSV(page.Rows, page.City, s.Snapshot)
	if err != nil {
		return nil, err
	}
	return append([]siteFile{html, indicators}, files...), nil
}

// overviewPage is what the template reads.
type overviewPage struct {
	pageMeta
	Month      string
	KPIs       []kpi
	Unreported []string
	// AtRisk names the counties whose coverage outlook is a risk, with
	// their status; Outlook is the 全覆盖进度预警 table (nil when the page
	// stands alone).
	AtRisk  []string
	Outlook *dataTable
	Table   dataTable
	// Rows and City feed indicators.csv.
	Rows []tableRow
	City tableRow
}

// kpi is one card. Value is the big figure; Unit follows it; Note is the
// line below. Pending marks a figure not computed yet (待计算).
type kpi struct {
	Label, Value, Unit, Note string
	Pending                  bool
}

// tableRow is one county (or the city total) as shown in the table and the
// CSV: Cells follow tableColumns.
type tableRow struct {
	Code       string
	Cells      []string
	Unreported bool
}

// tableColumns are the headers of the county table and of indicators.csv
// (which adds 区划代码 first and 数据截至 last).
var tableColumns = []string{
	"县(市、区)", "填报日期", "乡镇数", "已建站", "覆盖率", "运营", "运营率",
	"驻站社工", "持证", "持证率", "专职率", "本月服务", "服务人次",
}

func buildOverview(s metrics.Snapshot) (overviewPage, error) {
	if s.AsOf.IsZero() {
		return overviewPage{}, fmt.Errorf("dashboards: snapshot has no as-of date")
	}
	counties, city, err := splitCity(s.Counties, indicatorCode)
	if err != nil {
		return overviewPage{}, err
	}
	p := overviewPage{
		pageMeta: newPageMeta(metrics.Site{Snapshot: s}, overviewTitle, OverviewFile, nil),
		Month:    monthCN(s.AsOf),
	}
	p.Scripts = []string{echartsScript, jinzhongScript}
	p.MapLabelPoints, p.MapName = mapLabelPointsJS(), MapName
	p.Definitions = []string{
		"覆盖率 = 已建站乡镇（街道）/ 应建乡镇（街道）；运营率 = 运营站点 / 已建站点；持证率、专职率以驻站社工为分母。比率保留一位小数；“—”表示无数据或分母为零，“未报送”表示截至 " + p.AsOf + " 该县(市、区)无台账。",
	}
	for _, c := range counties {
		p.Rows = append(p.Rows, countyRow(c, false))
		if !c.Reported() {
			p.Unreported = append(p.Unreported, c.County)
		}
	}
	p.City = countyRow(city, true)
	p.KPIs = cityKPIs(s, city)
	p.Table = indicatorsTable(p.Rows, p.City, p.Month)

	for _, build := range []func() (chartBlock, error){
		func() (chartBlock, error) { return coverageMap(s, counties) },
		func() (chartBlock, error) { return coverageBar(s, counties) },
		func() (chartBlock, error) {
			return monthlyTrend(s, city, chartTrendID, "全市已建站点与服务量月度趋势")
		},
		func() (chartBlock, error) { return stageMix(s, counties) },
	} {
		c, err := build()
		if err != nil {
			return overviewPage{}, err
		}
		p.Charts = append(p.Charts, c)
	}
	return p, nil
}

func countyRow(c metrics.CountyIndicators, isCity bool) tableRow {
	ledger := notReported
	switch {
	case c.LedgerDate != nil:
		ledger = dateISO(*c.LedgerDate)
	case isCity:
		// The city has no ledger of its own; its row sums the counties'.
		ledger = noValue
	}
	return tableRow{
		Code:       c.CountyCode,
		Unreported: !isCity && !c.Reported(),
		Cells: []string{
			c.County,
			ledger,
			strconv.Itoa(c.TownshipsInScope),
			intText(c.StationsEstablished),
			pctText(c.CoverageRate),
			intText(c.StationsOperating),
			pctText(c.OperatingRate),
			intText(c.ResidentWorkers),
			intText(c.CertifiedWorkers),
			pctText(c.CertificationRate),
			pctText(c.FulltimeRate),
			strconv.Itoa(c.ServicesMonth),
			strconv.Itoa(c.PersonTimesMonth),
		},
	}
}

// indicatorsTable is the county table of the page: the county as row
// header, 未报送 as a badge, the city total in the footer.
func indicatorsTable(rows []tableRow, city tableRow, month string) dataTable {
	view := func(r tableRow, name string) viewRow {
		v := viewRow{Cells: []cell{headCell(name)}}
		if r.Unreported {
			v.Class = "unreported"
		}
		for i, c := range r.Cells[1:] {
			switch {
			case i == 0 && c == notReported:
				v.Cells = append(v.Cells, cell{Text: c, Badge: true})
			default:
				v.Cells = append(v.Cells, numCell(c))
			}
		}
		return v
	}
	t := dataTable{
		ID:      "indicators",
		Title:   "各县（市、区）指标",
		Note:    "本月服务为 " + month + "。",
		CSV:     IndicatorsFile,
		Class:   "wide",
		Columns: tableColumns,
		Foot:    []viewRow{view(city, city.Cells[0]+"（合计）")},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, view(r, r.Cells[0]))
	}
	return t
}

func cityKPIs(s metrics.Snapshot, c metrics.CountyIndicators) []kpi {
	coverageNote := "已建站乡镇（街道）/ 应建"
	if s.CoverageTarget > 0 {
		coverageNote = "目标 " + numberText(pctValue(s.CoverageTarget)) + "%"
		if !s.CoverageDeadline.IsZero() {
			coverageNote += "（" + dateISO(s.CoverageDeadline) + " 前）"
		}
	}
	score := kpi{Label: useScoreLabel, Value: noValue, Note: "待计算", Pending: true}
	if c.SystemUseScore != nil {
		score = kpi{Label: useScoreLabel, Value: scoreText(c.SystemUseScore), Unit: "分", Note: "截至当日口径；月度排名见“系统使用”"}
	}
	return []kpi{
		{Label: "覆盖率", Value: pctText(c.CoverageRate), Note: coverageNote},
		{Label: "已建站点", Value: intText(c.StationsEstablished) + " / " + strconv.Itoa(c.TownshipsInScope), Unit: "个", Note: "已建站乡镇（街道）/ 应建"},
		{Label: "运营站点", Value: intText(c.StationsOperating), Unit: "个", Note: "运营率 " + pctText(c.OperatingRate)},
		{Label: "驻站社工", Value: intText(c.ResidentWorkers), Unit: "人", Note: "其中持证 " + intText(c.CertifiedWorkers) + " 人"},
		{Label: "持证率", Value: pctText(c.CertificationRate), Note: "专职率 " + pctText(c.FulltimeRate)},
		{Label: "本月服务（" + monthCN(s.AsOf) + "）", Value: strconv.Itoa(c.ServicesMonth), Unit: "次", Note: "服务 " + strconv.Itoa(c.PersonTimesMonth) + " 人次"},
		score,
	}
}

// indicatorsCSV is the county table as CSV: the county rows in code order
// and the city total last, with 区划代码 first and 数据截至 last.
func indicatorsCSV(rows []tableRow, city tableRow, s metrics.Snapshot) (siteFile, error) {
	records := [][]string{append([]string{"区划代码"}, tableColumns...)}
	for _, r := range append(slices.Clone(rows), city) {
		records = append(records, append([]string{r.Code}, r.Cells...))
	}
	return csvFile(IndicatorsFile, withAsOf(records, s.AsOf))
}

// withAsOf appends a 数据截至 column to a table's records (header first).
func withAsOf(records [][]string, asOf time.Time) [][]string {
	out := make([][]string, len(records))
	for i, r := range records {
		v := dateISO(asOf)
		if i == 0 {
			v = "数据截至"
		}
		out[i] = append(slices.Clone(r), v)
	}
	return out
}

// --- 全覆盖进度预警: the coverage outlook per county ---

// Outlook statuses (metrics.Outlook.Status) that call for action.
const (
	outlookDone    = "已完成"
	outlookRisk    = "存在不能按期完成风险"
	outlookOverdue = "逾期未完成"
)

// outlookLookback is the look-back of metrics.Outlook.PacePerMonth, in
// months (issue 4, "Early warning").
const outlookLookback = 3

var outlookColumns = []string{
	"县(市、区)", "已建/应建", "覆盖率", "近" + strconv.Itoa(outlookLookback) + "个月月均新建（个）", "预计完成日期", "状态",
}

func outlookAtRisk(o metrics.Outlook) bool {
	return o.Status == outlookRisk || o.Status == outlookOverdue
}

// outlookTable is the 全覆盖进度预警 table and its CSV records. Every county
// is listed, in code order; risk rows carry ⚠ and bold text.
func outlookTable(outlooks []metrics.Outlook) (dataTable, [][]string) {
	sorted := outlooksByCode(outlooks)
	t := dataTable{
		ID:      "outlook",
		Title:   "全覆盖进度预警",
		CSV:     OutlookFile,
		Class:   "wide",
		Columns: outlookColumns,
		Empty:   "暂无全覆盖进度数据。",
	}
	records := [][]string{append([]string{"区划代码"}, outlookColumns...)}
	done := 0
	for _, o := range sorted {
		built, coverage, pace := strconv.Itoa(o.Established)+"/"+strconv.Itoa(o.Target), pctText(&o.Coverage), decimalText(o.PacePerMonth)
		if o.Status == notReported {
			// No ledger: the figures would read as zero.
			built, coverage, pace = noValue, noValue, noValue
		}
		records = append(records, []string{o.CountyCode, o.County, built, coverage, pace, dateISOOr(o.Projected), o.Status})
		status := textCell(o.Status)
		row := viewRow{}
		switch {
		case outlookAtRisk(o):
			row.Class = "risk"
			status = cell{Text: "⚠ " + o.Status, Strong: true}
		case o.Status == notReported:
			row.Class = "unreported"
			status = cell{Text: o.Status, Badge: true}
		case o.Status == outlookDone:
			done++
		}
		row.Cells = []cell{countyLink(o.CountyCode, o.County), numCell(built), numCell(coverage), numCell(pace), numCell(dateCNOr(o.Projected)), status}
		t.Rows = append(t.Rows, row)
	}
	if len(sorted) > 0 {
		t.Empty = ""
		t.Note = fmt.Sprintf("%d 个县(市、区)中已完成 %d 个。", len(sorted), done)
		t.After = []string{
			"近" + strconv.Itoa(outlookLookback) + "个月月均新建：最近 " + strconv.Itoa(outlookLookback) + " 个月平均每月新建站点数，保留一位小数；预计完成日期按此速度推算，“—”表示已完成或无法推算（近期无新建）。⚠ 加粗行为存在不能按期完成风险或逾期未完成的县(市、区)。",
		}
	}
	return t, records
}

// atRisk lists the counties whose outlook calls for action, as "榆社县（存在
// 不能按期完成风险）", in code order.
func atRisk(outlooks []metrics.Outlook) []string {
	var out []string
	for _, o := range outlooksByCode(outlooks) {
		if outlookAtRisk(o) {
			out = append(out, o.County+"（"+o.Status+"）")
		}
	}
	return out
}

func outlooksByCode(outlooks []metrics.Outlook) []metrics.Outlook {
	sorted := slices.Clone(outlooks)
	slices.SortStableFunc(sorted, func(a, b metrics.Outlook) int { return strings.Compare(a.CountyCode, b.CountyCode) })
	return sorted
}

// withBulletinScore says, on the system-use card, that its score is as of
// the page's date and what the latest bulletin month (as of its own
// deadline) gave, so that the two figures explain each other.
func withBulletinScore(kpis []kpi, s metrics.Site) []kpi {
	if len(s.Use) == 0 {
		return kpis
	}
	latest := slices.MaxFunc(s.Use, func(a, b metrics.UseMonth) int { return strings.Compare(a.Month, b.Month) })
	var city *float64
	for _, c := range latest.Counties {
		if c.CountyCode == metrics.CityCode {
			city = c.SystemUseScore
		}
	}
	for i := range kpis {
		if kpis[i].Label == useScoreLabel && !kpis[i].Pending {
			kpis[i].Note = "按截至 " + dateCN(s.AsOf) + " 的数据；" + useMonthLabel(latest.Month) + "通报（按 " + dateCN(latest.AsOf) + " 计算）为 " + scoreText(city) + " 分"
		}
	}
	return kpis
}
