// Package dberr names DuckDB's errors for a reader of Chinese: what
// happened and what to do, with DuckDB's own first line after it as
// detail (its English tuning advice, "SET threads=X" and the like, is
// dropped: it speaks to someone typing SQL, not to a user of sgz).
//
// Describe is called where an error reaches a person: the reason a file
// was refused (ingest) and the command line's one error printer (cmd/cli).
package dberr

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// kinds, tried in order: the first whose test matches names the error.
var kinds = []struct {
	match func(t duckdb.ErrorType, msg string) bool
	say   func(msg string) string
}{
	{ // a full disk shows as an I/O error, or as out of memory when the
		// temporary folder DuckDB spills to cannot grow
		func(t duckdb.ErrorType, msg string) bool {
			return strings.Contains(msg, "No space left on device") || strings.Contains(msg, "max_temp_directory_size") ||
				strings.Contains(msg, "Disk full") || strings.Contains(msg, "disk is full")
		},
		func(string) string {
			return "磁盘空间不足：数据库或其临时文件夹（数据库旁的 .tmp 文件夹）所在的磁盘已满。请清理出空间后重试；数据库保持原样"
		},
	},
	{
		func(t duckdb.ErrorType, msg string) bool {
			return t == duckdb.ErrorTypeOutOfMemory || strings.Contains(msg, "Out of Memory Error")
		},
		func(msg string) string {
			limit := ""
			if m := memUsed.FindStringSubmatch(msg); m != nil {
				limit = "（" + m[1] + "）"
			}
			return "内存不足：DuckDB 用尽了为本次操作设定的内存上限" + limit + "。请关闭其他占用内存的程序后重试；本机内存充裕时，可用环境变量 SGZ_MEMORY_LIMIT 调高上限（如 SGZ_MEMORY_LIMIT=2GB）。若载入一个文件时出现，请连同该文件报告：sgz 的载入本应在默认上限内完成"
		},
	},
	{
		func(t duckdb.ErrorType, msg string) bool {
			return strings.Contains(msg, "Corrupt database file") || strings.Contains(strings.ToLower(msg), "checksum")
		},
		func(string) string {
			return "数据库文件已损坏（校验和不符）：请用 sgz restore 从最近的备份恢复，或重新载入全部台账和导出"
		},
	},
	{
		func(t duckdb.ErrorType, msg string) bool {
			return strings.Contains(msg, "Permission denied") || t == duckdb.ErrorTypePermission
		},
		func(string) string {
			return "没有读写权限：请确认当前用户可以读写数据库文件及其所在文件夹"
		},
	},
	{
		func(t duckdb.ErrorType, msg string) bool {
			return t == duckdb.ErrorTypeIO || strings.Contains(msg, "IO Error")
		},
		func(string) string {
			return "读写数据库文件出错：请检查磁盘是否可用、文件是否被移走或被其他程序改动后重试"
		},
	},
	{
		func(t duckdb.ErrorType, msg string) bool {
			return t == duckdb.ErrorTypeConversion || t == duckdb.ErrorTypeOutOfRange ||
				strings.Contains(msg, "Conversion Error") || strings.Contains(msg, "Out of Range Error")
		},
		func(string) string {
			return "数值转换出错：某个值超出了它能取的范围或不是应有的格式（常见原因：政策参数的取值过大、过小或格式不对）"
		},
	},
	{
		func(t duckdb.ErrorType, msg string) bool { return t == duckdb.ErrorTypeInterrupt },
		func(string) string { return "操作被中断，数据库保持原样" },
	},
	{
		func(t duckdb.ErrorType, msg string) bool {
			return t == duckdb.ErrorTypeFatal || t == duckdb.ErrorTypeInternal ||
				strings.Contains(msg, "FATAL Error") || strings.Contains(msg, "INTERNAL Error")
		},
		func(string) string {
			return "DuckDB 内部错误：请重新运行该命令；若再次出现，请保留数据库和输入文件并报告"
		},
	},
}

var memUsed = regexp.MustCompile(`\([0-9.]+ [KMGT]iB/([0-9.]+ [KMGT]iB) used\)`)

// Describe is err's text for a person: for a DuckDB error of a kind above,
// the Chinese account and then, as detail, the first line of the error
// (the step that failed and DuckDB's message); any other error as it is.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	t := duckdb.ErrorTypeInvalid
	var de *duckdb.Error
	isDuck := errors.As(err, &de)
	if isDuck {
		t = de.Type
	}
	for _, k := range kinds {
		if k.match(t, msg) {
			return fmt.Sprintf("%s（详情：%s）", k.say(msg), Detail(msg))
		}
	}
	return msg
}

// Wrap returns an error whose text is Describe(err) and which unwraps to
// err; nil for nil.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &described{err}
}

type described struct{ err error }

func (d *described) Error() string { return Describe(d.err) }
func (d *described) Unwrap() error { return d.err }

// Detail is the first line of a DuckDB message without its advice, on one
// line.
func Detail(msg string) string {
	if i := strings.Index(msg, "Possible solutions:"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, "See also https://"); i >= 0 {
		msg = msg[:i]
	}
	return strings.Join(strings.Fields(msg), " ")
}
