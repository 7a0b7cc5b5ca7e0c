package ingest

import (
	"sync"

	"sgz/data"
)

// Limits are the bounds on what one input may hold, from the policy file
// (judgements a bureau may change): beyond them a value is a reject or a
// file a refusal, with the bound named, never a silent overflow or an
// unbounded read.
type Limits struct {
	FileBytes   int64   // a file on disk (file_max_mb)
	UnzipBytes  int64   // an .xlsx unpacked (xlsx_unzip_max_mb)
	SheetRows   int     // data rows of one sheet or CSV (sheet_max_rows): RowBound
	CellChars   int     // characters of one cell (cell_max_chars)
	PersonTimes int64   // 服务人次 of one service record (person_times_max)
	SiteArea    float64 // 场地面积 in ㎡ (site_area_max_m2)
	FundFen     int64   // one funds row's sum, in 分 (fund_amount_max_yuan)
}

// LimitsOf takes the limits from a policy.
func LimitsOf(p data.Policy) Limits {
	return Limits{
		FileBytes: int64(p.FileMaxMB) << 20, UnzipBytes: int64(p.XLSXUnzipMaxMB) << 20,
		SheetRows: p.SheetMaxRows, CellChars: p.CellMaxChars,
		PersonTimes: int64(p.PersonTimesMax), SiteArea: p.SiteAreaMaxM2, FundFen: int64(p.FundAmountMaxYuan * 100),
	}
}

// headRows is how many rows above a sheet's data may hold its title and
// header: the header is looked for in the first headerScanRows rows and
// may take two.
const headRows = headerScanRows + 1

// RowBound is how many rows a sheet, CSV or file may have in all: the
// policy's sheet_max_rows rows of data and the title and header rows above
// them (an export of exactly sheet_max_rows records loads).
func (l Limits) RowBound() int { return l.SheetRows + headRows }

var defaultLimits = sync.OnceValue(func() Limits {
	p, err := data.LoadPolicy("")
	if err != nil {
		panic(err) // the embedded policy is checked by its tests
	}
	return LimitsOf(p)
})

// DefaultLimits are the limits of the built-in policy.
func DefaultLimits() Limits { return defaultLimits() }
