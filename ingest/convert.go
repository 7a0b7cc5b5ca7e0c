package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/data"
)

// Parsed is everything one file yields before it is written: the typed
// rows of each table, every rejected row with its reason, what was skipped,
// and the raw rows (personal data masked) for provenance.
type Parsed struct {
	FileName string
	// Class is "ledger" (a county ledger workbook) or "export" (system).
	Class      string
	CountyCode string     // ledgers: the county reporting
	ReportDate *time.Time // ledgers: 填报日期
	// DatedByName says the report date came from the file name, not a
	// 填报日期 row: the name is then part of what the file says.
	DatedByName bool
	Tables      map[string]*TableRows
	Raw         []RawRow
	Rejects     []Reject
	// Flags are remarks on rows loaded all the same (Reason holds the note).
	Flags   []Reject
	Skipped map[string]int // kind of skip -> rows
	// Rejected counts rejected rows per table.
	Rejected map[string]int
	Notes    []string // sheets not loaded and why

	// A streamed file (Loader.StreamBytes) is appended chunk by chunk: its
	// rows counted in flushed, the first rejects and remarks kept for the
	// summary, the others counted.
	streamed                                   bool
	flushed                                    map[string]int
	keptRejects, keptFlags                     []Reject
	omittedRejects, omittedFlags, flushedFlags int
	// sqlFlags are remarks written by a statement (logOverlaps) and not in
	// Flags
	sqlFlags int
}

// TableCount is how many rows of table the file gave.
func (p *Parsed) TableCount(table string) int {
	n := p.flushed[table]
	if t := p.Tables[table]; t != nil {
		n += len(t.Rows)
	}
	return n
}

// RejectedRows is how many rows were rejected.
func (p *Parsed) RejectedRows() int {
	n := 0
	for _, v := range p.Rejected {
		n += v
	}
	return n
}

// FlagCount is how many remarks the loaded rows have.
func (p *Parsed) FlagCount() int {
	if p.streamed {
		return p.flushedFlags + len(p.Flags) - len(p.keptFlags) + p.sqlFlags
	}
	return len(p.Flags) + p.sqlFlags
}

// Omitted says how many rejects and remarks of a streamed file are in the
// database but not in Rejects and Flags.
func (p *Parsed) Omitted() (rejects, flags int) { return p.omittedRejects, p.omittedFlags }

// TableRows are typed rows bound for one table; Columns follow the
// provenance columns (file_id, sheet_name, row_number) in the schema.
type TableRows struct {
	Columns []string
	Rows    []Row
}

// Row is one typed row with its place in the file.
type Row struct {
	Sheet  string
	RowNum int // 1-based spreadsheet row
	Values []any
	// cells and their fields of a row that keeps no raw row while accepted
	// (recordOnly), for the raw row it gets if it is rejected later (its
	// station unknown: rejectUnknown)
	cells  []string
	fields map[int]string
}

// RawRow is one non-empty row as it stood in the file, personal data masked.
type RawRow struct {
	Sheet  string
	RowNum int
	Kind   string // the sheet's kind, or "" for an unrecognised sheet
	Role   string // title, header, data, skip:<why>, rejected
	Cells  string // JSON array of cell texts
}

// Reject is one row that was not loaded, and why.
type Reject struct {
	Sheet  string
	RowNum int
	Column string // column letter and header, e.g. "F 身份证号码"
	Value  string // the offending value, personal data masked
	Reason string
}

// Holds says whether the file gives the sheet of table at all: it has the
// sheet, and not every row of it was rejected. A ledger sheet of which
// every row was rejected replaces nothing and is not in force: a corrupt
// correction must not wipe a county's stations.
func (p *Parsed) Holds(table string) bool {
	t := p.Tables[table]
	return t != nil && (len(t.Rows) > 0 || p.Rejected[table] == 0)
}

// Loaded counts the typed rows of all tables.
func (p *Parsed) Loaded() int {
	n := 0
	for t := range p.Tables {
		n += p.TableCount(t)
	}
	return n
}

// SkippedTotal counts skipped rows of all kinds.
func (p *Parsed) SkippedTotal() int {
	n := 0
	for _, v := range p.Skipped {
		n += v
	}
	return n
}

// Converter turns sheets into Parsed files.
type Converter struct {
	Recogniser *Recogniser
	Resolver   *Resolver
	Salt       []byte
	// Limits bound what a file and its values may hold (policy); the zero
	// value takes the built-in policy's.
	Limits Limits
	// Today is the load day (zero: now): no date lies after it. Calendar
	// is the holiday calendar (nil: the built-in one), whose years bound
	// the system's dates.
	Today    time.Time
	Calendar *data.Calendar
}

func (c *Converter) limits() Limits {
	if c.Limits == (Limits{}) {
		return DefaultLimits()
	}
	return c.Limits
}

// Convert recognises every sheet of a file and converts its rows. A file
// with no recognisable sheet, or a ledger without a report date, is refused.
func (c *Converter) Convert(path string, sheets []Sheet) (*Parsed, error) {
	name := PublicName(filepath.Base(path)) // a file name may carry a phone number or a name
	p := &Parsed{FileName: name, Tables: map[string]*TableRows{}, Skipped: map[string]int{}, Rejected: map[string]int{}}
	type found struct {
		sheet  Sheet
		layout Layout
	}
	var fs []found
	var notLoaded []string
	unrecognised := false
	for _, s := range sheets {
		l, ok := c.Recogniser.Recognise(s)
		if !ok {
			// A hidden sheet that is no ledger or export (drop-down lists)
			// is none of sgz's business.
			if nonEmptyRows(s) > 0 && !s.Hidden {
				unrecognised = true
				p.Notes = append(p.Notes, fmt.Sprintf("工作表 %s：找不到可识别的表头行，未载入", s.Name))
				p.addRaw(s, 0, len(s.Rows), "", "unrecognised")
			}
			continue
		}
		if why, no := NotLoaded[l.Kind]; no {
			// Named and left out, raw rows too (a recipients list is
			// personal data through and through).
			notLoaded = append(notLoaded, why)
			p.Notes = append(p.Notes, fmt.Sprintf("工作表 %s：%s", s.Name, why))
			continue
		}
		fs = append(fs, found{s, l})
	}
	if len(fs) == 0 && len(notLoaded) > 0 {
		slices.Sort(notLoaded)
		why := strings.Join(slices.Compact(notLoaded), "；")
		if unrecognised {
			why += fmt.Sprintf("；其余工作表没有可识别的表头行（应有 %s）", c.Recogniser.Expected())
		}
		return nil, refuse(name, "%s", why)
	}
	if len(fs) == 0 {
		return nil, refuse(name, "没有一个工作表有可识别的表头行（应有 %s）", c.Recogniser.Expected())
	}
	ledger := fs[0].layout.Kind.IsLedger()
	for _, f := range fs[1:] {
		if f.layout.Kind.IsLedger() != ledger {
			return nil, refuse(name, "同一文件中既有县级台账又有系统导出，请分开报送")
		}
	}
	if ledger {
		p.Class = "ledger"
		var metaRows [][]string
		var meta []string
		for _, f := range fs {
			for _, row := range f.sheet.Rows[:f.layout.HeaderTop] {
				metaRows = append(metaRows, row)
				meta = append(meta, row...)
			}
		}
		d, byName, note, err := reportDate(metaRows, name)
		if err != nil {
			return nil, refuse(name, "%v", err)
		}
		if d.After(c.today().Add(reportDateLead)) {
			return nil, refuse(name, "填报日期 %s 晚于载入日 %s 一个月以上，不可能：请核对年份", d.Format(time.DateOnly), c.today().Format(time.DateOnly))
		}
		p.ReportDate, p.DatedByName = &d, byName
		if note != "" {
			p.Notes = append(p.Notes, note)
		}
		if code, ok := c.countyFromText(meta, name); ok {
			p.CountyCode = code
		}
	} else {
		p.Class = "export"
	}
	for _, f := range fs {
		if err := c.convertSheet(p, f.sheet, f.layout); err != nil {
			return nil, refuse(name, "%v", err)
		}
	}
	if ledger && p.CountyCode == "" {
		return nil, refuse(name, "无法判断是哪个县（市、区）的台账：标题、填报单位、文件名和县区列中都没有县名")
	}
	return p, nil
}

func nonEmptyRows(s Sheet) int {
	n := 0
	for _, r := range s.Rows {
		if !blankRow(r) {
			n++
		}
	}
	return n
}

func blankRow(r []string) bool {
	for _, c := range r {
		if Clean(c) != "" {
			return false
		}
	}
	return true
}

func (p *Parsed) addRaw(s Sheet, from, to int, kind Kind, role string) {
	for i := from; i < to && i < len(s.Rows); i++ {
		p.addRawRow(s.Name, i+1, s.Rows[i], kind, role, nil)
	}
}

// addRawRow keeps a row as it stood, with personal data masked (cols:
// column index -> field): the personal columns whole, a name typed into a
// staff sheet's date column, and ID-like and phone-like numbers and names
// after 填表人 and the like everywhere.
func (p *Parsed) addRawRow(sheet string, rowNum int, cells []string, kind Kind, role string, cols map[int]string) {
	if blankRow(cells) {
		return
	}
	masked := make([]string, len(cells))
	for i, c := range cells {
		masked[i] = maskCell(kind, cols[i], c)
	}
	b, _ := json.Marshal(masked)
	p.Raw = append(p.Raw, RawRow{Sheet: sheet, RowNum: rowNum, Kind: string(kind), Role: role, Cells: string(b)})
}

var (
	reReportDate = regexp.MustCompile(`填报(?:日期|时间)\s*[:：]?\s*(.*)$`)
	reFileMonth  = regexp.MustCompile(`(20\d{2})\s*[-_.年]?\s*(\d{1,2})(?:\s*[-_.月]\s*(\d{1,2}))?`)
)

// reportDate takes the ledger's 填报日期 from the rows above its header
// (the date in the same cell or the next one); a month alone is the month's
// last day. When the row is missing, blank or unreadable it takes the file
// name's year and month (the last day of that month, or the day the name
// gives); else it fails. note says what a clerk should know.
func reportDate(meta [][]string, name string) (date time.Time, byName bool, note string, err error) {
	for _, row := range meta {
		text, found := "", false
		for i, cell := range row {
			if g := reReportDate.FindStringSubmatch(Clean(cell)); g != nil {
				text, found = strings.TrimSpace(g[1]), true
				if text == "" && i+1 < len(row) {
					text = Clean(row[i+1]) // the date in the next cell of the row
				}
				break
			}
		}
		if !found {
			continue
		}
		d, err := ParseDate(text)
		if err == nil && !d.Approx {
			return d.Time, false, "", nil
		}
		if err == nil {
			end := d.Time.AddDate(0, 1, -1)
			return end, false, fmt.Sprintf("填报日期 %q 没有日，按 %s 计", text, end.Format(time.DateOnly)), nil
		}
		note = fmt.Sprintf("填报日期 %q 不是日期，", text)
		if text == "" {
			note = "填报日期为空，"
		}
		break
	}
	if g := reFileMonth.FindStringSubmatch(name); g != nil {
		y, m := atoi(g[1]), atoi(g[2])
		if m >= 1 && m <= 12 {
			d := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC)
			if g[3] != "" {
				if x, err := ParseDate(fmt.Sprintf("%d-%d-%s", y, m, g[3])); err == nil {
					d = x.Time
				}
			}
			if note != "" {
				note += "按文件名中的日期 " + d.Format(time.DateOnly) + " 计"
			}
			return d, true, note, nil
		}
	}
	if note != "" {
		return time.Time{}, false, "", errors.New(note + "文件名中也没有年月（如 榆次区_2023-06.xlsx）")
	}
	return time.Time{}, false, "", errors.New("没有填报日期：表中无“填报日期”行，文件名中也没有年月（如 榆次区_2023-06.xlsx）")
}

// countyFromText finds the county named in the title and 填报单位 rows or the
// file name, trying longer names first (so 太谷区 wins over 太谷).
func (c *Converter) countyFromText(meta []string, name string) (string, bool) {
	type cand struct{ name, code string }
	var cs []cand
	for n, code := range c.Resolver.countyBy {
		if !reDigits.MatchString(n) && len([]rune(n)) >= 2 {
			cs = append(cs, cand{n, code})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if len(cs[i].name) != len(cs[j].name) {
			return len(cs[i].name) > len(cs[j].name)
		}
		return cs[i].name < cs[j].name
	})
	for _, text := range append(meta, name) {
		text = Clean(text)
		for _, x := range cs {
			if strings.Contains(text, x.name) {
				return x.code, true
			}
		}
	}
	return "", false
}

// skipReason classifies rows that carry no record: totals, footers, rows
// with only a 序号, and template rows whose county and township were filled
// in beforehand (sgz template) and nothing else. col maps a column to its
// field, "" for none (the inverse of l.Columns; a slice, not a map: looked
// up for every cell, a map cost 0.3 s a million records).
func skipReason(row []string, l Layout, col []string) string {
	first := ""
	filled := 0
	seqOnly, placeOnly := true, true
	for j, cell := range row {
		v := Clean(cell)
		if v == "" {
			continue
		}
		if first == "" {
			first = v
		}
		filled++
		f := ""
		if j < len(col) {
			f = col[j]
		}
		if f != "seq" {
			seqOnly = false
		}
		if f != "seq" && f != "county" && f != "township" {
			placeOnly = false
		}
	}
	compact := strings.ReplaceAll(first, " ", "")
	switch {
	case strings.HasPrefix(compact, "合计") || strings.HasPrefix(compact, "总计") || strings.HasPrefix(compact, "小计"):
		return "total"
	case strings.HasPrefix(compact, "填表人") || strings.HasPrefix(compact, "联系电话") || strings.HasPrefix(compact, "注") ||
		strings.HasPrefix(compact, "说明") || strings.HasPrefix(compact, "审核人") || strings.HasPrefix(compact, "制表") ||
		strings.HasPrefix(compact, "负责人") || strings.HasPrefix(compact, "填报人") || strings.HasPrefix(compact, "备注:") ||
		strings.HasPrefix(compact, "备注："):
		return "footer"
	case filled > 0 && seqOnly:
		return "seq_only"
	case filled > 0 && placeOnly && l.Kind.IsLedger():
		return "place_only"
	}
	return ""
}

// rowCtx gives field access and collects one row's problems.
type rowCtx struct {
	row     []string
	layout  Layout
	header  []string
	rejects []Reject
	flags   []Reject
	sheet   string
	rowNum  int
	st      *sheetState
}

func (r *rowCtx) get(field string) string {
	j, ok := r.layout.Columns[field]
	if !ok || j >= len(r.row) {
		return ""
	}
	return r.row[j]
}

func (r *rowCtx) column(field string) string {
	j, ok := r.layout.Columns[field]
	if !ok {
		return field
	}
	letter, _ := excelize.ColumnNumberToName(j + 1)
	h := ""
	if j < len(r.header) {
		h = strings.Join(strings.Fields(r.header[j]), "") // as the clerk wrote it
	}
	return letter + " " + h
}

// flag notes a problem that does not stop the row from loading.
func (r *rowCtx) flag(field, value, format string, args ...any) {
	r.flags = append(r.flags, r.problem(field, value, format, args...))
}

func (r *rowCtx) fail(field, value, format string, args ...any) {
	r.rejects = append(r.rejects, r.problem(field, value, format, args...))
}

// problem is a reject or flag of the row. Its reason often quotes the
// cell; wherever the cell's shown form is masked, so is the reason (a
// name and a phone number typed into a date column must not come back in
// "… 不是日期").
func (r *rowCtx) problem(field, value, format string, args ...any) Reject {
	v := shown(r.layout.Kind, field, value)
	reason := fmt.Sprintf(format, args...)
	for _, raw := range []string{value, Clean(value)} {
		if raw != "" && raw != v {
			reason = strings.ReplaceAll(reason, raw, v)
		}
	}
	return Reject{Sheet: r.sheet, RowNum: r.rowNum, Column: r.column(field), Value: v, Reason: reason}
}

// shown is a value as a message may show it: personal columns masked.
func shown(kind Kind, field, value string) string { return maskCell(kind, field, Clean(value)) }

// parse applies fn to the field's text; a blank value is nil, or a reject
// when required.
func parse[T any](r *rowCtx, field string, required bool, fn func(string) (T, error)) any {
	s := r.get(field)
	v, err := fn(s)
	if errors.Is(err, errNoValue) || (err == nil && Clean(s) == "" && !required) {
		if required {
			r.fail(field, s, "必填项为空")
		}
		return nil
	}
	if err != nil {
		r.fail(field, s, "%v", err)
		return nil
	}
	return v
}

func text(s string) (string, error) {
	s = Clean(s)
	if s == "" {
		return "", errNoValue
	}
	return s, nil
}

// freeText is a cell of free text (摘要, 备注, 承接机构, 特色项目), which a
// clerk may fill with an ID or phone number or a signed name: kept as
// ScrubText leaves it.
func freeText(s string) (string, error) {
	t, err := text(s)
	return ScrubText(t), err
}

func date(s string) (time.Time, error) {
	d, err := ParseDate(s)
	return d.Time, err
}
