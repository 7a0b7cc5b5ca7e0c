package dashboards

import (
	"os"
	"testing"
	"time"

	"sgz/metrics"
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
