package cli_test

import (
	"os"
	"testing"
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
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
