// Package dashboards turns computed indicators into the static dashboard
// site that people read.
//
// In: a metrics.Site — the per-county indicator rows and the city total as
// of one date, the city's monthly series and the source files (its
// metrics.Snapshot), plus system use by month, the warning line,
// ledger/system differences, loaded files, reject reasons and the coverage
// outlook.
//
// Out (WriteSite): a folder of files that opens from file:// on a computer
// with no network (docs/spec outputs.md, "Dashboard site"):
//
//	<dir>/index.html              总览: KPI cards, map, charts, 全覆盖进度预警, county table
//	<dir>/indicators.csv          the county table
//	<dir>/coverage-outlook.csv    the 全覆盖进度预警 table
//	<dir>/system-use.html         系统使用: ranking of the latest month, score trend,
//	                              three rates, month × county scores
//	<dir>/system-use-ranking.csv  the ranking, every month
//	<dir>/system-use.csv          the month × county scores
//	<dir>/data-quality.html       数据质量: ledgers per county, ledger/system
//	                              differences, reject reasons, loaded files
//	<dir>/data-quality-ledgers.csv, data-quality-differences.csv, data-quality-files.csv
//	<dir>/assets/echarts.min.js
//	<dir>/assets/jinzhong.js      the 晋中 map, registered as "晋中"
//
// Every page shares one layout (templates/layout.html.tmpl): a navigation
// bar with relative links, the as-of date, the sources, tables that work
// without JavaScript and print on A4. CSVs are UTF-8 with a byte order mark
// and CRLF line ends, for Excel. WriteOverview writes the overview alone,
// for callers that have only a Snapshot.
//
// Chart options are built with go-echarts and placed into our own
// html/template layout; go-echarts' own page header (which points at a CDN)
// is never used. The two scripts come from the npm packages pinned in the
// repository's package.json and are embedded into the binary from
// dashboards/assets by `make assets`.
//
// RankUse is the ranking rule of the system use bulletin (ties share a
// rank; counties below the warning line, or else the lowest-ranked, must
// submit 书面说明及整改方案), for the bulletin to use as well.
//
// Output is deterministic: the same Site gives byte-identical files (fixed
// chart IDs, no generation timestamps, no map iteration order).
package dashboards
