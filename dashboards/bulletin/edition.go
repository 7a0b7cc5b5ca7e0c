// Package bulletin writes the monthly bulletin (通报) on system use
// (spec/outputs.md): a formal notice with the month's figures as of the
// month's summary deadline, a ranking of counties, the counties required to
// submit 书面说明及整改方案, and its sources; as printable HTML, Markdown,
// XLSX and (where Chromium is installed) PDF, with the same numbers in
// each.
//
// In: the database (through metrics) and the policy. Out: an Edition, its
// files, and a record of each distinct version in the database, so that a
// regenerated bulletin whose figures changed says so (a restatement).
package bulletin

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sgz/data"
	"sgz/metrics"
)

// Edition is one month's bulletin.
type Edition struct {
	Month     time.Time // first day of the month reported on
	Year, No  int       // 2023年第6期
	AsOf      time.Time // the month's summary deadline: figures as known then
	IssueDate time.Time
	ReplyBy   time.Time // warned counties' 书面说明及整改方案 due
	Issuer    string
	Warning   float64
	// DocNumber (文号, e.g. 市民函〔2023〕45号), when given, puts the red
	// header Header (版头, from the policy) and the number above the title;
	// without it the edition line (2023年第6期) stands there.
	DocNumber, Header string

	Ranking  []Row
	City     metrics.CountyTimeliness
	Coverage metrics.CountyIndicators // the city row as of AsOf
	Outlooks []metrics.Outlook        // counties not yet fully covered
	// Differences between ledgers and the system, per county name.
	Differences map[string]int
	Sources     []metrics.Source
	Policy      [][2]string
	PolicyAbout map[string]string // each policy key's 说明

	Version     int    // 1 for the first edition of the month, then 2, 3… when figures change
	Restatement string // what changed since the previous version, or ""

	rules data.Policy // the deadlines and windows the text states
}

// Row is one county of the ranking table.
type Row struct {
	metrics.Ranked
	PrevRank int // rank in the previous month's bulletin, 0 when none
}

// Warned names the counties required to submit a written explanation.
func (e *Edition) Warned() []string {
	var out []string
	for _, r := range e.Ranking {
		if r.Warned {
			out = append(out, r.County)
		}
	}
	return out
}

// Title is the bulletin's title (outputs.md).
func (e *Edition) Title() string {
	return fmt.Sprintf("关于%d年%d月全市乡镇（街道）社工站信息系统使用情况的通报", e.Month.Year(), e.Month.Month())
}

// Build computes the bulletin for month from the database.
func Build(ctx context.Context, db *sql.DB, month time.Time, pol data.Policy, cal *data.Calendar) (*Edition, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	first := pol.BulletinFirstMonth
	no, err := editionNumber(month, first)
	if err != nil {
		return nil, err
	}
	e := &Edition{Month: month, Year: month.Year(), No: no, Issuer: pol.BulletinIssuer, Header: pol.BulletinHeader, Warning: pol.UseWarning, rules: pol}
	if e.AsOf, err = metrics.SummaryDeadline(ctx, db, month); err != nil {
		return nil, err
	}
	latest, err := metrics.LatestDate(ctx, db)
	if err != nil {
		return nil, err
	}
	if e.AsOf.After(latest) {
		return nil, fmt.Errorf("%s的通报按月度总结截止日 %s 计算，但已载入的数据只到 %s：请先载入截至该日的台账和系统导出",
			month.Format("2006年1月"), e.AsOf.Format(time.DateOnly), latest.Format(time.DateOnly))
	}
	if e.IssueDate, err = addWorkdays(cal, e.AsOf, pol.BulletinIssueWorkdays); err != nil {
		return nil, err
	}
	if e.ReplyBy, err = addWorkdays(cal, e.IssueDate, pol.BulletinReplyWorkdays); err != nil {
		return nil, err
	}
	rows, err := metrics.Timeliness(ctx, db, month, e.AsOf)
	if err != nil {
		return nil, err
	}
	e.City = rows[len(rows)-1]
	prev := map[string]int{}
	if pm := month.AddDate(0, -1, 0); !pm.Before(first) {
		if pdue, err := metrics.SummaryDeadline(ctx, db, pm); err == nil {
			prows, err := metrics.Timeliness(ctx, db, pm, pdue)
			if err != nil {
				return nil, err
			}
			for _, r := range metrics.Rank(prows, pol.UseWarning) {
				prev[r.CountyCode] = r.Rank
			}
		}
	}
	for _, r := range metrics.Rank(rows, pol.UseWarning) {
		e.Ranking = append(e.Ranking, Row{Ranked: r, PrevRank: prev[r.CountyCode]})
	}
	ind, err := metrics.Indicators(ctx, db, e.AsOf)
	if err != nil {
		return nil, err
	}
	e.Coverage = ind[len(ind)-1]
	outs, err := metrics.Outlooks(ctx, db, ind, e.AsOf, pol)
	if err != nil {
		return nil, err
	}
	for _, o := range outs {
		if o.Status != "已完成" {
			e.Outlooks = append(e.Outlooks, o)
		}
	}
	diffs, err := metrics.Differences(ctx, db, e.AsOf)
	if err != nil {
		return nil, err
	}
	e.Differences = map[string]int{}
	for _, d := range diffs {
		e.Differences[d.County]++
	}
	if e.Sources, err = metrics.Sources(ctx, db, e.AsOf); err != nil {
		return nil, err
	}
	e.Policy, e.PolicyAbout = pol.Entries, pol.About
	return e, nil
}

// editionNumber is the 期号 of month's bulletin: counted from the first
// bulletin month in its year, then from January in later years.
func editionNumber(month, first time.Time) (int, error) {
	if month.Before(first) {
		return 0, fmt.Errorf("通报自 %s 起编期（policy bulletin_first_month），%s 没有通报", first.Format("2006-01"), month.Format("2006-01"))
	}
	if month.Year() == first.Year() {
		return int(month.Month()) - int(first.Month()) + 1, nil
	}
	return int(month.Month()), nil
}

// addWorkdays is the n-th working day after d.
func addWorkdays(cal *data.Calendar, d time.Time, n int) (time.Time, error) {
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		ok, err := cal.IsWorkday(d)
		if err != nil {
			return d, err
		}
		if ok {
			n--
		}
	}
	return d, nil
}

// Table is the ranking table as people read it: the same text in the HTML,
// the Markdown and (as numbers) the XLSX.
func (e *Edition) Table() (header []string, rows [][]string) {
	header = []string{"排名", "县（市、区）", "基础信息录入及时率", "服务记录录入及时率", "月度总结按时提交率", "系统使用得分", "较上月排名", "备注"}
	for _, r := range e.Ranking {
		// The warned counties; the text names what they must submit.
		note := ""
		switch {
		case r.BelowWarning:
			note = fmt.Sprintf("低于%s分", num(e.Warning, 0))
		case r.Warned:
			note = "排名末位"
		}
		rows = append(rows, []string{rankText(r.Rank), r.County, pct(r.BaseinfoTimelyRate), pct(r.ServiceTimelyRate),
			pct(r.SummaryOntimeRate), scoreText(r.SystemUseScore), change(r.Rank, r.PrevRank), note})
	}
	c := e.City
	rows = append(rows, []string{"", "全市", pct(c.BaseinfoTimelyRate), pct(c.ServiceTimelyRate), pct(c.SummaryOntimeRate), scoreText(c.SystemUseScore), "", ""})
	return header, rows
}

// Counts is the table of what each rate counts, so a reader can check it.
func (e *Edition) Counts() (header []string, rows [][]string) {
	header = []string{"县（市、区）", "基础信息应录入", "基础信息按时录入", "服务记录", "服务记录按时录入", "月度总结应提交", "月度总结按时提交", "逾期提交", "未提交"}
	add := func(c metrics.CountyTimeliness, name string) {
		rows = append(rows, []string{name, itoa(c.BaseinfoCounted), itoa(c.BaseinfoOnTime), itoa(c.ServicesCounted), itoa(c.ServicesOnTime),
			itoa(c.SummariesOwed), itoa(c.SummariesOnTime), itoa(c.SummariesLate), itoa(c.SummariesMissing)})
	}
	for _, r := range e.Ranking {
		add(r.CountyTimeliness, r.County)
	}
	add(e.City, "全市")
	return header, rows
}

func rankText(r int) string {
	if r == 0 {
		return "—"
	}
	return itoa(r)
}

func change(now, prev int) string {
	switch {
	case now == 0 || prev == 0:
		return "—"
	case now < prev:
		return fmt.Sprintf("↑%d", prev-now)
	case now > prev:
		return fmt.Sprintf("↓%d", now-prev)
	}
	return "持平"
}

func pct(r *float64) string {
	if r == nil {
		return "—"
	}
	return num(100**r, 1) + "%"
}

func scoreText(s *float64) string {
	if s == nil {
		return "—"
	}
	return num(*s, metrics.ScoreDecimals)
}

// num formats with n decimals, rounding half away from zero on the
// decimal value (so 72.125 shows as 72.13 everywhere).
func num(v float64, n int) string { return metrics.Decimal(v, n) }

func itoa(n int) string { return fmt.Sprint(n) }

// factsVersion names what body_sha256 fingerprints: "facts:2" is every
// figure and name the bulletin states (facts below); rows recorded before
// it have the fingerprint of the Markdown body, whose wording a newer sgz
// may change, or of an earlier facts version.
const factsVersion = "facts:2"

// facts is everything the bulletin states, as it states it, without its
// wording: the data rows of both tables (as displayed), the coverage
// figures of the opening, the outlooks the problems name (county, status,
// built, target, pace to one decimal, projected date), the differences per
// county and the dates. Two editions with the same facts say the same
// thing, however the text was phrased by the sgz that wrote them; a figure
// the bulletin does not print (a stage count, a rate's further decimals)
// is not a fact of it.
func (e *Edition) facts() ([]byte, error) {
	_, rows := e.Table()
	_, counts := e.Counts()
	n := func(p *int) string {
		if p == nil {
			return ""
		}
		return itoa(*p)
	}
	cov := e.Coverage
	var outlooks [][]string
	for _, o := range e.Outlooks {
		switch o.Status {
		case "存在不能按期完成风险", "逾期未完成", "未报送":
			projected := ""
			if o.Projected != nil {
				projected = o.Projected.Format(time.DateOnly)
			}
			outlooks = append(outlooks, []string{o.County, o.Status, itoa(o.Established), itoa(o.Target), num(o.PacePerMonth, 1), projected})
		}
	}
	return json.Marshal(struct {
		AsOf, IssueDate, ReplyBy string
		Rows, Counts             [][]string
		Coverage                 []string
		Outlooks                 [][]string
		Differences              map[string]int
	}{e.AsOf.Format(time.DateOnly), e.IssueDate.Format(time.DateOnly), e.ReplyBy.Format(time.DateOnly), rows, counts,
		[]string{n(cov.StationsEstablished), itoa(cov.TownshipsInScope), pct(cov.CoverageRate), n(cov.StationsOperating)},
		outlooks, e.Differences})
}

// sameData says whether two tables_json values hold the same data rows,
// whatever their header rows say (a newer sgz may name a column anew).
func sameData(a, b string) bool {
	var x, y [][][]string
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil || len(x) != len(y) {
		return false
	}
	for i := range x {
		if len(x[i]) == 0 || len(y[i]) == 0 {
			return len(x[i]) == len(y[i])
		}
		xa, _ := json.Marshal(x[i][1:])
		ya, _ := json.Marshal(y[i][1:])
		if string(xa) != string(ya) {
			return false
		}
	}
	return true
}

// Record stores this edition as a version of the month's bulletin and sets
// Version and Restatement. What is compared is what the bulletin states
// (facts), not its wording: the same facts again are the latest version,
// nothing written; other facts are a new version, restated against the
// latest (also when they equal an earlier one's). A latest version recorded
// by an sgz before the facts fingerprint (its body_sha256 is a Markdown
// body's) is the same version when its tables are the same, and takes the
// new fingerprint, so that a newer sgz's wording makes no new version.
// A version keeps the source files it was first recorded with: the same
// version again cites them (Sources), whatever has been loaded since.
func (e *Edition) Record(ctx context.Context, db *sql.DB, now time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bulletin_versions (
		summary_month DATE NOT NULL, version INTEGER NOT NULL, as_of DATE NOT NULL,
		body_sha256 VARCHAR NOT NULL, tables_json VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL,
		PRIMARY KEY (summary_month, version))`); err != nil {
		return err
	}
	// where the latest write of each version is (RecordFiles); the
	// dashboard links the editions from there
	// and the files the version's figures were read from when it was first
	// recorded (sources_json), which its annex lists ever after
	// and the rules and policy values its figures were computed by
	// (rules_version, policy_json): a new version says which of these
	// changed, or which files
	for _, col := range []string{"html_path", "pdf_path", "annex_path", "html_sha256", "pdf_sha256", "annex_sha256", "sources_json", "rules_version", "policy_json"} {
		if _, err := db.ExecContext(ctx, `ALTER TABLE bulletin_versions ADD COLUMN IF NOT EXISTS `+col+` VARCHAR`); err != nil {
			return err
		}
	}
	h1, r1 := e.Table()
	h2, r2 := e.Counts()
	tables, err := json.Marshal([][][]string{append([][]string{h1}, r1...), append([][]string{h2}, r2...)})
	if err != nil {
		return err
	}
	facts, err := e.facts()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(facts)
	sha := factsVersion + ":" + hex.EncodeToString(sum[:])
	sources, err := json.Marshal(e.Sources)
	if err != nil {
		return err
	}
	policy, err := json.Marshal(e.Policy)
	if err != nil {
		return err
	}
	var latest int
	var latestSHA, latestTables string
	var latestSources, latestRules, latestPolicy sql.NullString
	err = db.QueryRowContext(ctx, `SELECT version, body_sha256, tables_json, sources_json, rules_version, policy_json FROM bulletin_versions
		WHERE summary_month = ? ORDER BY version DESC LIMIT 1`, e.Month).Scan(&latest, &latestSHA, &latestTables, &latestSources, &latestRules, &latestPolicy)
	if err == nil && !strings.HasPrefix(latestSHA, factsVersion+":") && sameData(latestTables, string(tables)) {
		// recorded by an older sgz, same table data: the same version
		if _, err := db.ExecContext(ctx, `UPDATE bulletin_versions SET body_sha256 = ? WHERE summary_month = ? AND version = ?`,
			sha, e.Month, latest); err != nil {
			return err
		}
		latestSHA = sha
	}
	switch {
	case err == sql.ErrNoRows:
		e.Version = 1
	case err != nil:
		return err
	case latestSHA == sha:
		e.Version = latest
		// The same version cites the files it cited when first recorded
		// (a later export repeating the month's records would take their
		// place in a list worked out now); one recorded before the list
		// was kept takes today's, and keeps it.
		var cited []metrics.Source
		if latestSources.Valid && json.Unmarshal([]byte(latestSources.String), &cited) == nil {
			e.Sources = cited
		} else if _, err := db.ExecContext(ctx, `UPDATE bulletin_versions SET sources_json = ? WHERE summary_month = ? AND version = ?`,
			string(sources), e.Month, latest); err != nil {
			return err
		}
		// The restatement of this version against the one before it.
		var prev string
		var prevSources, prevRules, prevPolicy, thisRules, thisPolicy sql.NullString
		if err := db.QueryRowContext(ctx, `SELECT p.tables_json, p.sources_json, p.rules_version, p.policy_json, t.rules_version, t.policy_json
			FROM bulletin_versions p, bulletin_versions t
			WHERE p.summary_month = ? AND p.version = ? AND t.summary_month = p.summary_month AND t.version = ?`,
			e.Month, latest-1, latest).Scan(&prev, &prevSources, &prevRules, &prevPolicy, &thisRules, &thisPolicy); err == nil {
			why := changeReason(prevRules, prevPolicy, prevSources, thisRules.String, thisPolicy.String, latestSources.String)
			e.Restatement = restatement(prev, string(tables), latest-1, why)
		}
		return nil
	default:
		e.Version = latest + 1
		why := changeReason(latestRules, latestPolicy, latestSources, RulesVersion, string(policy), string(sources))
		e.Restatement = restatement(latestTables, string(tables), latest, why)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO bulletin_versions (summary_month, version, as_of, body_sha256, tables_json, recorded_at, sources_json, rules_version, policy_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Month, e.Version, e.AsOf, sha, string(tables), now, string(sources), RulesVersion, string(policy))
	return err
}

// RulesVersion names the rules the bulletin's figures are computed by; a
// version recorded before it was kept was computed by "rules:1".
const RulesVersion = "rules:2"

// rulesChanges says what each change of the rules changed, for a
// restatement.
var rulesChanges = map[string]string{
	"rules:2": "应报基础信息和月度总结的站点由县级台账所列站点改为台账所列与系统登记站点的并集（未报台账的县、台账漏列的站点同样应报，见 docs/indicators.md“系统使用”）",
}

// changeReason says why a version's figures differ from the one before:
// the rules (which change), the policy values (which key, from what to
// what) or the data (which files); "" when it cannot be told.
func changeReason(prevRules, prevPolicy, prevSources sql.NullString, rules, policy, sources string) string {
	var why []string
	was := "rules:1"
	if prevRules.Valid && prevRules.String != "" {
		was = prevRules.String
	}
	if was != rules {
		if c, ok := rulesChanges[rules]; ok {
			why = append(why, "计算口径调整："+c)
		} else {
			why = append(why, "计算口径调整")
		}
	}
	if prevPolicy.Valid && prevPolicy.String != "" {
		var a, b [][2]string
		if json.Unmarshal([]byte(prevPolicy.String), &a) == nil && json.Unmarshal([]byte(policy), &b) == nil {
			old := map[string]string{}
			for _, kv := range a {
				old[kv[0]] = kv[1]
			}
			for _, kv := range b {
				if v, ok := old[kv[0]]; ok && v != kv[1] {
					why = append(why, fmt.Sprintf("政策参数 %s 由 %s 改为 %s", kv[0], v, kv[1]))
				}
			}
		}
	}
	if prevSources.Valid && prevSources.String != "" {
		var a, b []metrics.Source
		if json.Unmarshal([]byte(prevSources.String), &a) == nil && json.Unmarshal([]byte(sources), &b) == nil {
			had := map[string]bool{}
			for _, x := range a {
				had[x.FileName+"\x00"+x.SHA256] = true
			}
			var added []string
			for _, x := range b {
				if !had[x.FileName+"\x00"+x.SHA256] {
					added = append(added, x.FileName)
				}
			}
			if len(added) > 0 {
				if len(added) > 5 {
					added = append(added[:5], fmt.Sprintf("等 %d 个文件", len(added)))
				}
				why = append(why, "数据更正（新依据的文件："+strings.Join(added, "、")+"）")
			}
		}
	}
	return strings.Join(why, "；")
}

// RecordFiles notes where this version was written (absolute paths), so
// that the dashboard can link every edition issued.
func (e *Edition) RecordFiles(ctx context.Context, db *sql.DB, f Files) error {
	abs := func(p string) any {
		if p == "" {
			return nil
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return nil
		}
		return a
	}
	// each file's fingerprint tells a later reader whether the file there
	// is still this version's (a later version written to the same folder
	// replaces it)
	fingerprint := func(p string) any {
		if p == "" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:])
	}
	_, err := db.ExecContext(ctx, `UPDATE bulletin_versions SET html_path = ?, pdf_path = ?, annex_path = ?,
		html_sha256 = ?, pdf_sha256 = ?, annex_sha256 = ? WHERE summary_month = ? AND version = ?`,
		abs(f.HTML), abs(f.PDF), abs(f.Annex), fingerprint(f.HTML), fingerprint(f.PDF), fingerprint(f.Annex), e.Month, e.Version)
	return err
}

// restatement says, county by county, which figures of the ranking table
// differ from an earlier version's.
func restatement(before, after string, version int, why string) string {
	if why == "" {
		why = "县级台账或系统数据更正"
	}
	var a, b [][][]string
	if json.Unmarshal([]byte(before), &a) != nil || json.Unmarshal([]byte(after), &b) != nil {
		return ""
	}
	old := map[string][]string{}
	for _, r := range a[0][1:] {
		old[r[1]] = r
	}
	header := b[0][0]
	var parts []string
	for _, r := range b[0][1:] {
		o, ok := old[r[1]]
		if !ok {
			continue
		}
		var ch []string
		for j := 2; j <= 5; j++ {
			if o[j] != r[j] {
				ch = append(ch, fmt.Sprintf("%s由%s更正为%s", header[j], o[j], r[j]))
			}
		}
		if len(ch) > 0 {
			parts = append(parts, r[1]+strings.Join(ch, "，"))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("本期通报为第%d版，因%s，正文所述情况较第%d版有变化（表1各项数据未变）。", version+1, why, version)
	}
	return fmt.Sprintf("本期通报为第%d版，因%s，较第%d版有以下变化：%s。", version+1, why, version, strings.Join(parts, "；"))
}
