package gen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"sgz/data"
)

// FundEntry is one row of a county's funds ledger (资金台账): money from one
// source received or spent on one day.
type FundEntry struct {
	CountyCode   string `json:"county_code"`
	TownshipCode string `json:"township_code,omitempty"` // "" at county level
	Source       string `json:"source"`                  // 市级福彩公益金, 县级配套
	Date         Date   `json:"date"`
	Summary      string `json:"summary"`
	Purpose      string `json:"purpose"`
	ReceivedFen  int64  `json:"received_fen"`
	SpentFen     int64  `json:"spent_fen"`
	// Unreadable: the county's messy ledgers write the sum so that it
	// cannot be read (见附件); sgz rejects the row and it counts nowhere.
	// Clean files write it as a number.
	Unreadable bool `json:"unreadable,omitempty"`
}

// FundFlag is a flag the generator planted: sgz report funds must find
// exactly these (the county, the year, the kind and the rows behind it,
// named by their 摘要, as of the year's last day).
type FundFlag struct {
	CountyCode string   `json:"county_code"`
	Year       int      `json:"year"`
	Kind       string   `json:"kind"` // 超范围使用 | 超支
	Summaries  []string `json:"summaries"`
}

// lotteryFund is the 资金来源 the checks follow.
const lotteryFund = "市级福彩公益金"

// fundsKept says which counties keep a funds sheet: all but 昔阳县, which
// sends none (the sheet is optional).
func fundsKept(county string) bool { return county != "140724" }

// funds builds every county's funds ledger for the years it reports: per
// year two allocations of the lottery fund (60% in February, 40% in July;
// 60,000 元 per in-scope station built by the year end), a county top-up
// and its spending, and the lottery spending of the year (about 94% of
// what was received, month by month). Planted: 祁县 buys an office car
// from the fund (办公经费, 2023), 寿阳县 pays a staff visit (慰问, 2023) and
// 介休市 a meeting (会议费, 2022): 超范围使用; 太谷区 adds a service
// contract in December 2023 that takes it over what it received: 超支;
// 和顺县 writes one 2023 sum as 见附件 (rejected). Funds use their own
// random stream, so the rest of the world is the same with or without
// them.
func (w *World) funds(seed uint64) {
	r := rand.New(rand.NewPCG(seed^0x66756e6473, seed))
	years := map[string][]int{}
	for _, l := range w.Ledgers {
		y := l.ReportDate.Year()
		if !slices.Contains(years[l.CountyCode], y) {
			years[l.CountyCode] = append(years[l.CountyCode], y)
		}
	}
	var counties []string
	for c := range years {
		counties = append(counties, c)
	}
	slices.Sort(counties)
	for _, c := range counties {
		if !fundsKept(c) {
			continue
		}
		for _, y := range years[c] {
			w.countyFunds(r, c, y)
		}
	}
}

func (w *World) countyFunds(r *rand.Rand, county string, year int) {
	end := d(year, 12, 31)
	var stations []*Station
	for _, s := range w.Stations {
		if s.CountyCode == county && s.InScope && !s.Established.After(end) {
			stations = append(stations, s)
		}
	}
	n := int64(max(1, len(stations)))
	annual := n * 60_000 * 100                                                          // 分
	share := func(permille int64) int64 { return annual * permille / 1000 / 100 * 100 } // whole 元
	var es []*FundEntry
	add := func(day time.Time, town, source, summary, purpose string, in, out int64) *FundEntry {
		e := &FundEntry{CountyCode: county, TownshipCode: town, Source: source, Date: Date{day}, Summary: summary,
			Purpose: purpose, ReceivedFen: in, SpentFen: out}
		es = append(es, e)
		return e
	}
	add(d(year, 2, 20), "", lotteryFund, fmt.Sprintf("%d年市级福彩公益金第一批拨付", year), "", share(600), 0)
	add(d(year, 7, 15), "", lotteryFund, fmt.Sprintf("%d年市级福彩公益金第二批拨付", year), "", annual-share(600), 0)
	add(d(year, 3, 10), "", "县级配套", fmt.Sprintf("%d年县级配套资金到位", year), "", n*20_000*100, 0)
	add(d(year, 4, 8), "", "县级配套", fmt.Sprintf("%d年社工站办公经费（县级配套）", year), "办公经费", 0, n*3_000*100)
	for m := 3; m <= 12; m++ {
		// 人员经费 each month, with the odd 元 and 角 of real payrolls
		add(d(year, time.Month(m), 5+r.IntN(5)), "", lotteryFund, fmt.Sprintf("%d年%d月驻站社工人员经费", year, m), "人员经费", 0,
			share(50)+int64(r.IntN(100_00)))
	}
	for q, m := range []int{3, 6, 9, 12} {
		add(d(year, time.Month(m), 18+r.IntN(5)), "", lotteryFund, fmt.Sprintf("%d年第%d季度社工服务项目", year, q+1), "服务项目", 0, share(80))
	}
	add(d(year, 5, 16), "", lotteryFund, fmt.Sprintf("%d年上半年社工督导培训", year), "培训督导", 0, share(20))
	add(d(year, 10, 17), "", lotteryFund, fmt.Sprintf("%d年下半年社工督导培训", year), "培训督导", 0, share(20))
	add(d(year, 11, 14), "", lotteryFund, fmt.Sprintf("%d年社工站运营评估", year), "评估", 0, share(30))
	town := ""
	if len(stations) > 0 {
		town = stations[r.IntN(len(stations))].TownshipCode
	}
	add(d(year, 4, 25), town, lotteryFund, fmt.Sprintf("%d年社工站标识制作及设备购置", year), "站点建设", 0, share(50))

	var planted []FundFlag
	outOfScope := func(day time.Time, summary, purpose string, fen int64) {
		add(day, "", lotteryFund, summary, purpose, 0, fen)
		planted = append(planted, FundFlag{CountyCode: county, Year: year, Kind: "超范围使用", Summaries: []string{summary}})
	}
	switch {
	case county == "140727" && year == 2023: // 祁县
		outOfScope(d(2023, 9, 12), "2023年购置办公用车", "办公经费", share(40))
	case county == "140725" && year == 2023: // 寿阳县
		outOfScope(d(2023, 11, 21), "2023年工作人员节日慰问", "慰问", 3_000_00)
	case county == "140781" && year == 2022: // 介休市
		outOfScope(d(2022, 6, 28), "2022年社工站工作推进会会务", "会议费", 8_600_00)
	case county == "140703" && year == 2023: // 太谷区
		add(d(2023, 12, 12), "", lotteryFund, "2023年追加社工服务项目", "服务项目", 0, share(120))
	case county == "140723" && year == 2023: // 和顺县
		e := add(d(2023, 6, 26), "", lotteryFund, "2023年社工宣传资料印制", "服务项目", 0, 1_200_00)
		e.Unreadable = true
	}
	// The sheet lists rows by date; rows of one day in the order written.
	slices.SortStableFunc(es, func(a, b *FundEntry) int { return a.Date.Compare(b.Date.Time) })
	var received, spent int64
	for _, e := range es {
		if e.Source == lotteryFund && !e.Unreadable {
			received += e.ReceivedFen
		}
	}
	var over []string
	for _, e := range es {
		if e.Source != lotteryFund || e.Unreadable || e.SpentFen == 0 {
			continue
		}
		spent += e.SpentFen
		if spent > received {
			over = append(over, e.Summary)
		}
	}
	if len(over) > 0 {
		planted = append(planted, FundFlag{CountyCode: county, Year: year, Kind: "超支", Summaries: over})
	}
	w.Funds = append(w.Funds, es...)
	w.FundFlags = append(w.FundFlags, planted...)
}

// LedgerFunds are the funds rows a ledger of county at report lists: the
// year to date.
func (w *World) LedgerFunds(county string, report time.Time) []*FundEntry {
	var out []*FundEntry
	for _, e := range w.Funds {
		if e.CountyCode == county && e.Date.Year() == report.Year() && !e.Date.After(report) {
			out = append(out, e)
		}
	}
	return out
}

// amount writes a sum in 分 the county's way: a number cell (template),
// or text as 1,200.00, 1.2万, ￥1200.00, full-width digits or 1200元.
func (h Habits) amount(fen int64) any {
	if fen == 0 {
		return nil
	}
	yuan := strconv.FormatInt(fen/100, 10)
	if fen%100 != 0 {
		yuan += fmt.Sprintf(".%02d", fen%100)
	}
	switch h.Amounts {
	case "comma":
		return data.Yuan(fen)
	case "wan":
		s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%06d", fen/1_000_000, fen%1_000_000), "0"), ".")
		return s + "万"
	case "yen":
		return "￥" + yuan
	case "fullwidth":
		return width.Widen.String(yuan)
	case "yuan":
		return yuan + "元"
	}
	return float64(fen) / 100
}
