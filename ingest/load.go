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
	"strings"
	"syscall"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"sgz/ingest/dberr"
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

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// RebuildCurrentServices makes cur_services anew from sys_services and
// superseded_services: after rows were removed (a reload, a torn load
// swept), or for a database loaded before the table existed.
//
// Within the load's memory limit at every size: the anti join builds on
// the superseded rows' keys and streams the records past them. Neither a
// correlated NOT EXISTS (its delim join holds every record, values and
// all) nor an ORDER BY (a sorted insert) fit 64 MB at 4,000,000 records;
// the rows keep sys_services' order, the order loads append them in.
func RebuildCurrentServices(ctx context.Context, ex execer) error {
	for _, q := range []string{`DELETE FROM cur_services`,
		`INSERT INTO cur_services
		 SELECT r.service_id, r.station_id, r.service_type, r.target_kind, r.start_date, r.end_date, r.person_times,
		        r.entered_at, r.file_id, r.sheet_name, r.row_number
		 FROM sys_services r
		 ANTI JOIN (SELECT old_file_id, old_sheet_name, old_row_number FROM superseded_services
		            WHERE file_id IN (SELECT file_id FROM files)) x
		   ON x.old_file_id = r.file_id AND x.old_sheet_name = r.sheet_name AND x.old_row_number = r.row_number
		 WHERE r.file_id IN (SELECT file_id FROM files)`} {
		if _, err := ex.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("current services: %w", err)
		}
	}
	return nil
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
// (the newest): the records it holds are its rows now. selfSuperseded is
// the number of its own rows a later row of the same record in it
// supersedes (supersede).
//
// Each statement reads committed rows (the file's were committed first:
// Loader.write) or filters one table by constants, so that none holds the
// file's rows in memory whatever the optimizer estimates.
func currentServices(ctx context.Context, ex execer, fileID int64, selfSuperseded int64) error {
	steps := []string{
		// the current rows of the records it holds, which it supersedes
		// (every current row is of an earlier file)
		`DELETE FROM cur_services WHERE service_id IN (SELECT service_id FROM sys_services WHERE file_id = $1)`,
		`INSERT INTO cur_services
		 SELECT service_id, station_id, service_type, target_kind, start_date, end_date, person_times,
		        entered_at, file_id, sheet_name, row_number
		 FROM sys_services WHERE file_id = $1`,
	}
	if selfSuperseded > 0 {
		steps = append(steps, `DELETE FROM cur_services WHERE file_id = $1 AND (sheet_name, row_number) IN
			(SELECT (old_sheet_name, old_row_number) FROM superseded_services WHERE file_id = $1 AND old_file_id = $1)`)
	}
	for _, q := range steps {
		if _, err := ex.ExecContext(ctx, q, fileID); err != nil {
			return fmt.Errorf("current services: %w", err)
		}
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
	// that a service's station is known when it is checked. Ledgers by
	// their 填报日期, then (for one county and date) modification time,
	// then name; exports by modification time, then name: where two files
	// say different things of the same ledger or record, the later one in
	// this order wins, whatever order the folder lists them in.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if order(a) != order(b) {
			return order(a) < order(b)
		}
		if order(a) == 1 && !a.Parsed.ReportDate.Equal(*b.Parsed.ReportDate) {
			return a.Parsed.ReportDate.Before(*b.Parsed.ReportDate)
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

// plainlyLoaded maps the load key of every file loaded plainly (not set
// aside by an older sgz, no rows waiting for their station) to its name
// and, when a correction replaced it since, the correction's: such a file
// sent again is unchanged without reading a cell. One query for the batch
// (a query per file cost 1.5 ms each: a folder of 1,000 unchanged files
// took 1.8 s).
func (l *Loader) plainlyLoaded(ctx context.Context) (map[string]loadedAs, error) {
	rows, err := l.DB.QueryContext(ctx, `SELECT f.load_key, f.file_name, coalesce(r.file_name, '') FROM files f
		LEFT JOIN files r ON r.file_id = f.replaced_by
		WHERE NOT (f.file_class = 'ledger' AND f.has_funds_sheet IS NULL)
		  AND NOT EXISTS (SELECT 1 FROM rejects x WHERE x.file_id = f.file_id AND x.column_name = '站点编号')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]loadedAs{}
	for rows.Next() {
		var key string
		var a loadedAs
		if err := rows.Scan(&key, &a.name, &a.replacer); err != nil {
			return nil, err
		}
		out[key] = a
	}
	return out, rows.Err()
}

// loadedAs is a file loaded before: its name, and the name of the
// correction that replaced it ("" when none did).
type loadedAs struct{ name, replacer string }

// unchangedReason says why bytes loaded before change nothing.
func unchangedReason(prev, replacer string) string {
	if replacer != "" {
		return "此前已作为 " + prev + " 载入，内容相同；它已被同县同填报日期的 " + replacer + " 取代，仍以 " + replacer + " 为准（同一内容再次送来不改变任何数字）"
	}
	return "此前已作为 " + prev + " 载入，内容相同"
}

func (l *Loader) prepare(ctx context.Context, path string, batch map[string]string, loaded map[string]loadedAs) *Result {
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
	if prev, ok := loaded[res.sha]; ok && !l.Reload {
		res.Status, res.Reason = Unchanged, unchangedReason(prev.name, prev.replacer)
		return res
	}
	if big {
		var refused error
		if shell, streamed, refused = l.peekStream(path, st.Size()); refused != nil {
			res.Status, res.Reason = Refused, refusalReason(refused)
			return res
		}
		if !streamed {
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
	var replacer string
	err = l.DB.QueryRowContext(ctx, `SELECT file_name, file_id, replaced_by IS NOT NULL,
		coalesce((SELECT r.file_name FROM files r WHERE r.file_id = f.replaced_by), ''),
		coalesce((SELECT list(DISTINCT r.value) FROM rejects r WHERE r.file_id = f.file_id AND r.column_name = '站点编号'), []),
		-- not replaced, not followed by a correction for the same county and date
		f.replaced_by IS NULL AND (f.file_class <> 'ledger' OR NOT EXISTS (SELECT 1 FROM files n WHERE n.file_class = 'ledger'
		  AND n.county_code = f.county_code AND n.report_date = f.report_date AND n.file_id > f.file_id)),
		-- a ledger loaded by an sgz that set funds sheets aside
		f.file_class = 'ledger' AND f.has_funds_sheet IS NULL
		FROM files f WHERE load_key = ?`, res.key).Scan(&prev, &prevID, &replaced, &replacer, &unknown, &newest, &fundsSetAside)
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
		// Bytes seen before change nothing, whether or not a correction
		// replaced them since (sent again each day, they would flip the
		// figures back and forth): only --reload loads them again.
		res.Status, res.Reason, res.Parsed = Unchanged, unchangedReason(prev, replacer), nil
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
				PublicName(filepath.Base(r.Path)), PublicName(r.Path), nullIf(r.sha), r.Reason, l.Now())
			if err != nil {
				return results, err
			}
		case Loaded, Partly:
			// A file that fails to load is refused whole and the others go
			// on: its transaction left the database as it was.
			if err := l.write(ctx, r); err != nil {
				reason := "写入失败，未载入任何内容：" + dberr.Describe(err)
				var ref *Refusal
				if errors.As(err, &ref) {
					reason = ref.Reason // what a streamed file's content was refused for
				}
				r.Status, r.Reason, r.Parsed = Refused, reason, nil
				if _, err := l.DB.ExecContext(ctx, `INSERT INTO refused_files VALUES (?, ?, ?, ?, ?)`,
					PublicName(filepath.Base(r.Path)), PublicName(r.Path), r.sha, r.Reason, l.Now()); err != nil {
					return results, err
				}
				var stuck *discardError
				if errors.As(err, &stuck) {
					// rows of no file are left: the next writing open
					// removes them; nothing more is loaded until then
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

// write loads one converted file in two transactions.
//
// The first appends the file's rows (raw rows, rejects, remarks, typed
// rows) under a new file id and commits them. No files row names that id
// yet: until the second transaction commits, they are rows of no file,
// which no figure reads (every staging view and report reads rows of
// loaded files only) and which the next writing open removes
// (RemoveOrphans), as it removes what a load killed during its commit
// leaves.
//
// The second puts the file in force: it removes what the file reloads
// or replaces, inserts its files row, records the records it overlaps and
// supersedes, brings cur_services up to date and counts its rows. Were
// the two one transaction, the second's statements would read rows
// DuckDB's optimizer cannot see: it estimates a table from what is
// committed, so a table empty on disk but holding the file's 250,000
// records in the open transaction was taken for 0 rows and made the build
// side of hash joins (the whole file's rows held in memory), past the
// load's memory limit (docs/decisions.md, "DuckDB's settings"). Committed,
// the rows have statistics and every join builds on its smaller side and
// spills beyond the limit.
//
// When the second fails, the first's rows are deleted again; a failure of
// that too is returned (the rows stay rows of no file until the next
// writing open removes them).
func (l *Loader) write(ctx context.Context, r *Result) error {
	var fileID int64
	if err := l.DB.QueryRowContext(ctx, `SELECT nextval('file_id_seq')`).Scan(&fileID); err != nil {
		return err
	}
	if err := l.appendFile(ctx, fileID, r); err != nil {
		return err
	}
	if err := l.putInForce(ctx, fileID, r); err != nil {
		if derr := discardRows(context.WithoutCancel(ctx), l.DB, fileID); derr != nil {
			return &discardError{load: err, discard: derr}
		}
		return err
	}
	return nil
}

// unload removes an earlier load of a file (sgz ingest --reload) in the
// transaction that loads it again. The service rows it superseded that no
// other loaded file supersedes are current again (the file loaded again
// supersedes them anew where it holds their records; a record it no longer
// loads, rejected under the new rules, has its earlier version back);
// then its rows go. Done this way rather than by rebuilding cur_services,
// no statement reads rows the transaction wrote (Loader.write).
func unload(ctx context.Context, conn *sql.Conn, old int64) error {
	_, err := conn.ExecContext(ctx, `INSERT INTO cur_services
		SELECT r.service_id, r.station_id, r.service_type, r.target_kind, r.start_date, r.end_date, r.person_times,
		       r.entered_at, r.file_id, r.sheet_name, r.row_number
		FROM sys_services r
		SEMI JOIN (SELECT old_file_id, old_sheet_name, old_row_number FROM superseded_services
		           WHERE file_id = $1 AND old_file_id <> $1) s
		  ON s.old_file_id = r.file_id AND s.old_sheet_name = r.sheet_name AND s.old_row_number = r.row_number
		ANTI JOIN (SELECT old_file_id, old_sheet_name, old_row_number FROM superseded_services
		           WHERE file_id <> $1 AND file_id IN (SELECT file_id FROM files)) x
		  ON x.old_file_id = r.file_id AND x.old_sheet_name = r.sheet_name AND x.old_row_number = r.row_number
		WHERE r.file_id <> $1 AND r.file_id IN (SELECT file_id FROM files)`, old)
	if err != nil {
		return fmt.Errorf("current services: %w", err)
	}
	for _, t := range append(slices.Clone(fileTables), "files") {
		if _, err := conn.ExecContext(ctx, "DELETE FROM "+t+" WHERE file_id = ?", old); err != nil {
			return err
		}
	}
	return nil
}

// discardError is a load that failed after its rows were committed, whose
// rows could not be deleted again either: the batch stops (they are rows
// of no file, which the next writing open removes).
type discardError struct{ load, discard error }

func (e *discardError) Error() string {
	return fmt.Sprintf("%v；已写入的行也未能删除（%v），下次打开数据库时清除", e.load, e.discard)
}

func (e *discardError) Unwrap() error { return e.load }

// discardRows deletes the rows of a file id that no files row names, in
// one transaction.
func discardRows(ctx context.Context, db *sql.DB, fileID int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range fileTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE file_id = ?", fileID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// inTx runs fn in a transaction of its own connection and commits it, or
// rolls it back when fn fails.
func (l *Loader) inTx(ctx context.Context, fn func(conn *sql.Conn) error) (err error) {
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
	if err := fn(conn); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// appendFile appends the file's rows under fileID and commits them (the
// first transaction of write).
func (l *Loader) appendFile(ctx context.Context, fileID int64, r *Result) error {
	return l.inTx(ctx, func(conn *sql.Conn) error {
		if r.Parsed.streamed {
			return l.stream(ctx, conn, fileID, r)
		}
		return conn.Raw(func(dc any) error { return r.Parsed.appendAll(ctx, dc.(driver.Conn), fileID) })
	})
}

// putInForce makes the file's committed rows count (the second
// transaction of write).
func (l *Loader) putInForce(ctx context.Context, fileID int64, r *Result) error {
	return l.inTx(ctx, func(conn *sql.Conn) error {
		p := r.Parsed
		if r.reloads != 0 {
			if err := unload(ctx, conn, r.reloads); err != nil {
				return err
			}
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
		_, err := conn.ExecContext(ctx, `INSERT INTO files (file_id, file_name, source_path, sha256, load_key, size_bytes,
			file_class, county_code, report_date, has_station_sheet, has_staff_sheet, has_funds_sheet, loaded_at,
			count_loaded, count_rejected, count_skipped, replaced_by, count_overlap)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, NULL, 0)`,
			fileID, p.FileName, PublicName(r.Path), r.sha, r.key, r.size, p.Class, county, report,
			p.Holds(string(LedgerStations)), p.Holds(string(LedgerStaff)), p.Holds(string(LedgerFunds)), l.Now())
		if err != nil {
			return err
		}
		if err := logOverlaps(ctx, conn, fileID, r); err != nil {
			return err
		}
		if p.TableCount(string(SysServices)) > 0 {
			self, err := supersede(ctx, conn, fileID)
			if err != nil {
				return err
			}
			if err := currentServices(ctx, conn, fileID, self); err != nil {
				return err
			}
		}
		_, err = conn.ExecContext(ctx, `UPDATE files SET
			count_loaded = (SELECT count(*) FROM ledger_stations WHERE file_id = $1) + (SELECT count(*) FROM ledger_staff WHERE file_id = $1)
			             + (SELECT count(*) FROM ledger_funds WHERE file_id = $1) + (SELECT count(*) FROM sys_stations WHERE file_id = $1) + (SELECT count(*) FROM sys_services WHERE file_id = $1)
			             + (SELECT count(*) FROM sys_summaries WHERE file_id = $1),
			count_rejected = (SELECT count(DISTINCT (sheet_name, row_number)) FROM rejects WHERE file_id = $1),
			count_skipped = $2,
			count_overlap = $3
			WHERE file_id = $1`, fileID, p.SkippedTotal(), r.Overlap)
		return err
	})
}

// supersede records which service rows the file's rows replace: every
// older row of a record it holds, and its own earlier rows of a record it
// holds twice (the later export wins, within it the later sheet by name
// and the lower row: a row is its file, sheet and row number). It returns
// how many of its own rows it superseded.
func supersede(ctx context.Context, conn *sql.Conn, fileID int64) (int64, error) {
	if _, err := conn.ExecContext(ctx, `INSERT INTO superseded_services
		SELECT $1, o.file_id, o.sheet_name, o.row_number
		FROM sys_services o
		WHERE o.file_id < $1 AND o.service_id IN (SELECT service_id FROM sys_services WHERE file_id = $1)`, fileID); err != nil {
		return 0, fmt.Errorf("superseded services: %w", err)
	}
	res, err := conn.ExecContext(ctx, `INSERT INTO superseded_services
		SELECT $1, $1, sheet_name, row_number
		FROM (SELECT sheet_name, row_number,
		             row_number() OVER (PARTITION BY service_id ORDER BY sheet_name DESC, row_number DESC) AS rk
		      FROM sys_services
		      WHERE file_id = $1 AND service_id IN (SELECT service_id FROM sys_services WHERE file_id = $1
		                                            GROUP BY service_id HAVING count(*) > 1))
		WHERE rk > 1`, fileID)
	if err != nil {
		return 0, fmt.Errorf("superseded services: %w", err)
	}
	return res.RowsAffected()
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

// overlapChecks are the records an export may share with earlier ones: the
// table, its record key, the label of that column, the columns compared,
// and the version in force before the file (key k, file_id, row_number
// and the hash h of the compared columns; $1 is the file): of a station,
// its latest earlier row; of a service record, its current row.
var overlapChecks = []struct{ table, key, label, cols, older string }{
	{"sys_stations", "station_id", "站点编号",
		"station_name, county_code, township_code, established_date, date_trunc('minute', baseinfo_entered_at), station_status",
		`SELECT station_id AS k, file_id, row_number, h FROM (
		   SELECT *, hash(%[1]s) AS h, row_number() OVER (PARTITION BY station_id ORDER BY file_id DESC, row_number DESC) AS rk
		   FROM sys_stations WHERE file_id < $1 AND station_id IN (SELECT station_id FROM sys_stations WHERE file_id = $1))
		 WHERE rk = 1`},
	{"sys_services", "service_id", "服务记录编号",
		"station_id, service_type, target_kind, start_date, end_date, person_times, date_trunc('minute', entered_at)",
		`SELECT service_id AS k, file_id, row_number, hash(%[1]s) AS h FROM cur_services`},
}

// logOverlaps counts the records of an export that earlier exports had too
// (the same station id or service record id), and flags those whose values
// differ: the later file wins (inputs.md) and the change is on record.
//
// The rows are compared by a hash of their values, so that a join holds
// keys and hashes only, not the values of every record of a large export
// (two 2,000,000-record exports of the same records). Two different
// versions of a record have the same 64-bit hash with odds of one in
// 1.8·10^19: the flag is a remark on a row loaded all the same, and the
// later file's values are used either way. The flags are written by the
// statement itself; the first of them are read back for the summary.
func logOverlaps(ctx context.Context, conn *sql.Conn, fileID int64, r *Result) error {
	p := r.Parsed
	for _, c := range overlapChecks {
		if p.TableCount(c.table) == 0 {
			continue
		}
		pairs := fmt.Sprintf(`FROM (SELECT sheet_name, row_number, %[1]s AS k, hash(%[2]s) AS h FROM %[3]s WHERE file_id = $1) n
			JOIN (%[4]s) o ON o.k = n.k
			JOIN files f ON f.file_id = o.file_id`, c.key, c.cols, c.table, fmt.Sprintf(c.older, c.cols))
		var overlap int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) `+pairs, fileID).Scan(&overlap); err != nil {
			return fmt.Errorf("overlap of %s: %w", c.table, err)
		}
		if overlap == 0 {
			continue
		}
		res, err := conn.ExecContext(ctx, `INSERT INTO row_flags
			SELECT $1, n.sheet_name, n.row_number, $2, n.k, f.file_name || ' 第 ' || o.row_number || ' 行'  || $3 `+pairs+`
			WHERE n.h <> o.h`, fileID, c.label, overlapNote)
		if err != nil {
			return fmt.Errorf("overlap of %s: %w", c.table, err)
		}
		changed, err := res.RowsAffected()
		if err != nil {
			return err
		}
		r.Overlap += overlap
		r.Changed += int(changed)
		room := max(0, shownProblems-len(p.Flags))
		shown, err := overlapFlags(ctx, conn, fileID, c.label, room)
		if err != nil {
			return err
		}
		p.Flags = append(p.Flags, shown...)
		p.omittedFlags += int(changed) - len(shown)
		p.sqlFlags += int(changed) - len(shown)
	}
	return nil
}

// overlapNote ends the remark on a record an earlier export had with other
// values (after the earlier file and row).
const overlapNote = "有同一记录但内容不同，以本文件（较新）为准"

// overlapFlags reads back the first n remarks logOverlaps wrote for column
// label of the file.
func overlapFlags(ctx context.Context, conn *sql.Conn, fileID int64, label string, n int) ([]Reject, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := conn.QueryContext(ctx, `SELECT sheet_name, row_number, value, note FROM row_flags
		WHERE file_id = $1 AND column_name = $2 AND suffix(note, $3) ORDER BY sheet_name, row_number LIMIT $4`, fileID, label, overlapNote, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reject
	for rows.Next() {
		f := Reject{Column: label}
		if err := rows.Scan(&f.Sheet, &f.RowNum, &f.Value, &f.Reason); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
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
