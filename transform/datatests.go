package transform

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed tests/*.sql
var dataTests embed.FS

// DataTest is one data test's result: the file, its title and what it
// checks in words for a reader (its "-- 检查：" and "-- 说明：" lines), and
// the first offending rows (none when it passed).
type DataTest struct {
	Name, Title, About string
	Rows               []string
}

// Passed says whether the test returned no rows.
func (d DataTest) Passed() bool { return len(d.Rows) == 0 }

// RunDataTests runs every transform/tests/*.sql query against db; each must
// return no rows. It returns the tests that did, with up to 5 rows each.
func RunDataTests(ctx context.Context, db *sql.DB) ([]DataTest, error) {
	all, err := DataTests(ctx, db)
	var failed []DataTest
	for _, d := range all {
		if !d.Passed() {
			failed = append(failed, d)
		}
	}
	return failed, err
}

// DataTests runs every transform/tests/*.sql query and returns every
// result, passed or not.
func DataTests(ctx context.Context, db *sql.DB) ([]DataTest, error) {
	return RunChecks(ctx, db, dataTests, "tests")
}

// RunChecks runs every dir/*.sql query of fsys against db with args (a
// query refers to them as $1, $2…); each must return no rows. It returns
// every test's result in name order, with up to 5 offending rows each.
func RunChecks(ctx context.Context, db *sql.DB, fsys fs.FS, dir string, args ...any) ([]DataTest, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var out []DataTest
	for _, name := range names {
		q, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		bad, err := firstRows(ctx, db, string(q), 5, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		title, what := about(string(q))
		if title == "" || what == "" {
			return nil, fmt.Errorf("%s: no \"-- 检查：\" and \"-- 说明：\" lines to show a reader", name)
		}
		out = append(out, DataTest{Name: name, Title: title, About: what, Rows: bad})
	}
	return out, nil
}

// about reads a check's title and description for a reader from its
// leading comment: the lines "-- 检查：…" and "-- 说明：…" (the rest of the
// comment speaks to whoever maintains the query).
func about(q string) (title, what string) {
	for _, line := range strings.Split(q, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "--") {
			break
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "--"))
		if t, ok := strings.CutPrefix(line, "检查："); ok {
			title = t
		}
		if t, ok := strings.CutPrefix(line, "说明："); ok {
			what = t
		}
	}
	return title, what
}

func firstRows(ctx context.Context, db *sql.DB, q string, n int, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() && len(out) < n {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out, rows.Err()
}
