//go:build duckdb_arrow

package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgz/data"
	"sgz/gen"
)

// TestArrowEqualsAppender: the typed rows of the generator's messy corpus
// appended through Arrow record batches and through the Appender give the
// same table contents, value for value (dates, timestamps, booleans,
// doubles, NULLs, Chinese text), so BenchmarkBulkInsert compares like with
// like.
func TestArrowEqualsAppender(t *testing.T) {
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, _, err := gen.Generate(ref, 5, dir, gen.Options{}); err != nil {
		t.Fatal(err)
	}
	paths, err := Expand([]string{filepath.Join(dir, "ledgers"), filepath.Join(dir, "system")})
	if err != nil {
		t.Fatal(err)
	}
	c := converter(t)
	tables := map[string][][]any{}
	for i, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sheets, err := ReadSheets(filepath.Base(path), b)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Convert(filepath.Base(path), sheets)
		if err != nil {
			t.Fatal(err)
		}
		for name, rows := range p.Tables {
			for _, x := range rows.Rows {
				tables[name] = append(tables[name], append([]any{int64(i), x.Sheet, int64(x.RowNum)}, x.Values...))
			}
		}
	}
	if len(tables) != 6 || len(tables["ledger_funds"]) == 0 || len(tables["sys_services"]) < 10000 {
		t.Fatalf("%d tables, %d services: the corpus is not what this test expects", len(tables), len(tables["sys_services"]))
	}
	ctx := context.Background()
	dump := func(insert func(context.Context, driver.Conn, string, [][]any) error) map[string]string {
		db := testDB(t)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		out := map[string]string{}
		for name, rows := range tables {
			if err := conn.Raw(func(dc any) error { return insert(ctx, dc.(driver.Conn), name, rows) }); err != nil {
				t.Fatal(err)
			}
			out[name] = tableText(t, db, name)
		}
		return out
	}
	arrow, appender := dump(arrowInsert), dump(appendRows)
	// and the service rows from typed columns, chunk by chunk
	cols, err := typedServices(tables["sys_services"])
	if err != nil {
		t.Fatal(err)
	}
	typed := dump(func(ctx context.Context, c driver.Conn, name string, rows [][]any) error {
		if name != "sys_services" {
			return nil
		}
		return arrowTypedInsert(ctx, c, cols, 1000) // many chunks
	})
	if a := typed["sys_services"]; a != appender["sys_services"] {
		t.Errorf("sys_services differs between typed Arrow columns and the Appender:\n%s", firstDifference(a, appender["sys_services"]))
	}
	for name, a := range arrow {
		if a != appender[name] {
			t.Errorf("%s differs between Arrow and the Appender:\n%s", name, firstDifference(a, appender[name]))
		}
	}
}

// tableText is every row of a table, ordered, as text.
func tableText(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	var text string
	q := fmt.Sprintf(`SELECT coalesce(string_agg(CAST(x AS VARCHAR), chr(10) ORDER BY CAST(x AS VARCHAR)), '') FROM %s x`, table)
	if err := db.QueryRow(q).Scan(&text); err != nil {
		t.Fatal(err)
	}
	return text
}

func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  arrow    %s\n  appender %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(la), len(lb))
}
