package cli

import (
	"bytes"
	"fmt"
	"os"

	"sgz/data"
	"sgz/ingest"
)

// runTemplate writes the ledger template of one county (spec/inputs.md;
// "prevent the mess at the source").
func runTemplate(e *env, args []string) int {
	fs := e.flags("template")
	county := fs.String("county", "", "county name, alias or code, e.g. 祁县")
	out := fs.String("out", "", "the .xlsx file to write")
	if !parse(fs, args) {
		return ExitError
	}
	if *county == "" || *out == "" {
		fmt.Fprintln(e.stderr, "sgz template: --county NAME and --out FILE.xlsx are required")
		return ExitError
	}
	ref, err := data.Load()
	if err != nil {
		return e.fail(err)
	}
	code, err := ingest.NewResolver(ref).County(*county)
	if err != nil {
		return e.fail(fmt.Errorf("--county: %v", err))
	}
	c, _ := ref.County(code)
	var b bytes.Buffer
	if err := ingest.WriteTemplate(&b, c, ref.Townships); err != nil {
		return e.fail(err)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "%s 台账模板: %s\n", c.Name, *out)
	return ExitOK
}
