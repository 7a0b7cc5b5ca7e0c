package bulletin

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"sgz/dashboards/sheet"
	"sgz/metrics"
	"sgz/place"
)

//go:embed templates/*.html.tmpl
var templates embed.FS

var (
	page      = template.Must(template.New("bulletin.html.tmpl").Funcs(template.FuncMap{"head": headHTML, "title": titleHTML}).ParseFS(templates, "templates/bulletin.html.tmpl"))
	annexPage = template.Must(template.ParseFS(templates, "templates/annex.html.tmpl"))
)

// headBreaks are where a table header may break into two lines: between
// words, never inside one (按时录/入); a header not listed stays on one
// line (the style sheet forbids other breaks).
var headBreaks = map[string]string{
	"县（市、区）":    "县|（市、区）",
	"基础信息录入及时率": "基础信息|录入及时率",
	"服务记录录入及时率": "服务记录|录入及时率",
	"月度总结按时提交率": "月度总结|按时提交率",
	"系统使用得分":    "系统使用|得分",
	"较上月排名":     "较上月|排名",
	"基础信息应录入":   "基础信息|应录入",
	"基础信息按时录入":  "基础信息|按时录入",
	"服务记录按时录入":  "服务记录|按时录入",
	"月度总结应提交":   "月度总结|应提交",
	"月度总结按时提交":  "月度总结|按时提交",
}

// titleHTML breaks the title where a 公文 title breaks, after 社工站
// (关于2023年11月全市乡镇（街道）社工站 / 信息系统使用情况的通报), not inside
// a word where the line happens to end.
func titleHTML(title string) template.HTML {
	before, after, ok := strings.Cut(title, "社工站")
	if !ok {
		return template.HTML(template.HTMLEscapeString(title))
	}
	return template.HTML(template.HTMLEscapeString(before+"社工站") + "<br>" + template.HTMLEscapeString(after))
}

// headHTML is a table header with its line breaks, escaped.
func headHTML(label string) template.HTML {
	parts := strings.Split(label, "|")
	if b, ok := headBreaks[label]; ok {
		parts = strings.Split(b, "|")
	}
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(strings.Join(parts, "<br>"))
}

// Files are the paths Write wrote: the 通报 itself, as sent to the
// counties, and its annex (附件：数据来源与口径: the rules, the source files
// with their fingerprints, the policy values).
type Files struct {
	HTML, Markdown, XLSX, PDF string // PDF "" when no Chromium
	DOCX                      string // the editable Word version
	Annex, AnnexMarkdown      string
	AnnexPDF                  string // "" when no Chromium
}

// BaseName is the file name of an edition, without extension.
func (e *Edition) BaseName() string {
	return fmt.Sprintf("晋中市社工站系统使用情况通报_%s", e.Month.Format("2006-01"))
}

// Write writes the edition as HTML, Markdown and XLSX into dir, and as PDF
// when Chromium is installed.
//
// Everything is written through package place: into a work folder first,
// then moved into dir file by file. A full disk or an interrupted run
// leaves the files of an earlier run as they were, never half-written; a
// file of the user's under an edition's name (or one edited since sgz
// wrote it) stops the write, named, untouched; a PDF of an earlier run of
// the same edition goes when this run prints none (it would disagree).
func Write(ctx context.Context, e *Edition, dir string) (Files, error) {
	var f Files
	prefix := e.BaseName()
	err := place.Put(dir, place.Options{Prune: func(name string) bool {
		return strings.HasPrefix(name, prefix+".") || strings.HasPrefix(name, prefix+"_")
	}},
		func(work string) error {
			var err error
			f, err = write(ctx, e, work)
			return err
		})
	var itw *place.InTheWay
	if errors.As(err, &itw) {
		return Files{}, fmt.Errorf("不能写出通报：%w", err)
	}
	if err != nil {
		return Files{}, fmt.Errorf("写出通报时出错（%s 中原有文件未改动）：%w", dir, err)
	}
	for _, p := range []*string{&f.HTML, &f.Markdown, &f.XLSX, &f.DOCX, &f.PDF, &f.Annex, &f.AnnexMarkdown, &f.AnnexPDF} {
		if *p != "" {
			*p = filepath.Join(dir, filepath.Base(*p))
		}
	}
	return f, nil
}

// failHook, set by a test, fails the write at a step.
var failHook func(step string) error

func write(ctx context.Context, e *Edition, dir string) (Files, error) {
	base := filepath.Join(dir, e.BaseName())
	annex := base + "_附件_数据来源与口径"
	f := Files{HTML: base + ".html", Markdown: base + ".md", XLSX: base + ".xlsx", DOCX: base + ".docx", Annex: annex + ".html", AnnexMarkdown: annex + ".md"}
	v := newView(e)
	for _, x := range []struct {
		t    *template.Template
		path string
	}{{page, f.HTML}, {annexPage, f.Annex}} {
		var b bytes.Buffer
		if err := x.t.Execute(&b, v); err != nil {
			return f, err
		}
		if err := os.WriteFile(x.path, b.Bytes(), 0o644); err != nil {
			return f, err
		}
	}
	if err := os.WriteFile(f.Markdown, []byte(Markdown(e)), 0o644); err != nil {
		return f, err
	}
	if err := os.WriteFile(f.AnnexMarkdown, []byte(AnnexMarkdown(e)), 0o644); err != nil {
		return f, err
	}
	if failHook != nil {
		if err := failHook("xlsx"); err != nil {
			return f, err
		}
	}
	if err := writeXLSX(e, f.XLSX); err != nil {
		return f, err
	}
	if err := writeDOCX(e, f.DOCX); err != nil {
		return f, err
	}
	if chromium, err := exec.LookPath("chromium"); err == nil {
		f.PDF, f.AnnexPDF = base+".pdf", annex+".pdf"
		for _, x := range [][2]string{{f.HTML, f.PDF}, {f.Annex, f.AnnexPDF}} {
			if err := Printer(ctx, chromium, x[0], x[1]); err != nil {
				return f, err
			}
			if err := stampPDFDates(x[1], e.IssueDate); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

// Printer prints an HTML file to PDF: PrintPDF, with the Chromium found on
// PATH. A test may put in its place one that prints a page it has printed
// before only once (the same bytes print to the same PDF).
var Printer = PrintPDF

// pdfDate matches the creation and modification dates Chromium writes into
// a PDF's information dictionary, e.g. /CreationDate (D:20261127230235+00'00').
var pdfDate = regexp.MustCompile(`/(CreationDate|ModDate) \(D:\d{14}[+-]\d{2}'\d{2}'\)`)

// stampPDFDates sets the PDF's creation and modification dates to the
// edition's issue date, so that printing the same edition again gives the
// same bytes. The new dates have the length of the old ones, so the PDF's
// cross-reference offsets stay right.
func stampPDFDates(path string, issued time.Time) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	stamp := "D:" + issued.Format("20060102") + "000000+08'00'"
	out := pdfDate.ReplaceAllFunc(b, func(m []byte) []byte {
		key := m[:bytes.IndexByte(m, ' ')]
		return fmt.Appendf(nil, "%s (%s)", key, stamp)
	})
	return os.WriteFile(path, out, 0o644)
}

// PrintPDF prints an HTML file to PDF with headless Chromium, offline.
func PrintPDF(ctx context.Context, chromium, html, pdf string) error {
	abs, err := filepath.Abs(html)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "sgz-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir="+profile,
		"--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+filepath.ToSlash(abs))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("printing %s to PDF: %v: %s", filepath.Base(html), err, lastLine(string(out)))
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func dateCN(t time.Time) string { return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day()) }

// text is the edition's prose, shared by the HTML and the Markdown.
type text struct {
	MonthText, AsOfText, IssueText  string
	Rules                           string // the 口径 note
	Overall, Problems, Requirements []string
}

func prose(e *Edition) text {
	t := text{
		MonthText: fmt.Sprintf("%d年%d月", e.Month.Year(), e.Month.Month()),
		AsOfText:  dateCN(e.AsOf),
		IssueText: dateCN(e.IssueDate),
	}
	r := e.rules
	t.Rules = fmt.Sprintf("基础信息以站点挂牌后%d日内（%s前已挂牌的，以%s）为录入期限；服务记录以服务结束后%d日内为录入期限；月度总结以次月%d日为提交期限，遇节假日顺延至假期结束后第%d个工作日；已退回、已撤回的月度总结不视为已提交。数据截至%s，此后录入的记录不计入本期。",
		r.BaseinfoGraceDays, dateCN(r.BaseinfoCutoff), dateCN(r.BaseinfoCutoff), r.ServiceEntryGraceDays, r.SummaryDueDay, r.SummaryExtensionWorkdays, t.AsOfText)
	cov := e.Coverage
	est, op := 0, 0
	if cov.StationsEstablished != nil {
		est = *cov.StationsEstablished
	}
	if cov.StationsOperating != nil {
		op = *cov.StationsOperating
	}
	covText := "—"
	if cov.CoverageRate != nil {
		covText = pct(cov.CoverageRate)
	}
	t.Overall = append(t.Overall, fmt.Sprintf("截至%s，全市已建成乡镇（街道）社工站%d个，占应建%d个的%s；其中正常运营（有驻站社工且近%d日内有服务记录）%d个。",
		t.AsOfText, est, cov.TownshipsInScope, covText, e.rules.OperatingWindowDays, op))
	c := e.City
	t.Overall = append(t.Overall, fmt.Sprintf("%s，全市应录入基础信息的站点%d个，按时录入%d个，及时率%s；当月结束的服务记录%d条，按时录入%d条，及时率%s；应提交月度总结%d份，按时提交%d份、逾期提交%d份、未提交%d份，按时提交率%s。全市系统使用得分%s分。",
		t.MonthText, c.BaseinfoCounted, c.BaseinfoOnTime, pct(c.BaseinfoTimelyRate), c.ServicesCounted, c.ServicesOnTime, pct(c.ServiceTimelyRate),
		c.SummariesOwed, c.SummariesOnTime, c.SummariesLate, c.SummariesMissing, pct(c.SummaryOntimeRate), scoreText(c.SystemUseScore)))
	var top []string
	for _, r := range e.Ranking {
		if r.Rank >= 1 && r.Rank <= 3 {
			top = append(top, fmt.Sprintf("%s（%s分）", r.County, scoreText(r.SystemUseScore)))
		}
	}
	if len(top) > 0 {
		t.Overall = append(t.Overall, "系统使用得分居前的是："+strings.Join(top, "、")+"。")
	}

	warned := e.Warned()
	var below []string
	for _, r := range e.Ranking {
		if r.BelowWarning {
			below = append(below, fmt.Sprintf("%s（%s分）", r.County, scoreText(r.SystemUseScore)))
		}
	}
	switch {
	case len(below) > 0:
		t.Problems = append(t.Problems, fmt.Sprintf("（一）系统使用得分低于%s分的有：%s。", num(e.Warning, 0), strings.Join(below, "、")))
	case len(warned) > 0:
		t.Problems = append(t.Problems, fmt.Sprintf("（一）各县（市、区）系统使用得分均不低于%s分，%s排名末位。", num(e.Warning, 0), strings.Join(warned, "、")))
	}
	var missing []string
	for _, r := range e.Ranking {
		if r.SummariesMissing > 0 {
			missing = append(missing, fmt.Sprintf("%s%d份", r.County, r.SummariesMissing))
		}
	}
	n := len(t.Problems) + 1
	if len(missing) > 0 {
		t.Problems = append(t.Problems, fmt.Sprintf("（%s）截至%s仍未提交%s月度总结的：%s。", cnNum(n), t.AsOfText, t.MonthText, strings.Join(missing, "、")))
		n++
	}
	var diffs []string
	for _, r := range e.Ranking {
		if k := e.Differences[r.County]; k > 0 {
			diffs = append(diffs, fmt.Sprintf("%s%d处", r.County, k))
		}
	}
	if len(diffs) > 0 {
		t.Problems = append(t.Problems, fmt.Sprintf("（%s）县级台账与系统站点信息不一致（台账有而系统无、系统有而台账无或挂牌时间不一致）：%s。", cnNum(n), strings.Join(diffs, "、")))
		n++
	}
	var risks []string
	for _, o := range e.Outlooks {
		switch o.Status {
		case "存在不能按期完成风险", "逾期未完成":
			pace := "近3个月未新建站点"
			if o.PacePerMonth > 0 {
				pace = "近3个月月均新建" + strings.TrimSuffix(num(o.PacePerMonth, 1), ".0") + "个"
			}
			s := fmt.Sprintf("%s已建%d个、应建%d个，%s", o.County, o.Established, o.Target, pace)
			if o.Projected != nil {
				s += "，按此进度预计" + dateCN(*o.Projected) + "完成"
			}
			risks = append(risks, s+"，"+o.Status)
		case "未报送":
			risks = append(risks, o.County+"截至本期未报送县级台账")
		}
	}
	if len(risks) > 0 {
		t.Problems = append(t.Problems, fmt.Sprintf("（%s）全覆盖进度预警：%s。", cnNum(n), strings.Join(risks, "；")))
	}
	if len(t.Problems) == 0 {
		t.Problems = append(t.Problems, "本期未发现需通报的问题。")
	}

	if len(warned) > 0 {
		t.Requirements = append(t.Requirements, fmt.Sprintf("（一）请%s民政局于%s前向市民政局报送书面说明及整改方案。", strings.Join(warned, "、"), dateCN(e.ReplyBy)))
	}
	t.Requirements = append(t.Requirements,
		fmt.Sprintf("（%s）各县（市、区）民政局要督促乡镇（街道）社工站严格按时限在系统中录入站点基础信息和服务记录、提交月度总结，确保数据真实、完整、及时。", cnNum(len(t.Requirements)+1)))
	if len(risks) > 0 || len(diffs) > 0 {
		t.Requirements = append(t.Requirements,
			fmt.Sprintf("（%s）存在全覆盖进度风险或台账与系统信息不一致的县（市、区），要加快建设进度、逐站核对更正，并在下月台账中如实反映。", cnNum(len(t.Requirements)+1)))
	}
	return t
}

func cnNum(n int) string {
	return []string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}[min(n, 10)]
}

type source struct{ FileName, Kind, County, Report, SHA string }

type view struct {
	E *Edition
	text
	Header, CountsHeader []string
	Rows, CountsRows     [][]string
	Sources              []source
	Params               []param
	W                    struct{ Base, Svc, Sum string }
	// Opening and Weights are the opening paragraph and the sentence on the
	// score's weights, the same in every format.
	Opening, Weights string
}

// param is one policy value as the annex states it: its 说明 and value.
type param struct{ Key, About, Value string }

func (v view) IsTotal(i int) bool       { return i == len(v.Rows)-1 }
func (v view) IsCountsTotal(i int) bool { return i == len(v.CountsRows)-1 }

func newView(e *Edition) view {
	v := view{E: e, text: prose(e)}
	v.Header, v.Rows = e.Table()
	v.CountsHeader, v.CountsRows = e.Counts()
	v.Sources = sources(e.Sources)
	for _, p := range e.Policy {
		about := e.PolicyAbout[p[0]]
		if about == "" {
			about = p[0]
		}
		v.Params = append(v.Params, param{Key: p[0], About: about, Value: strings.ReplaceAll(p[1], "|", "、")})
		switch p[0] {
		case "use_weight_baseinfo":
			v.W.Base = p[1]
		case "use_weight_services":
			v.W.Svc = p[1]
		case "use_weight_summaries":
			v.W.Sum = p[1]
		}
	}
	v.Opening = fmt.Sprintf("根据《晋中市民政局关于加快推进全市乡镇（街道）社工站全覆盖的通知》（市民函〔2023〕28号）要求，现将%s全市乡镇（街道）社工站在中国社会工作信息管理系统（以下简称“系统”）中录入站点基础信息、服务记录和提交月度总结的情况通报如下。本期数据截至%s（%s月度总结提交截止日）。", v.MonthText, v.AsOfText, v.MonthText)
	v.Weights = fmt.Sprintf("系统使用得分按基础信息录入及时率×%s、服务记录录入及时率×%s、月度总结按时提交率×%s加权计算（某项无应录入内容的，该项不计，其余权重按比例折算），满分100分。", v.W.Base, v.W.Svc, v.W.Sum)
	return v
}

func sources(ss []metrics.Source) []source {
	var out []source
	for _, s := range ss {
		r := "—"
		if s.ReportDate != nil {
			r = s.ReportDate.Format(time.DateOnly)
		}
		county := s.CountyName
		if county == "" {
			county = "全市"
		}
		out = append(out, source{s.FileName, metrics.KindLabel(s.Kind), county, r, s.SHA256})
	}
	return out
}

// Markdown renders the edition as Markdown with the same tables.
func Markdown(e *Edition) string {
	v := newView(e)
	var b strings.Builder
	if e.DocNumber != "" {
		fmt.Fprintf(&b, "**%s**\n\n%s\n\n---\n\n# %s\n\n（%d年第%d期）\n\n各县（市、区）民政局：\n\n", mdText(e.Header), mdText(e.DocNumber), e.Title(), e.Year, e.No)
	} else {
		fmt.Fprintf(&b, "# %s\n\n%d年第%d期\n\n各县（市、区）民政局：\n\n", e.Title(), e.Year, e.No)
	}
	fmt.Fprintf(&b, "%s\n\n", v.Opening)
	section := func(title string, paras []string) {
		fmt.Fprintf(&b, "## %s\n\n", title)
		for _, p := range paras {
			fmt.Fprintf(&b, "%s\n\n", p)
		}
	}
	table := func(caption string, header []string, rows [][]string) {
		fmt.Fprintf(&b, "**%s**\n\n| %s |\n|%s\n", caption, strings.Join(header, " | "), strings.Repeat(" --- |", len(header)))
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = mdCell(c)
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
		b.WriteString("\n")
	}
	section("一、总体情况", v.Overall)
	section("二、各县（市、区）系统使用情况排名", []string{v.Weights})
	table("表1　"+v.MonthText+"各县（市、区）系统使用情况", v.Header, v.Rows)
	table("表2　计算依据（站点、条、份）", v.CountsHeader, v.CountsRows)
	section("三、存在的问题", v.Problems)
	section("四、工作要求", v.Requirements)
	if e.Restatement != "" {
		fmt.Fprintf(&b, "**更正说明：**%s\n\n", e.Restatement)
	}
	fmt.Fprintf(&b, "附件：数据来源与口径\n\n%s  \n%s\n", mdText(e.Issuer), v.IssueText)
	return b.String()
}

// AnnexMarkdown renders the annex (附件：数据来源与口径) as Markdown.
func AnnexMarkdown(e *Edition) string {
	v := newView(e)
	var b strings.Builder
	fmt.Fprintf(&b, "附件\n\n# 数据来源与口径\n\n《%s》（%d年第%d期，第%d版）\n\n", e.Title(), e.Year, e.No, e.Version)
	fmt.Fprintf(&b, "## 一、计算口径\n\n%s\n\n系统使用得分按基础信息录入及时率×%s、服务记录录入及时率×%s、月度总结按时提交率×%s加权计算（某项无应录入内容的，该项不计，其余权重按比例折算），满分100分。县级台账取截至%s最新填报日期的版本。\n\n",
		v.Rules, v.W.Base, v.W.Svc, v.W.Sum, v.AsOfText)
	fmt.Fprintf(&b, "## 二、数据来源\n\n本期数据来自以下%d个文件；SHA-256 为文件内容的指纹，可据此核对所用文件未被改动。\n\n| 文件 | 类型 | 县（市、区） | 填报日期 | SHA-256 |\n| --- | --- | --- | --- | --- |\n", len(v.Sources))
	for _, s := range v.Sources {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(s.FileName), s.Kind, s.County, s.Report, s.SHA)
	}
	b.WriteString("\n## 三、计算参数\n\n以下参数取自政策参数文件（data/policy.csv 或 --policy 指定的文件）。\n\n| 参数 | 取值 |\n| --- | --- |\n")
	for _, p := range v.Params {
		fmt.Fprintf(&b, "| %s | %s |\n", mdCell(p.About), mdCell(p.Value))
	}
	return b.String()
}

// mdText is a text from outside (the policy's red header, a 文号) on a
// Markdown line: markup characters escaped, HTML's brackets as entities,
// line breaks as spaces, so that it stays the text it is.
func mdText(s string) string {
	return strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "#", "\\#", "[", "\\[", "]", "\\]", "(", "\\(", ")", "\\)",
		"!", "\\!", "~", "\\~", "|", "\\|", "&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", " ", "\n", " ").Replace(s)
}

// mdCell is a value from outside (a file's name, a policy text) in a
// Markdown table cell: escaped as mdText, so that a pipe cannot break the
// row and markup or HTML in a name (<img onerror=…>, [x](javascript:…))
// stays the name it is in any renderer.
func mdCell(s string) string { return mdText(s) }

// writeXLSX writes the bulletin's tables as a workbook a clerk can print
// and reuse: on each sheet a title row (month, edition) above a frozen
// header; numbers as numbers stored at the precision shown (rates as
// percentages, scores with two decimals, the change of rank a number
// shown as ↑3 / ↓2 / 持平 by its number format); empty cells empty; thin
// borders; widths from the content; A4, fitted to the page width, the
// title and header rows repeated on every printed page. Every text cell is
// written as text.
func writeXLSX(e *Edition, path string) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newBookStyles(f)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%d年%d月全市乡镇（街道）社工站信息系统使用情况（%d年第%d期，第%d版）", e.Month.Year(), e.Month.Month(), e.Year, e.No, e.Version)
	header, rows := e.Table()
	if err := f.SetSheetName("Sheet1", "排名"); err != nil {
		return err
	}
	kinds := []cellKind{textCell, textCell, pctCell, pctCell, pctCell, scoreCell, changeCell, textCell}
	if err := writeSheet(f, st, "排名", "表1　"+title, header, rows, kinds); err != nil {
		return err
	}
	ch, cr := e.Counts()
	if _, err := f.NewSheet("计算依据"); err != nil {
		return err
	}
	kinds = []cellKind{textCell}
	for range ch[1:] {
		kinds = append(kinds, countCell)
	}
	if err := writeSheet(f, st, "计算依据", "表2　计算依据（站点、条、份）："+title, ch, cr, kinds); err != nil {
		return err
	}
	if _, err := f.NewSheet("数据来源"); err != nil {
		return err
	}
	var src [][]string
	for _, s := range sources(e.Sources) {
		src = append(src, []string{s.FileName, s.Kind, s.County, s.Report, s.SHA})
	}
	if err := writeSheet(f, st, "数据来源", "数据来源："+title, []string{"文件", "类型", "县（市、区）", "填报日期", "SHA-256"}, src, nil); err != nil {
		return err
	}
	if _, err := f.NewSheet("说明"); err != nil {
		return err
	}
	v := newView(e)
	info := [][]string{
		{"标题", e.Title()}, {"期号", fmt.Sprintf("%d年第%d期（第%d版）", e.Year, e.No, e.Version)},
		{"数据截至", v.AsOfText}, {"印发日期", v.IssueText}, {"发文机关", e.Issuer},
		{"需报送书面说明及整改方案", strings.Join(e.Warned(), "、")}, {"报送期限", dateCN(e.ReplyBy)},
		{"计算口径", v.Rules},
	}
	if e.Restatement != "" {
		info = append(info, []string{"更正说明", e.Restatement})
	}
	for _, p := range v.Params {
		info = append(info, []string{"参数：" + p.About, p.Value})
	}
	if err := writeSheet(f, st, "说明", "说明："+title, []string{"项目", "内容"}, info, nil); err != nil {
		return err
	}
	return sheet.Save(f, path)
}

// cellKind is how a column's displayed values go into a workbook.
type cellKind int

const (
	textCell   cellKind = iota
	pctCell             // "78.8%": the number 0.788, shown 0.0%
	scoreCell           // "83.50": 83.5, shown 0.00
	countCell           // "12": 12
	changeCell          // "↑3", "↓2", "持平": 3, -2, 0 shown so; anything else text
)

// changeFormat shows a change of rank as the bulletin writes it.
const changeFormat = `"↑"0;"↓"0;"持平"`

type bookStyles struct{ title, head, text, wrap, pct, score, count, change int }

func newBookStyles(f *excelize.File) (bookStyles, error) {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var st bookStyles
	var err error
	for _, x := range []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}}},
		{&st.head, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.text, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.wrap, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.pct, excelize.Style{Border: border, CustomNumFmt: ptr("0.0%")}},
		{&st.score, excelize.Style{Border: border, CustomNumFmt: ptr("0.00")}},
		{&st.count, excelize.Style{Border: border, NumFmt: 1}},
		{&st.change, excelize.Style{Border: border, CustomNumFmt: ptr(changeFormat), Alignment: &excelize.Alignment{Horizontal: "center"}}},
	} {
		if *x.dst, err = f.NewStyle(&x.s); err != nil {
			return st, err
		}
	}
	// Excel's quote prefix on text cells: a file's name that starts with
	// =, +, - or @ stays text even when someone edits the cell.
	for _, id := range []int{st.text, st.wrap} {
		f.Styles.CellXfs.Xf[id].QuotePrefix = ptr(true)
	}
	return st, nil
}

// writeSheet writes a title row, a header and rows, each column as its
// kind says (kinds nil: all text), and sets widths, panes and printing.
func writeSheet(f *excelize.File, st bookStyles, name, title string, header []string, rows [][]string, kinds []cellKind) error {
	kind := func(j int) cellKind {
		if j < len(kinds) {
			return kinds[j]
		}
		return textCell
	}
	last, _ := excelize.ColumnNumberToName(len(header))
	if err := f.SetCellStr(name, "A1", title); err != nil {
		return err
	}
	_ = f.MergeCell(name, "A1", last+"1")
	_ = f.SetCellStyle(name, "A1", last+"1", st.title)
	_ = f.SetRowHeight(name, 1, 24)
	widths := make([]int, len(header))
	for j, h := range header {
		ref, _ := excelize.CoordinatesToCellName(j+1, 2)
		if err := f.SetCellStr(name, ref, h); err != nil {
			return err
		}
		widths[j] = sheet.Width(h)
	}
	_ = f.SetCellStyle(name, "A2", last+"2", st.head)
	for i, r := range rows {
		for j := range header {
			c := ""
			if j < len(r) {
				c = r[j]
			}
			ref, _ := excelize.CoordinatesToCellName(j+1, i+3)
			style, err := setCell(f, st, name, ref, c, kind(j))
			if err != nil {
				return err
			}
			_ = f.SetCellStyle(name, ref, ref, style)
			widths[j] = max(widths[j], sheet.Width(c))
		}
	}
	for j, w := range widths {
		col, _ := excelize.ColumnNumberToName(j + 1)
		// a long text (口径, a file's SHA-256) wraps in a column of 60
		_ = f.SetColWidth(name, col, col, float64(min(w, 60))+2)
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return sheet.PrintSetup(f, name, false, 2)
}

// setCell writes one displayed value as its kind and returns its style.
func setCell(f *excelize.File, st bookStyles, name, ref, c string, k cellKind) (int, error) {
	if c == "" || c == "—" && k != textCell {
		return st.text, nil // empty stays empty (— is no value)
	}
	switch k {
	case pctCell:
		if v, ok := decimalOf(strings.TrimSuffix(c, "%"), 2); ok && strings.HasSuffix(c, "%") {
			return st.pct, f.SetCellValue(name, ref, v)
		}
	case scoreCell, countCell:
		if v, ok := decimalOf(c, 0); ok {
			if k == countCell {
				return st.count, f.SetCellValue(name, ref, v)
			}
			return st.score, f.SetCellValue(name, ref, v)
		}
	case changeCell:
		if v, ok := rankChange(c); ok {
			return st.change, f.SetCellValue(name, ref, v)
		}
	}
	style := st.text
	if sheet.Width(c) > 60 {
		style = st.wrap
	}
	return style, f.SetCellStr(name, ref, c)
}

// decimalOf reads a displayed decimal ("78.8", "83.50", "12") and moves
// its point shift places left, through the decimal text, so that the
// stored number is the one shown (0.788, not 0.7879999999999999).
func decimalOf(s string, shift int) (float64, bool) {
	if !isNumeric(s) {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	for ; shift > 0; shift-- {
		if whole == "" {
			whole = "0"
		}
		frac = whole[len(whole)-1:] + frac
		whole = whole[:len(whole)-1]
	}
	text := whole
	if text == "" {
		text = "0"
	}
	if frac != "" {
		text += "." + frac
	}
	v, err := strconv.ParseFloat(text, 64)
	if neg {
		v = -v
	}
	return v, err == nil
}

// rankChange reads "↑3", "↓2", "持平" as 3, -2, 0.
func rankChange(s string) (int, bool) {
	switch {
	case s == "持平":
		return 0, true
	case strings.HasPrefix(s, "↑"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "↑"))
		return n, err == nil
	case strings.HasPrefix(s, "↓"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "↓"))
		return -n, err == nil
	}
	return 0, false
}

// isNumeric says whether s is a plain decimal ("-12.5", "83.50"): digits,
// at most one point, a leading minus; "-" or "." alone are not numbers.
func isNumeric(s string) bool {
	digits, points := 0, 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			points++
		case r == '-' && i == 0:
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

func ptr[T any](v T) *T { return &v }
