package cli_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/data"
	"sgz/ingest"
)

const bulletinName = "晋中市社工站系统使用情况通报_2023-11"

// bulletinTables reads table 1 and 2 back from the HTML, the Markdown and
// the XLSX of one edition.
func bulletinTables(t *testing.T, dir string) (htmlT, mdT, xlsxT [][][]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, bulletinName+".html"))
	if err != nil {
		t.Fatal(err)
	}
	reTable := regexp.MustCompile(`(?s)<table[^>]*>\s*<caption>表[12].*?</table>`)
	reRow := regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	reCell := regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	for _, tb := range reTable.FindAllString(string(b), -1) {
		var rows [][]string
		for _, r := range reRow.FindAllStringSubmatch(tb, -1) {
			var cells []string
			for _, c := range reCell.FindAllStringSubmatch(r[1], -1) {
				// a header's <br> is a line break, not a character
				cells = append(cells, html.UnescapeString(strings.ReplaceAll(c[1], "<br>", "")))
			}
			rows = append(rows, cells)
		}
		htmlT = append(htmlT, rows)
	}
	md, err := os.ReadFile(filepath.Join(dir, bulletinName+".md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(string(md), "**表")[1:3] {
		var rows [][]string
		for _, line := range strings.Split(part, "\n") {
			if line == "" && len(rows) > 0 {
				break // the table ends at the first blank line
			}
			if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| ---") || strings.Contains(line, " --- |") {
				continue
			}
			cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |"), " | ")
			rows = append(rows, cells)
		}
		mdT = append(mdT, rows)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, bulletinName+".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range []string{"排名", "计算依据"} {
		rows, err := f.GetRows(sheet) // formatted as Excel shows them
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 2 || !strings.Contains(rows[0][0], "2023年11月") {
			t.Fatalf("sheet %s: no title row with the month: %q", sheet, rows)
		}
		rows = rows[1:] // the title row
		// The change of rank is a number shown by its format ("↑"0;"↓"0;
		// "持平"), which excelize does not render for 0: render it here.
		if sheet == "排名" {
			for i := 1; i < len(rows); i++ {
				ref, _ := excelize.CoordinatesToCellName(7, i+2)
				raw, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
				if n, err := strconv.Atoi(raw); err == nil && len(rows[i]) > 6 {
					rows[i][6] = map[bool]string{true: "↑" + strconv.Itoa(n), false: "↓" + strconv.Itoa(-n)}[n > 0]
					if n == 0 {
						rows[i][6] = "持平"
					}
				}
			}
		}
		for i := range rows {
			for len(rows[i]) < len(rows[0]) {
				rows[i] = append(rows[i], "")
			}
		}
		xlsxT = append(xlsxT, rows)
	}
	return htmlT, mdT, xlsxT
}

// TestBulletin generates the November 2023 bulletin of the demo data and
// checks: the three formats carry the same tables; the counts equal those
// worked out from the truth (services that ended in November and were
// entered by the deadline, 2023-12-06; summaries for November; base
// information as of that day); the XLSX has numbers, not text; the same
// month generated again is byte-identical and, after a later export is
// loaded, has the same tables and no restatement; a corrected ledger makes
// a second version with a restatement naming the county.
func TestBulletin(t *testing.T) {
	t.Parallel() // each on its own copy of the demo's database
	d := loadDemo(t)
	// A copy, with its key, since this test loads more files.
	db := copyDemo(t, d)
	dir1 := filepath.Join(t.TempDir(), "v1")
	out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", dir1)
	if code != 0 {
		t.Fatalf("bulletin: %s", out)
	}
	if !strings.Contains(out, "2023年第6期，第1版，数据截至2023-12-06") {
		t.Errorf("bulletin summary: %s", out)
	}
	// Every file written is readable, none executable (excelize's SaveAs
	// made the workbook 0755).
	written, _ := filepath.Glob(filepath.Join(dir1, "*"))
	for _, p := range written {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want -rw-r--r--", p, st.Mode())
		}
	}
	// One style of brackets (full-width, as in the body) everywhere, a
	// page a phone can show, and no pace sentence like "月均新建0.0个".
	for _, ext := range []string{".html", ".md"} {
		doc := string(mustRead(t, filepath.Join(dir1, bulletinName+ext)))
		for _, bad := range []string{"(街道)", "(市、区)", "新建0.0个"} {
			if strings.Contains(doc, bad) {
				t.Errorf("%s%s contains %q", bulletinName, ext, bad)
			}
		}
		if !strings.Contains(doc, "关于2023年11月全市乡镇（街道）社工站信息系统使用情况的通报") {
			t.Errorf("%s%s: title not found", bulletinName, ext)
		}
	}
	if doc := string(mustRead(t, filepath.Join(dir1, bulletinName+".html"))); !strings.Contains(doc, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
		t.Error("the bulletin's HTML has no viewport: a phone shows it as a shrunk 980 px page")
	}
	// The body sent to the counties names its annex and holds no machine
	// material; the annex (HTML and Markdown) has the sources with their
	// fingerprints and the parameters in Chinese.
	for _, ext := range []string{".html", ".md"} {
		body := string(mustRead(t, filepath.Join(dir1, bulletinName+ext)))
		for _, bad := range []string{"SHA-256", "coverage_target", "policy"} {
			if strings.Contains(body, bad) {
				t.Errorf("the body %s contains %q", ext, bad)
			}
		}
		if !strings.Contains(body, "附件：数据来源与口径") {
			t.Errorf("the body %s does not name its annex", ext)
		}
		annex := string(mustRead(t, filepath.Join(dir1, bulletinName+"_附件_数据来源与口径"+ext)))
		file := "榆次区_2023-11.xlsx"
		if ext == ".md" {
			file = `榆次区\_2023-11.xlsx` // Markdown escapes the underscore of a name
		}
		for _, want := range []string{"数据来源与口径", "SHA-256", "覆盖率目标（0-1）", "系统使用得分预警线", "遇节假日顺延", file} {
			if !strings.Contains(annex, want) {
				t.Errorf("the annex %s lacks %q", ext, want)
			}
		}
		if strings.Contains(annex, "coverage_target") {
			t.Errorf("the annex %s names parameters by their keys", ext)
		}
	}
	h, m, x := bulletinTables(t, dir1)
	if len(h) != 2 || len(m) != 2 || len(x) != 2 {
		t.Fatalf("tables found: html %d, markdown %d, xlsx %d", len(h), len(m), len(x))
	}
	for i := range h {
		if !equalTables(h[i], m[i]) {
			t.Errorf("table %d: HTML and Markdown differ:\n%v\n%v", i+1, h[i], m[i])
		}
		if !equalTables(h[i], x[i]) {
			t.Errorf("table %d: HTML and XLSX differ:\n%v\n%v", i+1, h[i], x[i])
		}
	}
	if len(h[0]) != 13 { // header, 11 counties, 全市
		t.Fatalf("table 1 has %d rows, want 13", len(h[0]))
	}

	// Counts against the truth (table 2: county, base owed/on time,
	// services/on time, summaries owed/on time/late/missing).
	due := day("2023-12-06")
	endOfDay := due.AddDate(0, 0, 1)
	cal := data.NewCalendar(mustRef().Holidays)
	if got, _ := cal.SummaryDeadline(day("2023-11-01"), 3, 3); !got.Equal(due) {
		t.Fatalf("deadline %v", got)
	}
	want := map[string][]int{}
	for _, c := range mustRef().Counties {
		var e expected
		var report time.Time
		for _, l := range d.world.Ledgers {
			if l.CountyCode == c.Code && !l.ReportDate.After(due) && l.ReportDate.After(report) {
				report = l.ReportDate.Time
			}
		}
		timeliness(d.world, c.Code, due, report, &e)
		svc, svcOn := 0, 0
		town := map[string]string{}
		for _, s := range d.world.Stations {
			town[s.ID] = s.CountyCode
		}
		for _, sv := range d.world.Services {
			if town[sv.StationID] == c.Code && sv.End.Format("2006-01") == "2023-11" && sv.Entered.Before(endOfDay) {
				svc++
				if !sv.Entered.Truncate(24 * time.Hour).After(sv.End.AddDate(0, 0, 1)) {
					svcOn++
				}
			}
		}
		want[c.Name] = []int{e.baseCounted, e.baseOnTime, svc, svcOn, e.sumOwed, e.sumOnTime, 0, e.sumOwed - e.sumOnTime}
	}
	for _, r := range h[1][1 : len(h[1])-1] {
		var got []int
		for _, c := range r[1:] {
			n, _ := strconv.Atoi(c)
			got = append(got, n)
		}
		if w, ok := want[r[0]]; !ok || !equalInts(got, w) {
			t.Errorf("%s counts %v, want from the truth %v", r[0], got, w)
		}
	}

	// Numbers are numbers in the XLSX.
	f, _ := excelize.OpenFile(filepath.Join(dir1, bulletinName+".xlsx"))
	if typ, _ := f.GetCellType("排名", "F3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("score cell type %v, want a number", typ)
	}
	if v, _ := f.GetCellValue("排名", "F3", excelize.Options{RawCellValue: true}); strings.Contains(v, "%") || v == "" {
		t.Errorf("raw score %q", v)
	}
	// Stored at the precision shown: a rate shown 78.8% is 0.788, never
	// 0.7879999999999999; a score shown 83.50 is 83.5.
	reLong := regexp.MustCompile(`\.\d{5,}`)
	for _, sheet := range []string{"排名", "计算依据"} {
		rows, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		for i, r := range rows[2:] {
			for j, v := range r {
				if reLong.MatchString(v) {
					t.Errorf("%s row %d column %d stored as %s", sheet, i+3, j+1, v)
				}
			}
		}
		// no two columns with the same header
		seen := map[string]bool{}
		for _, h := range rows[1] {
			if seen[h] {
				t.Errorf("%s: two columns headed %s", sheet, h)
			}
			seen[h] = true
		}
		// printed on A4, one page wide, title and header on every page
		layout, err := f.GetPageLayout(sheet)
		if err != nil || layout.Size == nil || *layout.Size != 9 || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
			t.Errorf("%s page layout %+v, %v: want A4 fitted to one page wide", sheet, layout, err)
		}
		titles := f.GetDefinedName()
		found := false
		for _, d := range titles {
			found = found || d.Name == "_xlnm.Print_Titles" && d.Scope == sheet && d.RefersTo == "'"+sheet+"'!$1:$2"
		}
		if !found {
			t.Errorf("%s: the title and header rows are not repeated on printed pages: %+v", sheet, titles)
		}
	}
	// A row without a mark leaves its 备注 cell empty, not an empty text.
	if typ, _ := f.GetCellType("排名", "H3"); typ != excelize.CellTypeUnset {
		t.Errorf("排名!H3 (no mark) has type %v, want no value", typ)
	}
	if fmtID, _ := f.GetCellStyle("排名", "G4"); fmtID == 0 {
		t.Error("排名!G4 (change of rank) has no style")
	}
	f.Close()

	// Again, same inputs: byte-identical files.
	dir2 := filepath.Join(t.TempDir(), "v1again")
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", dir2); code != 0 {
		t.Fatal(out)
	}
	for _, ext := range []string{".html", ".md", ".xlsx"} {
		a, _ := os.ReadFile(filepath.Join(dir1, bulletinName+ext))
		b, _ := os.ReadFile(filepath.Join(dir2, bulletinName+ext))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs on the same inputs", ext)
		}
	}

	// A later export (records entered in 2024) changes no figure.
	later := filepath.Join(t.TempDir(), "服务记录_补录_2024.csv")
	csv := "服务记录编号,站点编号,站点名称,服务类型,服务对象类别,服务开始日期,服务结束日期,服务人次,录入时间,录入人\n"
	for _, s := range d.world.Stations[:5] {
		if s.NotInSystem {
			continue
		}
		csv += "BL" + s.ID + "," + s.ID + ",x,个案服务,其他,2023-11-20,2023-11-20,3,2024-02-01 10:00:00,补录\n"
	}
	if err := os.WriteFile(later, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run("ingest", "--db", db, later); code != 0 {
		t.Fatalf("later export: %s", out)
	}
	dir3 := filepath.Join(t.TempDir(), "after-export")
	out, code = run("bulletin", "--db", db, "--month", "2023-11", "--out", dir3)
	if code != 0 || !strings.Contains(out, "第1版") || strings.Contains(out, "更正") {
		t.Errorf("after a later export: exit %d, %s; want version 1, no restatement", code, out)
	}
	for _, ext := range []string{".html", ".md", ".xlsx"} {
		a, _ := os.ReadFile(filepath.Join(dir1, bulletinName+ext))
		b, _ := os.ReadFile(filepath.Join(dir3, bulletinName+ext))
		if !bytes.Equal(a, b) {
			t.Errorf("%s changed after loading an export of later records", ext)
		}
	}

	// The fourth quarter exported again, the same records (one more line
	// at its end: other bytes, so it loads): every row of the original is
	// replaced, so the figures are now read from the re-export, but the
	// version issued still cites the files it cited, and its annex is the
	// same document.
	q4 := filepath.Join(d.dir, "inputs", "system", "服务记录_2023Q4.csv")
	b, err := os.ReadFile(q4)
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "服务记录_2023Q4_重新导出.csv")
	if err := os.WriteFile(again, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run("ingest", "--db", db, again); code != 0 {
		t.Fatalf("the quarter exported again: %s", out)
	}
	reExported := filepath.Join(t.TempDir(), "after-re-export")
	out, code = run("bulletin", "--db", db, "--month", "2023-11", "--out", reExported)
	if code != 0 || !strings.Contains(out, "第1版") {
		t.Errorf("after the quarter exported again: exit %d, %s; want version 1", code, out)
	}
	annex := bulletinName + "_附件_数据来源与口径.html"
	a1, _ := os.ReadFile(filepath.Join(dir1, annex))
	a4, _ := os.ReadFile(filepath.Join(reExported, annex))
	if len(a1) == 0 || !bytes.Equal(a1, a4) {
		t.Errorf("the annex of version 1 changed after the quarter was exported again (%d and %d bytes)", len(a1), len(a4))
	}
	if !bytes.Contains(a4, []byte("服务记录_2023Q4.csv")) || bytes.Contains(a4, []byte("重新导出")) {
		t.Error("the annex of version 1 no longer cites the quarter's original export")
	}

	// A corrected ledger of 榆次区 for 2023-11-30 without its first station:
	// version 2, and the restatement names 榆次区.
	orig := filepath.Join(d.dir, "inputs", "ledgers", "榆次区_2023-11.xlsx")
	fx, err := excelize.OpenFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.RemoveRow("站点台账", 4); err != nil {
		t.Fatal(err)
	}
	corrected := filepath.Join(t.TempDir(), "榆次区_2023-11_更正.xlsx")
	if err := fx.SaveAs(corrected); err != nil {
		t.Fatal(err)
	}
	fx.Close()
	if out, code := run("ingest", "--db", db, corrected); code != 0 || !strings.Contains(out, "取代同县同填报日期的旧台账 榆次区_2023-11.xlsx") {
		t.Fatalf("corrected ledger: exit %d\n%s", code, out)
	}
	dir4 := filepath.Join(t.TempDir(), "corrected")
	out, code = run("bulletin", "--db", db, "--month", "2023-11", "--out", dir4)
	if code != 0 || !strings.Contains(out, "第2版") || !strings.Contains(out, "更正说明：本期通报为第2版") || !strings.Contains(out, "榆次区") {
		t.Errorf("after a corrected ledger: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir4, bulletinName+".md")); !strings.Contains(string(b), "**更正说明：**本期通报为第2版") {
		t.Error("the Markdown lacks the restatement")
	}

	// The county sends its original again: the same bytes change nothing
	// (sent daily, they would flip the figures back and forth); saved anew
	// (other bytes, the same rows) it is the newest word, the figures are
	// version 1's again, and the bulletin is version 3, restated against
	// version 2.
	if out, code := run("ingest", "--db", db, orig); code != 0 || !strings.Contains(out, "取代，仍以 榆次区_2023-11_更正.xlsx 为准") {
		t.Fatalf("original again: exit %d\n%s", code, out)
	}
	fo, err := excelize.OpenFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	if err := fo.SetDocProps(&excelize.DocProperties{Title: "重新保存"}); err != nil {
		t.Fatal(err)
	}
	resaved := filepath.Join(t.TempDir(), "榆次区_2023-11_重报.xlsx")
	if err := fo.SaveAs(resaved); err != nil {
		t.Fatal(err)
	}
	fo.Close()
	if out, code := run("ingest", "--db", db, resaved); code != 0 || !strings.Contains(out, "取代同县同填报日期的旧台账 榆次区_2023-11_更正.xlsx") {
		t.Fatalf("original saved anew: exit %d\n%s", code, out)
	}
	dir5 := filepath.Join(t.TempDir(), "original-again")
	out, code = run("bulletin", "--db", db, "--month", "2023-11", "--out", dir5)
	if code != 0 || !strings.Contains(out, "第3版") || !strings.Contains(out, "较第2版") {
		t.Errorf("after the original again: exit %d\n%s", code, out)
	}
	h5, _, _ := bulletinTables(t, dir5)
	if !equalTables(h[0], h5[0]) || !equalTables(h[1], h5[1]) {
		t.Error("with the original ledger in force again, the tables differ from version 1's")
	}

	// A month the data does not reach is refused.
	if out, code := run("bulletin", "--db", db, "--month", "2024-06", "--out", t.TempDir()); code != 2 || !strings.Contains(out, "已载入的数据只到") {
		t.Errorf("2024-06: exit %d, %s", code, out)
	}
}

// TestBulletinInBrowser prints the bulletin to PDF and screenshots it in
// headless Chromium (offline): no console errors, Chinese set in a CJK font.
func TestBulletinInBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("SGZ_REQUIRE_ALL") != "" {
			t.Fatal("chromium not on PATH (SGZ_REQUIRE_ALL is set)")
		}
		t.Skip("chromium not on PATH")
	}
	t.Parallel() // with the other bulletin tests: Chromium waits more than it works
	d := loadDemo(t)
	db := copyDemo(t, d)
	// printed for real, twice (TestMain's printer prints a page once)
	dir, again := t.TempDir(), t.TempDir()
	for _, p := range []string{dir, again} {
		printForReal.Store(p, true)
		defer printForReal.Delete(p)
	}
	out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", dir)
	if code != 0 {
		t.Fatal(out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, bulletinName+".pdf"))
	if err != nil {
		t.Fatalf("no PDF with Chromium installed: %v", err)
	}
	if !regexp.MustCompile(`FontName\s*/[A-Z]{6}\+Noto(Sans|Serif)CJK`).Match(pdf) {
		t.Error("the PDF embeds no CJK font: Chinese would not show")
	}
	// Printed again a second or more later, the PDF has the same bytes:
	// Chromium's creation date is replaced by the issue date.
	time.Sleep(1100 * time.Millisecond)
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", again); code != 0 {
		t.Fatal(out)
	}
	if pdf2, err := os.ReadFile(filepath.Join(again, bulletinName+".pdf")); err != nil || !bytes.Equal(pdf, pdf2) {
		t.Errorf("the PDF printed again differs (%v)", err)
	}
	if !bytes.Contains(pdf, []byte("/CreationDate (D:20231211000000+08'00')")) {
		t.Error("the PDF's creation date is not the issue date 2023-12-11 (three working days after the 12-06 deadline)")
	}
	page := filepath.Join(dir, bulletinName+".html")
	// Every table header breaks only where the bulletin puts a <br>
	// (between words), never inside a word like 按时录/入: its text has as
	// many rendered lines as it has parts.
	probe := strings.Replace(string(mustRead(t, page)), "</body>", `<script>
window.addEventListener("load", function () {
  var bad = [], n = 0;
  document.querySelectorAll("th").forEach(function (th) {
    var tops = {};
    th.childNodes.forEach(function (node) {
      if (node.nodeType !== 3) { return; }
      var r = document.createRange();
      r.selectNodeContents(node);
      Array.prototype.forEach.call(r.getClientRects(), function (rect) { tops[Math.round(rect.top)] = true; });
    });
    var lines = Object.keys(tops).length, parts = th.querySelectorAll("br").length + 1;
    n++;
    if (lines !== parts) { bad.push(th.textContent + ": " + lines + " lines for " + parts + " parts"); }
  });
  var pre = document.createElement("pre");
  pre.id = "heads";
  pre.hidden = true;
  pre.textContent = "checked " + n + "; " + bad.join(" | ");
  document.body.appendChild(pre);
});
</script></body>`, 1)
	probePage := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probePage, []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	// one run of Chromium: the DOM (the probe's result, hidden), the
	// console (errors or failed loads) and a screenshot
	shot := filepath.Join(dir, "bulletin.png")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0", "--window-size=1000,1400", "--virtual-time-budget=3000", "--dump-dom", "--screenshot="+shot, "file://"+probePage)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, logs.String())
	}
	m := regexp.MustCompile(`<pre id="heads"[^>]*>checked (\d+); (.*?)</pre>`).FindSubmatch(dom)
	if m == nil || string(m[1]) != "17" || len(m[2]) > 0 {
		t.Errorf("table headers (want 17 checked, none broken inside a word): %q", m)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Failed to load resource") {
			t.Errorf("console: %s", line)
		}
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 20000 {
		t.Errorf("screenshot %v %v: too small to hold the page", st, err)
	}
	t.Logf("screenshot: %s", shot)
}

func equalTables(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// copyDemo copies the demo database with its key into a temporary folder,
// for a test that changes it.
func copyDemo(t *testing.T, d demoData) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "b.duckdb")
	for from, to := range map[string]string{d.db: db, ingest.KeyPath(d.db): ingest.KeyPath(db)} {
		src, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestBulletinDocNumber: with --doc-number the bulletin has the red header
// (the policy's bulletin_header) and the number above the title; without
// it, the edition line; the number does not make a new version.
func TestBulletinDocNumber(t *testing.T) {
	t.Parallel() // each on its own copy of the demo's database
	d := loadDemo(t)
	db := copyDemo(t, d)
	plain, numbered := t.TempDir(), t.TempDir()
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", plain); code != 0 {
		t.Fatal(out)
	}
	out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", numbered, "--doc-number", "市民函〔2023〕45号")
	if code != 0 || !strings.Contains(out, "第1版") {
		t.Fatalf("exit %d, want version 1 still: %s", code, out)
	}
	p := string(mustRead(t, filepath.Join(plain, bulletinName+".html")))
	n := string(mustRead(t, filepath.Join(numbered, bulletinName+".html")))
	if strings.Contains(p, `<div class="redhead">`) || !strings.Contains(p, `<div class="no">2023年第6期</div>`) {
		t.Error("without --doc-number: want no red header and the edition line")
	}
	for _, want := range []string{`<div class="redhead">晋中市民政局文件</div>`, `<div class="docno">市民函〔2023〕45号</div>`, `<div class="no">（2023年第6期）</div>`} {
		if !strings.Contains(n, want) {
			t.Errorf("with --doc-number: %q missing", want)
		}
	}
	if md := string(mustRead(t, filepath.Join(numbered, bulletinName+".md"))); !strings.Contains(md, "**晋中市民政局文件**\n\n市民函〔2023〕45号") {
		t.Error("the Markdown lacks the header and number")
	}
	// A number of spaces, or with a line break, is refused; markup in it
	// stays text in the Markdown.
	for _, bad := range []string{"   ", "\u3000", "市民函\n# 伪标题", "市民函〔2023〕\u202e号54"} {
		if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", t.TempDir(), "--doc-number", bad); code != 2 || !strings.Contains(out, "--doc-number") {
			t.Errorf("--doc-number %q: exit %d, %s", bad, code, out)
		}
	}
	marked := t.TempDir()
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", marked, "--doc-number", "<b>市民函</b>*45*|号"); code != 0 {
		t.Fatal(out)
	}
	if md := string(mustRead(t, filepath.Join(marked, bulletinName+".md"))); !strings.Contains(md, `&lt;b&gt;市民函&lt;/b&gt;\*45\*\|号`) {
		t.Error("markup in the 文号 is not escaped in the Markdown")
	}
}

// TestBulletinDocx opens the .docx back: a zip whose parts are well-formed
// XML; the document holds the title, the ranking table (header, 11
// counties and the city, the header repeated on a continued page), the
// sign-off, the 公文 fonts, A4 with GB/T 9704 margins, and page numbers;
// the same edition written twice has the same bytes.
func TestBulletinDocx(t *testing.T) {
	t.Parallel() // each on its own copy of the demo's database
	d := loadDemo(t)
	db := copyDemo(t, d)
	dir, again := t.TempDir(), t.TempDir()
	for _, out := range []string{dir, again} {
		if o, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", out); code != 0 {
			t.Fatal(o)
		}
	}
	path := filepath.Join(dir, bulletinName+".docx")
	raw := mustRead(t, path)
	if !bytes.Equal(raw, mustRead(t, filepath.Join(again, bulletinName+".docx"))) {
		t.Error("the .docx written again differs")
	}
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		parts[f.Name] = string(b)
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels", "word/footer1.xml"} {
		if _, ok := parts[name]; !ok {
			t.Errorf("part %s missing", name)
		}
	}
	doc := parts["word/document.xml"]
	// the text of the paragraphs, table rows as cells joined by |
	var text strings.Builder
	var cells []string
	dec := xml.NewDecoder(strings.NewReader(doc))
	var rows [][]string
	inText, inCell := false, false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch x := tok.(type) {
		case xml.StartElement:
			inText = x.Name.Local == "t"
			switch x.Name.Local {
			case "tr":
				cells = nil
			case "tc":
				cells, inCell = append(cells, ""), true
			}
		case xml.EndElement:
			inText = false
			switch x.Name.Local {
			case "tr":
				rows = append(rows, cells)
			case "tc":
				inCell = false
			}
		case xml.CharData:
			if inText {
				text.Write(x)
				if inCell {
					cells[len(cells)-1] += string(x)
				}
			}
		}
	}
	all := text.String()
	for _, want := range []string{"关于2023年11月全市乡镇（街道）社工站", "信息系统使用情况的通报", "各县（市、区）民政局：", "一、总体情况",
		"四、工作要求", "附件：数据来源与口径", "晋中市民政局", "2023年12月11日"} {
		if !strings.Contains(all, want) {
			t.Errorf("the .docx text lacks %q", want)
		}
	}
	h, _, _ := bulletinTables(t, dir)
	if len(rows) < 13 || strings.Join(rows[0], "|") != strings.Join(h[0][0], "|") || strings.Join(rows[12], "|") != strings.Join(h[0][12], "|") {
		t.Errorf("the ranking table differs from the HTML's:\n docx %q\n html %q", rows[:min(13, len(rows))], h[0])
	}
	for _, want := range []string{`<w:tblHeader/>`, `w:eastAsia="仿宋_GB2312"`, `w:eastAsia="方正小标宋简体"`, `w:eastAsia="黑体"`,
		`<w:pgSz w:w="11906" w:h="16838"/>`, `w:top="2098" w:right="1474" w:bottom="1984" w:left="1588"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	if !strings.Contains(parts["word/footer1.xml"], "PAGE") {
		t.Error("no page number in the footer")
	}
}

// TestBulletinVersionIgnoresUnprintedFigures: a policy change that moves
// only figures the bulletin does not print (the stage thresholds) makes no
// new version and no 更正说明.
func TestBulletinVersionIgnoresUnprintedFigures(t *testing.T) {
	t.Parallel() // each on its own copy of the demo's database
	d := loadDemo(t)
	db := copyDemo(t, d)
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", t.TempDir()); code != 0 {
		t.Fatal(out)
	}
	pol := strings.Replace(string(data.DefaultPolicyCSV()), "improving_services_per_month,10,", "improving_services_per_month,2,", 1)
	path := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(path, []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", t.TempDir(), "--policy", path)
	if code != 0 || !strings.Contains(out, "第1版") || strings.Contains(out, "更正") {
		t.Errorf("exit %d, want version 1 and no restatement: %s", code, out)
	}
}

// TestBulletinRestatementSaysWhy: a bulletin regenerated after only a
// policy change (the warning line 80 → 90) is a new version whose 更正说明
// names the rule and its values, not a correction of the data.
func TestBulletinRestatementSaysWhy(t *testing.T) {
	t.Parallel() // each on its own copy of the demo's database
	d := loadDemo(t)
	db := copyDemo(t, d)
	if out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", t.TempDir()); code != 0 {
		t.Fatal(out)
	}
	pol := strings.Replace(string(data.DefaultPolicyCSV()), "use_warning,80,", "use_warning,90,", 1)
	path := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(path, []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := run("bulletin", "--db", db, "--month", "2023-11", "--out", t.TempDir(), "--policy", path)
	if code != 0 || !strings.Contains(out, "第2版") || !strings.Contains(out, "因政策参数 use_warning 由 80 改为 90") || strings.Contains(out, "数据更正") {
		t.Errorf("after a policy change only: exit %d, want version 2 restated for the policy value:\n%s", code, out)
	}
}
