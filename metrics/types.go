package metrics

import (
	"time"

	"sgz/transform"
)

// CityCode is the division code of 晋中市; the city total row carries it.
const CityCode = "140700"

// CountyIndicators is one row of indicators.md "Machine-readable output":
// one county (or the city total) as of one date.
//
// A nil pointer means "no value": a rate whose denominator is zero, or a
// ledger figure of a county that has no ledger by the as-of date (未报送,
// never shown as zero).
type CountyIndicators struct {
	CountyCode string `json:"county_code"`
	County     string `json:"county"`
	// LedgerDate is the report date (填报日期) of the ledger current at the
	// as-of date; nil when the county has not reported (未报送).
	LedgerDate *time.Time `json:"ledger_date"`

	TownshipsInScope    int      `json:"townships_in_scope"`
	StationsEstablished *int     `json:"stations_established"`
	CoverageRate        *float64 `json:"coverage_rate"`
	StationsOperating   *int     `json:"stations_operating"`
	OperatingRate       *float64 `json:"operating_rate"`
	ResidentWorkers     *int     `json:"resident_workers"`
	CertifiedWorkers    *int     `json:"certified_workers"`
	CertificationRate   *float64 `json:"certification_rate"`
	FulltimeRate        *float64 `json:"fulltime_rate"`
	ServicesMonth       int      `json:"services_month"`
	PersonTimesMonth    int      `json:"person_times_month"`

	BaseinfoTimelyRate *float64 `json:"baseinfo_timely_rate"`
	ServiceTimelyRate  *float64 `json:"service_timely_rate"`
	SummaryOntimeRate  *float64 `json:"summary_ontime_rate"`
	SystemUseScore     *float64 `json:"system_use_score"`
	StageStartup       *int     `json:"stage_startup"`
	StageImproving     *int     `json:"stage_improving"`
	StageProfessional  *int     `json:"stage_professional"`

	// StationsFullyCertified counts established in-scope stations whose
	// active resident workers (at least one) are all certified.
	StationsFullyCertified *int `json:"stations_fully_certified"`
	// ImprovingOrAboveRate is the share of established stations at 提升 or 专业.
	ImprovingOrAboveRate *float64 `json:"stage_improving_or_above_rate"`
}

// Reported says whether the county had a ledger by the as-of date.
func (c CountyIndicators) Reported() bool { return c.LedgerDate != nil }

// MonthPoint is one month of the city's (or one county's) monthly series,
// as known at the as-of date of the series.
type MonthPoint struct {
	Month string `json:"month"` // YYYY-MM
	// StationsEstablished counts in-scope townships with an established
	// station at the end of the month, by the ledger current then.
	StationsEstablished int `json:"stations_established"`
	Services            int `json:"services"`
	PersonTimes         int `json:"person_times"`
	// Unreported: a county's series, at a month end by which the county had
	// sent no ledger (its StationsEstablished is unknown, not 0).
	Unreported bool `json:"unreported,omitempty"`
}

// Source is one loaded input file that a figure was computed from.
type Source struct {
	FileName   string     `json:"file_name"`
	Kind       string     `json:"kind"`
	CountyName string     `json:"county"`
	ReportDate *time.Time `json:"report_date"`
	SHA256     string     `json:"sha256"`
}

// Snapshot is everything the overview dashboard shows for one as-of date.
type Snapshot struct {
	AsOf time.Time `json:"as_of"`
	// Counties holds one row per county in code order and the city total
	// (CountyCode == CityCode) last.
	Counties []CountyIndicators `json:"counties"`
	// Monthly is the city's series from the first month with data to the
	// month of AsOf.
	Monthly          []MonthPoint `json:"monthly"`
	Sources          []Source     `json:"sources"`
	CoverageTarget   float64      `json:"coverage_target"`
	CoverageDeadline time.Time    `json:"coverage_deadline"`
}

// CountyTimeliness is one county's (or the city's) system use for one
// month, as of one date: what was counted and what was on time, the three
// rates and the score (indicators.md "System use timeliness").
type CountyTimeliness struct {
	CountyCode, County              string
	BaseinfoCounted, BaseinfoOnTime int
	ServicesCounted, ServicesOnTime int
	SummariesOwed, SummariesOnTime  int
	SummariesLate, SummariesMissing int
	BaseinfoTimelyRate              *float64
	ServiceTimelyRate               *float64
	SummaryOntimeRate               *float64
	SystemUseScore                  *float64
}

// StationTimeliness is what one station (township) owed for a month and
// when it came (sgz report timeliness).
type StationTimeliness struct {
	CountyCode, County, TownshipCode, Township, Stations string
	Established                                          *time.Time // nil: the system gives no date
	// Ledger is "counted" for a station of the current ledger established
	// at the as-of date, "system" for one the system's register knows and
	// the ledger does not list: both owe base information and summaries
	// (indicators.md, "Which stations owe"). Otherwise the township owes
	// neither, but its service records count in the county's rate:
	// "listed" (the ledger lists it, not established at the date: 挂牌
	// later, or closed) or "not_listed" (the ledger leaves it out).
	Ledger                       string
	BaseinfoDue                  *time.Time // nil: not yet due
	BaseinfoEntered              *time.Time
	BaseinfoOnTime               *bool
	Services, ServicesOnTime     int
	SummaryDue, SummarySubmitted *time.Time
	SummaryStatus                string // on_time, late, missing, not_owed
	SummaryDaysLate              *int
}

// UseMonth is the system use of every county and the city for one month,
// as of that month's summary deadline (the bulletin's figures).
type UseMonth struct {
	Month    string             `json:"month"` // YYYY-MM
	AsOf     time.Time          `json:"as_of"`
	Counties []CountyTimeliness `json:"counties"` // city last
}

// Difference is one disagreement between a county's ledger and the system.
type Difference struct {
	CountyCode, County, TownshipCode, Township string
	Kind                                       string // ledger_only, system_only, date_differs
	LedgerDate, SystemDate                     *time.Time
}

// FileLoad is one loaded file as the data-quality page lists it.
type FileLoad struct {
	FileName, Class, County          string
	ReportDate                       *time.Time
	Loaded, Rejected, Skipped, Flags int
	Overlap                          int // export records an earlier export had too
	Replaced                         bool
}

// RejectReason counts rejected rows (and refused files) by reason.
type RejectReason struct {
	Reason string
	Rows   int
}

// Outlook is a county's coverage pace and whether it reaches the target
// by the policy deadline (issue 4, "Early warning").
type Outlook struct {
	CountyCode, County string
	Coverage           float64 // at the as-of date
	Established        int
	Target             int     // townships the target asks for
	PacePerMonth       float64 // stations a month over the look-back
	Projected          *time.Time
	// Status: 已完成, 预计按期完成, 存在不能按期完成风险, 逾期未完成, 未报送.
	Status string
}

// Site is everything the dashboard site shows for one as-of date.
type Site struct {
	Snapshot
	Use           []UseMonth     `json:"use"`
	UseWarning    float64        `json:"use_warning"`
	Differences   []Difference   `json:"differences"`
	Files         []FileLoad     `json:"files"`
	RejectReasons []RejectReason `json:"reject_reasons"`
	RefusedFiles  int            `json:"refused_files"`
	Rejects       []Reject       `json:"rejects"`
	Outlooks      []Outlook      `json:"outlooks"`
	// CountyMonthly is each county's monthly series (by code), over the
	// months of Monthly.
	CountyMonthly map[string][]MonthPoint `json:"county_monthly"`
	// Townships are the in-scope townships as of AsOf (sgz report stations).
	Townships []TownshipStation `json:"townships"`
	// StageHistory is each station's stage at every month end up to AsOf.
	StageHistory StageHistory `json:"stage_history"`
	// Checks are the data checks of the build, passed or not.
	Checks []transform.DataTest `json:"checks"`
	// OperatingWindowDays and StartupWindowDays name the windows of the
	// station figures (policy).
	OperatingWindowDays int `json:"operating_window_days"`
	StartupWindowDays   int `json:"startup_window_days"`
	// Bulletins are the bulletin versions written so far, newest first.
	Bulletins []BulletinEdition `json:"bulletins"`
	// Assessment is the year-end assessment of AsOf's year as of AsOf (a
	// forecast before the year's last day).
	Assessment *Assessment `json:"assessment"`
	// Areas are the areas of a scope wider than the city (the province or
	// the country first), from area_indicators; nil at the city's scope.
	Areas []AreaIndicators `json:"areas"`
	// Generated is when the site was written (the pages say so).
	Generated time.Time `json:"generated"`
}
