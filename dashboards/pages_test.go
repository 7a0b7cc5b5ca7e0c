package dashboards

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sgz/metrics"
)

// The county pages, the stage page and the data-quality additions on the
// fixture (fixtureTownships, fixtureStageHistory: the figures below are
// worked out in their comments).

func TestCountyPages(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	// 榆次区: 8 in-scope townships, 7 with a station, 008 a gap, 004
	// signboard-only since 2023-11-01.
	page := readFile(t, filepath.Join(dir, CountyFile("140702")))
	body, _ := tableText(t, page, "townships")
	if len(body) != 8 {
		t.Fatalf("榆次区 page lists %d townships, want 8", len(body))
	}
	equalRows(t, "榆次区 townships (some)", [][]string{body[3], body[6], body[7]}, [][]string{
		{"榆次4街道", "榆次4街道社工站", "2023-03-01", "挂牌未运营 自 2023-11-01", "2", "1", "2", "0", "0", "起步", "近90天无服务记录；近3个月无服务记录"},
		{"榆次7街道", "榆次7街道社工站", "2023-03-01", "运营中", "2", "1", "2", "9", "27", "专业", "—"},
		{"榆次8街道", "—", "—", "未建站", "—", "—", "—", "—", "—", "—", "—"},
	})
	classes := rowClasses(t, page, "townships")
	if classes[3] != "risk" || classes[7] != "gap" || classes[0] != "" {
		t.Errorf("row classes %q: want 挂牌未运营 as risk, the gap as gap", classes)
	}
	for _, want := range []string{"应建 8 个，已建 7 个，未建 1 个。", "4 / 2 / 1", "生成于 2024年1月2日 09:30（北京时间）",
		// 2023-11 ranking: 榆次区 tied first with 太谷区, up one since 2023-10
		"得分 87.50 分，全市第 1 名（共 3 个县(市、区)），较上月↑1。", `href="` + CountyCSV("140702") + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("榆次区 page lacks %q", want)
		}
	}
	csv := readCSV(t, filepath.Join(dir, CountyCSV("140702")))
	if len(csv) != 9 || csv[0][1] != "乡镇代码" || csv[8][1] != "140702008" || csv[8][len(csv[8])-1] != "2023-12-31" {
		t.Errorf("榆次区 CSV: %q", csv)
	}
	// 榆社县 has not reported: every township says 未报送.
	page = readFile(t, filepath.Join(dir, CountyFile("140721")))
	body, _ = tableText(t, page, "townships")
	if len(body) != 5 {
		t.Fatalf("榆社县 page lists %d townships, want 5", len(body))
	}
	for _, r := range body {
		if r[3] != "未报送" {
			t.Errorf("榆社县 row %q: want 未报送", r)
		}
	}
	// 榆社县 in 2023-11 scored 40.0, ranked 3rd (2 skipped), down 2, below 80.
	if !strings.Contains(page, "得分 40.00 分，全市第 3 名（共 3 个县(市、区)），较上月↓2；须提交书面说明及整改方案。") {
		t.Error("榆社县 page lacks its bulletin line")
	}
	// Every county name elsewhere leads to its page.
	for _, p := range []string{OverviewFile, SystemUseFile, DataQualityFile, StagesFile, CountiesFile, AssessmentFile} {
		if !strings.Contains(readFile(t, filepath.Join(dir, p)), `<a href="county-140721.html">榆社县</a>`) {
			t.Errorf("%s has no link from 榆社县 to its page", p)
		}
	}
}

func TestStagesPage(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	page := readFile(t, filepath.Join(dir, StagesFile))
	body, foot := tableText(t, page, "stage-counties")
	// 榆次区 at 2023-12: 7 stations, 4/2/1, 3 of 7 = 42.9% at 提升 or above;
	// at 2023-09 3 at 提升 or above; 2 promoted, 1 fell back, 1 new.
	// 太谷区: 9, 3/5/1, 6/9 = 66.7%, 6 before, no change. 榆社县: none.
	equalRows(t, "stage counties", append(body, foot...), [][]string{
		{"榆次区", "7", "4", "2", "1", "42.9%", "3", "2", "1", "1"},
		{"太谷区", "9", "3", "5", "1", "66.7%", "6", "0", "0", "0"},
		{"榆社县", "未报送", "未报送", "未报送", "未报送", "未报送", "未报送", "0", "0", "0"},
		{"晋中市（合计）", "16", "7", "7", "2", "56.3%", "9", "2", "1", "1"},
	})
	body, _ = tableText(t, page, "transitions")
	equalRows(t, "transitions", body, [][]string{
		{"榆次区", "榆次1街道", "提升", "起步", "回落", "近3个月月均服务9次，需达到10次"},
		{"榆次区", "榆次5街道", "起步", "提升", "晋级", ""},
		{"榆次区", "榆次7街道", "提升", "专业", "晋级", ""},
		{"榆次区", "榆次4街道", "未建站", "起步", "新建", ""},
	})
	history := readCSV(t, filepath.Join(dir, StageHistoryFile))
	// two months × (3 counties + the city) and a header
	if len(history) != 9 || strings.Join(history[4], ",") != "2023-09,140700,晋中市,,15,6,8,1,2023-12-31" ||
		strings.Join(history[3], ",") != "2023-09,140721,榆社县,未报送,,,,,2023-12-31" {
		t.Errorf("stage history CSV: %q", history)
	}
	if !strings.Contains(page, `id="chart_stage_flow"`) || !strings.Contains(page, `"type":"sankey"`) {
		t.Error("stages.html has no sankey of the quarter's moves")
	}
}

func TestDataQualityChecksAndRejects(t *testing.T) {
	s := fixtureSite()
	s.Rejects = []metrics.Reject{
		{Outcome: "拒收行", File: "榆次区.xlsx", Sheet: "人员台账", Row: 12, Column: "入站时间", Value: "=HYPERLINK(\"x\")", Reason: "不是日期"},
		{Outcome: "拒收文件", File: "坏.xlsx", Reason: "无法识别的表头"},
	}
	dir := writeSiteFixture(t, s)
	rejects := readCSV(t, filepath.Join(dir, RejectsFile))
	// a value that a spreadsheet would run as a formula is written as text
	equalRows(t, RejectsFile, rejects, [][]string{
		{"处理", "文件", "工作表", "行", "列", "值", "原因", "数据截至"},
		{"拒收行", "榆次区.xlsx", "人员台账", "12", "入站时间", "'=HYPERLINK(\"x\")", "不是日期", "2023-12-31"},
		{"拒收文件", "坏.xlsx", "", "", "", "", "无法识别的表头", "2023-12-31"},
	})
	page := readFile(t, filepath.Join(dir, DataQualityFile))
	body, _ := tableText(t, page, "checks")
	equalRows(t, "checks", body, [][]string{{"各阶段站点数之和等于已建站点数", "每个县（市、区）和全市的三个阶段的站点数相加等于已建站点数。", "通过"}})
	if strings.Contains(page, "数据检查未通过") {
		t.Error("a passed check is reported as failed")
	}

	// A failed check is named on every page.
	s.Checks[0].Rows = []string{"140702 | 榆次区 | 7 | 4 | 2 | 0"}
	dir = writeSiteFixture(t, s)
	for _, p := range []string{OverviewFile, StagesFile, CountyFile("140702"), DataQualityFile} {
		if !strings.Contains(readFile(t, filepath.Join(dir, p)), "⚠ 本看板在数据检查未通过的情况下生成，数字可能有误：各阶段站点数之和等于已建站点数") {
			t.Errorf("%s does not warn of the failed check", p)
		}
	}
}

func TestFileStatus(t *testing.T) {
	asOf := fixtureSite().AsOf
	for _, c := range []struct {
		f    metrics.FileLoad
		want string
	}{
		{metrics.FileLoad{Class: "export", Loaded: 10}, "已载入"},
		{metrics.FileLoad{Class: "export", Loaded: 10, Rejected: 1}, "部分载入"},
		{metrics.FileLoad{Class: "export", Loaded: 0, Skipped: 4}, "⚠ 未载入任何行"},
		{metrics.FileLoad{Class: "export", Loaded: 10, Replaced: true}, "已被替代"},
	} {
		if got := fileStatus(c.f, asOf); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+86 139": "'+86 139", "-": "'-", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx",
		"-12.5": "-12.5", "+3": "+3", "榆次区": "榆次区", "": "", "2023-12-31": "2023-12-31",
	} {
		if got := SpreadsheetSafe(in); got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	// 118 townships × 1.1 = 129 over five steps: 25.8 → 30, axis 0–150;
	// 1320 services: 264 → 300, axis 0–1500.
	for x, want := range map[float64]float64{0.3: 1, 1: 1, 1.2: 2, 7.7: 8, 25.8: 30, 264: 300, 401: 500, 11: 15, 21: 25} {
		if got := niceStep(x); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestCoverageBarsSortedAndColoured: lowest coverage first, shortfalls in
// the warning colours (60% → below 75%, 95% → 90%–100%), the target's
// blue at 100%, a county without a ledger last.
func TestCoverageBarsSortedAndColoured(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	d := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	s := metrics.Snapshot{AsOf: d, CoverageTarget: 1, CoverageDeadline: d}
	counties := []metrics.CountyIndicators{
		{CountyCode: "140702", County: "榆次区", LedgerDate: &d, CoverageRate: f(1)},
		{CountyCode: "140703", County: "太谷区"},
		{CountyCode: "140721", County: "榆社县", LedgerDate: &d, CoverageRate: f(0.6)},
		{CountyCode: "140722", County: "左权县", LedgerDate: &d, CoverageRate: f(0.95)},
	}
	c, err := coverageBar(s, counties)
	if err != nil {
		t.Fatal(err)
	}
	opt := string(c.Option)
	if !strings.Contains(opt, `"data":["榆社县","左权县","榆次区","太谷区"]`) {
		t.Errorf("bars not sorted lowest first, unreported last: %.300s", opt)
	}
	at := func(s string) int { return strings.Index(opt, s) }
	if !(at(`"color":"#b2182b"`) > 0 && at(`"color":"#b2182b"`) < at(`"color":"#fdae61"`) && at(`"color":"#fdae61"`) < at(`"name":"榆次区","value":100,"itemStyle":{"color":"#225ea8"}`)) {
		t.Errorf("bar colours not by band: %s", opt)
	}
	// The city scored 83.4 as of 2023-12-31 (a figure the fixture leaves
	// out) and 83.14 in the 2023-11 bulletin.
	site := fixtureSite()
	site.Counties[3].SystemUseScore = f(83.4)
	page := readFile(t, filepath.Join(writeSiteFixture(t, site), OverviewFile))
	if !strings.Contains(page, "按截至 2023年12月31日 的数据；2023年11月通报（按 2023年12月6日 计算）为 83.14 分") {
		t.Error("the overview's system-use card does not explain its date against the bulletin's")
	}
}

func TestShortDay(t *testing.T) {
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	for _, c := range []struct{ t, ref, want string }{
		{"2023-09-30", "2023-12-31", "9月"},       // a month end before the as-of date: 9月(末)
		{"2023-12-31", "2023-12-31", "12月31日"},   // the as-of date itself
		{"2023-11-30", "2024-02-29", "2023年11月"}, // another year
		{"2024-02-15", "2024-02-15", "2月15日"},
	} {
		if got := shortDay(d(c.t), d(c.ref)); got != c.want {
			t.Errorf("shortDay(%s, %s) = %q, want %q", c.t, c.ref, got, c.want)
		}
	}
}

// TestEditionsLinked: the system-use page lists every bulletin version,
// newest first, and copies the files of a version that are still that
// version into the site; a file overwritten by a later version, or a path
// that is no bulletin of sgz's, is not published.
func TestEditionsLinked(t *testing.T) {
	src := t.TempDir()
	write := func(name, body string) (string, string) {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		return p, hex.EncodeToString(sum[:])
	}
	nov, novSum := write("晋中市社工站系统使用情况通报_2023-11.html", "<!DOCTYPE html><html>11月第2版</html>")
	pdf, pdfSum := write("晋中市社工站系统使用情况通报_2023-11.pdf", "%PDF-1.4")
	secret, _ := write("secret.html", "not a bulletin")
	// an annex that is a link to another file is not published
	annex := filepath.Join(src, "晋中市社工站系统使用情况通报_2023-11_附件_数据来源与口径.html")
	if err := os.Symlink(secret, annex); err != nil {
		t.Fatal(err)
	}
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	s := fixtureSite()
	s.Bulletins = []metrics.BulletinEdition{
		{Month: "2023-11", Version: 2, AsOf: d("2023-12-06"), RecordedAt: d("2023-12-20"), HTML: nov, PDF: pdf, Annex: annex, HTMLSHA256: novSum, PDFSHA256: pdfSum, AnnexSHA256: novSum},
		{Month: "2023-11", Version: 1, AsOf: d("2023-12-06"), RecordedAt: d("2023-12-11"), HTML: nov, HTMLSHA256: "0000"}, // overwritten by v2
		{Month: "2023-10", Version: 1, AsOf: d("2023-11-03"), RecordedAt: d("2023-11-08"), HTML: secret, HTMLSHA256: novSum},
	}
	dir := writeSiteFixture(t, s)
	page := readFile(t, filepath.Join(dir, SystemUseFile))
	body, _ := tableText(t, page, "editions")
	equalRows(t, "editions", body, [][]string{
		{"2023年11月", "第2版", "2023-12-06", "2023-12-20 08:00", "打开", "PDF", "—"},
		{"2023年11月", "第1版", "2023-12-06", "2023-12-11 08:00", "原文件已移动或被后来的版本覆盖", "—", "—"},
		{"2023年10月", "第1版", "2023-11-03", "2023-11-08 08:00", "原文件已移动或被后来的版本覆盖", "—", "—"},
	})
	if got := readFile(t, filepath.Join(dir, EditionsDir, "bulletin_2023-11_v2.html")); got != "<!DOCTYPE html><html>11月第2版</html>" {
		t.Errorf("copied edition: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, EditionsDir))
	if len(entries) != 2 {
		t.Errorf("bulletins/ holds %d files, want the 2023-11 v2 HTML and PDF", len(entries))
	}
}

// TestAssessmentPage: the 考核 page of fixtureAssessment, whose figures
// are worked out by hand there: ranks, points with raw values, totals, and
// each point lost with its reason; 预评估 before the year ends.
func TestAssessmentPage(t *testing.T) {
	dir := writeSiteFixture(t, fixtureSite())
	page := readFile(t, filepath.Join(dir, AssessmentFile))
	body, _ := tableText(t, page, "assessment-scores")
	got := make([]string, len(body))
	for i, r := range body {
		got[i] = strings.Join(r, "|")
	}
	want := []string{
		"1|太谷区|30.00 100.0%|15.00 100.0%|15.00 100.0%|20.00 100.00|4.00 8.00|2.22 22.2%||86.22",
		"2|榆次区|26.25 87.5%|15.00 100.0%|15.00 100.0%|17.50 87.50|6.00 12.00|4.29 42.9%|−5.00|79.04",
		"3|榆社县|0.00 —|0.00 —|0.00 —|0.00 —|0.00 —|0.00 —|−10.00|0.00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("scores:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	losses, _ := tableText(t, page, "assessment-losses")
	var lines []string
	for _, r := range losses {
		lines = append(lines, strings.Join(r, "|"))
	}
	text := strings.Join(lines, "\n")
	for _, w := range []string{
		"太谷区|服务量 失 6.00 分|站均月服务 8.00 次，满分标准 20 次",
		"|阶段 失 7.78 分|提升及以上 2/9 个站点，占 22.2%",
		"榆次区|覆盖率 失 3.75 分|已建站 7/8 个乡镇（街道），覆盖率 87.5%",
		"|资金超范围使用 失 5.00 分|支出 3,000.00 元，用途类别“慰问”，不在允许用途（站点建设、人员经费、服务项目、培训督导、评估）内（榆次区_2023-12.xlsx 资金台账 第 24 行）",
		"榆社县|覆盖率 失 30.00 分|截至计算日未报送台账，覆盖率无法计算",
		"|缺报台账 失 5.00 分|2023年10月无填报日期在该月的台账",
		"|缺报台账 失 5.00 分|2023年11月无填报日期在该月的台账",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("losses lack %q:\n%s", w, text)
		}
	}
	if strings.Contains(page, "预评估") {
		t.Error("a final assessment is labelled 预评估")
	}
	s := fixtureSite()
	s.Assessment.Forecast = true
	s.Assessment.AsOf = time.Date(2023, 11, 30, 0, 0, 0, 0, time.UTC)
	page = readFile(t, filepath.Join(writeSiteFixture(t, s), AssessmentFile))
	if !strings.Contains(page, "<title>晋中市2023年度社工站建设目标考核（预评估）") || !strings.Contains(page, "预评估：2023 年尚未结束，按截至 2023年11月30日 的数据计算") {
		t.Error("a forecast is not labelled 预评估 with its date")
	}
}
