package cli

import (
	"bytes"
	"fmt"
	"io"

	"sgz/data"
	"sgz/ingest"
	"sgz/place"
)

// runTemplate writes the ledger template of one county (spec/inputs.md;
// "prevent the mess at the source").
func runTemplate(e *env, args []string) int {
	fs := e.flags("template")
	county := fs.String("county", "", "县名、别名或代码，如 祁县")
	out := fs.String("out", "", "要写出的 .xlsx 文件")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if *county == "" || *out == "" {
		fmt.Fprintln(e.stderr, "sgz template: 须给出 --county 县名 和 --out 文件.xlsx")
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
	if err := place.PutFile(*out, 0o644, place.Options{}, func(w io.Writer) error { _, err := w.Write(b.Bytes()); return err }); err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "%s 台账模板: %s\n", c.Name, *out)
	return ExitOK
}
