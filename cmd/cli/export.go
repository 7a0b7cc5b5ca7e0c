package cli

import (
	"fmt"
	"slices"
	"strings"

	"sgz/data"
	"sgz/metrics"
)

// runExport writes the canonical tables and the monthly indicators as
// Parquet in the Hive layout (metrics.Export), for Spark, Trino or DuckDB.
func runExport(e *env, args []string) int {
	fs := e.flags("export")
	so := storeFlags(fs)
	format := fs.String("format", "parquet", "输出格式（现只有 parquet）")
	out := fs.String("out", "", "输出文件夹（必填）")
	asOf := asOfOption(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if *format != "parquet" {
		fmt.Fprintf(e.stderr, "sgz export: --format %q：现只支持 parquet\n", *format)
		return ExitError
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "sgz export: 须给出 --out 文件夹")
		return ExitError
	}
	so.readOnly = true
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	if *asOf == "" {
		*asOf = "latest" // the data's last day, not today
	}
	d, err := asOfFlagIn(e, st, *asOf, metrics.LatestScopeDate) // the export is the whole scope's
	if err != nil {
		return e.fail(err)
	}
	counts, err := metrics.Export(e.ctx, st.db, *out, d, data.NewCalendar(st.ref.Holidays).Years()[0])
	if err != nil {
		return e.fail(err)
	}
	var names []string
	for n := range counts {
		names = append(names, n)
	}
	slices.Sort(names)
	var parts []string
	for _, n := range names {
		unit := "行"
		if n == "indicators" || n == "areas" {
			unit = "个月末"
		}
		parts = append(parts, fmt.Sprintf("%s %d %s", n, counts[n], unit))
	}
	fmt.Fprintf(e.stdout, "已导出到 %s（Parquet，按 province/city/month 分区，截至 %s）：%s\n", *out, d.Format("2006-01-02"), strings.Join(parts, "、"))
	return ExitOK
}
