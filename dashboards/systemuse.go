package dashboards

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sgz/metrics"
)

// Marks of the system use ranking for the counties a bulletin requires to
// submit 书面说明及整改方案 (indicators.md "System use timeliness").
const (
	// MarkBelowWarning: the score is below the warning line.
	MarkBelowWarning = "低于预警线"
	// MarkLastRank: no county is below the line; this one ranks last.
	MarkLastRank = "排名末位"
)

// UseRank is one county's line of the system use ranking for a month.
type UseRank struct {
	metrics.CountyTimeliness
	// Rank is 1 for the highest score; counties with equal scores (full
	// precision) share a rank and the next rank is skipped (1, 2, 2, 4).
	// 0: the county has no score and is not ranked.
	Rank int
	// Compared says a previous month was given; PrevRank is the county's
	// rank then (0: not ranked then).
	Compared bool
	PrevRank int
	// Mark is MarkBelowWarning, MarkLastRank or "".
	Mark string
}

// Change is the change of rank since the previous month: "↑2", "↓1",
// "持平" (same rank, as the bulletin says it), "—" (nothing to compare) or
// "新" (not ranked the month before).
func (r UseRank) Change() string {
	switch {
	case r.Rank == 0 || !r.Compared:
		return noValue
	case r.PrevRank == 0:
		return "新"
	case r.PrevRank > r.Rank:
		return "↑" + strconv.Itoa(r.PrevRank-r.Rank)
	case r.PrevRank < r.Rank:
		return "↓" + strconv.Itoa(r.Rank-r.PrevRank)
	}
	return "持平"
}

// RankUse ranks the counties of month (the city total row is left out) by
// system use score, highest first, and marks the counties that must submit
// a written explanation: those below warning, or, when none is, the
// lowest-ranked (all of them when several share the last rank). previous,
// when not nil, is the month before, for the change of rank. Counties
// without a score come last, unranked, in code order.
func RankUse(month metrics.UseMonth, previous *metrics.UseMonth, warning float64) []UseRank {
	prev := map[string]int{}
	if previous != nil {
		for _, r := range metrics.Rank(previous.Counties, warning) {
			prev[r.CountyCode] = r.Rank
		}
	}
	var out []UseRank
	for _, r := range metrics.Rank(month.Counties, warning) {
		u := UseRank{CountyTimeliness: r.CountyTimeliness, Rank: r.Rank, Compared: previous != nil, PrevRank: prev[r.CountyCode]}
		switch {
		case r.BelowWarning:
			u.Mark = MarkBelowWarning
		case r.Warned:
			u.Mark = MarkLastRank
		}
		out = append(out, u)
	}
	return out
}

// --- 系统使用 page ---

const systemUseTitle = "晋中市乡镇（街道）社工站信息系统使用情况"

type systemUsePage struct {
	pageMeta
	// Empty replaces the page's body when no month is due yet.
	Empty string
	// Latest is the ranked month, as 2023年11月; LatestAsOf its summary
	// deadline, as of which its figures are computed.
	Latest, LatestAsOf string
	// Required names the counties that must submit 书面说明及整改方案.
	Required string
	Ranking  dataTable
	Scores   dataTable
	// Editions are the bulletins issued so far, with links.
	Editions dataTable
}

// byMonth returns a copy of use, oldest month first.
func byMonth(use []metrics.UseMonth) []metrics.UseMonth {
	months := slices.Clone(use)
	slices.SortStableFunc(months, func(a, b metrics.UseMonth) int { return strings.Compare(a.Month, b.Month) })
	return months
}

// latestRanks ranks the last of months (oldest first) against the month
// before it (prev nil when there is none); all nil without months.
func latestRanks(months []metrics.UseMonth, warning float64) (latest, prev *metrics.UseMonth, ranks []UseRank) {
	if len(months) == 0 {
		return nil, nil, nil
	}
	latest = &months[len(months)-1]
	if len(months) > 1 {
		prev = &months[len(months)-2]
	}
	return latest, prev, RankUse(*latest, prev, warning)
}

// useMonthLabel turns YYYY-MM into 2023年11月.
func useMonthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return monthCN(t)
}

func buildSystemUseFiles(s metrics.Site, nav []navLink) ([]siteFile, error) {
	months := slices.Clone(s.Use)
	for _, m := range months {
		if !validMonth(m.Month) {
			return nil, fmt.Errorf("dashboards: system use: month %q is not YYYY-MM", m.Month)
		}
		if _, _, err := splitCity(m.Counties, timelinessCode); err != nil {
			return nil, fmt.Errorf("dashboards: system use %s: %w", m.Month, err)
		}
	}
	months = byMonth(months)

	p := systemUsePage{pageMeta: newPageMeta(s, systemUseTitle, SystemUseFile, nav)}
	p.SourcesNote = "各月数据按该月月度总结截止日计算，只计当日已知的记录"
	p.Definitions = []string{
		"基础信息及时率 = 按时录入站点基础信息的站点 / 应录入站点（截止日：2023年5月31日与挂牌后7日中较晚者）；服务记录及时率 = 服务结束次日内录入的记录 / 当月结束的服务记录；月度总结按时率 = 按时提交 / 应提交（次月3日前，遇节假日顺延）。",
		"系统使用得分（满分 100 分）为三项比率按政策权重加权；某项当月无应计数据时，其权重按比例分给其余各项。排名按得分从高到低（不四舍五入比较），得分相同名次并列；无得分的县(市、区)不参加排名。",
	}
	rankRecords := [][]string{rankingHeader}
	var scoreRecords [][]string
	if len(months) == 0 {
		p.Empty = "暂无已到期的月份：截至 " + p.AsOf + "，尚无月度总结截止日已到的月份，系统使用情况无法计算。"
		scoreRecords = [][]string{{"区划代码", "县(市、区)"}}
	} else {
		latestP, prev, ranks := latestRanks(months, s.UseWarning)
		latest := *latestP
		counties, city, _ := splitCity(latest.Counties, timelinessCode)
		p.Latest, p.LatestAsOf = useMonthLabel(latest.Month), dateCN(latest.AsOf)
		p.Required = requiredText(ranks, s.UseWarning)
		p.Ranking = rankingTable(ranks, city, p.Latest, prev, s.UseWarning)
		// The ranking CSV holds every month, oldest first.
		for i := range months {
			var before *metrics.UseMonth
			if i > 0 {
				before = &months[i-1]
			}
			_, c, _ := splitCity(months[i].Counties, timelinessCode)
			rankRecords = append(rankRecords, rankingRecords(months[i], RankUse(months[i], before, s.UseWarning), c)...)
		}
		p.Ranking.CSVLabel = "下载 CSV（" + strconv.Itoa(len(months)) + " 个月）"
		p.Scores, scoreRecords = scoresTable(months, s.UseWarning)

		trend, err := useScoreTrend(s, months)
		if err != nil {
			return nil, err
		}
		rates, err := useRatesBar(latest, counties, city)
		if err != nil {
			return nil, err
		}
		rates.Links = countyLinks(s.Counties)
		p.Charts = []chartBlock{trend, rates}
		p.Scripts = []string{echartsScript}
	}

	var editionFiles []siteFile
	p.Editions, editionFiles = editionsTable(s.Bulletins)
	page, err := renderPage(systemUseTmpl, SystemUseFile, p)
	if err != nil {
		return nil, err
	}
	ranking, err := csvFile(UseRankingFile, rankRecords)
	if err != nil {
		return nil, err
	}
	scores, err := csvFile(UseScoresFile, withAsOf(scoreRecords, s.AsOf))
	if err != nil {
		return nil, err
	}
	return append([]siteFile{page, ranking, scores}, editionFiles...), nil
}

// requiredText names the counties a bulletin requires to submit a written
// explanation and rectification plan, and why.
func requiredText(ranks []UseRank, warning float64) string {
	var below, last []string
	for _, r := range ranks {
		switch r.Mark {
		case MarkBelowWarning:
			below = append(below, r.County+"（"+scoreText(r.SystemUseScore)+" 分）")
		case MarkLastRank:
			last = append(last, r.County+"（"+scoreText(r.SystemUseScore)+" 分）")
		}
	}
	line := "预警线 " + numberText(warning) + " 分"
	switch {
	case len(below) > 0:
		return "得分低于" + line + "的县(市、区)：" + strings.Join(below, "、") + "，须提交书面说明及整改方案。"
	case len(last) > 0:
		return "各县(市、区)得分均不低于" + line + "；排名末位：" + strings.Join(last, "、") + "，须提交书面说明及整改方案。"
	}
	return ""
}

var rankingColumns = []string{
	"名次", "县(市、区)", "基础信息及时率", "服务记录及时率", "月度总结按时率", "系统使用得分", "较上月", "预警",
}

var rankingHeader = []string{
	"月份", "截止日", "名次", "区划代码", "县(市、区)",
	"基础信息应录入", "基础信息按时录入", "基础信息及时率",
	"服务记录数", "服务记录按时录入", "服务记录及时率",
	"月度总结应提交", "月度总结按时", "月度总结逾期", "月度总结未提交", "月度总结按时率",
	"系统使用得分", "上月名次", "较上月", "预警",
}

func rankText(rank int) string {
	if rank == 0 {
		return noValue
	}
	return strconv.Itoa(rank)
}

// rateCell shows a rate with the counts behind it underneath ("89/155").
func rateCell(rate *float64, onTime, counted int) cell {
	return cell{Text: pctText(rate), Sub: ratioText(onTime, counted), Num: true}
}

func rankingRow(r UseRank, rank, name, change string) viewRow {
	c := r.CountyTimeliness
	row := viewRow{Cells: []cell{
		numCell(rank),
		countyLink(c.CountyCode, name),
		rateCell(c.BaseinfoTimelyRate, c.BaseinfoOnTime, c.BaseinfoCounted),
		rateCell(c.ServiceTimelyRate, c.ServicesOnTime, c.ServicesCounted),
		rateCell(c.SummaryOntimeRate, c.SummariesOnTime, c.SummariesOwed),
		numCell(scoreText(c.SystemUseScore)),
		numCell(change),
		textCell(""),
	}}
	if r.Mark != "" {
		row.Class = "risk"
		row.Cells[7] = cell{Text: "⚠ " + r.Mark, Strong: true}
	}
	return row
}

func rankingTable(ranks []UseRank, city metrics.CountyTimeliness, month string, prev *metrics.UseMonth, warning float64) dataTable {
	t := dataTable{
		ID:      "ranking",
		Title:   month + "各县（市、区）系统使用排名",
		CSV:     UseRankingFile,
		Class:   "wide",
		Columns: rankingColumns,
	}
	for _, r := range ranks {
		t.Rows = append(t.Rows, rankingRow(r, rankText(r.Rank), r.County, r.Change()))
	}
	t.Foot = []viewRow{rankingRow(UseRank{CountyTimeliness: city}, noValue, city.County+"（全市）", "")}
	compare := "首月，无上月名次可比"
	if prev != nil {
		compare = "较上月为与 " + useMonthLabel(prev.Month) + " 名次相比：↑ 上升、↓ 下降，“持平”为名次未变，“新”为上月未参加排名"
	}
	t.After = []string{
		"比率下方小字为 按时数/应计数；“—”表示当月无应计数据。" + compare + "。",
		"⚠ 加粗行为得分低于预警线 " + numberText(warning) + " 分的县(市、区)，无低于预警线者时为排名末位的县(市、区)，须提交书面说明及整改方案。",
	}
	return t
}

func rankingRecords(m metrics.UseMonth, ranks []UseRank, city metrics.CountyTimeliness) [][]string {
	record := func(r UseRank, rank, prev, change string) []string {
		c := r.CountyTimeliness
		return []string{
			m.Month, dateISO(m.AsOf), rank, c.CountyCode, c.County,
			strconv.Itoa(c.BaseinfoCounted), strconv.Itoa(c.BaseinfoOnTime), pctText(c.BaseinfoTimelyRate),
			strconv.Itoa(c.ServicesCounted), strconv.Itoa(c.ServicesOnTime), pctText(c.ServiceTimelyRate),
			strconv.Itoa(c.SummariesOwed), strconv.Itoa(c.SummariesOnTime), strconv.Itoa(c.SummariesLate),
			strconv.Itoa(c.SummariesMissing), pctText(c.SummaryOntimeRate),
			scoreText(c.SystemUseScore), prev, change, r.Mark,
		}
	}
	var out [][]string
	for _, r := range ranks {
		prev := ""
		if r.Compared {
			prev = rankText(r.PrevRank)
		}
		out = append(out, record(r, rankText(r.Rank), prev, r.Change()))
	}
	return append(out, record(UseRank{CountyTimeliness: city}, "", "", ""))
}

// useCounty is a county (or the city) that appears in some month of the
// system use series.
type useCounty struct{ Code, Name string }

// useCounties lists every county in the months in code order, the city
// last, each under its name in the latest month it appears in.
func useCounties(months []metrics.UseMonth) []useCounty {
	names := map[string]string{}
	for _, m := range months {
		for _, c := range m.Counties {
			names[c.CountyCode] = c.County
		}
	}
	out := make([]useCounty, 0, len(names))
	for code, name := range names {
		out = append(out, useCounty{code, name})
	}
	slices.SortFunc(out, func(a, b useCounty) int {
		if (a.Code == metrics.CityCode) != (b.Code == metrics.CityCode) {
			if a.Code == metrics.CityCode {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// scoreOf is the score of county code in m, nil when it has none or is
// not listed.
func scoreOf(m metrics.UseMonth, code string) *float64 {
	for _, c := range m.Counties {
		if c.CountyCode == code {
			return c.SystemUseScore
		}
	}
	return nil
}

// scoresTable is the month × county table of scores (counties as rows,
// the city in the footer) and its CSV records.
func scoresTable(months []metrics.UseMonth, warning float64) (dataTable, [][]string) {
	t := dataTable{
		ID:    "scores",
		Title: "各月系统使用得分",
		Note:  "单位：分；各月按该月月度总结截止日计算。",
		CSV:   UseScoresFile,
		Class: "wide",
	}
	header := []string{"区划代码", "县(市、区)"}
	t.Columns = []string{"县(市、区)"}
	for _, m := range months {
		header = append(header, m.Month)
		t.Columns = append(t.Columns, m.Month)
	}
	records := [][]string{header}
	for _, c := range useCounties(months) {
		record := []string{c.Code, c.Name}
		name := c.Name
		if c.Code == metrics.CityCode {
			name += "（全市）"
		}
		row := viewRow{Cells: []cell{countyLink(c.Code, name)}}
		for _, m := range months {
			score := scoreOf(m, c.Code)
			record = append(record, scoreText(score))
			ce := numCell(scoreText(score))
			ce.Strong = score != nil && *score < warning && c.Code != metrics.CityCode
			row.Cells = append(row.Cells, ce)
		}
		records = append(records, record)
		if c.Code == metrics.CityCode {
			t.Foot = append(t.Foot, row)
		} else {
			t.Rows = append(t.Rows, row)
		}
	}
	t.After = []string{"加粗为低于预警线 " + numberText(warning) + " 分；“—”表示当月无应计数据。"}
	return t, records
}
