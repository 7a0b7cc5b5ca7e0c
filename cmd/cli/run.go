package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sgz/dashboards"
	"sgz/data"
	"sgz/gen"
	"sgz/ingest"
	"sgz/metrics"
	"sgz/place"
	"sgz/transform"
)

func runGen(e *env, args []string) int {
	fs := e.flags("gen")
	scale := fs.String("scale", "city", "规模：city（晋中市，11 个县级单位）、province（山西省，约 1,400 个乡级单位）或 national（全国，约 41,000 个乡级单位，一年约 5,000 万条服务记录）")
	seed := fs.Uint64("seed", 1, "随机种子；同一种子生成相同文件")
	out := fs.String("out", "", "输出文件夹")
	clean := fs.Bool("clean", false, "按模板规范写出每个文件（不模拟各县填报习惯和导出格式变化；仅 city）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "sgz gen: 须给出 --out 文件夹")
		return ExitError
	}
	scope := map[string]string{"city": data.CityScope, "province": data.ProvinceScope, "national": data.NationalScope}[*scale]
	if scope == "" {
		fmt.Fprintf(e.stderr, "sgz gen: --scale %q：可选 city、province 或 national\n", *scale)
		return ExitError
	}
	ref, err := data.LoadScope(scope)
	if err != nil {
		return e.fail(err)
	}
	if scope == data.CityScope {
		// through package place: the earlier inputs of sgz gen in --out are
		// replaced, anything else of the user's there stops it
		var w *gen.World
		var manifest []gen.Expected
		err := place.Put(*out, place.Options{WorkBeside: true, Prune: func(string) bool { return true }}, func(work string) error {
			var err error
			w, manifest, err = gen.Generate(ref, *seed, work, gen.Options{Clean: *clean})
			return err
		})
		if err != nil {
			return e.fail(err)
		}
		fmt.Fprintf(e.stdout, "已写出 %d 个文件（县级台账 %d 个；系统导出：站点 %d 个、服务记录 %d 条、月度总结 %d 份）及 truth.json、manifest.json，位于 %s\n",
			len(manifest), len(w.Ledgers), len(w.Stations), len(w.Services), len(w.Summaries), *out)
		return ExitOK
	}
	if *clean {
		fmt.Fprintln(e.stderr, "sgz gen: --clean 只用于 --scale city（全省、全国的系统导出本来就按导出格式写出）")
		return ExitError
	}
	return genScale(e, ref, *seed, *out)
}

// genScale writes the inputs of a province or the country (gen.GenerateScale),
// the truth of its areas (scale_truth.json) and the policy file to load
// them with (policy.csv: the defaults with its scope).
func genScale(e *env, ref *data.Reference, seed uint64, out string) int {
	pol, err := data.LoadPolicy("")
	if err != nil {
		return e.fail(err)
	}
	cal := data.NewCalendar(ref.Holidays)
	due := func(m time.Time) time.Time {
		d, err := cal.SummaryDeadline(m, pol.SummaryDueDay, pol.SummaryExtensionWorkdays)
		if err != nil {
			panic(err) // 2023 is in the calendar
		}
		return d
	}
	start := time.Now()
	var res *gen.ScaleResult
	err = place.Put(out, place.Options{WorkBeside: true, Prune: func(string) bool { return true }}, func(work string) error {
		var err error
		if res, err = gen.GenerateScale(ref, seed, work, due); err != nil {
			return err
		}
		if err := writeJSONFile(filepath.Join(work, "scale_truth.json"), res.Truth); err != nil {
			return err
		}
		var b strings.Builder
		for _, line := range strings.Split(string(data.DefaultPolicyCSV()), "\n") {
			if strings.HasPrefix(line, "scope,") {
				k, rest, _ := strings.Cut(line, ",")
				_, about, _ := strings.Cut(rest, ",")
				line = k + "," + ref.Scope + "," + about
			}
			b.WriteString(line + "\n")
		}
		return os.WriteFile(filepath.Join(work, "policy.csv"), []byte(strings.TrimSuffix(b.String(), "\n")), 0o644)
	})
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "已写出 %s（%s）：晋中市的台账和系统导出（站点 %d 个、服务记录 %d 条），其余乡镇的系统导出 %d 个文件（站点 %d 个、服务记录 %d 条、月度总结 %d 份），用时 %s；\n"+
		"载入：sgz ingest %s %s --policy %s（policy.csv 的 scope 为 %s），各区域真值见 scale_truth.json\n",
		out, ref.Scope, res.CityStations, res.CityServices, len(res.Files), res.Stations, res.Services, res.Summaries,
		time.Since(start).Round(time.Second), filepath.Join(out, "ledgers"), filepath.Join(out, "system"), filepath.Join(out, "policy.csv"), ref.Scope)
	return ExitOK
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func runDashboard(e *env, args []string) int {
	fs := e.flags("dashboard")
	so := storeFlags(fs)
	asOf := asOfOption(fs)
	out := fs.String("out", "", "看板网站的输出文件夹")
	allowFailed := fs.Bool("allow-failed-checks", false, "数据检查未通过时仍生成看板（每页标注警告）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "sgz dashboard: 须给出 --out 文件夹")
		return ExitError
	}
	so.readOnly = true // the site is written from what the database holds
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	d, err := asOfFlag(e, st, *asOf)
	if err != nil {
		return e.fail(err)
	}
	index, err := writeDashboard(e, st, d, *out, *allowFailed)
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "看板（截至 %s）: %s\n", d.Format(time.DateOnly), index)
	return ExitOK
}

// writeDashboard builds the site as of asOf after the data checks; a
// failed check stops it unless allowFailed, when every page says so.
func writeDashboard(e *env, st *store, asOf time.Time, out string, allowFailed bool) (string, error) {
	show, done := terminalParts(e, "看板")
	var failed []string
	gate := func(checks []transform.DataTest) error {
		for _, c := range checks {
			if !c.Passed() {
				// the offending rows, with any ID or phone number in them
				// masked (a failed personal-data check would otherwise print one)
				failed = append(failed, fmt.Sprintf("  %s（%s）：%s", c.Title, c.Name, ingest.ScrubText(strings.Join(c.Rows, "；"))))
			}
		}
		if len(failed) > 0 && !allowFailed {
			return fmt.Errorf("数据检查未通过，看板未生成（确需生成请加 --allow-failed-checks，各页将标注警告）：\n%s", strings.Join(failed, "\n"))
		}
		return nil
	}
	site, err := metrics.TakeSiteChecked(e.ctx, st.db, asOf, st.policy, show, gate)
	done()
	if err != nil {
		return "", err
	}
	site.Generated = time.Now()
	if len(failed) > 0 {
		fmt.Fprintf(e.stderr, "sgz: 警告：数据检查未通过，看板各页已标注：\n%s\n", strings.Join(failed, "\n"))
	}
	if err := dashboards.WriteSite(out, site); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(filepath.Join(out, "index.html"))
	if err != nil {
		return "", err
	}
	return abs, nil
}

// demoAsOf is the date the demo shows: the end of the notice's target year.
var demoAsOf = time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)

func runDemo(e *env, args []string) int {
	fs := e.flags("demo")
	policy := fs.String("policy", os.Getenv("SGZ_POLICY"), "政策参数文件；默认用内置的")
	out := fs.String("out", "demo", "存放输入数据、数据库和看板的文件夹")
	seed := fs.Uint64("seed", 1, "示例数据的随机种子")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if err := dashboards.CheckAssets(); err != nil {
		return e.fail(err)
	}
	inputs := filepath.Join(*out, "inputs")
	dbPath := filepath.Join(*out, "sgz.duckdb")
	// A fresh database and fresh inputs every time: the demo's earlier
	// database and key go (the demo recorded them when it made them: a
	// database of the user's of that name stops it), the inputs, site,
	// bulletin and workbook are replaced as outputs are.
	if err := place.Remove(*out, filepath.Base(dbPath), filepath.Base(dbPath)+".wal", filepath.Base(ingest.KeyPath(dbPath))); err != nil {
		return e.fail(err)
	}
	if code := runGen(e, []string{"--seed", strconv.FormatUint(*seed, 10), "--out", inputs}); code != ExitOK {
		return code
	}
	st, err := openStore(e, storeOpts{db: dbPath, policy: *policy})
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	ld, err := st.loader(e.ctx, e)
	if err != nil {
		return e.fail(err)
	}
	paths, err := ingest.Expand([]string{filepath.Join(inputs, "ledgers"), filepath.Join(inputs, "system")})
	if err != nil {
		return e.fail(err)
	}
	results, err := ld.Load(e.ctx, paths)
	printResults(e, results, true)
	if err != nil {
		return e.fail(err)
	}
	// The latest bulletin first (the last month whose summary deadline has
	// passed), so that the site links it.
	files, ed, err := writeBulletin(e, st, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC), filepath.Join(*out, "bulletin"), "")
	if err != nil {
		return e.fail(err)
	}
	index, err := writeDashboard(e, st, demoAsOf, filepath.Join(*out, "site"), false)
	if err != nil {
		return e.fail(err)
	}
	a, err := metrics.Assess(e.ctx, st.db, st.policy, demoAsOf.Year(), demoAsOf)
	if err != nil {
		return e.fail(err)
	}
	book := filepath.Join(*out, demoAssessment)
	if err := writeAssessment(e, st, a, book); err != nil {
		return e.fail(err)
	}
	if err := st.Close(); err != nil {
		return e.fail(err)
	}
	if err := place.Adopt(*out, filepath.Base(dbPath), filepath.Base(dbPath)+".wal", filepath.Base(ingest.KeyPath(dbPath))); err != nil {
		return e.fail(err)
	}
	abs, _ := filepath.Abs(files.HTML)
	bookAbs, _ := filepath.Abs(book)
	fmt.Fprintf(e.stdout, "\n数据库: %s\n指标:   %s report indicators --db %s --as-of 2023-12-31\n通报:   file://%s（%d年第%d期）\n考核:   %s\n总览:   file://%s\n",
		dbPath, selfCommand(), dbPath, abs, ed.Year, ed.No, bookAbs, index)
	return ExitOK
}

// demoAssessment is the assessment workbook sgz demo writes into its folder.
const demoAssessment = "考核_2023.xlsx"

// selfCommand is how the user can run this sgz again from the current
// folder: "sgz" when that is on PATH, else the path of this binary
// (./bin/sgz after make demo), relative when it is below the folder.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil || filepath.Base(exe) != "sgz" {
		return "sgz"
	}
	if p, err := exec.LookPath("sgz"); err == nil {
		if a, err := filepath.Abs(p); err == nil && sameFile(a, exe) {
			return "sgz"
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, exe); err == nil && !strings.HasPrefix(rel, "..") {
			return "./" + filepath.ToSlash(rel)
		}
	}
	return exe
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
