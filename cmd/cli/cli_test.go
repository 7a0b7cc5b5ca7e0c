package cli

import (
	"strings"
	"testing"
)

// TestStoreFlagsLast: --db and --policy before the command are moved after
// it; everything else stays where it was.
func TestStoreFlagsLast(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"--db x.duckdb report indicators --as-of 2023-12-31", "report indicators --as-of 2023-12-31 --db x.duckdb"},
		{"-db=x.duckdb --policy p.csv ingest a.xlsx", "ingest a.xlsx -db=x.duckdb --policy p.csv"},
		{"ingest --db x.duckdb a.xlsx", "ingest --db x.duckdb a.xlsx"},
		{"--out d demo", "--out d demo"},
		{"--db x.duckdb", "--db x.duckdb"},
		{"", ""},
	} {
		if got := strings.Join(storeFlagsLast(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
