package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"sgz/data"
	"sgz/ingest"
	"sgz/metrics"
	"sgz/place"
	"sgz/transform"
)

// The pipeline, in one place:
//
//	data/       reference data and policy  ─┐
//	input files ── ingest/ ── raw + typed tables (DuckDB)
//	                 transform/sql ── canonical views (stg_*): the current
//	                                  ledger, one row per record
//	                 metrics/sql   ── indicator macros, as of a date
//	                 metrics/      ── Go rows ── report / dashboards/
//
// openStore opens the database and (re)creates every layer above the
// tables, so that the views always match this binary's definitions.

// openExisting opens the store for a command that only reads (report,
// dashboard, bulletin): a database that does not exist is refused, never
// created empty, since its figures would all read 未报送.
func openExisting(e *env, o storeOpts) (*store, error) {
	if o.db != ":memory:" {
		if _, err := os.Stat(o.db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("数据库 %s 不存在：请先用 sgz ingest 文件或文件夹 --db %s 载入台账和系统导出（或 make demo 生成示例数据库 demo/sgz.duckdb），或用 --db 指明已有的数据库", o.db, o.db)
		} else if err != nil {
			return nil, fmt.Errorf("打开数据库 %s 出错: %w", o.db, err)
		}
	}
	return openStore(e, o)
}

type store struct {
	path   string
	db     *sql.DB
	ref    *data.Reference
	policy data.Policy
}

func openStore(e *env, o storeOpts) (*store, error) {
	if o.db != ":memory:" && o.db != "" && !strings.Contains(o.db, "?") {
		// a restore (or any output) killed half-way in the database's
		// folder is finished first: the key and the database it moved
		// come as a pair
		if err := place.Recover(filepath.Dir(o.db)); err != nil {
			return nil, err
		}
	}
	if o.readOnly && o.db != ":memory:" && o.db != "" && !strings.Contains(o.db, "?") {
		return openReadOnly(e, o)
	}
	ctx := e.ctx
	path := o.db
	ref, pol, err := referenceAndPolicy(o)
	if err != nil {
		return nil, err
	}
	db, err := openDB(e, path, o.wait)
	if err != nil {
		return nil, err
	}
	// A database made when sgz kept the key of personal hashes inside it
	// is rewritten without it (the key goes to its own file).
	moved, err := ingest.MoveKeyOut(ctx, db, path)
	if err != nil {
		db.Close()
		return nil, err
	}
	if moved {
		_, err := db.ExecContext(ctx, `CHECKPOINT`)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			ingest.DiscardRebuilt(path)
			return nil, fmt.Errorf("关闭数据库 %s 出错：%w", path, err)
		}
		if err := ingest.ReplaceWithRebuilt(path); err != nil {
			return nil, err
		}
		if db, err = openDB(e, path, o.wait); err != nil {
			return nil, err
		}
	}
	if err := setMemory(ctx, db, o); err != nil {
		db.Close()
		return nil, err
	}
	// Rows of no file: a load killed during its commit (RemoveOrphans).
	orphans, err := ingest.RemoveOrphans(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("清理数据库 %s 中不属于任何文件的行出错: %w", path, err)
	}
	if orphans.Total() > 0 {
		fmt.Fprintf(e.stderr, "sgz: 数据库中有 %d 行不属于任何已载入的文件（上次载入在提交时中断留下的），已删除：%s。中断的那次载入未生效，请重新载入该文件。\n",
			orphans.Total(), orphans)
	}
	s := &store{path: path, db: db, ref: ref, policy: pol}
	for _, step := range []func(context.Context, *sql.DB) error{
		func(ctx context.Context, db *sql.DB) error { return transform.Apply(ctx, db, ref, pol) },
		metrics.Apply,
	} {
		if err := step(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// referenceAndPolicy loads the reference data and the policy of a store.
func referenceAndPolicy(o storeOpts) (*data.Reference, data.Policy, error) {
	pol, err := data.LoadPolicy(o.policy)
	if err != nil {
		return nil, data.Policy{}, fmt.Errorf("政策参数: %w", err)
	}
	ref, err := data.LoadScope(pol.Scope)
	if err != nil {
		return nil, data.Policy{}, fmt.Errorf("参考数据: %w", err)
	}
	return ref, pol, nil
}

// openReadOnly opens the store of a command that only reads, read-only,
// so that readers run side by side (and from read-only media): a database
// of an older sgz is first brought up to date by a writing open; the
// reference tables, views and macros are made as temporary objects of the
// one connection.
func openReadOnly(e *env, o storeOpts) (*store, error) {
	ctx := e.ctx
	ref, pol, err := referenceAndPolicy(o)
	if err != nil {
		return nil, err
	}
	db, err := openDuck(e, o.db+"?access_mode=READ_ONLY", o.db, o.wait)
	if err != nil {
		return nil, err
	}
	if !ingest.SchemaCurrent(ctx, db) {
		db.Close()
		w := o
		w.readOnly = false
		st, err := openStore(e, w)
		if err != nil {
			return nil, err
		}
		if err := st.Close(); err != nil {
			return nil, err
		}
		if db, err = openDuck(e, o.db+"?access_mode=READ_ONLY", o.db, o.wait); err != nil {
			return nil, err
		}
	}
	db.SetMaxOpenConns(1) // temporary objects belong to one connection
	if err := setMemory(ctx, db, o); err != nil {
		db.Close()
		return nil, err
	}
	// A query too big for memory spills to DuckDB's temporary folder, by
	// default beside the database: on read-only media, the system's.
	spill := filepath.Join(os.TempDir(), "sgz-duckdb-spill")
	if _, err := db.ExecContext(ctx, `SET temp_directory = '`+strings.ReplaceAll(spill, "'", "''")+`'`); err != nil {
		db.Close()
		return nil, err
	}
	if err := transform.ApplyTemp(ctx, db, ref, pol); err != nil {
		db.Close()
		return nil, err
	}
	if err := metrics.ApplyTemp(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return &store{path: o.db, db: db, ref: ref, policy: pol}, nil
}

// DuckDB's memory_limit (docs/decisions.md, "DuckDB's settings"). A load
// appends: DuckDB needs little memory for it and would otherwise keep
// what it wrote cached up to 80 % of the machine's memory (3,000,000
// records: 778 MB peak with the default, 339 MB with 128 MB, as fast;
// a province's twelve monthly exports in one batch: 543 MB and 10.7 s with
// 128 MB, 277 MB and 6.6 s with 64 MB, 241 MB and 7.5 s with 32 MB). A
// query of a province or the country needs more, and spills to the
// temporary folder beyond it. SGZ_MEMORY_LIMIT (e.g. 2GB) overrides both.
const (
	loadMemory  = "64MB"
	queryMemory = "4GB"
)

// memTotalKB is the machine's memory in kB (Linux), 0 when unknown.
func memTotalKB() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// setMemory sets DuckDB's memory_limit for the command.
func setMemory(ctx context.Context, db *sql.DB, o storeOpts) error {
	m := o.memory
	if m == "" {
		m = queryMemory
		// DuckDB's default is 80 % of the machine's memory: on a small
		// machine that is less than 4 GB, and kept
		if kb := memTotalKB(); kb > 0 && kb*8/10 < 4<<20 {
			m = fmt.Sprintf("%dMB", kb*8/10>>10)
		}
	}
	if env := os.Getenv("SGZ_MEMORY_LIMIT"); env != "" {
		m = env
	}
	if _, err := db.ExecContext(ctx, `SET memory_limit = '`+strings.ReplaceAll(m, "'", "''")+`'`); err != nil {
		return fmt.Errorf("DuckDB 内存上限 %q 无效（环境变量 SGZ_MEMORY_LIMIT，应如 2GB）：%w", m, err)
	}
	return nil
}

// openDB opens a database for writing and makes sure it has the ingest
// tables.
func openDB(e *env, path string, wait bool) (*sql.DB, error) {
	db, err := openDuck(e, path, path, wait)
	if err != nil {
		return nil, err
	}
	if err := ingest.EnsureSchema(e.ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("打开数据库 %s 出错: %w", path, err)
	}
	return db, nil
}

// heldError is the refusal to open a database another process holds.
type heldError struct{ msg string }

func (h *heldError) Error() string { return h.msg }

// lockHeld is DuckDB's message for a database file another process holds.
var lockHeld = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// openDuck opens dsn (the database at path); when another process holds
// it, it says which in Chinese, or, with wait, tries again every second
// for up to half an hour.
func openDuck(e *env, dsn, path string, wait bool) (*sql.DB, error) {
	deadline := time.Now().Add(30 * time.Minute)
	told := false
	for {
		db, err := sql.Open("duckdb", dsn)
		if err == nil {
			if err = db.PingContext(e.ctx); err != nil {
				db.Close()
			}
		}
		if err == nil {
			return db, nil
		}
		m := lockHeld.FindStringSubmatch(err.Error())
		if m == nil {
			return nil, fmt.Errorf("打开数据库 %s 出错: %w", path, err)
		}
		holder := "进程 " + m[2]
		if b, rerr := os.ReadFile("/proc/" + m[2] + "/cmdline"); rerr == nil && len(b) > 0 {
			holder += "：" + printable(strings.Join(strings.Fields(strings.ReplaceAll(string(b), "\x00", " ")), " "))
		} else {
			holder += "（" + printable(m[1]) + "）"
		}
		if !wait || time.Now().After(deadline) {
			return nil, &heldError{fmt.Sprintf("数据库 %s 正被另一个程序使用（%s）：请等它结束后再试，或加 --wait 排队等候", path, holder)}
		}
		if !told {
			fmt.Fprintf(e.stderr, "sgz: 数据库 %s 正被另一个程序使用（%s），等候中……\n", path, holder)
			told = true
		}
		select {
		case <-e.ctx.Done():
			return nil, e.ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// terminal is the standard error when it is a terminal, else nil (progress
// is shown on a terminal only: quiet in scripts and logs).
func terminal(e *env) *os.File {
	f, ok := e.stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

// terminalRows shows how a streamed file goes: rows so far, rows per
// second, and the time left when the file says how big it is.
func terminalRows(e *env) func(string, int, float64) {
	f := terminal(e)
	if f == nil {
		return nil
	}
	var current string
	var t0 time.Time
	var rows0 int
	var part0 float64
	return func(path string, rows int, part float64) {
		now := time.Now()
		if path != current {
			current, t0, rows0, part0 = path, now, rows, part
		}
		line := fmt.Sprintf("写入 %s：%d 行", printable(filepath.Base(path)), rows)
		if dt := now.Sub(t0).Seconds(); dt > 0 {
			line += fmt.Sprintf("，每秒 %.0f 行", float64(rows-rows0)/dt)
			if part > part0 && part < 1 {
				left := int(dt*(1-part)/(part-part0) + 0.5)
				if left >= 60 {
					line += fmt.Sprintf("，约剩 %d 分 %d 秒", left/60, left%60)
				} else {
					line += fmt.Sprintf("，约剩 %d 秒", left)
				}
			}
		}
		fmt.Fprintf(f, "\r\033[K%s", line)
	}
}

func (s *store) Close() error { return s.db.Close() }

func (s *store) loader(ctx context.Context, e *env) (*ingest.Loader, error) {
	hs, err := data.Headers()
	if err != nil {
		return nil, err
	}
	salt, err := ingest.Key(ctx, s.db, ingest.KeyPath(s.path))
	if err != nil {
		return nil, err
	}
	return &ingest.Loader{
		DB: s.db,
		Conv: &ingest.Converter{Recogniser: ingest.NewRecogniser(hs), Resolver: ingest.NewResolver(s.ref), Salt: salt,
			Limits: ingest.LimitsOf(s.policy), Today: time.Now(), Calendar: data.NewCalendar(s.ref.Holidays)},
		Now:      func() time.Time { return time.Now().UTC().Truncate(time.Second) },
		Progress: terminalProgress(e),
		Rows:     terminalRows(e),
	}, nil
}

// terminalParts shows "看板 3/15 各月阶段" on one line of a terminal while a
// build computes its parts; done clears the line. Both do nothing when
// stderr is not a terminal.
func terminalParts(e *env, what string) (show func(part string, done, total int), done func()) {
	f := terminal(e)
	if f == nil {
		return nil, func() {}
	}
	return func(part string, n, total int) {
			fmt.Fprintf(f, "\r\033[K%s %d/%d %s", what, n, total, part)
		}, func() {
			fmt.Fprint(f, "\r\033[K")
		}
}

// terminalProgress shows "读取 12/156 榆次区_2023-06.xlsx" on one line of a
// terminal, and nothing when stderr is not a terminal (scripts, CI, tests).
func terminalProgress(e *env) func(string, int, int, string) {
	f := terminal(e)
	if f == nil {
		return nil
	}
	return func(stage string, done, total int, path string) {
		fmt.Fprintf(f, "\r\033[K%s %d/%d %s", stage, done, total, filepath.Base(path))
		if done == total {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}
