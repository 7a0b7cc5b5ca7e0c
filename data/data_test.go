package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReferenceCounts(t *testing.T) {
	ref, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Counties) != 11 {
		t.Fatalf("counties = %d, want 11", len(ref.Counties))
	}
	// In-scope townships per county, counted by hand from china-division
	// 2.7.0 dist/streets.csv (codes below 400); 118 in all.
	want := map[string]int{
		"140702": 18, "140703": 8, "140721": 7, "140722": 8, "140723": 8, "140724": 10,
		"140725": 12, "140727": 7, "140728": 16, "140729": 10, "140781": 14,
	}
	got := map[string]int{}
	total := 0
	for _, tw := range ref.Townships {
		if tw.InScope {
			got[tw.CountyCode]++
			total++
		}
		if tw.InScope != (tw.Code[6:9] < "400") {
			t.Errorf("%s %s in_scope=%v", tw.Code, tw.Name, tw.InScope)
		}
	}
	if total != 118 {
		t.Errorf("in-scope townships = %d, want 118", total)
	}
	for code, n := range want {
		if got[code] != n {
			t.Errorf("county %s: %d in-scope townships, want %d", code, got[code], n)
		}
	}
	if c, ok := ref.County("140703"); !ok || c.Name != "太谷区" || !strings.Contains(strings.Join(c.Aliases, "|"), "太谷县") {
		t.Errorf("太谷区 = %+v", c)
	}
}

func TestHolidays(t *testing.T) {
	ref, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, h := range ref.Holidays {
		kinds[h.Date.Format(time.DateOnly)] = h.Kind
	}
	// From the State Council's 2023 and 2024 arrangements.
	for d, k := range map[string]string{"2023-05-03": "holiday", "2023-05-06": "workday", "2023-10-07": "workday", "2024-02-04": "workday", "2023-10-06": "holiday"} {
		if kinds[d] != k {
			t.Errorf("%s: %q, want %q", d, kinds[d], k)
		}
	}
}

func TestPolicyDefaults(t *testing.T) {
	p, err := LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	if p.CoverageTarget != 1 || p.OperatingWindowDays != 30 || p.UseWarning != 80 || p.UseWeightServices != 0.4 {
		t.Errorf("defaults: %+v", p)
	}
	if got := p.CoverageDeadline.Format(time.DateOnly); got != "2023-12-31" {
		t.Errorf("coverage_deadline = %s", got)
	}
	if len(p.AllowedFundPurposes) != 5 {
		t.Errorf("allowed purposes = %v", p.AllowedFundPurposes)
	}
}

func TestPolicyErrors(t *testing.T) {
	good := string(DefaultPolicyCSV())
	cases := map[string]string{
		"missing key":  strings.Replace(good, "use_warning,80,", "x_warning,80,", 1),
		"bad number":   strings.Replace(good, "use_warning,80,", "use_warning,八十,", 1),
		"weights != 1": strings.Replace(good, "use_weight_baseinfo,0.2,", "use_weight_baseinfo,0.3,", 1),
	}
	want := map[string]string{"missing key": "没有参数 x_warning", "bad number": "use_warning", "weights != 1": "三项权重之和为 1.1"}
	for name, text := range cases {
		_, err := ParsePolicy("p.csv", []byte(text))
		if err == nil || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: err = %v, want mention of %q", name, err, want[name])
		}
	}
}

// TestPolicyWithoutLaterKeys: a policy file copied before bulletin_header
// existed still loads, with the default header; one without an original
// key is refused naming it.
func TestPolicyWithoutLaterKeys(t *testing.T) {
	var kept []string
	for _, line := range strings.Split(string(DefaultPolicyCSV()), "\n") {
		if !strings.HasPrefix(line, "bulletin_header,") {
			kept = append(kept, line)
		}
	}
	p, err := ParsePolicy("old.csv", []byte(strings.Join(kept, "\n")))
	if err != nil || p.BulletinHeader != "晋中市民政局文件" || p.About["bulletin_header"] == "" {
		t.Errorf("old policy: header %q, %v", p.BulletinHeader, err)
	}
	// the default header follows the file's issuer
	other := strings.Replace(strings.Join(kept, "\n"), "bulletin_issuer,晋中市民政局,", "bulletin_issuer,榆次区民政局,", 1)
	if p, err := ParsePolicy("other.csv", []byte(other)); err != nil || p.BulletinHeader != "榆次区民政局文件" {
		t.Errorf("old policy of another issuer: header %q, %v", p.BulletinHeader, err)
	}
	// an empty header would print an empty red block
	empty := strings.Replace(string(DefaultPolicyCSV()), "bulletin_header,晋中市民政局文件,", "bulletin_header,,", 1)
	if _, err := ParsePolicy("empty.csv", []byte(empty)); err == nil || !strings.Contains(err.Error(), "参数 bulletin_header 的值 \"\" 不可用，应为：一行文字，不能为空") {
		t.Errorf("empty bulletin_header: %v", err)
	}
	var noIssuer []string
	for _, line := range kept {
		if !strings.HasPrefix(line, "bulletin_issuer,") {
			noIssuer = append(noIssuer, line)
		}
	}
	if _, err := ParsePolicy("bad.csv", []byte(strings.Join(noIssuer, "\n"))); err == nil || !strings.Contains(err.Error(), "缺少参数 bulletin_issuer") {
		t.Errorf("policy without bulletin_issuer: %v", err)
	}
}

// TestPolicyLaterKeys: a policy file copied before the later keys existed
// loads, each missing key taking the built-in value with a note; a key out
// of its range is refused with the range.
func TestPolicyLaterKeys(t *testing.T) {
	var kept []string
	for _, line := range strings.Split(string(DefaultPolicyCSV()), "\n") {
		key, _, _ := strings.Cut(line, ",")
		if !slices.Contains(laterKeys, key) {
			kept = append(kept, line)
		}
	}
	p, err := ParsePolicy("old.csv", []byte(strings.Join(kept, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if p.PersonTimesMax != 10000 || p.SiteAreaMaxM2 != 10000 || p.FundAmountMaxYuan != 10_000_000 || p.FileMaxMB != 512 ||
		p.XLSXUnzipMaxMB != 4096 || p.SheetMaxRows != 2_000_000 || p.CellMaxChars != 32767 {
		t.Errorf("built-in values not taken: %+v", p)
	}
	if !strings.Contains(p.About["person_times_max"], "政策参数文件未列，取内置默认值") {
		t.Errorf("no note: %q", p.About["person_times_max"])
	}
	bad := strings.Replace(string(DefaultPolicyCSV()), "person_times_max,10000,", "person_times_max,0,", 1)
	if _, err := ParsePolicy("bad.csv", []byte(bad)); err == nil || !strings.Contains(err.Error(), "参数 person_times_max 的值 \"0\" 不可用，应为：1 到 1000000000 之间的整数") {
		t.Errorf("person_times_max 0: %v", err)
	}
}

// The scopes' lists, against counts taken with awk from china-division
// 2.7.0 dist/ (streets.csv: 41,352 townships, 38,642 with a code part below
// 400; Shanxi 1,352 and 1,278; cities.csv: 342, Shanxi 11; areas.csv:
// 2,978, Shanxi 121).
func TestLoadScope(t *testing.T) {
	for _, c := range []struct {
		scope                                       string
		towns, inScope, provinces, cities, counties int
		top                                         string
	}{
		{CityScope, 130, 118, 0, 1, 11, "140700"},
		{ProvinceScope, 1352, 1278, 1, 11, 121, "140000"},
		{NationalScope, 41352, 38642, 31, 342, 2978, CountryCode},
	} {
		ref, err := LoadScope(c.scope)
		if err != nil {
			t.Fatal(err)
		}
		in := 0
		for _, tw := range ref.ScopeTownships {
			if tw.InScope {
				in++
			}
		}
		if len(ref.ScopeTownships) != c.towns || in != c.inScope {
			t.Errorf("%s: %d townships, %d in scope; want %d, %d", c.scope, len(ref.ScopeTownships), in, c.towns, c.inScope)
		}
		levels := map[string]int{}
		// a city without counties (东莞市 441900) is also its own county:
		// an area is known by level and code
		byCode := map[[2]string]Area{}
		var tops []string
		for _, a := range ref.Areas {
			levels[a.Level]++
			byCode[[2]string{a.Level, a.Code}] = a
			if a.Parent == "" {
				tops = append(tops, a.Code)
			}
		}
		if levels["province"] != c.provinces || levels["city"] != c.cities || levels["county"] != c.counties {
			t.Errorf("%s: levels %v", c.scope, levels)
		}
		if len(tops) != 1 || tops[0] != c.top {
			t.Errorf("%s: top areas %v, want [%s]", c.scope, tops, c.top)
		}
		// every parent is an area one level up; every township's county is
		// a county of the scope
		up := map[string]string{"county": "city", "city": "province", "province": "country"}
		for _, a := range ref.Areas {
			if _, ok := byCode[[2]string{up[a.Level], a.Parent}]; a.Parent != "" && !ok {
				t.Errorf("%s: %s %s has parent %q, not a %s", c.scope, a.Code, a.Name, a.Parent, up[a.Level])
			}
		}
		for _, tw := range ref.ScopeTownships {
			if _, ok := byCode[[2]string{"county", tw.CountyCode}]; !ok {
				t.Errorf("%s: township %s in %s, not a county of the scope", c.scope, tw.Code, tw.CountyCode)
			}
		}
		// the city's own lists agree with the wider ones
		jz := map[string]Township{}
		for _, tw := range ref.ScopeTownships {
			if strings.HasPrefix(tw.Code, "1407") {
				jz[tw.Code] = tw
			}
		}
		if len(jz) != len(ref.Townships) {
			t.Errorf("%s: %d townships of 晋中市, want %d", c.scope, len(jz), len(ref.Townships))
		}
		for _, tw := range ref.Townships {
			if jz[tw.Code] != tw {
				t.Errorf("%s: %+v, townships.csv has %+v", c.scope, jz[tw.Code], tw)
			}
		}
		for _, cty := range ref.Counties {
			if a := byCode[[2]string{"county", cty.Code}]; a.Parent != "140700" {
				t.Errorf("%s: county %s %s is %+v in divisions.csv", c.scope, cty.Code, cty.Name, a)
			}
		}
	}
	if a := func() Area {
		ref, _ := LoadScope(NationalScope)
		for _, a := range ref.Areas {
			if a.Code == "110100" {
				return a
			}
		}
		return Area{}
	}(); a.Name != "北京市" {
		t.Errorf("110100 is %+v, want 北京市 (市辖区 under its province's name)", a)
	}
	if _, err := LoadScope("11"); err == nil {
		t.Error("scope 11 accepted")
	}
}

func TestTownshipKind(t *testing.T) {
	for code, want := range map[string]string{"140702001": "街道 true", "140702099": "街道 true", "140702100": "镇 true",
		"140702203": "乡 true", "140702399": "乡 true", "140702400": "其他 false", "14070200": "其他 false", "1407020x1": "其他 false"} {
		k, in := TownshipKind(code)
		if got := fmt.Sprintf("%s %v", k, in); got != want {
			t.Errorf("%s: %s, want %s", code, got, want)
		}
	}
}

// TestPolicyRanges: every key has a kind and a range; its default is in
// it; each value a review found accepted (NaN and Inf weights and points,
// a coverage target of 7, a due day of 0 or 400, an operating window or a
// service-volume target of 0, 1e308) and the edges just outside each
// range are refused, naming the key, the value and the range.
func TestPolicyRanges(t *testing.T) {
	good := string(DefaultPolicyCSV())
	with := func(key, val string) string {
		var out []string
		for _, line := range strings.Split(good, "\n") {
			if k, rest, ok := strings.Cut(line, ","); ok && k == key {
				_, about, _ := strings.Cut(rest, ",")
				line = key + "," + val + "," + about
			}
			out = append(out, line)
		}
		return strings.Join(out, "\n")
	}
	refused := func(key, val string) {
		t.Helper()
		_, err := ParsePolicy("p.csv", []byte(with(key, val)))
		if err == nil || !strings.Contains(err.Error(), "参数 "+key+" 的值") || !strings.Contains(err.Error(), "应为：") {
			t.Errorf("%s = %q: %v, want a refusal naming the key, value and range", key, val, err)
		}
	}
	// the review's values
	for key, vals := range map[string][]string{
		"use_weight_baseinfo":          {"NaN", "nan", "Inf", "-0.2"},
		"assess_points_coverage":       {"Inf", "+Inf", "NaN", "1e308"},
		"coverage_target":              {"7", "0"},
		"summary_due_day":              {"0", "400"},
		"operating_window_days":        {"0"},
		"assess_service_volume_target": {"0"},
		"professional_core_share":      {"1e308", "0x1p-2"},
	} {
		for _, v := range vals {
			refused(key, v)
		}
	}
	seen := 0
	for _, key := range append(append(slices.Clone(policyKeys), laterKeys...), "bulletin_header") {
		spec, ok := keySpecs[key]
		if !ok {
			t.Errorf("%s has no kind and range", key)
			continue
		}
		seen++
		def, _ := builtin(key)
		if _, ok := spec.parse(def); !ok {
			t.Errorf("%s: the default %q is out of its own range %s", key, def, spec.Range())
		}
		g := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
		switch spec.kind {
		case "num", "whole":
			if spec.above {
				refused(key, g(spec.lo))
			} else if spec.lo > 0 {
				refused(key, g(spec.lo-1))
			}
			refused(key, g(spec.hi*2+1))
			refused(key, "NaN")
			refused(key, "1e3")
			if spec.kind == "whole" {
				refused(key, g(spec.lo)+".5")
			}
		case "date":
			refused(key, "1999-12-31")
			refused(key, "2023-02-30")
		case "month":
			refused(key, "2100-01")
			refused(key, "2023-13")
		case "text":
			refused(key, "晋中市\u202e局民")
			refused(key, " ")
		case "list":
			refused(key, "|")
		case "scope":
			refused(key, "1408")
		}
	}
	if seen != len(keySpecs) {
		t.Errorf("%d keys checked, %d have a kind: a key with a kind is in no list of keys", seen, len(keySpecs))
	}
}

// TestPolicyFileReadLikeAnInput: --policy naming a FIFO, a device or an
// oversized file is refused at once, without reading it whole.
func TestPolicyFileReadLikeAnInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, make([]byte, policyMaxBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero", big} {
		done := make(chan error, 1)
		go func() { _, err := LoadPolicy(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "未读取") {
				t.Errorf("%s: %v, want a refusal", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still reading after 5 s", path)
		}
	}
}
