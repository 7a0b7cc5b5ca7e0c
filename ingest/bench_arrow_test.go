//go:build duckdb_arrow

package ingest

func bulkPaths() []bulkPath {
	return []bulkPath{{"appender", appendRows}, {"arrow", arrowInsert}}
}
