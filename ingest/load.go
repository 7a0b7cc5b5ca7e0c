package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

//go:embed sql/schema.sql
var schemaSQL string

// SchemaVersion marks a database whose tables are those of schema.sql as
// this sgz has it (row of migrations); a database without it is brought
// up to date by a writing open before it is read.
const SchemaVersion = "schema:2026-11-29b"

// EnsureSchema creates the ingest tables if they are missing and brings
// older databases up to date.
func EnsureSchema(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		return fmt.Errorf("creating tables: %w", err)
	}
	var built int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE name = 'cur_services_v1'`).Scan(&built); err != nil {
		return fmt.Errorf("creating tables: %w", err)
	}
	if built == 0 {
		// a database loaded before cur_services existed
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := RecomputeServices(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO migrations VALUES ('cur_services_v1')`); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO migrations VALUES (?) ON CONFLICT DO NOTHING`, SchemaVersion); err != nil {
		return fmt.Errorf("creating tables: %w", err)
	}
	return nil
}

// currentServicesSQL selects the current version of the service records of
// loaded files (%s: a further condition on r). A rebuild orders them by end
// date; a load appends its file's, which span the months the export covers.
const currentServicesSQL = `INSERT INTO cur_services
SELECT r.service_id, r.station_id, r.service_type, r.target_kind, r.start_date, r.end_date, r.person_times,
       r.entered_at, r.file_id, r.sheet_name, r.row_number
FROM sys_services r
WHERE r.file_id IN (SELECT file_id FROM files) %s
  AND NOT EXISTS (SELECT 1 FROM superseded_services x
                  WHERE x.old_file_id = r.file_id AND x.old_sheet_name = r.sheet_name AND x.old_row_number = r.row_number
                    AND x.file_id IN (SELECT file_id FROM files))`

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// raiseMemory raises DuckDB's memory_limit (global to the database) to at
// least limit and returns what puts the earlier one back. A failure either
// way leaves the limit as it is: the load goes on, under the limit it has.
func raiseMemory(ctx context.Context, db *sql.DB, limit string) (restore func()) {
	var was string // as DuckDB shows it: 61.0 MiB
	if err := db.QueryRowContext(ctx, `SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'`).Scan(&was); err != nil ||
		memBytes(was) >= memBytes(limit) {
		return func() {}
	}
	if _, err := db.ExecContext(ctx, `SET memory_limit = '`+strings.ReplaceAll(limit, "'", "''")+`'`); err != nil {
		return func() {}
	}
	return func() {
		_, _ = db.ExecContext(context.WithoutCancel(ctx), `SET memory_limit = '`+strings.ReplaceAll(was, "'", "''")+`'`)
	}
}

// RebuildCurrentServices makes cur_services anew from sys_services and
// superseded_services: after rows were removed (a reload, a torn load
// swept), or for a database loaded before the table existed.
func RebuildCurrentServices(ctx context.Context, ex execer) error {
	if _, err := ex.ExecContext(ctx, `DELETE FROM cur_services`); err != nil {
		return fmt.Errorf("current services: %w", err)
	}
	if _, err := ex.ExecContext(ctx, fmt.Sprintf(currentServicesSQL, "")+" ORDER BY r.end_date, r.station_id"); err != nil {
		return fmt.Errorf("current services: %w", err)
	}
	return nil
}

// memBytes reads a size as DuckDB shows it (61.0 MiB, 3.7 GiB, 512 bytes)
// or as it is set (1GiB);
// 0 when it cannot.
func memBytes(s string) float64 {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(s)
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	x, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0
	}
	switch unit {
	case "KiB", "KB":
		x *= 1 << 10
	case "MiB", "MB":
		x *= 1 << 20
	case "GiB", "GB":
		x *= 1 << 30
	case "TiB", "TB":
		x *= 1 << 40
	}
	return x
}

// RecomputeServices works out superseded_services and cur_services anew
// from every loaded service row, as the loads would have written them: for
// a database loaded before the tables existed, and for rows put into
// sys_services other than by a load (tests' fixtures).
func RecomputeServices(ctx context.Context, ex execer) error {
	// (rows of no file, a torn load's, are left out: the sweep removes them)
	for _, q := range []string{`DELETE FROM superseded_services`,
		`INSERT INTO superseded_services
		 SELECT DISTINCT n.file_id, o.file_id, o.sheet_name, o.row_number
		 FROM sys_services o JOIN sys_services n ON n.service_id = o.service_id
		      AND (n.file_id, n.sheet_name, n.row_number) > (o.file_id, o.sheet_name, o.row_number)
		 WHERE o.file_id IN (SELECT file_id FROM files) AND n.file_id IN (SELECT file_id FROM files)`} {
		if _, err := ex.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("superseded services: %w", err)
		}
	}
	return RebuildCurrentServices(ctx, ex)
}

// currentServices brings cur_services up to date after the load of a file
// (the newest): the records it holds are its rows now.
func currentServices(ctx context.Context, ex execer, fileID int64) error {
	// the rows the file superseded (supersede has listed them)
	if _, err := ex.ExecContext(ctx, `DELETE FROM cur_services WHERE (file_id, sheet_name, row_number) IN
		(SELECT (old_file_id, old_sheet_name, old_row_number) FROM superseded_services WHERE file_id = $1)`, fileID); err != nil {
		return fmt.Errorf("current services: %w", err)
	}
	if _, err := ex.ExecContext(ctx, fmt.Sprintf(currentServicesSQL, "AND r.file_id = $1"), fileID); err != nil {
		return fmt.Errorf("current services: %w", err)
	}
	return nil
}

// SchemaCurrent says whether a database has this sgz's tables (and no key
// of personal hashes still inside it): then it can be read as it is.
func SchemaCurrent(ctx context.Context, db *sql.DB) bool {
	var n, salt int
	err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM migrations WHERE name = ?),
		(SELECT count(*) FROM meta WHERE key = 'pii_salt')`, SchemaVersion).Scan(&n, &salt)
	return err == nil && n == 1 && salt == 0
}

// Status is how a file ended.
type Status string

// The states of inputs.md "Every file ends in one of three states", plus
// unchanged for bytes loaded before.
const (
	Loaded    Status = "loaded"
	Partly    Status = "partly loaded"
	Refused   Status = "refused"
	Unchanged Status = "unchanged"
)

// Result is what happened to one file.
type Result struct {
	Path     string
	Status   Status
	Parsed   *Parsed // nil when refused or unchanged
	Reason   string  // refused: why; unchanged: which file had the bytes
	Replaced []string
	key      string // load_key
	modTime  time.Time
	reloads  int64 // file_id of an earlier load of the same file, removed first
	// retry: an earlier load of the same export rejected rows of the
	// stations in unknownBefore; it loads again once one of them is known.
	retry         int64
	unknownBefore []string
	// Overlap counts records an earlier export had too; Changed those of
	// them whose values differ (this file's version is used).
	Overlap, Changed int
	sha              string
	size             int64
}

// Loader reads, converts and loads files.
type Loader struct {
	DB   *sql.DB
	Conv *Converter
	// Now stamps loaded_at; tests fix it.
	Now func() time.Time
	// Progress, when set, hears of each file read (stage "读取") and
	// written (stage "写入").
	Progress func(stage string, done, total int, path string)
	// Rows, when set, hears how a streamed file goes, after each chunk:
	// rows converted so far and the part of the file read (0–1; -1 when
	// the file does not say how big it is).
	Rows func(path string, rows int, part float64)
	// StreamBytes is the size from which a CSV export is streamed (read,
	// converted and appended a chunk at a time); 0: DefaultStreamBytes.
	StreamBytes int64
	// held is the bytes of the files of this batch read whole.
	held int64
	// RebuildMemory is DuckDB's memory_limit at least while a file that
	// reloads an earlier one is written (its current records may be
	// rebuilt); "" leaves the limit alone.
	RebuildMemory string
	// Reload loads again files loaded before (sgz ingest --reload): after
	// a policy bound or the holiday calendar changed, rows rejected under
	// the old rules load. A ledger a correction replaced stays replaced.
	Reload bool
}

func (l *Loader) progress(stage string, done, total int, path string) {
	if l.Progress != nil {
		l.Progress(stage, done, total, path)
	}
}

// Expand turns files and folders into the list of files under them, in
// name order; hidden files and Office lock files (~$…) are left out.
func Expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if st, err := os.Stat(real); err == nil && st.IsDir() {
				p = real // a link to a folder is walked as the folder
			}
		}
		st, err := os.Stat(p)
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("找不到文件或文件夹 %s", p)
		}
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			base := d.Name()
			if path != p && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "~$")) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Prepare reads and converts files without writing anything: the checks of
// `sgz validate`, and the first half of Load.
func (l *Loader) Prepare(ctx context.Context, paths []string) []*Result {
	var out []*Result
	l.held = 0
	batch := map[string]string{}
	loaded, err := l.plainlyLoaded(ctx)
	for i, path := range paths {
		l.progress("读取", i+1, len(paths), path)
		if err != nil {
			out = append(out, &Result{Path: path, Status: Refused, Reason: "读取数据库中已载入的文件出错：" + err.Error()})
			continue
		}
		out = append(out, l.prepare(ctx, path, batch, loaded))
	}
	// Load ledgers, then station exports, then what refers to stations, so
	// that a service's station is known when it is checked. Within a kind,
	// older files first (modification time, then name): where two files
	// say different things of the same ledger or record, the newer wins.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if order(a) != order(b) {
			return order(a) < order(b)
		}
		if !a.modTime.Equal(b.modTime) {
			return a.modTime.Before(b.modTime)
		}
		return a.Path < b.Path
	})
	l.rejectUnknownStations(ctx, out)
	return out
}

// rejectUnknownStations turns the service and summary rows whose station id
// neither the database nor a stations export of this batch has into
// rejects (inputs.md: a service whose station id is unknown is a reject,
// not a silently dropped row).
func (l *Loader) rejectUnknownStations(ctx context.Context, results []*Result) {
	known := map[string]bool{}
	if rows, err := l.DB.QueryContext(ctx, `SELECT DISTINCT station_id FROM sys_stations`); err == nil {
		for rows.Next() {
			var id string
			if rows.Scan(&id) == nil {
				known[id] = true
			}
		}
		rows.Close()
	}
	for _, r := range results {
		if r.Parsed == nil {
			continue
		}
		if t := r.Parsed.Tables[string(SysStations)]; t != nil {
			for _, row := range t.Rows {
				known[row.Values[0].(string)] = true
			}
		}
	}
	for _, r := range results {
		if r.retry == 0 {
			continue
		}
		known := slices.ContainsFunc(r.unknownBefore, func(id string) bool { return known[id] })
		if !known {
			r.Parsed = nil
			continue
		}
		r.Status, r.Reason, r.reloads = Loaded, "", r.retry
		r.Parsed.Notes = append(r.Parsed.Notes, "此前载入时站点编号未知的行，其站点现已载入，重新载入")
	}
	for _, r := range results {
		if r.Parsed == nil || r.Status == Unchanged {
			continue
		}
		p := r.Parsed
		p.rejectUnknown(known)
		if len(p.Rejects) > 0 && r.Status == Loaded {
			r.Status = Partly
		}
	}
}

func order(r *Result) int {
	if r.Parsed == nil {
		return 0
	}
	switch {
	case r.Parsed.Class == "ledger":
		return 1
	case r.Parsed.Tables[string(SysStations)] != nil:
		return 2
	}
	return 3
}

// plainlyLoaded maps the load key of every file loaded plainly (not
// replaced, not set aside by an older sgz, no rows waiting for their
// station) to its name: such a file sent again is unchanged without
// reading a cell. One query for the batch (a query per file cost 1.5 ms
// each: a folder of 1,000 unchanged files took 1.8 s).
func (l *Loader) plainlyLoaded(ctx context.Context) (map[string]string, error) {
	rows, err := l.DB.QueryContext(ctx, `SELECT f.load_key, f.file_name FROM files f
		WHERE f.replaced_by IS NULL AND NOT (f.file_class = 'ledger' AND f.has_funds_sheet IS NULL)
		  AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.file_id = f.file_id AND r.column_name = '站点编号')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key, name string
		if err := rows.Scan(&key, &name); err != nil {
			return nil, err
		}
		out[key] = name
	}
	return out, rows.Err()
}

func (l *Loader) prepare(ctx context.Context, path string, batch, loaded map[string]string) *Result {
	res := &Result{Path: path}
	lim := l.Conv.limits()
	var b []byte
	var modTime time.Time
	shell, streamed := (*Parsed)(nil), false
	target, st, err := inputFile(path, lim)
	// A large file is hashed first (an unchanged one is known without
	// reading a cell); a large export is read again, a chunk at a time,
	// when it is written; anything else is read whole.
	// So is any file once the files of the batch read whole so far reach
	// heldBudget: a batch's files are all read before the first is
	// written, and a province's month of exports read whole took 1.7 GB.
	big := err == nil && (st.Size() > l.streamBytes() || l.held+st.Size() > l.heldLimit())
	if big {
		res.sha, err = hashFile(target)
		res.size, modTime = st.Size(), st.ModTime()
	} else if err == nil {
		b, modTime, err = readInput(path, lim)
		sum := sha256.Sum256(b)
		res.sha, res.size = hex.EncodeToString(sum[:]), int64(len(b))
	}
	if err != nil {
		res.Status, res.Reason = Refused, err.Error()
		return res
	}
	res.modTime = modTime
	// The same bytes loaded before, plainly (not dated by the file name,
	// nothing to load again): unchanged, without reading a cell.
	if prev, ok := batch[res.sha]; ok {
		res.Status, res.Reason = Unchanged, "与本批中的 "+prev+" 内容相同"
		return res
	}
	if prevName, ok := loaded[res.sha]; ok && !l.Reload {
		res.Status, res.Reason = Unchanged, "此前已作为 "+prevName+" 载入，内容相同"
		return res
	}
	if big {
		if shell, streamed = l.peekStream(path, st.Size()); !streamed {
			b, _, err = readInput(path, lim)
			if sum := sha256.Sum256(b); err == nil && hex.EncodeToString(sum[:]) != res.sha {
				err = refuse(filepath.Base(path), "文件在载入过程中被改动（内容指纹与初读时不同）；请在文件不再变动时重新载入")
			}
		}
	}
	if streamed {
		res.Parsed = shell
	} else if err == nil {
		l.held += int64(len(b))
		var sheets []Sheet
		sheets, err = ReadSheetsLimited(path, b, lim)
		if err == nil {
			res.Parsed, err = l.Conv.Convert(path, sheets)
		}
	}
	b = nil
	if err != nil {
		res.Status, res.Reason = Refused, refusalReason(err)
		return res
	}
	// The same bytes are the same load; for a ledger dated by its file name
	// the name's date is part of it (one workbook sent for two months).
	res.key = res.sha
	if p := res.Parsed; p.DatedByName {
		res.key += "@" + p.ReportDate.Format(time.DateOnly)
	}
	if prev, ok := batch[res.key]; ok {
		res.Status, res.Reason, res.Parsed = Unchanged, "与本批中的 "+prev+" 内容相同", nil
		return res
	}
	var prev string
	var prevID int64
	var replaced, newest, fundsSetAside bool
	var unknown []any
	err = l.DB.QueryRowContext(ctx, `SELECT file_name, file_id, replaced_by IS NOT NULL,
		coalesce((SELECT list(DISTINCT r.value) FROM rejects r WHERE r.file_id = f.file_id AND r.column_name = '站点编号'), []),
		-- not replaced, not followed by a correction for the same county and date
		f.replaced_by IS NULL AND (f.file_class <> 'ledger' OR NOT EXISTS (SELECT 1 FROM files n WHERE n.file_class = 'ledger'
		  AND n.county_code = f.county_code AND n.report_date = f.report_date AND n.file_id > f.file_id)),
		-- a ledger loaded by an sgz that set funds sheets aside
		f.file_class = 'ledger' AND f.has_funds_sheet IS NULL
		FROM files f WHERE load_key = ?`, res.key).Scan(&prev, &prevID, &replaced, &unknown, &newest, &fundsSetAside)
	fundsSetAside = fundsSetAside && newest
	switch {
	case err == nil && l.Reload && newest:
		res.reloads = prevID
		res.Parsed.Notes = append(res.Parsed.Notes, "按 --reload 重新载入（此前载入的内容先删除）")
	case err == nil && fundsSetAside && res.Parsed.Holds(string(LedgerFunds)):
		// Its funds sheet was set aside by an older sgz: loaded again, so
		// that the funds are in the database.
		res.reloads = prevID
		res.Parsed.Notes = append(res.Parsed.Notes, "此前载入时资金台账未载入（旧版 sgz），现重新载入全文件")
	case err == nil && replaced:
		// A ledger sent again after a correction replaced it is the newest
		// word: loaded again.
		res.reloads = prevID
		res.Parsed.Notes = append(res.Parsed.Notes, "此前载入的同一文件已被更正件替代，现重新载入并以其为准")
	case err == nil && len(unknown) > 0:
		// An export whose stations were unknown: loaded again if one of
		// them is known now (rejectUnknownStations decides, knowing the
		// whole batch), else unchanged.
		res.Status, res.Reason = Unchanged, "此前已作为 "+prev+" 载入，内容相同"
		res.retry = prevID
		for _, v := range unknown {
			res.unknownBefore = append(res.unknownBefore, fmt.Sprint(v))
		}
		return res
	case err == nil:
		res.Status, res.Reason, res.Parsed = Unchanged, "此前已作为 "+prev+" 载入，内容相同", nil
		return res
	case !errors.Is(err, sql.ErrNoRows):
		res.Status, res.Reason, res.Parsed = Refused, err.Error(), nil
		return res
	}
	batch[res.key] = filepath.Base(path) // == res.sha unless dated by its name
	res.Status = Loaded
	if len(res.Parsed.Rejects) > 0 {
		res.Status = Partly
	}
	return res
}

// inputFile checks one input before it is read: a regular file (a FIFO
// would block the batch, a device such as /dev/zero never ends: refused,
// after following links, saying where they point) within lim.FileBytes.
// It returns the file a link points to and its information.
func inputFile(path string, lim Limits) (string, os.FileInfo, error) {
	target := path
	if lst, err := os.Lstat(path); err == nil && lst.Mode()&os.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", nil, fmt.Errorf("是一个链接，指向的文件不存在或无法访问（%v）", err)
		}
		target = t
	}
	st, err := os.Stat(target)
	if err != nil {
		return "", nil, err
	}
	if !st.Mode().IsRegular() {
		what := "不是普通文件"
		switch {
		case st.IsDir():
			what = "是文件夹"
		case st.Mode()&os.ModeNamedPipe != 0:
			what = "是命名管道（FIFO）"
		case st.Mode()&os.ModeDevice != 0:
			what = "是设备文件"
		case st.Mode()&os.ModeSocket != 0:
			what = "是套接字"
		}
		if target != path {
			return "", nil, fmt.Errorf("是指向 %s 的链接，而 %s %s，不是台账或导出文件；未读取", ScrubText(target), ScrubText(target), what)
		}
		return "", nil, fmt.Errorf("%s，不是台账或导出文件；未读取", what)
	}
	if st.Size() > lim.FileBytes {
		return "", nil, fmt.Errorf("文件大小 %d MB，超出上限 %d MB（政策参数 file_max_mb）；请按月或按县分成几个文件", st.Size()>>20, lim.FileBytes>>20)
	}
	return target, st, nil
}

// hashFile is the SHA-256 of a file, read as a stream.
func hashFile(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("不是普通文件，不是台账或导出文件；未读取")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readInput reads one input whole, within lim.FileBytes (inputFile).
func readInput(path string, lim Limits) ([]byte, time.Time, error) {
	var zero time.Time
	target, st, err := inputFile(path, lim)
	if err != nil {
		return nil, zero, err
	}
	// Opened without blocking and checked again: a FIFO put in the file's
	// place after the check above must not hold the batch.
	f, err := os.OpenFile(target, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, zero, err
	}
	defer f.Close()
	if st2, err := f.Stat(); err != nil || !st2.Mode().IsRegular() {
		return nil, zero, fmt.Errorf("不是普通文件，不是台账或导出文件；未读取")
	}
	// the file may grow after the Stat: read one byte past the limit
	b, err := io.ReadAll(io.LimitReader(f, lim.FileBytes+1))
	if err != nil {
		return nil, zero, err
	}
	if int64(len(b)) > lim.FileBytes {
		return nil, zero, fmt.Errorf("文件超出大小上限 %d MB（政策参数 file_max_mb）", lim.FileBytes>>20)
	}
	return b, st.ModTime(), nil
}

func refusalReason(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return err.Error()
}

// Load prepares and loads files, each in its own transaction, and records
// refusals. A file whose bytes were loaded before changes nothing.
func (l *Loader) Load(ctx context.Context, paths []string) ([]*Result, error) {
	results := l.Prepare(ctx, paths)
	for i, r := range results {
		l.progress("写入", i+1, len(results), r.Path)
		switch r.Status {
		case Refused:
			_, err := l.DB.ExecContext(ctx, `INSERT INTO refused_files VALUES (?, ?, ?, ?, ?)`,
				ScrubText(filepath.Base(r.Path)), ScrubText(r.Path), nullIf(r.sha), r.Reason, l.Now())
			if err != nil {
				return results, err
			}
		case Loaded, Partly:
			// A file that fails to load is refused whole and the others go
			// on: its transaction left the database as it was.
			if err := l.write(ctx, r); err != nil {
				reason := fmt.Sprintf("写入失败，未载入任何内容：%v", err)
				var ref *Refusal
				if errors.As(err, &ref) {
					reason = ref.Reason // what a streamed file's content was refused for
				}
				r.Status, r.Reason, r.Parsed = Refused, reason, nil
				if _, err := l.DB.ExecContext(ctx, `INSERT INTO refused_files VALUES (?, ?, ?, ?, ?)`,
					ScrubText(filepath.Base(r.Path)), ScrubText(r.Path), r.sha, r.Reason, l.Now()); err != nil {
					return results, err
				}
			}
		}
	}
	return results, nil
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// write loads one converted file in one transaction.
func (l *Loader) write(ctx context.Context, r *Result) (err error) {
	// A reload may rebuild cur_services, which sorts every record: under a
	// load's 64 MB a reload at the national scale (50 million records) ran
	// out of memory. The limit is raised around the transaction (settings
	// are not transactional; put back after COMMIT or ROLLBACK).
	if r.reloads != 0 && l.RebuildMemory != "" {
		defer raiseMemory(ctx, l.DB, l.RebuildMemory)()
	}
	conn, err := l.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	p := r.Parsed
	removedServices := false // the earlier load's service rows are removed
	if r.reloads != 0 {
		if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sys_services WHERE file_id = ?`, r.reloads).Scan(&removedServices); err != nil {
			return err
		}
		for _, t := range append(slices.Clone(fileTables), "files") {
			if _, err := conn.ExecContext(ctx, "DELETE FROM "+t+" WHERE file_id = ?", r.reloads); err != nil {
				return err
			}
		}
	}
	var fileID int64
	if err := conn.QueryRowContext(ctx, `SELECT nextval('file_id_seq')`).Scan(&fileID); err != nil {
		return err
	}
	if p.Class == "ledger" {
		if err := replaceLedgers(ctx, conn, fileID, r); err != nil {
			return err
		}
	}
	var county, report any
	if p.Class == "ledger" {
		county, report = p.CountyCode, *p.ReportDate
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes,
		file_class, county_code, report_date, has_station_sheet, has_staff_sheet, has_funds_sheet, loaded_at,
		count_loaded, count_rejected, count_skipped, replaced_by, count_overlap)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, NULL, 0)`,
		fileID, p.FileName, ScrubText(r.Path), r.sha, r.key, r.size, p.Class, county, report,
		p.Holds(string(LedgerStations)), p.Holds(string(LedgerStaff)), p.Holds(string(LedgerFunds)), l.Now())
	if err != nil {
		return err
	}
	if p.streamed {
		err = l.stream(ctx, conn, fileID, r)
	} else {
		err = conn.Raw(func(dc any) error { return p.appendAll(ctx, dc.(driver.Conn), fileID) })
	}
	if err != nil {
		return err
	}
	if err := logOverlaps(ctx, conn, fileID, r); err != nil {
		return err
	}
	if p.TableCount(string(SysServices)) > 0 {
		if err := supersede(ctx, conn, fileID); err != nil {
			return err
		}
	}
	switch {
	case removedServices:
		// service rows of the earlier load were removed: what they
		// superseded may be current again
		err = RebuildCurrentServices(ctx, conn)
	case p.TableCount(string(SysServices)) > 0:
		err = currentServices(ctx, conn, fileID)
	}
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `UPDATE files SET
		count_loaded = (SELECT count(*) FROM ledger_stations WHERE file_id = $1) + (SELECT count(*) FROM ledger_staff WHERE file_id = $1)
		             + (SELECT count(*) FROM ledger_funds WHERE file_id = $1) + (SELECT count(*) FROM sys_stations WHERE file_id = $1) + (SELECT count(*) FROM sys_services WHERE file_id = $1)
		             + (SELECT count(*) FROM sys_summaries WHERE file_id = $1),
		count_rejected = (SELECT count(DISTINCT (sheet_name, row_number)) FROM rejects WHERE file_id = $1),
		count_skipped = $2,
		count_overlap = $3
		WHERE file_id = $1`, fileID, p.SkippedTotal(), r.Overlap)
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// supersede records which service rows the file's rows replace: every
// older row of a record it holds, and its own earlier rows of a record it
// holds twice (the later export wins, within it the later sheet by name
// and the lower row: a row is its file, sheet and row number).
func supersede(ctx context.Context, conn *sql.Conn, fileID int64) error {
	_, err := conn.ExecContext(ctx, `INSERT INTO superseded_services
		SELECT $1, o.file_id, o.sheet_name, o.row_number
		FROM sys_services o
		WHERE o.file_id < $1 AND o.service_id IN (SELECT service_id FROM sys_services WHERE file_id = $1)
		UNION ALL
		SELECT $1, $1, sheet_name, row_number
		FROM (SELECT sheet_name, row_number,
		             row_number() OVER (PARTITION BY service_id ORDER BY sheet_name DESC, row_number DESC) AS rk
		      FROM sys_services
		      WHERE file_id = $1 AND service_id IN (SELECT service_id FROM sys_services WHERE file_id = $1
		                                            GROUP BY service_id HAVING count(*) > 1))
		WHERE rk > 1`, fileID)
	if err != nil {
		return fmt.Errorf("superseded services: %w", err)
	}
	return nil
}

// appendRows appends rows to a table on a driver connection, in its
// transaction, through duckdb-go's Appender. (Arrow record batches were
// measured as the alternative: slower and heavier for these boxed rows;
// see BenchmarkBulkInsert and docs/decisions.md.)
func appendRows(_ context.Context, c driver.Conn, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	a, err := duckdb.NewAppenderFromConn(c, "", table)
	if err != nil {
		return err
	}
	for _, row := range rows {
		vals := make([]driver.Value, len(row))
		for i, v := range row {
			vals[i] = v
		}
		if err := a.AppendRow(vals...); err != nil {
			a.Close()
			return err
		}
	}
	return a.Close()
}

// replaceLedgers applies "a newer ledger for the same county and report
// date replaces the older one", sheet kind by sheet kind: the new file's
// station rows replace the older files' station rows, its staff rows their
// staff rows (a county may send the two sheets as two CSV files). An older
// file left with no rows is marked replaced.
func replaceLedgers(ctx context.Context, conn *sql.Conn, fileID int64, r *Result) error {
	p := r.Parsed
	rows, err := conn.QueryContext(ctx, `SELECT file_id, file_name FROM files
		WHERE file_class = 'ledger' AND county_code = ? AND report_date = ? AND replaced_by IS NULL ORDER BY file_id`, p.CountyCode, *p.ReportDate)
	if err != nil {
		return err
	}
	type old struct {
		id   int64
		name string
	}
	var olds []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.id, &o.name); err != nil {
			rows.Close()
			return err
		}
		olds = append(olds, o)
	}
	rows.Close()
	for _, o := range olds {
		var touched bool
		for _, t := range []struct{ table, flag string }{{"ledger_stations", "has_station_sheet"}, {"ledger_staff", "has_staff_sheet"}, {"ledger_funds", "has_funds_sheet"}} {
			if !p.Holds(t.table) {
				continue
			}
			res, err := conn.ExecContext(ctx, "DELETE FROM "+t.table+" WHERE file_id = ?", o.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				touched = true
			}
			if _, err := conn.ExecContext(ctx, "UPDATE files SET "+t.flag+" = false WHERE file_id = ?", o.id); err != nil {
				return err
			}
		}
		var left int
		if err := conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM ledger_stations WHERE file_id = $1) + (SELECT count(*) FROM ledger_staff WHERE file_id = $1)
			+ (SELECT count(*) FROM ledger_funds WHERE file_id = $1)`, o.id).Scan(&left); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `UPDATE files SET count_loaded = ? WHERE file_id = ?`, left, o.id); err != nil {
			return err
		}
		var sheets bool
		if err := conn.QueryRowContext(ctx, `SELECT has_station_sheet OR has_staff_sheet OR coalesce(has_funds_sheet, false) FROM files WHERE file_id = ?`, o.id).Scan(&sheets); err != nil {
			return err
		}
		if !sheets {
			if _, err := conn.ExecContext(ctx, `UPDATE files SET replaced_by = ? WHERE file_id = ?`, fileID, o.id); err != nil {
				return err
			}
		}
		if touched || !sheets {
			r.Replaced = append(r.Replaced, o.name)
		}
	}
	return nil
}

// logOverlaps counts the records of an export that earlier exports had too
// (the same station id or service record id), and flags those whose values
// differ: the later file wins (inputs.md) and the change is on record.
func logOverlaps(ctx context.Context, conn *sql.Conn, fileID int64, r *Result) error {
	checks := []struct{ table, key, label, cols string }{
		{"sys_stations", "station_id", "站点编号", "station_name, county_code, township_code, established_date, date_trunc('minute', baseinfo_entered_at), station_status"},
		{"sys_services", "service_id", "服务记录编号", "station_id, service_type, target_kind, start_date, end_date, person_times, date_trunc('minute', entered_at)"},
	}
	for _, c := range checks {
		if r.Parsed.Tables[c.table] == nil {
			continue
		}
		cols := strings.Split(c.cols, ", ")
		prefixed := func(alias string) string {
			out := make([]string, len(cols))
			for i, col := range cols {
				if strings.HasPrefix(col, "date_trunc(") { // date_trunc('minute', x) -> date_trunc('minute', alias.x)
					out[i] = strings.Replace(col, ", ", ", "+alias+".", 1)
					continue
				}
				out[i] = alias + "." + col
			}
			return strings.Join(out, ", ")
		}
		q := fmt.Sprintf(`WITH newer AS (SELECT * FROM %[1]s WHERE file_id = $1),
			older AS (SELECT o.*, row_number() OVER (PARTITION BY o.%[2]s ORDER BY o.file_id DESC, o.row_number DESC) AS rk
			          FROM %[1]s o WHERE o.file_id < $1 AND o.%[2]s IN (SELECT %[2]s FROM newer))
			SELECT n.sheet_name, n.row_number, n.%[2]s, f.file_name, o.row_number,
			       (%[3]s) IS DISTINCT FROM (%[4]s) AS changed
			FROM newer n JOIN older o ON o.%[2]s = n.%[2]s AND o.rk = 1
			JOIN files f ON f.file_id = o.file_id
			ORDER BY n.row_number`, c.table, c.key, prefixed("n"), prefixed("o"))
		rows, err := conn.QueryContext(ctx, q, fileID)
		if err != nil {
			return fmt.Errorf("overlap of %s: %w", c.table, err)
		}
		var flags []Reject
		for rows.Next() {
			var f Reject
			var prevFile string
			var prevRow int
			var changed bool
			if err := rows.Scan(&f.Sheet, &f.RowNum, &f.Value, &prevFile, &prevRow, &changed); err != nil {
				rows.Close()
				return err
			}
			r.Overlap++
			if changed {
				r.Changed++
				f.Column = c.label
				f.Reason = fmt.Sprintf("%s 第 %d 行有同一记录但内容不同，以本文件（较新）为准", prevFile, prevRow)
				flags = append(flags, f)
			}
		}
		rows.Close()
		// appended in one go (a re-export can change thousands of records)
		vals := make([][]any, len(flags))
		for i, f := range flags {
			vals[i] = []any{fileID, f.Sheet, int64(f.RowNum), f.Column, f.Value, f.Reason}
		}
		if err := conn.Raw(func(dc any) error { return appendRows(ctx, dc.(driver.Conn), "row_flags", vals) }); err != nil {
			return err
		}
		p := r.Parsed
		if p.streamed && len(p.Flags)+len(flags) > shownProblems {
			keep := max(0, shownProblems-len(p.Flags))
			p.omittedFlags += len(flags) - keep
			p.flushedFlags += len(flags) - keep
			flags = flags[:keep]
		}
		p.Flags = append(p.Flags, flags...)
	}
	return nil
}

// appendAll appends the file's raw rows, rejects, remarks and typed rows
// on a driver connection, in its transaction.
func (p *Parsed) appendAll(ctx context.Context, c driver.Conn, fileID int64) error {
	raw := make([][]any, len(p.Raw))
	for i, x := range p.Raw {
		raw[i] = []any{fileID, x.Sheet, int64(x.RowNum), x.Kind, x.Role, x.Cells}
	}
	if err := appendRows(ctx, c, "raw_rows", raw); err != nil {
		return err
	}
	rej := make([][]any, len(p.Rejects))
	for i, x := range p.Rejects {
		rej[i] = []any{fileID, x.Sheet, int64(x.RowNum), x.Column, x.Value, x.Reason}
	}
	if err := appendRows(ctx, c, "rejects", rej); err != nil {
		return err
	}
	flags := make([][]any, len(p.Flags))
	for i, x := range p.Flags {
		flags[i] = []any{fileID, x.Sheet, int64(x.RowNum), x.Column, x.Value, x.Reason}
	}
	if err := appendRows(ctx, c, "row_flags", flags); err != nil {
		return err
	}
	names := make([]string, 0, len(p.Tables))
	for t := range p.Tables {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		if err := appendTable(c, t, fileID, p.Tables[t].Rows); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
	}
	return nil
}

// appendTable appends typed rows, each after its file, sheet and row
// number, through one reused row of values (a million service records
// made two million slices).
func appendTable(c driver.Conn, table string, fileID int64, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	a, err := duckdb.NewAppenderFromConn(c, "", table)
	if err != nil {
		return err
	}
	vals := make([]driver.Value, 3+len(rows[0].Values))
	vals[0] = fileID
	for _, x := range rows {
		vals = append(vals[:1], x.Sheet, int64(x.RowNum))
		for _, v := range x.Values {
			vals = append(vals, v)
		}
		if err := a.AppendRow(vals...); err != nil {
			a.Close()
			return err
		}
	}
	return a.Close()
}
