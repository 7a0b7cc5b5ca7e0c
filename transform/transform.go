// Package transform builds the canonical layer over what ingest loaded: the
// reference tables (ref_*) from data/, and staging views (stg_*) that pick
// the ledger in force and make one row per record out of overlapping
// exports. Each view is one SQL file in transform/sql named after it; the
// number before the name is its layer (a view reads only lower layers), and
// files run in name order.
//
// In: the ingest tables and the reference data. Out: ref_* tables and stg_*
// views in the same DuckDB database.
package transform

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"sgz/data"
)

//go:embed sql/*.sql
var models embed.FS

// Apply (re)creates the reference tables and the staging views.
func Apply(ctx context.Context, db *sql.DB, ref *data.Reference, pol data.Policy) error {
	return apply(ctx, db, ref, pol, false)
}

// ApplyTemp creates them as temporary objects of the connection, for a
// database opened read-only (db must hold one connection: temporary
// objects belong to the connection that made them).
func ApplyTemp(ctx context.Context, db *sql.DB, ref *data.Reference, pol data.Policy) error {
	return apply(ctx, db, ref, pol, true)
}

func apply(ctx context.Context, db *sql.DB, ref *data.Reference, pol data.Policy, temp bool) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := loadReference(ctx, tx, ref, pol, temp); err != nil {
		return fmt.Errorf("reference tables: %w", err)
	}
	if err := runModels(ctx, tx, models, "sql", temp); err != nil {
		return err
	}
	return tx.Commit()
}

// Temporary rewrites a model's CREATE OR REPLACE TABLE, VIEW and MACRO
// statements to create temporary objects, which a read-only database
// allows; they are found before the database's own of the same names.
func Temporary(sql string) string {
	return strings.NewReplacer("CREATE OR REPLACE TABLE ", "CREATE OR REPLACE TEMP TABLE ",
		"CREATE OR REPLACE VIEW ", "CREATE OR REPLACE TEMP VIEW ",
		"CREATE OR REPLACE MACRO ", "CREATE OR REPLACE TEMP MACRO ").Replace(sql)
}

// Execer is what runs a model: a *sql.DB, *sql.Conn or *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// RunModels executes every .sql file of dir in name order (the number
// before a model's name is its layer).
func RunModels(ctx context.Context, tx Execer, fsys fs.FS, dir string) error {
	return runModels(ctx, tx, fsys, dir, false)
}

// RunModelsTemp is RunModels creating temporary objects (Temporary).
func RunModelsTemp(ctx context.Context, tx Execer, fsys fs.FS, dir string) error {
	return runModels(ctx, tx, fsys, dir, true)
}

func runModels(ctx context.Context, tx Execer, fsys fs.FS, dir string, temp bool) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return err
		}
		q := string(b)
		if temp {
			q = Temporary(q)
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, name, err)
		}
	}
	return nil
}

func loadReference(ctx context.Context, tx *sql.Tx, ref *data.Reference, pol data.Policy, temp bool) error {
	stmts := []string{
		`CREATE OR REPLACE TABLE ref_counties (county_code VARCHAR PRIMARY KEY, county_name VARCHAR NOT NULL, build_from INTEGER, build_to INTEGER)`,
		`CREATE OR REPLACE TABLE ref_townships (township_code VARCHAR PRIMARY KEY, township_name VARCHAR NOT NULL, county_code VARCHAR NOT NULL, township_kind VARCHAR NOT NULL, in_scope BOOLEAN NOT NULL)`,
		// ref_areas and ref_scope_townships: the divisions and townships of
		// the policy's scope (data.LoadScope), for the figures by area.
		`CREATE OR REPLACE TABLE ref_areas (area_code VARCHAR NOT NULL, area_name VARCHAR NOT NULL, area_level VARCHAR NOT NULL, parent_code VARCHAR, PRIMARY KEY (area_level, area_code))`,
		`CREATE OR REPLACE TABLE ref_scope_townships (township_code VARCHAR PRIMARY KEY, township_name VARCHAR NOT NULL, county_code VARCHAR NOT NULL, township_kind VARCHAR NOT NULL, in_scope BOOLEAN NOT NULL)`,
		`CREATE OR REPLACE TABLE ref_holidays (holiday_date DATE PRIMARY KEY, day_kind VARCHAR NOT NULL, holiday_name VARCHAR NOT NULL)`,
		`CREATE OR REPLACE TABLE ref_policy (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
		// ref_calendar: one row per day of the years the holiday file covers.
		`CREATE OR REPLACE TABLE ref_calendar (day DATE PRIMARY KEY, is_workday BOOLEAN NOT NULL)`,
		// ref_summary_deadlines: one row per month whose monthly summary
		// deadline the calendar can tell (indicators.md "Monthly summaries").
		`CREATE OR REPLACE TABLE ref_summary_deadlines (summary_month DATE PRIMARY KEY, due_date DATE NOT NULL)`,
	}
	for _, s := range stmts {
		if temp {
			s = Temporary(s)
		}
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	var rows [][]any
	for _, c := range ref.Counties {
		rows = append(rows, []any{c.Code, c.Name, c.BuildFrom, c.BuildTo})
	}
	if err := insert(ctx, tx, "ref_counties", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, t := range ref.Townships {
		rows = append(rows, []any{t.Code, t.Name, t.CountyCode, t.Kind, t.InScope})
	}
	if err := insert(ctx, tx, "ref_townships", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, a := range ref.Areas {
		rows = append(rows, []any{a.Code, a.Name, a.Level, nullIfEmpty(a.Parent)})
	}
	if err := insert(ctx, tx, "ref_areas", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, t := range ref.ScopeTownships {
		rows = append(rows, []any{t.Code, t.Name, t.CountyCode, t.Kind, t.InScope})
	}
	if err := insert(ctx, tx, "ref_scope_townships", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, h := range ref.Holidays {
		rows = append(rows, []any{h.Date, h.Kind, h.Name})
	}
	if err := insert(ctx, tx, "ref_holidays", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, e := range pol.Entries {
		rows = append(rows, []any{e[0], e[1]})
	}
	if err := insert(ctx, tx, "ref_policy", rows); err != nil {
		return err
	}
	cal := data.NewCalendar(ref.Holidays)
	years := cal.Years()
	if len(years) == 0 {
		return nil
	}
	rows = rows[:0]
	var deadlines [][]any
	first := time.Date(years[0], 1, 1, 0, 0, 0, 0, time.UTC)
	for d := first; cal.Covers(d); d = d.AddDate(0, 0, 1) {
		ok, err := cal.IsWorkday(d)
		if err != nil {
			return err
		}
		rows = append(rows, []any{d, ok})
		if d.Day() == 1 {
			if due, err := cal.SummaryDeadline(d, pol.SummaryDueDay, pol.SummaryExtensionWorkdays); err == nil {
				deadlines = append(deadlines, []any{d, due})
			}
		}
	}
	if err := insert(ctx, tx, "ref_calendar", rows); err != nil {
		return err
	}
	return insert(ctx, tx, "ref_summary_deadlines", deadlines)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// insert writes reference rows. A few hundred (the policy, whose values a
// user typed, the holidays, the counties) go as a multi-row INSERT of
// bound parameters; a long table of the embedded reference data as one
// text of tab-separated lines, split by DuckDB and cast to the table's
// columns: the country's 41,352 townships took 1.8 s at every command as
// bound parameters, 2.1 s as literal VALUES, 0.05 s so.
func insert(ctx context.Context, tx *sql.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if len(rows) < 1000 {
		ph := "(" + strings.TrimSuffix(strings.Repeat("?,", len(rows[0])), ",") + ")"
		var args []any
		parts := make([]string, len(rows))
		for i, r := range rows {
			parts[i] = ph
			args = append(args, r...)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" VALUES "+strings.Join(parts, ","), args...)
		return err
	}
	var b strings.Builder
	for _, r := range rows {
		for j, v := range r {
			if j > 0 {
				b.WriteByte('\t')
			}
			text, err := plainText(v)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			b.WriteString(text)
		}
		b.WriteByte('\n')
	}
	cols := make([]string, len(rows[0]))
	for j := range cols {
		cols[j] = fmt.Sprintf(`nullif(f[%d], '\N')`, j+1)
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" SELECT "+strings.Join(cols, ", ")+
		` FROM (SELECT string_split(line, chr(9)) AS f FROM (SELECT unnest(string_split(rtrim($1, chr(10)), chr(10))) AS line))`, b.String())
	return err
}

// plainText is v as insert's text: \N for nil, a date as YYYY-MM-DD. A
// value holding a tab or a line break is refused (the embedded reference
// data has none: TestLoadScope's lists are checked by data_test).
func plainText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return `\N`, nil
	case string:
		if strings.ContainsAny(x, "\t\n") || x == `\N` {
			return "", fmt.Errorf("%q: a tab or line break in reference data", x)
		}
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case time.Time:
		if x.Hour() != 0 || x.Minute() != 0 || x.Second() != 0 || x.Nanosecond() != 0 {
			return "", fmt.Errorf("%v is not a date", x)
		}
		return x.Format(time.DateOnly), nil
	}
	return "", fmt.Errorf("no text for %T", v)
}
