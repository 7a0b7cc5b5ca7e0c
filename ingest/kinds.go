package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sgz/data"
)

// Table columns after the provenance columns (file_id, sheet_name,
// row_number); they match ingest/sql/schema.sql.
var tableColumns = map[Kind][]string{
	LedgerStations: {"county_code", "township_code", "station_name", "established_date", "established_approx",
		"operation_mode", "operator", "has_site", "site_area_m2", "has_rules", "has_signage", "signature_project", "remarks"},
	LedgerStaff: {"county_code", "township_code", "person_key", "id_hash", "id_masked", "id_status", "name_hash",
		"sex", "birth_year", "role", "is_fulltime", "cert_level", "certified_date", "joined_date", "left_date"},
	LedgerFunds: {"county_code", "township_code", "fund_source", "entry_date", "entry_approx", "summary", "purpose",
		"received_fen", "spent_fen"},
	SysStations:  {"station_id", "station_name", "county_code", "township_code", "established_date", "baseinfo_entered_at", "station_status"},
	SysServices:  {"service_id", "station_id", "service_type", "target_kind", "start_date", "end_date", "person_times", "entered_at"},
	SysSummaries: {"station_id", "summary_month", "submitted_at", "review_status"},
}

// recordOnly are the kinds whose accepted rows keep no raw row: the
// services and summaries exports, millions of rows at national scale. Their
// typed row names its file, sheet and row and holds every column an
// indicator uses; the columns it leaves out (站点名称, 录入人) are in the
// file. Their rejected, skipped, title and header rows keep raw rows as
// every kind's do. (Keeping them cost about a third of the load: see
// docs/decisions.md.)
var recordOnly = map[Kind]bool{SysServices: true, SysSummaries: true}

// convertSheet converts the data rows of one recognised sheet.
func (c *Converter) convertSheet(p *Parsed, s Sheet, l Layout) error {
	st := c.startSheet(p, s, l)
	if l.HeaderRow+1 >= len(s.Rows) {
		return nil
	}
	return c.convertRows(p, st, s.Rows[l.HeaderRow+1:], l.HeaderRow+2)
}

// sheetState is what converting a sheet's rows carries from one run of
// rows to the next (a sheet may come in chunks: see Loader.StreamBytes).
type sheetState struct {
	name     string
	layout   Layout
	seen     map[string][]placement // person key -> rows so far, within this sheet
	personal map[int]string         // column -> field, for masking raw rows
	fields   []string               // the same as a slice: column -> field, "" for none
	blanks   int                    // blank rows not yet counted

	day        time.Time // the load day (Converter.today), for every row of the sheet
	futureFrom time.Time // two days after it: a date from then on lies in the future
}

// startSheet keeps the sheet's title and header rows and readies its rows.
func (c *Converter) startSheet(p *Parsed, s Sheet, l Layout) *sheetState {
	table := string(l.Kind)
	if p.Tables[table] == nil {
		p.Tables[table] = &TableRows{Columns: tableColumns[l.Kind]}
	}
	p.addRaw(s, 0, l.HeaderTop, l.Kind, "title")
	p.addRaw(s, l.HeaderTop, l.HeaderRow+1, l.Kind, "header")
	st := &sheetState{name: s.Name, layout: l, seen: map[string][]placement{}, personal: map[int]string{}, day: c.today()}
	st.futureFrom = st.day.AddDate(0, 0, 2)
	for f, j := range l.Columns {
		st.personal[j] = f
		if j >= len(st.fields) {
			st.fields = append(st.fields, make([]string, j+1-len(st.fields))...)
		}
		st.fields[j] = f
	}
	return st
}

// convertRows converts data rows; rows[0] is spreadsheet row first. Blank
// rows count as skipped between data rows, not after the last (a
// template's empty formatted rows): they are counted when a row follows.
func (c *Converter) convertRows(p *Parsed, st *sheetState, rows [][]string, first int) error {
	l := st.layout
	table := string(l.Kind)
	for k, row := range rows {
		num := first + k
		if blankRow(row) {
			st.blanks++
			continue
		}
		p.Skipped["blank"] += st.blanks
		st.blanks = 0
		if why := skipReason(row, l, st.fields); why != "" {
			p.Skipped[why]++
			p.addRawRow(st.name, num, row, l.Kind, "skip:"+why, st.personal)
			continue
		}
		r := &rowCtx{row: row, layout: l, header: l.Header, sheet: st.name, rowNum: num, st: st}
		var vals []any
		switch l.Kind {
		case LedgerStations:
			vals = c.ledgerStation(p, r)
		case LedgerStaff:
			vals = c.ledgerStaff(p, r, st.seen)
		case LedgerFunds:
			vals = c.ledgerFund(p, r)
		case SysStations:
			vals = c.sysStation(r)
		case SysServices:
			vals = c.sysService(r)
		case SysSummaries:
			vals = c.sysSummary(r)
		default:
			return fmt.Errorf("sheet %s: kind %s has no converter", st.name, l.Kind)
		}
		if len(r.rejects) > 0 {
			p.Rejected[table]++
			p.Rejects = append(p.Rejects, r.rejects...)
			p.addRawRow(st.name, num, row, l.Kind, "rejected", st.personal)
			continue
		}
		p.Flags = append(p.Flags, r.flags...)
		typed := Row{Sheet: st.name, RowNum: num, Values: vals}
		if recordOnly[l.Kind] {
			typed.cells, typed.fields = row, st.personal
		} else {
			p.addRawRow(st.name, num, row, l.Kind, "data", st.personal)
		}
		p.Tables[table].Rows = append(p.Tables[table].Rows, typed)
	}
	return nil
}

// ledgerPlace resolves a ledger row's county (which must be the ledger's)
// and township.
func (c *Converter) ledgerPlace(p *Parsed, r *rowCtx) (county string, town data.Township, ok bool) {
	county = p.CountyCode
	if raw := r.get("county"); Clean(raw) != "" {
		code, err := c.Resolver.County(raw)
		switch {
		case err != nil:
			r.fail("county", raw, "%v", err)
			return "", town, false
		case county == "":
			p.CountyCode, county = code, code
		case code != county:
			r.fail("county", raw, "县区 %s 与本台账所属县区 %s 不一致；一份台账只能报一个县（市、区）", c.Resolver.countyName(code), c.Resolver.countyName(county))
			return "", town, false
		}
	}
	if county == "" {
		r.fail("county", "", "本行和台账标题中都没有县（市、区）")
		return "", town, false
	}
	raw := r.get("township")
	t, err := c.Resolver.Township(county, raw)
	if err != nil {
		if err == errNoValue {
			r.fail("township", raw, "必填项为空")
		} else {
			r.fail("township", raw, "%v", err)
		}
		return "", town, false
	}
	return county, t, true
}

func (c *Converter) ledgerStation(p *Parsed, r *rowCtx) []any {
	county, t, ok := c.ledgerPlace(p, r)
	var est any
	approx := false
	// A blank 挂牌时间 is allowed: the system's 建站日期 stands in (indicators.md).
	if raw := r.get("established"); Clean(raw) == "" {
	} else if d, err := ParseDate(raw); err != nil {
		r.fail("established", raw, "%v", err)
	} else if c.planned(r, "established", d.Time) != nil {
		est, approx = d.Time, d.Approx
		if approx {
			r.flag("established", raw, "只有年月，按 %s 计", d.Time.Format(time.DateOnly))
		}
	}
	name := parse(r, "station_name", false, text)
	if name == nil && ok {
		name = t.Name + "社会工作服务站"
	}
	vals := []any{county, t.Code, name, est, approx,
		parse(r, "mode", false, text), parse(r, "operator", false, freeText),
		parse(r, "has_site", false, ParseYesNo), parse(r, "site_area", false, c.siteArea),
		parse(r, "has_rules", false, ParseYesNo), parse(r, "has_signage", false, ParseYesNo),
		parse(r, "signature", false, freeText), parse(r, "remarks", false, freeText)}
	if !ok {
		return nil
	}
	return vals
}

func (c *Converter) ledgerStaff(p *Parsed, r *rowCtx, seen map[string][]placement) []any {
	county, t, ok := c.ledgerPlace(p, r)
	name := Clean(r.get("name"))
	if name == "" {
		r.fail("name", "", "必填项为空")
	}
	id := NormalizeID(r.get("id_number"))
	var idHash, idMasked, birthYear any
	sex := parse(r, "sex", false, text)
	status := "missing"
	if id != "" {
		valid, want := IDCheck(id)
		switch {
		case valid:
			status = "valid"
		case want != "":
			status = "bad_check_digit"
			r.flag("id_number", id, "身份证号码校验位应为 %s（GB 11643），已载入，按姓名和乡镇计人", want)
		default:
			status = "malformed"
			r.flag("id_number", id, "不是18位身份证号码，已载入，按姓名和乡镇计人")
		}
		idHash, idMasked = Hash(c.Salt, "id", id), MaskID(id)
		// sex from the ID when the row has none; the birth year is not
		// kept (with the masked ID it narrowed a person to a few dozen)
		if _, sx, ok := IDFacts(id); ok && want != "" && sex == nil {
			sex = sx
		}
	}
	nameHash := Hash(c.Salt, "name", name)
	// A person is one ID; without a valid ID, one name at one township.
	personKey := Hash(c.Salt, "person-name", t.Code+"\x00"+name)
	if status == "valid" {
		personKey = idHash.(string)
	}
	cert := parse(r, "cert", false, ParseCert)
	if cert == nil && len(r.rejects) == 0 {
		cert = CertNone
	}
	joined := c.planned(r, "joined", parse(r, "joined", true, date))
	var left any
	if !stillThere(r.get("left")) { // 至今, 在岗: no departure
		left = c.planned(r, "left", parse(r, "left", false, date))
	}
	vals := []any{county, t.Code, personKey, idHash, idMasked, status, nameHash, sex, birthYear,
		parse(r, "role", false, roleValue), parse(r, "fulltime", false, ParseFullTime), cert,
		c.notLater(r, "cert_date", parse(r, "cert_date", false, date)), joined, left}
	if !ok || len(r.rejects) > 0 {
		return nil
	}
	// The same person twice is one person: a later row whose time at a
	// station overlaps an earlier row's is reported and not counted; rows
	// that follow each other (a move to another township) both count.
	span := placement{row: r.rowNum, joined: joined.(time.Time), left: vals[14]}
	for _, prev := range seen[personKey] {
		if prev.overlaps(span) {
			what := "身份证号码"
			if status != "valid" {
				what = "姓名且同一乡镇"
			}
			r.fail("id_number", id, "同一人（%s相同）已在第 %d 行登记且在站时间重叠，本行不计", what, prev.row)
			return nil
		}
	}
	seen[personKey] = append(seen[personKey], span)
	return vals
}

// placement is one row's time at a station: [joined, left), left nil while
// in post.
type placement struct {
	row    int
	joined time.Time
	left   any // time.Time or nil
}

func (a placement) overlaps(b placement) bool {
	end := func(p placement) time.Time {
		if t, ok := p.left.(time.Time); ok {
			return t
		}
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return a.joined.Before(end(b)) && b.joined.Before(end(a))
}

// stillThere says whether a 离站时间 cell says the worker has not left.
func stillThere(s string) bool {
	switch strings.ReplaceAll(Clean(s), " ", "") {
	case "至今", "在岗", "在职", "未离站", "未离岗", "仍在岗", "-", "—", "/", "无":
		return true
	}
	return false
}

// FundSources are the 资金来源 of inputs.md and the ways clerks write them.
var FundSources = map[string]string{
	"市级福彩公益金": CityLotteryFund, "市福彩公益金": CityLotteryFund, "市级福彩金": CityLotteryFund,
	"市级福利彩票公益金": CityLotteryFund, "福彩公益金(市级)": CityLotteryFund, "市级福彩资金": CityLotteryFund,
	"县级配套": "县级配套", "县级配套资金": "县级配套", "县配套": "县级配套", "县级财政配套": "县级配套",
	"其他": "其他", "其它": "其他",
}

// CityLotteryFund is the one 资金来源 whose use the funds checks follow.
const CityLotteryFund = "市级福彩公益金"

// ledgerFund converts one row of a funds sheet: a receipt or a spending
// of money from one source, at county level (no township) or for one
// township's station.
func (c *Converter) ledgerFund(p *Parsed, r *rowCtx) []any {
	county := p.CountyCode
	if raw := r.get("county"); Clean(raw) != "" {
		code, err := c.Resolver.County(raw)
		switch {
		case err != nil:
			r.fail("county", raw, "%v", err)
		case county == "":
			p.CountyCode, county = code, code
		case code != county:
			r.fail("county", raw, "县区 %s 与本台账所属县区 %s 不一致；一份台账只能报一个县（市、区）", c.Resolver.countyName(code), c.Resolver.countyName(county))
		}
	}
	var town any
	if raw := r.get("township"); Clean(raw) != "" && county != "" {
		if t, err := c.Resolver.Township(county, raw); err != nil {
			r.fail("township", raw, "%v", err)
		} else {
			town = t.Code
		}
	}
	var source any
	if raw := r.get("source"); Clean(raw) == "" {
		r.fail("source", raw, "必填项为空（应为 市级福彩公益金、县级配套 或 其他）")
	} else if s, ok := FundSources[HeaderKey(raw)]; ok {
		source = s
	} else {
		source = Clean(raw)
		r.flag("source", raw, "资金来源不是 市级福彩公益金、县级配套 或 其他，按非市级福彩公益金计；如属市级福彩公益金请改写")
	}
	var day any
	approx := false
	if raw := r.get("date"); Clean(raw) == "" {
		r.fail("date", raw, "必填项为空（资金按日期排序核对是否超支）")
	} else if d, err := ParseDate(raw); err != nil {
		r.fail("date", raw, "%v", err)
	} else {
		day, approx = c.planned(r, "date", d.Time), d.Approx
		if approx {
			r.flag("date", raw, "只有年月，按 %s 计", d.Time.Format(time.DateOnly))
		}
		if p.ReportDate != nil && d.Time.After(*p.ReportDate) {
			r.flag("date", raw, "日期晚于本台账填报日期 %s", p.ReportDate.Format(time.DateOnly))
		}
	}
	amount := func(field string) int64 {
		raw := r.get(field)
		fen, err := ParseAmount(raw)
		switch {
		case errors.Is(err, errNoValue):
			return 0
		case err != nil:
			r.fail(field, raw, "%v", err)
		case fen > c.limits().FundFen:
			r.fail(field, raw, "金额 %s 元超出单笔上限 %s 元（政策参数 fund_amount_max_yuan），请核实", data.Yuan(fen), data.Yuan(c.limits().FundFen))
		}
		return fen
	}
	received, spent := amount("received"), amount("spent")
	if Clean(r.get("received")) == "" && Clean(r.get("spent")) == "" {
		r.fail("received", "", "收入金额和支出金额都为空")
	}
	var purpose any
	if raw := strings.ReplaceAll(Clean(r.get("purpose")), " ", ""); raw != "" {
		purpose = raw
	}
	if county == "" {
		r.fail("county", "", "本行和台账标题中都没有县（市、区）")
	}
	if len(r.rejects) > 0 {
		return nil
	}
	return []any{county, town, source, day, approx, parse(r, "summary", false, freeText), purpose, received, spent}
}

func (c *Converter) sysStation(r *rowCtx) []any {
	id := parse(r, "station_id", true, text)
	raw := Clean(r.get("division"))
	var county, town any
	switch {
	case raw == "":
		r.fail("division", raw, "必填项为空")
	case !reDigits.MatchString(raw) || (len(raw) != 9 && len(raw) != 12):
		r.fail("division", raw, "%q 不是9位或12位区划代码", raw)
	default:
		if t, err := c.Resolver.Division(raw); err != nil {
			r.fail("division", raw, "%s", err)
		} else {
			county, town = t.CountyCode, t.Code
		}
	}
	return []any{id, parse(r, "station_name", false, text), county, town,
		c.planned(r, "established", parse(r, "established", false, date)),
		c.notLater(r, "baseinfo_entered", parse(r, "baseinfo_entered", false, ParseTimestamp)),
		parse(r, "status", false, text)}
}

// personTimes reads a 服务人次: a whole number from 0 to the policy's
// person_times_max (an INTEGER column must never wrap around).
func (c *Converter) personTimes(s string) (int64, error) {
	n, err := ParseCount(s)
	if err == nil && n > c.limits().PersonTimes {
		return 0, fmt.Errorf("%q 超出单条记录服务人次上限 %d（政策参数 person_times_max），请核实", Clean(s), c.limits().PersonTimes)
	}
	return n, err
}

// siteArea reads a 场地面积 in ㎡, at most site_area_max_m2 (0 is no area,
// as a blank).
func (c *Converter) siteArea(s string) (float64, error) {
	a, err := ParseNumber(s)
	switch {
	case err != nil:
		return 0, err
	case a == 0:
		return 0, errNoValue // 0 ㎡: no site, as a blank
	case a > c.limits().SiteArea:
		return 0, fmt.Errorf("场地面积 %q 平方米超出上限 %s 平方米（政策参数 site_area_max_m2），请核实", Clean(s), strconv.FormatFloat(c.limits().SiteArea, 'f', -1, 64))
	}
	return a, nil
}

func (c *Converter) sysService(r *rowCtx) []any {
	start := c.inCalendarPlanned(r, "start", parse(r, "start", true, date))
	end := c.inCalendarPlanned(r, "end", parse(r, "end", false, date)) // a case may run on
	if end == nil && Clean(r.get("end")) == "" {
		end = start // a blank end date is the start date (inputs.md)
	}
	entered := c.inCalendar(r, "entered", parse(r, "entered", true, ParseTimestamp))
	if s, ok := start.(time.Time); ok {
		if e, ok := end.(time.Time); ok && e.Before(s) {
			r.fail("end", r.get("end"), "服务结束日期（%s）早于开始日期（%s）", e.Format(time.DateOnly), s.Format(time.DateOnly))
		}
		if e, ok := entered.(time.Time); ok && e.Before(s) {
			r.fail("entered", r.get("entered"), "录入时间 %s 早于服务开始日期 %s，不可能", e.Format("2006-01-02 15:04"), s.Format(time.DateOnly))
		}
	}
	pt := parse(r, "person_times", false, c.personTimes)
	return []any{parse(r, "service_id", true, text), parse(r, "station_id", true, text),
		parse(r, "service_type", false, text), parse(r, "target", false, text),
		start, end, pt, entered}
}

func (c *Converter) sysSummary(r *rowCtx) []any {
	status := parse(r, "status", false, ParseReviewStatus)
	if status == nil && len(r.rejects) == 0 {
		status = "已提交" // no status given: a submission
	}
	month := c.inCalendar(r, "month", parse(r, "month", true, ParseMonth))
	submitted := c.inCalendar(r, "submitted", parse(r, "submitted", true, ParseTimestamp))
	if m, ok := month.(time.Time); ok {
		if s, ok := submitted.(time.Time); ok && s.Before(m) {
			r.fail("submitted", r.get("submitted"), "提交时间 %s 早于所总结的月份 %s，不可能", s.Format("2006-01-02 15:04"), m.Format("2006-01"))
		}
	}
	return []any{parse(r, "station_id", true, text), month, submitted, status}
}

// staffRoles are the 岗位 a staff sheet's role column keeps (inputs.md:
// 站长 / 驻站社工 / 社工助理, and the words clerks use beside them), the
// longer before the shorter they contain.
var staffRoles = []string{"副站长", "站长", "驻站社工", "专职社工", "兼职社工", "社工助理", "督导", "社工", "志愿者"}

// roleValue keeps a recognised 岗位 and nothing else of the cell (a clerk
// wrote 站长（王小明 13501084571）: kept as 站长); any other text is masked
// as free text is, a bare name as a name.
func roleValue(s string) (string, error) {
	t, err := text(s)
	if err != nil {
		return t, err
	}
	compact := strings.ReplaceAll(t, " ", "")
	for _, r := range staffRoles {
		if compact == r {
			return r, nil
		}
	}
	for _, r := range staffRoles {
		if strings.Contains(compact, r) {
			return r, nil
		}
	}
	if looksLikeName(t) {
		return MaskName(t), nil
	}
	return ScrubText(t), nil
}
