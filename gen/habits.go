package gen

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// Habits are how one county fills in the ledger template: the drift of
// spec/inputs.md "What real ledgers do". The zero value is the template as
// drawn. Habits change how the files look, never what they say: the ground
// truth is the same for clean and messy files.
type Habits struct {
	CountyAs      string            // the county as rows write it (an alias); "" the canonical name
	SheetNames    [2]string         // stations, staff; "" the template's names
	Headers       map[string]string // template header -> the county's synonym
	TitleRows     int               // extra note rows above the header
	TwoRowHeader  bool              // a merged group row over the detail headers
	Dates         string            // cell (template), serial, dot, slash, cn, compact, fullwidth
	YesNo         [2]string         // yes, no; "" 是/否
	Township      string            // name (template), stem (no 镇/乡/街道), code
	Certs         map[string]string // canonical level -> as written
	FullTime      [2]string         // full-time, part-time; "" 专职/兼职
	IDQuirk       bool              // ID numbers as '…x (text mark, lower-case x)
	TotalRow      bool              // a 合计 row under the stations
	Footer        bool              // 填表人/联系电话 rows under each sheet
	BlankRows     bool              // a blank row before every fifth station
	SeqOnlyRows   int               // pre-numbered empty staff rows at the end
	Duplicate     bool              // the first worker listed twice
	BadCheckDigit bool              // the first worker's ID with a wrong check digit
	NoReportDate  bool              // no 填报日期 row: the date is in the file name only
	CSV           string            // "", gb18030 or utf8bom: the sheets as CSV files, one each
	Amounts       string            // sums: number cells (template), comma, wan, yen, fullwidth, yuan
	Unreadable    bool              // funds rows marked Unreadable written as 见附件
}

// countyHabits gives each county its own habits (messy mode); 榆次区 fills
// the template as drawn.
func countyHabits(code string) Habits {
	switch code {
	case "140703": // 太谷区
		return Habits{CountyAs: "太谷县", SheetNames: [2]string{"Sheet1", "Sheet2"}, Dates: "dot", Amounts: "comma", Headers: map[string]string{
			"站点名称": "社工站名称", "挂牌时间": "建站时间", "独立场地": "是否有独立场地", "制度建设": "是否建立制度", "统一标识": "是否统一标识",
			"身份证号码": "身份证号", "岗位": "职务", "是否专职": "在岗形式", "职业资格": "证书等级", "取证时间": "取得证书时间",
			"入站时间": "到岗时间", "离站时间": "离岗时间", "联系电话": "手机号", "县(市、区)": "县（市、区）", "乡镇(街道)": "乡镇（街道）",
			"用途类别": "用途", "收入金额（元）": "收入（元）", "支出金额（元）": "支出（元）"}}
	case "140721": // 榆社县
		return Habits{TwoRowHeader: true, TotalRow: true, Footer: true, Dates: "cn", Amounts: "wan"}
	case "140722": // 左权县
		return Habits{Dates: "fullwidth", Township: "stem", YesNo: [2]string{"√", "×"}, Amounts: "fullwidth"}
	case "140723": // 和顺县
		return Habits{TitleRows: 2, SeqOnlyRows: 3, FullTime: [2]string{"是", "否"}, Amounts: "yen", Unreadable: true}
	case "140724": // 昔阳县
		return Habits{Dates: "compact", IDQuirk: true, Certs: map[string]string{"助理社会工作师": "初级", "社会工作师": "中级", "高级社会工作师": "高级"}}
	case "140725": // 寿阳县
		return Habits{BlankRows: true, Township: "code", Amounts: "yuan", Certs: map[string]string{"助理社会工作师": "助理社工师", "社会工作师": "社工师", "高级社会工作师": "高级社工师"}}
	case "140727": // 祁县
		return Habits{Duplicate: true, Dates: "slash", Amounts: "comma"}
	case "140728": // 平遥县
		return Habits{BadCheckDigit: true, Dates: "serial", NoReportDate: true}
	case "140729": // 灵石县
		return Habits{CSV: "gb18030", Dates: "slash"}
	case "140781": // 介休市
		return Habits{TwoRowHeader: true, YesNo: [2]string{"1", "0"}, Amounts: "wan"}
	}
	return Habits{}
}

func (h Habits) header(template string) string {
	if s, ok := h.Headers[template]; ok {
		return s
	}
	return template
}

func (h Habits) yesNo(b bool) string { return pick(b, h.YesNo, [2]string{"是", "否"}) }

func (h Habits) fullTime(b bool) string { return pick(b, h.FullTime, [2]string{"专职", "兼职"}) }

// pick writes a boolean as the county's pair of words (true, false), or as
// the template's when the county has no habit of its own.
func pick(b bool, habit, template [2]string) string {
	words := template
	if habit[0] != "" {
		words = habit
	}
	if b {
		return words[0]
	}
	return words[1]
}

func (h Habits) cert(level string) string {
	if level == "" {
		return "无"
	}
	if s, ok := h.Certs[level]; ok {
		return s
	}
	return level
}

// date renders a date cell: a time.Time (a date cell), a number (an Excel
// serial in a General cell) or text.
func (h Habits) date(t time.Time) any {
	switch h.Dates {
	case "serial":
		return float64(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	case "dot":
		return fmt.Sprintf("%d.%d.%d", t.Year(), t.Month(), t.Day())
	case "slash":
		return fmt.Sprintf("%d/%d/%d", t.Year(), t.Month(), t.Day())
	case "cn":
		return t.Format("2006年1月2日")
	case "compact":
		return t.Format("20060102")
	case "fullwidth":
		return width.Widen.String(t.Format("2006年1月2日"))
	}
	return t
}

func (h Habits) township(s *Station) string {
	switch h.Township {
	case "code":
		return s.TownshipCode
	case "stem":
		for _, suf := range []string{"街道", "镇", "乡"} {
			if t, ok := strings.CutSuffix(s.TownshipName, suf); ok && t != "" {
				return t
			}
		}
	}
	return s.TownshipName
}

func (h Habits) id(id string) string {
	if h.IDQuirk {
		return "'" + strings.ToLower(id)
	}
	return id
}

// wrongCheckDigit returns id with a different, wrong check character.
func wrongCheckDigit(id string) string {
	good := id[17]
	for _, c := range "0123456789X" {
		if byte(c) != good {
			return id[:17] + string(c)
		}
	}
	return id
}
