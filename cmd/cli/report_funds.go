package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"sgz/data"
	"sgz/metrics"
)

// yearOption adds --year, read by yearAsOf.
func yearOption(fs *flag.FlagSet) *int {
	return fs.Int("year", 0, "年度 YYYY（必填）")
}

// yearAsOf reads --year and --as-of for a year's figure: the as-of date
// defaults to the year's last day, or today while the year is running (a
// forecast). A date before the year or in a later year than the year's
// end allows is refused.
func yearAsOf(e *env, st *store, year int, asOf string) (time.Time, error) {
	if year < 2000 || year > 2100 {
		return time.Time{}, fmt.Errorf("--year %d: 请给出 2000 到 2100 之间的年度，如 --year 2023", year)
	}
	end := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	if cal := data.NewCalendar(st.ref.Holidays); !cal.Covers(end) {
		ys := cal.Years()
		return time.Time{}, fmt.Errorf("--year %d 不在节假日日历的年份内（%d–%d 年）：新的年份请先在 data/holidays.csv 加入国务院办公厅公布的节假日安排", year, ys[0], ys[len(ys)-1])
	}
	if asOf == "" {
		now := time.Now()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		asOf = end.Format(time.DateOnly)
		if today.Before(end) {
			asOf = today.Format(time.DateOnly)
		}
	}
	d, err := asOfFlag(e, st, asOf)
	if err != nil {
		return d, err
	}
	if d.Year() != year {
		return d, fmt.Errorf("--as-of %s 不在 %d 年内：年度考核和资金按当年某日计算（默认 %d-12-31）", d.Format(time.DateOnly), year, year)
	}
	return d, nil
}

// fundColumns are the per-county columns of sgz report funds; money
// writes a sum (plain for csv, with separators for the table).
func fundColumns(money func(int64) any) []column[metrics.CountyFunds] {
	return []column[metrics.CountyFunds]{
		{"county_code", "代码", func(c metrics.CountyFunds) any { return c.CountyCode }},
		{"county", "县(市、区)", func(c metrics.CountyFunds) any { return c.County }},
		{"ledger", "资金台账", func(c metrics.CountyFunds) any { return c.Ledger }},
		{"ledger_date", "填报日期", func(c metrics.CountyFunds) any { return date(c.LedgerDate) }},
		{"rows", "福彩行数", func(c metrics.CountyFunds) any { return c.Rows }},
		{"received_yuan", "收入(元)", func(c metrics.CountyFunds) any { return money(c.ReceivedFen) }},
		{"spent_yuan", "支出(元)", func(c metrics.CountyFunds) any { return money(c.SpentFen) }},
		{"balance_yuan", "结余(元)", func(c metrics.CountyFunds) any { return money(c.ReceivedFen - c.SpentFen) }},
		{"out_of_scope_rows", "超范围笔数", func(c metrics.CountyFunds) any { return c.OutOfScopeRows }},
		{"out_of_scope_yuan", "超范围金额(元)", func(c metrics.CountyFunds) any { return money(c.OutOfScopeFen) }},
		{"overspent_yuan", "超支金额(元)", func(c metrics.CountyFunds) any { return money(c.OverspentFen) }},
		{"flags", "问题数", func(c metrics.CountyFunds) any { return c.Flags }},
	}
}

// fundFlagRow is one ledger row of one flag, for --flags.
type fundFlagRow struct {
	flag metrics.FundFlag
	no   int // the flag's number within its county
	row  metrics.FundRow
}

func fundFlagColumns(money func(int64) any) []column[fundFlagRow] {
	return []column[fundFlagRow]{
		{"county", "县(市、区)", func(r fundFlagRow) any { return r.flag.County }},
		{"flag_no", "问题序号", func(r fundFlagRow) any { return r.no }},
		{"kind", "问题", func(r fundFlagRow) any { return r.flag.Kind }},
		{"file", "文件", func(r fundFlagRow) any { return r.row.File }},
		{"sheet", "工作表", func(r fundFlagRow) any { return r.row.Sheet }},
		{"row", "行", func(r fundFlagRow) any { return r.row.Row }},
		{"township", "乡镇(街道)", func(r fundFlagRow) any { return r.row.Township }},
		{"date", "日期", func(r fundFlagRow) any { return r.row.Date.Format(time.DateOnly) }},
		{"summary", "摘要", func(r fundFlagRow) any { return r.row.Summary }},
		{"purpose", "用途类别", func(r fundFlagRow) any { return r.row.Purpose }},
		{"spent_yuan", "支出(元)", func(r fundFlagRow) any { return money(r.row.SpentFen) }},
		{"spent_to_here_yuan", "累计支出(元)", func(r fundFlagRow) any { return money(r.row.SpentToHereFen) }},
		{"reason", "说明", func(r fundFlagRow) any { return r.flag.Reason }},
	}
}

// flagRows lays the flags out one ledger row per line, numbered within
// each county.
func flagRows(f *metrics.Funds) []fundFlagRow {
	var out []fundFlagRow
	no, county := 0, ""
	for _, fl := range f.Flags {
		if fl.CountyCode != county {
			no, county = 0, fl.CountyCode
		}
		no++
		for _, r := range fl.Rows {
			out = append(out, fundFlagRow{flag: fl, no: no, row: r})
		}
	}
	return out
}

// plainYuan writes a sum for csv: 元 with two decimals, no separators.
func plainYuan(fen int64) any { return strings.ReplaceAll(data.Yuan(fen), ",", "") }

func tableYuan(fen int64) any { return data.Yuan(fen) }

// reportFunds prints the year's lottery funds per county (or, with
// --flags, every flag's ledger rows) as of --as-of (indicators.md "Funds").
func reportFunds(e *env, args []string) int {
	fs := e.flags("report funds")
	ro := reportFlags(fs)
	year := yearOption(fs)
	asOf := asOfOption(fs)
	flags := fs.Bool("flags", false, "列出每个资金问题的台账行（文件、工作表、行）而不是各县汇总")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	st, err := openReport(e, ro)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	d, err := yearAsOf(e, st, *year, *asOf)
	if err != nil {
		return e.fail(err)
	}
	f, err := metrics.FundsOf(e.ctx, st.db, *year, d)
	if err != nil {
		return e.fail(err)
	}
	switch *ro.format {
	case "json":
		if err := printJSON(e.stdout, f); err != nil {
			return e.fail(err)
		}
		return ExitOK
	case "csv":
		if *flags {
			err = printRows(e.stdout, "csv", fundFlagColumns(plainYuan), flagRows(f), nil)
		} else {
			err = printRows(e.stdout, "csv", fundColumns(plainYuan), f.Counties, nil)
		}
		if err != nil {
			return e.fail(err)
		}
		return ExitOK
	}
	fmt.Fprintf(e.stdout, "%d 年市级福彩公益金使用情况，截至 %s（允许用途：%s）\n", *year, d.Format("2006年1月2日"), strings.Join(f.Allowed, "、"))
	if !*flags {
		err = printRows(e.stdout, "table", fundColumns(tableYuan), f.Counties, func(c metrics.CountyFunds, col string) string {
			if col == "ledger" && !c.Reported() && c.CountyCode != metrics.CityCode {
				return "未报送"
			}
			return ""
		})
		if err == nil {
			fmt.Fprintf(e.stdout, "\n资金问题 %d 个（每个问题的台账行：sgz report funds --year %d --flags）\n", len(f.Flags), *year)
			for _, fl := range f.Flags {
				fmt.Fprintf(e.stdout, "  %s %s：%s\n", printable(fl.County), fl.Kind, printable(fl.Reason))
			}
		}
	} else {
		err = printRows(e.stdout, "table", fundFlagColumns(tableYuan), flagRows(f), nil)
	}
	if err != nil {
		return e.fail(err)
	}
	return ExitOK
}
