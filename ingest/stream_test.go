package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/data"
	"sgz/gen"
)

// TestStreamEqualsWhole: the generated inputs (GB18030 and UTF-8 exports
// with and without BOM, an export that repeats the previous quarter, a
// service of an unknown station, messy ledgers) loaded with every CSV
// export streamed in chunks give exactly the database of a load that reads
// every file whole: the same typed rows, raw rows, rejects, remarks and
// file counts.
func TestStreamEqualsWhole(t *testing.T) {
	dir := generated(t)
	paths, err := Expand([]string{filepath.Join(dir, "ledgers"), filepath.Join(dir, "system")})
	if err != nil {
		t.Fatal(err)
	}
	whole, n0 := dumpLoad(t, paths, 1<<40)
	chunked, n1 := dumpLoad(t, paths, 1)
	if len(n0) != 0 || len(n1) < 6 || !slices.Contains(n1, "服务记录_2023Q2.xlsx") {
		t.Fatalf("streamed files: %q read whole (want none), %q streamed (want the services and summaries exports, .xlsx too)", n0, n1)
	}
	sameLoad(t, whole, chunked)
}

// TestXLSXStreamEqualsWhole: a workbook of system exports streamed sheet
// by sheet loads as it does read whole: a visible sheet without a header
// kept as raw rows and named, a hidden one passed over, a recipients list
// named and not loaded, services under title rows with serial and text
// dates, blank and rejected rows, and a summaries sheet; a workbook that
// holds a ledger sheet is not streamed.
func TestXLSXStreamEqualsWhole(t *testing.T) {
	dir := generated(t)
	stations, _ := filepath.Glob(filepath.Join(dir, "system", "站点信息_*.csv"))
	if len(stations) != 1 {
		t.Fatalf("stations exports: %q", stations)
	}
	b, _ := os.ReadFile(stations[0])
	sheets, err := ReadSheets(stations[0], b)
	if err != nil {
		t.Fatal(err)
	}
	known := sheets[0].Rows[1][0] // the first station's 站点编号
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "填表说明")
	_ = f.SetSheetRow("填表说明", "A1", &[]any{"本表由系统导出"})
	_ = f.SetSheetRow("填表说明", "A4", &[]any{"联系人：张三丰 13912345678"})
	_ = f.SetSheetRow("填表说明", "A40", &[]any{"（完）"}) // below the rows a header is looked for in
	_, _ = f.NewSheet("下拉")
	_ = f.SetSheetRow("下拉", "A1", &[]any{"需求评估", "个案服务"})
	_ = f.SetSheetVisible("下拉", false)
	_, _ = f.NewSheet("服务记录")
	_ = f.SetSheetRow("服务记录", "A1", &[]any{"服务记录导出"})
	_ = f.SetSheetRow("服务记录", "A2", &[]any{"导出时间：2024-01-10"})
	_ = f.SetSheetRow("服务记录", "A3", &[]any{"服务记录编号", "站点编号", "服务类型", "服务对象类别", "服务开始日期", "服务结束日期", "服务人次", "录入时间", "录入人"})
	row := 4
	for i := 0; i < 60; i++ {
		start, entered := any(45250+i%20), any(45251.5+float64(i%20)) // serial dates
		if i%3 == 0 {
			start, entered = "2023-11-05", "2023-11-06 10:00:00"
		}
		times := any(1 + i%7)
		station := known
		switch i {
		case 10:
			times = "很多"
		case 20:
			times = 2147483648
		case 30:
			station = "ZD99999999999"
		case 40:
			row++ // a blank row
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		_ = f.SetSheetRow("服务记录", cell, &[]any{fmt.Sprintf("FW-X-%03d", i), station, "个案服务", "低保对象", start, nil, times, entered, "李四光"})
		row++
	}
	cell, _ := excelize.CoordinatesToCellName(1, row)
	_ = f.SetSheetRow("服务记录", cell, &[]any{"合计", nil, nil, nil, nil, nil, 240})
	_, _ = f.NewSheet("服务对象")
	_ = f.SetSheetRow("服务对象", "A1", &[]any{"对象编号", "站点编号", "姓名", "身份证号", "联系电话"})
	_ = f.SetSheetRow("服务对象", "A2", &[]any{"DX1", known, "王五", "140702199001011234", "13912345678"})
	_, _ = f.NewSheet("月度总结")
	_ = f.SetSheetRow("月度总结", "A1", &[]any{"站点编号", "站点名称", "总结月份", "提交时间", "审核状态"})
	_ = f.SetSheetRow("月度总结", "A2", &[]any{known, "某站", "2023-11", "2023-12-03 09:00:00", "已通过"})
	_ = f.SetSheetRow("月度总结", "A3", &[]any{known, "某站", "2023-10", 45236.25, "已通过"})
	book := filepath.Join(dir, "系统导出_202401.xlsx")
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	paths := []string{stations[0], book}
	whole, n0 := dumpLoad(t, paths, 1<<40)
	chunked, n1 := dumpLoad(t, paths, 1)
	if len(n0) != 0 || !slices.Equal(n1, []string{"系统导出_202401.xlsx"}) {
		t.Fatalf("streamed: %q whole, %q chunked; want only the workbook, chunked", n0, n1)
	}
	for _, want := range []string{"工作表 填表说明：找不到可识别的表头行", "工作表 服务对象：服务对象导出", "partly loaded loaded=59"} {
		if !strings.Contains(whole, want) {
			t.Errorf("the load does not say %q:\n%s", want, whole)
		}
	}
	if strings.Contains(whole, "下拉") || strings.Contains(whole, "王五") || strings.Contains(whole, "13912345678") {
		t.Errorf("the hidden sheet or personal data reached the database:\n%s", whole)
	}
	sameLoad(t, whole, chunked)

	// A cell over cell_max_chars below the head of a sheet that is not
	// loaded refuses the workbook, streamed as read whole.
	lim := DefaultLimits()
	lim.CellChars = 100
	_ = f.SetCellValue("服务对象", "C40", strings.Repeat("长", lim.CellChars+1))
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	whole, _ = dumpLoad(t, paths, 1<<40, lim)
	chunked, _ = dumpLoad(t, paths, 1, lim)
	if !strings.Contains(whole, "cell_max_chars") {
		t.Errorf("read whole, the long cell is not refused:\n%s", whole)
	}
	if !strings.Contains(chunked, "cell_max_chars") {
		t.Errorf("streamed, the long cell is not refused:\n%s", chunked)
	}
	_ = f.SetCellValue("服务对象", "C40", "")

	// A workbook with a ledger sheet is read whole, streamed or not.
	_, _ = f.NewSheet("工作人员")
	_ = f.SetSheetRow("工作人员", "A1", &[]any{"姓名", "身份证号", "所属乡镇（街道）", "入站时间", "持证情况"})
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	out, n1 := dumpLoad(t, paths, 1)
	if len(n1) != 0 || !strings.Contains(out, "同一文件中既有县级台账又有系统导出") {
		t.Errorf("a workbook with a ledger sheet: streamed %q\n%s", n1, out)
	}
}

// generated writes the generator's inputs (seed 11) into a new folder.
func generated(t *testing.T) string {
	t.Helper()
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, _, err := gen.Generate(ref, 11, dir, gen.Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func sameLoad(t *testing.T, whole, chunked string) {
	t.Helper()
	if whole != chunked {
		a, b := strings.Split(whole, "\n"), strings.Split(chunked, "\n")
		for i := range a {
			if i >= len(b) || a[i] != b[i] {
				t.Fatalf("line %d differs:\nwhole:    %s\nstreamed: %s", i, a[i], b[min(i, len(b)-1)])
			}
		}
		t.Fatalf("the streamed load has %d more lines", len(b)-len(a))
	}
}

// TestStreamKeepsFewProblems: a streamed file with thousands of rejected
// rows keeps the first 1,000 for the summary and counts the rest; the
// database has all of them.
func TestStreamKeepsFewProblems(t *testing.T) {
	path := unknownStationExport(t, 2500)
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now, StreamBytes: 1}
	res, err := l.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	p := res[0].Parsed
	rej, _ := p.Omitted()
	var n int
	_ = db.QueryRow(`SELECT count(*) FROM rejects`).Scan(&n)
	if res[0].Status != Partly || len(p.Rejects) != 1000 || rej != 1500 || n != 2500 || p.RejectedRows() != 2500 {
		t.Errorf("%s: %d rejects kept, %d omitted, %d in the database, %d rows rejected", res[0].Status, len(p.Rejects), rej, n, p.RejectedRows())
	}
	// each rejected row keeps its raw row (an accepted record keeps none)
	var raw int
	_ = db.QueryRow(`SELECT count(*) FROM raw_rows WHERE row_role = 'rejected'`).Scan(&raw)
	if raw != 2500 {
		t.Errorf("%d raw rows of rejected rows, want 2500", raw)
	}
	// once written, the file's result holds none of its rows (a batch
	// keeps every result until its last file is written)
	for name, tr := range p.Tables {
		if cap(tr.Rows) != 0 {
			t.Errorf("%s: the result still holds %d rows", name, cap(tr.Rows))
		}
	}
	if cap(p.Raw) != 0 {
		t.Errorf("the result still holds %d raw rows", cap(p.Raw))
	}
}

// dumpLoad loads paths with StreamBytes stream and prints every row the
// load wrote, and how many files were streamed and which.
func dumpLoad(t *testing.T, paths []string, stream int64, lim ...Limits) (string, []string) {
	db := testDB(t)
	conv := converter(t)
	if len(lim) > 0 {
		conv.Limits = lim[0]
	}
	l := &Loader{DB: db, Conv: conv, Now: func() time.Time { return time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC) }, StreamBytes: stream}
	res, err := l.Load(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	var streamed []string
	var b strings.Builder
	for _, r := range res {
		if r.Parsed != nil && r.Parsed.streamed {
			streamed = append(streamed, filepath.Base(r.Path))
		}
		loaded := 0
		if r.Parsed != nil {
			loaded = r.Parsed.Loaded()
		}
		var notes []string
		if r.Parsed != nil {
			notes = r.Parsed.Notes
		}
		fmt.Fprintf(&b, "%s %s loaded=%d reason=%q notes=%q\n", filepath.Base(r.Path), r.Status, loaded, r.Reason, notes)
	}
	for _, q := range []string{
		`SELECT file_id, file_name, count_loaded, count_rejected, count_skipped, count_overlap FROM files ORDER BY file_id`,
		`SELECT * FROM sys_services ORDER BY file_id, row_number`,
		`SELECT * FROM sys_summaries ORDER BY file_id, row_number`,
		`SELECT * FROM sys_stations ORDER BY file_id, row_number`,
		`SELECT * FROM raw_rows ORDER BY file_id, sheet_name, row_number`,
		`SELECT * FROM rejects ORDER BY ALL`,
		`SELECT * FROM row_flags ORDER BY ALL`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String(), streamed
}

// unknownStationExport writes a services export of n records of a station
// no database knows, and returns its path.
func unknownStationExport(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("服务记录编号,站点编号,服务开始日期,服务人次,录入时间\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "F%d,NOSUCH,2023-11-20,2,2023-11-21 09:00\n", i)
	}
	path := filepath.Join(t.TempDir(), "服务记录.csv")
	if err := writeFile(path, b.String()); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// TestCSVSourceRowsAsWhole: the streamed reader gives the rows readCSV
// gives: blank lines as empty rows, a quoted field across lines, CRLF, a
// BOM, GB18030; and refuses one row past sheet_max_rows as readCSV does.
func TestCSVSourceRowsAsWhole(t *testing.T) {
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("站点编号,名称\nS1,昭馀镇\n\nS2,东观镇\n")
	for i, text := range []string{
		"a,b\n1,2\n\n\n3,\"x\ny\"\n4,5\n\n",
		"\xEF\xBB\xBFa,b\r\n1,2\r\n\r\n3,4\r\n",
		gbk,
	} {
		path := filepath.Join(t.TempDir(), "x.csv")
		if err := writeFile(path, text); err != nil {
			t.Fatal(err)
		}
		whole, err := readCSV("x.csv", []byte(text), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		src, err := openCSVSource(path, "x.csv", DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for {
			row, err := src.next()
			if err != nil {
				break
			}
			rows = append(rows, row)
		}
		src.Close()
		if fmt.Sprint(rows) != fmt.Sprint(whole[0].Rows) {
			t.Errorf("case %d: streamed %q, whole %q", i, rows, whole[0].Rows)
		}
	}
	lim := DefaultLimits()
	lim.SheetRows = 3 - headRows // a bound of 3 rows in all
	text := "a,b\n1,2\n\n\n3,4\n"
	path := filepath.Join(t.TempDir(), "y.csv")
	_ = writeFile(path, text)
	_, wholeErr := readCSV("y.csv", []byte(text), lim)
	src, _ := openCSVSource(path, "y.csv", lim)
	var err error
	for err == nil {
		_, err = src.next()
	}
	src.Close()
	if wholeErr == nil || err == io.EOF {
		t.Errorf("five rows with sheet_max_rows 3: whole %v, streamed %v; want both refused", wholeErr, err)
	}
	// a refusal names the line the record is on, blank lines counted
	lim = DefaultLimits()
	lim.CellChars = 3
	path = filepath.Join(t.TempDir(), "z.csv")
	_ = writeFile(path, "a,b\n\n\n1,long\n")
	src, _ = openCSVSource(path, "z.csv", lim)
	for err = nil; err == nil; {
		_, err = src.next()
	}
	src.Close()
	if err == nil || !strings.Contains(err.Error(), "第 4 行") {
		t.Errorf("an over-long cell on line 4: %v", err)
	}
}

// TestStreamReportsProgress: a streamed CSV tells Rows after each chunk
// how many rows it has converted and what part of the file it has read,
// both growing, the last call at every row and the whole file.
func TestStreamReportsProgress(t *testing.T) {
	path := unknownStationExport(t, 50000)
	type call struct {
		rows int
		part float64
	}
	var calls []call
	l := &Loader{DB: testDB(t), Conv: converter(t), Now: time.Now, StreamBytes: 1,
		Rows: func(p string, rows int, part float64) {
			if p != path {
				t.Errorf("Rows named %s", p)
			}
			calls = append(calls, call{rows, part})
		}}
	if _, err := l.Load(context.Background(), []string{path}); err != nil {
		t.Fatal(err)
	}
	// the header and first rows are converted before the chunks: 30 rows
	// (headerScanRows+1 less the header), then 20,000, 20,000 and the rest
	want := []int{20030, 40030, 50000}
	if len(calls) != len(want) {
		t.Fatalf("calls %v, want rows %v", calls, want)
	}
	for i, c := range calls {
		if c.rows != want[i] || c.part <= 0 || c.part > 1 || (i > 0 && c.part < calls[i-1].part) {
			t.Errorf("call %d: %+v (want %d rows, part growing in (0, 1])", i, c, want[i])
		}
	}
	if last := calls[len(calls)-1]; last.part != 1 {
		t.Errorf("the last call says %v of the file read, want 1", last.part)
	}
}

// TestLongLineRefusedEarly: a streamed CSV with one line far longer than
// any row of cells can be is refused once the line passes its bound
// (64 cells of cell_max_chars), not after the CSV reader has buffered it
// whole; the refusal names the line and the bound.
func TestLongLineRefusedEarly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "服务记录.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("服务记录编号,站点编号,站点名称,服务类型,服务对象类别,服务开始日期,服务结束日期,服务人次,录入时间,录入人\n")
	f.WriteString("F1,ZD1,站,个案服务,老年人,2023-06-01,2023-06-01,2,2023-06-02 10:00:00,")
	chunk := bytes.Repeat([]byte("长"), 1<<20/3)
	for i := 0; i < 20; i++ { // 20 MB on one line
		f.Write(chunk)
	}
	f.WriteString("\n")
	f.Close()
	conv := converter(t)
	lim := DefaultLimits()
	lim.CellChars = 1000 // a line bound of 256 KB
	conv.Limits = lim
	l := &Loader{DB: testDB(t), Conv: conv, Now: time.Now, StreamBytes: 1}
	res, err := l.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Status != Refused || !strings.Contains(r.Reason, "第 2 行超过") || !strings.Contains(r.Reason, "cell_max_chars") {
		t.Fatalf("%s %q, want a refusal naming line 2 and cell_max_chars", r.Status, r.Reason)
	}
}
