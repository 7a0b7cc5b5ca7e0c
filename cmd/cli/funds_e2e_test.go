package cli_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sgz/gen"
	"sgz/metrics"
)

// TestFundsMatchGroundTruth: sgz report funds flags exactly the cases the
// generator planted, with their rows, and its totals equal the truth's
// money worked out here by the rules of indicators.md "Funds": the rows of
// the county's latest ledger of the year (the year to date), 市级福彩公益金
// only, an unreadable row nowhere.
func TestFundsMatchGroundTruth(t *testing.T) {
	d := loadDemo(t)
	for _, year := range []int{2022, 2023} {
		out, code := run("report", "funds", "--year", fmt.Sprint(year), "--db", d.db, "--format", "json")
		if code != 0 {
			t.Fatalf("report funds %d: exit %d: %s", year, code, out)
		}
		var f metrics.Funds
		if err := json.Unmarshal([]byte(out), &f); err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, fl := range f.Flags {
			var sums []string
			for _, r := range fl.Rows {
				if !strings.HasPrefix(r.File, fl.County) || r.Row < 1 {
					t.Errorf("flag row %+v: not a row of %s's ledger", r, fl.County)
				}
				sums = append(sums, r.Summary)
			}
			got = append(got, fmt.Sprintf("%s %s %s", fl.CountyCode, fl.Kind, strings.Join(sums, "|")))
		}
		for _, fl := range d.world.FundFlags {
			if fl.Year == year {
				want = append(want, fmt.Sprintf("%s %s %s", fl.CountyCode, fl.Kind, strings.Join(fl.Summaries, "|")))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%d flags:\n%s\nwant the planted\n%s", year, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(want) == 0 {
			t.Errorf("%d: the truth plants no flag; the test would pass on nothing", year)
		}
		end := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
		for _, c := range f.Counties {
			if c.CountyCode == metrics.CityCode {
				continue
			}
			in, out, rows, reported := truthFunds(d.world, c.CountyCode, end)
			if c.Reported() != reported || c.ReceivedFen != in || c.SpentFen != out || c.Rows != rows {
				t.Errorf("%d %s: reported %v rows %d received %d spent %d; truth %v %d %d %d", year, c.County,
					c.Reported(), c.Rows, c.ReceivedFen, c.SpentFen, reported, rows, in, out)
			}
		}
	}
}

// truthFunds is a county's lottery money of the year of asOf from the
// truth: the rows its last ledger of the year lists.
func truthFunds(w *gen.World, county string, asOf time.Time) (in, out int64, rows int, reported bool) {
	var last time.Time
	for _, l := range w.Ledgers {
		if l.CountyCode == county && l.ReportDate.Year() == asOf.Year() && !l.ReportDate.After(asOf) && l.ReportDate.After(last) {
			last = l.ReportDate.Time
		}
	}
	hasFunds := false
	for _, e := range w.Funds {
		if e.CountyCode == county {
			hasFunds = true
		}
		if e.CountyCode != county || e.Source != "市级福彩公益金" || e.Unreadable || last.IsZero() ||
			e.Date.Year() != last.Year() || e.Date.After(last) {
			continue
		}
		in, out, rows = in+e.ReceivedFen, out+e.SpentFen, rows+1
	}
	return in, out, rows, hasFunds && !last.IsZero()
}
