package ingest

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"sgz/data"
)

// Kind is what a sheet holds, recognised from its header row.
type Kind string

// The kinds of sheet sgz loads (spec/inputs.md).
const (
	LedgerStations Kind = "ledger_stations" // 站点台账
	LedgerStaff    Kind = "ledger_staff"    // 人员台账
	SysStations    Kind = "sys_stations"    // 系统导出：站点信息
	SysServices    Kind = "sys_services"    // 系统导出：服务记录
	SysSummaries   Kind = "sys_summaries"   // 系统导出：月度总结

	LedgerFunds Kind = "ledger_funds" // 资金台账

	// Recognised so that it is named, not loaded (NotLoaded says why).
	SysRecipients Kind = "sys_recipients" // 系统导出：服务对象
)

// NotLoaded says why sgz recognises a kind of sheet but does not load it.
var NotLoaded = map[Kind]string{
	SysRecipients: "服务对象导出：含服务对象（受助群众）的姓名和身份证号码，sgz 的指标不使用它，为保护个人信息未载入任何内容",
}

// KindLabel is the Chinese name of a kind, for messages.
var KindLabel = map[Kind]string{
	LedgerStations: "站点台账",
	LedgerStaff:    "人员台账",
	SysStations:    "系统站点信息",
	SysServices:    "系统服务记录",
	SysSummaries:   "系统月度总结",
	LedgerFunds:    "资金台账",
	SysRecipients:  "系统服务对象",
}

// IsLedger says whether a kind is part of a county ledger workbook.
func (k Kind) IsLedger() bool { return k == LedgerStations || k == LedgerStaff || k == LedgerFunds }

// headerScanRows is how far down a sheet the header row is looked for.
const headerScanRows = 30

// Recogniser decides what kind of sheet it is looking at from the header
// synonyms of data/headers.csv.
type Recogniser struct {
	kinds  []Kind
	fields map[Kind]map[string]string // HeaderKey -> field
	keys   map[Kind][]string          // fields that must all be present
}

// NewRecogniser builds a recogniser from the header synonym table.
func NewRecogniser(hs []data.Header) *Recogniser {
	r := &Recogniser{fields: map[Kind]map[string]string{}, keys: map[Kind][]string{}}
	for _, h := range hs {
		k := Kind(h.Kind)
		if r.fields[k] == nil {
			r.fields[k] = map[string]string{}
			r.kinds = append(r.kinds, k)
		}
		r.fields[k][HeaderKey(h.Header)] = h.Field
		if h.Key && !slices.Contains(r.keys[k], h.Field) {
			r.keys[k] = append(r.keys[k], h.Field)
		}
	}
	return r
}

// Layout is where a recognised sheet's header is and which column holds
// which field.
type Layout struct {
	Kind Kind
	// HeaderTop..HeaderRow are the header rows (indexes into Sheet.Rows): one
	// row, or two when a merged group row (人员情况) stands over the detail
	// row. Data starts after HeaderRow.
	HeaderTop, HeaderRow int
	Columns              map[string]int // field -> column index
	// Header is the header text of each column as the clerk wrote it (the
	// detail row where it has text, else the row above).
	Header []string
	// Ignored are header cells that mean nothing to sgz, kept for messages.
	Ignored []string
}

// Recognise finds the header of a sheet: the first of its first rows in
// which every key field of some kind appears, either alone or merged with
// the row below (a two-row header of merged cells, where a column's title
// stands in one of the two rows). When several kinds match, the one that
// explains the most cells wins.
func (r *Recogniser) Recognise(s Sheet) (Layout, bool) {
	for i := 0; i < len(s.Rows) && i < headerScanRows; i++ {
		single, ok1 := r.match(s.Rows[i])
		if ok1 {
			single.HeaderTop, single.HeaderRow = i, i
		}
		if i+1 < len(s.Rows) {
			// Two rows only when the upper one adds titles the lower one
			// lacks; otherwise it is a title or 填报日期 row, not header.
			lower, okLower := r.match(s.Rows[i+1])
			two, ok2 := r.match(mergeRows(s.Rows[i], s.Rows[i+1]))
			if ok2 && (!ok1 || len(two.Columns) > len(single.Columns)) && (!okLower || len(two.Columns) > len(lower.Columns)) {
				two.HeaderTop, two.HeaderRow = i, i+1
				return two, true
			}
		}
		if ok1 {
			return single, true
		}
	}
	return Layout{}, false
}

// mergeRows lays a detail row over the row above it: each column takes the
// lower row's text where it has some, else the upper row's (a title merged
// down over both rows).
func mergeRows(upper, lower []string) []string {
	out := make([]string, max(len(upper), len(lower)))
	for j := range out {
		if j < len(lower) && Clean(lower[j]) != "" {
			out[j] = lower[j]
		} else if j < len(upper) {
			out[j] = upper[j]
		}
	}
	return out
}

// match finds the kind whose key fields all appear in one header row.
func (r *Recogniser) match(row []string) (Layout, bool) {
	var best Layout
	found := false
	for _, k := range r.kinds {
		cols := map[string]int{}
		var ignored []string
		for j, cell := range row {
			key := HeaderKey(cell)
			if key == "" {
				continue
			}
			if f, ok := r.fields[k][key]; ok {
				if _, dup := cols[f]; !dup {
					cols[f] = j
				}
			} else {
				ignored = append(ignored, Clean(cell))
			}
		}
		complete := len(r.keys[k]) > 0
		for _, f := range r.keys[k] {
			if _, ok := cols[f]; !ok {
				complete = false
			}
		}
		if complete && k == SysRecipients {
			// 对象编号 with 站点编号 is a list of service recipients, however
			// many staff-like columns (姓名, 性别, 联系电话) it shares: it
			// must never be read as staff and kept as raw rows.
			return Layout{Kind: k, Columns: cols, Header: row, Ignored: ignored}, true
		}
		if complete && (!found || len(cols) > len(best.Columns)) {
			best, found = Layout{Kind: k, Columns: cols, Header: row, Ignored: ignored}, true
		}
	}
	return best, found
}

// Expected lists, for a message, the headers each kind needs.
func (r *Recogniser) Expected() string {
	var parts []string
	for _, k := range r.kinds {
		if _, no := NotLoaded[k]; no {
			continue
		}
		var hs []string
		for _, f := range r.keys[k] {
			var names []string
			for h, g := range r.fields[k] {
				if g == f {
					names = append(names, h)
				}
			}
			sort.Strings(names)
			hs = append(hs, strings.Join(names, "/"))
		}
		parts = append(parts, fmt.Sprintf("%s: %s", KindLabel[k], strings.Join(hs, ", ")))
	}
	return strings.Join(parts, "; ")
}
