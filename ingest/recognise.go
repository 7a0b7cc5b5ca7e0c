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
)

// KindLabel is the Chinese name of a kind, for messages.
var KindLabel = map[Kind]string{
	LedgerStations: "站点台账",
	LedgerStaff:    "人员台账",
	SysStations:    "系统站点信息",
	SysServices:    "系统服务记录",
	SysSummaries:   "系统月度总结",
}

// IsLedger says whether a kind is part of a county ledger workbook.
func (k Kind) IsLedger() bool { return k == LedgerStations || k == LedgerStaff }

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
	Kind      Kind
	HeaderRow int            // index into Sheet.Rows
	Columns   map[string]int // field -> column index
	// Ignored are header cells that mean nothing to sgz, kept for messages.
	Ignored []string
}

// Recognise finds the header row of a sheet: the first of its first rows
// in which every key field of some kind appears. When several kinds match
// a row, the one that explains the most cells wins.
func (r *Recogniser) Recognise(s Sheet) (Layout, bool) {
	for i, row := range s.Rows {
		if i >= headerScanRows {
			break
		}
		var best Layout
		bestScore := 0
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
			if complete && len(cols) > bestScore {
				best, bestScore = Layout{Kind: k, HeaderRow: i, Columns: cols, Ignored: ignored}, len(cols)
			}
		}
		if bestScore > 0 {
			return best, true
		}
	}
	return Layout{}, false
}

// Expected lists, for a message, the headers each kind needs.
func (r *Recogniser) Expected() string {
	var parts []string
	for _, k := range r.kinds {
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
