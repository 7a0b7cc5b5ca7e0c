package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Personal data (inputs.md): a resident ID number is kept only as a salted
// hash (to count distinct people) and a masked form; phone numbers are not
// kept at all; names only as a salted hash (to tell people without an ID
// apart). Raw rows are stored with every ID-like and phone-like string
// masked.

// IDCheck reports whether s is an 18-character resident ID number with a
// valid GB 11643-1999 MOD 11-2 check digit; want is the check digit its first
// 17 digits call for ("" when s is not ID-shaped).
func IDCheck(s string) (ok bool, want string) {
	if len(s) != 18 {
		return false, ""
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false, ""
		}
		sum += int(s[i]-'0') * weights[i]
	}
	last := s[17]
	if last != 'X' && (last < '0' || last > '9') {
		return false, ""
	}
	want = string("10X98765432"[sum%11])
	return string(last) == want, want
}

// NormalizeID folds an ID number as typed (full-width digits, lower-case x,
// spaces, a leading ') to its canonical form.
func NormalizeID(s string) string {
	return strings.ToUpper(strings.ReplaceAll(Clean(s), " ", ""))
}

// MaskID keeps an ID number's first 6 characters, the county it was
// issued in, and nothing more: 140702************. (With its last four
// and a birth year beside it, an ID narrowed to some 35 candidates.) A
// value that is not ID-shaped (a name typed into the ID column) is masked
// as a name, character by character.
func MaskID(id string) string {
	r := []rune(id)
	for _, c := range r {
		if (c < '0' || c > '9') && c != 'X' {
			return MaskName(id)
		}
	}
	if len(r) < 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-6)
}

// IDFacts derives birth year and sex (odd 17th digit: 男) from a valid ID.
func IDFacts(id string) (birthYear int, sex string, ok bool) {
	if len(id) != 18 {
		return 0, "", false
	}
	t, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return 0, "", false
	}
	n, _ := strconv.Atoi(id[16:17])
	sex = "女"
	if n%2 == 1 {
		sex = "男"
	}
	return t.Year(), sex, true
}

// Hash is the SHA-256 of a personal value keyed with the database's key
// (salt), hex encoded. The key is made once per database and kept in its
// own file next to it (KeyPath), never in the database or any output.
func Hash(salt []byte, kind, value string) string {
	h := sha256.New()
	h.Write(salt)
	fmt.Fprintf(h, "\x00%s\x00%s", kind, value)
	return hex.EncodeToString(h.Sum(nil))
}

// a name after 填表人, 联系人, 审核人 and the like (a colon optional), or
// after 审核：, 制表：, 分管领导： and the like (a colon required: 审核状态 is
// a header, not a signature)
var reSignedBy = regexp.MustCompile(`(?:(?:填表|填报|制表|联系|审核|复核|负责|经办|统计|编制|校对|签字)人\s*[:：]?|(?:审核|复核|制表|填表|填报|统计|编制|校对|签字|签名|联络员|主管领导|分管领导|主要领导|领导)\s*[:：])\s*(\p{Han}(?: ?\p{Han}){1,3})`)

// Numbers typed with spaces or dashes (140725 19751102 2753, 191-4314-1598,
// +86 152…) and IDs that Excel turned into a number (1.40725198903254E+17).
var (
	reGroupedNumber = regexp.MustCompile(`(?:\+?86[- ]?)?\d[\d\- ]{9,}[\dXx]`)
	reENotation     = regexp.MustCompile(`\d\.\d{6,}[Ee]\+\d{1,2}`)
)

// notSignature says whether the run of Han characters after a 审核：, 统计人
// or the like is no person: a unit (制表：榆次区民政局), a word (审核：通过), or
// the rest of a word (统计人员台账, 负责人电话, 统计人数合计).
func notSignature(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	for _, pre := range []string{"员", "数", "电话", "意见", "签字", "盖章", "日期", "情况", "姓名", "单位", "职务", "助理", "办公"} {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	for _, suf := range []string{"局", "厅", "部", "处", "科", "室", "站", "办", "委", "会", "中心", "政府", "街道", "镇", "乡", "区", "县", "市"} {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	switch s {
	case "通过", "同意", "不同意", "已审核", "合计":
		return true
	}
	return false
}

// surnames are common Chinese surnames: a run of Han characters after a
// role, contact or payee word (站长, 联系人, 支付 …) is taken for a name when
// it begins with one (so that 站长负责日常工作 and 报销差旅费 stay readable).
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// a name after a role, contact or payee word, with or without a colon or a
// bracket between: 站长（王小明）, 联系人王芳, 支付王小明劳务费
var reRoleName = regexp.MustCompile(`(?:副?站长|副?主任|书记|督导|社工|联系人|负责人|经办人|收款人|领款人|付款人|报销人|领取人|申请人|承办人|姓名|支付给?|付给|发放给?|转给|借给|收款方|领款)[\s:：（(，,、]*(\p{Han}{2,4})`)

// roleEnds are the last characters of reRoleName's words.
const roleEnds = "长任记导工人名付给放方款"

// maskRoleNames masks a name after a role, contact or payee word, when the
// run after it begins with a common surname and is no word sgz knows.
func maskRoleNames(s string) string {
	return maskAfter(s, reRoleName, func(name, _ string) bool {
		first, _ := utf8.DecodeRuneInString(name)
		return strings.ContainsRune(surnames, first) && !notSignature(name)
	})
}

// maskAfter masks the first group of each match of re in s where mask,
// given the group and the run of Han characters from it on, says so.
func maskAfter(s string, re *regexp.Regexp, mask func(name, run string) bool) string {
	locs := re.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		name := s[l[2]:l[3]]
		run := name // the whole run of Han characters from the name on
		for _, r := range s[l[3]:] {
			if !unicode.Is(unicode.Han, r) {
				break
			}
			run += string(r)
		}
		b.WriteString(s[last:l[2]])
		if mask(name, run) {
			b.WriteString(MaskName(name))
		} else {
			b.WriteString(name)
		}
		last = l[3]
	}
	b.WriteString(s[last:])
	return b.String()
}

// PublicName is a file name (or a path) as sgz keeps and publishes it: ID
// and phone numbers masked as in free text, and a person's name among its
// words masked (王小明_祁县_2023-12.xlsx → 王**_祁县_2023-12.xlsx): a run of
// two to four Han characters that begins with a common surname, once the
// words of a file's name (台账, 更正 …) are taken off its end, and is no
// place (县, 区, 镇 … at its end).
func PublicName(s string) string {
	s = ScrubText(s)
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); {
		if !unicode.Is(unicode.Han, r[i]) {
			b.WriteRune(r[i])
			i++
			continue
		}
		j := i
		for j < len(r) && unicode.Is(unicode.Han, r[j]) {
			j++
		}
		b.WriteString(maskNameWord(string(r[i:j])))
		i = j
	}
	return b.String()
}

// fileWords are the words of a file's name that follow a name in it.
var fileWords = []string{"人员台账", "站点台账", "资金台账", "台账", "服务记录", "站点信息", "月度总结", "更正件", "更正", "重报", "补报", "修改",
	"最终版", "最终", "最新", "副本", "备份", "汇总", "导出", "报送", "报表", "模板", "版", "表", "的"}

var placeEnds = []string{"县", "区", "市", "省", "镇", "乡", "街道", "村", "社区", "局", "站", "中心", "办"}

func maskNameWord(run string) string {
	rest, tail := run, ""
	for again := true; again; {
		again = false
		for _, w := range fileWords {
			if strings.HasSuffix(rest, w) && len(rest) > len(w) {
				rest, tail = strings.TrimSuffix(rest, w), w+tail
				again = true
			}
		}
	}
	n := utf8.RuneCountInString(rest)
	first, _ := utf8.DecodeRuneInString(rest)
	if n < 2 || n > 4 || !strings.ContainsRune(surnames, first) {
		return run
	}
	for _, e := range placeEnds {
		if strings.HasSuffix(rest, e) {
			return run
		}
	}
	return MaskName(rest) + tail
}

// ScrubText masks personal data in free text, so that raw rows and
// messages carry none: every run of 15 or more digits (an ID number,
// well-formed or not, with or without a final X: its first six kept),
// every mobile number (11 digits from 13…19…: its first three and last
// four kept), every landline (0354-3012345). Runs that follow a letter are
// parts of identifiers (ZD14070200101) and stay readable; so do shorter
// codes.
func ScrubText(s string) string {
	// (The checks before each regular expression are only for speed: a
	// cell without Han characters has no signature, one without E no
	// number in E notation, one without a space, dash or plus no grouped
	// number; most cells of an export are such.)
	if !isASCII(s) {
		if hasFullWidth(s) {
			s = width.Fold.String(s)
		}
		if strings.ContainsAny(s, "人:") {
			s = maskSignatures(s)
		}
		if strings.ContainsAny(s, roleEnds) {
			s = maskRoleNames(s)
		}
	}
	if digitCount(s) < 10 { // a phone or ID number has at least 10 digits
		return s
	}
	if strings.ContainsAny(s, "Ee") {
		s = reENotation.ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat("*", len(m)) })
	}
	if strings.ContainsAny(s, " -+") {
		s = reGroupedNumber.ReplaceAllStringFunc(s, func(m string) string {
			switch {
			case strings.HasPrefix(m, "+86"):
				return maskDigits(m, 5, 4) // +86 and a mobile number
			case !strings.ContainsAny(strings.TrimSpace(m), " -") || digitCount(m) < 11:
				return m // one run of digits: the scan below decides
			}
			return maskDigits(m, 3, 4)
		})
	}
	return scrubDigitRuns(s)
}

// scrubDigitRuns masks ID, mobile and landline numbers written as runs of
// digits (ScrubText's last step).
func scrubDigitRuns(s string) string {
	b := []byte(s)
	isDigit := func(i int) bool { return i < len(b) && b[i] >= '0' && b[i] <= '9' }
	isLetter := func(i int) bool {
		return i >= 0 && i < len(b) && (b[i] >= 'A' && b[i] <= 'Z' || b[i] >= 'a' && b[i] <= 'z')
	}
	for i := 0; i < len(b); {
		if !isDigit(i) {
			i++
			continue
		}
		j := i
		for isDigit(j) {
			j++
		}
		end := j
		if j < len(b) && (b[j] == 'X' || b[j] == 'x') && j-i == 17 {
			end = j + 1
		}
		// A landline: 0 + area code, a hyphen, 7 or 8 digits.
		if b[i] == '0' && j-i >= 3 && j-i <= 4 && j < len(b) && b[j] == '-' {
			k := j + 1
			for isDigit(k) {
				k++
			}
			if n := k - j - 1; n >= 7 && n <= 8 {
				end = k
			}
		}
		n := end - i
		switch {
		case isLetter(i - 1), isLetter(end) && end == j:
			// part of an identifier
		case j-i >= 15 || end > j+1 && j-i == 17:
			// an ID number: the issuing county's six digits, no more
			for k := i + 6; k < end; k++ {
				b[k] = '*'
			}
		case (j-i == 11 && b[i] == '1' && b[i+1] >= '3') || end > j+1:
			for k := i + 3; k < end-4 && n > 7; k++ {
				if b[k] != '-' {
					b[k] = '*'
				}
			}
		}
		i = end
	}
	return string(b)
}

// maskSignatures masks the name after 填表人, 审核： and the like, unless
// the run of Han characters there is no person (notSignature).
func maskSignatures(s string) string {
	return maskAfter(s, reSignedBy, func(_, run string) bool { return !notSignature(run) })
}

// MaskName keeps a name's first character: 张** .
func MaskName(s string) string {
	r := []rune(Clean(s))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// maskDigits masks every digit of s but the first keep and the last tail.
func maskDigits(s string, keep, tail int) string {
	total := digitCount(s)
	b := []byte(s)
	n := 0
	for i, c := range b {
		if c >= '0' && c <= '9' {
			n++
			if n > keep && n <= total-tail {
				b[i] = '*'
			}
		}
	}
	return string(b)
}

// MaskPhone keeps a phone number's last four digits.
func MaskPhone(s string) string { return maskDigits(Clean(s), 0, 4) }

// maskColumn is how a personal column is kept in raw rows and messages.
func maskColumn(field, value string) (string, bool) {
	switch field {
	case "name", "entered_by": // 姓名; 录入人 of a service record
		return MaskName(value), true
	case "id_number":
		return MaskID(NormalizeID(value)), true
	case "phone":
		return MaskPhone(value), true
	}
	return "", false
}

// datedFields are the columns of a staff sheet that hold dates: a name
// there is a name typed in the wrong column, masked as one.
var datedFields = map[string]bool{"cert_date": true, "joined": true, "left": true, "seq": true}

// notNames are what clerks type into date columns that are not names.
var notNames = map[string]bool{"至今": true, "在岗": true, "在职": true, "离职": true, "离岗": true, "未离站": true, "仍在岗": true,
	"待定": true, "不详": true, "未知": true, "暂无": true, "见附件": true, "同上": true, "未取得": true, "无证": true, "空白": true, "未填": true}

// looksLikeName says whether a cell is a Chinese personal name: two to
// four Han characters (up to eight with the · of a minority name), nothing
// else.
func looksLikeName(s string) bool {
	if notNames[strings.ReplaceAll(Clean(s), " ", "")] {
		return false
	}
	r := []rune(strings.ReplaceAll(Clean(s), " ", ""))
	if len(r) < 2 || len(r) > 8 {
		return false
	}
	han := 0
	for _, c := range r {
		switch {
		case c == '·' || c == '•':
		case unicode.Is(unicode.Han, c):
			han++
		default:
			return false
		}
	}
	return han >= 2 && (han <= 4 || strings.ContainsAny(string(r), "·•"))
}

// maskCell is how a cell of a sheet of kind is kept in raw rows (as it
// stood) and messages (cleaned first): a personal column masked whole; in
// a staff sheet's date columns, a name masked as a name; everything else
// scrubbed of ID- and phone-like numbers and signed names.
func maskCell(kind Kind, field, value string) string {
	if m, ok := maskColumn(field, value); ok {
		return m
	}
	if kind == LedgerStaff && datedFields[field] && looksLikeName(value) {
		return MaskName(value)
	}
	return ScrubText(value)
}
