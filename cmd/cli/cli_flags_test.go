package cli

import (
	"flag"
	"io"
	"testing"
)

// TestFlagErrorsInChinese: the flag package's own errors, as Go makes them,
// are said in Chinese, naming flags as the help does (--name).
func TestFlagErrorsInChinese(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "没有参数 --bogus"},
		{[]string{"--seed"}, "参数 --seed 缺少取值"},
		{[]string{"--seed", "abc"}, `参数 --seed 的取值 "abc" 无效`},
		{[]string{"--quiet=maybe"}, `参数 --quiet 的取值 "maybe" 无效`},
		{[]string{"---db"}, "参数写法有误: ---db"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Uint64("seed", 1, "")
		fs.Bool("quiet", false, "")
		fs.String("db", "", "")
		err := fs.Parse(c.args)
		if err == nil {
			t.Fatalf("%v: no error", c.args)
		}
		if got := flagErrorCN(err); got != c.want {
			t.Errorf("%v: %q -> %q, want %q", c.args, err, got, c.want)
		}
	}
}
