package dashboards

import (
	"fmt"
	"os"
	"testing"
	"time"

	"sgz/metrics"
	"sgz/transform"
)

// The fixture: three counties and the city total as of 2023-12-31, written by
// hand. The expected figures in the tests are worked out from these numbers
// in comments, not by the code under test.
//
//	榆次区 140702  ledger 2023-12-20  7 of 8 townships → 87.5%
//	               6 of 7 operating → 85.7%; 9 of 15 certified → 60.0%
//	太谷区 140703  ledger 2023-12-25  9 of 9 → 100.0%; 8 of 9 → 88.9%
//	               14 of 20 certified → 70.0%
//	榆社县 140721  no ledger → 未报送; 5 townships; 3 services from the system
//	晋中市 140700  16 of 22 → 72.7%; 14 of 16 → 87.5%; 23 of 35 → 65.7%
func fixtureSnapshot() metrics.Snapshot {
	d := func(y int, m time.Month, day int) *time.Time {
		t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
		return &t
	}
	i := func(n int) *int { return &n }
	f := func(x float64) *float64 { return &x }
	return metrics.Snapshot{
		AsOf: *d(2023, 12, 31),
		Counties: []metrics.CountyIndicators{
			{
				CountyCode: "140702", County: "榆次区", LedgerDate: d(2023, 12, 20),
				TownshipsInScope: 8, StationsEstablished: i(7), CoverageRate: f(7.0 / 8),
				StationsOperating: i(6), OperatingRate: f(6.0 / 7),
				ResidentWorkers: i(15), CertifiedWorkers: i(9), CertificationRate: f(9.0 / 15),
				FulltimeRate: f(12.0 / 15), ServicesMonth: 120, PersonTimesMonth: 860,
				StageStartup: i(4), StageImproving: i(2), StageProfessional: i(1),
			},
			{
				CountyCode: "140703", County: "太谷区", LedgerDate: d(2023, 12, 25),
				TownshipsInScope: 9, StationsEstablished: i(9), CoverageRate: f(1),
				StationsOperating: i(8), OperatingRate: f(8.0 / 9),
				ResidentWorkers: i(20), CertifiedWorkers: i(14), CertificationRate: f(14.0 / 20),
				FulltimeRate: f(15.0 / 20), ServicesMonth: 95, PersonTimesMonth: 610,
				StageStartup: i(3), StageImproving: i(5), StageProfessional: i(1),
			},
			{
				CountyCode: "140721", County: "榆社县",
				TownshipsInScope: 5, ServicesMonth: 3, PersonTimesMonth: 11,
			},
			{
				CountyCode: metrics.CityCode, County: "晋中市",
				TownshipsInScope: 22, StationsEstablished: i(16), CoverageRate: f(16.0 / 22),
				StationsOperating: i(14), OperatingRate: f(14.0 / 16),
				ResidentWorkers: i(35), CertifiedWorkers: i(23), CertificationRate: f(23.0 / 35),
				FulltimeRate: f(27.0 / 35), ServicesMonth: 218, PersonTimesMonth: 1481,
				StageStartup: i(7), StageImproving: i(7), StageProfessional: i(2),
			},
		},
		Monthly: []metrics.MonthPoint{
			{Month: "2023-07", StationsEstablished: 6, Services: 40, PersonTimes: 300},
			{Month: "2023-08", StationsEstablished: 9, Services: 75, PersonTimes: 520},
			{Month: "2023-09", StationsEstablished: 11, Services: 110, PersonTimes: 790},
			{Month: "2023-10", StationsEstablished: 13, Services: 150, PersonTimes: 1020},
			{Month: "2023-11", StationsEstablished: 15, Services: 190, PersonTimes: 1300},
			{Month: "2023-12", StationsEstablished: 16, Services: 218, PersonTimes: 1481},
		},
		Sources: []metrics.Source{
			{FileName: "榆次区社工站台账.xlsx", Kind: "ledger", CountyName: "榆次区", ReportDate: d(2023, 12, 20),
				SHA256: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"},
			{FileName: "太谷区社工站台账.xlsx", Kind: "ledger", CountyName: "太谷区", ReportDate: d(2023, 12, 25),
				SHA256: "aa11bb22cc33dd44ee55ff6600778899aa11bb22cc33dd44ee55ff6600778899"},
			{FileName: "服务记录导出.csv", Kind: "services",
				SHA256: "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"},
		},
		CoverageTarget:   1.0,
		CoverageDeadline: *d(2023, 12, 31),
	}
}

// skipUnlessRequired skips a test whose tools are missing on a developer's
// machine, but fails it where SGZ_REQUIRE_ALL is set (make test, CI), so
// that a missing install cannot pass as green.
func skipUnlessRequired(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("SGZ_REQUIRE_ALL") != "" {
		t.Fatalf("%s (SGZ_REQUIRE_ALL is set: this test must run)", why)
	}
	t.Skip(why)
}

// fixtureSite is fixtureSnapshot with the other pages' inputs, by hand.
//
// System use, warning line 80. Scores are given as the metrics would
// compute them, 100 × (0.2 base information + 0.4 services + 0.4
// summaries), worked out here:
//
//	2023-10 (as of 2023-11-03)
//	  榆次区  7/7 = 1, 80/100 = 0.8, 7/7 = 1        → 92.0   rank 2
//	  太谷区  nothing owed                          → none   unranked
//	  榆社县  3/3 = 1, 9/10 = 0.9, 3/3 = 1          → 96.0   rank 1
//	  晋中市  10/10, 89/110, 10/10                  → 92.4
//	2023-11 (as of 2023-12-06)
//	  榆次区  7/8 = 0.875, 90/120 = 0.75, 7/7 = 1   → 87.5   rank 1 (tie), ↑1
//	  太谷区  9/9 = 1, 11/16 = 0.6875, 9/9 = 1      → 87.5   rank 1 (tie), 新
//	  榆社县  2/3, 1/3, 1/3 (2 missing)             → 40.0   rank 3 (2 skipped), ↓2, below 80
//	  晋中市  18/20, 102/139, 17/19                 → 83.1
//
// Differences: 榆次区 two (北关街道 台账有、系统无; 东阳镇 挂牌时间不一致),
// 太谷区 one (明星镇 系统有、台账无).
//
// Files: 榆次区 two current ledgers (latest 2023-12-20, 11 days before the
// as-of date); 太谷区 one current ledger (2023-12-25, 6 days), one replaced
// and one dated after the as-of date (neither counts); 榆社县 only a ledger
// dated after the as-of date → 未报送; one system export.
//
// Outlook: 榆次区 at risk (7 of 8, 0.67 a month → 2024-02-01), 太谷区
// complete, 榆社县 not reported.
func fixtureSite() metrics.Site {
	d := func(y int, m time.Month, day int) *time.Time {
		t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
		return &t
	}
	f := func(x float64) *float64 { return &x }
	return metrics.Site{
		Snapshot:   fixtureSnapshot(),
		UseWarning: 80,
		Use: []metrics.UseMonth{
			// Listed newest first: the page must not rely on the order.
			{Month: "2023-11", AsOf: *d(2023, 12, 6), Counties: []metrics.CountyTimeliness{
				{CountyCode: "140702", County: "榆次区", BaseinfoCounted: 8, BaseinfoOnTime: 7, ServicesCounted: 120, ServicesOnTime: 90,
					SummariesOwed: 7, SummariesOnTime: 7,
					BaseinfoTimelyRate: f(0.875), ServiceTimelyRate: f(0.75), SummaryOntimeRate: f(1), SystemUseScore: f(87.5)},
				{CountyCode: "140703", County: "太谷区", BaseinfoCounted: 9, BaseinfoOnTime: 9, ServicesCounted: 16, ServicesOnTime: 11,
					SummariesOwed: 9, SummariesOnTime: 9,
					BaseinfoTimelyRate: f(1), ServiceTimelyRate: f(0.6875), SummaryOntimeRate: f(1), SystemUseScore: f(87.5)},
				{CountyCode: "140721", County: "榆社县", BaseinfoCounted: 3, BaseinfoOnTime: 2, ServicesCounted: 3, ServicesOnTime: 1,
					SummariesOwed: 3, SummariesOnTime: 1, SummariesMissing: 2,
					BaseinfoTimelyRate: f(2.0 / 3), ServiceTimelyRate: f(1.0 / 3), SummaryOntimeRate: f(1.0 / 3), SystemUseScore: f(40)},
				{CountyCode: metrics.CityCode, County: "晋中市", BaseinfoCounted: 20, BaseinfoOnTime: 18, ServicesCounted: 139, ServicesOnTime: 102,
					SummariesOwed: 19, SummariesOnTime: 17, SummariesMissing: 2,
					BaseinfoTimelyRate: f(0.9), ServiceTimelyRate: f(102.0 / 139), SummaryOntimeRate: f(17.0 / 19), SystemUseScore: f(83.142)},
			}},
			{Month: "2023-10", AsOf: *d(2023, 11, 3), Counties: []metrics.CountyTimeliness{
				{CountyCode: "140702", County: "榆次区", BaseinfoCounted: 7, BaseinfoOnTime: 7, ServicesCounted: 100, ServicesOnTime: 80,
					SummariesOwed: 7, SummariesOnTime: 7,
					BaseinfoTimelyRate: f(1), ServiceTimelyRate: f(0.8), SummaryOntimeRate: f(1), SystemUseScore: f(92)},
				{CountyCode: "140703", County: "太谷区"},
				{CountyCode: "140721", County: "榆社县", BaseinfoCounted: 3, BaseinfoOnTime: 3, ServicesCounted: 10, ServicesOnTime: 9,
					SummariesOwed: 3, SummariesOnTime: 3,
					BaseinfoTimelyRate: f(1), ServiceTimelyRate: f(0.9), SummaryOntimeRate: f(1), SystemUseScore: f(96)},
				{CountyCode: metrics.CityCode, County: "晋中市", BaseinfoCounted: 10, BaseinfoOnTime: 10, ServicesCounted: 110, ServicesOnTime: 89,
					SummariesOwed: 10, SummariesOnTime: 10,
					BaseinfoTimelyRate: f(1), ServiceTimelyRate: f(89.0 / 110), SummaryOntimeRate: f(1), SystemUseScore: f(92.3636)},
			}},
		},
		Differences: []metrics.Difference{
			{CountyCode: "140703", County: "太谷区", TownshipCode: "140703101", Township: "明星镇", Kind: "system_only", SystemDate: d(2023, 8, 1)},
			{CountyCode: "140702", County: "榆次区", TownshipCode: "140702100", Township: "东阳镇", Kind: "date_differs",
				LedgerDate: d(2023, 3, 1), SystemDate: d(2023, 3, 15)},
			{CountyCode: "140702", County: "榆次区", TownshipCode: "140702003", Township: "北关街道", Kind: "ledger_only", LedgerDate: d(2023, 5, 10)},
		},
		Files: []metrics.FileLoad{
			{FileName: "榆次区社工站台账.xlsx", Class: "ledger", County: "榆次区", ReportDate: d(2023, 12, 20), Loaded: 40, Rejected: 1, Skipped: 2},
			{FileName: "榆次区社工站台账_11月.xlsx", Class: "ledger", County: "榆次区", ReportDate: d(2023, 11, 30), Loaded: 38},
			{FileName: "太谷区社工站台账.xlsx", Class: "ledger", County: "太谷区", ReportDate: d(2023, 12, 25), Loaded: 45, Flags: 2},
			{FileName: "太谷区社工站台账（旧）.xlsx", Class: "ledger", County: "太谷区", ReportDate: d(2023, 12, 25), Loaded: 44, Replaced: true},
			{FileName: "太谷区社工站台账_2024-01.xlsx", Class: "ledger", County: "太谷区", ReportDate: d(2024, 1, 31), Loaded: 46},
			{FileName: "榆社县社工站台账_2024-01.xlsx", Class: "ledger", County: "榆社县", ReportDate: d(2024, 1, 15), Loaded: 20},
			{FileName: "服务记录导出.csv", Class: "export", Loaded: 500, Rejected: 3, Flags: 3, Overlap: 40},
		},
		RejectReasons: []metrics.RejectReason{
			{Reason: "身份证号码校验位错误", Rows: 3},
			{Reason: "挂牌时间晚于填报日期", Rows: 1},
		},
		RefusedFiles: 1,
		Townships:    fixtureTownships(),
		CountyMonthly: map[string][]metrics.MonthPoint{
			"140702": {{Month: "2023-11", StationsEstablished: 6, Services: 100, PersonTimes: 700}, {Month: "2023-12", StationsEstablished: 7, Services: 120, PersonTimes: 860}},
			"140703": {{Month: "2023-11", StationsEstablished: 9, Services: 90, PersonTimes: 600}, {Month: "2023-12", StationsEstablished: 9, Services: 95, PersonTimes: 610}},
			"140721": {{Month: "2023-11", StationsEstablished: 0, Services: 0}, {Month: "2023-12", StationsEstablished: 0, Services: 3, PersonTimes: 11}},
		},
		StageHistory:        fixtureStageHistory(),
		Checks:              []transform.DataTest{{Name: "checks/stage_counts_sum_to_established.sql", Title: "各阶段站点数之和等于已建站点数", About: "每个县（市、区）和全市的三个阶段的站点数相加等于已建站点数。"}},
		OperatingWindowDays: 30,
		StartupWindowDays:   90,
		Generated:           time.Date(2024, 1, 2, 1, 30, 0, 0, time.UTC), // 09:30 in Beijing
		Outlooks: []metrics.Outlook{
			{CountyCode: "140721", County: "榆社县", Target: 5, Status: "未报送"},
			{CountyCode: "140702", County: "榆次区", Coverage: 0.875, Established: 7, Target: 8, PacePerMonth: 2.0 / 3,
				Projected: d(2024, 2, 1), Status: "存在不能按期完成风险"},
			{CountyCode: "140703", County: "太谷区", Coverage: 1, Established: 9, Target: 9, PacePerMonth: 1, Status: "已完成"},
		},
		Assessment: fixtureAssessment(),
	}
}

// fixtureAssessment: three counties scored by hand. 榆次区 7/8 covered
// (26.25), all operating and certified (15 + 15), system use 87.5 (17.5),
// 12 services a station a month (6), 3/7 at 提升 or above (4.2857…), one
// fund flag (−5): 79.0357…; 太谷区 full marks but for service volume 8
// (4) and stages 2/9 (2.2222…): 86.2222…, rank 1; 榆社县 未报送, two
// months without a ledger: 0, rank 3.
func fixtureAssessment() *metrics.Assessment {
	f := func(x float64) *float64 { return &x }
	n := func(x int) *int { return &x }
	d := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	rules := metrics.Rules{Coverage: 30, Operating: 15, Certification: 15, SystemUse: 20, ServiceVolume: 10, Stages: 10,
		ServiceVolumeTarget: 20, PerFundFlag: 5, PerMissingLedgerMonth: 5, DeductionCap: 10}
	yc := metrics.CountyScore{CountyCode: "140702", County: "榆次区",
		Coverage:      metrics.Part{Raw: f(7.0 / 8), Points: 30 * (7.0 / 8), Max: 30, Num: n(7), Den: n(8)},
		Operating:     metrics.Part{Raw: f(1), Points: 15, Max: 15, Num: n(7), Den: n(7)},
		Certification: metrics.Part{Raw: f(1), Points: 15, Max: 15, Num: n(14), Den: n(14)},
		SystemUse:     metrics.Part{Raw: f(87.5), Points: 17.5, Max: 20},
		ServiceVolume: metrics.Part{Raw: f(12), Points: 6, Max: 10},
		Stages:        metrics.Part{Raw: f(3.0 / 7), Points: 10 * (3.0 / 7), Max: 10, Num: n(3), Den: n(7)},
		UseScores:     []*float64{f(87.5)},
		FundFlags: []metrics.FundFlag{{CountyCode: "140702", County: "榆次区", Kind: "超范围使用", Reason: "支出 3,000.00 元，用途类别“慰问”，不在允许用途（站点建设、人员经费、服务项目、培训督导、评估）内",
			Rows: []metrics.FundRow{{File: "榆次区_2023-12.xlsx", Sheet: "资金台账", Row: 24}}}},
		FundDeduction: 5, Deduction: 5, Rank: 2}
	yc.Total = yc.PartsSum() - 5
	tg := metrics.CountyScore{CountyCode: "140703", County: "太谷区",
		Coverage:      metrics.Part{Raw: f(1), Points: 30, Max: 30, Num: n(9), Den: n(9)},
		Operating:     metrics.Part{Raw: f(1), Points: 15, Max: 15, Num: n(9), Den: n(9)},
		Certification: metrics.Part{Raw: f(1), Points: 15, Max: 15, Num: n(18), Den: n(18)},
		SystemUse:     metrics.Part{Raw: f(100), Points: 20, Max: 20},
		ServiceVolume: metrics.Part{Raw: f(8), Points: 4, Max: 10},
		Stages:        metrics.Part{Raw: f(2.0 / 9), Points: 10 * (2.0 / 9), Max: 10, Num: n(2), Den: n(9)},
		UseScores:     []*float64{f(100)}, Rank: 1}
	tg.Total = tg.PartsSum()
	ys := metrics.CountyScore{CountyCode: "140721", County: "榆社县",
		Coverage: metrics.Part{Max: 30}, Operating: metrics.Part{Max: 15}, Certification: metrics.Part{Max: 15},
		SystemUse: metrics.Part{Max: 20}, ServiceVolume: metrics.Part{Max: 10}, Stages: metrics.Part{Max: 10},
		MissingLedgerMonths: []string{"2023-10", "2023-11"}, LedgerDeduction: 10, Deduction: 10, Rank: 3}
	return &metrics.Assessment{Year: 2023, AsOf: d, Rules: rules,
		UseMonths: []metrics.UseMonthDue{{Month: "2023-11", Deadline: time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC)}},
		Counties:  []metrics.CountyScore{yc, tg, ys}}
}

// fixtureTownships: 榆次区's 8 townships (140702001–008): 001–007 have a
// station, stages 起步 ×4 (001–004), 提升 ×2 (005, 006), 专业 (007), 004
// 挂牌未运营 since 2023-11-01; 008 has none (a gap). 太谷区's 9
// (140703101–109): 起步 ×3, 提升 ×5, 专业 ×1. 榆社县's 5: 未报送.
func fixtureTownships() []metrics.TownshipStation {
	i := func(n int) *int { return &n }
	est := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	since := time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	var out []metrics.TownshipStation
	yuci := []string{"起步", "起步", "起步", "起步", "提升", "提升", "专业", ""}
	for k, stage := range yuci {
		t := metrics.TownshipStation{CountyCode: "140702", County: "榆次区", TownshipCode: fmt.Sprintf("140702%03d", k+1),
			Township: fmt.Sprintf("榆次%d街道", k+1), Reported: true, Status: "未建站"}
		if stage != "" {
			t.Stations, t.Established, t.Stage, t.Status = t.Township+"社工站", &est, stage, "运营中"
			t.Workers, t.Certified, t.Fulltime = i(2), i(1), i(2)
			t.ServicesOperatingWindow, t.ServicesStartupWindow = i(9), i(27)
			if stage != "专业" {
				t.Missing = "近3个月月均服务9次，需达到10次"
			}
		}
		if k == 3 {
			t.Status, t.NotOperatingSince = "挂牌未运营", &since
			t.ServicesOperatingWindow, t.ServicesStartupWindow = i(0), i(0)
			t.Missing = "近90天无服务记录；近3个月无服务记录"
		}
		out = append(out, t)
	}
	taigu := []string{"起步", "起步", "起步", "提升", "提升", "提升", "提升", "提升", "专业"}
	for k, stage := range taigu {
		t := metrics.TownshipStation{CountyCode: "140703", County: "太谷区", TownshipCode: fmt.Sprintf("140703%03d", 101+k),
			Township: fmt.Sprintf("太谷%d镇", k+1), Reported: true, Status: "运营中", Stations: fmt.Sprintf("太谷%d镇社工站", k+1),
			Established: &est, Stage: stage, Workers: i(2), Certified: i(2), Fulltime: i(1),
			ServicesOperatingWindow: i(12), ServicesStartupWindow: i(36)}
		if stage != "专业" {
			t.Missing = "无特色项目"
		}
		out = append(out, t)
	}
	for k := 0; k < 5; k++ {
		out = append(out, metrics.TownshipStation{CountyCode: "140721", County: "榆社县", TownshipCode: fmt.Sprintf("140721%03d", 100+k),
			Township: fmt.Sprintf("榆社%d乡", k+1), Status: "未报送"})
	}
	return out
}

// fixtureStageHistory: 2023-12 is fixtureTownships' stages. At 2023-09
// 榆次区 had 6 stations: 001 提升 (fell back to 起步 since), 002 and 003
// 起步, 005 起步 (promoted to 提升), 006 提升, 007 提升 (promoted to 专业);
// 004 is new. 太谷区 did not change. So over the quarter 榆次区 has 2
// promotions, 1 fall-back and 1 new station; at 2023-09 3 of its stations
// were at 提升 or above.
func fixtureStageHistory() metrics.StageHistory {
	sep := map[string]string{"140702001": "提升", "140702002": "起步", "140702003": "起步", "140702005": "起步", "140702006": "提升", "140702007": "提升"}
	var out []metrics.StagePoint
	for _, month := range []string{"2023-09", "2023-12"} {
		for _, t := range fixtureTownships() {
			stage := t.Stage
			if month == "2023-09" && t.CountyCode == "140702" {
				stage = sep[t.TownshipCode]
			}
			if stage == "" {
				continue
			}
			out = append(out, metrics.StagePoint{Month: month, CountyCode: t.CountyCode, TownshipCode: t.TownshipCode, Township: t.Township, Stage: stage, Missing: t.Missing})
		}
	}
	// 榆社县 (140721) has no ledger at either month end
	reported := []string{"140702", "140703"}
	return metrics.StageHistory{Points: out, Reported: map[string][]string{"2023-09": reported, "2023-12": reported}}
}
