package cli_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"sgz/cmd/cli"
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
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
