package cli

import (
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
