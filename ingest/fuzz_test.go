package ingest

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/data"
)

// Fuzz targets: go test -run '^$' -fuzz '^FuzzParseDate$' -fuzztime 10s ./ingest
// The seeds are the forms inputs.md lists; .ci/run runs each target briefly.

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2023-05-31", "2023/5/31", "2023.5.31", "2023年5月31日", "20230531", "２０２３年５月３１日",
		"'2023-05-31", "2023年5月", "45077", "45077.5", "2023-06-01 09:12:33", "2023-02-30", "", "1900-01-01", "9999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if y := d.Time.Year(); y < 1950 || y > 2100 {
			t.Fatalf("ParseDate(%q) = %v: year out of range", s, d.Time)
		}
		// What was read reads back the same in the canonical form.
		again, err := ParseDate(d.Time.Format(time.DateOnly))
		if err != nil || !again.Time.Equal(d.Time) {
			t.Fatalf("ParseDate(%q) = %v, but its canonical form reads as %v, %v", s, d.Time, again.Time, err)
		}
		if d.Approx && d.Time.Day() != 1 {
			t.Fatalf("ParseDate(%q): approximate date %v is not the 1st", s, d.Time)
		}
	})
}

func FuzzIDCheck(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310021", "14070219900101123", "", "ＡＢＣ", "11010519491231002x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok, want := IDCheck(s)
		if ok && want != s[17:] {
			t.Fatalf("IDCheck(%q) valid but wants %q", s, want)
		}
		if want != "" {
			// The body with the check digit it asks for is valid.
			if ok2, want2 := IDCheck(s[:17] + want); !ok2 || want2 != want {
				t.Fatalf("IDCheck(%q) wants %q, but %q is not valid", s, want, s[:17]+want)
			}
		}
		// An ID-shaped value never shows its birth date once masked.
		if n := NormalizeID(s); len(n) == 18 {
			if _, want := IDCheck(n); want != "" && strings.Contains(MaskID(n), n[6:14]) {
				t.Fatalf("MaskID(%q) = %q shows the birth date", n, MaskID(n))
			}
		}
		if strings.ContainsAny(ScrubText(s), "\x00") != strings.ContainsAny(s, "\x00") {
			t.Fatalf("ScrubText changed more than digits in %q", s)
		}
	})
}

func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"站点编号,站点名称\nZD1,胡村镇社工站\n", "\xEF\xBB\xBF服务记录编号,站点编号\n", "plain ascii", ""} {
		f.Add([]byte(s))
		if gb, err := simplifiedchinese.GB18030.NewEncoder().String(s); err == nil {
			f.Add([]byte(gb))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := DecodeText(b)
		if err != nil {
			return
		}
		if !utf8.ValidString(out) {
			t.Fatalf("DecodeText gave invalid UTF-8 for %q", b)
		}
		if utf8.Valid(b) && !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) && out != string(b) {
			t.Fatalf("DecodeText changed valid UTF-8 %q to %q", b, out)
		}
		// Decoded GB18030 text survives encoding and decoding again (bytes
		// need not: code page 936 reads 0x80 as €, which encodes as A2E3).
		if !utf8.Valid(b) {
			back, err := simplifiedchinese.GB18030.NewEncoder().String(out)
			if err != nil {
				t.Fatalf("GB18030 %x decoded to %q, which does not encode: %v", b, out, err)
			}
			// (Bytes that are valid UTF-8 are read as UTF-8: a short GB18030
			// text can be valid UTF-8 by chance, e.g. 中 = D6 D0.)
			again, err := DecodeText([]byte(back))
			if !utf8.ValidString(back) && (err != nil || again != out) {
				t.Fatalf("GB18030 %x decoded to %q; encoded and decoded again: %q, %v", b, out, again, err)
			}
		}
	})
}

var fuzzRecogniser = func() *Recogniser {
	hs, err := data.Headers()
	if err != nil {
		panic(err)
	}
	return NewRecogniser(hs)
}()

// FuzzRecognise feeds sheets written as text: rows on lines, cells
// separated by tabs.
func FuzzRecognise(f *testing.F) {
	for _, s := range []string{
		"晋中市榆次区乡镇（街道）社工站人员台账\n填报日期：2023年6月30日\n序号\t乡镇（街道）\t姓名\t身份证号码\n1\t东阳镇\t王芳\t11010519491231002X",
		"填报日期：2023-06-30\n序号\t乡镇\n（街道）\t人员情况\t\t\n\t\t姓名\t性别\t公民身份号码",
		"站点编号\t站点名称\t行政区划代码\t信息录入时间\nZD1\tx\t140702101000\t2023-06-01 09:00",
		"服务记录编号\t站点编号\t录入时间", "甲\t乙", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, "\t"))
		}
		l, ok := fuzzRecogniser.Recognise(Sheet{Name: "s", Rows: rows})
		if !ok {
			return
		}
		if l.HeaderTop > l.HeaderRow || l.HeaderRow > l.HeaderTop+1 || l.HeaderRow >= len(rows) || l.HeaderRow >= headerScanRows+1 {
			t.Fatalf("header rows %d..%d of %d", l.HeaderTop, l.HeaderRow, len(rows))
		}
		width := max(len(rows[l.HeaderTop]), len(rows[l.HeaderRow]))
		for field, j := range l.Columns {
			if j < 0 || j >= width {
				t.Fatalf("field %s at column %d of %d", field, j, width)
			}
		}
		for _, k := range fuzzRecogniser.keys[l.Kind] {
			if _, ok := l.Columns[k]; !ok {
				t.Fatalf("kind %s recognised without key field %s", l.Kind, k)
			}
		}
	})
}

// FuzzConvert runs the whole path from a file's bytes to typed rows
// (reading within small limits, recognising, converting, masking): it must
// never panic, and whatever it keeps for people to read — raw rows,
// rejects, flags, notes — is valid UTF-8 and holds no 18-digit ID number.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		"晋中市祁县台账\n填报日期：2023年6月30日\n乡镇(街道),站点名称,挂牌时间,场地面积（㎡）\n昭馀镇,x站,2023-05-01,120\n合计,,,\n",
		"乡镇(街道),姓名,身份证号码,入站时间,离站时间\n昭馀镇,王芳,11010519491231002X,2023-01-01,\n昭馀镇,司马光明,140702199001011231,司马光明,\n",
		"服务记录编号,站点编号,服务开始日期,服务结束日期,服务人次,录入时间\nF1,S1,2023-11-20,2023-11-20,2147483648,2023-11-21 09:00\n",
		"站点编号,总结月份,提交时间,审核状态\nS1,2023-11,2023-12-01 09:00,已通过\n",
		"资金来源,日期,摘要,用途类别,收入金额（元）,支出金额（元）\n市级福彩公益金,2023-02-01,拨付,,\"1,200.00\",\n市级福彩公益金,2023-03-01,x,宴请,,1.2万\n",
	} {
		f.Add([]byte(s), true)
	}
	f.Add([]byte("PK\x03\x04"), false)
	c := converter(f)
	c.Today = time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)
	lim := DefaultLimits()
	lim.SheetRows, lim.CellChars, lim.UnzipBytes = 2000, 2000, 8<<20
	c.Limits = lim
	f.Fuzz(func(t *testing.T, b []byte, csv bool) {
		name := "祁县_2023-06_台账.xlsx"
		if csv {
			name = "祁县_2023-06_台账.csv"
		}
		sheets, err := ReadSheetsLimited(name, b, lim)
		if err != nil {
			return
		}
		p, err := c.Convert(name, sheets)
		if err != nil {
			return
		}
		var kept []string
		for _, r := range p.Raw {
			kept = append(kept, r.Cells)
		}
		for _, r := range append(p.Rejects, p.Flags...) {
			kept = append(kept, r.Value, r.Reason, r.Column)
		}
		kept = append(kept, p.Notes...)
		for _, s := range kept {
			if !utf8.ValidString(s) {
				t.Fatalf("kept text is not UTF-8: %q", s)
			}
			if m := reFullID.FindString(s); m != "" {
				t.Fatalf("an ID number is kept whole: %q in %q", m, s)
			}
		}
	})
}

// reFullID is an 18-character ID number standing alone.
var reFullID = regexp.MustCompile(`(^|[^0-9A-Za-z])[1-9][0-9]{16}[0-9Xx]($|[^0-9A-Za-z])`)
