package assessment

import (
	"archive/zip"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/metrics"
)

func f64(x float64) *float64 { return &x }
func intp(n int) *int        { return &n }

// hostile are texts a clerk's file may carry that a spreadsheet would read
// as a formula (OWASP CSV injection) if they were not kept as text.
var hostile = []string{`=HYPERLINK("http://x","点我")`, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"}

// A small assessment written by hand: two counties, the second with its
// coverage undefined (未报送), a fund flag and a capped deduction.
func fixture() (*metrics.Assessment, Evidence) {
	rules := metrics.Rules{Coverage: 30, Operating: 15, Certification: 15, SystemUse: 20, ServiceVolume: 10, Stages: 10,
		ServiceVolumeTarget: 20, PerFundFlag: 5, PerMissingLedgerMonth: 5, DeductionCap: 10}
	d := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	a := &metrics.Assessment{Year: 2023, AsOf: d, Rules: rules}
	x := metrics.CountyScore{CountyCode: "140727", County: "祁县",
		Coverage:      metrics.Part{Raw: f64(2.0 / 7), Points: 30 * (2.0 / 7), Max: 30, Num: intp(2), Den: intp(7)},
		Operating:     metrics.Part{Raw: f64(1), Points: 15, Max: 15},
		Certification: metrics.Part{Raw: f64(0.5), Points: 7.5, Max: 15},
		SystemUse:     metrics.Part{Raw: f64(220.0 / 3), Points: 20 * (220.0 / 3) / 100, Max: 20},
		ServiceVolume: metrics.Part{Raw: f64(6), Points: 3, Max: 10},
		Stages:        metrics.Part{Raw: f64(0.5), Points: 5, Max: 10},
		FundFlags: []metrics.FundFlag{{CountyCode: "140727", County: "祁县", Kind: "超范围使用", Reason: hostile[0],
			Rows: []metrics.FundRow{{File: hostile[1], Sheet: hostile[2], Row: 12, Summary: hostile[3], Purpose: hostile[4]}}}},
		MissingLedgerMonths: []string{"2023-04"},
		FundDeduction:       5, LedgerDeduction: 5, Deduction: 10, Rank: 1}
	x.Total = x.PartsSum() - 10
	y := metrics.CountyScore{CountyCode: "140721", County: "榆社县",
		Coverage: metrics.Part{Max: 30}, Operating: metrics.Part{Max: 15}, Certification: metrics.Part{Max: 15},
		SystemUse: metrics.Part{Max: 20}, ServiceVolume: metrics.Part{Max: 10}, Stages: metrics.Part{Max: 10},
		MissingLedgerMonths: []string{"2023-05", "2023-06", "2023-07"}, LedgerDeduction: 15, Deduction: 10, Total: 0, Rank: 2}
	a.Counties = []metrics.CountyScore{x, y}
	est := d.AddDate(0, -6, 0)
	ev := Evidence{
		Townships: []metrics.TownshipStation{{CountyCode: "140727", County: "祁县", TownshipCode: "140727100", Township: "昭馀镇", Reported: true,
			Stations: hostile[5], Established: &est, Status: "运营中", Workers: intp(2), ServicesOperatingWindow: intp(9), Stage: "提升", Missing: hostile[3]}},
		Workers: []metrics.Worker{{CountyCode: "140727", County: "祁县", Township: "昭馀镇", File: hostile[0], Sheet: "人员台账", Row: 4, Role: hostile[2],
			CertLevel: hostile[4], Certified: true}},
	}
	return a, ev
}

// TestWorkbook opens the workbook back: the summary's raw values, its
// formulas and their cached results (numbers, equal to the scores), the
// number formats, print setup and frozen header of every sheet, the title
// naming the year and date, and every hostile text stored as text with
// the quote prefix.
func TestWorkbook(t *testing.T) {
	a, ev := fixture()
	path := filepath.Join(t.TempDir(), "考核.xlsx")
	if err := Write(path, a, ev); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantSheets := "汇总 覆盖率 运营率 持证率 系统使用 服务量 阶段 扣分 说明"
	if got := strings.Join(f.GetSheetList(), " "); got != wantSheets {
		t.Fatalf("sheets %q, want %q", got, wantSheets)
	}
	title, _ := f.GetCellValue("汇总", "A1")
	note, _ := f.GetCellValue("汇总", "A2")
	if title != "晋中市2023年度乡镇（街道）社工站建设目标考核评分表" || !strings.Contains(note, "数据截至 2023年12月31日") {
		t.Errorf("title %q, note %q", title, note)
	}
	x := a.Counties[0]
	cells := []struct {
		ref, formula string
		want         float64
		format       string
	}{
		{"C4", "", *x.Coverage.Raw, "0.00%"},
		{"D4", "30*C4", x.Coverage.Points, "0.00"},
		{"F4", "15*E4", 15, "0.00"},
		{"I4", "", *x.SystemUse.Raw, "0.00"},
		{"J4", "20*I4/100", x.SystemUse.Points, "0.00"},
		{"L4", "10*MIN(1,K4/20)", 3, "0.00"},
		{"O4", "", 1, ""},
		{"Q4", "MIN(10,5*O4+5*P4)", 10, "0.00"},
		{"R4", "MAX(0,D4+F4+H4+J4+L4+N4-Q4)", x.Total, "0.00"},
		{"S4", "RANK(R4,$R$4:$R$5)", 1, ""},
		{"D5", "30*C5", 0, "0.00"},
		{"R5", "MAX(0,D5+F5+H5+J5+L5+N5-Q5)", 0, "0.00"},
		{"S5", "RANK(R5,$R$4:$R$5)", 2, ""},
	}
	for _, c := range cells {
		formula, _ := f.GetCellFormula("汇总", c.ref)
		raw, _ := f.GetCellValue("汇总", c.ref, excelize.Options{RawCellValue: true})
		got, err := strconv.ParseFloat(raw, 64)
		if formula != c.formula || err != nil || got != c.want {
			t.Errorf("%s: formula %q value %q; want %q and exactly %v", c.ref, formula, raw, c.formula, c.want)
		}
		if c.format != "" {
			id, _ := f.GetCellStyle("汇总", c.ref)
			st, _ := f.GetStyle(id)
			if st.CustomNumFmt == nil || *st.CustomNumFmt != c.format {
				t.Errorf("%s: number format %v, want %s", c.ref, st.CustomNumFmt, c.format)
			}
		}
	}
	if v, _ := f.GetCellValue("汇总", "C5"); v != "" {
		t.Errorf("C5 (coverage of a county that did not report) = %q, want empty", v)
	}
	if v, _ := f.GetCellValue("汇总", "C4"); v != "28.57%" {
		t.Errorf("C4 shows %q, want 28.57%%", v)
	}
	// the XML itself: formula results are numbers (no t="str")
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if n := strings.Count(string(b), "<f>"); n != 2*9 || strings.Contains(string(b), `t="str"`) {
				t.Errorf("summary XML: %d formulas (want 18), cached results as text: %v", n, strings.Contains(string(b), `t="str"`))
			}
		}
	}
	zr.Close()
	for _, sh := range f.GetSheetList() {
		layout, err := f.GetPageLayout(sh)
		if err != nil || layout.Size == nil || *layout.Size != 9 || layout.Orientation == nil || *layout.Orientation != "landscape" ||
			layout.FitToWidth == nil || *layout.FitToWidth != 1 {
			t.Errorf("%s: page layout %+v %v, want A4 landscape one page wide", sh, layout, err)
		}
		panes, _ := f.GetPanes(sh)
		if !panes.Freeze || panes.YSplit != 3 {
			t.Errorf("%s: panes %+v, want the three title and header rows frozen", sh, panes)
		}
		found := false
		for _, dn := range f.GetDefinedName() {
			found = found || (dn.Name == "_xlnm.Print_Titles" && dn.Scope == sh && strings.HasSuffix(dn.RefersTo, "!$1:$3"))
		}
		if !found {
			t.Errorf("%s: no print titles $1:$3", sh)
		}
	}
	calc, _ := f.GetCalcProps()
	if calc.FullCalcOnLoad == nil || !*calc.FullCalcOnLoad {
		t.Error("the workbook does not ask for recalculation on opening")
	}
	// every hostile text: a text cell (never a formula) with the quote prefix
	seen := map[string]bool{}
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh, excelize.Options{RawCellValue: true})
		for i, row := range rows {
			for j, v := range row {
				for _, h := range hostile {
					if !strings.Contains(v, strings.TrimLeft(h, "\t\r")) {
						continue
					}
					ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
					seen[h] = true
					if fm, _ := f.GetCellFormula(sh, ref); fm != "" {
						t.Errorf("%s!%s: %q became the formula %q", sh, ref, v, fm)
					}
					id, _ := f.GetCellStyle(sh, ref)
					if q := f.Styles.CellXfs.Xf[id].QuotePrefix; q == nil || !*q {
						t.Errorf("%s!%s: %q without the quote prefix", sh, ref, v)
					}
					if typ, _ := f.GetCellType(sh, ref); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
						t.Errorf("%s!%s: %q stored as type %v, not text", sh, ref, v, typ)
					}
				}
			}
		}
	}
	for _, h := range hostile {
		if !seen[h] {
			t.Errorf("%q is in no sheet", h)
		}
	}
	// the deductions: 祁县's 5 + 5, 榆社县's 3 × 5 with the cap's −5
	rows, _ := f.GetRows("扣分", excelize.Options{RawCellValue: true})
	sum := map[string]float64{}
	for _, r := range rows[3:] {
		v, _ := strconv.ParseFloat(r[6], 64)
		sum[r[0]] += v
	}
	if sum["祁县"] != 10 || sum["榆社县"] != 10 || len(rows) != 3+2+4 {
		t.Errorf("deduction sheet sums %v over %d rows, want 10 and 10 over 6 rows", sum, len(rows)-3)
	}
}
