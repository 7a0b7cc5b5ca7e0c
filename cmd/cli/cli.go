// Package cli is the sgz command line: one verb per job (spec/cli.md). Do
// runs a command and returns its exit code, so that every command is tested
// without a subprocess; only main exits.
//
// Exit codes: 0 success; 1 some row or file was rejected; 2 usage or
// internal error.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitRejected = 1
	ExitError    = 2
)

type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name, args, help string
	run              func(e *env, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "[--out DIR]", "generate the sample inputs, load them into a fresh database in DIR, write the dashboard and the latest bulletin", runDemo},
		{"ingest", "PATH...", "load county ledgers and system exports (files or folders)", runIngest},
		{"validate", "PATH...", "run every check of ingest without writing anything", runValidate},
		{"report", "indicators|timeliness|rejects [flags]", "print a report (--format table|csv|json)", runReport},
		{"dashboard", "--as-of D --out DIR", "write the static dashboard site", runDashboard},
		{"bulletin", "--month YYYY-MM --out DIR", "write the month's system-use bulletin (通报): HTML, Markdown, XLSX, PDF", runBulletin},
		{"template", "--county NAME --out FILE.xlsx", "write a county's ledger template with drop-downs", runTemplate},
		{"gen", "--scale city --seed N --out DIR", "write synthetic inputs and their ground truth", runGen},
	}
}

// Do runs the sgz command line with args (without the program name).
func Do(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return ExitError
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "sgz: unknown command %q\n", args[0])
	usage(stderr)
	return ExitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sgz COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %-32s %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "\nThe database is ./sgz.duckdb unless --db PATH or SGZ_DB says otherwise; the policy\n(thresholds and weights) is the built-in data/policy.csv unless --policy FILE or SGZ_POLICY names a copy.")
}

// flags makes a flag set that reports errors to stderr.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("sgz "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// storeOpts are the flags of every command that opens the database.
type storeOpts struct {
	db, policy string
}

// storeFlags adds --db (default $SGZ_DB, else ./sgz.duckdb) and --policy
// (default $SGZ_POLICY, else the built-in data/policy.csv).
func storeFlags(fs *flag.FlagSet) *storeOpts {
	o := &storeOpts{}
	def := os.Getenv("SGZ_DB")
	if def == "" {
		def = "sgz.duckdb"
	}
	fs.StringVar(&o.db, "db", def, "database file")
	fs.StringVar(&o.policy, "policy", os.Getenv("SGZ_POLICY"), "policy file (a copy of data/policy.csv); default the built-in one")
	return o
}

// parse parses flags; a usage error has been printed when it returns false.
func parse(fs *flag.FlagSet, args []string) bool {
	return fs.Parse(interleave(fs, args)) == nil
}

// interleave lets flags follow positional arguments (sgz ingest DIR --db X).
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") {
				if f := fs.Lookup(name); f != nil {
					if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
						if i+1 < len(args) {
							flags = append(flags, args[i+1])
							i++
						}
					}
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, append([]string{"--"}, pos...)...)
}

// fail prints an error with the sgz: prefix and returns ExitError.
func (e *env) fail(err error) int {
	fmt.Fprintf(e.stderr, "sgz: %v\n", err)
	return ExitError
}
