package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// loadOne loads one path with the converter's limits and returns its result.
func loadOne(t *testing.T, c *Converter, path string) *Result {
	t.Helper()
	l := &Loader{DB: testDB(t), Conv: c, Now: time.Now}
	res, err := l.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

// TestNotARegularFile: a FIFO named .csv in a folder (which would block
// the batch) and a link named .csv to /dev/zero (which never ends) are
// refused at once, saying what they are; the rest of the folder loads.
func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "a.csv"), 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "b.csv")); err != nil {
		t.Fatal(err)
	}
	good := "站点编号,所属区划,信息录入时间\nS1,140702101,2023-05-01 09:00\n"
	if err := os.WriteFile(filepath.Join(dir, "c.csv"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []*Result, 1)
	go func() {
		l := &Loader{DB: testDB(t), Conv: converter(t), Now: time.Now}
		res, _ := l.Load(context.Background(), paths)
		done <- res
	}()
	select {
	case res := <-done:
		want := map[string]string{"a.csv": "是命名管道（FIFO），不是台账或导出文件", "b.csv": "是指向 /dev/zero 的链接，而 /dev/zero 是设备文件"}
		for _, r := range res {
			base := filepath.Base(r.Path)
			if w, ok := want[base]; ok && (r.Status != Refused || !strings.Contains(r.Reason, w)) {
				t.Errorf("%s: %s %q, want refused: %s", base, r.Status, r.Reason, w)
			}
			if base == "c.csv" && r.Status != Loaded {
				t.Errorf("c.csv: %s %s", r.Status, r.Reason)
			}
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the batch hangs on the FIFO or reads /dev/zero")
	}
}

// TestLimits: each bound of the policy refuses the file whole, naming the
// bound: the file's size, an .xlsx that unpacks past its limit (a zip
// bomb), rows, a cell's length.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lim := DefaultLimits()
	with := func(f func(*Limits)) *Converter {
		c := converter(t)
		l := lim
		f(&l)
		c.Limits = l
		return c
	}
	csvRows := func(n int, cell string) []byte {
		var b strings.Builder
		b.WriteString("站点编号,所属区划,信息录入时间\n")
		for i := 0; i < n; i++ {
			b.WriteString("S1,140702101,2023-05-01 09:00," + cell + "\n")
		}
		return []byte(b.String())
	}
	// A sheet of 200,000 identical rows: 1 MB zipped, tens of MB unpacked.
	f := excelize.NewFile()
	sw, _ := f.NewStreamWriter("Sheet1")
	for i := 1; i <= 200000; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		_ = sw.SetRow(cell, []any{"站点编号", "所属区划", "信息录入时间", strings.Repeat("x", 40)})
	}
	_ = sw.Flush()
	var bomb bytes.Buffer
	_ = f.Write(&bomb)
	cases := []struct {
		name string
		body []byte
		conv *Converter
		want string
	}{
		{"big.csv", csvRows(100, ""), with(func(l *Limits) { l.FileBytes = 1000 }), "政策参数 file_max_mb"},
		{"bomb.xlsx", bomb.Bytes(), with(func(l *Limits) { l.UnzipBytes = 4 << 20 }), "工作簿解压后超过 4 MB（政策参数 xlsx_unzip_max_mb）"},
		// 10 rows of data and the header and title rows allowed above them:
		// 41 rows in all, and the header row is the 42nd
		{"rows.csv", csvRows(41, ""), with(func(l *Limits) { l.SheetRows = 10 }), "CSV 文件超出上限：数据至多 10 行（政策参数 sheet_max_rows），加表头及以上 31 行"},
		{"cell.csv", csvRows(1, strings.Repeat("长", 31)), with(func(l *Limits) { l.CellChars = 30 }), "第 2 行 D 列的单元格有 31 个字符，超出上限 30（政策参数 cell_max_chars）"},
	}
	for _, c := range cases {
		r := loadOne(t, c.conv, write(c.name, c.body))
		if r.Status != Refused || !strings.Contains(r.Reason, c.want) {
			t.Errorf("%s: %s %q, want refused: %s", c.name, r.Status, r.Reason, c.want)
		}
	}
	// within the default limits the same files are no trouble
	if r := loadOne(t, converter(t), filepath.Join(dir, "rows.csv")); r.Status != Loaded {
		t.Errorf("rows.csv within the default limits: %s %s", r.Status, r.Reason)
	}
}

// TestXLSHints: the command a refusal of an .xls offers is quoted for the
// shell (pasting it runs nothing else); an encrypted .xlsx (an OLE2
// container with an EncryptedPackage stream) is called password-protected.
func TestXLSHints(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // the hint is given where LibreOffice is not installed
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	if _, err := ReadSheets("$(touch PWNED).xls", ole); err == nil || !strings.Contains(err.Error(), "soffice --headless --convert-to xlsx '$(touch PWNED).xls'") {
		t.Errorf(".xls hint: %v", err)
	}
	if got := ShellQuote("it's.xls"); got != `'it'\''s.xls'` {
		t.Errorf("ShellQuote = %s", got)
	}
	var enc []byte
	enc = append(enc, ole...)
	for _, c := range "EncryptedPackage" {
		enc = append(enc, byte(c), 0)
	}
	if _, err := ReadSheets("台账.xlsx", enc); err == nil || !strings.Contains(err.Error(), "受密码保护的 Excel 工作簿") {
		t.Errorf("encrypted .xlsx: %v", err)
	}
}

// TestUnchangedWithoutReading: bytes loaded before are found unchanged by
// their hash before a cell is read (a converter that cannot convert would
// fail otherwise).
func TestUnchangedWithoutReading(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "站点信息.csv")
	if err := os.WriteFile(p, []byte("站点编号,所属区划,信息录入时间\nS1,140702101,2023-05-01 09:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{DB: testDB(t), Conv: converter(t), Now: time.Now}
	if res, _ := l.Load(context.Background(), []string{p}); res[0].Status != Loaded {
		t.Fatalf("first load: %s %s", res[0].Status, res[0].Reason)
	}
	l.Conv = &Converter{} // no recogniser: reading the file would panic
	res, _ := l.Load(context.Background(), []string{p})
	if res[0].Status != Unchanged {
		t.Errorf("second load: %s %s", res[0].Status, res[0].Reason)
	}
}

// TestImpossibleDates: with the load day 2024-01-20, a ledger dated 2099
// is refused; a 挂牌时间 or 入站时间 in 2099, a service entered in 2999 or
// before it started, a summary for 2099-12 or submitted before its month
// are rejected, each with its reason; a 离站时间 ahead is loaded and
// flagged (a planned departure).
func TestImpossibleDates(t *testing.T) {
	c := converter(t)
	c.Today = time.Date(2024, 1, 20, 15, 0, 0, 0, time.UTC)
	convert := func(name, text string) (*Parsed, error) {
		t.Helper()
		sheets, err := ReadSheets(name, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return c.Convert(name, sheets)
	}
	if _, err := convert("祁县_2099-12_站点台账.csv", "乡镇(街道),站点名称,挂牌时间\n昭馀镇,x站,2023-05-01\n"); err == nil || !strings.Contains(err.Error(), "填报日期 2099-12-31 晚于载入日 2024-01-20 一个月以上") {
		t.Errorf("a ledger of 2099: %v", err)
	}
	// a ledger dated at the end of the month it is sent in loads
	if _, err := convert("祁县_2024-01_站点台账.csv", "乡镇(街道),站点名称,挂牌时间\n昭馀镇,x站,2023-05-01\n"); err != nil {
		t.Errorf("a ledger dated 2024-01-31, loaded 2024-01-20: %v", err)
	}
	reasons := func(p *Parsed) map[int]string {
		out := map[int]string{}
		for _, r := range p.Rejects {
			out[r.RowNum] += r.Reason + "; "
		}
		for _, r := range p.Flags {
			out[r.RowNum] += "flag: " + r.Reason + "; "
		}
		return out
	}
	p, err := convert("祁县_2023-12_站点台账.csv", "乡镇(街道),站点名称,挂牌时间\n昭馀镇,x站,2099-05-01\n东观镇,y站,2023-05-01\n")
	if err != nil || !strings.Contains(reasons(p)[2], "日期 2099-05-01 晚于载入日 2024-01-20 一年以上，不可能") || len(p.Tables["ledger_stations"].Rows) != 1 {
		t.Errorf("挂牌时间 2099: %v %v", err, reasons(p))
	}
	staff := "乡镇(街道),姓名,身份证号码,入站时间,离站时间\n昭馀镇,王芳,11010519491231002X,2099-01-01,\n昭馀镇,李强,140702199001011231,2023-01-01,2024-03-31\n" +
		"昭馀镇,赵敏,140702199201011238,2024-02-01,至今\n"
	p, err = convert("祁县_2023-12_人员台账.csv", staff)
	if r := reasons(p); err != nil || !strings.Contains(r[2], "一年以上，不可能") || !strings.Contains(r[3], "flag: 日期 2024-03-31 晚于载入日 2024-01-20，按计划日期载入") ||
		!strings.Contains(r[4], "flag: 日期 2024-02-01 晚于载入日") || strings.Contains(r[4], "离站") || len(p.Tables["ledger_staff"].Rows) != 2 {
		t.Errorf("入站时间 2099, a planned 离站时间 and 入站时间, 至今: %v %v", err, r)
	}
	services := "服务记录编号,站点编号,服务开始日期,服务结束日期,服务人次,录入时间\n" +
		"F1,S1,2023-11-20,2023-11-20,2,2999-11-10 09:00\n" + // entered in 2999
		"F2,S1,2099-11-20,2099-11-20,2,2023-11-21 09:00\n" + // a service in 2099
		"F3,S1,2023-11-20,2023-11-20,2,2023-11-19 09:00\n" + // entered before it started
		"F4,S1,2020-11-20,2020-11-20,2,2020-11-21 09:00\n" + // before the calendar
		"F5,S1,2023-11-20,2023-11-20,2,2023-11-21 09:00\n" +
		"F6,S1,2024-01-10,2024-02-29,2,2024-01-11 09:00\n" // a case that runs on: loaded, flagged
	p, err = convert("服务记录.csv", services)
	r := reasons(p)
	if !strings.Contains(r[7], "flag: 日期 2024-02-29 晚于载入日") {
		t.Errorf("a case running on: %v", r[7])
	}
	delete(r, 7)
	if err != nil || !strings.Contains(r[2], "2999-11-10 不在节假日日历的年份内（2021–2026 年）") || !strings.Contains(r[3], "2099-11-20 不在节假日日历") ||
		!strings.Contains(r[4], "录入时间 2023-11-19 09:00 早于服务开始日期 2023-11-20") || !strings.Contains(r[5], "2020-11-20 不在节假日日历") ||
		r[6] != "" || len(p.Tables["sys_services"].Rows) != 2 {
		t.Errorf("services: %v %v", err, r)
	}
	summaries := "站点编号,总结月份,提交时间,审核状态\nS1,2099-12,2023-12-01 09:00,已通过\nS1,2023-11,2023-10-30 09:00,已通过\nS1,2023-11,2023-12-01 09:00,已通过\n"
	p, err = convert("月度总结.csv", summaries)
	r = reasons(p)
	if err != nil || !strings.Contains(r[2], "不在节假日日历") || !strings.Contains(r[3], "提交时间 2023-10-30 09:00 早于所总结的月份 2023-11") || r[4] != "" {
		t.Errorf("summaries: %v %v", err, r)
	}
}

// TestMasksHold: a name typed into a date column or the ID column, and a
// name after 审核：, never come back whole in rejects, flags, raw rows or
// messages; masks work by character (valid UTF-8); an ID keeps only its
// first six characters and no birth year is kept.
func TestMasksHold(t *testing.T) {
	staff := "乡镇(街道),姓名,身份证号码,入站时间\n" +
		"昭馀镇,王芳,11010519491231002X,司马光明\n" + // a name in the date column
		"昭馀镇,李强,欧阳娜娜,2023-01-01\n" + // a name in the ID column
		"审核:李雷雷\n"
	sheets, err := ReadSheets("祁县_2023-12_人员台账.csv", []byte(staff))
	if err != nil {
		t.Fatal(err)
	}
	p, err := converter(t).Convert("祁县_2023-12_人员台账.csv", sheets)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, r := range p.Rejects {
		all.WriteString(r.Value + " " + r.Reason + "\n")
	}
	for _, r := range p.Flags {
		all.WriteString(r.Value + " " + r.Reason + "\n")
	}
	for _, r := range p.Raw {
		all.WriteString(r.Cells + "\n")
	}
	text := all.String()
	for _, whole := range []string{"司马光明", "马光明", "欧阳娜娜", "阳娜娜", "李雷雷", "雷雷", "王芳", "1949", "1231002X"} {
		if strings.Contains(text, whole) {
			t.Errorf("%q is kept:\n%s", whole, text)
		}
	}
	for _, masked := range []string{"司***", "欧***", "李**", "110105************"} {
		if !strings.Contains(text, masked) {
			t.Errorf("no %q in:\n%s", masked, text)
		}
	}
	if !utf8.ValidString(text) {
		t.Error("a mask cut a character in two")
	}
	rows := p.Tables["ledger_staff"].Rows
	for _, r := range rows {
		if r.Values[8] != nil { // birth_year
			t.Errorf("birth year kept: %v", r.Values[8])
		}
	}
	if got := ScrubText("审核状态"); got != "审核状态" {
		t.Errorf("a header was taken for a signature: %q", got)
	}
	for in, want := range map[string]string{"审核：李雷雷": "审核:李**", "分管领导: 张伟": "分管领导: 张*", "填表人王小明": "填表人王**"} {
		if got := ScrubText(in); got != want {
			t.Errorf("ScrubText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOldMasksCut: a database made when masks kept an ID's last four and
// the birth year has both cut on its next open, once.
func TestOldMasksCut(t *testing.T) {
	db := testDB(t)
	for _, q := range []string{
		`DELETE FROM migrations`,
		`INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_masked, id_status, name_hash, birth_year, cert_level, joined_date)
			VALUES (1, 's', 2, '140727', '140727100', 'k', '110105********002X', 'valid', 'n', 1949, '无', DATE '2023-01-01')`,
		`INSERT INTO raw_rows VALUES (1, 's', 2, 'ledger_staff', 'data', '["昭馀镇","王*","110105********002X"]')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := EnsureSchema(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	var masked, cells string
	var year sql.NullInt64
	_ = db.QueryRow(`SELECT id_masked, birth_year FROM ledger_staff`).Scan(&masked, &year)
	_ = db.QueryRow(`SELECT cells FROM raw_rows`).Scan(&cells)
	if masked != "110105************" || year.Valid || !strings.Contains(cells, `"110105************"`) {
		t.Errorf("after the migration: %q %v %s", masked, year, cells)
	}
}

// TestSignaturesNotOverMasked: the words after 审核, 统计人, 负责人 that are
// no person stay as they are (headers, units, file names); a name typed
// with a space is masked; an ID number in free text keeps only its first
// six digits.
func TestSignaturesNotOverMasked(t *testing.T) {
	for in, want := range map[string]string{
		"统计人数合计":                   "统计人数合计",
		"审核：通过":                    "审核:通过",
		"制表：榆次区民政局":                "制表:榆次区民政局",
		"统计人员台账_2023-05.xlsx":      "统计人员台账_2023-05.xlsx",
		"负责人电话":                    "负责人电话",
		"审核：李 娜":                   "审核:李**",
		"备注：身份证140702197511022753": "备注:身份证140702************",
		"备注 140702751102275":       "备注 140702*********",
		"联系 13912345678":           "联系 139****5678",
	} {
		if got := ScrubText(in); got != want {
			t.Errorf("ScrubText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLinkedFolder: a link to a folder given as the argument is walked as
// the folder, and a link to /dev/zero given directly says where it points.
func TestLinkedFolder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	_ = os.Mkdir(in, 0o755)
	_ = os.WriteFile(filepath.Join(in, "a.csv"), []byte("站点编号,所属区划,信息录入时间\nS1,140702101,2023-05-01 09:00\n"), 0o644)
	link := filepath.Join(dir, "link")
	_ = os.Symlink(in, link)
	paths, err := Expand([]string{link})
	if err != nil || len(paths) != 1 || filepath.Base(paths[0]) != "a.csv" {
		t.Errorf("Expand(link to a folder) = %v, %v", paths, err)
	}
	zero := filepath.Join(dir, "z.csv")
	_ = os.Symlink("/dev/zero", zero)
	paths, _ = Expand([]string{zero})
	if r := loadOne(t, converter(t), paths[0]); r.Status != Refused || !strings.Contains(r.Reason, "是指向 /dev/zero 的链接") {
		t.Errorf("a link to /dev/zero given directly: %s %s", r.Status, r.Reason)
	}
}

// TestReloadAfterPolicyChange: a row rejected under a policy bound loads
// when the bound is raised and the same file is loaded with --reload
// (Loader.Reload), once; without it the file is unchanged.
func TestReloadAfterPolicyChange(t *testing.T) {
	dir := t.TempDir()
	sta := filepath.Join(dir, "站点信息.csv")
	svc := filepath.Join(dir, "服务记录.csv")
	_ = os.WriteFile(sta, []byte("站点编号,所属区划,信息录入时间\nS1,140702101,2023-05-01 09:00\n"), 0o644)
	_ = os.WriteFile(svc, []byte("服务记录编号,站点编号,服务开始日期,服务人次,录入时间\nF1,S1,2023-11-20,20000,2023-11-21 09:00\nF2,S1,2023-11-20,2,2023-11-21 09:00\n"), 0o644)
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now}
	if res, _ := l.Load(context.Background(), []string{sta, svc}); res[1].Status != Partly {
		t.Fatalf("first load: %s %s", res[1].Status, res[1].Reason)
	}
	lim := DefaultLimits()
	lim.PersonTimes = 50000
	l.Conv.Limits = lim
	if res, _ := l.Load(context.Background(), []string{svc}); res[0].Status != Unchanged {
		t.Errorf("without --reload: %s", res[0].Status)
	}
	l.Reload = true
	if res, _ := l.Load(context.Background(), []string{svc}); res[0].Status != Loaded {
		t.Errorf("with --reload: %s %s", res[0].Status, res[0].Reason)
	}
	var n, files int
	_ = db.QueryRow(`SELECT (SELECT count(*) FROM sys_services), (SELECT count(*) FROM files WHERE file_name = '服务记录.csv')`).Scan(&n, &files)
	if n != 2 || files != 1 {
		t.Errorf("after --reload: %d services, %d files rows; want 2 and 1", n, files)
	}
}
