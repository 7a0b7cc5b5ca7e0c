package ingest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/data"
	"sgz/gen"
)

// TestStreamEqualsWhole: the generated inputs (GB18030 and UTF-8 exports
// with and without BOM, an export that repeats the previous quarter, a
// service of an unknown station, messy ledgers) loaded with every CSV
// export streamed in chunks give exactly the database of a load that reads
// every file whole: the same typed rows, raw rows, rejects, remarks and
// file counts.
func TestStreamEqualsWhole(t *testing.T) {
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, _, err := gen.Generate(ref, 11, dir, gen.Options{}); err != nil {
		t.Fatal(err)
	}
	paths, err := Expand([]string{filepath.Join(dir, "ledgers"), filepath.Join(dir, "system")})
	if err != nil {
		t.Fatal(err)
	}
	dump := func(stream int64) (string, int) {
		db := testDB(t)
		l := &Loader{DB: db, Conv: converter(t), Now: func() time.Time { return time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC) }, StreamBytes: stream}
		res, err := l.Load(context.Background(), paths)
		if err != nil {
			t.Fatal(err)
		}
		streamed := 0
		var b strings.Builder
		for _, r := range res {
			if r.Parsed != nil && r.Parsed.streamed {
				streamed++
			}
			loaded := 0
			if r.Parsed != nil {
				loaded = r.Parsed.Loaded()
			}
			fmt.Fprintf(&b, "%s %s loaded=%d\n", filepath.Base(r.Path), r.Status, loaded)
		}
		for _, q := range []string{
			`SELECT file_id, file_name, count_loaded, count_rejected, count_skipped, count_overlap FROM files ORDER BY file_id`,
			`SELECT * FROM sys_services ORDER BY file_id, row_number`,
			`SELECT * FROM sys_summaries ORDER BY file_id, row_number`,
			`SELECT * FROM sys_stations ORDER BY file_id, row_number`,
			`SELECT * FROM raw_rows ORDER BY file_id, sheet_name, row_number`,
			`SELECT * FROM rejects ORDER BY ALL`,
			`SELECT * FROM row_flags ORDER BY ALL`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(&b, vals...)
			}
			rows.Close()
		}
		return b.String(), streamed
	}
	whole, n0 := dump(1 << 40)
	chunked, n1 := dump(1)
	if n0 != 0 || n1 < 5 {
		t.Fatalf("streamed files: %d read whole (want 0), %d streamed (want the CSV exports)", n0, n1)
	}
	if whole != chunked {
		a, b := strings.Split(whole, "\n"), strings.Split(chunked, "\n")
		for i := range a {
			if i >= len(b) || a[i] != b[i] {
				t.Fatalf("line %d differs:\nwhole:    %s\nstreamed: %s", i, a[i], b[min(i, len(b)-1)])
			}
		}
		t.Fatalf("the streamed load has %d more lines", len(b)-len(a))
	}
}

// TestStreamKeepsFewProblems: a streamed file with thousands of rejected
// rows keeps the first 1,000 for the summary and counts the rest; the
// database has all of them.
func TestStreamKeepsFewProblems(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("服务记录编号,站点编号,服务开始日期,服务人次,录入时间\n")
	for i := 0; i < 2500; i++ {
		fmt.Fprintf(&b, "F%d,NOSUCH,2023-11-20,2,2023-11-21 09:00\n", i)
	}
	path := filepath.Join(dir, "服务记录.csv")
	if err := writeFile(path, b.String()); err != nil {
		t.Fatal(err)
	}
	db := testDB(t)
	l := &Loader{DB: db, Conv: converter(t), Now: time.Now, StreamBytes: 1}
	res, err := l.Load(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	p := res[0].Parsed
	rej, _ := p.Omitted()
	var n int
	_ = db.QueryRow(`SELECT count(*) FROM rejects`).Scan(&n)
	if res[0].Status != Partly || len(p.Rejects) != 1000 || rej != 1500 || n != 2500 || p.RejectedRows() != 2500 {
		t.Errorf("%s: %d rejects kept, %d omitted, %d in the database, %d rows rejected", res[0].Status, len(p.Rejects), rej, n, p.RejectedRows())
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// TestCSVSourceRowsAsWhole: the streamed reader gives the rows readCSV
// gives: blank lines as empty rows, a quoted field across lines, CRLF, a
// BOM, GB18030; and refuses one row past sheet_max_rows as readCSV does.
func TestCSVSourceRowsAsWhole(t *testing.T) {
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("站点编号,名称\nS1,昭馀镇\n\nS2,东观镇\n")
	for i, text := range []string{
		"a,b\n1,2\n\n\n3,\"x\ny\"\n4,5\n\n",
		"\xEF\xBB\xBFa,b\r\n1,2\r\n\r\n3,4\r\n",
		gbk,
	} {
		path := filepath.Join(t.TempDir(), "x.csv")
		if err := writeFile(path, text); err != nil {
			t.Fatal(err)
		}
		whole, err := readCSV("x.csv", []byte(text), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		src, err := openCSVSource(path, "x.csv", DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for {
			row, err := src.next()
			if err != nil {
				break
			}
			rows = append(rows, row)
		}
		src.Close()
		if fmt.Sprint(rows) != fmt.Sprint(whole[0].Rows) {
			t.Errorf("case %d: streamed %q, whole %q", i, rows, whole[0].Rows)
		}
	}
	lim := DefaultLimits()
	lim.SheetRows = 3
	text := "a,b\n1,2\n\n\n3,4\n"
	path := filepath.Join(t.TempDir(), "y.csv")
	_ = writeFile(path, text)
	_, wholeErr := readCSV("y.csv", []byte(text), lim)
	src, _ := openCSVSource(path, "y.csv", lim)
	var err error
	for err == nil {
		_, err = src.next()
	}
	src.Close()
	if wholeErr == nil || err == io.EOF {
		t.Errorf("five rows with sheet_max_rows 3: whole %v, streamed %v; want both refused", wholeErr, err)
	}
}
