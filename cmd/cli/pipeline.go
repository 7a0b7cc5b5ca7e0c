package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"sgz/data"
	"sgz/ingest"
	"sgz/metrics"
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
	ctx := e.ctx
	path := o.db
	ref, err := data.Load()
	if err != nil {
		return nil, fmt.Errorf("参考数据: %w", err)
	}
	pol, err := data.LoadPolicy(o.policy)
	if err != nil {
		return nil, fmt.Errorf("政策参数: %w", err)
	}
	db, err := openDB(ctx, path)
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
		if db, err = openDB(ctx, path); err != nil {
			return nil, err
		}
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

// openDB opens a database and makes sure it has the ingest tables.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", path)
	if err == nil {
		err = db.PingContext(ctx)
		if err == nil {
			err = ingest.EnsureSchema(ctx, db)
		}
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("打开数据库 %s 出错: %w", path, err)
	}
	return db, nil
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
	}, nil
}

// terminalProgress shows "读取 12/156 榆次区_2023-06.xlsx" on one line of a
// terminal, and nothing when stderr is not a terminal (scripts, CI, tests).
func terminalProgress(e *env) func(string, int, int, string) {
	f, ok := e.stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(stage string, done, total int, path string) {
		fmt.Fprintf(f, "\r\033[K%s %d/%d %s", stage, done, total, filepath.Base(path))
		if done == total {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}
