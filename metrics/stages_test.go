package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"sgz/metrics"
)

// The stage rules of indicators.md "Stages" at each threshold, on a
// hand-made fixture: 榆次区 (140702), one ledger reported 2023-03-31 whose
// stations were all established 2023-03-01, one system station per
// township, as of D = 2023-12-31 (the last full months: October to
// December; the startup window (D-90, D] = 2023-10-02 .. 2023-12-31).
//
// The base station meets every criterion exactly at its threshold, so it is
// 专业: site, rules, signage, two active workers both certified, a 特色项目,
// and in October–December 30 services (10 a month), of 3 types (个案服务 ×12,
// 资源链接 ×1, 走访探视 ×17), one 资源链接, 12/30 = 40% 个案/小组/社区.
// Every other case changes one thing; its expected stage and missing
// criteria are worked out by hand below.

type stageCase struct {
	name                  string
	site, rules, signage  any // true, false or blank; nil: the base value
	signature             any
	workers               []worker
	services              []svc
	wantStage, wantMissng string
}

type worker struct {
	certified     bool
	certifiedDate string // "" blank
	left          string // "" still there
}

type svc struct {
	n         int
	kind, end string
	entered   string // "" the end date at noon
}

var (
	twoCertified = []worker{{certified: true}, {certified: true}}
	// at the thresholds: 12 + 1 + 17 = 30 services, 3 types, 1 link, 40%
	atThresholds = []svc{{12, "个案服务", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {17, "走访探视", "2023-12-10", ""}}
)

var stageCases = []stageCase{
	{name: "at every threshold", wantStage: "专业"},
	{name: "one above every threshold", services: []svc{{13, "小组活动", "2023-10-15", ""}, {2, "资源链接", "2023-11-15", ""}, {1, "政策宣传", "2023-11-15", ""}, {15, "走访探视", "2023-12-10", ""}},
		wantStage: "专业"},
	// services a month: 29 is one below 30 (9.7 a month)
	{name: "29 services", services: []svc{{12, "个案服务", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {16, "走访探视", "2023-12-10", ""}},
		wantStage: "起步", wantMissng: "近3个月月均服务9.7次，需达到10次"},
	// the window: a service ending 2023-09-30 is before it, one ending on D is in it
	{name: "30th service ends before the window", services: []svc{{12, "个案服务", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {16, "走访探视", "2023-12-10", ""}, {1, "走访探视", "2023-09-30", ""}},
		wantStage: "起步", wantMissng: "近3个月月均服务9.7次，需达到10次"},
	{name: "30th service ends on D, entered 23:59:59", services: []svc{{12, "个案服务", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {16, "走访探视", "2023-12-10", ""}, {1, "走访探视", "2023-12-31", "2023-12-31 23:59:59"}},
		wantStage: "专业"},
	{name: "30th service entered after D", services: []svc{{12, "个案服务", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {16, "走访探视", "2023-12-10", ""}, {1, "走访探视", "2023-12-31", "2024-01-01 00:00:00"}},
		wantStage: "起步", wantMissng: "近3个月月均服务9.7次，需达到10次"},
	// service types: 2 is one below 3
	{name: "2 types", services: []svc{{12, "个案服务", "2023-11-15", ""}, {18, "资源链接", "2023-11-15", ""}},
		wantStage: "起步", wantMissng: "近3个月服务类型2种，需达到3种"},
	// 资源链接: 0 is one below 1
	{name: "no 资源链接", services: []svc{{12, "个案服务", "2023-11-15", ""}, {1, "政策宣传", "2023-11-15", ""}, {17, "走访探视", "2023-12-10", ""}},
		wantStage: "起步", wantMissng: "近3个月资源链接服务0次，需达到1次"},
	// share: 11/30 = 36.7% is one service below 40%; 13/30 above is the case above
	{name: "11 core of 30", services: []svc{{11, "社区活动", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {18, "走访探视", "2023-12-10", ""}},
		wantStage: "提升", wantMissng: "近3个月个案、小组、社区活动占36.7%，需达到40%"},
	// startup window: every service ending 2023-10-02 (= D-90, outside) or 2023-10-03 (inside)
	{name: "last service on D-90", services: []svc{{12, "个案服务", "2023-10-02", ""}, {1, "资源链接", "2023-10-02", ""}, {17, "走访探视", "2023-10-02", ""}},
		wantStage: "起步", wantMissng: "近90天无服务记录"},
	{name: "last service on D-89", services: []svc{{12, "个案服务", "2023-10-02", ""}, {1, "资源链接", "2023-10-02", ""}, {17, "走访探视", "2023-10-03", ""}},
		wantStage: "专业"},
	// ledger criteria, each false and blank
	{name: "no site", site: false, wantStage: "起步", wantMissng: "无独立场地"},
	{name: "site blank", site: blank, wantStage: "起步", wantMissng: "无独立场地"},
	{name: "no rules", rules: false, wantStage: "起步", wantMissng: "未建立制度"},
	{name: "no signage", signage: false, wantStage: "起步", wantMissng: "未统一标识"},
	{name: "no signature project", signature: blank, wantStage: "提升", wantMissng: "无特色项目"},
	{name: "signature project of spaces", signature: "  ", wantStage: "提升", wantMissng: "无特色项目"},
	// workers: the only one left on D (not active) / on D+1 (active)
	{name: "worker left on D", workers: []worker{{certified: true, left: "2023-12-31"}},
		wantStage: "起步", wantMissng: "无在岗驻站社工"},
	{name: "worker leaves on D+1", workers: []worker{{certified: true, left: "2024-01-01"}}, wantStage: "专业"},
	// certification: one of two without; certified on D / on D+1
	{name: "one of two uncertified", workers: []worker{{certified: true}, {certified: false}},
		wantStage: "提升", wantMissng: "驻站社工2人中1人未持证"},
	{name: "certified on D", workers: []worker{{certified: true, certifiedDate: "2023-12-31"}, {certified: true}}, wantStage: "专业"},
	{name: "certified on D+1", workers: []worker{{certified: true, certifiedDate: "2024-01-01"}, {certified: true}},
		wantStage: "提升", wantMissng: "驻站社工2人中1人未持证"},
	// several shortfalls are all listed, startup ones first
	{name: "no site and 29 services", site: false, services: []svc{{12, "个案服务", "2023-11-15", ""}, {1, "资源链接", "2023-11-15", ""}, {16, "走访探视", "2023-12-10", ""}},
		wantStage: "起步", wantMissng: "无独立场地；近3个月月均服务9.7次，需达到10次"},
	{name: "no service at all", services: []svc{},
		wantStage: "起步", wantMissng: "近90天无服务记录；近3个月无服务记录"},
}

// blank stands for a blank ledger cell (NULL) in a case; a field left nil
// takes the base station's value.
type blankCell struct{}

var blank = blankCell{}

// filled gives a case the base station's values where it says nothing.
func (c stageCase) filled(i int) stageCase {
	for _, f := range []struct {
		v   *any
		def any
	}{{&c.site, true}, {&c.rules, true}, {&c.signage, true}, {&c.signature, fmt.Sprintf("特色项目%d", i)}} {
		switch *f.v {
		case nil:
			*f.v = f.def
		case blank:
			*f.v = nil
		}
	}
	if c.workers == nil {
		c.workers = twoCertified
	}
	if c.services == nil {
		c.services = atThresholds
	}
	return c
}

// stageFixture writes the cases into a fresh database, one township each
// (in the reference order of 140702 and then 140781), and returns their
// township codes.
func stageFixture(t *testing.T, cases []stageCase) (*sql.DB, []string) {
	t.Helper()
	ctx := context.Background()
	db := openFixture(t)
	exec := fixtureExec(t, db)
	var towns []string
	rows, err := db.QueryContext(ctx, `SELECT township_code, county_code FROM ref_townships
		WHERE in_scope AND county_code IN ('140702', '140781') ORDER BY county_code, township_code`)
	if err != nil {
		t.Fatal(err)
	}
	var counties []string
	for rows.Next() {
		var town, county string
		if err := rows.Scan(&town, &county); err != nil {
			t.Fatal(err)
		}
		towns, counties = append(towns, town), append(counties, county)
	}
	rows.Close()
	if len(cases) > len(towns) {
		t.Fatalf("%d cases, %d townships", len(cases), len(towns))
	}
	exec(ledgerFile(1, "140702", "2023-03-31"))
	exec(ledgerFile(2, "140781", "2023-03-31"))
	exec(exportFile(3))
	seq := 0
	for i, c := range cases {
		c = c.filled(i)
		town, county := towns[i], counties[i]
		file := map[string]int{"140702": 1, "140781": 2}[county]
		exec(`INSERT INTO ledger_stations (file_id, sheet_name, row_number, county_code, township_code, station_name, established_date,
			established_approx, has_site, has_rules, has_signage, signature_project)
			VALUES (?, '站点台账', ?, ?, ?, ?, DATE '2023-03-01', false, ?, ?, ?, ?)`, file, i+4, county, town, town+"站", c.site, c.rules, c.signage, c.signature)
		for j, w := range c.workers {
			level := "无"
			if w.certified {
				level = "社会工作师"
			}
			exec(`INSERT INTO ledger_staff (file_id, sheet_name, row_number, county_code, township_code, person_key, id_status, name_hash,
				is_fulltime, cert_level, certified_date, joined_date, left_date)
				VALUES (?, '人员台账', ?, ?, ?, ?, 'valid', 'n', true, ?, CAST(nullif(?, '') AS DATE), DATE '2023-03-01', CAST(nullif(?, '') AS DATE))`,
				file, 100*i+j, county, town, fmt.Sprintf("P%d-%d", i, j), level, w.certifiedDate, w.left)
		}
		exec(`INSERT INTO sys_stations VALUES (3, '站点', ?, ?, ?, ?, ?, DATE '2023-03-01', TIMESTAMP '2023-03-02 09:00:00', '运营中')`,
			i+2, "S"+town, town+"站", county, town)
		for _, s := range c.services {
			entered := s.entered
			if entered == "" {
				entered = s.end + " 12:00:00"
			}
			for k := 0; k < s.n; k++ {
				seq++
				exec(`INSERT INTO sys_services VALUES (3, '服务', ?, ?, ?, ?, '其他', CAST(? AS DATE), CAST(? AS DATE), 1, CAST(? AS TIMESTAMP))`,
					seq+1, fmt.Sprintf("F%06d", seq), "S"+town, s.kind, s.end, s.end, entered)
			}
		}
	}
	recompute(t, db)
	return db, towns[:len(cases)]
}

func TestStageThresholds(t *testing.T) {
	db, towns := stageFixture(t, stageCases)
	asOf := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	rows, err := metrics.TownshipStations(context.Background(), db, asOf, "")
	if err != nil {
		t.Fatal(err)
	}
	byTown := map[string]metrics.TownshipStation{}
	for _, r := range rows {
		byTown[r.TownshipCode] = r
	}
	want := map[string]int{}
	for i, c := range stageCases {
		got := byTown[towns[i]]
		if got.Stage != c.wantStage || got.Missing != c.wantMissng {
			t.Errorf("%s: stage %s, missing %q; want %s, %q", c.name, got.Stage, got.Missing, c.wantStage, c.wantMissng)
		}
		want[towns[i][:6]+c.wantStage]++
	}
	// The county counts are the same stations counted.
	for _, county := range []string{"140702", "140781"} {
		q := countyAsOf(t, db, county, "2023-12-31")
		wantInt(t, county+" stage_startup", q.StageStartup, want[county+"起步"])
		wantInt(t, county+" stage_improving", q.StageImproving, want[county+"提升"])
		wantInt(t, county+" stage_professional", q.StageProfessional, want[county+"专业"])
	}
}

// TestStageWindowFollowsAsOf: at 2023-12-30 December has not ended, so the
// window is September to November; at 2023-12-31 it is October to December.
// A station with 10 services in each of September, October and November
// meets the services criterion at 12-30 and not at 12-31 (20 services).
func TestStageWindowFollowsAsOf(t *testing.T) {
	c := stageCase{name: "Sep-Nov", services: []svc{
		{4, "个案服务", "2023-09-10", ""}, {6, "走访探视", "2023-09-20", ""},
		{4, "个案服务", "2023-10-10", ""}, {1, "资源链接", "2023-10-11", ""}, {5, "走访探视", "2023-10-20", ""},
		{4, "小组活动", "2023-11-10", ""}, {6, "走访探视", "2023-11-20", ""},
	}}
	db, towns := stageFixture(t, []stageCase{c})
	for _, x := range []struct {
		asOf, stage, missing string
	}{
		{"2023-12-30", "专业", ""}, // 30 services, 3 types, 1 link, 12/30 core
		{"2023-12-31", "起步", "近3个月月均服务6.7次，需达到10次"}, // Oct-Dec: 20 services
	} {
		rows, err := metrics.TownshipStations(context.Background(), db, day(x.asOf), "140702")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.TownshipCode == towns[0] && (r.Stage != x.stage || r.Missing != x.missing) {
				t.Errorf("as of %s: %s %q, want %s %q", x.asOf, r.Stage, r.Missing, x.stage, x.missing)
			}
		}
	}
}

// TestStageHistory: a station with 10 services (3 个案服务, 1 资源链接, 6
// 走访探视) in each of June to September 2023 and none after, and one
// uncertified worker (so never 专业). Its window at each month end:
//
//	Mar..May  0 services        起步
//	Jun       Apr-Jun: 10       起步
//	Jul       May-Jul: 20       起步
//	Aug       Jun-Aug: 30       提升 (promoted)
//	Sep       Jul-Sep: 30       提升
//	Oct       Aug-Oct: 20       起步 (fell back: 6.7 a month)
//	Nov       Sep-Nov: 10       起步
//	Dec       Oct-Dec: 0        起步, and no service in the last 90 days
func TestStageHistory(t *testing.T) {
	var services []svc
	for _, m := range []string{"06", "07", "08", "09"} {
		services = append(services, svc{3, "个案服务", "2023-" + m + "-10", ""}, svc{1, "资源链接", "2023-" + m + "-12", ""}, svc{6, "走访探视", "2023-" + m + "-14", ""})
	}
	db, towns := stageFixture(t, []stageCase{{name: "history", workers: []worker{{certified: false}}, services: services}})
	h, err := metrics.StagesByMonth(context.Background(), db, day("2023-12-31"))
	history := h.Points
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]metrics.StagePoint{}
	for _, p := range history {
		if p.TownshipCode == towns[0] {
			got[p.Month] = p
		}
	}
	want := map[string]string{"2023-03": "起步", "2023-04": "起步", "2023-05": "起步", "2023-06": "起步", "2023-07": "起步",
		"2023-08": "提升", "2023-09": "提升", "2023-10": "起步", "2023-11": "起步", "2023-12": "起步"}
	if len(got) != len(want) {
		t.Errorf("%d month ends, want %d: %v", len(got), len(want), got)
	}
	for m, s := range want {
		if got[m].Stage != s {
			t.Errorf("%s: %s, want %s", m, got[m].Stage, s)
		}
	}
	for _, x := range []struct {
		from, to, fromStage, toStage, dir, why string
	}{
		{"2023-06", "2023-09", "起步", "提升", "晋级", ""},
		{"2023-09", "2023-12", "提升", "起步", "回落", "近90天无服务记录；近3个月无服务记录"},
		{"2023-09", "2023-10", "提升", "起步", "回落", "近3个月月均服务6.7次，需达到10次"},
		{"2023-02", "2023-03", "", "起步", "新建", ""},
	} {
		tr := metrics.Transitions(history, x.from, x.to)
		if len(tr) != 1 {
			t.Errorf("%s→%s: %d transitions, want 1", x.from, x.to, len(tr))
			continue
		}
		if tr[0].From != x.fromStage || tr[0].To != x.toStage || tr[0].Direction() != x.dir || tr[0].Why != x.why {
			t.Errorf("%s→%s: %+v (%s), want %s→%s %s %q", x.from, x.to, tr[0], tr[0].Direction(), x.fromStage, x.toStage, x.dir, x.why)
		}
	}
	// The fixture's two ledgers (140702, 140781) are in force from 2023-03;
	// no other county has one.
	if got := h.Reported["2023-03"]; len(got) != 2 || !h.IsReported("2023-12", "140781") || h.IsReported("2023-12", "140703") {
		t.Errorf("reported counties: %v", h.Reported)
	}
	if tr := metrics.Transitions(history, "2023-10", "2023-11"); len(tr) != 0 {
		t.Errorf("2023-10→11: %v, want no change", tr)
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestCriteriaNumbers: the figures of the missing criteria round to one
// decimal, carrying into the whole number (27/73 = 36.99% reads 37.0%, not
// 36.9%: an independent recomputation caught that), ties away from zero,
// and are cut only when rounding would reach the threshold.
func TestCriteriaNumbers(t *testing.T) {
	db := openFixture(t)
	for q, want := range map[string]string{
		"percent_text(27/73, 0.4)":  "37.0%",
		"percent_text(13/42, 0.4)":  "31.0%",
		"percent_text(15/48, 0.4)":  "31.3%", // 31.25
		"percent_text(12/30, 0.4)":  "40%",
		"percent_text(0.3999, 0.4)": "39.9%", // would round to the 40% it lacks
		"percent_text(0.4, NULL)":   "40%",
		"number_text(29/3, 10)":     "9.7",
		"number_text(9.96, 10)":     "9.9",
		"number_text(20/3, 10)":     "6.7",
		"number_text(6.96, 10)":     "7.0",
		"number_text(10.0, NULL)":   "10",
		"number_text(25/3, NULL)":   "8.3",
	} {
		var got string
		if err := db.QueryRow("SELECT " + q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
}
