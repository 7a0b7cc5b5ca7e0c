package dashboards

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sgz/metrics"
)

// Files of the overview page, relative to the site folder.
const (
	OverviewFile   = "index.html"
	IndicatorsFile = "indicators.csv"
)

const overviewTitle = "晋中市乡镇（街道）社工站建设情况总览"

//go:embed templates/overview.html.tmpl
var overviewTmplText string

var overviewTmpl = template.Must(template.New("overview").Parse(overviewTmplText))

// WriteOverview writes the 总览 overview page for s into dir: index.html,
// indicators.csv (the page's table) and the assets/ scripts the page loads.
// dir is created if needed; existing files of the same names are replaced.
//
// s must contain the city total row (CountyCode == metrics.CityCode).
func WriteOverview(dir string, s metrics.Snapshot) error {
	page, err := buildOverview(s)
	if err != nil {
		return err
	}
	var htmlOut bytes.Buffer
	if err := overviewTmpl.Execute(&htmlOut, page); err != nil {
		return fmt.Errorf("dashboards: rendering %s: %w", OverviewFile, err)
	}
	csvOut, err := indicatorsCSV(page.Rows, page.City, s)
	if err != nil {
		return err
	}
	// Assets first: they fail when the binary was built without them, and
	// a page without its scripts should not be left behind.
	if err := WriteAssets(dir); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, OverviewFile), htmlOut.Bytes(), 0o644); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndicatorsFile), csvOut, 0o644); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	return nil
}

// overviewPage is what the template reads.
type overviewPage struct {
	Title          string
	AsOf           string
	AsOfISO        string
	Month          string
	Sources        []sourceRow
	KPIs           []kpi
	Unreported     []string
	Charts         []chartBlock
	Columns        []string
	Rows           []tableRow
	City           tableRow
	IndicatorsFile string
}

type sourceRow struct {
	FileName, Kind, County, ReportDate, SHA256 string
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
	var city *metrics.CountyIndicators
	var counties []metrics.CountyIndicators
	for i := range s.Counties {
		c := s.Counties[i]
		if c.CountyCode == metrics.CityCode {
			if city != nil {
				return overviewPage{}, fmt.Errorf("dashboards: snapshot has two city total rows (%s)", metrics.CityCode)
			}
			city = &s.Counties[i]
			continue
		}
		counties = append(counties, c)
	}
	if city == nil {
		return overviewPage{}, fmt.Errorf("dashboards: snapshot has no city total row (county_code %s)", metrics.CityCode)
	}
	// Code order, whatever order the snapshot came in.
	slices.SortStableFunc(counties, func(a, b metrics.CountyIndicators) int {
		return strings.Compare(a.CountyCode, b.CountyCode)
	})

	p := overviewPage{
		Title:          overviewTitle,
		AsOf:           dateCN(s.AsOf),
		AsOfISO:        dateISO(s.AsOf),
		Month:          monthCN(s.AsOf),
		Columns:        tableColumns,
		IndicatorsFile: IndicatorsFile,
	}
	for _, src := range s.Sources {
		r := sourceRow{FileName: src.FileName, Kind: src.Kind, County: src.CountyName, ReportDate: noValue, SHA256: src.SHA256}
		if src.ReportDate != nil {
			r.ReportDate = dateISO(*src.ReportDate)
		}
		if len(r.SHA256) > 12 {
			r.SHA256 = r.SHA256[:12]
		}
		p.Sources = append(p.Sources, r)
	}
	for _, c := range counties {
		p.Rows = append(p.Rows, countyRow(c, false))
		if !c.Reported() {
			p.Unreported = append(p.Unreported, c.County)
		}
	}
	p.City = countyRow(*city, true)
	p.KPIs = cityKPIs(s, *city)

	for _, build := range []func() (chartBlock, error){
		func() (chartBlock, error) { return coverageMap(s, counties) },
		func() (chartBlock, error) { return coverageBar(s, counties) },
		func() (chartBlock, error) { return monthlyTrend(s, *city) },
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

func cityKPIs(s metrics.Snapshot, c metrics.CountyIndicators) []kpi {
	coverageNote := "已建站乡镇（街道）/ 应建"
	if s.CoverageTarget > 0 {
		coverageNote = "目标 " + strconv.FormatFloat(pctValue(s.CoverageTarget), 'f', -1, 64) + "%"
		if !s.CoverageDeadline.IsZero() {
			coverageNote += "（" + dateISO(s.CoverageDeadline) + " 前）"
		}
	}
	score := kpi{Label: "系统使用得分", Value: noValue, Note: "待计算", Pending: true}
	if c.SystemUseScore != nil {
		score = kpi{Label: "系统使用得分", Value: strconv.FormatFloat(math.Round(*c.SystemUseScore*10)/10, 'f', 1, 64), Unit: "分", Note: "满分 100"}
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

// indicatorsCSV writes the table as CSV: UTF-8 with a byte order mark so that
// Excel reads the Chinese, CRLF line ends, the county rows in code order and
// the city total last.
func indicatorsCSV(rows []tableRow, city tableRow, s metrics.Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	header := append(append([]string{"区划代码"}, tableColumns...), "数据截至")
	records := [][]string{header}
	for _, r := range append(slices.Clone(rows), city) {
		records = append(records, append(append([]string{r.Code}, r.Cells...), dateISO(s.AsOf)))
	}
	if err := w.WriteAll(records); err != nil {
		return nil, fmt.Errorf("dashboards: writing %s: %w", IndicatorsFile, err)
	}
	return buf.Bytes(), nil
}
