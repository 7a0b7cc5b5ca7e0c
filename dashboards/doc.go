// Package dashboards turns computed indicators into the static dashboard
// site that people read.
//
// In: a metrics.Snapshot — the per-county indicator rows and the city total
// as of one date, the city's monthly series, and the list of source files
// the figures were computed from.
//
// Out: a folder of files that opens from file:// on a computer with no
// network (docs/spec outputs.md, "Dashboard site"):
//
//	<dir>/index.html          总览 overview page (KPI cards, map, charts, table)
//	<dir>/indicators.csv      the overview table, UTF-8 with BOM for Excel
//	<dir>/assets/echarts.min.js
//	<dir>/assets/jinzhong.js  the 晋中 map, registered as "晋中"
//
// Chart options are built with go-echarts and placed into our own
// html/template layout; go-echarts' own page header (which points at a CDN)
// is never used. The two scripts come from the npm packages pinned in the
// repository's package.json and are embedded into the binary from
// dashboards/assets by `make assets`.
//
// Output is deterministic: the same Snapshot gives byte-identical files
// (fixed chart IDs, no generation timestamps, no map iteration order).
package dashboards
