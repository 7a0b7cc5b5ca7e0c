package dashboards

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgz/metrics"
)

// fixtureAreas: 山西省 with two cities, written by hand.
//
//	山西省 140000  1,000 townships, 900 stations → 90.0%; 800 operating → 88.9%
//	太原市 140100  400, 380 → 95.0%; 300 operating → 78.9%; score 81.25
//	  小店区 140105  100, 100 → 100.0%
//	  迎泽区 140106  300, 280 → 93.3%
//	晋中市 140700  600, 520 → 86.7%; 500 → 96.2%; no score (nothing due)
//	  榆次区 140702  600, 520
func fixtureAreas() []metrics.AreaIndicators {
	f := func(x float64) *float64 { return &x }
	return []metrics.AreaIndicators{
		{Code: "140000", Name: "山西省", Level: "province", TownshipsInScope: 1000, StationsEstablished: 900, CoverageRate: f(0.9),
			StationsOperating: 800, OperatingRate: f(800.0 / 900), ServicesMonth: 30000, PersonTimesMonth: 400000, SystemUseScore: f(81.25)},
		{Code: "140100", Name: "太原市", Level: "city", Parent: "140000", TownshipsInScope: 400, StationsEstablished: 380, CoverageRate: f(0.95),
			StationsOperating: 300, OperatingRate: f(300.0 / 380), ServicesMonth: 10000, PersonTimesMonth: 150000, SystemUseScore: f(81.25)},
		{Code: "140700", Name: "晋中市", Level: "city", Parent: "140000", TownshipsInScope: 600, StationsEstablished: 520, CoverageRate: f(520.0 / 600),
			StationsOperating: 500, OperatingRate: f(500.0 / 520), ServicesMonth: 20000, PersonTimesMonth: 250000},
		{Code: "140105", Name: "小店区", Level: "county", Parent: "140100", TownshipsInScope: 100, StationsEstablished: 100, CoverageRate: f(1)},
		{Code: "140106", Name: "迎泽区", Level: "county", Parent: "140100", TownshipsInScope: 300, StationsEstablished: 280, CoverageRate: f(280.0 / 300)},
		{Code: "140702", Name: "榆次区", Level: "county", Parent: "140700", TownshipsInScope: 600, StationsEstablished: 520, CoverageRate: f(520.0 / 600)},
	}
}

func TestAreaPages(t *testing.T) {
	s := fixtureSite()
	s.Areas = fixtureAreas()
	s.Files = append(s.Files, metrics.FileLoad{FileName: "站点信息_14.csv", Class: "export"}, metrics.FileLoad{FileName: "服务记录_14_2023-12.csv", Class: "export"},
		metrics.FileLoad{FileName: "服务记录_14_旧.csv", Class: "export", Replaced: true})
	dir := writeSiteFixture(t, s)
	top := readFile(t, filepath.Join(dir, AreasFile))
	body, foot := tableText(t, top, "areas")
	equalRows(t, "cities", append(body, foot...), [][]string{
		{"太原市", "400", "380", "95.0%", "300", "78.9%", "10000", "150000", "—", "—", "—", "81.25"},
		{"晋中市", "600", "520", "86.7%", "500", "96.2%", "20000", "250000", "—", "—", "—", "—"},
		{"山西省（合计）", "1000", "900", "90.0%", "800", "88.9%", "30000", "400000", "—", "—", "—", "81.25"},
	})
	for _, want := range []string{`href="area-140100.html"`, `href="area-140700.html"`, `id="chart_areas"`, "山西省各市（地、州、盟）覆盖率与系统使用得分",
		"数据来源：3 个文件；已载入的全部系统导出", `"yAxis":[{"type":"category"`} {
		if !strings.Contains(top, want) {
			t.Errorf("areas.html lacks %q", want)
		}
	}
	city := readFile(t, filepath.Join(dir, AreaFile("140100")))
	body, foot = tableText(t, city, "areas")
	equalRows(t, "counties", append(body, foot...), [][]string{
		{"小店区", "100", "100", "100.0%", "0", "—", "0", "0", "—", "—", "—", "—"},
		{"迎泽区", "300", "280", "93.3%", "0", "—", "0", "0", "—", "—", "—", "—"},
		{"太原市（合计）", "400", "380", "95.0%", "300", "78.9%", "10000", "150000", "—", "—", "—", "81.25"},
	})
	if !strings.Contains(city, "上级：山西省") || strings.Contains(city, `href="area-140105.html"`) {
		t.Error("太原市's page: no link up, or a link to a county page")
	}
	// no page for a county; every page of the city links the top page
	if _, err := os.Stat(filepath.Join(dir, AreaFile("140105"))); err == nil {
		t.Error("a county has a page")
	}
	if idx := readFile(t, filepath.Join(dir, OverviewFile)); !strings.Contains(idx, `href="areas.html"`) {
		t.Error("the overview does not link the province's page")
	}
	csv := readFile(t, filepath.Join(dir, AreasCSVFile))
	if n := strings.Count(csv, "\r\n"); n != 7 || !strings.Contains(csv, "140106,迎泽区,县（市、区）,140100,300,280,93.3%") {
		t.Errorf("areas.csv has %d lines:\n%s", n, csv)
	}
	// at the city's scope there are no area pages
	plain := writeSiteFixture(t, fixtureSite())
	if _, err := os.Stat(filepath.Join(plain, AreasFile)); err == nil {
		t.Error("areas.html at the city's scope")
	}
}
