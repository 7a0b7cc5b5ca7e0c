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
	"regexp"
	"slices"
	"strings"

	"sgz/ingest/dberr"
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
		{"demo", "[--out DIR]", "生成示例数据，载入 DIR 中的新数据库，写出看板和最新一期通报", runDemo},
		{"ingest", "PATH...", "载入县级台账和系统导出（文件或文件夹）", runIngest},
		{"validate", "PATH...", "做载入时的全部检查，不写入数据库", runValidate},
		{"report", "indicators|stations|…|funds|assessment", "输出报表（--format table|csv|json；全部报表见 sgz report --help）", runReport},
		{"dashboard", "--as-of D --out DIR", "写出静态看板网站", runDashboard},
		{"bulletin", "--month YYYY-MM --out DIR", "写出当月系统使用情况通报：HTML、Markdown、XLSX、PDF", runBulletin},
		{"assess", "--year YYYY --out FILE.xlsx", "写出年度目标考核评分工作簿（年度未结束时为预评估）", runAssess},
		{"export", "--format parquet --out DIR", "把规范化后的表和各月末指标导出为 Parquet（Hive 分区：省、市、月），供 Spark、Trino 或 DuckDB 使用", runExport},
		{"backup", "FILE", "把数据库及其个人信息密钥备份到一个文件（备份期间其他 sgz 不能写入）", runBackup},
		{"restore", "FILE [--force]", "从备份文件恢复数据库（--db）及其密钥", runRestore},
		{"template", "--county NAME --out FILE.xlsx", "写出某县带下拉选项的台账模板", runTemplate},
		{"gen", "--scale city --seed N --out DIR", "生成模拟输入数据及其真值", runGen},
	}
}

// Do runs the sgz command line with args (without the program name).
func Do(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr}
	args, err := storeFlagsLast(args)
	if err != nil {
		fmt.Fprintf(stderr, "sgz: %v\n", err)
		return ExitError
	}
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
	fmt.Fprintf(stderr, "sgz: 没有命令 %q\n", args[0])
	usage(stderr)
	return ExitError
}

// storeFlagsLast moves --db and --policy given before the command (sgz --db
// X report indicators) to after it, ahead of any "--", where the command's
// flags are parsed.
func storeFlagsLast(args []string) ([]string, error) {
	var store []string
	for len(args) > 0 {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !strings.HasPrefix(args[0], "-") || (name != "db" && name != "policy") {
			break
		}
		n := 1
		if !hasValue {
			if len(args) < 2 || strings.HasPrefix(args[1], "-") {
				return nil, fmt.Errorf("参数 --%s 缺少取值", name)
			}
			n = 2
		}
		store, args = append(store, args[:n]...), args[n:]
	}
	if len(store) == 0 {
		return args, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("请在 %s 之后给出命令", strings.Join(store, " "))
	}
	out := []string{args[0]}
	rest := args[1:]
	if i := slices.Index(rest, "--"); i >= 0 {
		out = append(append(append(out, rest[:i]...), store...), rest[i:]...)
	} else {
		out = append(append(out, rest...), store...)
	}
	return out, nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "用法: sgz 命令 [参数]\n\n命令:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %-32s %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "\n数据库默认为 ./sgz.duckdb，可用 --db 路径 或环境变量 SGZ_DB 指定；政策参数（阈值和权重）默认为内置的\ndata/policy.csv，可复制修改后用 --policy 文件 或 SGZ_POLICY 指定。各命令的参数见 sgz 命令 --help。")
}

// flags makes a flag set that reports errors to stderr.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("sgz "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "用法: sgz %s [参数]\n参数:\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			kind := " 值"
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				kind = ""
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf("（默认 %s）", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s%s\n        %s%s\n", f.Name, kind, f.Usage, def)
		})
	}
	return fs
}

// storeOpts are the flags of every command that opens the database.
type storeOpts struct {
	db, policy string
	// readOnly opens the database read-only (commands that only read);
	// wait queues behind another process that holds it.
	readOnly, wait bool
	// memory is DuckDB's memory_limit for the command (memoryLimit).
	memory string
}

// storeFlags adds --db (default $SGZ_DB, else ./sgz.duckdb) and --policy
// (default $SGZ_POLICY, else the built-in data/policy.csv).
func storeFlags(fs *flag.FlagSet) *storeOpts {
	o := &storeOpts{}
	def := os.Getenv("SGZ_DB")
	if def == "" {
		def = "sgz.duckdb"
	}
	fs.StringVar(&o.db, "db", def, "数据库文件")
	fs.StringVar(&o.policy, "policy", os.Getenv("SGZ_POLICY"), "政策参数文件（data/policy.csv 的副本）；默认用内置的")
	fs.BoolVar(&o.wait, "wait", false, "数据库正被另一个 sgz 使用时排队等候（最多半小时），而不是报错退出")
	return o
}

// parse parses flags. When it returns done, the command ends with code:
// after --help (usage on stdout, exit 0) or a usage error (message and
// usage on stderr, exit 2).
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (done bool, code int) {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package's own messages are English
	err := fs.Parse(interleave(fs, args))
	fs.SetOutput(out)
	switch {
	case err == nil:
		return false, ExitOK
	case err == flag.ErrHelp:
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(out)
		return true, ExitOK
	}
	fmt.Fprintf(out, "%s: %s\n", fs.Name(), flagErrorCN(err))
	fs.Usage()
	return true, ExitError
}

// flagErrorCN says a flag package error in Chinese, naming flags as --name.
func flagErrorCN(err error) string {
	msg := err.Error()
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`^flag provided but not defined: -+(.*)$`), "没有参数 --$1"},
		{regexp.MustCompile(`^flag needs an argument: -+(.*)$`), "参数 --$1 缺少取值"},
		{regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-+([^:]*): .*$`), "参数 --$2 的取值 $1 无效"},
		{regexp.MustCompile(`^bad flag syntax: (.*)$`), "参数写法有误: $1"},
	} {
		if r.re.MatchString(msg) {
			return r.re.ReplaceAllString(msg, r.with)
		}
	}
	return msg
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
						if i+1 == len(args) {
							return flags // the value is missing: Parse says so
						}
						flags = append(flags, args[i+1])
						i++
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
	fmt.Fprintf(e.stderr, "sgz: %s\n", dberr.Describe(err))
	return ExitError
}
