package cli

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"sgz/ingest"
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
	force := fs.Bool("force", false, "备份文件已存在时覆盖它")
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
	if _, err := os.Lstat(out); err == nil && !*force {
		return e.fail(fmt.Errorf("备份文件 %s 已存在：请另给一个文件名，或加 --force 覆盖", out))
	}
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	// Everything in the main file, nothing in a write-ahead log.
	if _, err := st.db.ExecContext(e.ctx, `CHECKPOINT`); err != nil {
		return e.fail(err)
	}
	info := backupInfo{Made: time.Now().UTC().Truncate(time.Second), Source: st.path, Files: map[string]string{}, SGZSchema: ingest.SchemaVersion}
	withKey := false
	err = writeAtomicFunc(out, 0o600, func(w io.Writer) error {
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
		switch err := add(backupKey, ingest.KeyPath(st.path)); {
		case err == nil:
			withKey = true
		case !errors.Is(err, os.ErrNotExist):
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
	if err != nil {
		return e.fail(fmt.Errorf("写备份文件 %s 出错: %w", out, err))
	}
	what := "（没有个人信息密钥文件：数据库中尚无人员记录）"
	if withKey {
		what = "及其个人信息密钥。备份含密钥，请妥善保管"
	}
	fmt.Fprintf(e.stdout, "已备份 %s%s：%s\n", st.path, what, out)
	return ExitOK
}

// runRestore puts a backup in the place of the database (--db), checked
// against its manifest first. A database that exists is replaced only
// with --force, held while it is: moved aside, the backup's database and
// key moved in, the one moved aside removed at the end (or put back when
// anything fails). A database that cannot be opened (damaged: the reason
// to restore) is kept beside as .damaged-<time>.
func runRestore(e *env, args []string) int {
	fs := e.flags("restore")
	so := storeFlags(fs)
	force := fs.Bool("force", false, "数据库已存在时仍以备份替换（替换前的内容不再保留）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	in, ok := oneArg(e, fs, "restore", "sgz restore 备份_2024-01-10.zip --db sgz.duckdb")
	if !ok {
		return ExitError
	}
	path := so.db
	dir := filepath.Dir(path)
	// the backup, checked, into files beside the database
	tmpDB, tmpKey, info, err := unpackBackup(in, dir)
	defer os.Remove(tmpDB)
	defer os.Remove(tmpKey)
	if err != nil {
		return e.fail(err)
	}
	stamp := time.Now().Format("20060102-150405")
	var held *store
	if _, err := os.Stat(path); err == nil {
		if !*force {
			return e.fail(fmt.Errorf("数据库 %s 已存在：恢复会以备份（%s）替换它，此后载入的内容将丢失；确需如此，请加 --force", path, info.Made.Format(time.DateTime)))
		}
		if held, err = openStore(e, *so); err != nil {
			var held *heldError
			if errors.As(err, &held) {
				return e.fail(err)
			}
			damaged := path + ".damaged-" + stamp
			if rerr := os.Rename(path, damaged); rerr != nil {
				return e.fail(rerr)
			}
			fmt.Fprintf(e.stderr, "sgz: 数据库 %s 无法打开（%v），已改名为 %s 保留，以备份替换\n", path, err, damaged)
			held = nil
		} else if _, err := held.db.ExecContext(e.ctx, `CHECKPOINT`); err != nil {
			held.Close()
			return e.fail(err)
		}
	}
	keyPath := ingest.KeyPath(path)
	aside := path + ".replaced-" + stamp
	keyAside := keyPath + ".replaced-" + stamp
	moved := func(from, to string) bool { return os.Rename(from, to) == nil }
	dbAside := false
	if _, err := os.Stat(path); err == nil {
		dbAside = moved(path, aside)
		if !dbAside {
			if held != nil {
				held.Close()
			}
			return e.fail(fmt.Errorf("恢复到 %s 出错：无法移开原数据库", path))
		}
	}
	keyWasAside := moved(keyPath, keyAside)
	undo := func() {
		os.Remove(path)
		os.Remove(keyPath)
		if dbAside {
			_ = os.Rename(aside, path)
		}
		if keyWasAside {
			_ = os.Rename(keyAside, keyPath)
		}
	}
	err = os.Rename(tmpDB, path)
	if err == nil && tmpKey != "" {
		err = os.Rename(tmpKey, keyPath)
	}
	if held != nil {
		held.Close() // its handle is to the file moved aside
	}
	os.Remove(path + ".wal") // a log of the replaced database must never be replayed into the backup
	if err != nil {
		undo()
		return e.fail(fmt.Errorf("恢复到 %s 出错（原数据库未改动）：%w", path, err))
	}
	os.Remove(aside)
	os.Remove(aside + ".wal")
	os.Remove(keyAside)
	fmt.Fprintf(e.stdout, "已从 %s 恢复 %s（备份于 %s）。\n", in, path, info.Made.Format(time.DateTime))
	return ExitOK
}

// unpackBackup checks a backup against its manifest while writing its
// database (and key) into temporary files in dir; a part larger than it
// says, a part of no name it knows, or a hash that differs refuses it.
func unpackBackup(path, dir string) (tmpDB, tmpKey string, info backupInfo, err error) {
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%s 不是可用的 sgz 备份：%s", path, fmt.Sprintf(why, args...))
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", "", info, bad("%v", err)
	}
	defer zr.Close()
	sums := map[string]string{}
	for _, f := range zr.File {
		switch f.Name {
		case backupManifest:
			rc, err := f.Open()
			if err != nil {
				return tmpDB, tmpKey, info, bad("%v", err)
			}
			b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
			rc.Close()
			if err == nil {
				err = json.Unmarshal(b, &info)
			}
			if err != nil {
				return tmpDB, tmpKey, info, bad("清单无法读取（%v）", err)
			}
		case backupDB, backupKey:
			tmp, err := os.CreateTemp(dir, ".sgz-restore-")
			if err != nil {
				return tmpDB, tmpKey, info, err
			}
			if f.Name == backupDB {
				tmpDB = tmp.Name()
			} else {
				tmpKey = tmp.Name()
			}
			rc, err := f.Open()
			if err != nil {
				tmp.Close()
				return tmpDB, tmpKey, info, bad("%v", err)
			}
			var h hash.Hash = sha256.New()
			// never more than the part says it is (a zip bomb stops here)
			n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(rc, int64(f.UncompressedSize64)+1))
			rc.Close()
			if err != nil {
				err = bad("%s 无法读取（%v）", f.Name, err)
			} else if uint64(n) != f.UncompressedSize64 {
				err = bad("%s 的大小与它声明的不符", f.Name)
			}
			if err == nil {
				err = tmp.Sync()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Chmod(tmp.Name(), 0o600)
			}
			if err != nil {
				return tmpDB, tmpKey, info, err
			}
			sums[f.Name] = hex.EncodeToString(h.Sum(nil))
		default:
			return tmpDB, tmpKey, info, bad("含有不认识的文件 %s", printable(f.Name))
		}
	}
	if info.Files == nil {
		return tmpDB, tmpKey, info, bad("没有清单")
	}
	if tmpDB == "" {
		return tmpDB, tmpKey, info, bad("没有数据库")
	}
	for name, want := range info.Files {
		if sums[name] != want {
			return tmpDB, tmpKey, info, bad("%s 与清单中的 SHA-256 不符（文件已损坏或被改动）", name)
		}
	}
	return tmpDB, tmpKey, info, nil
}

// writeAtomicFunc writes a file through fn beside path, syncs it and
// renames it into place; nothing is left on failure.
func writeAtomicFunc(path string, mode os.FileMode, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	err = fn(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
