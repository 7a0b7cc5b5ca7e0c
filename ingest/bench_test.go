package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// servicesCSV makes a GB18030 services export of n rows for one station.
func servicesCSV(b testing.TB, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(simplifiedchinese.GB18030.NewEncoder().Writer(&buf))
	_ = w.Write([]string{"服务记录编号", "站点编号", "站点名称", "服务类型", "服务对象类别", "服务开始日期", "服务结束日期", "服务人次", "录入时间", "录入人"})
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		d := day.AddDate(0, 0, i%365)
		_ = w.Write([]string{fmt.Sprintf("FW%09d", i), "ZD14070210101", "东阳镇社会工作服务站", "个案服务", "留守老人",
			d.Format(time.DateOnly), d.Format(time.DateOnly), "3", d.Format(time.DateOnly) + " 09:12:33", "站点管理员"})
	}
	w.Flush()
	return buf.Bytes()
}

// BenchmarkPrepareServices measures reading, decoding and converting an
// export (no database): rows/s is the figure to compare between runs.
func BenchmarkPrepareServices(b *testing.B) {
	const rows = 20000
	data := servicesCSV(b, rows)
	c := converter(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		sheets, err := ReadSheets("服务记录.csv", data)
		if err != nil {
			b.Fatal(err)
		}
		p, err := c.Convert("服务记录.csv", sheets)
		if err != nil || len(p.Tables["sys_services"].Rows) != rows {
			b.Fatalf("%v, %d rows", err, len(p.Tables["sys_services"].Rows))
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoadServices measures the whole load of an export into an
// on-disk database, one transaction per file.
func BenchmarkLoadServices(b *testing.B) {
	const rows = 100000
	c := converter(b)
	data, p := convertedServices(b, c, rows)
	ctx := context.Background()
	db := benchDB(b)
	if _, err := db.Exec(`INSERT INTO sys_stations VALUES (0, 's', 2, 'ZD14070210101', 'x', '140702', '140702101', NULL, NULL, '运营中')`); err != nil {
		b.Fatal(err)
	}
	l := &Loader{DB: db, Conv: c, Now: time.Now}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		// Each load into tables without an earlier copy of the export, so
		// that every round does the same work (no overlaps to find).
		b.StopTimer()
		for _, table := range []string{"sys_services", "raw_rows", "row_flags", "files"} {
			if _, err := db.Exec("DELETE FROM " + table); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		i++
		r := &Result{Path: "服务记录.csv", Status: Loaded, Parsed: p, sha: fmt.Sprint(i), key: fmt.Sprint(i), size: int64(len(data))}
		if err := l.write(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// convertedServices is a GB18030 services export of n rows and its
// conversion.
func convertedServices(b *testing.B, c *Converter, n int) ([]byte, *Parsed) {
	b.Helper()
	data := servicesCSV(b, n)
	sheets, err := ReadSheets("服务记录.csv", data)
	if err != nil {
		b.Fatal(err)
	}
	p, err := c.Convert("服务记录.csv", sheets)
	if err != nil {
		b.Fatal(err)
	}
	return data, p
}

// benchDB is an empty on-disk database with the ingest tables, closed when
// the benchmark ends.
func benchDB(b *testing.B) *sql.DB {
	b.Helper()
	db, err := sql.Open("duckdb", filepath.Join(b.TempDir(), "b.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := EnsureSchema(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	return db
}

// bulkPath is one way of appending rows (bench_arrow_test.go lists them).
type bulkPath struct {
	name   string
	insert func(context.Context, driver.Conn, string, [][]any) error
}

// BenchmarkBulkInsert measures the bulk paths alone: the typed rows of a
// services export appended to sys_services in one transaction.
func BenchmarkBulkInsert(b *testing.B) {
	const n = 100000
	rows := serviceRows(b, n)
	for _, path := range bulkPaths() {
		b.Run(path.name, func(b *testing.B) {
			ctx := context.Background()
			conn, err := benchDB(b).Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			b.ResetTimer()
			for b.Loop() {
				err := conn.Raw(func(dc any) error {
					return path.insert(ctx, dc.(driver.Conn), "sys_services", rows)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// serviceRows are the typed rows of a converted services export of n
// records as appendRows takes them: file, sheet and row, then the values.
func serviceRows(b *testing.B, n int) [][]any {
	b.Helper()
	_, p := convertedServices(b, converter(b), n)
	rows := make([][]any, n)
	for i, x := range p.Tables["sys_services"].Rows {
		rows[i] = append([]any{int64(1), x.Sheet, int64(x.RowNum)}, x.Values...)
	}
	return rows
}
