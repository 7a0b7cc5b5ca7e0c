package dashboards

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sgz/metrics"
)

// writeFixture writes the overview for the fixture into a fresh folder and
// returns the folder. Tests that need the page skip when the binary has no
// assets (a checkout where `make assets` has not run).
func writeFixture(t *testing.T) string {
	t.Helper()
	if errors.Is(CheckAssets(), ErrAssetsMissing) {
		skipUnlessRequired(t, `echarts assets not embedded; run "make assets"`)
	}
	dir := t.TempDir()
	if err := WriteOverview(dir, fixtureSnapshot()); err != nil {
		t.Fatalf("WriteOverview: %v", err)
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOverviewPageShowsFixtureFigures(t *testing.T) {
	dir := writeFixture(t)
	page := readFile(t, filepath.Join(dir, OverviewFile))

	for _, want := range []string{
		"晋中市乡镇（街道）社工站建设情况总览",
		"数据截至 <strong>2023年12月31日</strong>",
		// 榆次区 7 of 8 townships; 6 of 7 operating; 9 of 15 certified.
		"<th scope=\"row\">榆次区</th>",
		"87.5%", "85.7%", "60.0%",
		// 太谷区 9 of 9; 8 of 9 operating; 14 of 20 certified; 15 of 20 full-time.
		"100.0%", "88.9%", "70.0%", "75.0%",
		// City: 16 of 22; 23 of 35 certified; 16 / 22 stations.
		"72.7%", "65.7%", "16 / 22",
		// KPI: system use score not computed yet.
		"系统使用得分", "待计算",
		// Unreported county.
		`<span class="badge">未报送</span>`,
		"未报送台账的县(市、区)：榆社县",
		// Sources.
		"榆次区社工站台账.xlsx", "2023-12-25", "0f1e2d3c4b5a",
		// Chart containers and the CSV link.
		`id="chart_map"`, `id="chart_coverage"`, `id="chart_trend"`, `id="chart_stages"`,
		`href="indicators.csv"`,
		// Map: the old feature name 太谷县 maps onto 太谷区.
		`"nameMap":{"太谷县":"太谷区"}`,
		`"map":"晋中"`,
		// Print stylesheet for A4.
		"@page { size: A4",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}

	// The unreported county's row: 未报送, its ledger figures "—", but the
	// township count and the services from the system are still shown.
	row := regexp.MustCompile(`<tr class="unreported"><th scope="row">榆社县</th>(.*?)</tr>`).FindStringSubmatch(page)
	if row == nil {
		t.Fatal("no unreported row for 榆社县")
	}
	cells := regexp.MustCompile(`<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(row[1], -1)
	var got []string
	for _, c := range cells {
		got = append(got, regexp.MustCompile(`<[^>]+>`).ReplaceAllString(c[1], ""))
	}
	want := []string{"未报送", "5", "—", "—", "—", "—", "—", "—", "—", "—", "3", "11"}
	if !slices.Equal(got, want) {
		t.Errorf("榆社县 row = %q, want %q", got, want)
	}
}

func TestOverviewLoadsNothingFromOtherHosts(t *testing.T) {
	dir := writeFixture(t)
	page := readFile(t, filepath.Join(dir, OverviewFile))
	checkOffline(t, OverviewFile, page)
	for _, a := range []string{"assets/echarts.min.js", "assets/jinzhong.js"} {
		if !strings.Contains(page, `<script src="`+a+`"></script>`) {
			t.Errorf("index.html does not load %s", a)
		}
		if fi, err := os.Stat(filepath.Join(dir, a)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not copied into the site: %v", a, err)
		}
	}
}

// checkOffline fails when a page refers to another host or scheme.
func checkOffline(t *testing.T, name, page string) {
	t.Helper()
	ref := regexp.MustCompile(`(?i)(?:src|href)\s*=\s*["']?\s*([^"'\s>]+)`)
	refs := ref.FindAllStringSubmatch(page, -1)
	if len(refs) == 0 {
		t.Fatalf("%s: found no src/href at all; the regexp is wrong", name)
	}
	for _, m := range refs {
		u := m[1]
		if strings.Contains(u, "//") || strings.Contains(u, ":") {
			t.Errorf("%s: reference to another host or scheme: %s", name, m[0])
		}
	}
	for _, bad := range []string{"http://", "https://", "go-echarts.github.io", "cdn"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("%s contains %q", name, bad)
		}
	}
}

func TestIndicatorsCSV(t *testing.T) {
	dir := writeFixture(t)
	raw, err := os.ReadFile(filepath.Join(dir, IndicatorsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatal("indicators.csv has no UTF-8 byte order mark")
	}
	records, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"区划代码", "县(市、区)", "填报日期", "乡镇数", "已建站", "覆盖率", "运营", "运营率", "驻站社工", "持证", "持证率", "专职率", "本月服务", "服务人次", "数据截至"},
		{"140702", "榆次区", "2023-12-20", "8", "7", "87.5%", "6", "85.7%", "15", "9", "60.0%", "80.0%", "120", "860", "2023-12-31"},
		{"140703", "太谷区", "2023-12-25", "9", "9", "100.0%", "8", "88.9%", "20", "14", "70.0%", "75.0%", "95", "610", "2023-12-31"},
		{"140721", "榆社县", "未报送", "5", "—", "—", "—", "—", "—", "—", "—", "—", "3", "11", "2023-12-31"},
		{"140700", "晋中市", "—", "22", "16", "72.7%", "14", "87.5%", "35", "23", "65.7%", "77.1%", "218", "1481", "2023-12-31"},
	}
	if len(records) != len(want) {
		t.Fatalf("indicators.csv has %d records, want %d:\n%q", len(records), len(want), records)
	}
	for i := range want {
		if !slices.Equal(records[i], want[i]) {
			t.Errorf("record %d = %q\n want %q", i, records[i], want[i])
		}
	}
	if !bytes.Contains(raw, []byte("\r\n")) {
		t.Error("indicators.csv should use CRLF line ends for Excel")
	}
}

func TestOverviewIsDeterministic(t *testing.T) {
	a := writeFixture(t)
	b := t.TempDir()
	if err := WriteOverview(b, fixtureSnapshot()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{OverviewFile, IndicatorsFile, "assets/echarts.min.js", "assets/jinzhong.js"} {
		if readFile(t, filepath.Join(a, f)) != readFile(t, filepath.Join(b, f)) {
			t.Errorf("%s differs between two writes of the same snapshot", f)
		}
	}
}

func TestCountiesInCodeOrderWhateverTheInput(t *testing.T) {
	if errors.Is(CheckAssets(), ErrAssetsMissing) {
		skipUnlessRequired(t, `echarts assets not embedded; run "make assets"`)
	}
	s := fixtureSnapshot()
	slices.Reverse(s.Counties)
	dir := t.TempDir()
	if err := WriteOverview(dir, s); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(dir, OverviewFile))
	i, j, k := strings.Index(page, `<th scope="row">榆次区`), strings.Index(page, `<th scope="row">太谷区`), strings.Index(page, `<th scope="row">榆社县`)
	if !(i >= 0 && i < j && j < k) {
		t.Errorf("table rows not in code order: 榆次区@%d 太谷区@%d 榆社县@%d", i, j, k)
	}
	if !strings.Contains(page, `"data":["榆次区","太谷区","榆社县"]`) {
		t.Error("coverage bar categories not in code order")
	}
}

func TestScoreShownWhenComputed(t *testing.T) {
	s := fixtureSnapshot()
	score := 86.25
	s.Counties[len(s.Counties)-1].SystemUseScore = &score
	p, err := buildOverview(s)
	if err != nil {
		t.Fatal(err)
	}
	last := p.KPIs[len(p.KPIs)-1]
	// with two decimals, as the bulletin shows scores
	if last.Value != "86.25" || last.Pending {
		t.Errorf("score card = %+v, want 86.25 not pending", last)
	}
}

func TestSnapshotWithoutCityRowIsAnError(t *testing.T) {
	s := fixtureSnapshot()
	s.Counties = s.Counties[:3]
	err := WriteOverview(t.TempDir(), s)
	if err == nil || !strings.Contains(err.Error(), metrics.CityCode) {
		t.Errorf("err = %v, want one naming the missing city row %s", err, metrics.CityCode)
	}
}

func TestEmptyPanelsSayWhy(t *testing.T) {
	s := fixtureSnapshot()
	s.Monthly = nil
	for i := range s.Counties {
		s.Counties[i].StageStartup, s.Counties[i].StageImproving, s.Counties[i].StageProfessional = nil, nil, nil
	}
	p, err := buildOverview(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Charts {
		switch c.ID {
		case chartTrendID:
			if c.Option != "" || !strings.Contains(c.Empty, "暂无月度数据") {
				t.Errorf("trend without data: %+v", c)
			}
		case chartStagesID:
			if c.Option != "" || !strings.Contains(c.Empty, "待计算") {
				t.Errorf("stages without data: %+v", c)
			}
		}
	}
}

// Every county of 晋中市 (GB/T 2260, hand-written here) must find its region
// in the embedded map; 太谷区 through the old name 太谷县.
func TestEveryCountyHasAMapRegion(t *testing.T) {
	files, err := loadAssets()
	if errors.Is(err, ErrAssetsMissing) {
		skipUnlessRequired(t, `echarts assets not embedded; run "make assets"`)
	}
	if err != nil {
		t.Fatal(err)
	}
	features := map[string]bool{}
	for _, m := range regexp.MustCompile(`name:"([^"]+)"`).FindAllStringSubmatch(string(files[jinzhongAsset]), -1) {
		features[m[1]] = true
	}
	if len(features) != 11 {
		t.Fatalf("jinzhong.js has %d features, want 11: %v", len(features), features)
	}
	counties := [][2]string{
		{"140702", "榆次区"}, {"140703", "太谷区"}, {"140721", "榆社县"}, {"140722", "左权县"},
		{"140723", "和顺县"}, {"140724", "昔阳县"}, {"140725", "寿阳县"}, {"140727", "祁县"},
		{"140728", "平遥县"}, {"140729", "灵石县"}, {"140781", "介休市"},
	}
	for _, c := range counties {
		if f := featureNameFor(c[0], c[1]); !features[f] {
			t.Errorf("%s %s → map feature %q, which jinzhong.js lacks", c[0], c[1], f)
		}
	}
}

func TestPercentages(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	for _, c := range []struct {
		rate *float64
		want string
	}{
		{nil, "—"},
		{f(0), "0.0%"},
		{f(7.0 / 8), "87.5%"},
		{f(1), "100.0%"},
		{f(2.0 / 3), "66.7%"},
		{f(1.0 / 3), "33.3%"},
		{f(0.8125), "81.3%"}, // 13/16: the half rounds up, as on paper
	} {
		if got := pctText(c.rate); got != c.want {
			t.Errorf("pctText(%v) = %q, want %q", c.rate, got, c.want)
		}
	}
}
