package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
	"unicode"

	"sgz/dashboards/bulletin"
	"sgz/data"
)

// runBulletin writes the monthly system-use bulletin (通报) for --month,
// computed as of that month's summary deadline, and records its version.
func runBulletin(e *env, args []string) int {
	fs := e.flags("bulletin")
	so := storeFlags(fs)
	month := fs.String("month", "", "月份 YYYY-MM（必填）")
	out := fs.String("out", "", "输出文件夹（必填）")
	docNumber := fs.String("doc-number", "", "文号，如 市民函〔2023〕45号；给出时通报加红头（红头文字见政策参数 bulletin_header）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "doc-number" })
	if given {
		if err := docNumberOK(*docNumber); err != nil {
			fmt.Fprintf(e.stderr, "sgz bulletin: --doc-number %q：%v\n", *docNumber, err)
			return ExitError
		}
	}
	m, err := time.Parse("2006-01", *month)
	if err != nil || *out == "" {
		fmt.Fprintln(e.stderr, "sgz bulletin: 须给出 --month YYYY-MM 和 --out 文件夹")
		return ExitError
	}
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	files, ed, err := writeBulletin(e, st, m, *out, *docNumber)
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "%s（%d年第%d期，第%d版，数据截至%s）\n", ed.Title(), ed.Year, ed.No, ed.Version, ed.AsOf.Format(time.DateOnly))
	if w := ed.Warned(); len(w) > 0 {
		fmt.Fprintf(e.stdout, "需报送书面说明及整改方案：%s，期限 %s\n", strings.Join(w, "、"), ed.ReplyBy.Format(time.DateOnly))
	}
	if ed.Restatement != "" {
		fmt.Fprintf(e.stdout, "更正说明：%s\n", ed.Restatement)
	}
	for _, p := range []string{files.HTML, files.Markdown, files.XLSX, files.DOCX, files.PDF, files.Annex, files.AnnexMarkdown, files.AnnexPDF} {
		if p != "" {
			fmt.Fprintln(e.stdout, p)
		}
	}
	if files.PDF == "" {
		fmt.Fprintln(e.stdout, "（未安装 Chromium，未生成 PDF；可用浏览器打开 HTML 打印）")
	}
	return ExitOK
}

func writeBulletin(e *env, st *store, month time.Time, out, docNumber string) (bulletin.Files, *bulletin.Edition, error) {
	ed, err := bulletin.Build(e.ctx, st.db, month, st.policy, data.NewCalendar(st.ref.Holidays))
	if err != nil {
		return bulletin.Files{}, nil, err
	}
	ed.DocNumber = strings.TrimSpace(docNumber)
	if err := ed.Record(e.ctx, st.db, time.Now().UTC().Truncate(time.Second)); err != nil {
		return bulletin.Files{}, nil, err
	}
	files, err := bulletin.Write(e.ctx, ed, out)
	if err != nil {
		return files, ed, err
	}
	return files, ed, ed.RecordFiles(e.ctx, st.db, files)
}

// docNumberOK checks a 文号 given on the command line: one line of text.
func docNumberOK(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("文号为空")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errors.New("文号含换行或控制字符")
		}
		if unicode.Is(unicode.Bidi_Control, r) {
			return errors.New("文号含改变文字方向的控制字符（如 U+202E），显示出来会与实际文字不同")
		}
	}
	return nil
}
