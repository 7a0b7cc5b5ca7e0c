package data

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// Policy holds every threshold and weight named in docs/indicators.md as
// policy.X. The defaults are data/policy.csv; a user passes an edited copy.
type Policy struct {
	CoverageTarget            float64
	CoverageDeadline          time.Time
	OperatingWindowDays       int
	BaseinfoCutoff            time.Time
	BaseinfoGraceDays         int
	ServiceEntryGraceDays     int
	SummaryDueDay             int
	SummaryExtensionWorkdays  int
	UseWeightBaseinfo         float64
	UseWeightServices         float64
	UseWeightSummaries        float64
	UseWarning                float64
	BulletinFirstMonth        time.Time
	BulletinIssueWorkdays     int
	BulletinReplyWorkdays     int
	BulletinIssuer            string
	BulletinHeader            string
	WarningLookbackMonths     int
	StartupServiceWindowDays  int
	ImprovingMonths           int
	ImprovingServicesPerMonth float64
	ImprovingServiceTypes     int
	ImprovingResourceLinks    int
	ProfessionalCoreShare     float64
	AllowedFundPurposes       []string
	// FundAmountMaxYuan is the largest sum one funds-ledger row may carry;
	// beyond it the row is a typing error, rejected with the range named.
	FundAmountMaxYuan float64
	// PersonTimesMax and SiteAreaMaxM2 bound a service record's 服务人次
	// and a station's 场地面积 likewise.
	PersonTimesMax int
	SiteAreaMaxM2  float64
	// What one input file may hold: its size, an .xlsx unpacked, rows of a
	// sheet, characters of a cell. Beyond them the file is refused.
	FileMaxMB, XLSXUnzipMaxMB, SheetMaxRows, CellMaxChars int

	// Scope is the area whose system exports are loaded and summed: 1407
	// (晋中市, the default), 14 (山西省) or 全国. The city's counties keep
	// their ledgers, pages, bulletin and assessment at every scope; a
	// wider scope adds the figures of each province and city
	// (docs/decisions.md, "Province and national scope").
	Scope string

	AssessPointsCoverage       float64
	AssessPointsOperating      float64
	AssessPointsCertification  float64
	AssessPointsSystemUse      float64
	AssessPointsServiceVolume  float64
	AssessServiceVolumeTarget  float64
	AssessPointsStages         float64
	AssessDeductionFundFlag    float64
	AssessDeductionMissingLedg float64
	AssessDeductionCap         float64
	// LedgerMonthlyFrom is the first month from which a county owes a
	// ledger every month (the assessment's deduction for months without).
	LedgerMonthlyFrom time.Time

	// Entries are the file's rows in order, as read, for recording the
	// policy an output was computed with; About holds each key's 说明.
	Entries [][2]string
	About   map[string]string
}

// DefaultPolicyCSV returns the embedded default policy file.
func DefaultPolicyCSV() []byte {
	b, err := files.ReadFile("policy.csv")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

// LoadPolicy reads the policy file at path, or the embedded defaults when
// path is empty. Every key of the defaults must be present exactly once.
func LoadPolicy(path string) (Policy, error) {
	b, name := DefaultPolicyCSV(), "policy.csv"
	if path != "" {
		var err error
		if b, err = ReadSmallFile(path, policyMaxBytes); err != nil {
			return Policy{}, fmt.Errorf("政策参数文件 %s：%w", path, err)
		}
		name = path
	}
	return ParsePolicy(name, b)
}

// policyMaxBytes bounds a policy file (the defaults are 4 KB).
const policyMaxBytes = 1 << 20

// ReadSmallFile reads a small file sgz is pointed at (a policy file, the
// key of personal hashes) as it reads inputs: a regular file only (a FIFO
// would hang, a link to /dev/zero would fill memory), opened without
// blocking, at most max bytes.
func ReadSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("不是普通文件（%s），未读取", st.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("超过 %d 字节，不像应有的文件，未读取", max)
	}
	return b, nil
}

// ParsePolicy parses a policy file's bytes; name is used in errors.
func ParsePolicy(name string, b []byte) (Policy, error) {
	var p Policy
	seen := map[string]bool{}
	err := parseCSV(name, b, []string{"key", "value", "说明"}, func(r []string) error {
		key, val := r[0], r[1]
		if seen[key] {
			return fmt.Errorf("参数 %s 出现了两次", key)
		}
		seen[key] = true
		p.Entries = append(p.Entries, [2]string{key, val})
		if p.About == nil {
			p.About = map[string]string{}
		}
		p.About[key] = r[2]
		return p.set(key, val)
	})
	if err != nil {
		return Policy{}, err
	}
	for _, key := range policyKeys {
		if !seen[key] {
			return Policy{}, fmt.Errorf("%s: 缺少参数 %s", name, key)
		}
	}
	// bulletin_header came after a user may have copied the file: without
	// it the red header is the file's own issuer and 文件.
	if !seen["bulletin_header"] {
		p.BulletinHeader = p.BulletinIssuer + "文件"
		p.Entries = append(p.Entries, [2]string{"bulletin_header", p.BulletinHeader})
		p.About["bulletin_header"] = "通报红头（版头）文字（政策参数文件未列，取发文机关加“文件”）"
	}
	// Keys that came after a user may have copied the file take the
	// built-in value, and say so.
	for _, key := range laterKeys {
		if seen[key] {
			continue
		}
		val, about := builtin(key)
		if err := p.set(key, val); err != nil {
			return Policy{}, err
		}
		p.Entries = append(p.Entries, [2]string{key, val})
		p.About[key] = about + "（政策参数文件未列，取内置默认值）"
	}
	if s := p.UseWeightBaseinfo + p.UseWeightServices + p.UseWeightSummaries; s < 0.999 || s > 1.001 {
		return Policy{}, fmt.Errorf("%s: use_weight_* 三项权重之和为 %g，应为 1", name, s)
	}
	return p, nil
}

// The scopes a policy may name: the city, its province, the country.
const (
	CityScope     = "1407"
	ProvinceScope = "14"
	NationalScope = "全国"
)

// laterKeys are the policy keys added after the first policy file: a
// file without them takes the built-in values.
var laterKeys = []string{"scope", "fund_amount_max_yuan", "person_times_max", "site_area_max_m2",
	"file_max_mb", "xlsx_unzip_max_mb", "sheet_max_rows", "cell_max_chars", "ledger_monthly_from"}

// builtin is a key's value and 说明 in the embedded data/policy.csv.
func builtin(key string) (value, about string) {
	for _, line := range strings.Split(string(DefaultPolicyCSV()), "\n") {
		k, rest, ok := strings.Cut(strings.TrimSpace(line), ",")
		if ok && k == key {
			value, about, _ = strings.Cut(rest, ",")
			return value, about
		}
	}
	panic("data/policy.csv has no " + key) // checked by TestPolicyLaterKeys
}

var policyKeys = []string{
	"coverage_target", "coverage_deadline", "operating_window_days", "baseinfo_cutoff",
	"baseinfo_grace_days", "service_entry_grace_days", "summary_due_day", "summary_extension_workdays",
	"use_weight_baseinfo", "use_weight_services", "use_weight_summaries", "use_warning",
	"bulletin_first_month", "bulletin_issue_workdays", "bulletin_reply_workdays", "bulletin_issuer", "warning_lookback_months",
	"startup_service_window_days", "improving_months", "improving_services_per_month",
	"improving_service_types", "improving_resource_links", "professional_core_share",
	"allowed_fund_purposes", "assess_points_coverage", "assess_points_operating",
	"assess_points_certification", "assess_points_system_use", "assess_points_service_volume",
	"assess_service_volume_target", "assess_points_stages", "assess_deduction_fund_flag",
	"assess_deduction_missing_ledger_month", "assess_deduction_cap",
}

// A policy key's kind and range: a value outside it is refused, naming the
// key, the value and the range (a NaN weight ranked counties by nothing;
// a zero service-volume target or an operating window of 0 days changed
// figures silently). Numbers are written plainly (12, 0.4): not 1e308, Inf
// or NaN.
type keySpec struct {
	kind   string // num, whole, date, month, text, list, scope
	lo, hi float64
	// above: lo itself is out of range (a target or bound of 0 means
	// nothing)
	above bool
	set   func(p *Policy, v any)
}

var plainNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// keySpecs holds every key's kind and range.
var keySpecs = map[string]keySpec{
	"coverage_target":                       {kind: "num", lo: 0, hi: 1, above: true, set: func(p *Policy, v any) { p.CoverageTarget = v.(float64) }},
	"coverage_deadline":                     {kind: "date", set: func(p *Policy, v any) { p.CoverageDeadline = v.(time.Time) }},
	"operating_window_days":                 {kind: "whole", lo: 1, hi: 366, set: func(p *Policy, v any) { p.OperatingWindowDays = v.(int) }},
	"baseinfo_cutoff":                       {kind: "date", set: func(p *Policy, v any) { p.BaseinfoCutoff = v.(time.Time) }},
	"baseinfo_grace_days":                   {kind: "whole", lo: 0, hi: 366, set: func(p *Policy, v any) { p.BaseinfoGraceDays = v.(int) }},
	"service_entry_grace_days":              {kind: "whole", lo: 0, hi: 366, set: func(p *Policy, v any) { p.ServiceEntryGraceDays = v.(int) }},
	"summary_due_day":                       {kind: "whole", lo: 1, hi: 28, set: func(p *Policy, v any) { p.SummaryDueDay = v.(int) }},
	"summary_extension_workdays":            {kind: "whole", lo: 0, hi: 30, set: func(p *Policy, v any) { p.SummaryExtensionWorkdays = v.(int) }},
	"use_weight_baseinfo":                   {kind: "num", lo: 0, hi: 1, set: func(p *Policy, v any) { p.UseWeightBaseinfo = v.(float64) }},
	"use_weight_services":                   {kind: "num", lo: 0, hi: 1, set: func(p *Policy, v any) { p.UseWeightServices = v.(float64) }},
	"use_weight_summaries":                  {kind: "num", lo: 0, hi: 1, set: func(p *Policy, v any) { p.UseWeightSummaries = v.(float64) }},
	"use_warning":                           {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.UseWarning = v.(float64) }},
	"bulletin_first_month":                  {kind: "month", set: func(p *Policy, v any) { p.BulletinFirstMonth = v.(time.Time) }},
	"bulletin_issue_workdays":               {kind: "whole", lo: 0, hi: 60, set: func(p *Policy, v any) { p.BulletinIssueWorkdays = v.(int) }},
	"bulletin_reply_workdays":               {kind: "whole", lo: 1, hi: 60, set: func(p *Policy, v any) { p.BulletinReplyWorkdays = v.(int) }},
	"bulletin_issuer":                       {kind: "text", set: func(p *Policy, v any) { p.BulletinIssuer = v.(string) }},
	"bulletin_header":                       {kind: "text", set: func(p *Policy, v any) { p.BulletinHeader = v.(string) }},
	"scope":                                 {kind: "scope", set: func(p *Policy, v any) { p.Scope = v.(string) }},
	"warning_lookback_months":               {kind: "whole", lo: 1, hi: 24, set: func(p *Policy, v any) { p.WarningLookbackMonths = v.(int) }},
	"startup_service_window_days":           {kind: "whole", lo: 1, hi: 366, set: func(p *Policy, v any) { p.StartupServiceWindowDays = v.(int) }},
	"improving_months":                      {kind: "whole", lo: 1, hi: 12, set: func(p *Policy, v any) { p.ImprovingMonths = v.(int) }},
	"improving_services_per_month":          {kind: "num", lo: 0, hi: 10000, set: func(p *Policy, v any) { p.ImprovingServicesPerMonth = v.(float64) }},
	"improving_service_types":               {kind: "whole", lo: 0, hi: 20, set: func(p *Policy, v any) { p.ImprovingServiceTypes = v.(int) }},
	"improving_resource_links":              {kind: "whole", lo: 0, hi: 10000, set: func(p *Policy, v any) { p.ImprovingResourceLinks = v.(int) }},
	"professional_core_share":               {kind: "num", lo: 0, hi: 1, set: func(p *Policy, v any) { p.ProfessionalCoreShare = v.(float64) }},
	"allowed_fund_purposes":                 {kind: "list", set: func(p *Policy, v any) { p.AllowedFundPurposes = v.([]string) }},
	"fund_amount_max_yuan":                  {kind: "num", lo: 0, hi: 1e12, above: true, set: func(p *Policy, v any) { p.FundAmountMaxYuan = v.(float64) }},
	"person_times_max":                      {kind: "whole", lo: 1, hi: 1_000_000_000, set: func(p *Policy, v any) { p.PersonTimesMax = v.(int) }},
	"site_area_max_m2":                      {kind: "num", lo: 0, hi: 1e9, above: true, set: func(p *Policy, v any) { p.SiteAreaMaxM2 = v.(float64) }},
	"file_max_mb":                           {kind: "whole", lo: 1, hi: 1 << 20, set: func(p *Policy, v any) { p.FileMaxMB = v.(int) }},
	"xlsx_unzip_max_mb":                     {kind: "whole", lo: 1, hi: 1 << 20, set: func(p *Policy, v any) { p.XLSXUnzipMaxMB = v.(int) }},
	"sheet_max_rows":                        {kind: "whole", lo: 1, hi: 1_000_000_000, set: func(p *Policy, v any) { p.SheetMaxRows = v.(int) }},
	"cell_max_chars":                        {kind: "whole", lo: 1, hi: 1_000_000_000, set: func(p *Policy, v any) { p.CellMaxChars = v.(int) }},
	"assess_points_coverage":                {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessPointsCoverage = v.(float64) }},
	"assess_points_operating":               {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessPointsOperating = v.(float64) }},
	"assess_points_certification":           {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessPointsCertification = v.(float64) }},
	"assess_points_system_use":              {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessPointsSystemUse = v.(float64) }},
	"assess_points_service_volume":          {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessPointsServiceVolume = v.(float64) }},
	"assess_service_volume_target":          {kind: "num", lo: 0, hi: 10000, above: true, set: func(p *Policy, v any) { p.AssessServiceVolumeTarget = v.(float64) }},
	"assess_points_stages":                  {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessPointsStages = v.(float64) }},
	"assess_deduction_fund_flag":            {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessDeductionFundFlag = v.(float64) }},
	"assess_deduction_missing_ledger_month": {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessDeductionMissingLedg = v.(float64) }},
	"assess_deduction_cap":                  {kind: "num", lo: 0, hi: 100, set: func(p *Policy, v any) { p.AssessDeductionCap = v.(float64) }},
	"ledger_monthly_from":                   {kind: "month", set: func(p *Policy, v any) { p.LedgerMonthlyFrom = v.(time.Time) }},
}

// Range says a key's range in words.
func (k keySpec) Range() string {
	g := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch k.kind {
	case "num":
		if k.above {
			return "大于 " + g(k.lo) + "、不超过 " + g(k.hi) + " 的数"
		}
		return g(k.lo) + " 到 " + g(k.hi) + " 之间的数"
	case "whole":
		return g(k.lo) + " 到 " + g(k.hi) + " 之间的整数"
	case "date":
		return "2000-01-01 到 2099-12-31 之间、YYYY-MM-DD 格式的日期"
	case "month":
		return "2000-01 到 2099-12 之间、YYYY-MM 格式的月份"
	case "text":
		return "一行文字，不能为空，不含换行、控制字符或双向控制字符"
	case "list":
		return "用 | 分隔的用途，至少一项"
	case "scope":
		return CityScope + "（晋中市）、" + ProvinceScope + "（山西省）或 " + NationalScope
	}
	return ""
}

func (p *Policy) set(key, val string) error {
	spec, ok := keySpecs[key]
	if !ok {
		return fmt.Errorf("没有参数 %s（参数名见内置的 data/policy.csv）", key)
	}
	v, ok := spec.parse(val)
	if !ok {
		return fmt.Errorf("参数 %s 的值 %q 不可用，应为：%s", key, clip(val), spec.Range())
	}
	spec.set(p, v)
	return nil
}

// parse reads val as the key's kind within its range.
func (k keySpec) parse(val string) (any, bool) {
	switch k.kind {
	case "num", "whole":
		if !plainNumber.MatchString(val) {
			return nil, false
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < k.lo || f > k.hi || (k.above && f == k.lo) {
			return nil, false
		}
		if k.kind == "whole" {
			n, err := strconv.Atoi(val)
			if err != nil {
				return nil, false
			}
			return n, true
		}
		return f, true
	case "date", "month":
		layout := time.DateOnly
		if k.kind == "month" {
			layout = "2006-01"
		}
		d, err := time.Parse(layout, val)
		if err != nil || d.Year() < 2000 || d.Year() > 2099 {
			return nil, false
		}
		return d, true
	case "text":
		if oneLine(val) != nil {
			return nil, false
		}
		return val, true
	case "list":
		var out []string
		for _, x := range strings.Split(val, "|") {
			// compared with 用途类别 as ingest keeps it: spaces removed
			if x = strings.Join(strings.Fields(x), ""); x != "" {
				out = append(out, x)
			}
		}
		return out, len(out) > 0 && oneLine(val) == nil
	case "scope":
		switch val {
		case CityScope, ProvinceScope, NationalScope:
			return val, true
		}
	}
	return nil, false
}

// clip shortens a value for a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// oneLine checks a text that goes on one line of a document: not empty, no
// line break, control character or bidirectional control (U+202E turns
// the text after it around on screen).
func oneLine(val string) error {
	if strings.TrimSpace(val) == "" {
		return errors.New("empty")
	}
	for _, r := range val {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return errors.New("control")
		}
	}
	return nil
}
