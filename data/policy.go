package data

import (
	"fmt"
	"os"
	"strconv"
	"strings"
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
		if b, err = os.ReadFile(path); err != nil {
			return Policy{}, err
		}
		name = path
	}
	return ParsePolicy(name, b)
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
	"file_max_mb", "xlsx_unzip_max_mb", "sheet_max_rows", "cell_max_chars"}

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

func (p *Policy) set(key, val string) error {
	num := func(dst *float64) error {
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f < 0 {
			return fmt.Errorf("%s: %q 不是非负数", key, val)
		}
		*dst = f
		return nil
	}
	whole := func(dst *int) error {
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return fmt.Errorf("%s: %q 不是非负整数", key, val)
		}
		*dst = n
		return nil
	}
	date := func(dst *time.Time) error {
		d, err := time.Parse(time.DateOnly, val)
		if err != nil {
			return fmt.Errorf("%s: %q 不是 YYYY-MM-DD 格式的日期", key, val)
		}
		*dst = d
		return nil
	}
	switch key {
	case "coverage_target":
		return num(&p.CoverageTarget)
	case "coverage_deadline":
		return date(&p.CoverageDeadline)
	case "operating_window_days":
		return whole(&p.OperatingWindowDays)
	case "baseinfo_cutoff":
		return date(&p.BaseinfoCutoff)
	case "baseinfo_grace_days":
		return whole(&p.BaseinfoGraceDays)
	case "service_entry_grace_days":
		return whole(&p.ServiceEntryGraceDays)
	case "summary_due_day":
		return whole(&p.SummaryDueDay)
	case "summary_extension_workdays":
		return whole(&p.SummaryExtensionWorkdays)
	case "use_weight_baseinfo":
		return num(&p.UseWeightBaseinfo)
	case "use_weight_services":
		return num(&p.UseWeightServices)
	case "use_weight_summaries":
		return num(&p.UseWeightSummaries)
	case "use_warning":
		return num(&p.UseWarning)
	case "bulletin_first_month":
		m, err := time.Parse("2006-01", val)
		if err != nil {
			return fmt.Errorf("%s: %q 不是 YYYY-MM 格式的月份", key, val)
		}
		p.BulletinFirstMonth = m
		return nil
	case "bulletin_issue_workdays":
		return whole(&p.BulletinIssueWorkdays)
	case "bulletin_reply_workdays":
		return whole(&p.BulletinReplyWorkdays)
	case "bulletin_issuer":
		if err := oneLine(key, val); err != nil {
			return err
		}
		p.BulletinIssuer = val
		return nil
	case "bulletin_header":
		if err := oneLine(key, val); err != nil {
			return err
		}
		p.BulletinHeader = val
		return nil
	case "scope":
		switch val {
		case CityScope, ProvinceScope, NationalScope:
			p.Scope = val
			return nil
		}
		return fmt.Errorf("%s: %q 应为 %s（晋中市）、%s（山西省）或 %s", key, val, CityScope, ProvinceScope, NationalScope)
	case "warning_lookback_months":
		return whole(&p.WarningLookbackMonths)
	case "startup_service_window_days":
		return whole(&p.StartupServiceWindowDays)
	case "improving_months":
		return whole(&p.ImprovingMonths)
	case "improving_services_per_month":
		return num(&p.ImprovingServicesPerMonth)
	case "improving_service_types":
		return whole(&p.ImprovingServiceTypes)
	case "improving_resource_links":
		return whole(&p.ImprovingResourceLinks)
	case "professional_core_share":
		return num(&p.ProfessionalCoreShare)
	case "allowed_fund_purposes":
		p.AllowedFundPurposes = nil
		for _, x := range strings.Split(val, "|") {
			// compared with 用途类别 as ingest keeps it: spaces removed
			if x = strings.Join(strings.Fields(x), ""); x != "" {
				p.AllowedFundPurposes = append(p.AllowedFundPurposes, x)
			}
		}
		if len(p.AllowedFundPurposes) == 0 {
			return fmt.Errorf("%s 不能为空（用 | 分隔各允许用途）", key)
		}
		return nil
	case "person_times_max":
		return bounded(key, val, &p.PersonTimesMax, 1, 1_000_000_000)
	case "site_area_max_m2":
		if err := num(&p.SiteAreaMaxM2); err != nil {
			return err
		}
		if p.SiteAreaMaxM2 <= 0 {
			return fmt.Errorf("%s: %q 应大于 0", key, val)
		}
		return nil
	case "file_max_mb":
		return bounded(key, val, &p.FileMaxMB, 1, 1<<20)
	case "xlsx_unzip_max_mb":
		return bounded(key, val, &p.XLSXUnzipMaxMB, 1, 1<<20)
	case "sheet_max_rows":
		return bounded(key, val, &p.SheetMaxRows, 1, 1_000_000_000)
	case "cell_max_chars":
		return bounded(key, val, &p.CellMaxChars, 1, 1_000_000_000)
	case "fund_amount_max_yuan":
		if err := num(&p.FundAmountMaxYuan); err != nil {
			return err
		}
		if p.FundAmountMaxYuan <= 0 || p.FundAmountMaxYuan > 1e12 {
			return fmt.Errorf("%s: %q 应在 0 到 1000000000000 之间", key, val)
		}
		return nil
	case "assess_points_coverage":
		return num(&p.AssessPointsCoverage)
	case "assess_points_operating":
		return num(&p.AssessPointsOperating)
	case "assess_points_certification":
		return num(&p.AssessPointsCertification)
	case "assess_points_system_use":
		return num(&p.AssessPointsSystemUse)
	case "assess_points_service_volume":
		return num(&p.AssessPointsServiceVolume)
	case "assess_service_volume_target":
		return num(&p.AssessServiceVolumeTarget)
	case "assess_points_stages":
		return num(&p.AssessPointsStages)
	case "assess_deduction_fund_flag":
		return num(&p.AssessDeductionFundFlag)
	case "assess_deduction_missing_ledger_month":
		return num(&p.AssessDeductionMissingLedg)
	case "assess_deduction_cap":
		return num(&p.AssessDeductionCap)
	}
	return fmt.Errorf("没有参数 %s（参数名见内置的 data/policy.csv）", key)
}

// bounded parses a whole number within [lo, hi] into dst.
func bounded(key, val string, dst *int, lo, hi int) error {
	n, err := strconv.Atoi(val)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%s: %q 应为 %d 到 %d 之间的整数", key, val, lo, hi)
	}
	*dst = n
	return nil
}

// oneLine checks a text that goes on one line of a document: not empty, no
// line break or other control character.
func oneLine(key, val string) error {
	if strings.TrimSpace(val) == "" {
		return fmt.Errorf("%s 不能为空", key)
	}
	for _, r := range val {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s: %q 含换行或控制字符", key, val)
		}
	}
	return nil
}
