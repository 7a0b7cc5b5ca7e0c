package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreFlagsLast: --db and --policy before the command are moved after
// it, ahead of any "--"; everything else stays where it was.
func TestStoreFlagsLast(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"--db x.duckdb report indicators --as-of 2023-12-31", "report indicators --as-of 2023-12-31 --db x.duckdb"},
		{"-db=x.duckdb --policy p.csv ingest a.xlsx", "ingest a.xlsx -db=x.duckdb --policy p.csv"},
		{"--db t.duckdb validate --quiet -- -x.csv", "validate --quiet --db t.duckdb -- -x.csv"},
		{"ingest --db x.duckdb a.xlsx", "ingest --db x.duckdb a.xlsx"},
		{"--out d demo", "--out d demo"},
		{"", ""},
		{"--db x.duckdb", "error: 请在 --db x.duckdb 之后给出命令"},
		{"--db --policy p.csv ingest", "error: 参数 --db 缺少取值"},
	} {
		out, err := storeFlagsLast(strings.Fields(c.in))
		got := strings.Join(out, " ")
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// TestReadOnlyCommandsRefuseMissingDatabase: a command that only reads
// names the missing database and how to make one, exits 2 and creates
// nothing (it used to create an empty sgz.duckdb and print 未报送 rows).
func TestReadOnlyCommandsRefuseMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "none.duckdb")
	for _, args := range [][]string{
		{"report", "indicators", "--as-of", "2023-12-31"},
		{"report", "stations", "--as-of", "2023-12-31"},
		{"report", "rejects"},
		{"report", "timeliness", "--month", "2023-11"},
		{"dashboard", "--as-of", "2023-12-31", "--out", filepath.Join(dir, "site")},
		{"bulletin", "--month", "2023-11", "--out", filepath.Join(dir, "b")},
	} {
		var out, errb bytes.Buffer
		code := Do(append(args, "--db", db), nil, &out, &errb)
		if code != ExitError {
			t.Errorf("%v: exit %d, want %d", args, code, ExitError)
		}
		msg := errb.String()
		if !strings.Contains(msg, "数据库 "+db+" 不存在") || !strings.Contains(msg, "sgz ingest") || !strings.Contains(msg, "make demo") {
			t.Errorf("%v: message %q does not name the database and how to make one", args, msg)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Fatalf("%v left %v behind", args, left)
		}
	}
}

// TestPrintable: what came from a file reaches the terminal without its
// control characters (an ESC would start an escape sequence) or the
// bidirectional overrides that reorder text.
func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"榆次区社工站":                "榆次区社工站",
		"站\x1b[31m红":            "站\uFFFD[31m红",
		"a\u202Eb":              "a\uFFFDb",
		"行一\n行二\t列":             "行一\uFFFD行二\uFFFD列",
		"\u0085NEL and \x7fDEL": "\uFFFDNEL and \uFFFDDEL",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
