package cli_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"sgz/cmd/cli"
	"sgz/dashboards/bulletin"
)

var tempDirs []string

// mkTemp makes a folder shared by the tests of this package; TestMain
// removes it.
func mkTemp() (string, error) {
	d, err := os.MkdirTemp("", "sgz-e2e-")
	if err == nil {
		tempDirs = append(tempDirs, d)
	}
	return d, err
}

func TestMain(m *testing.M) {
	// As a helper process: hold a database open (for writing, or
	// read-only) until standard input closes, as another sgz would.
	if path := os.Getenv("SGZ_TEST_HOLD"); path != "" {
		dsn := path
		if os.Getenv("SGZ_TEST_HOLD_RO") != "" {
			dsn += "?access_mode=READ_ONLY"
		}
		db, err := sql.Open("duckdb", dsn)
		if err == nil {
			err = db.Ping()
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("holding")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		db.Close()
		os.Exit(0)
	}
	// As sgz itself (the stress tests kill it): SGZ_TEST_CLI=1 and the
	// arguments after "--".
	if os.Getenv("SGZ_TEST_CLI") != "" {
		for i, a := range os.Args {
			if a == "--" {
				os.Exit(cli.Do(os.Args[i+1:], os.Stdin, os.Stdout, os.Stderr))
			}
		}
		os.Exit(2)
	}
	// The bulletin tests write the same editions again and again, and
	// Chromium takes 3–4 s a page here: a page is printed once, and its PDF
	// copied for the same bytes (TestBulletinInBrowser prints for real).
	bulletin.Printer = printOnce(bulletin.PrintPDF)
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// printForReal holds the folders whose bulletins are printed every time
// (TestBulletinInBrowser checks that printing again gives the same bytes).
var printForReal sync.Map

// printOnce wraps a PDF printer so that a page with the same bytes as one
// printed before is not printed again: its PDF is copied.
func printOnce(print func(ctx context.Context, chromium, html, pdf string) error) func(ctx context.Context, chromium, html, pdf string) error {
	var mu sync.Mutex
	printed := map[[32]byte][]byte{}
	return func(ctx context.Context, chromium, html, pdf string) error {
		real := false
		printForReal.Range(func(dir, _ any) bool {
			real = real || strings.HasPrefix(html, dir.(string)+string(filepath.Separator))
			return !real
		})
		if real {
			return print(ctx, chromium, html, pdf)
		}
		page, err := os.ReadFile(html)
		if err != nil {
			return err
		}
		key := sha256.Sum256(page)
		mu.Lock()
		b, ok := printed[key]
		mu.Unlock()
		if ok {
			return os.WriteFile(pdf, b, 0o644)
		}
		if err := print(ctx, chromium, html, pdf); err != nil {
			return err
		}
		if b, err = os.ReadFile(pdf); err != nil {
			return err
		}
		mu.Lock()
		printed[key] = b
		mu.Unlock()
		return nil
	}
}
