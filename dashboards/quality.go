package dashboards

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sgz/metrics"
)

const dataQualityTitle = "晋中市乡镇（街道）社工站数据质量"

type dataQualityPage struct {
	pageMeta
	Ledgers, Differences, Rejects, Files, Checks dataTable
}

// Files of the data-quality page besides those named in site.go.
const (
	RejectsFile = "data-quality-rejects.csv"
	ChecksFile  = "data-quality-checks.csv"
)

// checksTable lists the data checks run with this build and their results.
func checksTable(s metrics.Site) (dataTable, [][]string) {
	t := dataTable{ID: "checks", Title: "数据检查", CSV: ChecksFile, Class: "wide",
		Note:    "每次生成看板时对数据和指标模型运行的检查（截至 " + dateCN(s.AsOf) + "）；未通过时看板不生成，除非指明 --allow-failed-checks。",
		Columns: []string{"检查", "内容", "结果"}, Empty: "本次生成未运行数据检查。"}
	// Only how many rows failed, never the rows: a failed personal-data
	// check's rows hold the very numbers that must not be published.
	records := [][]string{{"检查", "内容", "结果"}}
	failed := 0
	for _, c := range s.Checks {
		result := cell{Text: "通过"}
		if !c.Passed() {
			failed++
			n := strconv.Itoa(len(c.Rows)) + " 行不符"
			if len(c.Rows) >= 5 {
				n = "至少 5 行不符"
			}
			result = cell{Text: "⚠ 未通过", Strong: true, Sub: n + "（详见运行 sgz dashboard 时的提示）"}
		}
		row := viewRow{Cells: []cell{headCell(c.Title), {Text: c.About, Wrap: true}, result}}
		if !c.Passed() {
			row.Class = "risk"
		}
		t.Rows = append(t.Rows, row)
		records = append(records, []string{c.Title, c.About, strings.TrimSpace(result.Text + " " + result.Sub)})
	}
	if len(s.Checks) > 0 {
		t.Empty = ""
		t.Note = strconv.Itoa(len(s.Checks)) + " 项检查，" + strconv.Itoa(failed) + " 项未通过。" + t.Note
	}
	return t, records
}

// rejectRecords is every rejected row, refused file and remark, for the
// rejects CSV (values as ingest kept them, personal data masked).
func rejectRecords(rejects []metrics.Reject) [][]string {
	records := [][]string{{"处理", "文件", "工作表", "行", "列", "值", "原因"}}
	for _, r := range rejects {
		row := ""
		if r.Row > 0 {
			row = strconv.Itoa(r.Row)
		}
		records = append(records, []string{r.Outcome, r.File, r.Sheet, row, r.Column, r.Value, r.Reason})
	}
	return records
}

// differenceKinds are the Chinese names of metrics.Difference.Kind.
var differenceKinds = map[string]string{
	"ledger_only":  "台账有、系统无",
	"system_only":  "系统有、台账无",
	"date_differs": "挂牌时间不一致",
}

func differenceKindCN(kind string) string {
	if k, ok := differenceKinds[kind]; ok {
		return k
	}
	return kind
}

func buildDataQualityFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	counties, _, err := splitCity(s.Counties, indicatorCode)
	if err != nil {
		return nil, err
	}
	p := dataQualityPage{pageMeta: newPageMeta(s, dataQualityTitle, DataQualityFile, nav)}
	p.SourcesNote = "本页“已载入文件”表列出全部 " + strconv.Itoa(len(s.Files)) + " 个已载入文件"
	diffs := sortedDifferences(s.Differences)
	var ledgerRecords, diffRecords, fileRecords [][]string
	p.Ledgers, ledgerRecords = ledgersTable(s, counties, diffs)
	p.Differences, diffRecords = differencesTable(diffs)
	p.Rejects = rejectsTable(s.RejectReasons, s.RefusedFiles)
	p.Files, fileRecords = filesTable(s.Files, s.AsOf)
	var checkRecords [][]string
	p.Checks, checkRecords = checksTable(s)

	page, err := renderPage(dataQualityTmpl, DataQualityFile, p)
	if err != nil {
		return nil, err
	}
	files := []siteFile{page}
	for _, c := range []struct {
		name    string
		records [][]string
	}{
		{LedgersFile, ledgerRecords}, {DifferencesFile, diffRecords}, {LoadedFilesFile, fileRecords},
		{RejectsFile, rejectRecords(s.Rejects)}, {ChecksFile, checkRecords},
	} {
		f, err := csvFile(c.name, withAsOf(c.records, s.AsOf))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// --- 各县台账报送 ---

// countsAsLedger says whether a loaded file is a ledger the page counts as
// reported by the as-of date: dated, not replaced by a later load of the
// same ledger, and reported on or before the as-of date.
func countsAsLedger(f metrics.FileLoad, asOf time.Time) bool {
	return f.Class == "ledger" && f.ReportDate != nil && fileExcluded(f, asOf) == ""
}

// daysBetween counts calendar days from a to b (dates, whatever their clock
// or zone).
func daysBetween(a, b time.Time) int {
	ad := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	bd := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(bd.Sub(ad).Hours() / 24)
}

var ledgerColumns = []string{"县(市、区)", "最新台账填报日期", "距数据截至（天）", "台账文件数", "台账与系统不一致（处）"}

func ledgersTable(s metrics.Site, counties []metrics.CountyIndicators, diffs []metrics.Difference) (dataTable, [][]string) {
	t := dataTable{
		ID:      "ledgers",
		Title:   "各县（市、区）台账报送",
		CSV:     LedgersFile,
		Class:   "fit",
		Columns: ledgerColumns,
	}
	records := [][]string{append([]string{"区划代码"}, ledgerColumns...)}
	diffCounts := differencesPerCounty(diffs)
	var unreported []string
	totalFiles := 0
	for _, c := range counties {
		var latest *time.Time
		n := 0
		for _, f := range s.Files {
			if f.County != c.County || !countsAsLedger(f, s.AsOf) {
				continue
			}
			n++
			if latest == nil || f.ReportDate.After(*latest) {
				latest = f.ReportDate
			}
		}
		totalFiles += n
		nd := diffCounts[c.CountyCode]
		date, age := notReported, noValue
		if latest != nil {
			date, age = dateISO(*latest), strconv.Itoa(daysBetween(*latest, s.AsOf))
		}
		records = append(records, []string{c.CountyCode, c.County, date, age, strconv.Itoa(n), strconv.Itoa(nd)})
		row := viewRow{Cells: []cell{countyLink(c.CountyCode, c.County), numCell(date), numCell(age), numCell(strconv.Itoa(n)), numCell(strconv.Itoa(nd))}}
		if latest == nil {
			row.Class = "unreported"
			row.Cells[1] = cell{Text: notReported, Badge: true}
			unreported = append(unreported, c.County)
		}
		t.Rows = append(t.Rows, row)
	}
	t.Foot = []viewRow{{Cells: []cell{headCell("合计"), numCell(""), numCell(""),
		numCell(strconv.Itoa(totalFiles)), numCell(strconv.Itoa(len(diffs)))}}}
	if len(unreported) > 0 {
		t.Note = "截至 " + dateCN(s.AsOf) + " 未报送台账：" + strings.Join(unreported, "、") + "。"
	} else {
		t.Note = "各县(市、区)均已报送台账。"
	}
	t.After = []string{"只计填报日期不晚于数据截至日、未被替代的县级台账文件；“未报送”表示截至该日无台账。"}
	return t, records
}

// --- 台账与系统不一致 ---

func sortedDifferences(diffs []metrics.Difference) []metrics.Difference {
	out := slices.Clone(diffs)
	slices.SortStableFunc(out, func(a, b metrics.Difference) int {
		return cmp.Or(strings.Compare(a.CountyCode, b.CountyCode),
			strings.Compare(a.TownshipCode, b.TownshipCode), strings.Compare(a.Kind, b.Kind))
	})
	return out
}

// differencesPerCounty counts the differences by county code.
func differencesPerCounty(diffs []metrics.Difference) map[string]int {
	n := map[string]int{}
	for _, d := range diffs {
		n[d.CountyCode]++
	}
	return n
}

var differenceColumns = []string{"县(市、区)", "乡镇（街道）", "类型", "台账挂牌时间", "系统建站日期"}

func differencesTable(diffs []metrics.Difference) (dataTable, [][]string) {
	t := dataTable{
		ID:      "differences",
		Title:   "台账与系统不一致",
		CSV:     DifferencesFile,
		Class:   "fit",
		Columns: differenceColumns,
		Empty:   "台账与系统一致，无差异。",
	}
	records := [][]string{{"区划代码", "县(市、区)", "乡镇代码", "乡镇（街道）", "类型", "台账挂牌时间", "系统建站日期"}}
	counts := differencesPerCounty(diffs)
	var perCounty []string
	for i, d := range diffs {
		kind := differenceKindCN(d.Kind)
		ledger, system := dateISOOr(d.LedgerDate), dateISOOr(d.SystemDate)
		records = append(records, []string{d.CountyCode, d.County, d.TownshipCode, d.Township, kind, ledger, system})
		row := viewRow{Cells: []cell{countyLink(d.CountyCode, d.County), textCell(d.Township), textCell(kind), numCell(ledger), numCell(system)}}
		if d.Kind == "date_differs" {
			row.Cells[3].Strong, row.Cells[4].Strong = true, true
		}
		t.Rows = append(t.Rows, row)
		// diffs are in county order: name each county once, after its last.
		if i+1 == len(diffs) || diffs[i+1].CountyCode != d.CountyCode {
			perCounty = append(perCounty, d.County+" "+strconv.Itoa(counts[d.CountyCode]))
		}
	}
	if len(diffs) > 0 {
		t.Empty = ""
		t.Note = "共 " + strconv.Itoa(len(diffs)) + " 处：" + strings.Join(perCounty, "、") + "。"
		t.After = []string{"台账有、系统无：台账所列站点在系统中没有；系统有、台账无：系统中的站点不在当前台账中；挂牌时间不一致：台账挂牌时间与系统建站日期不同（两个日期加粗）。"}
	}
	return t, records
}

// --- 拒收原因 ---

func rejectsTable(reasons []metrics.RejectReason, refused int) dataTable {
	t := dataTable{
		ID:       "rejects",
		Title:    "拒收原因",
		Note:     "拒收文件 " + strconv.Itoa(refused) + " 个。",
		Class:    "fit",
		Columns:  []string{"原因", "拒收行数"},
		Empty:    "无拒收的行。",
		CSV:      RejectsFile,
		CSVLabel: "下载完整清单 CSV",
		After:    []string{"完整清单（拒收的文件和行、载入但需核实的行：文件、工作表、行号、列、值和原因）见 CSV，或运行 " + rejectsReportCmd + "。"},
	}
	total := 0
	for _, r := range reasons {
		t.Rows = append(t.Rows, viewRow{Cells: []cell{{Text: r.Reason, Wrap: true}, numCell(strconv.Itoa(r.Rows))}})
		total += r.Rows
	}
	if len(reasons) > 0 {
		t.Empty = ""
		t.Foot = []viewRow{{Cells: []cell{textCell("合计"), numCell(strconv.Itoa(total))}}}
	}
	return t
}

// --- 已载入文件 ---

var fileColumns = []string{"文件", "类型", "县(市、区)", "填报日期", "载入", "拒收", "跳过", "提示", "重复", "状态"}

// fileExcluded says why a loaded file does not count: 已被替代 (a later
// load of the same ledger or export replaced it) or 晚于数据截至日 (a ledger
// reported after the as-of date); "" when it counts.
func fileExcluded(f metrics.FileLoad, asOf time.Time) string {
	switch {
	case f.Replaced:
		return "已被替代"
	case f.Class == "ledger" && f.ReportDate != nil && dateISO(*f.ReportDate) > dateISO(asOf):
		return "晚于数据截至日"
	}
	return ""
}

// Statuses of a loaded file that counts.
const (
	fileNothingLoaded = "⚠ 未载入任何行"
	filePartly        = "部分载入"
	fileLoaded        = "已载入"
)

// fileStatus is the 状态 of a loaded file: why it does not count, or
// whether all its rows loaded.
func fileStatus(f metrics.FileLoad, asOf time.Time) string {
	switch x := fileExcluded(f, asOf); {
	case x != "":
		return x
	case f.Loaded == 0:
		return fileNothingLoaded
	case f.Rejected > 0:
		return filePartly
	}
	return fileLoaded
}

func filesTable(loads []metrics.FileLoad, asOf time.Time) (dataTable, [][]string) {
	t := dataTable{
		ID:      "files",
		Title:   "已载入文件",
		Note:    strconv.Itoa(len(loads)) + " 个文件。",
		CSV:     LoadedFilesFile,
		Class:   "compact",
		Columns: fileColumns,
		Empty:   "尚未载入任何文件。",
	}
	records := [][]string{{"文件", "类型", "县(市、区)", "填报日期", "载入行数", "拒收行数", "跳过行数", "提示数", "与先前导出重复", "状态"}}
	var sum [5]int
	for _, f := range loads {
		county := f.County
		if county == "" {
			county = noValue
		}
		counts := []int{f.Loaded, f.Rejected, f.Skipped, f.Flags, f.Overlap}
		status := fileStatus(f, asOf)
		record := []string{f.FileName, fileClassCN(f.Class), county, dateISOOr(f.ReportDate)}
		row := viewRow{Cells: []cell{headCell(f.FileName), textCell(fileClassCN(f.Class)), textCell(county), numCell(dateISOOr(f.ReportDate))}}
		for i, n := range counts {
			sum[i] += n
			record = append(record, strconv.Itoa(n))
			row.Cells = append(row.Cells, numCell(strconv.Itoa(n)))
		}
		row.Cells = append(row.Cells, cell{Text: status, Strong: status == fileNothingLoaded})
		switch {
		case fileExcluded(f, asOf) != "":
			row.Class = "replaced"
		case status == fileNothingLoaded:
			row.Class = "risk"
		}
		records = append(records, append(record, status))
		t.Rows = append(t.Rows, row)
	}
	if len(loads) > 0 {
		t.Empty = ""
		foot := viewRow{Cells: []cell{headCell("合计"), textCell(""), textCell(""), textCell("")}}
		for _, n := range sum {
			foot.Cells = append(foot.Cells, numCell(strconv.Itoa(n)))
		}
		t.Foot = []viewRow{{Cells: append(foot.Cells, textCell(""))}}
		t.After = []string{"载入、拒收、跳过为行数，提示为载入时记录的提示数；重复为系统导出中此前载入的导出已有的记录数（同一记录按一条计，以较新的文件为准；内容不同的另有提示）。“已被替代”的文件已由后载入的同类文件（台账：同一县(市、区)、同一填报日期）取代，“晚于数据截至日”的台账在本期之后填报，均不计入本页其他各表。"}
	}
	return t, records
}
