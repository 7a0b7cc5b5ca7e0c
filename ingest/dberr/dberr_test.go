package dberr

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// TestOutOfMemoryInChinese: a real out-of-memory error of DuckDB (an
// in-memory database cannot spill) is named in Chinese with the limit and
// what to do; DuckDB's advice to type SQL is gone, its first line stays as
// detail; wrapped by a step's context, the same.
func TestOutOfMemoryInChinese(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`SET memory_limit = '4MB'; SET temp_directory = ''`); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TABLE t AS SELECT range AS i, repeat('x', 100) AS s FROM range(1000000)`)
	if err == nil {
		t.Fatal("4 MB held a million rows in memory: no error to describe")
	}
	got := Describe(fmt.Errorf("current services: %w", err))
	for _, want := range []string{"内存不足", "SGZ_MEMORY_LIMIT", "详情：current services: Out of Memory Error"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	for _, not := range []string{"Possible solutions", "SET threads", "\n"} {
		if strings.Contains(got, not) {
			t.Errorf("%q still has %q", got, not)
		}
	}
	if !strings.HasPrefix(got, "内存不足：") {
		t.Errorf("%q does not begin with what happened", got)
	}
	// Wrap keeps the error for errors.As and says it in Chinese
	w := Wrap(err)
	var de *duckdb.Error
	if !errors.As(w, &de) || !strings.HasPrefix(w.Error(), "内存不足") {
		t.Errorf("Wrap: %v", w)
	}
}

// TestKinds: each kind a user can act on by its DuckDB message (as
// DuckDB 1.5 words them), and other errors unchanged.
func TestKinds(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&duckdb.Error{Type: duckdb.ErrorTypeIO, Msg: "IO Error: Could not write file \"x.duckdb.wal\": No space left on device"}, "磁盘空间不足"},
		{&duckdb.Error{Type: duckdb.ErrorTypeOutOfMemory, Msg: "Out of Memory Error: failed to offload data block of size 256.0 KiB (1.1 GiB/1.1 GiB used). This limit was set by the 'max_temp_directory_size' setting."}, "磁盘空间不足"},
		{&duckdb.Error{Type: duckdb.ErrorTypeIO, Msg: "IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2 in block at location 3"}, "数据库文件已损坏"},
		{&duckdb.Error{Type: duckdb.ErrorTypeIO, Msg: "IO Error: Cannot open file \"x\": Permission denied"}, "没有读写权限"},
		{&duckdb.Error{Type: duckdb.ErrorTypeIO, Msg: "IO Error: Could not read from file \"x\": Input/output error"}, "读写数据库文件出错"},
		{&duckdb.Error{Type: duckdb.ErrorTypeConversion, Msg: "Conversion Error: Type DOUBLE with value 1e+308 can't be cast because the value is out of range for the destination type INT32"}, "数值转换出错"},
		{&duckdb.Error{Type: duckdb.ErrorTypeInternal, Msg: "INTERNAL Error: x"}, "DuckDB 内部错误"},
		{errors.New("找不到文件"), "找不到文件"},
	}
	for _, c := range cases {
		if got := Describe(c.err); !strings.HasPrefix(got, c.want) {
			t.Errorf("%v: %q, want it to begin with %q", c.err, got, c.want)
		}
	}
	if Describe(nil) != "" || Wrap(nil) != nil {
		t.Error("nil is no error")
	}
}
