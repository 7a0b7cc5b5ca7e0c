package ingest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/width"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in     string
		want   string
		approx bool
	}{
		{"2023-05-31", "2023-05-31", false},
		{"2023/5/31", "2023-05-31", false},
		{"2023.5.31", "2023-05-31", false},
		{"2023年5月31日", "2023-05-31", false},
		{"2023 年 5 月 31 日", "2023-05-31", false},
		{"20230531", "2023-05-31", false},
		{"２０２３年５月３１日", "2023-05-31", false},  // full-width digits
		{"'2023-05-31", "2023-05-31", false}, // text-formatted cell
		{" 2023-05-31\n", "2023-05-31", false},
		{"2023年5月", "2023-05-01", true},
		{"2023-05", "2023-05-01", true},
		// Excel serials: 45077 is 2023-05-31 (days since 1899-12-30).
		{"45077", "2023-05-31", false},
		{"45077.5", "2023-05-31", false},
		{"2023-06-01 09:12:33", "2023-06-01", false},
	}
	for _, c := range cases {
		d, err := ParseDate(c.in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", c.in, err)
			continue
		}
		if got := d.Time.Format(time.DateOnly); got != c.want || d.Approx != c.approx {
			t.Errorf("ParseDate(%q) = %s approx=%v, want %s approx=%v", c.in, got, d.Approx, c.want, c.approx)
		}
	}
	for _, bad := range []string{"2023-02-30", "2023-13-01", "明天", "12", "1900-01-01", "2023年13月", "31/05/2023"} {
		if d, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, d.Time)
		}
	}
	if _, err := ParseDate(""); err != errNoValue {
		t.Errorf("ParseDate(\"\") error = %v, want errNoValue", err)
	}
}

func TestParseTimestamp(t *testing.T) {
	cases := map[string]string{
		"2023-06-01 09:12:33": "2023-06-01 09:12:33",
		"2023/6/1 9:12":       "2023-06-01 09:12:00",
		"2023-6-1 9:05:07":    "2023-06-01 09:05:07",
		"2023-06-01":          "2023-06-01 00:00:00",
		// Excel serial with a fraction: 45078.5 is 2023-06-01 12:00.
		"45078.5": "2023-06-01 12:00:00",
	}
	for in, want := range cases {
		got, err := ParseTimestamp(in)
		if err != nil || got.Format("2006-01-02 15:04:05") != want {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"2023-06-01 25:00", "2023-06", "昨天"} {
		if _, err := ParseTimestamp(bad); err == nil {
			t.Errorf("ParseTimestamp(%q): want an error", bad)
		}
	}
}

func TestParseMonth(t *testing.T) {
	for _, in := range []string{"2023-06", "2023年6月", "202306", "2023/6", "2023.06"} {
		got, err := ParseMonth(in)
		if err != nil || got.Format("2006-01") != "2023-06" {
			t.Errorf("ParseMonth(%q) = %v, %v; want 2023-06", in, got, err)
		}
	}
	for _, bad := range []string{"2023-13", "六月", "2023"} {
		if _, err := ParseMonth(bad); err == nil {
			t.Errorf("ParseMonth(%q): want an error", bad)
		}
	}
}

func TestYesNoCertFullTime(t *testing.T) {
	for _, in := range []string{"是", "有", "√", "Y", "y", "1", "Ｙ"} {
		if v, err := ParseYesNo(in); err != nil || !v {
			t.Errorf("ParseYesNo(%q) = %v, %v; want yes", in, v, err)
		}
	}
	for _, in := range []string{"否", "无", "×", "N", "0"} {
		if v, err := ParseYesNo(in); err != nil || v {
			t.Errorf("ParseYesNo(%q) = %v, %v; want no", in, v, err)
		}
	}
	if _, err := ParseYesNo("也许"); err == nil {
		t.Error("ParseYesNo(也许): want an error")
	}
	certs := map[string]string{
		"": CertNone, "无证": CertNone, "未取得": CertNone, "—": CertNone,
		"初级": CertAssistant, "助理社工师": CertAssistant, "助理社会工作师": CertAssistant,
		"中级": CertSocial, "社工师": CertSocial, "高级": CertSenior, "高级社工师": CertSenior,
	}
	for in, want := range certs {
		if got, err := ParseCert(in); err != nil || got != want {
			t.Errorf("ParseCert(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseCert("心理咨询师"); err == nil || !strings.Contains(err.Error(), "社会工作师") {
		t.Errorf("ParseCert(心理咨询师) error = %v, want one naming the levels", err)
	}
	for in, want := range map[string]bool{"专职": true, "兼职": false, "是": true, "否": false} {
		if got, err := ParseFullTime(in); err != nil || got != want {
			t.Errorf("ParseFullTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestHeaderKey(t *testing.T) {
	same := [][2]string{
		{"乡镇（街道）", "乡镇(街道)"},
		{"乡镇\n(街道)", "乡镇(街道)"},
		{" 县（市、区） ", "县(市、区)"},
		{"*身份证号码", "身份证号码"},
		{"场地面积【㎡】", "场地面积(㎡)"},
	}
	for _, p := range same {
		if HeaderKey(p[0]) != HeaderKey(p[1]) {
			t.Errorf("HeaderKey(%q) = %q, HeaderKey(%q) = %q: want equal", p[0], HeaderKey(p[0]), p[1], HeaderKey(p[1]))
		}
	}
}

func TestIDCheck(t *testing.T) {
	// 11010519491231002X is the worked example of GB 11643-1999.
	if ok, want := IDCheck("11010519491231002X"); !ok || want != "X" {
		t.Errorf("IDCheck(11010519491231002X) = %v, %q; want valid, X", ok, want)
	}
	if ok, want := IDCheck("110105194912310021"); ok || want != "X" {
		t.Errorf("IDCheck(...0021) = %v, %q; want invalid, check digit X", ok, want)
	}
	for _, bad := range []string{"", "1101051949123100", "11010519491231002Y", "A1010519491231002X"} {
		if ok, want := IDCheck(bad); ok || want != "" {
			t.Errorf("IDCheck(%q) = %v, %q; want malformed", bad, ok, want)
		}
	}
	if got := NormalizeID(" 11010519491231002ｘ"); got != "11010519491231002X" {
		t.Errorf("NormalizeID = %q", got)
	}
	if got := MaskID("11010519491231002X"); got != "110105************" {
		t.Errorf("MaskID = %q", got)
	}
	if y, sex, ok := IDFacts("11010519491231002X"); !ok || y != 1949 || sex != "女" {
		t.Errorf("IDFacts = %d %s %v, want 1949 女", y, sex, ok)
	}
}

func TestScrubText(t *testing.T) {
	in := "填表人：王芳 联系电话：13812345678 身份证 11010519491231002X 座机 0354-3012345"
	got := ScrubText(in)
	for _, leak := range []string{"13812345678", "11010519491231002X", "3012345", "王芳"} {
		if strings.Contains(got, leak) {
			t.Errorf("ScrubText left %q in %q", leak, got)
		}
	}
	for in, leak := range map[string]string{
		"座机0354-3012345":          "3012345",
		"13912345678/13812345678": "13812345678",
		"１１０１０５１９４９１２３１００２Ｘ":       "1949123",
		"身份证：14070219900101123":    "19900101", // 17 digits, malformed
		"联系人：李强":                   "李强",
		"填报人：王小红":                  "王小红",
		"身份证 140725 19751102 2753": "19751102",
		"1.40725198903254E+17":     "198903254",
		"手机 191-4314-1598":         "4314",
		"+8615231828019":           "52318",
	} {
		if got := ScrubText(in); strings.Contains(got, leak) || strings.Contains(got, width.Widen.String(leak)) {
			t.Errorf("ScrubText(%q) = %q, still shows %s", in, got, leak)
		}
	}
	// Identifiers that merely contain such digit runs stay readable.
	for _, keep := range []string{"FW14070200100001", "ZD14070200101", "140702001000"} {
		if ScrubText(keep) != keep {
			t.Errorf("ScrubText(%q) = %q, want it unchanged", keep, ScrubText(keep))
		}
	}
}

func TestParseReviewStatus(t *testing.T) {
	for in, want := range map[string]string{"已提交": "已提交", "待审核": "已提交", "审核通过": "已通过", "已通过": "已通过",
		"退回": "已退回", "审核不通过": "已退回", "已撤回": "已撤回"} {
		if got, err := ParseReviewStatus(in); err != nil || got != want {
			t.Errorf("ParseReviewStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseReviewStatus("作废"); err == nil {
		t.Error("ParseReviewStatus(作废): want an error, not a guess")
	}
}

func TestParseAmount(t *testing.T) {
	// Expected 分 worked out by hand from each form.
	ok := []struct {
		in   string
		want int64
	}{
		{"1200", 120000},
		{"1200.5", 120050},
		{"1,200.00", 120000},
		{"12,345,678.90", 1234567890},
		{"1.2万", 1200000},
		{"1.2万元", 1200000},
		{"0.0035万", 3500}, // 35 元
		{"￥1200", 120000}, // full-width yen sign
		{"¥1,200", 120000},
		{"1200元", 120000},
		{"RMB 1,200.5", 120050},
		{"人民币1200元", 120000},
		{"１２００．００", 120000}, // full-width digits and point
		{"１，２００", 120000},   // full-width comma
		{"'1200", 120000},   // text-formatted cell
		{" 1200 \n", 120000},
		{"0", 0},
		{"1200.1000000000001", 120010}, // a number cell's float noise
		{"1.5E+4", 1500000},            // a number cell in exponent form
	}
	for _, c := range ok {
		got, err := ParseAmount(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, blank := range []string{"", "  ", "-", "—", "/"} {
		if _, err := ParseAmount(blank); err != errNoValue {
			t.Errorf("ParseAmount(%q): %v, want blank", blank, err)
		}
	}
	bad := map[string]string{
		"-500":        "负数",
		"（500）":       "负数",
		"1,20.00":     "不是金额",
		"1200.005":    "两位",
		"1.23456789万": "两位",
		"约5000":       "不是金额",
		"见附件":         "不是金额",
		"1.2.3":       "不是金额",
		"1e30":        "上限",
	}
	for in, want := range bad {
		if _, err := ParseAmount(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseAmount(%q): %v, want an error with %q", in, err, want)
		}
	}
}

// TestRanges: a 服务人次 or an area past its policy bound, or one that
// would wrap around an INTEGER column, is a reject naming the bound; a
// negative one says it is negative.
func TestRanges(t *testing.T) {
	c := &Converter{}
	for in, want := range map[string]string{
		"99999999999": "超出单条记录服务人次上限 10000（政策参数 person_times_max）",
		"2147483648":  "超出单条记录服务人次上限 10000",
		"10001":       "超出单条记录服务人次上限 10000",
		"-5":          "是负数",
		"1e300":       "大得不可能",
		"NaN":         "不是整数",
		"2.5":         "不是整数",
	} {
		if _, err := c.personTimes(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("personTimes(%q): %v, want %q", in, err, want)
		}
	}
	for in, want := range map[string]int64{"10000": 10000, "0": 0, "12": 12} {
		if got, err := c.personTimes(in); err != nil || got != want {
			t.Errorf("personTimes(%q) = %d, %v", in, got, err)
		}
	}
	for in, want := range map[string]string{"-20": "是负数", "20000": "超出上限 10000 平方米（政策参数 site_area_max_m2）", "Inf": "不是数字"} {
		if _, err := c.siteArea(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("siteArea(%q): %v, want %q", in, err, want)
		}
	}
	if _, err := c.siteArea("0"); err != errNoValue {
		t.Errorf("siteArea(0): %v, want blank", err)
	}
	strict := &Converter{Limits: Limits{PersonTimes: 50, SiteArea: 100, FundFen: 1, FileBytes: 1, UnzipBytes: 1, SheetRows: 1, CellChars: 1}}
	if _, err := strict.personTimes("51"); err == nil || !strings.Contains(err.Error(), "上限 50") {
		t.Errorf("a policy's person_times_max of 50: %v", err)
	}
}

// TestCleanDropsInvisibles: NUL and other control characters and
// bidirectional overrides are dropped from cells (an id keeps no NUL).
func TestCleanDropsInvisibles(t *testing.T) {
	for in, want := range map[string]string{"ZD14\x0070201": "ZD1470201", "F1\u202e2": "F12", "\ufeff榆次区": "榆次区", "a\tb": "a b", "\x1b[2J祁县": "[2J祁县"} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFreeTextScrubbed: free-text cells (摘要, 备注, 承接机构, 特色项目) keep
// no ID or phone number and no signed name.
func TestFreeTextScrubbed(t *testing.T) {
	got, err := freeText("支付3月工资 身份证140729199001011234 电话13912345678 经办人：王小明")
	if err != nil || strings.Contains(got, "199001011234") || strings.Contains(got, "12345678") || strings.Contains(got, "小明") {
		t.Errorf("freeText = %q, %v", got, err)
	}
}

// TestScrubTextShortcuts: the checks ScrubText makes before each regular
// expression (for speed) change nothing: on 50,000 strings built from the
// pieces personal data is made of, it gives what running every expression
// on every string gives (scrubAll, ScrubText before the shortcuts).
func TestScrubTextShortcuts(t *testing.T) {
	pieces := []string{"1", "3", "9", "0", "13912345678", "140702199001011234", "14070219900101123X", " ", "-", "+86", "86",
		"E+17", "1.40725198903254", "e", "填表人：", "审核:", "联系人", "李雷雷", "张三", "社工站", "：", ":", "１３９", "　",
		"2023-11-06 10:00:00", "ZD14070200101", "0354-3012345", "x", "X", ".", "人", "，", "站长", "（", "王小明", "支付", "劳务费"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := 1 + rng.IntN(8); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := ScrubText(s), scrubAll(s); got != want {
			t.Fatalf("ScrubText(%q) = %q, every expression run gives %q", s, got, want)
		}
	}
}

// scrubAll is ScrubText as it was before the shortcuts: every expression
// on every string.
func scrubAll(s string) string {
	if hasFullWidth(s) {
		s = width.Fold.String(s)
	}
	if strings.ContainsAny(s, "人:") {
		s = maskSignatures(s)
	}
	s = maskRoleNames(s)
	if digitCount(s) < 10 {
		return s
	}
	s = reENotation.ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat("*", len(m)) })
	s = reGroupedNumber.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case strings.HasPrefix(m, "+86"):
			return maskDigits(m, 5, 4)
		case !strings.ContainsAny(strings.TrimSpace(m), " -") || digitCount(m) < 11:
			return m
		}
		return maskDigits(m, 3, 4)
	})
	return scrubDigitRuns(s)
}

// TestCleanAndDateShortcuts: Clean's shortcut for plain ASCII and the
// date and time readers' shortcuts for 2023-11-05 and 2023-11-05 10:00:00
// give what the long way gives, on 50,000 strings built from the pieces of
// such cells.
func TestCleanAndDateShortcuts(t *testing.T) {
	pieces := []string{"2023", "-", "11", "05", " ", "10", ":", "00", "59", "60", "24", "1", "a", "'", "\t", "\n", "\x00", "\x7f",
		"  ", "　", "\u00a0", "\u200b", "２", "年", "月", "日", "/", ".", "T", "0", "2024-02-29", "2023-02-29", "2023-13-01 10:00:00",
		"2023-11-05 23:59:59", "2023-11-05 24:00:00", "2023-11-05 10:00", ":00", "-00", "T10:00:00", " 10:00:00", "10:00:00", "2023-11-05",
		"2023/11/05", "2023-1105", "x", "个案服务", "低保对象", "\u2003", "\xff", "\u202e", "李", "'李"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := 1 + rng.IntN(7); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := Clean(s), cleanAll(s); got != want {
			t.Fatalf("Clean(%q) = %q, the long way %q", s, got, want)
		}
		d, derr := ParseDate(s)
		wd, wderr := parseDateLong(s)
		if d != wd || fmt.Sprint(derr) != fmt.Sprint(wderr) {
			t.Fatalf("ParseDate(%q) = %v, %v; the long way %v, %v", s, d, derr, wd, wderr)
		}
		ts, terr := ParseTimestamp(s)
		wts, wterr := parseTimestampLong(s)
		if !ts.Equal(wts) || fmt.Sprint(terr) != fmt.Sprint(wterr) {
			t.Fatalf("ParseTimestamp(%q) = %v, %v; the long way %v, %v", s, ts, terr, wts, wterr)
		}
	}
}

// parseDateLong and parseTimestampLong are ParseDate and ParseTimestamp
// without their shortcuts.
func parseDateLong(s string) (Date, error) {
	s = Clean(s)
	if s == "" {
		return Date{}, errNoValue
	}
	var y, m, d int
	approx := false
	if g := reYMD.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	} else if g := reCompact.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	} else if g := reYM.FindStringSubmatch(s); g != nil {
		y, m, d, approx = atoi(g[1]), atoi(g[2]), 1, true
	} else if g := reYMDTime.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	} else if reSerial.MatchString(s) {
		f, _ := strconv.ParseFloat(s, 64)
		if f < 61 {
			return Date{}, fmt.Errorf("%q 不是日期", s)
		}
		t := excelEpoch.AddDate(0, 0, int(f))
		y, m, d = t.Year(), int(t.Month()), t.Day()
	} else {
		return Date{}, fmt.Errorf("%q 不是日期（应如 2023-05-31 或 2023年5月31日）", s)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return Date{}, fmt.Errorf("%q 不是实际存在的日期", s)
	}
	if y < 1950 || y > 2100 {
		return Date{}, fmt.Errorf("%q：年份 %d 超出范围", s, y)
	}
	return Date{Time: t, Approx: approx}, nil
}

func parseTimestampLong(s string) (time.Time, error) {
	s = cleanAll(s)
	if s == "" {
		return time.Time{}, errNoValue
	}
	if g := reYMDTime.FindStringSubmatch(s); g != nil {
		sec := 0
		if g[6] != "" {
			sec = atoi(g[6])
		}
		y, mo, d, h, mi := atoi(g[1]), atoi(g[2]), atoi(g[3]), atoi(g[4]), atoi(g[5])
		t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
		if t.Year() != y || int(t.Month()) != mo || t.Day() != d || h > 23 || mi > 59 || sec > 59 {
			return time.Time{}, fmt.Errorf("%q 不是有效的时间", s)
		}
		return t, nil
	}
	if reSerial.MatchString(s) {
		f, _ := strconv.ParseFloat(s, 64)
		if f >= 61 {
			secs := int64(f*86400 + 0.5)
			return excelEpoch.Add(time.Duration(secs) * time.Second), nil
		}
	}
	d, err := parseDateLong(s)
	if err != nil || d.Approx {
		return time.Time{}, fmt.Errorf("%q 不是时间（应如 2023-06-01 09:12:33）", s)
	}
	return d.Time, nil
}
