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

// DataTest is one failed data test: the file and the first offending rows.
type DataTest struct {
	Name string
	Rows []string
}

// RunDataTests runs every transform/tests/*.sql query against db; each must
// return no rows. It returns the tests that did, with up to 5 rows each.
func RunDataTests(ctx context.Context, db *sql.DB) ([]DataTest, error) {
	names, err := fs.Glob(dataTests, "tests/*.sql")
	if err != nil {
		return nil, err
	}
	var failed []DataTest
	for _, name := range names {
		q, err := dataTests.ReadFile(name)
		if err != nil {
			return nil, err
		}
		bad, err := firstRows(ctx, db, string(q), 5)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(bad) > 0 {
			failed = append(failed, DataTest{Name: name, Rows: bad})
		}
	}
	return failed, nil
}

func firstRows(ctx context.Context, db *sql.DB, q string, n int) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
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
