package bulletin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"sgz/data"
	"sgz/metrics"
)

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		v    float64
		n    int
		want string
	}{
		{72.125, 2, "72.13"}, // half away from zero, although 72.125 is stored as 72.12499…
		{72.124, 2, "72.12"},
		{0.0, 2, "0.00"},
		{60.35, 1, "60.4"},
		{99.95, 1, "100.0"},
		{-0.001, 1, "0.0"},
	} {
		if got := num(c.v, c.n); got != c.want {
			t.Errorf("num(%v, %d) = %s, want %s", c.v, c.n, got, c.want)
		}
	}
	r := 0.6035
	if got := pct(&r); got != "60.4%" {
		t.Errorf("pct(0.6035) = %s, want 60.4%%", got)
	}
	if got := pct(nil); got != "—" {
		t.Errorf("pct(nil) = %s", got)
	}
}

func TestChange(t *testing.T) {
	for _, c := range []struct {
		now, prev int
		want      string
	}{{3, 5, "↑2"}, {5, 3, "↓2"}, {4, 4, "持平"}, {4, 0, "—"}, {0, 2, "—"}} {
		if got := change(c.now, c.prev); got != c.want {
			t.Errorf("change(%d, %d) = %s, want %s", c.now, c.prev, got, c.want)
		}
	}
}

func TestEditionNumber(t *testing.T) {
	first := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	for m, want := range map[string]int{"2023-06": 1, "2023-11": 6, "2023-12": 7, "2024-01": 1, "2024-03": 3} {
		month, _ := time.Parse("2006-01", m)
		if got, err := editionNumber(month, first); err != nil || got != want {
			t.Errorf("editionNumber(%s) = %d, %v; want %d", m, got, err, want)
		}
	}
	if _, err := editionNumber(time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC), first); err == nil {
		t.Error("2023-05 precedes the first bulletin: want an error")
	}
}

// The issue and reply dates count working days on the official calendar:
// 2023-11's deadline 2023-12-06 (Wed) + 3 working days is 2023-12-11 (Mon);
// + 10 more is 2023-12-25 (Mon).
func TestDates(t *testing.T) {
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	cal := data.NewCalendar(ref.Holidays)
	issue, err := addWorkdays(cal, time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC), 3)
	if err != nil || issue.Format(time.DateOnly) != "2023-12-11" {
		t.Errorf("issue %v %v, want 2023-12-11", issue, err)
	}
	reply, err := addWorkdays(cal, issue, 10)
	if err != nil || reply.Format(time.DateOnly) != "2023-12-25" {
		t.Errorf("reply %v %v, want 2023-12-25", reply, err)
	}
	// Over National Day 2023 (Sep 29 – Oct 6 off), the next working day is an adjusted Saturday.
	if d, _ := addWorkdays(cal, time.Date(2023, 9, 28, 0, 0, 0, 0, time.UTC), 1); d.Format(time.DateOnly) != "2023-10-07" {
		t.Errorf("the working day after 2023-09-28 is %v, want 2023-10-07 (adjusted Saturday)", d)
	}
}

func TestRestatement(t *testing.T) {
	header := []string{"排名", "县（市、区）", "基础信息录入及时率", "服务记录录入及时率", "月度总结按时提交率", "系统使用得分", "较上月排名", "备注"}
	v1, _ := json.Marshal([][][]string{{header, {"1", "榆次区", "90.0%", "80.0%", "70.0%", "78.00", "—", ""}}, {}})
	v2, _ := json.Marshal([][][]string{{header, {"1", "榆次区", "90.0%", "80.0%", "75.0%", "80.00", "—", ""}}, {}})
	got := restatement(string(v1), string(v2), 1, "")
	for _, want := range []string{"本期通报为第2版", "因县级台账或系统数据更正", "榆次区月度总结按时提交率由70.0%更正为75.0%", "系统使用得分由78.00更正为80.00"} {
		if !strings.Contains(got, want) {
			t.Errorf("restatement %q lacks %q", got, want)
		}
	}
}

// TestChangeReason: a new version says what changed: the rules (a version
// recorded before the rules were kept was computed by rules:1), a policy
// value from what to what, or the files its figures now read; and only
// what changed.
func TestChangeReason(t *testing.T) {
	str := func(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
	pol := func(w string) string { return `[["use_warning","` + w + `"],["use_weight_baseinfo","0.2"]]` }
	src := func(names ...string) string {
		var b []string
		for _, n := range names {
			b = append(b, `{"file_name":"`+n+`","sha256":"`+n+`"}`)
		}
		return "[" + strings.Join(b, ",") + "]"
	}
	cases := []struct {
		prevRules, prevPolicy, prevSources, rules, policy, sources string
		want, not                                                  []string
	}{
		{"", pol("80"), src("a.csv"), RulesVersion, pol("80"), src("a.csv"), []string{"计算口径调整", "台账所列与系统登记站点的并集"}, []string{"政策参数", "数据更正"}},
		{RulesVersion, pol("80"), src("a.csv"), RulesVersion, pol("85"), src("a.csv"), []string{"政策参数 use_warning 由 80 改为 85"}, []string{"口径", "数据更正"}},
		{RulesVersion, pol("80"), src("a.csv"), RulesVersion, pol("80"), src("a.csv", "b.xlsx"), []string{"数据更正（新依据的文件：b.xlsx）"}, []string{"口径", "政策参数"}},
		{RulesVersion, pol("80"), src("a.csv"), RulesVersion, pol("80"), src("a.csv"), nil, []string{"口径", "政策参数", "数据更正"}},
	}
	for i, c := range cases {
		got := changeReason(str(c.prevRules), str(c.prevPolicy), str(c.prevSources), c.rules, c.policy, c.sources)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("case %d: %q lacks %q", i, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("case %d: %q says %q", i, got, n)
			}
		}
	}
}

// TestStampPDFDates: the dates Chromium writes are replaced by the issue
// date at the same length (so the cross-reference offsets stay right), and
// nothing else changes.
func TestStampPDFDates(t *testing.T) {
	in := "%PDF-1.4\n1 0 obj\n<</Producer (Skia/PDF m156)\n/CreationDate (D:20261127230235+00'00')\n/ModDate (D:20261127230236+00'00')>>\nendobj\n"
	want := "%PDF-1.4\n1 0 obj\n<</Producer (Skia/PDF m156)\n/CreationDate (D:20231206000000+08'00')\n/ModDate (D:20231206000000+08'00')>>\nendobj\n"
	path := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := stampPDFDates(path, time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Errorf("stamped:\n%s\nwant:\n%s", got, want)
	}
}

// TestRecordByFacts: an edition recorded again is the same version; one
// whose facts differ is version 2 with a restatement; a version recorded
// by an older sgz (fingerprint of its Markdown body, same tables) stays the
// version of an edition with the same tables, whatever the new wording.
func TestRecordByFacts(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	score := func(x float64) *float64 { return &x }
	month := time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	edition := func(s float64) *Edition {
		e := &Edition{Month: month, AsOf: time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC), Warning: 80}
		e.Ranking = []Row{{Ranked: metrics.Ranked{CountyTimeliness: metrics.CountyTimeliness{CountyCode: "140702", County: "榆次区", SystemUseScore: score(s)}, Rank: 1}}}
		return e
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		score   float64
		version int
		restate bool
	}{{90, 1, false}, {90, 1, false}, {85, 2, true}, {85, 2, true}} {
		e := edition(c.score)
		if err := e.Record(ctx, db, now); err != nil {
			t.Fatal(err)
		}
		if e.Version != c.version || (e.Restatement != "") != c.restate {
			t.Errorf("record %d (score %v): version %d, restatement %q; want version %d", i+1, c.score, e.Version, e.Restatement, c.version)
		}
	}
	// An older sgz's row for December: same table data under an older
	// header (表2's 按时录入 before it was 基础信息按时录入), another
	// fingerprint.
	dec := edition(70)
	dec.Month = time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC)
	h, r := dec.Table()
	h2, r2 := dec.Counts()
	old := append([]string{}, h2...)
	old[2], old[4] = "按时录入", "按时录入"
	tables, _ := json.Marshal([][][]string{append([][]string{h}, r...), append([][]string{old}, r2...)})
	if _, err := db.Exec(`INSERT INTO bulletin_versions (summary_month, version, as_of, body_sha256, tables_json, recorded_at) VALUES (?, 1, ?, 'abc123', ?, ?)`, dec.Month, dec.AsOf, string(tables), now); err != nil {
		t.Fatal(err)
	}
	if err := dec.Record(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	if dec.Version != 1 || dec.Restatement != "" {
		t.Errorf("an older sgz's version with the same tables: version %d, restatement %q; want 1 and none", dec.Version, dec.Restatement)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM bulletin_versions WHERE summary_month = ? AND body_sha256 LIKE 'facts:2:%'`, dec.Month).Scan(&n)
	if n != 1 {
		t.Error("the older row did not take the facts fingerprint")
	}
}

// TestMarkdownEscapes: a file name with HTML, Markdown markup and a pipe
// stays a name in the annex's table: no tag, no link, the row's five cells.
func TestMarkdownEscapes(t *testing.T) {
	name := `<img src=x onerror=alert(1)>|[点我](javascript:alert(1))*_x_*.csv`
	e := &Edition{Month: time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC), AsOf: time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC), Warning: 80,
		Sources: []metrics.Source{{FileName: name, Kind: "export", SHA256: strings.Repeat("a", 64)}}}
	md := AnnexMarkdown(e)
	var row string
	for _, l := range strings.Split(md, "\n") {
		if strings.Contains(l, "img") {
			row = l
		}
	}
	if strings.Contains(md, "<img") || strings.Contains(md, "](javascript") || !strings.Contains(row, "&lt;img src=x onerror=alert\\(1\\)&gt;\\|\\[点我\\]") {
		t.Errorf("the name is not escaped: %q", row)
	}
	// five cells: six unescaped pipes
	n := 0
	for i, c := range row {
		if c == '|' && (i == 0 || row[i-1] != '\\') {
			n++
		}
	}
	if n != 6 {
		t.Errorf("the row has %d cell bars, want 6: %q", n, row)
	}
	// the issuer, from the policy file, is outside text too
	e.Issuer = "<b>晋中市</b>[民政局](javascript:x)"
	if md := Markdown(e); strings.Contains(md, "<b>") || strings.Contains(md, "](javascript") || !strings.Contains(md, "&lt;b&gt;晋中市&lt;/b&gt;\\[民政局\\]") {
		t.Errorf("the issuer is not escaped in the Markdown: %q", md[strings.LastIndex(md, "附件"):])
	}
}

// TestWriteIsAllOrNothing: a write that fails half-way (the disk full at
// the workbook) leaves the files of the earlier write as they were and no
// temporary folder.
func TestWriteIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	e := &Edition{Month: time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC), AsOf: time.Date(2023, 12, 6, 0, 0, 0, 0, time.UTC), Warning: 80,
		IssueDate: time.Date(2023, 12, 11, 0, 0, 0, 0, time.UTC), Issuer: "晋中市民政局"}
	f, err := Write(context.Background(), e, dir)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(f.HTML)
	e.Issuer = "改过的机关"
	failHook = func(step string) error { return errors.New("no space left on device") }
	defer func() { failHook = nil }()
	if _, err := Write(context.Background(), e, dir); err == nil || !strings.Contains(err.Error(), "原有文件未改动") {
		t.Errorf("a failing write: %v", err)
	}
	if after, _ := os.ReadFile(f.HTML); string(after) != string(before) {
		t.Error("the failed write changed the earlier HTML")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".sgz-bulletin-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
