package ingest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The key of personal hashes: made once per database, kept in its own file.

// KeyPath is where the key of a database's personal hashes is kept: in a
// file next to the database, never in it. With the key in the database,
// anyone holding the file could test the candidates that a masked ID
// (140702************) leaves open against its hash, and so read the ID
// number. An in-memory database ("" or ":memory:") has no key file.
func KeyPath(db string) string {
	if db == "" || db == ":memory:" {
		return ""
	}
	return db + ".key"
}

// Key returns the key of the database's personal hashes, kept in the file
// at path (KeyPath), and makes it on first use (in memory only when path is
// ""). A database with hashed people but no key file is an error: new
// hashes would not match the old ones, so the same person would count
// twice.
func Key(ctx context.Context, db *sql.DB, path string) ([]byte, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err == nil {
			key, err := hex.DecodeString(strings.TrimSpace(string(b)))
			if err != nil || len(key) != 32 {
				return nil, fmt.Errorf("个人信息密钥文件 %s 已损坏（应为 64 位十六进制数）：请从备份中找回", path)
			}
			return key, nil
		}
		if !os.IsNotExist(err) {
			return nil, err
		}
		var people int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM ledger_staff`).Scan(&people); err != nil {
			return nil, err
		}
		if people > 0 {
			return nil, fmt.Errorf("找不到个人信息密钥文件 %s：库中 %d 条人员记录的编码是用它算出的，没有它，同一人再次载入会被算作两人。请把该文件找回放在数据库旁边，或新建数据库重新载入全部文件", path, people)
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if path == "" {
		return key, nil
	}
	return key, writeKeyFile(path, key)
}

// writeKeyFile writes a key file that did not exist, readable only by its
// owner, durably: to a temporary file that is synced and then linked to its
// name (which fails if the name was taken meanwhile), and the folder synced.
// On a file system without hard links (FAT, some shares) the name is
// created directly, still refusing one that exists.
func writeKeyFile(path string, key []byte) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	err := writeNewFile(tmp, key)
	if err == nil {
		err = os.Link(tmp, path)
		os.Remove(tmp)
		if err != nil && !os.IsExist(err) {
			err = writeNewFile(path, key)
		}
	}
	if err != nil {
		return fmt.Errorf("写个人信息密钥文件 %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// writeNewFile creates path (which must not exist) with the key in hex,
// mode 0600, synced; nothing is left behind on failure.
func writeNewFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, hex.EncodeToString(key))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// MoveKeyOut moves the key of a database made before the key lived in its
// own file (sgz kept it in the meta table): it writes the key to
// KeyPath(path) and writes the whole database afresh to Rebuilt(path)
// without the key (deleting the row in place would leave its bytes in the
// file's free blocks). The database at path is not changed: the caller
// closes it and renames the rebuilt file over it (ReplaceWithRebuilt), so
// that a failure at any step leaves things as they were and the move is
// tried again on the next open. It reports whether there was a key to move.
func MoveKeyOut(ctx context.Context, db *sql.DB, path string) (bool, error) {
	var inDB string
	err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'pii_salt'`).Scan(&inDB)
	if err == sql.ErrNoRows || (err == nil && KeyPath(path) == "") {
		return false, nil // nothing to move, or an in-memory database
	}
	if err != nil {
		return false, err
	}
	key, err := hex.DecodeString(inDB)
	if err != nil || len(key) != 32 {
		return false, fmt.Errorf("数据库中旧存的个人信息密钥已损坏")
	}
	keyPath := KeyPath(path)
	b, err := os.ReadFile(keyPath)
	switch {
	case err == nil && strings.TrimSpace(string(b)) != inDB:
		return false, fmt.Errorf("个人信息密钥文件 %s 与数据库中旧存的密钥不一致：该文件不属于这个数据库", keyPath)
	case os.IsNotExist(err):
		if err := writeKeyFile(keyPath, key); err != nil {
			return false, err
		}
	case err != nil:
		return false, err
	}
	rebuilt := Rebuilt(path)
	DiscardRebuilt(path)
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var name string
	if err := conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		return false, err
	}
	alias := fmt.Sprintf("sgz_rebuild_%d_%d", os.Getpid(), time.Now().UnixNano())
	for _, q := range []string{
		fmt.Sprintf(`ATTACH '%s' AS %s`, strings.ReplaceAll(rebuilt, "'", "''"), alias),
		fmt.Sprintf(`COPY FROM DATABASE "%s" TO %s`, strings.ReplaceAll(name, `"`, `""`), alias),
		// deleted before the copy is ever written out, so its bytes never are
		fmt.Sprintf(`DELETE FROM %s.meta WHERE key = 'pii_salt'`, alias),
		`DETACH ` + alias,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			_, _ = conn.ExecContext(ctx, `DETACH DATABASE IF EXISTS `+alias)
			DiscardRebuilt(path)
			return false, fmt.Errorf("重写数据库以移出个人信息密钥时出错（数据库未改动）：%w", err)
		}
	}
	return true, nil
}

// Rebuilt is where MoveKeyOut writes the database afresh: beside the real
// file when path is a symbolic link, so that the rename stays on one file
// system.
func Rebuilt(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return path + ".rebuild"
}

// DiscardRebuilt removes what MoveKeyOut wrote, after a failure.
func DiscardRebuilt(path string) {
	os.Remove(Rebuilt(path))
	os.Remove(Rebuilt(path) + ".wal")
}

// ReplaceWithRebuilt puts the database MoveKeyOut rebuilt in the place of
// the one at path, which must be closed: with the original's permissions,
// through a symbolic link to the real file, and only when the original
// left no write-ahead log behind (it would be replayed into the new file).
// On failure the original stays and the rebuilt file is removed.
func ReplaceWithRebuilt(path string) error {
	fail := func(err error) error {
		DiscardRebuilt(path)
		return fmt.Errorf("以重写的数据库替换 %s 时出错（数据库未改动，下次打开时重试）：%w", path, err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fail(err)
	}
	if _, err := os.Stat(real + ".wal"); err == nil {
		return fail(fmt.Errorf("数据库关闭后仍有 %s.wal", real))
	}
	if _, err := os.Stat(Rebuilt(path) + ".wal"); err == nil {
		return fail(fmt.Errorf("重写的数据库未写完"))
	}
	st, err := os.Stat(real)
	if err != nil {
		return fail(err)
	}
	if err := os.Chmod(Rebuilt(path), st.Mode().Perm()); err != nil {
		return fail(err)
	}
	if err := os.Rename(Rebuilt(path), real); err != nil {
		return fail(err)
	}
	if d, err := os.Open(filepath.Dir(real)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
