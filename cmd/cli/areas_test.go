package cli_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgz/data"
)

// areaTruth is gen.AreaTruth as scale_truth.json has it.
type areaTruth struct {
	Townships       int `json:"townships_in_scope"`
	Stations        int `json:"stations_established"`
	ServicesDec     int `json:"services_month"`
	PersonTimesDec  int `json:"person_times_month"`
	ServicesOnTime  int `json:"services_on_time"`
	SummariesOwed   int `json:"summaries_owed"`
	SummariesOnTime int `json:"summaries_on_time"`
	BaseinfoCounted int `json:"baseinfo_counted"`
	BaseinfoOnTime  int `json:"baseinfo_on_time"`
	Operating       int `json:"stations_operating"`
}

type areaRow struct {
	Code        string   `json:"area_code"`
	Name        string   `json:"area_name"`
	Level       string   `json:"area_level"`
	Townships   int      `json:"townships_in_scope"`
	Stations    int      `json:"stations_established"`
	Coverage    *float64 `json:"coverage_rate"`
	Operating   int      `json:"stations_operating"`
	Services    int      `json:"services_month"`
	PersonTimes int      `json:"person_times_month"`
	Baseinfo    *float64 `json:"baseinfo_timely_rate"`
	Service     *float64 `json:"service_timely_rate"`
	Summary     *float64 `json:"summary_ontime_rate"`
}

// TestProvinceScope: the demo's city inputs and, beside them, the system
// exports gen --scale province writes for the rest of 山西省 (its stations,
// its December services, its summaries), loaded with the province's
// policy. The generator plants stations in townships coverage does not
// count, closed stations, blank 建站日期, stations established on 20–28
// December (from the 25th not yet due for base information), and
// returned summaries. Every area outside 晋中市 has the figures of the generator's
// ground truth (scale_truth.json), the province those plus the city's;
// and the city's county figures are those of the city alone, to the byte.
func TestProvinceScope(t *testing.T) {
	d := loadDemo(t)
	db := copyDemo(t, d)
	dir := t.TempDir()
	if out, code := run("gen", "--scale", "province", "--seed", "7", "--out", dir); code != 0 {
		t.Fatal(out)
	}
	pol := filepath.Join(dir, "policy.csv")
	var files []string
	for _, pat := range []string{"站点信息_14_*.csv", "服务记录_14_2023-12.csv", "月度总结_14_*.csv"} {
		m, _ := filepath.Glob(filepath.Join(dir, "system", pat))
		if len(m) != 1 {
			t.Fatalf("%s: %v", pat, m)
		}
		files = append(files, m[0])
	}
	if out, code := run(append([]string{"ingest", "--db", db, "--policy", pol}, files...)...); code != 0 {
		t.Fatal(out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "scale_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string]areaTruth{}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	out, code := run("report", "areas", "--db", db, "--policy", pol, "--as-of", "2023-12-31", "--format", "json")
	if code != 0 {
		t.Fatal(out)
	}
	var rows []areaRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err, out)
	}
	// 1 province, 11 cities, 121 counties (data/divisions.csv)
	if len(rows) != 133 || rows[0].Code != "140000" || rows[0].Level != "province" {
		t.Fatalf("%d rows, first %+v", len(rows), rows[0])
	}
	byCode := map[string]areaRow{}
	for _, r := range rows {
		byCode[r.Level+r.Code] = r
	}
	rate := func(n, d int) *float64 {
		if d == 0 {
			return nil
		}
		x := float64(n) / float64(d)
		return &x
	}
	same := func(a, b *float64) bool {
		return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9)
	}
	show := func(p *float64) string {
		if p == nil {
			return "NULL"
		}
		return jsonText(*p)
	}
	checked := 0
	for _, r := range rows {
		if strings.HasPrefix(r.Code, "1407") {
			continue
		}
		want := truth[r.Code]
		if r.Level == "province" {
			// the province is the truth (the rest of it) and the city
			city := byCode["city140700"]
			if city.Stations == 0 || city.Services == 0 {
				t.Fatalf("晋中市 has no figures: %+v", city)
			}
			want.Stations += city.Stations
			want.ServicesDec += city.Services
			want.PersonTimesDec += city.PersonTimes
			want.Operating += city.Operating
			r.Baseinfo, r.Service, r.Summary = nil, nil, nil // summed rates: checked by city and county
		}
		got := [5]int{r.Townships, r.Stations, r.Operating, r.Services, r.PersonTimes}
		exp := [5]int{want.Townships, want.Stations, want.Operating, want.ServicesDec, want.PersonTimesDec}
		if got != exp {
			t.Errorf("%s %s %s: townships, stations, operating, services, person-times %v; truth %v", r.Level, r.Code, r.Name, got, exp)
		}
		if !same(r.Coverage, rate(want.Stations, want.Townships)) {
			t.Errorf("%s %s %s: coverage %s, truth %d/%d", r.Level, r.Code, r.Name, show(r.Coverage), want.Stations, want.Townships)
		}
		if r.Level == "province" {
			continue
		}
		for _, c := range []struct {
			name     string
			got, exp *float64
		}{
			{"baseinfo", r.Baseinfo, rate(want.BaseinfoOnTime, want.BaseinfoCounted)},
			{"service", r.Service, rate(want.ServicesOnTime, want.ServicesDec)},
			{"summary", r.Summary, rate(want.SummariesOnTime, want.SummariesOwed)},
		} {
			if !same(c.got, c.exp) {
				t.Errorf("%s %s %s: %s timeliness %s, truth %s", r.Level, r.Code, r.Name, c.name, show(c.got), show(c.exp))
			}
		}
		checked++
	}
	if checked != 10+110 || truth["140000"].ServicesDec < 100000 {
		t.Fatalf("checked %d areas; truth of the province %+v", checked, truth["140000"])
	}

	// The city's own figures do not move: the same as the city alone.
	for _, asOf := range []string{"2023-06-30", "2023-12-31"} {
		alone, code := run("report", "indicators", "--db", d.db, "--as-of", asOf, "--format", "csv")
		if code != 0 {
			t.Fatal(alone)
		}
		wider, code := run("report", "indicators", "--db", db, "--policy", pol, "--as-of", asOf, "--format", "csv")
		if code != 0 {
			t.Fatal(wider)
		}
		if alone != wider {
			t.Errorf("as of %s the city's indicators differ with the province loaded:\n%s\n%s", asOf, alone, wider)
		}
	}

	// At the city's scope a station of another city is refused, naming it.
	other := filepath.Join(t.TempDir(), "站点信息_外市.csv")
	if err := os.WriteFile(other, []byte("站点编号,站点名称,所属区划,信息录入时间\nZD1,某站,140105001000,2023-05-01 09:00:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = run("ingest", "--db", copyDemo(t, d), other)
	if !strings.Contains(out, "140105001 不是晋中市的乡镇（街道）代码") {
		t.Errorf("a station of 太原市 at the city's scope: %s", out)
	}
}

func jsonText(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// TestNationalScope: two stations loaded at the country's scope, one in
// 东莞市 (a city without counties: 441900 is its city and its county), one
// in 北京市东城区, with figures worked out by hand as of 2023-12-31.
// Townships counted for coverage (code part below 400, awk over
// data/townships_cn.csv): 东莞市 32, 广东省 1,610, 东城区 17, 北京市 343,
// the country 38,642.
func TestNationalScope(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.csv")
	var b strings.Builder
	for _, line := range strings.Split(string(data.DefaultPolicyCSV()), "\n") {
		if strings.HasPrefix(line, "scope,") {
			line = "scope,全国,范围"
		}
		b.WriteString(line + "\n")
	}
	files := map[string]string{
		"policy.csv": b.String(),
		// A: established 2023-03-01, entered the next day (on time);
		// B: established 2023-06-01, entered 2023-06-20, after its due
		// day 2023-06-08 (the later of 05-31 and a week after)
		"站点信息.csv": "站点编号,站点名称,所属区划,建站日期,信息录入时间,站点状态\n" +
			"ZD-A,东城街道社工站,441900003000,2023-03-01,2023-03-02 09:00:00,运营中\n" +
			"ZD-B,东华门街道社工站,110101001,2023-06-01,2023-06-20 09:00:00,运营中\n",
		// A: two services on 12-10, entered that day (on time), 3 and 4
		// person-times; B: one on 12-20 entered 12-25 (late), 5
		"服务记录.csv": "服务记录编号,站点编号,服务开始日期,服务结束日期,服务人次,录入时间\n" +
			"FW1,ZD-A,2023-12-10,2023-12-10,3,2023-12-10 10:00:00\n" +
			"FW2,ZD-A,2023-12-10,2023-12-10,4,2023-12-10 11:00:00\n" +
			"FW3,ZD-B,2023-12-20,2023-12-20,5,2023-12-25 10:00:00\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "n.duckdb")
	if out, code := run("ingest", "--db", db, "--policy", pol, filepath.Join(dir, "站点信息.csv"), filepath.Join(dir, "服务记录.csv")); code != 0 {
		t.Fatal(out)
	}
	out, code := run("report", "areas", "--db", db, "--policy", pol, "--as-of", "2023-12-31", "--format", "csv")
	if code != 0 {
		t.Fatal(out)
	}
	// summaries for November are owed by both (established by 11-30) and
	// none was submitted: 0 of 2, and each score weighs the three rates
	// 0.2/0.4/0.4
	want := map[string]string{
		// code,name,level,parent,townships,established,coverage,operating,rate,services,person-times,baseinfo,service,summary,score
		"country":      "000000,全国,country,,38642,2,0.000052,2,1.000000,3,12,0.500000,0.666667,0.000000,36.666667",
		"440000":       "440000,广东省,province,000000,1610,1,0.000621,1,1.000000,2,7,1.000000,1.000000,0.000000,60.000000",
		"city441900":   "441900,东莞市,city,440000,32,1,0.031250,1,1.000000,2,7,1.000000,1.000000,0.000000,60.000000",
		"county441900": "441900,东莞市,county,441900,32,1,0.031250,1,1.000000,2,7,1.000000,1.000000,0.000000,60.000000",
		"110000":       "110000,北京市,province,000000,343,1,0.002915,1,1.000000,1,5,0.000000,0.000000,0.000000,0.000000",
		"110101":       "110101,东城区,county,110100,17,1,0.058824,1,1.000000,1,5,0.000000,0.000000,0.000000,0.000000",
	}
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	if lines[1] != want["country"] {
		t.Errorf("first row %q, want the country %q", lines[1], want["country"])
	}
	got := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) < 3 {
			continue
		}
		got[f[0]] = l
		if f[0] == "441900" {
			got[f[2]+f[0]] = l
		}
	}
	for k, w := range want {
		if k == "country" {
			continue
		}
		if got[k] != w {
			t.Errorf("%s: %q\nwant %q", k, got[k], w)
		}
	}
	// 31 provinces, 342 cities, 2,978 counties and the country
	if n := len(lines) - 2; n != 1+31+342+2978 {
		t.Errorf("%d areas", n)
	}
	// latest is the scope's: FW3 entered 2023-12-25 (the city has nothing)
	out, code = run("report", "areas", "--db", db, "--policy", pol, "--as-of", "latest", "--level", "country")
	if code != 0 || !strings.Contains(out, "截至 2023年12月25日") {
		t.Errorf("--as-of latest: exit %d\n%s", code, out)
	}
}
