package dashboards

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sgz/metrics"
)

var keepDir = flag.String("keep", "", "browser test: write the page, the self-check page and the screenshot into this folder and keep them")

// chromiumFlags run headless Chromium as root with every network request
// failing: host names do not resolve and the proxy is a closed port.
func chromiumFlags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
		"--user-data-dir=" + profile,
		"--virtual-time-budget=5000",
		// the phone frame reads the self-check result out of its iframe
		"--allow-file-access-from-files",
	}
}

func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args[len(args)-1], err, stderr.String())
	}
	return out
}

type selfCheck struct {
	Echarts  string   `json:"echarts"`
	Features []string `json:"features"`
	Errors   []string `json:"errors"`
	// ScrollWidth is the document's width, InnerWidth the window's.
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Links       []string `json:"links"`
	Charts      []struct {
		ID       string         `json:"id"`
		Instance bool           `json:"instance"`
		Canvas   bool           `json:"canvas"`
		Width    int            `json:"width"`
		Height   int            `json:"height"`
		Painted  int            `json:"painted"`
		Sat      int            `json:"saturated"`
		Probes   map[string]int `json:"probes"`
		Series   []struct {
			Type  string   `json:"type"`
			Map   string   `json:"map"`
			Data  int      `json:"data"`
			Names []string `json:"names"`
		} `json:"series"`
		MissingRegions []string `json:"missingRegions"`
	} `json:"charts"`
}

// siteJSON lets the browser test draw a real site instead of the fixture:
// a metrics.Site as JSON (field names or json tags as in metrics/types.go).
var siteJSON = flag.String("site-json", "", "browser test: build the site from this metrics.Site JSON instead of the fixture (fixture-specific checks are skipped)")

// browserPage is one page of the site as the browser test expects it.
type browserPage struct {
	file   string
	charts []string // chart IDs, in page order
	map_   bool     // loads the 晋中 map
}

var sitePages = []browserPage{
	{OverviewFile, []string{chartMapID, chartCoverageID, chartTrendID, chartStagesID}, true},
	{SystemUseFile, []string{chartUseTrendID, chartUseRatesID}, false},
	{DataQualityFile, nil, false},
	{StagesFile, []string{chartStageTrendID, chartStageFlowID}, false},
	{AssessmentFile, []string{chartAssessmentID}, false},
	{CountiesFile, nil, false},
	{CountyFile("140702"), []string{chartCountyTrendID, chartCountyUseID}, false},
	{CountyFile("140721"), []string{chartCountyTrendID, chartCountyUseID}, false},
}

// TestSiteInBrowser opens every page of the site from file:// in headless
// Chromium with networking off and checks that it reports no error and
// that every chart is drawn; on the overview, that the map shows the
// counties. It also takes a screenshot of each page for a person to look
// at (kept with -keep DIR).
func TestSiteInBrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		skipUnlessRequired(t, "chromium not on PATH")
	}
	site, fixture := fixtureSite(), true
	if *siteJSON != "" {
		b, err := os.ReadFile(*siteJSON)
		if err != nil {
			t.Fatal(err)
		}
		site, fixture = metrics.Site{}, false
		if err := json.Unmarshal(b, &site); err != nil {
			t.Fatalf("%s: %v", *siteJSON, err)
		}
	}
	dir := writeSiteFixture(t, site)
	if *keepDir != "" {
		if err := WriteSite(*keepDir, site); err != nil {
			t.Fatal(err)
		}
		dir, _ = filepath.Abs(*keepDir)
	}
	head := readFile(t, filepath.Join("testdata", "selfcheck_head.js"))
	check := readFile(t, filepath.Join("testdata", "selfcheck.js"))

	for _, p := range sitePages {
		for _, width := range []int{1440, 390} {
			t.Run(fmt.Sprintf("%s@%d", strings.TrimSuffix(p.file, ".html"), width), func(t *testing.T) {
				// two pages at a time: Chromium waits more than it works
				t.Parallel()
				shot := filepath.Join(dir, fmt.Sprintf("%s-%d.png", strings.TrimSuffix(p.file, ".html"), width))
				res := selfCheckPage(t, bin, dir, p.file, head, check, width, shot)
				if !fixture {
					// Real data may leave a panel empty on purpose (阶段数据待计算).
					page := readFile(t, filepath.Join(dir, p.file))
					p.charts = slices.DeleteFunc(slices.Clone(p.charts), func(id string) bool {
						return strings.Contains(page, `<div class="chart-empty" id="`+id+`"`)
					})
				}
				checkCharts(t, p, res, width)
				if p.map_ {
					checkMap(t, res, fixture)
				}
				if res.InnerWidth != width || res.ScrollWidth > res.InnerWidth {
					t.Errorf("page is %d px wide in a %d px window (want %d): something overflows", res.ScrollWidth, res.InnerWidth, width)
				}
				checkLinks(t, dir, res.Links)
				if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
					t.Fatalf("no screenshot: %v", err)
				}
				t.Logf("screenshot: %s", shot)
			})
		}
	}
}

// checkLinks checks that every link of a page to a file of the site (a
// page, a CSV, an anchor's page) leads to a file that exists.
func checkLinks(t *testing.T, dir string, links []string) {
	t.Helper()
	for _, l := range links {
		l, _, _ = strings.Cut(l, "#")
		if l == "" || strings.Contains(l, ":") {
			continue
		}
		if u, err := url.PathUnescape(l); err == nil {
			l = u
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(l))); err != nil {
			t.Errorf("link %q leads nowhere: %v", l, err)
		}
	}
}

// minWindow is the narrowest window headless Chromium lays a page out in
// (a narrower --window-size gives a 500 px layout, cropped).
const minWindow = 500

// phoneFrame writes a page that shows file in an iframe width px wide, as a
// phone would, and copies the frame's self-check result out (for
// --dump-dom, which shows only the outer page); it returns its path.
func phoneFrame(t *testing.T, dir, file string, width int) string {
	t.Helper()
	page := fmt.Sprintf(`<!DOCTYPE html><html><head><meta charset="utf-8">
<style>body{margin:0} iframe{border:0;display:block;width:%dpx;height:3000px}</style></head>
<body><iframe id="frame" src="%s"></iframe>
<script>
(function poll() {
  var d = document.getElementById("frame").contentDocument;
  var pre = d && d.getElementById("selfcheck");
  if (!pre) { setTimeout(poll, 100); return; }
  var out = document.createElement("pre");
  out.id = "selfcheck";
  out.hidden = true;
  out.textContent = pre.textContent;
  document.body.appendChild(out);
})();
</script></body></html>`, width, html.EscapeString(file))
	path := filepath.Join(dir, fmt.Sprintf("phone-%d-%s", width, file))
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// selfCheckPage loads a copy of the page with the self-check scripts
// injected (an error recorder first in <head>, the check last in <body>;
// the published page stays as it is) and returns what the check found; in
// the same run of Chromium it takes a screenshot into shot (the check's
// result is hidden: the page looks as published).
func selfCheckPage(t *testing.T, bin, dir, file, head, check string, width int, shot string) selfCheck {
	t.Helper()
	page := readFile(t, filepath.Join(dir, file))
	const charset = `<meta charset="utf-8">`
	if !strings.Contains(page, charset) || !strings.Contains(page, "</body>") {
		t.Fatalf("%s lacks <meta charset> or </body>", file)
	}
	page = strings.Replace(page, charset, charset+"\n<script>"+head+"</script>", 1)
	page = strings.Replace(page, "</body>", "<script>"+check+"</script>\n</body>", 1)
	// one copy per width: the widths of a page are checked side by side
	copyName := fmt.Sprintf("selfcheck-%d-%s", width, file)
	checkPage := filepath.Join(dir, copyName)
	if err := os.WriteFile(checkPage, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(checkPage)

	target := checkPage
	if width < minWindow {
		target = phoneFrame(t, dir, copyName, width)
		defer os.Remove(target)
	}
	dom := runChromium(t, bin, append(chromiumFlags(t.TempDir()), fmt.Sprintf("--window-size=%d,3000", max(width, minWindow)),
		"--screenshot="+shot, "--dump-dom", "file://"+target)...)
	// The last match: the script's own comment mentions the element too.
	all := regexp.MustCompile(`(?s)<pre id="selfcheck"[^>]*>(\{.*?)</pre>`).FindAllSubmatch(dom, -1)
	if len(all) == 0 {
		t.Fatalf("no self-check result in the dumped DOM (did the page load?):\n%.2000s", dom)
	}
	m := all[len(all)-1]
	var res selfCheck
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &res); err != nil {
		t.Fatalf("self-check JSON: %v\n%s", err, m[1])
	}
	t.Logf("self-check: %.3000s", html.UnescapeString(string(m[1])))
	if len(res.Errors) > 0 {
		t.Errorf("page reported errors:\n%s", strings.Join(res.Errors, "\n"))
	}
	return res
}

// checkCharts checks that the page has exactly the expected charts and
// that each is drawn.
func checkCharts(t *testing.T, p browserPage, res selfCheck, window int) {
	t.Helper()
	if len(p.charts) > 0 && res.Echarts != EchartsVersion {
		t.Errorf("echarts version %q, want %s (assets/echarts.min.js loaded?)", res.Echarts, EchartsVersion)
	}
	var gotIDs []string
	for _, c := range res.Charts {
		gotIDs = append(gotIDs, c.ID)
		if !c.Instance || !c.Canvas {
			t.Errorf("%s: echarts instance %v, canvas %v", c.ID, c.Instance, c.Canvas)
			continue
		}
		// devicePixelRatio 2 doubles the canvas. On a wide window a chart
		// has its own width; on a phone it takes the screen's, less the
		// margins.
		if want := 2 * chartWidth; window >= 1000 && c.Width != want {
			t.Errorf("%s: canvas %d px wide, want %d", c.ID, c.Width, want)
		}
		if window < 1000 && (c.Width > 2*(window-16) || c.Width < window) {
			t.Errorf("%s: canvas %d px wide in a %d px window, want the window's width less its margins", c.ID, c.Width, window)
		}
		// Titles and axes are grey; coloured pixels mean data was drawn
		// (bars, lines, regions). Thousands, not a handful.
		if c.Sat < 5000 {
			t.Errorf("%s: only %d coloured pixels of %d painted; chart looks blank", c.ID, c.Sat, c.Painted)
		}
	}
	if !slices.Equal(gotIDs, p.charts) {
		t.Errorf("charts on the page = %v, want %v", gotIDs, p.charts)
	}
}

// checkMap checks the overview's map: eleven regions, named through
// nameMap; with the fixture, the 未报送 grey and the 100% colour drawn.
func checkMap(t *testing.T, res selfCheck, fixture bool) {
	t.Helper()
	if len(res.Features) != 11 {
		t.Errorf("map 晋中 has %d regions, want 11 (assets/jinzhong.js loaded?): %v", len(res.Features), res.Features)
	}
	for _, c := range res.Charts {
		if c.ID != chartMapID {
			continue
		}
		if len(c.Series) != 1 || c.Series[0].Type != "map" || c.Series[0].Map != MapName {
			t.Fatalf("map chart series = %+v, want one map series of %s", c.Series, MapName)
		}
		// echarts lists every region of the map in the series data, named
		// through nameMap: eleven, with 太谷区 and not 太谷县. Without the
		// alias there would be twelve (太谷区 without a region, and 太谷县).
		names := c.Series[0].Names
		if len(names) != 11 || !slices.Contains(names, "太谷区") || slices.Contains(names, "太谷县") {
			t.Errorf("map data names = %v, want the 11 counties with 太谷区", names)
		}
		if len(c.MissingRegions) > 0 {
			t.Errorf("map data with no region: %v", c.MissingRegions)
		}
		if !fixture {
			continue
		}
		// 榆社县 has no ledger: its region is the 未报送 grey. 太谷区 is at
		// 100%, the target's blue; only its region (and a legend mark) has
		// it, so this fails if 太谷区 does not reach the region named 太谷县.
		// 榆次区 at 87.5% is in the 75%–90% warning colour.
		if c.Probes["unreported"] < 1000 {
			t.Errorf("map: %d pixels of the 未报送 grey, want the 榆社县 region", c.Probes["unreported"])
		}
		if c.Probes["full"] < 1000 {
			t.Errorf("map: %d pixels of the 100%% colour, want the 太谷区 region", c.Probes["full"])
		}
		if c.Probes["short"] < 1000 {
			t.Errorf("map: %d pixels of the 75%%–90%% colour, want the 榆次区 region", c.Probes["short"])
		}
	}
}
