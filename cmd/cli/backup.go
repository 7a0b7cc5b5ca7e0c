package cli

import (
	"archive/zip"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"sgz/ingest"
	"sgz/ingest/dberr"
	"sgz/place"
)

// A backup is one zip file: the database as it stood after a checkpoint,
// its key of personal hashes (without it the copy could not take new
// files), and a manifest with their SHA-256, checked on restore. It holds
// the key: keep it as safely as the database and its key together. Both
// are streamed, never held in memory whole.

const (
	backupDB       = "sgz.duckdb"
	backupKey      = "sgz.duckdb.key"
	backupManifest = "manifest.json"
)

type backupInfo struct {
	Made      time.Time         `json:"made"`
	Source    string            `json:"source"`
	Files     map[string]string `json:"sha256"`
	SGZSchema string            `json:"schema"`
}

// samePath says whether a and b name one file (after links).
func samePath(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	if err1 != nil || err2 != nil {
		aa, _ := filepath.Abs(a)
		bb, _ := filepath.Abs(b)
		return aa == bb
	}
	return ra == rb
}

func oneArg(e *env, fs *flag.FlagSet, cmd, example string) (string, bool) {
	if fs.NArg() != 1 {
		fmt.Fprintf(e.stderr, "sgz %s: 须给出备份文件，如 %s\n", cmd, example)
		return "", false
	}
	return fs.Arg(0), true
}

// runBackup copies the database and its key into one file, holding the
// database (no other sgz writes meanwhile).
func runBackup(e *env, args []string) int {
	fs := e.flags("backup")
	so := storeFlags(fs)
	force := fs.Bool("force", false, "覆盖 sgz 此前写出的同名备份（不是 sgz 写出的文件从不覆盖）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	out, ok := oneArg(e, fs, "backup", "sgz backup 备份_2024-01-10.zip")
	if !ok {
		return ExitError
	}
	for _, p := range []string{so.db, so.db + ".wal", ingest.KeyPath(so.db)} {
		if samePath(out, p) {
			return e.fail(fmt.Errorf("备份文件 %s 就是数据库或其密钥本身：请另给一个文件名", out))
		}
	}
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	// The key in the backup always (made and bound now for a database
	// that has none yet: a restore replaces both or neither).
	if _, err := ingest.Key(e.ctx, st.db, ingest.KeyPath(st.path)); err != nil {
		return e.fail(err)
	}
	// Everything in the main file, nothing in a write-ahead log.
	if _, err := st.db.ExecContext(e.ctx, `CHECKPOINT`); err != nil {
		return e.fail(err)
	}
	info := backupInfo{Made: time.Now().UTC().Truncate(time.Second), Source: st.path, Files: map[string]string{}, SGZSchema: ingest.SchemaVersion}
	// through package place: a file of the user's at out is never
	// replaced; an earlier backup sgz wrote there only with --force
	keep := place.Options{Keep: func(string) bool { return !*force }}
	err = place.PutFile(out, 0o600, keep, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		add := func(name, path string) error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			zf, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: info.Made})
			if err != nil {
				return err
			}
			h := sha256.New()
			if _, err := io.Copy(io.MultiWriter(zf, h), f); err != nil {
				return err
			}
			info.Files[name] = hex.EncodeToString(h.Sum(nil))
			return nil
		}
		if err := add(backupDB, st.path); err != nil {
			return err
		}
		if err := add(backupKey, ingest.KeyPath(st.path)); err != nil {
			return err
		}
		manifest, _ := json.MarshalIndent(info, "", "  ")
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: backupManifest, Method: zip.Deflate, Modified: info.Made})
		if err == nil {
			_, err = zf.Write(manifest)
		}
		if err != nil {
			return err
		}
		return zw.Close()
	})
	if errors.Is(err, place.ErrExists) {
		return e.fail(fmt.Errorf("备份文件 %s 已存在：请另给一个文件名，或加 --force 覆盖", out))
	}
	if err != nil {
		return e.fail(fmt.Errorf("写备份文件 %s 出错: %w", out, err))
	}
	fmt.Fprintf(e.stdout, "已备份 %s 及其个人信息密钥：%s。备份含密钥，请妥善保管\n", st.path, out)
	return ExitOK
}

// runRestore puts a backup in the place of the database (--db) and its
// key. It holds the database first, as every writer does (with --wait it
// queues): no load runs into the file it then replaces. It checks the
// whole backup before it touches anything: the manifest names the
// database and the key; each part is a plain file of a size that fits
// (declared sizes bounded before a byte is written: a zip bomb stops at
// its header); every SHA-256 matches; the database opens read-only and
// reads through (DuckDB checks each block); the key is 64 hex digits and
// is this database's (its fingerprint). A database or key that exists is
// replaced only with --force. The swap goes through package place: the
// key, then the database, each renamed over the old (the path never
// stands empty for a waiting load to make a new database in); a crash
// between is finished by the next command's open (place.Recover). A
// database that cannot be opened (damaged: the reason to restore) is kept
// beside as .damaged-<time>.
func runRestore(e *env, args []string) int {
	fs := e.flags("restore")
	so := storeFlags(fs)
	force := fs.Bool("force", false, "数据库或其密钥已存在时仍以备份替换（替换前的内容不再保留）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	in, ok := oneArg(e, fs, "restore", "sgz restore 备份_2024-01-10.zip --db sgz.duckdb")
	if !ok {
		return ExitError
	}
	path := so.db
	keyPath := ingest.KeyPath(path)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return e.fail(err)
	}
	if err := place.Recover(dir); err != nil {
		return e.fail(err)
	}
	// the database held (or its absence noted) before anything else
	stamp := time.Now().Format("20060102-150405")
	var held *store
	_, dbErr := os.Lstat(path)
	_, keyErr := os.Lstat(keyPath)
	if (dbErr == nil || keyErr == nil) && !*force {
		what := path
		if dbErr != nil {
			what = "密钥文件 " + keyPath
		}
		return e.fail(fmt.Errorf("%s 已存在：恢复会以备份替换它（数据库和密钥），此后载入的内容将丢失；确需如此，请加 --force", what))
	}
	if dbErr == nil {
		var err error
		if held, err = openStore(e, *so); err != nil {
			var h *heldError
			if errors.As(err, &h) {
				return e.fail(err)
			}
			// damaged: its bytes kept under another name (a link: the path
			// is never without a database)
			damaged := path + ".damaged-" + stamp
			if lerr := os.Link(path, damaged); lerr != nil {
				return e.fail(fmt.Errorf("数据库 %s 无法打开（%v），也无法另存为 %s（%v）：请先把它移走再恢复", path, err, damaged, lerr))
			}
			fmt.Fprintf(e.stderr, "sgz: 数据库 %s 无法打开（%s），已另存为 %s，以备份替换\n", path, printable(dberr.Describe(err)), damaged)
			held = nil
		} else {
			defer held.Close() // the old file's handle: let go after the swap
			// everything in the main file: a log of it must never be
			// replayed into the backup's database
			if _, err := held.db.ExecContext(e.ctx, `CHECKPOINT`); err != nil {
				return e.fail(err)
			}
		}
	}
	if err := os.Remove(path + ".wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return e.fail(err)
	}
	var info backupInfo
	names := map[string]bool{filepath.Base(path): true, filepath.Base(keyPath): true}
	err := place.Put(dir, place.Options{
		Replace: func(name string) bool { return *force && names[name] },
		First:   func(name string) bool { return name == filepath.Base(keyPath) },
	}, func(work string) error {
		var err error
		info, err = unpackBackup(e, in, filepath.Join(work, filepath.Base(path)), filepath.Join(work, filepath.Base(keyPath)))
		return err
	})
	var itw *place.InTheWay
	if errors.As(err, &itw) {
		return e.fail(fmt.Errorf("恢复到 %s 未进行：%w", path, err))
	}
	if err != nil {
		return e.fail(fmt.Errorf("恢复到 %s 未进行（原数据库未改动）：%w", path, err))
	}
	fmt.Fprintf(e.stdout, "已从 %s 恢复 %s 及其密钥（备份于 %s）。\n", in, path, info.Made.Format(time.DateTime))
	return ExitOK
}

// Bounds on a backup's parts, checked against what each declares before a
// byte is written.
const (
	backupManifestMax = 1 << 20
	backupKeyMax      = 128
)

// unpackBackup checks a backup and writes its database and key to db and
// key: every part a plain file named as sgz names them, once; sizes within
// bounds (the database within the free space of its folder); the manifest
// naming both, with their SHA-256; then the database opened read-only and
// read through, and the key its own.
func unpackBackup(e *env, path, db, key string) (info backupInfo, err error) {
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%s 不是可用的 sgz 备份：%s", path, fmt.Sprintf(why, args...))
	}
	st, err := os.Stat(path)
	if err != nil {
		return info, bad("%v", err)
	}
	if !st.Mode().IsRegular() {
		return info, bad("不是普通文件")
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return info, bad("%v", err)
	}
	defer zr.Close()
	free := freeBytes(filepath.Dir(db))
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		switch f.Name {
		case backupManifest, backupDB, backupKey:
		default:
			return info, bad("含有不认识的文件 %s", printable(f.Name))
		}
		if parts[f.Name] != nil {
			return info, bad("%s 出现了两次", f.Name)
		}
		if !f.Mode().IsRegular() {
			return info, bad("%s 不是普通文件（%s）", f.Name, f.Mode().Type())
		}
		limit := map[string]uint64{backupManifest: backupManifestMax, backupKey: backupKeyMax, backupDB: free}[f.Name]
		if f.UncompressedSize64 > limit {
			if f.Name == backupDB {
				return info, bad("数据库声明为 %d MB，超过 %s 所在磁盘的可用空间（%d MB）", f.UncompressedSize64>>20, filepath.Dir(db), free>>20)
			}
			return info, bad("%s 声明为 %d 字节，超过上限 %d", f.Name, f.UncompressedSize64, limit)
		}
		parts[f.Name] = f
	}
	for _, name := range []string{backupManifest, backupDB, backupKey} {
		if parts[name] == nil {
			return info, bad("没有%s", map[string]string{backupManifest: "清单", backupDB: "数据库", backupKey: "个人信息密钥"}[name])
		}
	}
	rc, err := parts[backupManifest].Open()
	if err != nil {
		return info, bad("%v", err)
	}
	b, err := io.ReadAll(io.LimitReader(rc, backupManifestMax))
	rc.Close()
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil {
		return info, bad("清单无法读取（%v）", err)
	}
	for _, name := range []string{backupDB, backupKey} {
		if !hexSHA256(info.Files[name]) {
			return info, bad("清单没有列出 %s 的 SHA-256", name)
		}
	}
	for name, to := range map[string]string{backupDB: db, backupKey: key} {
		f := parts[name]
		out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return info, err
		}
		rc, err := f.Open()
		if err != nil {
			out.Close()
			return info, bad("%v", err)
		}
		h := sha256.New()
		// never more than the part says it is
		n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return info, bad("%s 无法读取（%v）", name, err)
		}
		if uint64(n) != f.UncompressedSize64 {
			return info, bad("%s 的大小与它声明的不符", name)
		}
		if hex.EncodeToString(h.Sum(nil)) != info.Files[name] {
			return info, bad("%s 与清单中的 SHA-256 不符（文件已损坏或被改动）", name)
		}
	}
	k, err := ingest.ReadKeyFile(key)
	if err != nil {
		return info, bad("%v", err)
	}
	if err := checkRestored(e, db, k); err != nil {
		return info, bad("%v", err)
	}
	return info, nil
}

// checkRestored opens a restored database read-only and reads every
// column of every table through (DuckDB checks each block it reads), and
// checks that key is its key.
func checkRestored(e *env, path string, key []byte) error {
	db, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var tables []string
	rows, err := db.QueryContext(e.ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("数据库无法打开（%s）", dberr.Describe(err))
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if !slices.Contains(tables, "files") || !slices.Contains(tables, "meta") {
		return errors.New("数据库中没有 sgz 的表")
	}
	for _, t := range tables {
		var n any
		if err := db.QueryRowContext(e.ctx, `SELECT count(*) + coalesce(sum(hash(x)), 0) FROM "`+strings.ReplaceAll(t, `"`, `""`)+`" AS x`).Scan(&n); err != nil {
			return fmt.Errorf("数据库的表 %s 读不通（%s）", printable(t), dberr.Describe(err))
		}
	}
	var fp string
	if err := db.QueryRowContext(e.ctx, `SELECT coalesce((SELECT value FROM meta WHERE key = 'key_fingerprint'), '')`).Scan(&fp); err != nil {
		return err
	}
	if fp != "" && fp != ingest.KeyFingerprint(key) {
		return errors.New("备份中的密钥不是备份中数据库的（指纹不符）")
	}
	return nil
}

func hexSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// freeBytes is the space free for this user on dir's file system (less a
// margin); the most a uint64 holds when it cannot be told.
func freeBytes(dir string) uint64 {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return math.MaxUint64
	}
	free := fs.Bavail * uint64(fs.Bsize)
	if free < 64<<20 {
		return 0
	}
	return free - 64<<20
}
