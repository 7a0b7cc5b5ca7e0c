package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"sgz/ingest"
	"sgz/metrics"
)

func runIngest(e *env, args []string) int { return ingestOrValidate(e, "ingest", args, true) }

func runValidate(e *env, args []string) int { return ingestOrValidate(e, "validate", args, false) }

func ingestOrValidate(e *env, name string, args []string, write bool) int {
	fs := e.flags(name)
	so := storeFlags(fs)
	quiet := fs.Bool("quiet", false, "只列出有问题的文件")
	reload := fs.Bool("reload", false, "此前载入过的文件也重新载入（改了政策参数或节假日日历后，让当时按旧规则拒收的行载入）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(e.stderr, "sgz %s: 请至少给出一个文件或文件夹\n", name)
		return ExitError
	}
	paths, err := ingest.Expand(fs.Args())
	if err != nil {
		return e.fail(err)
	}
	opts := *so
	opts.memory = loadMemory
	fail := e.fail
	if !write {
		// validate loads into a throwaway copy of the database, so that it
		// runs every check ingest runs, including those that compare with
		// what is already loaded (replaced ledgers, records repeated from
		// earlier exports), and the database itself is not touched.
		tmp, err := os.MkdirTemp("", "sgz-validate-")
		if err != nil {
			return e.fail(err)
		}
		defer os.RemoveAll(tmp)
		if opts.db, err = copyDatabase(e.ctx, so.db, tmp); err != nil {
			return e.fail(err)
		}
		// Errors name the user's database, not the copy.
		fail = func(err error) int {
			return e.fail(errors.New(strings.ReplaceAll(err.Error(), opts.db, so.db)))
		}
	}
	st, err := openStore(e, opts)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	ld, err := st.loader(e.ctx, e)
	if err != nil {
		return fail(err)
	}
	ld.Reload = *reload
	results, err := ld.Load(e.ctx, paths)
	if f := terminal(e); f != nil {
		fmt.Fprint(f, "\r\033[K") // the last progress line
	}
	printResults(e, results, *quiet)
	if !write {
		fmt.Fprintln(e.stdout, "（以上是检查结果：载入的是数据库的临时副本，数据库本身未作任何改动）")
	}
	if err != nil {
		return fail(err)
	}
	for _, r := range results {
		if r.Status == ingest.Refused || r.Status == ingest.Partly {
			return ExitRejected
		}
	}
	return ExitOK
}

// copyDatabase copies a DuckDB file, its write-ahead log and its personal
// data key, if they exist, into dir and returns the copy's path (a path to
// a new database in dir when there is nothing to copy). It holds the
// database open read-only while it copies, so that no writer changes it
// half-way; a database another sgz is writing is refused with that reason.
func copyDatabase(ctx context.Context, db, dir string) (string, error) {
	dst := filepath.Join(dir, filepath.Base(db))
	if _, err := os.Stat(db); err == nil {
		ro, err := sql.Open("duckdb", db+"?access_mode=READ_ONLY")
		if err == nil {
			err = ro.PingContext(ctx)
		}
		if err != nil {
			return "", fmt.Errorf("无法读取数据库 %s（可能正被另一个 sgz 写入，请待其结束后再检查）：%w", db, err)
		}
		defer ro.Close()
	}
	for from, to := range map[string]string{db: dst, db + ".wal": dst + ".wal", ingest.KeyPath(db): ingest.KeyPath(dst)} {
		in, err := os.Open(from)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		st, err := in.Stat()
		if err != nil {
			in.Close()
			return "", err
		}
		out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
		if err == nil {
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			return "", fmt.Errorf("复制 %s 以供检查时出错：%w", from, err)
		}
	}
	return dst, nil
}

// printResults writes the per-file summary and every reject of the files,
// in the form 文件:工作表:R行:列: 原因.
//
// A problem a county's ledgers repeat month after month (a cumulative
// funds sheet carries the same bad row in every monthly ledger) is listed
// once, under the first of them, naming the others.
func printResults(e *env, results []*ingest.Result, quiet bool) {
	counts := map[ingest.Status]int{}
	seen := repeatedProblems(results)
	for _, r := range results {
		counts[r.Status]++
		name := printable(filepath.Base(r.Path))
		switch r.Status {
		case ingest.Refused:
			fmt.Fprintf(e.stdout, "拒收  %s: %s\n", name, printable(r.Reason))
			continue
		case ingest.Unchanged:
			if !quiet {
				fmt.Fprintf(e.stdout, "未变  %s: %s\n", name, printable(r.Reason))
			}
			continue
		}
		p := r.Parsed
		if quiet && r.Status == ingest.Loaded {
			continue
		}
		what := metrics.KindLabel(p.Class)
		if p.Class == "ledger" {
			what += " " + p.CountyCode + " 填报日期 " + p.ReportDate.Format("2006-01-02")
		}
		var parts []string
		tables := make([]string, 0, len(p.Tables))
		for t := range p.Tables {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for _, t := range tables {
			parts = append(parts, fmt.Sprintf("%s %d 行", ingest.KindLabel[ingest.Kind(t)], p.TableCount(t)))
		}
		label := map[ingest.Status]string{ingest.Loaded: "载入", ingest.Partly: "部分载入"}[r.Status]
		fmt.Fprintf(e.stdout, "%s  %s (%s): %s; 拒收 %d 行, 跳过 %d 行%s, 提示 %d 条\n", label, name, what,
			strings.Join(parts, ", "), max(rejectedRows(p), p.RejectedRows()), p.SkippedTotal(), skippedDetail(p), p.FlagCount())
		if r.Overlap > 0 {
			fmt.Fprintf(e.stdout, "      与此前载入的导出重复 %d 条记录，按一条计；其中 %d 条内容不同，以本文件为准\n", r.Overlap, r.Changed)
		}
		for _, old := range r.Replaced {
			fmt.Fprintf(e.stdout, "      取代同县同填报日期的旧台账 %s（同县同填报日期以后载入的为准；同一批中按修改时间、文件名先后载入）\n", printable(old))
		}
		for _, n := range p.Notes {
			fmt.Fprintf(e.stdout, "      %s\n", printable(n))
		}
		listProblems(e, "拒收", name, p.CountyCode, p.Rejects, seen)
		listProblems(e, "提示", name, p.CountyCode, p.Flags, seen)
		if rej, fl := p.Omitted(); rej+fl > 0 {
			fmt.Fprintf(e.stdout, "      另有拒收 %d 条、提示 %d 条未列出，全部见 sgz report rejects\n", rej, fl)
		}
	}
	fmt.Fprintf(e.stdout, "共 %d 个文件: 载入 %d, 部分载入 %d, 拒收 %d, 未变 %d\n", len(results),
		counts[ingest.Loaded], counts[ingest.Partly], counts[ingest.Refused], counts[ingest.Unchanged])
}

func rejectedRows(p *ingest.Parsed) int {
	rows := map[string]bool{}
	for _, r := range p.Rejects {
		rows[fmt.Sprintf("%s\x00%d", r.Sheet, r.RowNum)] = true
	}
	return len(rows)
}

var skipLabels = map[string]string{"blank": "空行", "total": "合计行", "footer": "表尾", "seq_only": "仅序号", "place_only": "仅预填乡镇"}

func skippedDetail(p *ingest.Parsed) string {
	if len(p.Skipped) == 0 {
		return ""
	}
	kinds := make([]string, 0, len(p.Skipped))
	for k := range p.Skipped {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", skipLabels[k], p.Skipped[k]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// maxListed is how many rejects or flags of one file the summary lists;
// `sgz report rejects` has them all.
const maxListed = 10

// problemKey is a problem of a county's ledger as the county would fix it:
// the same sheet, row, column, value and reason.
type problemKey struct {
	county, sheet, column, value, reason string
	row                                  int
}

// repeats lists, for each problem two or more ledgers of one county in the
// batch have, the files in batch order; listed marks those printed.
type repeats struct {
	files  map[problemKey][]string
	listed map[problemKey]bool
}

func repeatedProblems(results []*ingest.Result) *repeats {
	rp := &repeats{files: map[problemKey][]string{}, listed: map[problemKey]bool{}}
	for _, r := range results {
		if r.Parsed == nil || r.Parsed.Class != "ledger" || (r.Status != ingest.Loaded && r.Status != ingest.Partly) {
			continue
		}
		for _, x := range append(slices.Clone(r.Parsed.Rejects), r.Parsed.Flags...) {
			k := problemKey{r.Parsed.CountyCode, x.Sheet, x.Column, x.Value, x.Reason, x.RowNum}
			rp.files[k] = append(rp.files[k], filepath.Base(r.Path))
		}
	}
	return rp
}

func listProblems(e *env, label, file, county string, rows []ingest.Reject, rp *repeats) {
	n := 0
	for i, r := range rows {
		k := problemKey{county, r.Sheet, r.Column, r.Value, r.Reason, r.RowNum}
		if county == "" {
			k = problemKey{}
		}
		also := rp.files[k]
		if len(also) > 1 && rp.listed[k] {
			continue // listed under the county's first ledger that has it
		}
		if n == maxListed {
			fmt.Fprintf(e.stdout, "      %s: 另有 %d 条，见 sgz report rejects\n", label, len(rows)-i)
			break
		}
		n++
		fmt.Fprintf(e.stdout, "      %s %s:%s:R%d:%s: %s\n", label, file, printable(r.Sheet), r.RowNum, printable(r.Column), printable(r.Reason))
		if len(also) > 1 {
			rp.listed[k] = true
			fmt.Fprintf(e.stdout, "        同一问题也在本县其余 %d 个台账的同一行：%s\n", len(also)-1, printable(strings.Join(also[1:], "、")))
		}
	}
}
