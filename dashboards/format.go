package dashboards

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"sgz/metrics"
)

// Text shown for a value that does not exist (a 0/0 rate, a figure not yet
// computed) and for a county without a ledger by the as-of date.
const (
	noValue     = "—"
	notReported = "未报送"
)

// pctValue turns a rate in [0,1] into a percentage rounded to one decimal,
// half away from zero. Charts and text use the same rounding so a label
// never disagrees with the table.
func pctValue(rate float64) float64 {
	return math.Round(rate*1000) / 10
}

// pctText formats a rate as "87.5%", or "—" when there is no rate.
func pctText(rate *float64) string {
	if rate == nil || math.IsNaN(*rate) {
		return noValue
	}
	return strconv.FormatFloat(pctValue(*rate), 'f', 1, 64) + "%"
}

// intText formats a count, or "—" when there is none.
func intText(n *int) string {
	if n == nil {
		return noValue
	}
	return strconv.Itoa(*n)
}

// dateCN formats a date as 2023年12月31日, in the date's own location (the
// inputs are calendar dates; converting zones could shift the day).
func dateCN(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// monthCN formats the month of t as 2023年12月.
func monthCN(t time.Time) string {
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

// dateISO formats a date as 2023-12-31.
func dateISO(t time.Time) string {
	return t.Format("2006-01-02")
}

// decimalText formats x with one decimal, half away from zero (86.25 →
// "86.3"), as on paper.
func decimalText(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', 1, 64)
}

// scoreText formats a system use score (0–100) with the decimals scores
// have everywhere (metrics.ScoreDecimals: the bulletin's), or "—" when
// there is none.
func scoreText(score *float64) string {
	if score == nil || math.IsNaN(*score) {
		return noValue
	}
	return metrics.Decimal(*score, metrics.ScoreDecimals)
}

// numberText formats a threshold or target such as 80 or 82.5 without
// trailing zeros.
func numberText(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// ratioText is "on time/counted", the figures behind a rate, e.g. "89/155".
func ratioText(part, whole int) string {
	return strconv.Itoa(part) + "/" + strconv.Itoa(whole)
}

// dateCNOr formats a date as 2023年12月31日, or "—" when there is none.
func dateCNOr(t *time.Time) string {
	if t == nil {
		return noValue
	}
	return dateCN(*t)
}

// dateISOOr formats a date as 2023-12-31, or "—" when there is none.
func dateISOOr(t *time.Time) string {
	if t == nil {
		return noValue
	}
	return dateISO(*t)
}

// fileClassCN names the class of a loaded file (metrics.FileLoad.Class,
// metrics.Source.Kind) in Chinese; unknown classes are shown as given.
func fileClassCN(class string) string {
	switch class {
	case "ledger":
		return "县级台账"
	case "export":
		return "系统导出"
	}
	return class
}
