package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sgz/data"
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
// ""). The key is bound to its database: the database keeps a fingerprint
// of it (KeyFingerprint, never the key), and a key file of another
// database is refused before anything is hashed with it (every person
// would otherwise count anew: 祁县's 17 workers became 33). A database
// with hashed people, or with a fingerprint, but no key file is an error
// too. The key file is read as inputs are: a regular file of 64 hex digits
// (a FIFO would hang, a link to /dev/zero fill memory).
func Key(ctx context.Context, db *sql.DB, path string) ([]byte, error) {
	var bound string
	if err := db.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM meta WHERE key = 'key_fingerprint'), '')`).Scan(&bound); err != nil {
		return nil, err
	}
	if path != "" {
		key, err := ReadKeyFile(path)
		if err == nil {
			fp := KeyFingerprint(key)
			switch {
			case bound == "":
				// a database made before keys were bound: bound now
				if _, err := db.ExecContext(ctx, `INSERT INTO meta VALUES ('key_fingerprint', ?) ON CONFLICT DO NOTHING`, fp); err != nil {
					return nil, err
				}
			case bound != fp:
				return nil, &KeyMismatch{Path: path}
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
		if people > 0 || bound != "" {
			return nil, fmt.Errorf("找不到个人信息密钥文件 %s：库中 %d 条人员记录的编码是用它算出的，没有它，同一人再次载入会被算作两人。请把该文件找回放在数据库旁边（或用 sgz restore 从备份恢复数据库及其密钥），或新建数据库重新载入全部文件", path, people)
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if path == "" {
		return key, nil
	}
	if err := writeKeyFile(path, key); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO meta VALUES ('key_fingerprint', ?)`, KeyFingerprint(key)); err != nil {
		return nil, err
	}
	return key, nil
}

// KeyMismatch is a key file that is not its database's.
type KeyMismatch struct{ Path string }

func (e *KeyMismatch) Error() string {
	return fmt.Sprintf("个人信息密钥文件 %s 不是这个数据库的（指纹不符）：用它编码，同一人会被算作新的人。未载入任何内容。请把这个数据库原来的密钥文件放回原处，或用 sgz restore 从备份同时恢复数据库及其密钥", e.Path)
}

// KeyFingerprint is what a database keeps of its key: a hash from which
// the key cannot be had back.
func KeyFingerprint(key []byte) string {
	h := sha256.Sum256(append([]byte("sgz key fingerprint v1\x00"), key...))
	return hex.EncodeToString(h[:])
}

// ReadKeyFile reads a key file: a regular file of 64 hex digits and a
// line end, nothing else.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := data.ReadSmallFile(path, 128)
	if os.IsNotExist(err) {
		return nil, err
	}
	var key []byte
	if err == nil {
		key, err = hex.DecodeString(strings.TrimSpace(string(b)))
	}
	if err != nil || len(key) != 32 {
		why := "应为 64 位十六进制数"
		if err != nil && !isHexErr(err) {
			why = err.Error()
		}
		return nil, fmt.Errorf("个人信息密钥文件 %s 已损坏（%s）：请从备份中找回", path, why)
	}
	return key, nil
}

func isHexErr(err error) bool {
	var inv hex.InvalidByteError
	return errors.As(err, &inv) || errors.Is(err, hex.ErrLength)
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
	var tables []string
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' ORDER BY 1`)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return false, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	// the tables made empty, then filled row by row but for the key: its
	// bytes are never written into the new file (copied and deleted, they
	// were, whenever DuckDB wrote the copy out before the delete)
	steps := []string{
		fmt.Sprintf(`ATTACH '%s' AS %s`, strings.ReplaceAll(rebuilt, "'", "''"), alias),
		fmt.Sprintf(`COPY FROM DATABASE "%s" TO %s (SCHEMA)`, strings.ReplaceAll(name, `"`, `""`), alias),
	}
	for _, t := range tables {
		q := fmt.Sprintf(`INSERT INTO %s."%s" SELECT * FROM "%s"`, alias, strings.ReplaceAll(t, `"`, `""`), strings.ReplaceAll(t, `"`, `""`))
		if t == "meta" {
			q += ` WHERE key <> 'pii_salt'`
		}
		steps = append(steps, q)
	}
	steps = append(steps, `DETACH `+alias)
	for _, q := range steps {
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
