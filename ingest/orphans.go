package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// fileTables are the tables whose rows belong to a loaded file (file_id).
var fileTables = []string{"ledger_stations", "ledger_staff", "ledger_funds", "sys_stations", "sys_services", "sys_summaries",
	"raw_rows", "rejects", "row_flags", "superseded_services", "cur_services"}

// Orphans counts, per table, rows whose file_id has no row in files.
type Orphans map[string]int64

// Total is the number of orphan rows in all tables.
func (o Orphans) Total() int64 {
	var n int64
	for _, v := range o {
		n += v
	}
	return n
}

// String says how many rows of which tables, for a message.
func (o Orphans) String() string {
	var parts []string
	for t, n := range o {
		parts = append(parts, fmt.Sprintf("%s %d 行", t, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, "、")
}

// RemoveOrphans deletes, in one transaction, every row whose file_id has
// no row in files, and says how many of which tables. Such rows are what a
// load killed during its commit can leave: DuckDB may recover data written
// before a commit that never finished (duckdb/duckdb#25931) without the
// files row of the same transaction. Nothing would trace them to a file,
// and the same file loaded again would count twice. Called on every open
// that may write.
func RemoveOrphans(ctx context.Context, db *sql.DB) (Orphans, error) {
	// The cheap question first: which file ids do the tables hold?
	known, err := fileIDs(ctx, db, `SELECT file_id FROM files`)
	if err != nil {
		return nil, err
	}
	stray := map[string]bool{}
	for _, t := range fileTables {
		ids, err := fileIDs(ctx, db, `SELECT DISTINCT file_id FROM `+t)
		if err != nil {
			return nil, err
		}
		for id := range ids {
			if !known[id] {
				stray[t] = true
			}
		}
	}
	if len(stray) == 0 {
		return nil, nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := Orphans{}
	for t := range stray {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE file_id NOT IN (SELECT file_id FROM files)`)
		if err != nil {
			return nil, fmt.Errorf("removing rows of no file from %s: %w", t, err)
		}
		n, _ := res.RowsAffected()
		if n > 0 {
			out[t] = n
		}
	}
	if stray["sys_services"] || stray["superseded_services"] || stray["cur_services"] {
		// the torn load may have taken older versions out of cur_services
		if err := RebuildCurrentServices(ctx, tx); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		return out, err
	}
	return out, nil
}

// fileIDs runs a query of file ids.
func fileIDs(ctx context.Context, db *sql.DB, q string) (map[int64]bool, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
