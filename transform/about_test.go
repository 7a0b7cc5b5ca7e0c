package transform

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestChecksSpeakToReaders: every data check (transform/tests and
// metrics/checks) has a title and a description for the data-quality
// page, in Chinese, naming no table, column or timing.
func TestChecksSpeakToReaders(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("tests", "*.sql"))
	more, _ := filepath.Glob(filepath.Join("..", "metrics", "checks", "*.sql"))
	files = append(files, more...)
	if len(files) < 11 {
		t.Fatalf("%d check files found", len(files))
	}
	code := regexp.MustCompile(`[A-Za-z_]{2,}|\d+(\.\d+)? ?s\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		title, what := about(string(b))
		for _, s := range []string{title, what} {
			if s == "" || !regexp.MustCompile(`\p{Han}`).MatchString(s) || code.MatchString(s) {
				t.Errorf("%s: %q is not words for a reader (want Chinese, no identifiers)", f, s)
			}
		}
	}
}
