package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"sgz/data"
	"sgz/metrics"
	"sgz/transform"
)

// fundsFixture writes, straight into the ingest tables, the funds ledgers
// worked out by hand in TestFunds.
//
// 祁县 140727:
//
//	file 1, ledger 2023-06-30 (funds): r4 received 100,000.00 (02-01);
//	  r5 spent 30,000.00 人员经费 (03-01); r6 spent 5,000.00 办公经费 (04-01)
//	file 2, ledger 2023-11-30 (funds), the year to date, replacing file 1's:
//	  r4 received 100,000.00 市级福彩公益金 02-01
//	  r5 spent 30,000.00 人员经费 03-01           running 30,000
//	  r6 spent 5,000.00 办公经费 04-01            running 35,000  超范围使用
//	  r7 received 20,000.00 县级配套 05-01        (not lottery money)
//	  r8 spent 5,000.00 办公经费 县级配套 05-02    (not lottery money)
//	  r9 spent 50,000.00 服务项目 08-01           running 85,000
//	  r10 spent 10,000.00 培训督导 09-01          running 95,000
//	  r12 spent 8,000.00 站点建设 10-01           (written before r11)
//	  r11 spent 2,000.00 (blank purpose) 10-01   超范围使用
//	  r13 spent 1,000.00 评估 2024-01-05          (after the as-of date: not counted)
//	file 3, ledger 2024-01-31 (funds): r4 spent 999.00 办公经费 2024-01-10 (another year)
//
// Rows of one day go in row order: r11 takes the running total to 97,000,
// r12 to 105,000, over the 100,000 received. So at 2023-12-31: received
// 100,000.00, spent 105,000.00, overspent 5,000.00; flags: 超范围使用 r6
// (办公经费), 超范围使用 r11 (blank), 超支 [r12]: 3 flags.
//
// 寿阳县 140725, file 4, ledger 2023-12-31 (funds): r4 received 50,000.00,
// r5 spent 50,000.00 人员经费: exactly spent, no flag.
// 榆次区 140702, file 5, ledger 2023-12-31 without a funds sheet: 未报送.
func fundsFixture(t *testing.T, db *sql.DB) {
	t.Helper()
	exec := fixtureExec(t, db)
	now := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	files := `INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes, file_class, county_code, report_date,
		has_station_sheet, has_staff_sheet, has_funds_sheet, loaded_at, count_loaded, count_rejected, count_skipped)
		VALUES (?, ?, ?, ?, ?, 1, 'ledger', ?, CAST(? AS DATE), true, true, ?, ?, 0, 0, 0)`
	exec(files, 1, "祁县_2023-06.xlsx", "a", "h1", "h1", "140727", "2023-06-30", true, now)
	exec(files, 2, "祁县_2023-11.xlsx", "b", "h2", "h2", "140727", "2023-11-30", true, now)
	exec(files, 3, "祁县_2024-01.xlsx", "c", "h3", "h3", "140727", "2024-01-31", true, now)
	exec(files, 4, "寿阳县_2023-12.xlsx", "d", "h4", "h4", "140725", "2023-12-31", true, now)
	exec(files, 5, "榆次区_2023-12.xlsx", "e", "h5", "h5", "140702", "2023-12-31", false, now)
	row := `INSERT INTO ledger_funds VALUES (?, '资金台账', ?, ?, NULL, ?, CAST(? AS DATE), false, ?, ?, ?, ?)`
	lottery := "市级福彩公益金"
	for _, file := range []int{1, 2} {
		exec(row, file, 4, "140727", lottery, "2023-02-01", "拨付", nil, 10_000_000, 0)
		exec(row, file, 5, "140727", lottery, "2023-03-01", "人员经费", "人员经费", 0, 3_000_000)
		exec(row, file, 6, "140727", lottery, "2023-04-01", "办公用品", "办公经费", 0, 500_000)
	}
	exec(row, 2, 7, "140727", "县级配套", "2023-05-01", "县配套", nil, 2_000_000, 0)
	exec(row, 2, 8, "140727", "县级配套", "2023-05-02", "办公", "办公经费", 0, 500_000)
	exec(row, 2, 9, "140727", lottery, "2023-08-01", "服务项目", "服务项目", 0, 5_000_000)
	exec(row, 2, 10, "140727", lottery, "2023-09-01", "督导", "培训督导", 0, 1_000_000)
	exec(row, 2, 12, "140727", lottery, "2023-10-01", "设备", "站点建设", 0, 800_000)
	exec(row, 2, 11, "140727", lottery, "2023-10-01", "未写用途", nil, 0, 200_000)
	exec(row, 2, 13, "140727", lottery, "2024-01-05", "评估", "评估", 0, 100_000)
	exec(row, 3, 4, "140727", lottery, "2024-01-10", "办公", "办公经费", 0, 99_900)
	exec(row, 4, 4, "140725", lottery, "2023-03-01", "拨付", nil, 5_000_000, 0)
	exec(row, 4, 5, "140725", lottery, "2023-06-01", "人员经费", "人员经费", 0, 5_000_000)
}

// fundsText is a Funds as lines a test can compare: the counties that
// have something, then each flag with its rows.
func fundsText(f *metrics.Funds) string {
	var b strings.Builder
	for _, c := range f.Counties {
		if c.Rows == 0 && c.CountyCode != metrics.CityCode && !c.Reported() {
			continue
		}
		fmt.Fprintf(&b, "%s %s rows=%d in=%s out=%s scope=%d/%s over=%s flags=%d\n", c.County, c.Ledger, c.Rows,
			data.Yuan(c.ReceivedFen), data.Yuan(c.SpentFen), c.OutOfScopeRows, data.Yuan(c.OutOfScopeFen), data.Yuan(c.OverspentFen), c.Flags)
	}
	for _, fl := range f.Flags {
		var rows []string
		for _, r := range fl.Rows {
			rows = append(rows, fmt.Sprintf("%s!%d", r.File, r.Row))
		}
		fmt.Fprintf(&b, "%s %s %s: %s\n", fl.County, fl.Kind, strings.Join(rows, " "), fl.Reason)
	}
	return b.String()
}

func TestFunds(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	fundsFixture(t, db)
	f, err := metrics.FundsOf(ctx, db, 2023, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := `寿阳县 寿阳县_2023-12.xlsx rows=2 in=50,000.00 out=50,000.00 scope=0/0.00 over=0.00 flags=0
祁县 祁县_2023-11.xlsx rows=7 in=100,000.00 out=105,000.00 scope=2/7,000.00 over=5,000.00 flags=3
晋中市  rows=9 in=150,000.00 out=155,000.00 scope=2/7,000.00 over=5,000.00 flags=3
祁县 超范围使用 祁县_2023-11.xlsx!6: 支出 5,000.00 元，用途类别“办公经费”，不在允许用途（站点建设、人员经费、服务项目、培训督导、评估）内
祁县 超范围使用 祁县_2023-11.xlsx!11: 支出 2,000.00 元，用途类别为空，不在允许用途（站点建设、人员经费、服务项目、培训督导、评估）内
祁县 超支 祁县_2023-11.xlsx!12: 全年支出 105,000.00 元，超过收到的 100,000.00 元，超支 5,000.00 元；自第 12 行起累计支出超过收入
`
	if got := fundsText(f); got != want {
		t.Errorf("funds 2023 as of 2023-12-31:\n%s\nwant\n%s", got, want)
	}
	for _, c := range f.Counties {
		if c.CountyCode == "140702" && c.Reported() {
			t.Errorf("榆次区 sent no funds sheet, got %+v", c)
		}
	}

	// As of 2023-06-30 the funds come from file 1: one flag.
	f, err = metrics.FundsOf(ctx, db, 2023, time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want = `祁县 祁县_2023-06.xlsx rows=3 in=100,000.00 out=35,000.00 scope=1/5,000.00 over=0.00 flags=1
晋中市  rows=3 in=100,000.00 out=35,000.00 scope=1/5,000.00 over=0.00 flags=1
祁县 超范围使用 祁县_2023-06.xlsx!6: 支出 5,000.00 元，用途类别“办公经费”，不在允许用途（站点建设、人员经费、服务项目、培训督导、评估）内
`
	if got := fundsText(f); got != want {
		t.Errorf("funds 2023 as of 2023-06-30:\n%s\nwant\n%s", got, want)
	}

	// 2024: file 3 only, spending with nothing received: out of scope and
	// overspent, two flags on the one row.
	f, err = metrics.FundsOf(ctx, db, 2024, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Flags) != 2 || f.Flags[1].Kind != "超支" || f.Flags[0].Rows[0].File != "祁县_2024-01.xlsx" || f.Counties[len(f.Counties)-1].SpentFen != 99_900 {
		t.Errorf("funds 2024:\n%s", fundsText(f))
	}
}

// A policy that allows 办公经费 (with a stray space) turns the 办公经费 row
// into allowed spending: 祁县 keeps the blank-purpose flag and 超支.
func TestFundsPolicyChange(t *testing.T) {
	ctx := context.Background()
	db := openFixture(t)
	fundsFixture(t, db)
	csv := strings.Replace(string(data.DefaultPolicyCSV()), "站点建设|人员经费|服务项目|培训督导|评估,", "站点建设|人员经费|服务项目|培训督导|评估| 办公 经费,", 1)
	pol, err := data.ParsePolicy("edited.csv", []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := transform.Apply(ctx, db, ref, pol); err != nil {
		t.Fatal(err)
	}
	f, err := metrics.FundsOf(ctx, db, 2023, time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, fl := range f.Flags {
		kinds = append(kinds, fmt.Sprintf("%s %s %d", fl.County, fl.Kind, fl.Rows[0].Row))
	}
	if got := strings.Join(kinds, "; "); got != "祁县 超范围使用 11; 祁县 超支 12" {
		t.Errorf("flags with 办公经费 allowed: %s", got)
	}
}
