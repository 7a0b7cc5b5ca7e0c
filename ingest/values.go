package ingest

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"sgz/data"
)

// Clean folds a cell's text the way a clerk means it: full-width letters and
// digits to half-width, stray spaces and line breaks removed at the ends and
// collapsed inside, a leading ' (kept from text-formatted numbers) dropped.
func Clean(s string) string {
	if plainASCII(s) || plainText(s) {
		return s // most cells of an export: nothing to do (a shortcut, tested against the long way)
	}
	return cleanAll(s)
}

// plainText says whether s is valid text with nothing Clean changes: no
// invisible, full-width or special space, no tab or line break, no
// leading quote, no space at either end and no two together.
func plainText(s string) bool {
	if s[0] == '\'' {
		return false
	}
	space := false
	last := rune(0)
	for i, r := range s {
		switch {
		case r == utf8.RuneError, invisible(r), r == '\t', r == '\n', r == '\r', r == 0xa0, r == 0x3000, r >= 0xFF00 && r <= 0xFFEF:
			return false
		case i == 0 && unicode.IsSpace(r), r == ' ' && space:
			return false
		}
		space, last = r == ' ', r
	}
	return !unicode.IsSpace(last)
}

// plainASCII says whether s is printable ASCII with no space at either
// end, no leading quote and no two spaces together: Clean keeps it as is.
func plainASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[0] == '\'' || s[len(s)-1] == ' ' {
		return false
	}
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && space) {
			return false
		}
		space = c == ' '
	}
	return true
}

func cleanAll(s string) string {
	if strings.IndexFunc(s, invisible) >= 0 {
		s = strings.Map(func(r rune) rune {
			if invisible(r) {
				return -1
			}
			return r
		}, s)
	}
	if hasFullWidth(s) {
		s = width.Fold.String(s)
	}
	s = strings.TrimPrefix(strings.TrimSpace(s), "'")
	if strings.ContainsAny(s, "\r\n\t\u00a0\u3000") || strings.Contains(s, "  ") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s)
}

// invisible says whether a rune is a control character (NUL and the like;
// tab and line breaks are spaces to Clean) or a bidirectional override,
// which no clerk types and which would hide in an id or reorder what a
// reader sees.
func invisible(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r >= 0x200b && r <= 0x200f, r == 0x2060, r == 0xfeff:
		return true
	}
	return false
}

// hasFullWidth says whether s has a full-width form (U+FF00–U+FFEF) or an
// ideographic space, the only runes Clean's folding changes in practice.
func hasFullWidth(s string) bool {
	for _, r := range s {
		if (r >= 0xFF00 && r <= 0xFFEF) || r == 0x3000 {
			return true
		}
	}
	return false
}

// HeaderKey is the form in which column headers are compared: Clean, all
// spaces removed, Chinese brackets and colons made ASCII, a trailing colon
// and required-field stars dropped.
func HeaderKey(s string) string {
	s = Clean(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '*':
			return -1
		case r == '（' || r == '【' || r == '[':
			return '('
		case r == '）' || r == '】' || r == ']':
			return ')'
		case r == '：':
			return ':'
		}
		return r
	}, s)
	return strings.TrimSuffix(s, ":")
}

// A Date is a calendar day parsed from a cell. Approx marks a month-only
// date (2023年5月), which is taken as the 1st of the month.
type Date struct {
	Time   time.Time
	Approx bool
}

var (
	reYMD       = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	reYM        = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$`)
	reCompact   = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	reYMCompact = regexp.MustCompile(`^(\d{4})(\d{2})$`)
	reYMDTime   = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$`)
	reSerial    = regexp.MustCompile(`^\d{1,5}(\.\d+)?$`)
	errNoValue  = errors.New("empty")
)

// excelEpoch is day 0 of Excel's 1900 date system as used after 1900-03-01
// (the fictitious 1900-02-29 makes serial 60 meaningless; no ledger date is
// that old).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// ParseDate reads a date in any form inputs.md lists: an Excel serial
// number, 2023-05-31, 2023/5/31, 2023.5.31, 2023年5月31日, 20230531, or a
// month only (2023年5月, 2023-05), which is approximate. A timestamp's date
// part is accepted too. Years outside 1950–2100 are refused.
func ParseDate(s string) (Date, error) {
	s = Clean(s)
	if s == "" {
		return Date{}, errNoValue
	}
	var y, m, d int
	approx := false
	if yy, mm, dd, ok := fastYMD(s); ok { // 2023-11-05, as reYMD reads it
		y, m, d = yy, mm, dd
	} else if g := reYMD.FindStringSubmatch(s); g != nil {
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

// digitsAt reads s[i:i+n] as a decimal number; false if one is no digit.
func digitsAt(s string, i, n int) (int, bool) {
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// fastYMD reads the commonest date, 2023-11-05, without a regular
// expression.
func fastYMD(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digitsAt(s, 0, 4)
	m, ok2 := digitsAt(s, 5, 2)
	d, ok3 := digitsAt(s, 8, 2)
	return y, m, d, ok1 && ok2 && ok3
}

// fastYMDTime reads the commonest timestamp, 2023-11-05 10:00:00, without
// a regular expression.
func fastYMDTime(s string) (y, mo, d, h, mi, sec int, ok bool) {
	if len(s) != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return
	}
	if y, mo, d, ok = fastYMD(s[:10]); !ok {
		return
	}
	h, ok1 := digitsAt(s, 11, 2)
	mi, ok2 := digitsAt(s, 14, 2)
	sec, ok3 := digitsAt(s, 17, 2)
	return y, mo, d, h, mi, sec, ok1 && ok2 && ok3
}

// ParseTimestamp reads a system timestamp: 2023-06-01 09:12:33,
// 2023/6/1 9:12, or an Excel serial with a fraction of a day.
func ParseTimestamp(s string) (time.Time, error) {
	s = Clean(s)
	if s == "" {
		return time.Time{}, errNoValue
	}
	y, mo, d, h, mi, sec, ok := fastYMDTime(s) // 2023-11-05 10:00:00, as reYMDTime reads it
	if !ok {
		if g := reYMDTime.FindStringSubmatch(s); g != nil {
			sec = 0
			if g[6] != "" {
				sec = atoi(g[6])
			}
			y, mo, d, h, mi, ok = atoi(g[1]), atoi(g[2]), atoi(g[3]), atoi(g[4]), atoi(g[5]), true
		}
	}
	if ok {
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
	// A date alone is midnight of that day.
	day, err := ParseDate(s)
	if err != nil || day.Approx {
		return time.Time{}, fmt.Errorf("%q 不是时间（应如 2023-06-01 09:12:33）", s)
	}
	return day.Time, nil
}

// ParseMonth reads a summary month: 2023-06, 2023年6月, 202306, 2023/6.
func ParseMonth(s string) (time.Time, error) {
	s = Clean(s)
	if g := reYMCompact.FindStringSubmatch(s); g != nil {
		s = g[1] + "-" + g[2]
	}
	if g := reYM.FindStringSubmatch(s); g != nil {
		y, m := atoi(g[1]), atoi(g[2])
		if m >= 1 && m <= 12 && y >= 1950 && y <= 2100 {
			return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q 不是月份（应如 2023-06 或 2023年6月）", s)
}

// ParseYesNo reads 是/否, 有/无, √/×, Y/N, 1/0 and their kin.
func ParseYesNo(s string) (bool, error) {
	switch strings.ToUpper(Clean(s)) {
	case "是", "有", "√", "✓", "Y", "YES", "1", "TRUE", "已建立", "已上墙":
		return true, nil
	case "否", "无", "×", "✗", "X", "N", "NO", "0", "FALSE", "未建立":
		return false, nil
	case "":
		return false, errNoValue
	}
	return false, fmt.Errorf("%q 不是“是/否”", s)
}

// ParseFullTime reads 专职/兼职 or a yes/no answer to 是否专职.
func ParseFullTime(s string) (bool, error) {
	switch Clean(s) {
	case "专职", "全职":
		return true, nil
	case "兼职":
		return false, nil
	}
	b, err := ParseYesNo(s)
	if err != nil && err != errNoValue {
		return false, fmt.Errorf("%q 不是“专职/兼职”", s)
	}
	return b, err
}

// Certificate levels, canonical names.
const (
	CertNone      = "无"
	CertAssistant = "助理社会工作师"
	CertSocial    = "社会工作师"
	CertSenior    = "高级社会工作师"
)

// ParseCert reads a certificate level and its synonyms; blank is no
// certificate.
func ParseCert(s string) (string, error) {
	switch strings.ReplaceAll(Clean(s), " ", "") {
	case "", "无", "无证", "未取得", "—", "-", "--", "/", "否":
		return CertNone, nil
	case "助理社会工作师", "初级", "助理社工师", "初级社会工作者", "助理社工":
		return CertAssistant, nil
	case "社会工作师", "中级", "社工师", "中级社会工作者":
		return CertSocial, nil
	case "高级社会工作师", "高级", "高级社工师":
		return CertSenior, nil
	}
	return "", fmt.Errorf("%q 不是职业资格等级（应为 无、助理社会工作师、社会工作师 或 高级社会工作师）", s)
}

// ParseCount reads a whole number, possibly stored as text ("12", "12.0").
func ParseCount(s string) (int64, error) {
	s = strings.ReplaceAll(Clean(s), ",", "")
	if s == "" {
		return 0, errNoValue
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
		return 0, fmt.Errorf("%q 不是整数", s)
	case f < 0:
		return 0, fmt.Errorf("%q 是负数，应为 0 或正整数", s)
	case f > 1e15:
		return 0, fmt.Errorf("%q 大得不可能，请核实", s)
	}
	return int64(f), nil
}

// ParseNumber reads a non-negative number, possibly stored as text.
func ParseNumber(s string) (float64, error) {
	s = strings.ReplaceAll(Clean(s), ",", "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "㎡"), "平方米")
	if s == "" {
		return 0, errNoValue
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%q 不是数字", s)
	case f < 0:
		return 0, fmt.Errorf("%q 是负数", s)
	}
	return f, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// ParseReviewStatus reads a monthly summary's 审核状态: 已提交 (waiting for
// review), 已通过, 已退回 (returned: no submission), 已撤回 (withdrawn: no
// submission), and the synonyms the system has used. Anything else is an
// error, never a guess.
func ParseReviewStatus(s string) (string, error) {
	switch strings.ReplaceAll(Clean(s), " ", "") {
	case "":
		return "", errNoValue
	case "已提交", "提交", "待审核", "审核中", "未审核":
		return "已提交", nil
	case "已通过", "通过", "审核通过", "已审核":
		return "已通过", nil
	case "已退回", "退回", "审核不通过", "不通过", "驳回", "已驳回":
		return "已退回", nil
	case "已撤回", "撤回":
		return "已撤回", nil
	}
	return "", fmt.Errorf("%q 不是审核状态（应为 已提交、已通过、已退回 或 已撤回）", s)
}

var (
	reAmountPlain   = regexp.MustCompile(`^\d+(\.\d+)?([eE][+-]?\d+)?$`)
	reAmountGrouped = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`)
)

// ParseAmount reads a sum of money in 元 as a clerk types it and returns it
// in 分 (fen), exactly: 1200, 1,200.00, 1.2万, 1.2万元, ￥1200, ¥1,200,
// 1200元, RMB 1200, full-width digits (１２００．００), or a number cell. A
// dash or slash alone is blank. Negative sums, commas out of place,
// and more decimals than 分 are errors (a number cell's binary noise, such
// as 1200.1000000000001, is rounded to the 分 it means).
func ParseAmount(s string) (int64, error) {
	t := strings.ReplaceAll(Clean(s), " ", "")
	t = strings.NewReplacer("，", ",", "．", ".", "。", ".", "￥", "¥").Replace(t)
	switch t {
	case "":
		return 0, errNoValue
	case "-", "—", "–", "/", "／", "--", "——":
		return 0, errNoValue
	}
	num := t
	for _, p := range []string{"人民币", "RMB", "rmb", "¥"} {
		num = strings.TrimPrefix(num, p)
	}
	if strings.HasPrefix(num, "-") || strings.HasPrefix(num, "−") || (strings.HasPrefix(num, "(") && strings.HasSuffix(num, ")")) {
		return 0, fmt.Errorf("%q 是负数；退回或冲减的款项请在另一栏记正数并在摘要中说明", s)
	}
	num = strings.TrimSuffix(num, "元")
	tenThousand := false
	if strings.HasSuffix(num, "万") {
		num, tenThousand = strings.TrimSuffix(num, "万"), true
	}
	switch {
	case reAmountGrouped.MatchString(num):
		num = strings.ReplaceAll(num, ",", "")
	case reAmountPlain.MatchString(num):
	default:
		return 0, fmt.Errorf("%q 不是金额（应如 1200、1,200.00、1.2万 或 ￥1200）", s)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("%q 不是金额（应如 1200、1,200.00、1.2万 或 ￥1200）", s)
	}
	scale := int64(100)
	if tenThousand {
		scale = 1_000_000
	}
	r.Mul(r, new(big.Rat).SetInt64(scale))
	if !r.IsInt() {
		// a number cell's float noise is less than a thousandth of a 分
		f, _ := r.Float64()
		if math.Abs(f-math.Round(f)) > 1e-3 || strings.Contains(t, ",") || !reAmountPlain.MatchString(num) {
			return 0, fmt.Errorf("%q 的小数超过两位（金额记到分）", s)
		}
		r.SetFloat64(math.Round(f))
	}
	if !r.Num().IsInt64() || r.Num().Int64() > maxAmountFen {
		return 0, fmt.Errorf("%q 超出金额上限 %s 元", s, data.Yuan(maxAmountFen))
	}
	return r.Num().Int64(), nil
}

// maxAmountFen is where ParseAmount stops reading: beyond any sum a
// ledger row can mean (the policy's fund_amount_max_yuan is the judgement;
// this is the parser's own bound, 10¹² 元).
const maxAmountFen = 100_000_000_000_000
