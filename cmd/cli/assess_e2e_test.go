package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sgz/metrics"
)

// TestAssessmentAgrees: on the generated world, sgz report assessment, the
// workbook of sgz assess and the 考核 page's CSV give the same figures;
// the workbook's evidence sheets add up to the summary's rates; the
// deductions are the generator's planted fund cases and its months
// without a ledger.
func TestAssessmentAgrees(t *testing.T) {
	d := loadDemo(t)
	out, code := run("report", "assessment", "--year", "2023", "--db", d.db, "--format", "json")
	if code != 0 {
		t.Fatalf("report assessment: exit %d: %s", code, out)
	}
	var a metrics.Assessment
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if a.Forecast || len(a.Counties) != 11 || len(a.UseMonths) != 6 {
		t.Fatalf("forecast %v, %d counties, %d months of system use (want final, 11, 2023-06..11)", a.Forecast, len(a.Counties), len(a.UseMonths))
	}
	book := filepath.Join(d.dir, "考核.xlsx")
	if out, code := run("assess", "--year", "2023", "--db", d.db, "--out", book); code != 0 {
		t.Fatalf("assess: exit %d: %s", code, out)
	}
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("汇总", excelize.Options{RawCellValue: true})
	if len(rows) != 3+11 {
		t.Fatalf("summary has %d rows", len(rows))
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q is no number", s)
		}
		return v
	}
	planted := map[string]int{}
	for _, fl := range d.world.FundFlags {
		if fl.Year == 2023 {
			planted[fl.CountyCode]++
		}
	}
	for i, c := range a.Counties {
		r := rows[3+i]
		if r[0] != c.CountyCode || num(r[17]) != c.Total || num(r[18]) != float64(c.Rank) || num(r[3]) != c.Coverage.Points ||
			num(r[9]) != c.SystemUse.Points || num(r[11]) != c.ServiceVolume.Points || num(r[16]) != c.Deduction {
			t.Errorf("summary row %d %v, report %+v", 4+i, r, c)
		}
		if len(c.FundFlags) != planted[c.CountyCode] {
			t.Errorf("%s: %d fund flags, the generator planted %d", c.County, len(c.FundFlags), planted[c.CountyCode])
		}
		// owed a ledger every month from policy.ledger_monthly_from
		// (2023-06), whenever the county's first ledger came
		var missing []string
		for m := 6; m <= 12; m++ {
			month := "2023-" + strconv.Itoa(100 + m)[1:]
			sent := false
			for _, l := range d.world.Ledgers {
				sent = sent || (l.CountyCode == c.CountyCode && l.ReportDate.Format("2006-01") == month)
			}
			if !sent {
				missing = append(missing, month)
			}
		}
		if strings.Join(missing, ",") != strings.Join(c.MissingLedgerMonths, ",") {
			t.Errorf("%s: months without a ledger %v, truth %v", c.County, c.MissingLedgerMonths, missing)
		}
	}
	// evidence sheets: rows marked 是 over rows = the summary's rates
	count := func(sheet string, col int) map[string][2]int {
		rows, _ := f.GetRows(sheet)
		out := map[string][2]int{}
		for _, r := range rows[3:] {
			x := out[r[0]]
			if len(r) > col && r[col] != "—" {
				x[1]++
				if r[col] == "是" {
					x[0]++
				}
			}
			out[r[0]] = x
		}
		return out
	}
	for _, e := range []struct {
		sheet string
		col   int
		part  func(metrics.CountyScore) metrics.Part
	}{
		{"覆盖率", 6, func(c metrics.CountyScore) metrics.Part { return c.Coverage }},
		{"运营率", 7, func(c metrics.CountyScore) metrics.Part { return c.Operating }},
		{"持证率", 8, func(c metrics.CountyScore) metrics.Part { return c.Certification }},
		{"阶段", 4, func(c metrics.CountyScore) metrics.Part { return c.Stages }},
	} {
		got := count(e.sheet, e.col)
		for _, c := range a.Counties {
			p := e.part(c)
			if p.Num == nil || got[c.County] != [2]int{*p.Num, *p.Den} {
				t.Errorf("%s sheet, %s: %v, the summary counts %v/%v", e.sheet, c.County, got[c.County], p.Num, p.Den)
			}
		}
	}
	// the page's CSV
	site := demoSite(t)
	b, err := os.ReadFile(filepath.Join(site, "assessment.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]metrics.CountyScore{}
	for _, c := range a.Counties {
		byCode[c.CountyCode] = c
	}
	n := 0
	for _, r := range recs {
		c, ok := byCode[r[1]]
		if !ok {
			continue
		}
		n++
		if r[0] != strconv.Itoa(c.Rank) || r[18] != metrics.Decimal(c.Total, 2) || r[len(r)-1] != "2023-12-31" {
			t.Errorf("page CSV %v, report rank %d total %v", r, c.Rank, c.Total)
		}
	}
	if n != 11 {
		t.Errorf("page CSV has %d county rows", n)
	}
}
