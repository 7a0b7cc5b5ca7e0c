package dashboards

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sgz/metrics"
	"sgz/place"
)

// Files of the site besides the overview's, relative to the site folder.
const (
	OutlookFile      = "coverage-outlook.csv"
	SystemUseFile    = "system-use.html"
	UseScoresFile    = "system-use.csv"
	UseRankingFile   = "system-use-ranking.csv"
	DataQualityFile  = "data-quality.html"
	LedgersFile      = "data-quality-ledgers.csv"
	DifferencesFile  = "data-quality-differences.csv"
	LoadedFilesFile  = "data-quality-files.csv"
	echartsScript    = assetsDir + "/" + echartsAsset
	jinzhongScript   = assetsDir + "/" + jinzhongAsset
	rejectsReportCmd = "sgz report rejects"
)

//go:embed templates/*.html.tmpl
var templateFS embed.FS

// pageTemplate parses the shared layout (head, styles, navigation, sources,
// tables, chart containers, drawing script) and one page's "content".
func pageTemplate(file string) *template.Template {
	t := template.Must(template.New("layout.html.tmpl").ParseFS(templateFS, "templates/layout.html.tmpl"))
	return template.Must(t.ParseFS(templateFS, "templates/"+file))
}

var (
	overviewTmpl    = pageTemplate("overview.html.tmpl")
	systemUseTmpl   = pageTemplate("system-use.html.tmpl")
	dataQualityTmpl = pageTemplate("data-quality.html.tmpl")
)

// WriteSite writes the dashboard site for s into dir:
//
//	index.html           总览 (KPI cards, map, charts, 全覆盖进度预警, county table)
//	system-use.html      系统使用 (ranking, score trend, rates, month × county scores)
//	data-quality.html    数据质量 (ledgers per county, ledger/system differences,
//	                     reject reasons, loaded files)
//	areas.html, area-*.html  at a scope wider than the city: the province
//	                     or the country and each area below it (system view)
//	*.csv                one per table a leader may want as a list (UTF-8 with BOM)
//	assets/              the scripts the pages load
//
// dir is created if needed; existing files of the same names are replaced.
// Nothing is written when a page cannot be built. s.Counties must contain
// the city total row (CountyCode == metrics.CityCode).
func WriteSite(dir string, s metrics.Site) error {
	nav := areasNav(s)
	var files []siteFile
	for _, build := range []func(metrics.Site, []navLink) ([]siteFile, error){
		buildOverviewFiles, buildStagesFiles, buildSystemUseFiles, buildAssessmentFiles, buildDataQualityFiles, buildCountyFiles,
		buildAreaFiles,
	} {
		f, err := build(s, nav)
		if err != nil {
			return err
		}
		files = append(files, f...)
	}
	return writeSiteFiles(dir, files, true)
}

// WriteOverview writes the 总览 overview page for s alone into dir:
// index.html (without the navigation to the other pages and without the
// coverage outlook, which a Snapshot lacks), indicators.csv and the assets.
// WriteSite writes the whole site.
func WriteOverview(dir string, s metrics.Snapshot) error {
	files, err := buildOverviewFiles(metrics.Site{Snapshot: s}, nil)
	if err != nil {
		return err
	}
	return writeSiteFiles(dir, files, false)
}

// siteFile is one generated file, relative to the site folder.
type siteFile struct {
	name string
	data []byte
}

// writeSiteFiles writes the site into dir through package place: whole
// into a work folder beside dir first (a full disk or a read-only folder
// fails before anything of the previous site changes), then each of the
// site's entries (its pages, CSVs, assets/, bulletins/) moved into dir,
// replacing the previous site's. Nothing else in dir is touched: not its
// other files, not its permissions, not a link that dir is; an entry of
// the user's under a name the site needs (their own assets/ or
// index.html) stops the build, named, and stays as it is.
//
// When whole (WriteSite), the entries of the previous site that this one
// no longer has go too (the province's pages after the scope was narrowed
// to the city): those sgz wrote there and that are as it wrote them, and
// that are names its site can have (ownName).
func writeSiteFiles(dir string, files []siteFile, whole bool) error {
	opts := place.Options{WorkBeside: true}
	if whole {
		opts.Prune = ownName
	}
	err := place.Put(dir, opts, func(work string) error {
		// Assets first: they fail when the binary was built without them.
		if err := WriteAssets(work); err != nil {
			return err
		}
		for _, f := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(work, f.name)), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(work, f.name), f.data, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	var itw *place.InTheWay
	if errors.As(err, &itw) {
		return fmt.Errorf("不能写出看板（%s 中原有内容未改动）：%w", dir, err)
	}
	if err != nil {
		return fmt.Errorf("写出看板时出错（%s 中原有的看板未改动）：%w", dir, err)
	}
	return nil
}

// ownName says whether name is one of the entries sgz's site can have:
// its fixed pages and CSVs, assets/ and bulletins/, and the pages and
// CSVs of a county or area (digits only), spelt exactly so.
func ownName(name string) bool {
	return slices.Contains(ownNames, name) || ownPattern.MatchString(name)
}

var (
	ownNames = []string{OverviewFile, IndicatorsFile, OutlookFile, SystemUseFile, UseScoresFile, UseRankingFile,
		DataQualityFile, LedgersFile, DifferencesFile, LoadedFilesFile, RejectsFile, ChecksFile,
		AssessmentFile, AssessmentCSV, AssessmentLossesCSV, StagesFile, StageCountiesFile, StageHistoryFile, StageTransitionsFile,
		CountiesFile, CountiesCSV, AreasFile, AreasCSVFile, assetsDir, EditionsDir}
	ownPattern = regexp.MustCompile(`^(area-[0-9]{6}\.html|county-[0-9]{6}\.html|county-[0-9]{6}-townships\.csv)$`)
)

// csvTable is a page's CSV download: its file name and records.
type csvTable struct {
	name    string
	records [][]string
}

// pageFiles renders a page and its CSV downloads (each with the as-of
// date in a last column).
func pageFiles(t *template.Template, name string, data any, asOf time.Time, tables []csvTable) ([]siteFile, error) {
	page, err := renderPage(t, name, data)
	if err != nil {
		return nil, err
	}
	files := []siteFile{page}
	for _, c := range tables {
		csv, err := csvFile(c.name, withAsOf(c.records, asOf))
		if err != nil {
			return nil, err
		}
		files = append(files, csv)
	}
	return files, nil
}

// renderPage executes a page template into a site file.
func renderPage(t *template.Template, name string, data any) (siteFile, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return siteFile{}, fmt.Errorf("dashboards: rendering %s: %w", name, err)
	}
	return siteFile{name: name, data: buf.Bytes()}, nil
}

// csvFile writes records as CSV: UTF-8 with a byte order mark so that Excel
// reads the Chinese, and CRLF line ends.
func csvFile(name string, records [][]string) (siteFile, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	safe := make([][]string, len(records))
	for i, r := range records {
		safe[i] = make([]string, len(r))
		for j, v := range r {
			safe[i][j] = SpreadsheetSafe(v)
		}
	}
	if err := w.WriteAll(safe); err != nil {
		return siteFile{}, fmt.Errorf("dashboards: writing %s: %w", name, err)
	}
	return siteFile{name: name, data: buf.Bytes()}, nil
}

// SpreadsheetSafe keeps a spreadsheet from reading a text as a formula: a
// value from an input that starts with =, +, -, @ (or a tab or carriage
// return) and is not a plain number gets a leading apostrophe, which
// Excel and WPS show as text.
func SpreadsheetSafe(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return v
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v
	}
	return "'" + v
}

// --- what every page shares ---

// beijing is China Standard Time (UTC+8, no daylight saving), the time
// readers of the site go by; fixed so that no time zone database is needed.
var beijing = time.FixedZone("CST", 8*60*60)

// navLink is one entry of the navigation bar. Links are relative so the
// site works from file://.
type navLink struct {
	Href, Label string
	Current     bool
}

func siteNav() []navLink {
	return []navLink{
		{Href: OverviewFile, Label: "总览"},
		{Href: StagesFile, Label: "阶段"},
		{Href: SystemUseFile, Label: "系统使用"},
		{Href: AssessmentFile, Label: "考核"},
		{Href: DataQualityFile, Label: "数据质量"},
		{Href: CountiesFile, Label: "各县"},
	}
}

// pageMeta is what the layout reads: title, as-of date, navigation,
// sources and the charts to draw.
type pageMeta struct {
	Title   string
	AsOf    string // 2023年12月31日
	AsOfISO string
	// Nav is nil when the page is written alone (WriteOverview).
	Nav []navLink
	// Sources are the files the figures were computed from; SourcesNote
	// says how this page uses them.
	Sources     []sourceRow
	SourcesNote string
	// SourcesCount, when set, is how many files the page's figures come
	// from, the list left to the data-quality page (the area pages).
	SourcesCount int
	Scripts      []string
	// Charts are drawn by the layout's script, in this order.
	Charts []chartBlock
	// Definitions are the page's footnotes.
	Definitions []string
	// Generated is when the site was written ("" when unknown);
	// FailedChecks are the data checks that failed (sgz dashboard
	// --allow-failed-checks), which every page names.
	Generated    string
	FailedChecks []string
	// MapLabelPoints, when set, moves the map's region labels (see
	// mapLabelPoints) before the charts are drawn.
	MapLabelPoints template.JS
	MapName        string
}

type sourceRow struct {
	FileName, Kind, County, ReportDate, SHA256 string
}

func newPageMeta(s metrics.Site, title, file string, nav []navLink) pageMeta {
	m := pageMeta{Title: title, AsOf: dateCN(s.AsOf), AsOfISO: dateISO(s.AsOf)}
	if !s.Generated.IsZero() {
		m.Generated = s.Generated.In(beijing).Format("2006年1月2日 15:04") + "（北京时间）"
	}
	for _, c := range s.Checks {
		if !c.Passed() {
			m.FailedChecks = append(m.FailedChecks, c.Title)
		}
	}
	for _, l := range nav {
		l.Current = l.Href == file
		m.Nav = append(m.Nav, l)
	}
	for _, src := range s.Sources {
		r := sourceRow{FileName: src.FileName, Kind: fileClassCN(src.Kind), County: src.CountyName,
			ReportDate: dateISOOr(src.ReportDate), SHA256: src.SHA256}
		if len(r.SHA256) > 12 {
			r.SHA256 = r.SHA256[:12]
		}
		m.Sources = append(m.Sources, r)
	}
	return m
}

// dataTable is one table of a page: the layout renders it (with a CSV link
// when CSV is set) and it works without JavaScript.
type dataTable struct {
	ID, Title, Note string
	// CSV is the file name of the table's download; CSVLabel the link text.
	CSV, CSVLabel string
	Class         string
	Columns       []string
	Rows, Foot    []viewRow
	// Empty replaces the table when there are no rows.
	Empty string
	// After are notes printed under the table.
	After []string
}

// viewRow is one table row; Class marks rows such as "unreported" or "risk".
type viewRow struct {
	Class string
	Cells []cell
}

// cell is one table cell. Head cells are row headers (the county). Sub is
// a second, smaller line (e.g. the counts behind a rate). Badge and Strong
// mark a cell without relying on colour.
type cell struct {
	Text, Sub, Title    string
	Href                string // a link to another page of the site
	Head, Num           bool
	Badge, Strong, Wrap bool
}

func headCell(text string) cell { return cell{Text: text, Head: true} }
func numCell(text string) cell  { return cell{Text: text, Num: true} }
func textCell(text string) cell { return cell{Text: text} }

// splitCity separates the city total row (metrics.CityCode) from the
// county rows and returns the counties in code order. It fails when there
// is no city row or more than one.
func splitCity[T any](rows []T, code func(T) string) (counties []T, city T, err error) {
	found := 0
	for _, r := range rows {
		if code(r) == metrics.CityCode {
			city = r
			found++
			continue
		}
		counties = append(counties, r)
	}
	switch found {
	case 0:
		return nil, city, fmt.Errorf("dashboards: no city total row (county_code %s)", metrics.CityCode)
	case 1:
	default:
		return nil, city, fmt.Errorf("dashboards: two city total rows (%s)", metrics.CityCode)
	}
	slices.SortStableFunc(counties, func(a, b T) int { return strings.Compare(code(a), code(b)) })
	return counties, city, nil
}

func indicatorCode(c metrics.CountyIndicators) string  { return c.CountyCode }
func timelinessCode(c metrics.CountyTimeliness) string { return c.CountyCode }
