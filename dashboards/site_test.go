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
	"sgz/place"
)

// writeSiteFixture writes the site for s into a fresh folder and returns
// the folder.
func writeSiteFixture(t *testing.T, s metrics.Site) string {
	t.Helper()
	if errors.Is(CheckAssets(), ErrAssetsMissing) {
		skipUnlessRequired(t, `echarts assets not embedded; run "make assets"`)
	}
	dir := t.TempDir()
	if err := WriteSite(dir, s); err != nil {
		t.Fatalf("WriteSite: %v", err)
	}
	return dir
}

var (
	rowRE  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagRE  = regexp.MustCompile(`<[^>]+>`)
)

// tableText returns the text of the body rows and of the footer rows of
// the table in the section with id, cell by cell; a cell's second line
// (<small>) follows its first after a space.
func tableText(t *testing.T, page, id string) (body, foot [][]string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<section class="block[^"]*" id="` + id + `">(.*?)</section>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no table section %q", id)
	}
	rows := func(part string) [][]string {
		var out [][]string
		for _, r := range rowRE.FindAllStringSubmatch(part, -1) {
			var cells []string
			for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
				cells = append(cells, tagRE.ReplaceAllString(strings.ReplaceAll(c[1], "<small>", " "), ""))
			}
			out = append(out, cells)
		}
		return out
	}
	section := m[1]
	if b := regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`).FindStringSubmatch(section); b != nil {
		body = rows(b[1])
	}
	if f := regexp.MustCompile(`(?s)<tfoot>(.*?)</tfoot>`).FindStringSubmatch(section); f != nil {
		foot = rows(f[1])
	}
	return body, foot
}

// rowClasses returns the class attribute of each body row of a table.
func rowClasses(t *testing.T, page, id string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)id="` + id + `">.*?<tbody>(.*?)</tbody>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no table body in section %q", id)
	}
	var out []string
	for _, r := range regexp.MustCompile(`<tr( class="([^"]*)")?>`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, r[2])
	}
	return out
}

func equalRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d:\n got %q", what, len(got), len(want), got)
		return
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%s row %d:\n got %q\nwant %q", what, i, got[i], want[i])
		}
	}
}

// readCSV reads a site CSV, checking the byte order mark and CRLF ends.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Errorf("%s has no UTF-8 byte order mark", filepath.Base(path))
	}
	if !bytes.Contains(raw, []byte("\r\n")) {
		t.Errorf("%s should use CRLF line ends", filepath.Base(path))
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return records
}

// --- ranking rules, by hand ---

func useRow(code, name string, score *float64) metrics.CountyTimeliness {
	return metrics.CountyTimeliness{CountyCode: code, County: name, SystemUseScore: score}
}

func ptr(x float64) *float64 { return &x }

func TestRankUseTiesGapsWarningAndChanges(t *testing.T) {
	// Listed out of order, with the city among them: it is never ranked.
	prev := metrics.UseMonth{Month: "2023-10", Counties: []metrics.CountyTimeliness{
		useRow("140700", "晋中市", ptr(80)),
		useRow("140721", "榆社县", ptr(95)), // 1
		useRow("140702", "榆次区", ptr(90)), // 2
		useRow("140703", "太谷区", ptr(85)), // 3
		useRow("140722", "左权县", ptr(70)), // 4
		useRow("140723", "和顺县", nil),     // unranked
	}}
	month := metrics.UseMonth{Month: "2023-11", Counties: []metrics.CountyTimeliness{
		useRow("140723", "和顺县", ptr(85)),
		useRow("140700", "晋中市", ptr(99)),
		useRow("140702", "榆次区", ptr(92.5)),
		useRow("140703", "太谷区", ptr(85)),
		useRow("140721", "榆社县", ptr(79.99)),
		useRow("140722", "左权县", nil),
	}}
	got := RankUse(month, &prev, 80)
	type line struct {
		name   string
		rank   int
		change string
		mark   string
	}
	// 92.5 first; 和顺县 and 太谷区 tie at 85 and share rank 2 (code order
	// within the tie); rank 3 is skipped; 79.99 is below 80; 左权县 has no
	// score and is last, unranked.
	want := []line{
		{"榆次区", 1, "↑1", ""},
		{"太谷区", 2, "↑1", ""},
		{"和顺县", 2, "新", ""},
		{"榆社县", 4, "↓3", MarkBelowWarning},
		{"左权县", 0, "—", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("RankUse gave %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := line{got[i].County, got[i].Rank, got[i].Change(), got[i].Mark}
		if g != w {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestRankUseMarksLastWhenNoneBelow(t *testing.T) {
	month := metrics.UseMonth{Month: "2023-11", Counties: []metrics.CountyTimeliness{
		useRow("140702", "榆次区", ptr(95)),
		useRow("140703", "太谷区", ptr(81)),
		useRow("140721", "榆社县", ptr(81)),
		useRow("140722", "左权县", nil),
	}}
	got := RankUse(month, nil, 80)
	// Nobody below 80: the lowest-ranked are marked, both of the tie at 2;
	// the unranked county is not. No previous month: no change shown.
	for _, r := range got {
		want := ""
		if r.County == "太谷区" || r.County == "榆社县" {
			want = MarkLastRank
		}
		if r.Mark != want {
			t.Errorf("%s: mark %q, want %q", r.County, r.Mark, want)
		}
		if r.Change() != "—" {
			t.Errorf("%s: change %q without a previous month, want —", r.County, r.Change())
		}
	}
	// Same ranks a month later: 持平, as the bulletin says it.
	again := RankUse(month, &month, 80)
	if c := again[0].Change(); c != "持平" {
		t.Errorf("unchanged rank shows %q, want 持平", c)
	}
}

// --- the pages, from the fixture ---

func TestSystemUsePage(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	page := readFile(t, filepath.Join(dir, SystemUseFile))
	// The score axis starts at the tens at or below the lowest score (榆社县's
	// 40; the warning line 80 less 10 is higher), and the chart says so.
	if !strings.Contains(page, "纵轴自 40 分起") {
		t.Error("the score chart does not say its axis starts at 40")
	}

	body, foot := tableText(t, page, "ranking")
	equalRows(t, "ranking", body, [][]string{
		{"1", "榆次区", "87.5% 7/8", "75.0% 90/120", "100.0% 7/7", "87.50", "↑1", ""},
		{"1", "太谷区", "100.0% 9/9", "68.8% 11/16", "100.0% 9/9", "87.50", "新", ""},
		{"3", "榆社县", "66.7% 2/3", "33.3% 1/3", "33.3% 1/3", "40.00", "↓2", "⚠ 低于预警线"},
	})
	equalRows(t, "ranking total", foot, [][]string{
		{"—", "晋中市（全市）", "90.0% 18/20", "73.4% 102/139", "89.5% 17/19", "83.14", "", ""},
	})
	if got := rowClasses(t, page, "ranking"); !slices.Equal(got, []string{"", "", "risk"}) {
		t.Errorf("ranking row classes = %q, want only 榆社县 marked", got)
	}

	body, foot = tableText(t, page, "scores")
	equalRows(t, "scores", append(body, foot...), [][]string{
		{"榆次区", "92.00", "87.50"},
		{"太谷区", "—", "87.50"},
		{"榆社县", "96.00", "40.00"},
		{"晋中市（全市）", "92.36", "83.14"},
	})

	for _, want := range []string{
		"数据截至 <strong>2023年12月31日</strong>",
		"最新月份 <strong>2023年11月</strong>（按 2023年12月6日 月度总结截止日计算）",
		"得分低于预警线 80 分的县(市、区)：榆社县（40.00 分），须提交书面说明及整改方案。",
		"与 2023年10月 名次相比",
		`id="chart_use_trend"`, `id="chart_use_rates"`,
		`"name":"预警线"`, `"formatter":"预警线 80 分"`, `"name":"得分（分）"`, `"max":100`,
		`href="system-use.csv"`, `href="system-use-ranking.csv"`,
		`<td class="num"><strong>40.00</strong></td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("system-use.html lacks %q", want)
		}
	}
}

func TestSystemUseMarksLowestWhenNoneBelowTheLine(t *testing.T) {
	s := fixtureSite()
	s.UseWarning = 30 // 榆社县's 40 is above it
	dir := writeSiteFixture(t, s)
	page := readFile(t, filepath.Join(dir, SystemUseFile))
	body, _ := tableText(t, page, "ranking")
	var marks []string
	for _, r := range body {
		marks = append(marks, r[len(r)-1])
	}
	if want := []string{"", "", "⚠ 排名末位"}; !slices.Equal(marks, want) {
		t.Errorf("marks = %q, want %q", marks, want)
	}
	if want := "各县(市、区)得分均不低于预警线 30 分；排名末位：榆社县（40.00 分），须提交书面说明及整改方案。"; !strings.Contains(page, want) {
		t.Errorf("system-use.html lacks %q", want)
	}
}

func TestSystemUseWithoutMonthsSaysSo(t *testing.T) {
	s := fixtureSite()
	s.Use = nil
	dir := writeSiteFixture(t, s)
	page := readFile(t, filepath.Join(dir, SystemUseFile))
	if !strings.Contains(page, "暂无已到期的月份") {
		t.Error("system-use.html does not say that no month is due")
	}
	for _, bad := range []string{"chart_use", "echarts.min.js", "<table class"} {
		if strings.Contains(page, bad) {
			t.Errorf("system-use.html without months contains %q", bad)
		}
	}
}

func TestDataQualityPage(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	page := readFile(t, filepath.Join(dir, DataQualityFile))

	body, foot := tableText(t, page, "ledgers")
	equalRows(t, "ledgers", append(body, foot...), [][]string{
		{"榆次区", "2023-12-20", "11", "2", "2"},
		{"太谷区", "2023-12-25", "6", "1", "1"},
		{"榆社县", "未报送", "—", "0", "0"},
		{"合计", "", "", "3", "3"},
	})
	if got := rowClasses(t, page, "ledgers"); !slices.Equal(got, []string{"", "", "unreported"}) {
		t.Errorf("ledger row classes = %q", got)
	}
	if !strings.Contains(page, `<td><span class="badge">未报送</span></td>`) ||
		!strings.Contains(page, "截至 2023年12月31日 未报送台账：榆社县。") {
		t.Error("榆社县 is not shown as 未报送")
	}

	body, _ = tableText(t, page, "differences")
	equalRows(t, "differences", body, [][]string{
		{"榆次区", "北关街道", "台账有、系统无", "2023-05-10", "—"},
		{"榆次区", "东阳镇", "挂牌时间不一致", "2023-03-01", "2023-03-15"},
		{"太谷区", "明星镇", "系统有、台账无", "—", "2023-08-01"},
	})
	if !strings.Contains(page, "共 3 处：榆次区 2、太谷区 1。") {
		t.Error("no per-county count of differences")
	}

	body, foot = tableText(t, page, "rejects")
	equalRows(t, "rejects", append(body, foot...), [][]string{
		{"身份证号码校验位错误", "3"}, {"挂牌时间晚于填报日期", "1"}, {"合计", "4"},
	})
	for _, want := range []string{"拒收文件 1 个。", "sgz report rejects"} {
		if !strings.Contains(page, want) {
			t.Errorf("data-quality.html lacks %q", want)
		}
	}

	body, foot = tableText(t, page, "files")
	if len(body) != 7 {
		t.Fatalf("files table has %d rows, want 7", len(body))
	}
	equalRows(t, "files (some)", [][]string{body[3], body[4], body[6], foot[0]}, [][]string{
		{"太谷区社工站台账（旧）.xlsx", "县级台账", "太谷区", "2023-12-25", "44", "0", "0", "0", "0", "已被替代"},
		{"太谷区社工站台账_2024-01.xlsx", "县级台账", "太谷区", "2024-01-31", "46", "0", "0", "0", "0", "晚于数据截至日"},
		{"服务记录导出.csv", "系统导出", "—", "—", "500", "3", "0", "3", "40", "部分载入"},
		{"合计", "", "", "", "733", "4", "2", "5", "40", ""},
	})
	// No charts here: the page loads no chart library.
	if strings.Contains(page, "echarts.min.js") {
		t.Error("data-quality.html loads echarts but has no chart")
	}
}

func TestOverviewOutlook(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	page := readFile(t, filepath.Join(dir, OverviewFile))
	body, _ := tableText(t, page, "outlook")
	equalRows(t, "outlook", body, [][]string{
		{"榆次区", "7/8", "87.5%", "0.7", "2024年2月1日", "⚠ 存在不能按期完成风险"},
		{"太谷区", "9/9", "100.0%", "1.0", "—", "已完成"},
		{"榆社县", "—", "—", "—", "—", "未报送"},
	})
	if got := rowClasses(t, page, "outlook"); !slices.Equal(got, []string{"risk", "", "unreported"}) {
		t.Errorf("outlook row classes = %q", got)
	}
	for _, want := range []string{
		"近3个月月均新建（个）",
		"3 个县(市、区)中已完成 1 个。",
		"⚠ 全覆盖进度预警：榆次区（存在不能按期完成风险）",
		`<strong>⚠ 存在不能按期完成风险</strong>`,
		`href="coverage-outlook.csv"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

func TestEveryPageLinksTheOthers(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	pages := []string{OverviewFile, SystemUseFile, DataQualityFile}
	for _, p := range pages {
		page := readFile(t, filepath.Join(dir, p))
		for _, q := range pages {
			link := `<a href="` + q + `"`
			if p == q {
				link += ` aria-current="page"`
			}
			if !strings.Contains(page, link+">") {
				t.Errorf("%s lacks the link %s>", p, link)
			}
		}
		for _, want := range []string{"数据截至 <strong>2023年12月31日</strong>", "数据来源：3 个文件", "@page { size: A4"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", p, want)
			}
		}
		checkOffline(t, p, page)
	}
	// The overview written alone has nothing to link to.
	alone := writeFixture(t)
	if strings.Contains(readFile(t, filepath.Join(alone, OverviewFile)), `<nav class="site"`) {
		t.Error("WriteOverview's page has the site navigation")
	}
}

func TestSiteCSVs(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	const asOf = "2023-12-31"
	for _, c := range []struct {
		file string
		want [][]string
	}{
		{OutlookFile, [][]string{
			{"区划代码", "县(市、区)", "已建/应建", "覆盖率", "近3个月月均新建（个）", "预计完成日期", "状态", "数据截至"},
			{"140702", "榆次区", "7/8", "87.5%", "0.7", "2024-02-01", "存在不能按期完成风险", asOf},
			{"140703", "太谷区", "9/9", "100.0%", "1.0", "—", "已完成", asOf},
			{"140721", "榆社县", "—", "—", "—", "—", "未报送", asOf},
		}},
		{UseScoresFile, [][]string{
			{"区划代码", "县(市、区)", "2023-10", "2023-11", "数据截至"},
			{"140702", "榆次区", "92.00", "87.50", asOf},
			{"140703", "太谷区", "—", "87.50", asOf},
			{"140721", "榆社县", "96.00", "40.00", asOf},
			{"140700", "晋中市", "92.36", "83.14", asOf},
		}},
		{LedgersFile, [][]string{
			{"区划代码", "县(市、区)", "最新台账填报日期", "距数据截至（天）", "台账文件数", "台账与系统不一致（处）", "数据截至"},
			{"140702", "榆次区", "2023-12-20", "11", "2", "2", asOf},
			{"140703", "太谷区", "2023-12-25", "6", "1", "1", asOf},
			{"140721", "榆社县", "未报送", "—", "0", "0", asOf},
		}},
		{DifferencesFile, [][]string{
			{"区划代码", "县(市、区)", "乡镇代码", "乡镇（街道）", "类型", "台账挂牌时间", "系统建站日期", "数据截至"},
			{"140702", "榆次区", "140702003", "北关街道", "台账有、系统无", "2023-05-10", "—", asOf},
			{"140702", "榆次区", "140702100", "东阳镇", "挂牌时间不一致", "2023-03-01", "2023-03-15", asOf},
			{"140703", "太谷区", "140703101", "明星镇", "系统有、台账无", "—", "2023-08-01", asOf},
		}},
	} {
		equalRows(t, c.file, readCSV(t, filepath.Join(dir, c.file)), c.want)
	}

	files := readCSV(t, filepath.Join(dir, LoadedFilesFile))
	if len(files) != 8 {
		t.Fatalf("%s has %d records, want a header and 7 files", LoadedFilesFile, len(files))
	}
	equalRows(t, LoadedFilesFile, [][]string{files[0], files[4], files[7]}, [][]string{
		{"文件", "类型", "县(市、区)", "填报日期", "载入行数", "拒收行数", "跳过行数", "提示数", "与先前导出重复", "状态", "数据截至"},
		{"太谷区社工站台账（旧）.xlsx", "县级台账", "太谷区", "2023-12-25", "44", "0", "0", "0", "0", "已被替代", asOf},
		{"服务记录导出.csv", "系统导出", "—", "—", "500", "3", "0", "3", "40", "部分载入", asOf},
	})

	// Every month, oldest first, counties in rank order and the city last.
	// 2023-10 is the first month: nothing to compare; nobody is below 80,
	// so the lowest-ranked (榆次区) is marked.
	ranking := readCSV(t, filepath.Join(dir, UseRankingFile))
	var short [][]string
	for _, r := range ranking[1:] {
		short = append(short, []string{r[0], r[2], r[4], r[16], r[17], r[18], r[19]})
	}
	equalRows(t, UseRankingFile, short, [][]string{
		{"2023-10", "1", "榆社县", "96.00", "", "—", ""},
		{"2023-10", "2", "榆次区", "92.00", "", "—", MarkLastRank},
		{"2023-10", "—", "太谷区", "—", "", "—", ""},
		{"2023-10", "", "晋中市", "92.36", "", "", ""},
		{"2023-11", "1", "榆次区", "87.50", "2", "↑1", ""},
		{"2023-11", "1", "太谷区", "87.50", "—", "新", ""},
		{"2023-11", "3", "榆社县", "40.00", "1", "↓2", MarkBelowWarning},
		{"2023-11", "", "晋中市", "83.14", "", "", ""},
	})
	want := []string{"2023-11", "2023-12-06", "3", "140721", "榆社县", "3", "2", "66.7%", "3", "1", "33.3%", "3", "1", "0", "2", "33.3%", "40.00", "1", "↓2", "低于预警线"}
	if !slices.Equal(ranking[7], want) {
		t.Errorf("%s 榆社县 2023-11:\n got %q\nwant %q", UseRankingFile, ranking[7], want)
	}
	if len(ranking[0]) != len(want) {
		t.Errorf("%s header has %d columns, want %d", UseRankingFile, len(ranking[0]), len(want))
	}
}

func TestSiteIsDeterministic(t *testing.T) {
	a := writeSiteFixture(t, fixtureSite())
	b := writeSiteFixture(t, fixtureSite())
	var names []string
	err := filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(a, p)
			names = append(names, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{
		"assets/echarts.min.js", "assets/jinzhong.js", place.LedgerName, ".sgz-lock",
		DifferencesFile, LoadedFilesFile, LedgersFile, DataQualityFile,
		OutlookFile, OverviewFile, IndicatorsFile,
		UseRankingFile, UseScoresFile, SystemUseFile, AssessmentFile, AssessmentCSV, AssessmentLossesCSV,
		StagesFile, StageCountiesFile, StageHistoryFile, StageTransitionsFile, CountiesFile, CountiesCSV, RejectsFile, ChecksFile,
		CountyFile("140702"), CountyCSV("140702"), CountyFile("140703"), CountyCSV("140703"), CountyFile("140721"), CountyCSV("140721"),
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("site files = %q\nwant %q", names, wantNames)
	}
	for _, n := range names {
		if readFile(t, filepath.Join(a, n)) != readFile(t, filepath.Join(b, n)) {
			t.Errorf("%s differs between two writes of the same site", n)
		}
	}
}

func TestSiteWithoutCityRowIsAnError(t *testing.T) {
	s := fixtureSite()
	s.Use[0].Counties = s.Use[0].Counties[:3]
	err := WriteSite(t.TempDir(), s)
	if err == nil || !strings.Contains(err.Error(), "2023-11") || !strings.Contains(err.Error(), metrics.CityCode) {
		t.Errorf("err = %v, want one naming the month and the missing city row", err)
	}
}

func TestSpreadLabels(t *testing.T) {
	// Three labels wanted within 5 px of each other, 13 px apart at least;
	// one far away stays put; the bottom edge pushes the last ones up.
	got := spreadLabels([]float64{100, 95, 104, 300}, 13, 0, 400)
	if want := []float64{108, 95, 121, 300}; !slices.Equal(got, want) {
		t.Errorf("spread = %v, want %v", got, want)
	}
	got = spreadLabels([]float64{395, 398}, 13, 0, 400)
	if want := []float64{387, 400}; !slices.Equal(got, want) {
		t.Errorf("spread at the bottom = %v, want %v", got, want)
	}
}

// TestSiteWriteIsAllOrNothing: a build that fails half-way (here a file
// that cannot be written) leaves the previous site as it was and no
// temporary folder; files of the user's in the folder survive a good
// build; an output folder that cannot be written says so.
func TestSiteWriteIsAllOrNothing(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	if err := WriteSite(dir, fixtureSite()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "说明.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(dir, OverviewFile))
	err := writeSiteFiles(dir, []siteFile{{name: OverviewFile, data: []byte("new")}, {name: "bad\x00name.html", data: []byte("x")}}, true)
	if err == nil || !strings.Contains(err.Error(), "原有的看板未改动") {
		t.Errorf("a failing build: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, OverviewFile)); got != before {
		t.Error("the failed build changed the previous site")
	}
	if err := WriteSite(dir, fixtureSite()); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "说明.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the user's file after a build: %q %v", b, err)
	}
	left, _ := filepath.Glob(filepath.Join(parent, ".site.*"))
	if len(left) != 0 {
		t.Errorf("temporary folders left: %v", left)
	}
	// the folder's permissions, a private file of the user's and a link
	// to the site folder are left as they were
	_ = os.Chmod(dir, 0o750)
	_ = os.WriteFile(filepath.Join(dir, "私人.txt"), []byte("x"), 0o600)
	link := filepath.Join(parent, "link")
	_ = os.Symlink(dir, link)
	if err := WriteSite(link, fixtureSite()); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o750 {
		t.Errorf("the folder's mode became %v", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Join(dir, "私人.txt")); st.Mode().Perm() != 0o600 {
		t.Errorf("a private file's mode became %v", st.Mode().Perm())
	}
	if lst, _ := os.Lstat(link); lst.Mode()&os.ModeSymlink == 0 {
		t.Error("the link to the site folder was replaced by a folder")
	}
	// --out . works
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	_ = os.Chdir(dir)
	if err := WriteSite(".", fixtureSite()); err != nil {
		t.Errorf("--out .: %v", err)
	}
	file := filepath.Join(parent, "a-file")
	_ = os.WriteFile(file, nil, 0o644)
	if err := WriteSite(filepath.Join(file, "site"), fixtureSite()); err == nil || !strings.Contains(err.Error(), "无法建立输出文件夹") {
		t.Errorf("an output folder under a file: %v", err)
	}
	if os.Getuid() != 0 { // root writes anywhere
		ro := filepath.Join(parent, "ro")
		_ = os.Mkdir(ro, 0o555)
		if err := WriteSite(filepath.Join(ro, "site"), fixtureSite()); err == nil || !strings.Contains(err.Error(), "无法写入输出文件夹") {
			t.Errorf("a read-only folder: %v", err)
		}
	}
}

// TestSiteRemovesItsOldPages: a site built at the province's scope and
// then at the city's loses the province's pages (areas.html, area-*.html)
// and nothing else: a file of the user's stays, even one named like a
// page; writing the overview alone removes nothing.
func TestSiteRemovesItsOldPages(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	wide := fixtureSite()
	wide.Areas = fixtureAreas()
	if err := WriteSite(dir, wide); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{AreasFile, AreaFile("140100"), AreaFile("140700")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("the province's site lacks %s: %v", name, err)
		}
	}
	// every entry the site writes is one it knows as its own
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if !strings.HasPrefix(en.Name(), ".sgz-") && !ownName(en.Name()) {
			t.Errorf("the site writes %s, which ownName does not know: its stale copy would never be removed", en.Name())
		}
	}
	mine := map[string]string{"说明.txt": "mine", "area-999999.html": "my own page", "notes.csv": "mine too"}
	for name, text := range mine {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteOverview(dir, fixtureSnapshot()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, AreasFile)); err != nil {
		t.Errorf("WriteOverview removed %s: %v", AreasFile, err)
	}
	if err := WriteSite(dir, fixtureSite()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{AreasFile, AreaFile("140100"), AreaFile("140700")} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s of the province's site is still there (%v)", name, err)
		}
	}
	for name, text := range mine {
		if got := readFile(t, filepath.Join(dir, name)); got != text {
			t.Errorf("the user's %s became %q", name, got)
		}
	}
}

// TestSiteKeepsUsersFolders: a folder with the user's own assets/,
// bulletins/ and index.html, the site's names, is refused on the first
// build (there, in the current folder, and in the home folder) with the
// names, and every file of the user's stays as it was.
func TestSiteKeepsUsersFolders(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	for _, out := range []string{"p", ".", "~"} {
		root := t.TempDir()
		t.Setenv("HOME", root)
		dir := filepath.Join(root, "p")
		target := dir
		switch out {
		case ".":
			_ = os.MkdirAll(dir, 0o755)
			_ = os.Chdir(dir)
			target = "."
		case "~":
			dir, target = root, root
		}
		mine := map[string]string{"assets/my.css": "x", "bulletins/旧通报.pdf": "y", OverviewFile: "my page"}
		for name, text := range mine {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s := fixtureSite()
		s.Bulletins = []metrics.BulletinEdition{{Month: "2023-11", Version: 1}}
		err := WriteSite(target, s)
		var itw *place.InTheWay
		if !errors.As(err, &itw) || !strings.Contains(err.Error(), "assets") || !strings.Contains(err.Error(), OverviewFile) {
			t.Errorf("--out %s: %v, want a refusal naming assets and %s", out, err, OverviewFile)
		}
		for name, text := range mine {
			if got := readFile(t, filepath.Join(dir, name)); got != text {
				t.Errorf("--out %s: the user's %s became %q", out, name, got)
			}
		}
		_ = os.Chdir(wd)
	}
}
