//go:build duckdb_arrow

package ingest

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowInsert is the Arrow alternative to appendRows, kept here so that
// `make bench` (BenchmarkBulkInsert) measures both on every run, and so that
// TestArrowEqualsAppender shows the comparison is like for like. On this
// kind of machine it measured 0.7-0.9× the Appender's speed with 7× the
// memory for sgz's rows (already boxed as []any by the converter); the
// notes' 1.6× gain (../shared/notes/ingest-speed.md) is for CSV decoded
// straight into Arrow builders, which would mean a second converter.

// arrowBatchRows is the number of rows per record batch.
const arrowBatchRows = 65536

// arrowInsert appends rows to table through a record reader registered as
// a temporary view on the connection, in the connection's transaction.
// Values are converted as the Appender converts them (a DATE is Unix
// seconds ÷ 86400, a TIMESTAMP Unix microseconds), so the two paths store
// the same values.
func arrowInsert(ctx context.Context, c driver.Conn, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	schema, err := arrowSchema(ctx, c, table)
	if err != nil {
		return err
	}
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i, row := range rows {
		if len(row) != len(schema.Fields()) {
			return fmt.Errorf("table %s: row of %d values, the table has %d columns", table, len(row), len(schema.Fields()))
		}
		for j, v := range row {
			if err := appendArrow(b.Field(j), v); err != nil {
				return fmt.Errorf("table %s, column %s: %w", table, schema.Field(j).Name, err)
			}
		}
		if (i+1)%arrowBatchRows == 0 || i == len(rows)-1 {
			recs = append(recs, b.NewRecordBatch())
		}
	}
	reader, err := array.NewRecordReader(schema, recs)
	if err != nil {
		return err
	}
	defer reader.Release()
	ar, err := duckdb.NewArrowFromConn(c)
	if err != nil {
		return err
	}
	view := fmt.Sprintf("sgz_arrow_%s_%d", table, arrowViews.Add(1))
	release, err := ar.RegisterView(reader, view)
	if err != nil {
		return fmt.Errorf("table %s: %w", table, err)
	}
	defer release()
	ex := c.(driver.ExecerContext)
	if _, err := ex.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s SELECT * FROM %s`, table, view), nil); err != nil {
		return fmt.Errorf("table %s: %w", table, err)
	}
	_, err = ex.ExecContext(ctx, `DROP VIEW IF EXISTS `+view, nil)
	return err
}

var arrowViews atomic.Int64

// arrowSchemas caches each table's Arrow schema (the tables of schema.sql
// do not change while sgz runs).
var arrowSchemas sync.Map

// arrowSchema is the Arrow schema of a table, from DuckDB's catalog.
func arrowSchema(ctx context.Context, c driver.Conn, table string) (*arrow.Schema, error) {
	if s, ok := arrowSchemas.Load(table); ok {
		return s.(*arrow.Schema), nil
	}
	rows, err := c.(driver.QueryerContext).QueryContext(ctx,
		`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index`,
		[]driver.NamedValue{{Ordinal: 1, Value: table}})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fields []arrow.Field
	vals := make([]driver.Value, 2)
	for {
		if err := rows.Next(vals); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		name, typ := vals[0].(string), vals[1].(string)
		var t arrow.DataType
		switch typ {
		case "VARCHAR":
			t = arrow.BinaryTypes.String
		case "INTEGER":
			t = arrow.PrimitiveTypes.Int32
		case "BIGINT":
			t = arrow.PrimitiveTypes.Int64
		case "DOUBLE":
			t = arrow.PrimitiveTypes.Float64
		case "BOOLEAN":
			t = arrow.FixedWidthTypes.Boolean
		case "DATE":
			t = arrow.FixedWidthTypes.Date32
		case "TIMESTAMP":
			t = &arrow.TimestampType{Unit: arrow.Microsecond} // no time zone: TIMESTAMP, not TIMESTAMPTZ
		default:
			return nil, fmt.Errorf("table %s, column %s: type %s has no Arrow mapping here", table, name, typ)
		}
		fields = append(fields, arrow.Field{Name: name, Type: t, Nullable: true})
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("no table %s", table)
	}
	s := arrow.NewSchema(fields, nil)
	arrowSchemas.Store(table, s)
	return s, nil
}

// appendArrow appends one Go value to a column builder; nil is NULL.
func appendArrow(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	bad := func() error { return fmt.Errorf("value %v of Go type %T for an Arrow %s column", v, v, b.Type()) }
	switch b := b.(type) {
	case *array.StringBuilder:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		b.Append(s)
	case *array.Int32Builder:
		switch n := v.(type) {
		case int:
			b.Append(int32(n))
		case int64:
			b.Append(int32(n))
		case int32:
			b.Append(n)
		default:
			return bad()
		}
	case *array.Int64Builder:
		switch n := v.(type) {
		case int:
			b.Append(int64(n))
		case int64:
			b.Append(n)
		case int32:
			b.Append(int64(n))
		default:
			return bad()
		}
	case *array.Float64Builder:
		switch n := v.(type) {
		case float64:
			b.Append(n)
		case int:
			b.Append(float64(n))
		case int64:
			b.Append(float64(n))
		default:
			return bad()
		}
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Date32Builder:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Date32(t.Unix() / 86400))
	case *array.TimestampBuilder:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Timestamp(t.UnixMicro()))
	default:
		return bad()
	}
	return nil
}

// serviceColumns are service rows as a converter writing Arrow would hold
// them: one typed slice per column, nothing boxed (a nil pointer is NULL).
type serviceColumns struct {
	fileID                                    []int32
	sheet                                     []string
	rowNum                                    []int32
	serviceID, stationID, serviceType, target []*string
	start, end                                []*arrow.Date32
	personTimes                               []*int32
	entered                                   []*arrow.Timestamp
}

// typedServices turns appendRows' rows of sys_services (file, sheet, row,
// then the kind's values) into columns.
func typedServices(rows [][]any) (*serviceColumns, error) {
	c := &serviceColumns{}
	str := func(v any) *string {
		if s, ok := v.(string); ok {
			return &s
		}
		return nil
	}
	day := func(v any) *arrow.Date32 {
		if t, ok := v.(time.Time); ok {
			d := arrow.Date32(t.Unix() / 86400)
			return &d
		}
		return nil
	}
	for _, r := range rows {
		if len(r) != 11 {
			return nil, fmt.Errorf("a row of %d values, sys_services has 11", len(r))
		}
		c.fileID = append(c.fileID, int32(r[0].(int64)))
		c.sheet = append(c.sheet, r[1].(string))
		c.rowNum = append(c.rowNum, int32(r[2].(int64)))
		c.serviceID = append(c.serviceID, str(r[3]))
		c.stationID = append(c.stationID, str(r[4]))
		c.serviceType = append(c.serviceType, str(r[5]))
		c.target = append(c.target, str(r[6]))
		c.start = append(c.start, day(r[7]))
		c.end = append(c.end, day(r[8]))
		var pt *int32
		if n, ok := r[9].(int64); ok {
			x := int32(n)
			pt = &x
		}
		c.personTimes = append(c.personTimes, pt)
		var ts *arrow.Timestamp
		if t, ok := r[10].(time.Time); ok {
			x := arrow.Timestamp(t.UnixMicro())
			ts = &x
		}
		c.entered = append(c.entered, ts)
	}
	return c, nil
}

// arrowTypedInsert appends service columns to sys_services as the CSV
// stream would if its converter wrote Arrow builders: a record batch per
// chunk of rows (the stream's: streamChunk), each registered as a view and
// inserted.
func arrowTypedInsert(ctx context.Context, c driver.Conn, cols *serviceColumns, chunk int) error {
	schema, err := arrowSchema(ctx, c, "sys_services")
	if err != nil {
		return err
	}
	ar, err := duckdb.NewArrowFromConn(c)
	if err != nil {
		return err
	}
	ex := c.(driver.ExecerContext)
	str := func(b array.Builder, s *string) {
		if s == nil {
			b.AppendNull()
			return
		}
		b.(*array.StringBuilder).Append(*s)
	}
	day := func(b array.Builder, d *arrow.Date32) {
		if d == nil {
			b.AppendNull()
			return
		}
		b.(*array.Date32Builder).Append(*d)
	}
	n := len(cols.fileID)
	for from := 0; from < n; from += chunk {
		to := min(n, from+chunk)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := from; i < to; i++ {
			b.Field(0).(*array.Int32Builder).Append(cols.fileID[i])
			b.Field(1).(*array.StringBuilder).Append(cols.sheet[i])
			b.Field(2).(*array.Int32Builder).Append(cols.rowNum[i])
			str(b.Field(3), cols.serviceID[i])
			str(b.Field(4), cols.stationID[i])
			str(b.Field(5), cols.serviceType[i])
			str(b.Field(6), cols.target[i])
			day(b.Field(7), cols.start[i])
			day(b.Field(8), cols.end[i])
			if p := cols.personTimes[i]; p != nil {
				b.Field(9).(*array.Int32Builder).Append(*p)
			} else {
				b.Field(9).AppendNull()
			}
			if t := cols.entered[i]; t != nil {
				b.Field(10).(*array.TimestampBuilder).Append(*t)
			} else {
				b.Field(10).AppendNull()
			}
		}
		rec := b.NewRecordBatch()
		b.Release()
		reader, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
		rec.Release()
		if err != nil {
			return err
		}
		view := fmt.Sprintf("sgz_arrow_typed_%d", arrowViews.Add(1))
		release, err := ar.RegisterView(reader, view)
		if err != nil {
			reader.Release()
			return err
		}
		_, err = ex.ExecContext(ctx, `INSERT INTO sys_services SELECT * FROM `+view, nil)
		release()
		reader.Release()
		if err != nil {
			return err
		}
		if _, err := ex.ExecContext(ctx, `DROP VIEW IF EXISTS `+view, nil); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkBulkInsertTyped is BenchmarkBulkInsert for service rows held
// as typed columns, the way a converter writing Arrow builders would hold
// them (the boxed rows are turned into columns before the clock starts):
// what typed builders would gain over the Appender, measured rather than
// assumed (bench/README.md, "The CSV miss").
func BenchmarkBulkInsertTyped(b *testing.B) {
	const n = 100000
	cols, err := typedServices(serviceRows(b, n))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	conn, err := benchDB(b).Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ResetTimer()
	for b.Loop() {
		if err := conn.Raw(func(dc any) error { return arrowTypedInsert(ctx, dc.(driver.Conn), cols, streamChunk) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
