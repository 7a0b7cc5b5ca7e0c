package cli_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// areaTruth is gen.AreaTruth as scale_truth.json has it.
type areaTruth struct {
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
// policy. Every area outside 晋中市 has the figures of the generator's
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
	// a station outside the province is refused, naming the scope
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
		return strings.TrimRight(strings.TrimRight(strings.Replace(jsonText(*p), "e", "e", 1), "0"), ".")
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
		got := [5]int{r.Stations, r.Operating, r.Services, r.PersonTimes}
		exp := [5]int{want.Stations, want.Operating, want.ServicesDec, want.PersonTimesDec}
		if got != exp {
			t.Errorf("%s %s %s: stations, operating, services, person-times %v; truth %v", r.Level, r.Code, r.Name, got, exp)
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
