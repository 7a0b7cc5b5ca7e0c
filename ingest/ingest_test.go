package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/data"
)

func converter(t testing.TB) *Converter {
	t.Helper()
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	hs, err := data.Headers()
	if err != nil {
		t.Fatal(err)
	}
	return &Converter{Recogniser: NewRecogniser(hs), Resolver: NewResolver(ref), Salt: []byte("test-salt")}
}

func TestResolver(t *testing.T) {
	r := converter(t).Resolver
	for in, want := range map[string]string{"太谷县": "140703", "太谷区": "140703", "晋中市榆次区": "140702", "介休": "140781", "140727": "140727"} {
		if got, err := r.County(in); err != nil || got != want {
			t.Errorf("County(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
	if _, err := r.County("清徐县"); err == nil || !strings.Contains(err.Error(), "榆次区") {
		t.Errorf("County(清徐县) error = %v, want one listing the counties", err)
	}
	for in, want := range map[string]string{"东阳镇": "140702101", "东阳": "140702101", "140702101": "140702101", "140702101000": "140702101"} {
		tw, err := r.Township("140702", in)
		if err != nil || tw.Code != want {
			t.Errorf("Township(榆次区, %q) = %s, %v; want %s", in, tw.Code, err, want)
		}
	}
	// A code of another county, and a name that is no township of it.
	if _, err := r.Township("140703", "140702101"); err == nil || !strings.Contains(err.Error(), "属于 榆次区，不属于 太谷区") {
		t.Errorf("Township(太谷区, 榆次区 code) error = %v", err)
	}
	if _, err := r.Township("140702", "东阳街道办"); err == nil {
		t.Error("Township(东阳街道办): want an error, never a fuzzy guess")
	}
}

// ledgerBook writes a ledger workbook in the template's shape, with the
// quirks given: header texts, extra rows above, and the data rows.
func ledgerBook(t *testing.T, title []string, stationHeader []string, stations [][]any, staffHeader []string, staff [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	write := func(sheet string, header []string, rows [][]any) {
		r := 1
		for _, line := range title {
			_ = f.SetCellValue(sheet, "A"+itoa(r), line)
			r++
		}
		_ = f.SetSheetRow(sheet, "A"+itoa(r), &header)
		for _, row := range rows {
			r++
			_ = f.SetSheetRow(sheet, "A"+itoa(r), &row)
		}
	}
	_ = f.SetSheetName("Sheet1", "站点信息")
	write("站点信息", stationHeader, stations)
	if staffHeader != nil {
		_, _ = f.NewSheet("Sheet2")
		write("Sheet2", staffHeader, staff)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestConvertLedger(t *testing.T) {
	c := converter(t)
	title := []string{"晋中市太谷县乡镇（街道）社工站建设情况台账", "填报单位：太谷区民政局   填报日期：2023年6月30日"}
	b := ledgerBook(t, title,
		[]string{"序号", "县（市、区）", "乡镇（街道）", "社工站名称", "建站时间", "独立场地"},
		[][]any{
			{1, "太谷县", "胡村", "胡村镇社工站", "2023.5.8", "有"},
			{2, "太谷区", "范村镇", "范村镇社工站", 45000, "√"}, // serial 45000 = 2023-03-15
			{3, "太谷区", "不存在镇", "x", "2023-05-01", "是"},
			{4, "", "", "", "", ""}, // 序号 only
			{"合计", "", "", "", "", ""},
		},
		[]string{"姓名", "身份证号", "乡镇（街道）", "持证情况", "入站时间", "专职/兼职", "手机号"},
		[][]any{
			{"王芳", "11010519491231002X", "胡村镇", "中级", "2023-05-10", "专职", "13812345678"},
			{"李强", "110105194912310021", "胡村镇", "无", "2023-05-10", "兼职", "13812345679"},  // bad check digit: kept
			{"王芳", "11010519491231002x", "胡村镇", "中级", "2023-05-10", "专职", "13812345678"}, // same person again
			{"赵敏", "", "范村镇", "心理师", "2023-05-10", "专职", ""},                             // bad certificate
			{"填表人：张三  联系电话：13900001111", "", "", "", "", "", ""},
		})
	sheets, err := ReadSheets("太谷区_2023-06.xlsx", b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Convert("太谷区_2023-06.xlsx", sheets)
	if err != nil {
		t.Fatal(err)
	}
	if p.Class != "ledger" || p.CountyCode != "140703" || p.ReportDate.Format(time.DateOnly) != "2023-06-30" {
		t.Fatalf("ledger %s county %s report %v, want ledger 140703 2023-06-30", p.Class, p.CountyCode, p.ReportDate)
	}
	st := p.Tables[string(LedgerStations)]
	if st == nil || len(st.Rows) != 2 {
		t.Fatalf("station rows = %v, want 2", st)
	}
	if got := st.Rows[1].Values[3].(time.Time).Format(time.DateOnly); got != "2023-03-15" {
		t.Errorf("serial 45000 read as %s, want 2023-03-15", got)
	}
	if st.Rows[0].Values[1] != "140703101" || st.Rows[0].RowNum != 4 {
		t.Errorf("first station: township %v at row %d, want 140703101 at row 4", st.Rows[0].Values[1], st.Rows[0].RowNum)
	}
	staff := p.Tables[string(LedgerStaff)]
	if staff == nil || len(staff.Rows) != 2 {
		t.Fatalf("staff rows = %d, want 2 (one duplicate and one bad certificate rejected)", len(staff.Rows))
	}
	if status := staff.Rows[1].Values[5]; status != "bad_check_digit" {
		t.Errorf("李强 id_status = %v, want bad_check_digit", status)
	}
	if p.Skipped["seq_only"] != 1 || p.Skipped["total"] != 1 || p.Skipped["footer"] != 1 {
		t.Errorf("skipped = %v, want one each of seq_only, total, footer", p.Skipped)
	}
	want := []string{
		// two title rows and the header: the first data row is R4
		"站点信息:R6:C 乡镇（街道）:\"不存在镇\" 不是 太谷区 的乡镇（街道）",
		"Sheet2:R6:B 身份证号:同一人（身份证号码相同）已在第 4 行登记且在站时间重叠，本行不计",
		"Sheet2:R7:D 持证情况:\"心理师\" 不是职业资格等级",
	}
	if len(p.Rejects) != len(want) {
		t.Fatalf("rejects = %+v, want %d", p.Rejects, len(want))
	}
	for i, w := range want {
		rj := p.Rejects[i]
		got := rj.Sheet + ":R" + itoa(rj.RowNum) + ":" + rj.Column + ":" + rj.Reason
		if !strings.Contains(got, w) {
			t.Errorf("reject %d = %q, want it to contain %q", i, got, w)
		}
	}
	// Nothing personal in the raw rows or rejects.
	for _, r := range p.Raw {
		for _, leak := range []string{"11010519491231002X", "13812345678", "13900001111"} {
			if strings.Contains(r.Cells, leak) {
				t.Errorf("raw row %s:%d keeps %s", r.Sheet, r.RowNum, leak)
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	c := converter(t)
	good := ledgerBook(t, []string{"填报日期：2023-06-30"}, []string{"乡镇(街道)", "站点名称", "挂牌时间"}, [][]any{{"胡村镇", "x", "2023-05-01"}}, nil, nil)
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"空.xlsx", nil, "文件为空"},
		{"说明.docx", []byte("hello"), "不是表格文件"},
		{"截断.xlsx", good[:len(good)/2], "无法读取的 .xlsx 工作簿"},
		{"无表头.xlsx", ledgerBook(t, nil, []string{"甲", "乙"}, [][]any{{"1", "2"}}, nil, nil), "没有一个工作表有可识别的表头行"},
		{"太谷区.xlsx", ledgerBook(t, nil, []string{"乡镇(街道)", "站点名称", "挂牌时间"}, [][]any{{"胡村镇", "x", "2023-05-01"}}, nil, nil), "没有填报日期"},
	}
	for _, tc := range cases {
		sheets, err := ReadSheets(tc.name, tc.b)
		if err == nil {
			_, err = c.Convert(tc.name, sheets)
		}
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(r.Reason, tc.want) {
			t.Errorf("%s: %v, want a refusal mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	text := "站点编号,站点名称\nZD1,胡村镇社工站\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"utf8": []byte(text), "bom": append([]byte("\xEF\xBB\xBF"), text...), "gb18030": []byte(gb)} {
		got, err := DecodeText(in)
		if err != nil || got != text {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}

// TestFailedLoadLeavesDatabaseAsItWas loads one good file, then a file
// whose last table cannot be written (a NOT NULL column given NULL): the
// second load must leave no trace.
func TestFailedLoadLeavesDatabaseAsItWas(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }}
	report := time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)
	ok := &Result{Path: "a.xlsx", Status: Loaded, sha: "a", key: "a", size: 1, Parsed: &Parsed{FileName: "a.xlsx", Class: "ledger", CountyCode: "140703", ReportDate: &report,
		Tables: map[string]*TableRows{"ledger_stations": {Rows: []Row{{Sheet: "s", RowNum: 2, Values: []any{"140703", "140703101", "x", report, false, nil, nil, nil, nil, nil, nil, nil, nil}}}}},
		Raw:    []RawRow{{Sheet: "s", RowNum: 2, Kind: "ledger_stations", Role: "data", Cells: "[]"}}}}
	if err := l.write(ctx, ok); err != nil {
		t.Fatal(err)
	}
	counts := func() string {
		var s strings.Builder
		for _, table := range []string{"files", "raw_rows", "ledger_stations", "ledger_staff", "rejects"} {
			var n int
			_ = db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n)
			s.WriteString(table + "=" + itoa(n) + " ")
		}
		return s.String()
	}
	before := counts()
	// Same county and report date: it would replace a.xlsx, then fails on
	// its staff table (person_key NULL).
	bad := &Result{Path: "b.xlsx", Status: Loaded, sha: "b", key: "b", size: 1, Parsed: &Parsed{FileName: "b.xlsx", Class: "ledger", CountyCode: "140703", ReportDate: &report,
		Tables: map[string]*TableRows{
			"ledger_stations": {Rows: []Row{{Sheet: "s", RowNum: 2, Values: []any{"140703", "140703102", "y", report, false, nil, nil, nil, nil, nil, nil, nil, nil}}}},
			"ledger_staff":    {Rows: []Row{{Sheet: "p", RowNum: 2, Values: []any{"140703", "140703102", nil, nil, nil, "missing", "n", nil, nil, nil, nil, "无", nil, report, nil}}}}},
		Raw: []RawRow{{Sheet: "s", RowNum: 2, Kind: "ledger_stations", Role: "data", Cells: "[]"}}}}
	if err := l.write(ctx, bad); err == nil {
		t.Fatal("write of a bad file succeeded")
	}
	if after := counts(); after != before {
		t.Errorf("after a failed load: %s, want as before: %s", after, before)
	}
	var replaced sql.NullInt64
	_ = db.QueryRowContext(ctx, "SELECT replaced_by FROM files WHERE file_name = 'a.xlsx'").Scan(&replaced)
	if replaced.Valid {
		t.Errorf("a.xlsx marked replaced by %d after the replacing load failed", replaced.Int64)
	}
}

func TestRecogniseHeaders(t *testing.T) {
	r := converter(t).Recogniser
	cases := []struct {
		name     string
		rows     [][]string
		kind     Kind
		top, row int
		township int // column of 乡镇(街道), -1 when absent
		idNumber int
	}{
		{"one row under title and 填报日期", [][]string{
			{"晋中市榆次区乡镇（街道）社工站人员台账"},
			{"填报单位：榆次区民政局", "", "填报日期：2023年6月30日"},
			{"序号", "乡镇（街道）", "姓名", "身份证号码"},
			{"1", "东阳镇", "王芳", "11010519491231002X"},
		}, LedgerStaff, 2, 2, 1, 3},
		{"two rows of merged cells", [][]string{
			{"填报日期：2023-06-30"},
			{"序号", "乡镇\n（街道）", "人员情况", "", ""},
			{"", "", "姓名", "性别", "公民身份号码"},
			{"1", "东阳镇", "王芳", "女", "11010519491231002X"},
		}, LedgerStaff, 1, 2, 1, 4},
		{"export header in the first row", [][]string{
			{"站点编号", "站点名称", "行政区划代码", "信息录入时间"},
			{"ZD1", "x", "140702101000", "2023-06-01 09:00"},
		}, SysStations, 0, 0, -1, -1},
	}
	for _, c := range cases {
		l, ok := r.Recognise(Sheet{Name: "s", Rows: c.rows})
		if !ok || l.Kind != c.kind || l.HeaderTop != c.top || l.HeaderRow != c.row {
			t.Errorf("%s: kind %s rows %d..%d (ok %v), want %s %d..%d", c.name, l.Kind, l.HeaderTop, l.HeaderRow, ok, c.kind, c.top, c.row)
			continue
		}
		if c.township >= 0 && (l.Columns["township"] != c.township || l.Columns["id_number"] != c.idNumber) {
			t.Errorf("%s: township col %d, id col %d; want %d, %d", c.name, l.Columns["township"], l.Columns["id_number"], c.township, c.idNumber)
		}
	}
}

// TestXLS: an old binary workbook (testdata/ledger_taigu.xls: a one-row
// ledger of 太谷区, saved as Excel 97–2003 by LibreOffice 7.4) and a
// damaged one (the same file cut short; an OLE2 header with nothing
// behind it), with LibreOffice and without it (PATH without soffice). With
// it, the workbook converts and loads, and a damaged one is refused saying
// it is damaged (LibreOffice, asked to convert what it cannot read as
// Excel, guessed another format, and the file was refused for having no
// header row). Without it, each is refused with the command that converts
// it, a damaged one noted as damaged.
func TestXLS(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "ledger_taigu.xls"))
	if err != nil {
		t.Fatal(err)
	}
	damaged := map[string][]byte{
		"cut short":   good[:len(good)/3],
		"header only": append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...),
	}
	t.Run("with LibreOffice", func(t *testing.T) {
		if _, err := exec.LookPath("soffice"); err != nil {
			t.Skip("LibreOffice (soffice) is not installed: the case without it below runs")
		}
		c := converter(t)
		sheets, err := ReadSheets("太谷区.xls", good)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Convert("太谷区.xls", sheets)
		if err != nil {
			t.Fatal(err)
		}
		if st := p.Tables["ledger_stations"]; st == nil || len(st.Rows) != 1 || st.Rows[0].Values[1] != "140703101" {
			t.Errorf("converted .xls: %+v, want one station at 140703101", p.Tables)
		}
		for what, b := range damaged {
			_, err := ReadSheets("太谷区.xls", b)
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Reason, "已损坏") || !strings.Contains(r.Reason, "另存为 .xlsx") {
				t.Errorf("%s: %v, want a refusal saying the file is damaged and what to do", what, err)
			}
		}
	})
	t.Run("without LibreOffice", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := ReadSheets("太谷区.xls", good)
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(r.Reason, "soffice --headless --convert-to xlsx '太谷区.xls'") || strings.Contains(r.Reason, "损坏") {
			t.Errorf("a sound .xls: %v, want the command that converts it and nothing of damage", err)
		}
		for what, b := range damaged {
			_, err := ReadSheets("太谷区.xls", b)
			if !errors.As(err, &r) || !strings.Contains(r.Reason, "soffice --headless --convert-to xlsx") || !strings.Contains(r.Reason, "已损坏") {
				t.Errorf("%s: %v, want the command and a note that the file looks damaged", what, err)
			}
		}
	})
}

// A blank line in a CSV keeps the following rows numbered as in the file.
func TestCSVRowNumbers(t *testing.T) {
	text := "站点编号,站点名称,总结月份,提交时间\r\nZD1,x,2023-06,2023-07-01 09:00\r\n\r\nZD2,y,2023-13,2023-07-01 09:00\r\n"
	sheets, err := ReadSheets("月度总结.csv", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := converter(t).Convert("月度总结.csv", sheets)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejects) != 1 || p.Rejects[0].RowNum != 4 || p.Skipped["blank"] != 1 {
		t.Errorf("rejects %+v, skipped %v; want the bad month at row 4 and one blank row", p.Rejects, p.Skipped)
	}
}

// A worker who moves to another township is two rows that both count; the
// same person twice at once is one.
func TestPersonMovesOrRepeats(t *testing.T) {
	b := ledgerBook(t, []string{"晋中市祁县人员台账", "填报日期：2023年12月31日"}, []string{"乡镇(街道)", "姓名", "身份证号码", "入站时间", "离站时间"},
		[][]any{
			{"昭馀镇", "张三", "11010519491231002X", "2023-03-01", "2023-08-31"},
			{"东观镇", "张三", "11010519491231002X", "2023-09-01", ""}, // moved: counts
			{"东观镇", "张三", "11010519491231002X", "2023-10-01", ""}, // overlaps the row above
			{"古县镇", "李四", "", "2023-03-01", ""},                   // no ID: by name and township
			{"古县镇", "李四", "", "2023-05-01", "2023-06-01"},         // overlaps
		}, nil, nil)
	sheets, err := ReadSheets("祁县_2023-12.xlsx", b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := converter(t).Convert("祁县_2023-12.xlsx", sheets)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Tables["ledger_staff"].Rows); n != 3 {
		t.Errorf("loaded %d staff rows, want 3", n)
	}
	var rows []int
	for _, r := range p.Rejects {
		rows = append(rows, r.RowNum)
	}
	if fmt.Sprint(rows) != "[6 8]" { // data starts at R4 under two title rows and the header
		t.Errorf("rejected rows %v, want [6 8]", rows)
	}
}

func TestReportDate(t *testing.T) {
	cases := []struct {
		meta       [][]string
		file, want string
		byName     bool
		note       string
	}{
		{[][]string{{"填报日期：2023年6月30日"}}, "x.xlsx", "2023-06-30", false, ""},
		{[][]string{{"填报单位：祁县民政局", "填报日期：", "2023-06-30"}}, "x.xlsx", "2023-06-30", false, ""},
		{[][]string{{"填报日期：2023年6月"}}, "x.xlsx", "2023-06-30", false, "没有日"},
		{[][]string{{"填报日期：", ""}}, "祁县_2023-06.xlsx", "2023-06-30", true, "填报日期为空"},
		// a blank date cell: the next row is not the date
		{[][]string{{"填报日期："}, {"说明：2023-01-01 起执行"}}, "祁县_2023-06.xlsx", "2023-06-30", true, "填报日期为空"},
		{[][]string{{"填报日期：待定"}}, "祁县_2023-06-15.xlsx", "2023-06-15", true, "按文件名中的日期 2023-06-15 计"},
		{nil, "祁县2023年5月台账.xlsx", "2023-05-31", true, ""},
	}
	for _, c := range cases {
		d, byName, note, err := reportDate(c.meta, c.file)
		if err != nil || d.Format(time.DateOnly) != c.want || byName != c.byName || !strings.Contains(note, c.note) || (c.note == "" && note != "") {
			t.Errorf("reportDate(%q, %s) = %s %v %q %v; want %s %v %q", c.meta, c.file, d.Format(time.DateOnly), byName, note, err, c.want, c.byName, c.note)
		}
	}
	if _, _, _, err := reportDate([][]string{{"填报日期：待定"}}, "台账.xlsx"); err == nil || !strings.Contains(err.Error(), "待定") {
		t.Errorf("no date anywhere: %v, want an error quoting the 填报日期 text", err)
	}
}

// TestTemplateLoadsWithoutRejects fills the template of 榆次区 (18 in-scope
// townships, so its township list goes through the hidden sheet) as a
// clerk would and loads it: no reject, no note.
func TestTemplateLoadsWithoutRejects(t *testing.T) {
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ref.County("140702")
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, c, ref.Townships); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	dvs, err := f.GetDataValidations("人员台账")
	if err != nil || len(dvs) < 9 {
		t.Fatalf("staff sheet has %d data validations (%v), want drop-downs and date checks on 9 columns and 填报日期", len(dvs), err)
	}
	set := func(sheet, ref string, v any) {
		if err := f.SetCellValue(sheet, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, s := range []string{"站点台账", "人员台账", "资金台账"} {
		set(s, "I2", day("2023-06-30"))
	}
	// the funds sheet: a receipt at county level, a spending for 北关街道
	for i, r := range [][]any{
		{1, "榆次区", nil, "市级福彩公益金", day("2023-03-01"), "第一批拨付", nil, 360000, nil},
		{2, "榆次区", "北关街道", "市级福彩公益金", day("2023-05-10"), "5月人员经费", "人员经费", nil, 12000.5},
	} {
		for j, v := range r {
			if v != nil {
				ref, _ := excelize.CoordinatesToCellName(j+1, 5+i)
				set("资金台账", ref, v)
			}
		}
	}
	// Row 5 is the first township (北关街道): a station.
	for ref, v := range map[string]any{"D5": "北关街道社会工作服务站", "E5": day("2023-05-08"), "F5": "购买服务", "H5": "是", "I5": 120, "J5": "是", "K5": "否"} {
		set("站点台账", ref, v)
	}
	for i, p := range [][]any{
		{"榆次区", "北关街道", "王芳", "女", "11010519491231002X", "站长", "专职", "社会工作师", day("2021-10-15"), day("2023-05-10"), nil, "13812345678"},
		{"榆次区", "北关街道", "李强", "男", "140702199001011231", "驻站社工", "兼职", "无", nil, day("2023-05-20"), nil, nil},
	} {
		for j, v := range p {
			if v == nil {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(j+2, 5+i)
			set("人员台账", ref, v)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	sheets, err := ReadSheets("榆次区台账.xlsx", out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, err := converter(t).Convert("榆次区台账.xlsx", sheets)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejects) != 0 || len(p.Notes) != 0 || len(p.Flags) != 0 {
		t.Errorf("rejects %+v, notes %v, flags %+v; want none", p.Rejects, p.Notes, p.Flags)
	}
	if p.ReportDate.Format(time.DateOnly) != "2023-06-30" || p.CountyCode != "140702" {
		t.Errorf("report date %v county %s", p.ReportDate, p.CountyCode)
	}
	if n := len(p.Tables["ledger_stations"].Rows); n != 1 {
		t.Errorf("%d stations loaded, want 1", n)
	}
	if n := len(p.Tables["ledger_staff"].Rows); n != 2 {
		t.Errorf("%d staff loaded, want 2", n)
	}
	if fr := p.Tables["ledger_funds"]; fr == nil || len(fr.Rows) != 2 || fr.Rows[0].Values[7] != int64(36_000_000) || fr.Rows[1].Values[8] != int64(1_200_050) {
		t.Errorf("funds rows %+v, want 360,000.00 received and 12,000.50 spent", fr)
	}
	if dvs, _ := f.GetDataValidations("资金台账"); len(dvs) < 6 {
		t.Errorf("funds sheet has %d data validations, want county, township, source, date, purpose and two sums", len(dvs))
	}
	// The 17 other pre-filled townships are skipped as such, nothing else.
	if p.Skipped["place_only"] != 17 || p.SkippedTotal() != 17 {
		t.Errorf("skipped %v, want 17 place_only", p.Skipped)
	}
}

// shouyangLedger returns a writer of one-station 寿阳县 ledgers reported
// 2023-11-30 into dir: name and township in, path out.
func shouyangLedger(t *testing.T, dir string) func(name, township string) string {
	return func(name, township string) string {
		b := ledgerBook(t, []string{"晋中市寿阳县台账", "填报日期：2023年11月30日"}, []string{"乡镇(街道)", "站点名称", "挂牌时间"},
			[][]any{{township, "x站", "2023-05-01"}}, nil, nil)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// A correction whose station rows are all rejected replaces nothing: the
// county keeps the stations of the file it was meant to correct.
func TestAllRejectedSheetReplacesNothing(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now}
	write := shouyangLedger(t, t.TempDir())
	if _, err := l.Load(ctx, []string{write("寿阳县_2023-11.xlsx", "朝阳镇")}); err != nil {
		t.Fatal(err)
	}
	res, err := l.Load(ctx, []string{write("寿阳县_2023-11_更正.xlsx", "不存在乡")})
	if err != nil || res[0].Status != Partly || len(res[0].Replaced) != 0 {
		t.Fatalf("correction: %v %+v", err, res[0])
	}
	var n int
	_ = db.QueryRow(`SELECT count(*) FROM ledger_stations s JOIN files f USING (file_id) WHERE f.replaced_by IS NULL AND f.has_station_sheet`).Scan(&n)
	if n != 1 {
		t.Errorf("%d station rows in force, want the original's 1", n)
	}
}

// Services loaded before their stations are rejected; once the stations
// export is in, the same services file loads again and its rows count.
func TestServicesReloadOnceStationsKnown(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	dir := t.TempDir()
	svc := filepath.Join(dir, "服务记录.csv")
	sta := filepath.Join(dir, "站点信息.csv")
	_ = os.WriteFile(svc, []byte("服务记录编号,站点编号,服务开始日期,服务人次,录入时间\nF1,S1,2023-11-20,2,2023-11-21 09:00\n"), 0o644)
	_ = os.WriteFile(sta, []byte("站点编号,站点名称,行政区划代码,信息录入时间\nS1,x,140725100000,2023-06-01 09:00\n"), 0o644)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now}
	count := func() (n int) {
		_ = db.QueryRow(`SELECT count(*) FROM sys_services`).Scan(&n)
		return n
	}
	res, _ := l.Load(ctx, []string{svc})
	if res[0].Status != Partly || count() != 0 {
		t.Fatalf("services before stations: %s, %d rows", res[0].Status, count())
	}
	if res, _ = l.Load(ctx, []string{sta}); res[0].Status != Loaded {
		t.Fatalf("stations: %s %s", res[0].Status, res[0].Reason)
	}
	res, _ = l.Load(ctx, []string{svc})
	if res[0].Status != Loaded || count() != 1 {
		t.Errorf("services again: %s (%s), %d rows; want loaded, 1 row", res[0].Status, res[0].Reason, count())
	}
	var files int
	_ = db.QueryRow(`SELECT count(*) FROM files WHERE file_name = '服务记录.csv'`).Scan(&files)
	if files != 1 {
		t.Errorf("%d files rows for the services file, want 1 (the earlier load removed)", files)
	}
	// Loaded a fourth time, nothing is unknown any more: unchanged.
	if res, _ = l.Load(ctx, []string{svc}); res[0].Status != Unchanged {
		t.Errorf("services a fourth time: %s, want unchanged", res[0].Status)
	}

	// In another database, the stations export and the services file sent
	// again in one batch: the services load again in that same run.
	db2 := testDB(t)
	l2 := &Loader{DB: db2, Conv: converter(t), Now: time.Now}
	if res, _ = l2.Load(ctx, []string{svc}); res[0].Status != Partly {
		t.Fatalf("first: %s", res[0].Status)
	}
	res, _ = l2.Load(ctx, []string{svc, sta})
	var n int
	_ = db2.QueryRow(`SELECT count(*) FROM sys_services`).Scan(&n)
	if n != 1 {
		t.Errorf("after stations and services in one batch: %d services, want 1 (%s %s)", n, res[1].Status, res[1].Reason)
	}
}

// testDB is an empty on-disk database with the ingest tables.
func testDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := EnsureSchema(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// The 录入人 of a service record is a person: masked in the raw rows.
func TestEnteredByMasked(t *testing.T) {
	text := "服务记录编号,站点编号,服务开始日期,服务人次,录入时间,录入人\nF1,S1,2023-11-20,2,2023-11-21 09:00,王晓丽\n"
	sheets, err := ReadSheets("服务记录.csv", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := converter(t).Convert("服务记录.csv", sheets)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Raw {
		if strings.Contains(r.Cells, "晓丽") {
			t.Errorf("raw row %d keeps the name: %s", r.RowNum, r.Cells)
		}
	}
}

// TestKeyOutsideDatabase: the key of personal hashes lives in a file next
// to the database, never in it, readable by its owner only; a damaged key
// file or a lost one for a database with hashed people is refused, nothing
// made up; an in-memory database gets a key that is not written anywhere.
func TestKeyOutsideDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "k.duckdb")
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	keyPath := KeyPath(dbPath)
	key, err := Key(ctx, db, keyPath)
	if err != nil || len(key) != 32 {
		t.Fatalf("first key: %x %v", key, err)
	}
	if st, err := os.Stat(keyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file %v %v, want mode 0600", st, err)
	}
	if left, _ := filepath.Glob(keyPath + ".*"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	again, err := Key(ctx, db, keyPath)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second key %x %v, want the first %x", again, err, key)
	}
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dbPath); bytes.Contains(b, []byte(fmt.Sprintf("%x", key))) {
		t.Error("the database file holds the key")
	}

	// A damaged key file is refused.
	if err := os.WriteFile(keyPath, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Key(ctx, db, keyPath); err == nil || !strings.Contains(err.Error(), "已损坏") {
		t.Errorf("damaged key: %v", err)
	}

	// People hashed, key file lost: refused, no new key made.
	os.Remove(keyPath)
	if _, err := db.Exec(`INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_status, name_hash, cert_level, joined_date)
		VALUES (1, 's', 2, '140702', '140702001', 'p', 'valid', 'n', '无', DATE '2023-01-01')`); err != nil {
		t.Fatal(err)
	}
	if _, err := Key(ctx, db, keyPath); err == nil || !strings.Contains(err.Error(), "找不到个人信息密钥文件") {
		t.Errorf("lost key: %v", err)
	}
	if _, err := os.Stat(keyPath); !os.IsNotExist(err) {
		t.Error("a new key file was made for a database whose people were hashed with another")
	}

	// In memory: no file.
	if KeyPath(":memory:") != "" || KeyPath("") != "" {
		t.Errorf("KeyPath of an in-memory database: %q %q", KeyPath(":memory:"), KeyPath(""))
	}
	mem := testDB(t)
	if key, err := Key(ctx, mem, ""); err != nil || len(key) != 32 {
		t.Errorf("in-memory key: %x %v", key, err)
	}
}

// A load that fails half-way leaves the database as it was: here a
// correction that would replace a ledger fails after the older ledger's rows
// were deleted and its own raw rows appended; afterwards every table is as
// before, and the older ledger still counts.
func TestFailedWriteLeavesDatabaseAsItWas(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now}
	write := shouyangLedger(t, t.TempDir())
	if res, err := l.Load(ctx, []string{write("寿阳县_2023-11.xlsx", "朝阳镇")}); err != nil || res[0].Status != Loaded {
		t.Fatalf("first ledger: %v %+v", err, res)
	}
	snapshot := func() string {
		var b strings.Builder
		for _, table := range []string{"files", "raw_rows", "rejects", "row_flags", "ledger_stations", "ledger_staff"} {
			var s string
			if err := db.QueryRow(fmt.Sprintf(`SELECT coalesce(string_agg(CAST(x AS VARCHAR), chr(10) ORDER BY CAST(x AS VARCHAR)), '') FROM %s x`, table)).Scan(&s); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:\n%s\n", table, s)
		}
		return b.String()
	}
	before := snapshot()
	res := l.Prepare(ctx, []string{write("寿阳县_2023-11_更正.xlsx", "宗艾镇")})
	if res[0].Status != Loaded {
		t.Fatalf("correction prepared as %s: %s", res[0].Status, res[0].Reason)
	}
	// A row the table cannot take (one value short): the append fails after
	// the replacement and the raw rows were written in the transaction.
	stations := res[0].Parsed.Tables["ledger_stations"]
	good := stations.Rows[0]
	stations.Rows = append(stations.Rows, Row{Sheet: good.Sheet, RowNum: good.RowNum + 1, Values: good.Values[:len(good.Values)-1]})
	if err := l.write(ctx, res[0]); err == nil {
		t.Fatal("the broken write succeeded")
	}
	if after := snapshot(); after != before {
		t.Errorf("the failed load changed the database:\nbefore\n%s\nafter\n%s", before, after)
	}
	var n int
	_ = db.QueryRow(`SELECT count(*) FROM ledger_stations s JOIN files f USING (file_id) WHERE f.replaced_by IS NULL AND s.township_code = '140725100'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d rows of the first ledger in force, want 1", n)
	}
}

// A sheet sgz recognises but does not load is named, not stored: a
// recipients list (personal data) beside services; a file of nothing else
// is refused with that reason.
func TestRecognisedButNotLoaded(t *testing.T) {
	c := converter(t)
	convert := func(name string, b []byte) (*Parsed, error) {
		t.Helper()
		sheets, err := ReadSheets(name, b)
		if err != nil {
			t.Fatal(err)
		}
		return c.Convert(name, sheets)
	}
	services := ledgerBook(t, nil,
		[]string{"服务记录编号", "站点编号", "服务开始日期", "服务人次", "录入时间"}, [][]any{{"F1", "S1", "2023-11-20", 2, "2023-11-21 09:00"}},
		[]string{"对象编号", "站点编号", "姓名", "身份证号码", "对象类别", "建档日期"},
		[][]any{{"DX1", "S1", "王秀兰", "140725195001011234", "留守老人", "2023-05-01"}})
	p, err := convert("服务记录.xlsx", services)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tables["sys_services"].Rows) != 1 || !strings.Contains(strings.Join(p.Notes, "\n"), "为保护个人信息未载入") {
		t.Errorf("services with a recipients sheet: notes %q", p.Notes)
	}
	for _, r := range p.Raw {
		if r.Sheet == "Sheet2" || strings.Contains(r.Cells, "秀兰") {
			t.Errorf("a raw row of the recipients sheet was kept: %+v", r)
		}
	}
	recipients := "对象编号,站点编号,姓名,身份证号码,对象类别,建档日期\nDX1,S1,王秀兰,140725195001011234,留守老人,2023-05-01\n"
	if _, err := convert("服务对象.csv", []byte(recipients)); err == nil || !strings.Contains(err.Error(), "为保护个人信息未载入任何内容") {
		t.Errorf("recipients export: %v", err)
	}
	// With the columns a staff sheet has too, and more of them: still a
	// recipients list, refused.
	wide := "序号,对象编号,站点编号,站点名称,县(市、区),乡镇(街道),姓名,性别,身份证号码,联系电话,对象类别,建档日期,备注\n1,DX1,S1,x站,榆次区,东阳镇,王秀兰,女,140725195001011234,13912345678,留守老人,2023-05-01,\n"
	if _, err := convert("榆次区服务对象_2024-01.csv", []byte(wide)); err == nil || !strings.Contains(err.Error(), "为保护个人信息未载入任何内容") {
		t.Errorf("recipients export with staff-like columns: %v", err)
	}
}

// TestMoveKeyOut: an older database's key goes to its file and the database
// is written afresh without it; a failure on the way changes nothing and
// the move is tried again; a key file of another database is refused.
func TestMoveKeyOut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "old.duckdb")
	old := strings.Repeat("ab", 32)
	open := func() *sql.DB {
		db, err := sql.Open("duckdb", path)
		if err != nil {
			t.Fatal(err)
		}
		if err := EnsureSchema(ctx, db); err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	if _, err := db.Exec(`INSERT INTO meta VALUES ('pii_salt', ?)`, old); err != nil {
		t.Fatal(err)
	}
	// The rebuilt file cannot be made (a folder with something in it is in
	// its way): an error, and the database still holds its key.
	if err := os.MkdirAll(filepath.Join(Rebuilt(path), "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := MoveKeyOut(ctx, db, path); err == nil || !strings.Contains(err.Error(), "数据库未改动") {
		t.Errorf("blocked rebuild: %v", err)
	}
	var n int
	_ = db.QueryRow(`SELECT count(*) FROM meta WHERE key = 'pii_salt'`).Scan(&n)
	if n != 1 {
		t.Fatalf("after a failed move the database has %d keys, want its 1", n)
	}
	os.RemoveAll(Rebuilt(path))
	moved, err := MoveKeyOut(ctx, db, path)
	if err != nil || !moved {
		t.Fatalf("move: %v %v", moved, err)
	}
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ReplaceWithRebuilt(path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(old)) {
		t.Error("the rewritten database still holds the key")
	}
	if b, _ := os.ReadFile(KeyPath(path)); strings.TrimSpace(string(b)) != old {
		t.Errorf("key file %q", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("the rewritten database has mode %v, want the original's 0600", st.Mode().Perm())
	}
	if left, _ := filepath.Glob(Rebuilt(path) + "*"); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	db = open()
	defer db.Close()
	if moved, err := MoveKeyOut(ctx, db, path); moved || err != nil {
		t.Errorf("second move: %v %v, want nothing to do", moved, err)
	}
	// A key file of another database.
	if _, err := db.Exec(`INSERT INTO meta VALUES ('pii_salt', ?)`, strings.Repeat("cd", 32)); err != nil {
		t.Fatal(err)
	}
	if _, err := MoveKeyOut(ctx, db, path); err == nil || !strings.Contains(err.Error(), "不属于这个数据库") {
		t.Errorf("another database's key file: %v", err)
	}
}

// TestRejectReasonsMasked: a name and a phone number typed into a date
// column are masked in the reject's reason as in its value (the reason
// quotes the cell), so the rejects list can be published.
func TestRejectReasonsMasked(t *testing.T) {
	c := converter(t)
	title := []string{"晋中市太谷区乡镇（街道）社工站建设情况台账", "填报单位：太谷区民政局   填报日期：2023年6月30日"}
	b := ledgerBook(t, title,
		[]string{"序号", "县（市、区）", "乡镇（街道）", "社工站名称", "挂牌时间"},
		[][]any{{1, "太谷区", "胡村镇", "胡村镇社工站", "联系人王小明 13912345678"}},
		[]string{"姓名", "身份证号", "乡镇（街道）", "持证情况", "入站时间"},
		[][]any{{"李四", "11010519491231002X", "胡村镇", "无", "问11010519491231002X"}})
	sheets, err := ReadSheets("太谷区_2023-06.xlsx", b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Convert("太谷区_2023-06.xlsx", sheets)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejects) < 2 {
		t.Fatalf("rejects %+v, want the bad 挂牌时间 and the bad 入站时间", p.Rejects)
	}
	for _, r := range p.Rejects {
		for _, secret := range []string{"13912345678", "王小明", "11010519491231002X"} {
			if strings.Contains(r.Reason, secret) || strings.Contains(r.Value, secret) {
				t.Errorf("reject %+v shows %s", r, secret)
			}
		}
	}
}

// TestFundsSheet loads a funds sheet the way clerks keep one: title rows,
// a merged two-row header (金额（元） over 收入 | 支出), a 序号 column,
// sums in every form a clerk types, a 合计 row and a footer, and rows that
// cannot be read, each rejected with its reason. The expected values are
// worked out by hand from the cells below.
func TestFundsSheet(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", "站点台账")
	_ = f.SetSheetRow("站点台账", "A1", &[]any{"晋中市祁县乡镇（街道）社工站建设情况台账"})
	_ = f.SetSheetRow("站点台账", "A2", &[]any{"填报单位：祁县民政局", "填报日期：2023年6月30日"})
	_ = f.SetSheetRow("站点台账", "A3", &[]any{"乡镇(街道)", "站点名称", "挂牌时间"})
	_ = f.SetSheetRow("站点台账", "A4", &[]any{"昭馀镇", "昭馀镇社工站", "2023-03-01"})
	_, _ = f.NewSheet("Sheet3")
	rows := [][]any{
		{"晋中市祁县社工站福彩公益金使用台账"},
		{"填报单位：祁县民政局（盖章）", "", "", "", "", "", "填报日期：2023年6月30日"},
		{"序号", "乡镇(街道)", "资金来源", "日期", "摘要", "用途类别", "金额（元）"},
		{"", "", "", "", "", "", "收入", "支出"},
		{1, "", "市级福彩公益金", "2023-02-10", "拨付上半年", "", "1,200,000.00", ""}, // row 5: received 1,200,000.00
		{2, "昭馀", "市级福彩公益金", "2023年3月5日", "3月人员经费", "人员经费", "", "1.2万"},   // row 6: 12,000.00
		{3, "昭馀镇", "市福彩公益金", "2023.4.1", "督导培训", "培训督导", "", "￥3500"},     // row 7: 3,500.00
		{4, "昭馀镇", "市级福彩公益金", 45047, "办公用品", "办公经费", "", "８００"},           // row 8: 800.00, out of scope; 45047 = 2023-05-01
		{5, "", "县级配套", "2023-05-02", "配套", "办公经费", "", 5000},             // row 9: another source
		{6, "", "市级福彩公益金", "", "无日期", "服务项目", "", 100},                    // row 10: rejected, no date
		{7, "", "市级福彩公益金", "2023-06-01", "约数", "服务项目", "", "约5000"},       // row 11: rejected, amount
		{8, "", "省级福彩公益金", "2023-06-02", "省级补助", "服务项目", 20000, ""},       // row 12: loaded, source flagged
		{9, "", "市级福彩公益金", "2023-06-03", "冲减", "服务项目", "", "-300"},        // row 13: rejected, negative
		{10, "东阳镇", "市级福彩公益金", "2023-06-04", "别县乡镇", "服务项目", "", 10},      // row 14: rejected, not 祁县's
		{11, "", "市级福彩公益金", "2023-06-05", "大额", "站点建设", "", "20000000"},   // row 15: rejected, over fund_amount_max_yuan
		{12, "", "市级福彩公益金", "2023-06-06", "", "", "", ""},                 // row 16: rejected, no sums
		{"合计", "", "", "", "", "", 1220000, 20300},                        // row 17: skipped
		{"填表人：张三  联系电话：13912345678"},                                      // row 18: skipped
	}
	for i, r := range rows {
		_ = f.SetSheetRow("Sheet3", "A"+itoa(i+1), &r)
	}
	for _, m := range [][2]string{{"A3", "A4"}, {"B3", "B4"}, {"C3", "C4"}, {"D3", "D4"}, {"E3", "E4"}, {"F3", "F4"}, {"G3", "H3"}} {
		_ = f.MergeCell("Sheet3", m[0], m[1])
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "祁县_2023-06.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now}
	res, err := l.Load(context.Background(), []string{path})
	if err != nil || res[0].Status != Partly {
		t.Fatalf("load: %v %s %s", err, res[0].Status, res[0].Reason)
	}
	var got []string
	rs, err := db.Query(`SELECT row_number, coalesce(township_code, '-'), fund_source, entry_date, coalesce(purpose, '-'), received_fen, spent_fen
		FROM ledger_funds ORDER BY row_number`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var row int
		var town, source, purpose string
		var day time.Time
		var in, out int64
		if err := rs.Scan(&row, &town, &source, &day, &purpose, &in, &out); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %s %s %d %d", row, town, source, day.Format(time.DateOnly), purpose, in, out))
	}
	rs.Close()
	want := []string{
		"5 - 市级福彩公益金 2023-02-10 - 120000000 0",
		"6 140727100 市级福彩公益金 2023-03-05 人员经费 0 1200000",
		"7 140727100 市级福彩公益金 2023-04-01 培训督导 0 350000",
		"8 140727100 市级福彩公益金 2023-05-01 办公经费 0 80000",
		"9 - 县级配套 2023-05-02 办公经费 0 500000",
		"12 - 省级福彩公益金 2023-06-02 服务项目 2000000 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("funds rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	reasons := map[int]string{}
	rs, _ = db.Query(`SELECT row_number, column_name || ' ' || reason FROM rejects WHERE sheet_name = 'Sheet3'`)
	for rs.Next() {
		var row int
		var why string
		_ = rs.Scan(&row, &why)
		reasons[row] += why + "; "
	}
	rs.Close()
	for row, want := range map[int]string{10: "D 日期 必填项为空", 11: "H 支出 \"约5000\" 不是金额", 13: "是负数", 14: "不是 祁县 的乡镇", 15: "超出单笔上限 10,000,000.00 元", 16: "收入金额和支出金额都为空"} {
		if !strings.Contains(reasons[row], want) {
			t.Errorf("row %d rejected for %q, want %q", row, reasons[row], want)
		}
	}
	if len(reasons) != 6 {
		t.Errorf("rejected rows %v, want 6", reasons)
	}
	var flags string
	_ = db.QueryRow(`SELECT string_agg(row_number || ' ' || column_name, '; ' ORDER BY row_number) FROM row_flags WHERE sheet_name = 'Sheet3'`).Scan(&flags)
	if flags != "12 C 资金来源" {
		t.Errorf("flags %q, want the unknown source of row 12", flags)
	}
	var has bool
	var loaded, skipped int
	_ = db.QueryRow(`SELECT has_funds_sheet, count_loaded, count_skipped FROM files`).Scan(&has, &loaded, &skipped)
	if !has || loaded != 1+6 || skipped != 2 {
		t.Errorf("file: has_funds_sheet %v, loaded %d (want 7), skipped %d (want 2)", has, loaded, skipped)
	}
	var phone int
	_ = db.QueryRow(`SELECT count(*) FROM raw_rows WHERE cells LIKE '%13912345678%'`).Scan(&phone)
	if phone != 0 {
		t.Error("a raw row keeps the phone number of the footer")
	}
}

// A ledger loaded by an sgz that set funds sheets aside (has_funds_sheet
// NULL, no funds rows) is loaded again when it is sent again, once, so
// that its funds reach the database; without a funds sheet it stays
// unchanged.
func TestFundsSetAsideReloaded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	withFunds := filepath.Join(dir, "寿阳县_2023-11.xlsx")
	if err := os.WriteFile(withFunds, ledgerBook(t, []string{"晋中市寿阳县台账", "填报日期：2023年11月30日"},
		[]string{"乡镇(街道)", "站点名称", "挂牌时间"}, [][]any{{"朝阳镇", "朝阳镇社工站", "2023-05-01"}},
		[]string{"乡镇(街道)", "资金来源", "日期", "摘要", "用途类别", "收入金额（元）", "支出金额（元）"},
		[][]any{{"朝阳镇", "市级福彩公益金", "2023-05-01", "拨付", "站点建设", 50000, ""}}), 0o644); err != nil {
		t.Fatal(err)
	}
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now}
	if res, err := l.Load(ctx, []string{withFunds}); err != nil || res[0].Status != Loaded {
		t.Fatalf("first load: %v %+v", err, res[0])
	}
	// what an older sgz left
	for _, q := range []string{`DELETE FROM ledger_funds`, `DELETE FROM raw_rows WHERE sheet_kind = 'ledger_funds'`, `UPDATE files SET has_funds_sheet = NULL, count_loaded = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	res, err := l.Load(ctx, []string{withFunds})
	if err != nil || res[0].Status != Loaded || !strings.Contains(strings.Join(res[0].Parsed.Notes, ""), "资金台账未载入（旧版 sgz）") {
		t.Fatalf("sent again: %v %s %s", err, res[0].Status, res[0].Reason)
	}
	var files, funds, stations int
	var has bool
	_ = db.QueryRow(`SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM ledger_funds), (SELECT count(*) FROM ledger_stations),
		(SELECT bool_and(has_funds_sheet) FROM files)`).Scan(&files, &funds, &stations, &has)
	if files != 1 || funds != 1 || stations != 1 || !has {
		t.Errorf("after the reload: %d files, %d funds rows, %d station rows, has_funds_sheet %v; want 1, 1, 1, true", files, funds, stations, has)
	}
	if res, _ := l.Load(ctx, []string{withFunds}); res[0].Status != Unchanged {
		t.Errorf("third time: %s, want unchanged", res[0].Status)
	}
}
