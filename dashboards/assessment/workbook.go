// Package assessment writes the year-end assessment workbook
// (spec outputs.md "Assessment workbook"): a summary sheet whose points,
// deductions, totals and ranks are Excel formulas over the raw values, so
// that a reviewer sees how every point is made, and one sheet per part
// listing the rows behind it.
//
// In: a metrics.Assessment and its evidence. Out: one .xlsx file.
package assessment

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/dashboards/sheet"
	"sgz/metrics"
)

// Evidence is what the part sheets list besides the assessment itself.
type Evidence struct {
	Townships []metrics.TownshipStation // every in-scope township as of the date
	Workers   []metrics.Worker          // every active worker as of the date
}

// Title names the assessment: the year, and 预评估 before the year ends.
func Title(a *metrics.Assessment) string {
	t := fmt.Sprintf("晋中市%d年度乡镇（街道）社工站建设目标考核评分表", a.Year)
	if a.Forecast {
		t += "（预评估）"
	}
	return t
}

// AsOfText says as of when, and for a forecast that it is one.
func AsOfText(a *metrics.Assessment) string {
	s := "数据截至 " + a.AsOf.Format("2006年1月2日")
	if a.Forecast {
		s += "；年度未结束，本表为预评估，年末结果以 12 月 31 日数据为准"
	}
	return s
}

// kind is how a column's values are written.
type kind int

const (
	text kind = iota
	count
	pct     // a rate 0–1, shown 0.00%
	decimal // shown 0.00
	day     // a date, shown yyyy-mm-dd
)

type styles struct{ title, note, head, text, count, pct, decimal, day, total int }

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var st styles
	var err error
	top := &excelize.Alignment{Vertical: "top"}
	for _, x := range []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}}},
		{&st.note, excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}},
		{&st.head, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		// numbers at the top of their row, as the texts beside them
		{&st.count, excelize.Style{Border: border, NumFmt: 1, Alignment: top}},
		{&st.pct, excelize.Style{Border: border, CustomNumFmt: ptr("0.00%"), Alignment: top}},
		{&st.decimal, excelize.Style{Border: border, CustomNumFmt: ptr("0.00"), Alignment: top}},
		{&st.day, excelize.Style{Border: border, CustomNumFmt: ptr("yyyy-mm-dd"), Alignment: top}},
		{&st.total, excelize.Style{Border: border, Font: &excelize.Font{Bold: true}, CustomNumFmt: ptr("0.00"), Alignment: top}},
		// text from the inputs: its own style, so that the quote prefix
		// below marks text cells only
		{&st.text, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
	} {
		if *x.dst, err = f.NewStyle(&x.s); err != nil {
			return st, err
		}
	}
	// Excel's quote prefix (the ' typed before a text): a text cell that
	// starts with =, +, -, @ stays text even when someone edits it.
	f.Styles.CellXfs.Xf[st.text].QuotePrefix = ptr(true)
	return st, nil
}

func (st styles) of(k kind) int {
	switch k {
	case count:
		return st.count
	case pct:
		return st.pct
	case decimal:
		return st.decimal
	case day:
		return st.day
	}
	return st.text
}

// Write writes the workbook of a to path.
func Write(path string, a *metrics.Assessment, ev Evidence) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", summarySheet); err != nil {
		return err
	}
	if err := writeSummary(f, st, a); err != nil {
		return fmt.Errorf("%s: %w", summarySheet, err)
	}
	for _, t := range partTables(a, ev) {
		if _, err := f.NewSheet(t.name); err != nil {
			return err
		}
		if err := writeTable(f, st, t); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	// Excel and WPS recompute the formulas on opening; the cached results
	// are sgz's own figures, so a reader that does not compute shows them.
	if err := f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: ptr(true)}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return err
	}
	book, err := numericFormulaResults(b.Bytes(), "xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	return os.WriteFile(path, book, 0o644)
}

const summarySheet = "汇总"

// summary columns: code, county, then (raw, points) per part, fund flags,
// months without a ledger, deduction, total, rank.
var summaryHeader = []string{"代码", "县（市、区）",
	"覆盖率", "覆盖率\n得分", "运营率", "运营率\n得分", "持证率", "持证率\n得分",
	"系统使用\n月均得分", "系统使用\n得分", "站均月\n服务量（次）", "服务量\n得分", "提升及以上\n占比", "阶段\n得分",
	"资金问题\n（个）", "缺报台账\n（月）", "扣分", "总分", "排名"}

// writeSummary writes the summary sheet: raw values and formulas whose
// cached results are sgz's figures, at full precision.
func writeSummary(f *excelize.File, st styles, a *metrics.Assessment) error {
	name := summarySheet
	// each header on at most two lines, broken where it says
	for j, h := range summaryHeader {
		w := 0
		for _, line := range strings.Split(h, "\n") {
			w = max(w, sheet.Width(line))
		}
		col, _ := excelize.ColumnNumberToName(j + 1)
		if err := f.SetColWidth(name, col, col, float64(max(w, 7)+3)); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(summaryHeader))
	r := a.Rules
	note := AsOfText(a) + "。" + fmt.Sprintf("各项得分 = 分值 × 原始值（覆盖率 %s 分、运营率 %s 分、持证率 %s 分、系统使用 %s 分 × 月均得分 ÷ 100、服务量 %s 分 × min(1, 站均月服务量 ÷ %s)、阶段 %s 分）；扣分 = 每个资金问题 %s 分 + 每缺报一个月台账 %s 分，最多 %s 分；总分 = 各项得分之和 − 扣分，不低于 0。原始值空白表示无法计算（如未报送），该项得 0 分。原始值和得分按全精度计算，显示保留两位小数；排名按全精度总分，同分同名次。各项所依据的明细见后面各工作表。",
		num(r.Coverage), num(r.Operating), num(r.Certification), num(r.SystemUse), num(r.ServiceVolume), num(r.ServiceVolumeTarget), num(r.Stages),
		num(r.PerFundFlag), num(r.PerMissingLedgerMonth), num(r.DeductionCap))
	for _, x := range []struct {
		row    int
		text   string
		style  int
		height float64
	}{{1, Title(a), st.title, 26}, {2, note, st.note, 62}} {
		ref := "A" + strconv.Itoa(x.row)
		if err := f.SetCellStr(name, ref, x.text); err != nil {
			return err
		}
		_ = f.MergeCell(name, ref, last+strconv.Itoa(x.row))
		_ = f.SetCellStyle(name, ref, last+strconv.Itoa(x.row), x.style)
		_ = f.SetRowHeight(name, x.row, x.height)
	}
	for j, h := range summaryHeader {
		ref, _ := excelize.CoordinatesToCellName(j+1, 3)
		if err := f.SetCellStr(name, ref, h); err != nil {
			return err
		}
	}
	_ = f.SetCellStyle(name, "A3", last+"3", st.head)
	_ = f.SetRowHeight(name, 3, 32)
	first, lastRow := 4, 3+len(a.Counties)
	for i, c := range a.Counties {
		n := first + i
		cells := []struct {
			value   any    // float64, int, string, or nil (empty)
			formula string // with # for the row
			style   int
		}{
			{c.CountyCode, "", st.text}, {c.County, "", st.text},
			{rawOf(c.Coverage), "", st.pct}, {c.Coverage.Points, num(r.Coverage) + "*C#", st.decimal},
			{rawOf(c.Operating), "", st.pct}, {c.Operating.Points, num(r.Operating) + "*E#", st.decimal},
			{rawOf(c.Certification), "", st.pct}, {c.Certification.Points, num(r.Certification) + "*G#", st.decimal},
			{rawOf(c.SystemUse), "", st.decimal}, {c.SystemUse.Points, num(r.SystemUse) + "*I#/100", st.decimal},
			{rawOf(c.ServiceVolume), "", st.decimal}, {c.ServiceVolume.Points, num(r.ServiceVolume) + "*MIN(1,K#/" + num(r.ServiceVolumeTarget) + ")", st.decimal},
			{rawOf(c.Stages), "", st.pct}, {c.Stages.Points, num(r.Stages) + "*M#", st.decimal},
			{len(c.FundFlags), "", st.count}, {len(c.MissingLedgerMonths), "", st.count},
			{c.Deduction, "MIN(" + num(r.DeductionCap) + "," + num(r.PerFundFlag) + "*O#+" + num(r.PerMissingLedgerMonth) + "*P#)", st.decimal},
			{c.Total, "MAX(0,D#+F#+H#+J#+L#+N#-Q#)", st.total},
			{c.Rank, fmt.Sprintf("RANK(R#,$R$%d:$R$%d)", first, lastRow), st.count},
		}
		for j, x := range cells {
			ref, _ := excelize.CoordinatesToCellName(j+1, n)
			var err error
			switch v := x.value.(type) {
			case nil:
			case string:
				err = f.SetCellStr(name, ref, v)
			case int:
				err = f.SetCellInt(name, ref, int64(v))
			case float64:
				// the shortest text that reads back as the same number
				// (excelize's own float writing keeps 15 digits)
				err = f.SetCellDefault(name, ref, strconv.FormatFloat(v, 'f', -1, 64))
			}
			if err == nil && x.formula != "" {
				err = f.SetCellFormula(name, ref, strings.ReplaceAll(x.formula, "#", strconv.Itoa(n)))
			}
			if err == nil {
				err = f.SetCellStyle(name, ref, ref, x.style)
			}
			if err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 3, TopLeftCell: "C4", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	return sheet.PrintSetup(f, name, true, 3)
}

func rawOf(p metrics.Part) any {
	if p.Raw == nil {
		return nil
	}
	return *p.Raw
}

// num writes a policy number as a formula takes it: 30, 0.5.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// table is one part sheet: a title, a note, a header and typed rows.
type table struct {
	name, title, note string
	header            []string
	kinds             []kind
	rows              [][]any
}

// writeTable writes a part sheet: title and note rows, the header, the
// rows as their kinds say (nil cells empty), widths from the content,
// borders, frozen header, A4 landscape one page wide with the title rows
// repeated.
func writeTable(f *excelize.File, st styles, t table) error {
	last, _ := excelize.ColumnNumberToName(len(t.header))
	name := t.name
	if err := f.SetCellStr(name, "A1", t.title); err != nil {
		return err
	}
	_ = f.MergeCell(name, "A1", last+"1")
	_ = f.SetCellStyle(name, "A1", last+"1", st.title)
	_ = f.SetRowHeight(name, 1, 24)
	if err := f.SetCellStr(name, "A2", t.note); err != nil {
		return err
	}
	_ = f.MergeCell(name, "A2", last+"2")
	_ = f.SetCellStyle(name, "A2", last+"2", st.note)
	widths := make([]int, len(t.header))
	for j, h := range t.header {
		ref, _ := excelize.CoordinatesToCellName(j+1, 3)
		if err := f.SetCellStr(name, ref, h); err != nil {
			return err
		}
		widths[j] = sheet.Width(h)
	}
	_ = f.SetCellStyle(name, "A3", last+"3", st.head)
	cellWidths := make([][]int, len(t.rows))
	for i, row := range t.rows {
		cellWidths[i] = make([]int, len(t.header))
		for j := range t.header {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+4)
			k := text
			if j < len(t.kinds) {
				k = t.kinds[j]
			}
			var v any
			if j < len(row) {
				v = row[j]
			}
			w, err := setCell(f, name, ref, v)
			if err != nil {
				return err
			}
			if k == day {
				w = 10
			}
			cellWidths[i][j] = w
			widths[j] = max(widths[j], w)
			if err := f.SetCellStyle(name, ref, ref, st.of(k)); err != nil {
				return err
			}
		}
	}
	// Columns as wide as their content, a long text wrapping at 50; the
	// last column wider when the title (14 pt) would not fit above them.
	total := 0
	for j := range widths {
		widths[j] = min(widths[j], 50) + 2
		total += widths[j]
	}
	if need := sheet.Width(t.title) * 13 / 10; total < need {
		widths[len(widths)-1] += need - total
	}
	for j, w := range widths {
		col, _ := excelize.ColumnNumberToName(j + 1)
		_ = f.SetColWidth(name, col, col, float64(w))
	}
	// Row heights for wrapped text, since a spreadsheet that only prints
	// (LibreOffice converting, a phone's viewer) does not grow rows.
	lines := func(w, col int) int { return max(1, (w+col-3)/(col-2)) }
	_ = f.SetRowHeight(name, 2, float64(15*lines(sheet.Width(t.note), sumOf(widths))))
	for i := range t.rows {
		n := 1
		for j, w := range cellWidths[i] {
			n = max(n, lines(w, widths[j]))
		}
		if n > 1 {
			_ = f.SetRowHeight(name, i+4, float64(15*n))
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return sheet.PrintSetup(f, name, true, 3)
}

// setCell writes one value (nil: nothing) and returns its width.
func setCell(f *excelize.File, name, ref string, v any) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return sheet.Width(x), f.SetCellStr(name, ref, x) // text stays text
	case *time.Time:
		if x == nil {
			return 0, nil
		}
		return 10, f.SetCellValue(name, ref, *x)
	case time.Time:
		return 10, f.SetCellValue(name, ref, x)
	case *int:
		if x == nil {
			return 0, nil
		}
		return len(strconv.Itoa(*x)), f.SetCellInt(name, ref, int64(*x))
	case int:
		return len(strconv.Itoa(x)), f.SetCellInt(name, ref, int64(x))
	case *float64:
		if x == nil {
			return 0, nil
		}
		return setCell(f, name, ref, *x)
	case float64:
		// the shortest text that reads back as the same number (excelize's
		// own float writing keeps 15 digits)
		return 8, f.SetCellDefault(name, ref, strconv.FormatFloat(x, 'f', -1, 64))
	}
	return 0, fmt.Errorf("cell %s: no way to write %T", ref, v)
}

func ptr[T any](v T) *T { return &v }

// formulaAsText is a formula cell whose cached result excelize marks as
// text (t="str"); numericFormulaResults drops the mark.
var formulaAsText = regexp.MustCompile(`(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="str"(><f>)`)

// numericFormulaResults rewrites one worksheet of an .xlsx so that its
// formulas' cached results are numbers: excelize's SetCellFormula stores
// them as text, which a spreadsheet that does not recompute (a phone's
// viewer, LibreOffice by default) shows unformatted and left-aligned. Only
// the summary sheet has formulas, and all of them compute numbers.
func numericFormulaResults(book []byte, part string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if zf.Name == part {
			found = true
			b = formulaAsText.ReplaceAll(b, []byte("$1$2"))
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("the workbook has no %s", part)
	}
	return out.Bytes(), nil
}

func sumOf(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
