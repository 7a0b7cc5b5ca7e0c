package cli

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"sgz/ingest"
)

// A backup is one zip file: the database as it stood after a checkpoint,
// its key of personal hashes (without it the copy could not take new
// files), and a manifest with their SHA-256, checked on restore. It holds
// the key: keep it as safely as the database and its key together.

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

// runBackup copies the database and its key into one file, holding the
// database (no other sgz writes meanwhile).
func runBackup(e *env, args []string) int {
	fs := e.flags("backup")
	so := storeFlags(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "sgz backup: 须给出备份文件，如 sgz backup 备份_2024-01-10.zip")
		return ExitError
	}
	out := fs.Arg(0)
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	// Everything in the main file, nothing in a write-ahead log.
	if _, err := st.db.ExecContext(e.ctx, `CHECKPOINT`); err != nil {
		return e.fail(err)
	}
	dbBytes, err := os.ReadFile(st.path)
	if err != nil {
		return e.fail(err)
	}
	key, err := os.ReadFile(ingest.KeyPath(st.path))
	if err != nil && !os.IsNotExist(err) {
		return e.fail(err)
	}
	info := backupInfo{Made: time.Now().UTC().Truncate(time.Second), Source: st.path, Files: map[string]string{backupDB: sum(dbBytes)}, SGZSchema: ingest.SchemaVersion}
	parts := map[string][]byte{backupDB: dbBytes}
	if key != nil {
		info.Files[backupKey] = sum(key)
		parts[backupKey] = key
	}
	manifest, _ := json.MarshalIndent(info, "", "  ")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{backupManifest, backupDB, backupKey} {
		b := manifest
		if name != backupManifest {
			var ok bool
			if b, ok = parts[name]; !ok {
				continue
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: info.Made})
		if err == nil {
			_, err = w.Write(b)
		}
		if err != nil {
			return e.fail(err)
		}
	}
	if err := zw.Close(); err != nil {
		return e.fail(err)
	}
	if err := writeAtomic(out, buf.Bytes(), 0o600); err != nil {
		return e.fail(fmt.Errorf("写备份文件 %s 出错: %w", out, err))
	}
	fmt.Fprintf(e.stdout, "已备份 %s（及其个人信息密钥）到 %s（%d MB）。备份含密钥，请妥善保管。\n", st.path, out, (buf.Len()+(1<<20)-1)>>20)
	return ExitOK
}

// runRestore puts a backup in the place of the database (--db): checked
// against its manifest first, written beside and renamed into place, the
// key with it; a database that exists is replaced only with --force.
func runRestore(e *env, args []string) int {
	fs := e.flags("restore")
	so := storeFlags(fs)
	force := fs.Bool("force", false, "数据库已存在时仍以备份替换（替换前的内容不再保留）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "sgz restore: 须给出备份文件，如 sgz restore 备份_2024-01-10.zip --db sgz.duckdb")
		return ExitError
	}
	parts, info, err := readBackup(fs.Arg(0))
	if err != nil {
		return e.fail(err)
	}
	path := so.db
	var held *store
	if _, err := os.Stat(path); err == nil {
		if !*force {
			return e.fail(fmt.Errorf("数据库 %s 已存在：恢复会以备份（%s）替换它，此后载入的内容将丢失；确需如此，请加 --force", path, info.Made.Format(time.DateTime)))
		}
		// Hold the database while it is replaced: no other sgz has it.
		if held, err = openStore(e, *so); err != nil {
			return e.fail(err)
		}
		if _, err := held.db.ExecContext(e.ctx, `CHECKPOINT`); err != nil {
			held.Close()
			return e.fail(err)
		}
	}
	err = func() error {
		if key, ok := parts[backupKey]; ok {
			if err := writeAtomic(ingest.KeyPath(path), key, 0o600); err != nil {
				return err
			}
		}
		os.Remove(path + ".wal") // the replaced database's log must not be replayed into the backup
		return writeAtomic(path, parts[backupDB], 0o600)
	}()
	if held != nil {
		held.Close()
		os.Remove(path + ".wal") // anything the replaced database's handle wrote on closing
	}
	if err != nil {
		return e.fail(fmt.Errorf("恢复到 %s 出错: %w", path, err))
	}
	fmt.Fprintf(e.stdout, "已从 %s 恢复 %s（备份于 %s）。\n", fs.Arg(0), path, info.Made.Format(time.DateTime))
	return ExitOK
}

// readBackup reads a backup and checks every part against its manifest.
func readBackup(path string) (map[string][]byte, backupInfo, error) {
	var info backupInfo
	bad := func(why string, args ...any) (map[string][]byte, backupInfo, error) {
		return nil, info, fmt.Errorf("%s 不是可用的 sgz 备份：%s", path, fmt.Sprintf(why, args...))
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return bad("%v", err)
	}
	defer zr.Close()
	parts := map[string][]byte{}
	for _, f := range zr.File {
		if f.Name != backupDB && f.Name != backupKey && f.Name != backupManifest {
			return bad("含有不认识的文件 %s", printable(f.Name))
		}
		rc, err := f.Open()
		if err != nil {
			return bad("%v", err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 1<<40))
		rc.Close()
		if err != nil {
			return bad("%s 无法读取（%v）", f.Name, err)
		}
		parts[f.Name] = b
	}
	if err := json.Unmarshal(parts[backupManifest], &info); err != nil {
		return bad("没有清单（%v）", err)
	}
	if _, ok := parts[backupDB]; !ok {
		return bad("没有数据库")
	}
	for name, b := range parts {
		if name == backupManifest {
			continue
		}
		if info.Files[name] != sum(b) {
			return bad("%s 与清单中的 SHA-256 不符（文件已损坏或被改动）", name)
		}
	}
	return parts, info, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// writeAtomic writes b beside path, syncs it and renames it into place.
func writeAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
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
