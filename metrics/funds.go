package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"sgz/data"
)

// Funds is the check of the city's welfare-lottery subsidy (市级福彩公益金)
// for one year as of a date (docs/indicators.md "Funds").
type Funds struct {
	Year int       `json:"year"`
	AsOf time.Time `json:"as_of"`
	// Allowed are the policy's allowed purposes (allowed_fund_purposes).
	Allowed []string `json:"allowed_purposes"`
	// Counties: one per county in code order, then the city (CityCode).
	Counties []CountyFunds `json:"counties"`
	// Flags in county order; within a county 超范围使用 by ledger row, then
	// 超支.
	Flags []FundFlag `json:"flags"`
}

// CountyFunds is one county's lottery-fund money of the year. Sums are in
// 分 (fen).
type CountyFunds struct {
	CountyCode string `json:"county_code"`
	County     string `json:"county"`
	// Ledger is the file the year's funds come from; "" when the county
	// sent no funds sheet for the year by the as-of date (未报送).
	Ledger     string     `json:"ledger"`
	LedgerDate *time.Time `json:"ledger_date"`
	Rows       int        `json:"rows"` // 市级福彩公益金 rows counted
	// ReceivedFen, SpentFen: the year's money received and spent.
	ReceivedFen int64 `json:"received_fen"`
	SpentFen    int64 `json:"spent_fen"`
	// OutOfScopeRows and OutOfScopeFen: spending outside the allowed
	// purposes (one 超范围使用 flag per row).
	OutOfScopeRows int   `json:"out_of_scope_rows"`
	OutOfScopeFen  int64 `json:"out_of_scope_fen"`
	// OverspentFen is spending beyond the money received (> 0: one 超支
	// flag).
	OverspentFen int64 `json:"overspent_fen"`
	Flags        int   `json:"flags"`
}

// Reported says whether the county sent a funds sheet for the year.
func (c CountyFunds) Reported() bool { return c.Ledger != "" }

// FundFlag is one flag with the ledger rows behind it.
type FundFlag struct {
	CountyCode string    `json:"county_code"`
	County     string    `json:"county"`
	Kind       string    `json:"kind"` // 超范围使用 | 超支
	Reason     string    `json:"reason"`
	Rows       []FundRow `json:"rows"`
}

// FundRow is one row of a funds sheet.
type FundRow struct {
	File     string    `json:"file"`
	Sheet    string    `json:"sheet"`
	Row      int       `json:"row"`
	Township string    `json:"township"` // "" at county level
	Date     time.Time `json:"date"`
	Summary  string    `json:"summary"`
	Purpose  string    `json:"purpose"`
	SpentFen int64     `json:"spent_fen"`
	// SpentToHereFen is the year's spending up to and including this row.
	SpentToHereFen int64 `json:"spent_to_here_fen"`
}

// FundsOf checks year's lottery funds as of asOf (asOf in year or later;
// the default is the year's last day).
func FundsOf(ctx context.Context, db *sql.DB, year int, asOf time.Time) (*Funds, error) {
	out := &Funds{Year: year, AsOf: asOf}
	var allowed string
	if err := db.QueryRowContext(ctx, `SELECT policy_text('allowed_fund_purposes')`).Scan(&allowed); err != nil {
		return nil, err
	}
	for _, p := range strings.Split(allowed, "|") {
		if p = strings.Join(strings.Fields(p), ""); p != "" {
			out.Allowed = append(out.Allowed, p)
		}
	}
	byCode := map[string]*CountyFunds{}
	err := eachRow(ctx, db, `SELECT c.county_code, c.county_name, l.file_name, l.report_date,
			count(r.row_number), coalesce(sum(r.received_fen), 0), coalesce(sum(r.spent_fen), 0),
			count(*) FILTER (WHERE r.out_of_scope), coalesce(sum(r.spent_fen) FILTER (WHERE r.out_of_scope), 0)
		FROM ref_counties c
		LEFT JOIN fund_ledger($1, CAST($2 AS DATE)) l USING (county_code)
		LEFT JOIN fund_rows($1, CAST($2 AS DATE)) r USING (county_code)
		GROUP BY ALL ORDER BY c.county_code`, []any{year, asOf}, func(r *sql.Rows) error {
		var c CountyFunds
		var file sql.NullString
		var date sql.NullTime
		if err := r.Scan(&c.CountyCode, &c.County, &file, &date, &c.Rows, &c.ReceivedFen, &c.SpentFen,
			&c.OutOfScopeRows, &c.OutOfScopeFen); err != nil {
			return err
		}
		c.Ledger, c.LedgerDate = file.String, nullTime(date)
		if c.SpentFen > c.ReceivedFen {
			c.OverspentFen = c.SpentFen - c.ReceivedFen
		}
		c.Flags = c.OutOfScopeRows
		if c.OverspentFen > 0 {
			c.Flags++
		}
		out.Counties = append(out.Counties, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("资金台账（%d 年，截至 %s）: %w", year, asOf.Format(time.DateOnly), err)
	}
	city := CountyFunds{CountyCode: CityCode, County: "晋中市"}
	for i := range out.Counties {
		c := &out.Counties[i]
		byCode[c.CountyCode] = c
		city.Rows += c.Rows
		city.ReceivedFen += c.ReceivedFen
		city.SpentFen += c.SpentFen
		city.OutOfScopeRows += c.OutOfScopeRows
		city.OutOfScopeFen += c.OutOfScopeFen
		city.OverspentFen += c.OverspentFen
		city.Flags += c.Flags
	}
	out.Counties = append(out.Counties, city)

	allowedText := strings.Join(out.Allowed, "、")
	var cur *FundFlag
	err = eachRow(ctx, db, `SELECT f.county_code, f.flag_kind, f.flag_id, f.file_name, f.sheet_name, f.row_number,
			coalesce(t.township_name, ''), f.entry_date, coalesce(f.summary, ''), coalesce(f.purpose, ''),
			f.spent_fen, f.spent_to_here_fen, f.received_total_fen
		FROM fund_flags($1, CAST($2 AS DATE)) f
		LEFT JOIN ref_townships t USING (township_code)
		ORDER BY f.county_code, f.flag_kind = '超支', f.entry_date, f.sheet_name, f.row_number`, []any{year, asOf}, func(r *sql.Rows) error {
		var code, kind, id string
		var row FundRow
		var received int64
		if err := r.Scan(&code, &kind, &id, &row.File, &row.Sheet, &row.Row, &row.Township, &row.Date,
			&row.Summary, &row.Purpose, &row.SpentFen, &row.SpentToHereFen, &received); err != nil {
			return err
		}
		row.Date = row.Date.UTC()
		c := byCode[code]
		if cur == nil || cur.CountyCode != code || kind == "超范围使用" || cur.Kind != kind {
			out.Flags = append(out.Flags, FundFlag{CountyCode: code, County: c.County, Kind: kind})
			cur = &out.Flags[len(out.Flags)-1]
			switch kind {
			case "超范围使用":
				purpose := "“" + row.Purpose + "”"
				if row.Purpose == "" {
					purpose = "为空"
				}
				cur.Reason = fmt.Sprintf("支出 %s 元，用途类别%s，不在允许用途（%s）内", data.Yuan(row.SpentFen), purpose, allowedText)
			default:
				cur.Reason = fmt.Sprintf("全年支出 %s 元，超过收到的 %s 元，超支 %s 元；自第 %d 行起累计支出超过收入",
					data.Yuan(c.SpentFen), data.Yuan(received), data.Yuan(c.OverspentFen), row.Row)
			}
		}
		cur.Rows = append(cur.Rows, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("资金问题（%d 年，截至 %s）: %w", year, asOf.Format(time.DateOnly), err)
	}
	return out, nil
}
