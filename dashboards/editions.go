package dashboards

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"sgz/metrics"
)

// EditionsDir is the site's folder of the bulletins issued so far.
const EditionsDir = "bulletins"

// editionFile is a file name sgz bulletin writes; nothing else recorded in
// the database is copied into the site (a tampered path must not publish
// another file).
var editionFile = regexp.MustCompile(`^晋中市社工站系统使用情况通报_\d{4}-\d{2}(_附件_数据来源与口径)?\.(html|pdf)$`)

// maxEditionBytes bounds a copied edition file.
const maxEditionBytes = 50 << 20

// editionsTable lists every bulletin version written, newest first, and
// copies into the site the files of each version that are still where sgz
// bulletin wrote them and still that version (the HTML's fingerprint).
func editionsTable(eds []metrics.BulletinEdition) (dataTable, []siteFile) {
	t := dataTable{ID: "editions", Title: "已印发的通报", Note: "最新在前；每期按当月月度总结截止日计算，更正后的新版本另列。", Class: "fit",
		Columns: []string{"月份", "版本", "数据截至", "生成时间", "通报", "PDF", "附件"},
		Empty:   "尚未生成通报（sgz bulletin --month YYYY-MM --out 文件夹）。"}
	var files []siteFile
	for _, e := range eds {
		m, err := time.Parse("2006-01", e.Month)
		if err != nil {
			continue
		}
		row := viewRow{Cells: []cell{headCell(monthCN(m)), textCell("第" + strconv.Itoa(e.Version) + "版"),
			numCell(dateISO(e.AsOf)), numCell(e.RecordedAt.In(beijing).Format("2006-01-02 15:04"))}}
		// ASCII names: links need no escaping and survive any unzip
		base := EditionsDir + "/bulletin_" + e.Month + "_v" + strconv.Itoa(e.Version)
		html, ok := readEdition(e.HTML, e.HTMLSHA256)
		if !ok {
			row.Cells = append(row.Cells, cell{Text: "原文件已移动或被后来的版本覆盖", Wrap: true}, textCell(noValue), textCell(noValue))
			t.Rows = append(t.Rows, row)
			continue
		}
		for _, x := range []struct {
			path, sum, name, label string
			data                   []byte
		}{{e.HTML, "", base + ".html", "打开", html}, {e.PDF, e.PDFSHA256, base + ".pdf", "PDF", nil}, {e.Annex, e.AnnexSHA256, base + "_annex.html", "附件", nil}} {
			data, ok := x.data, x.data != nil
			if !ok {
				data, ok = readEdition(x.path, x.sum)
			}
			if !ok {
				row.Cells = append(row.Cells, textCell(noValue))
				continue
			}
			files = append(files, siteFile{name: x.name, data: data})
			row.Cells = append(row.Cells, cell{Text: x.label, Href: x.name})
		}
		t.Rows = append(t.Rows, row)
	}
	if len(eds) > 0 {
		t.Empty = ""
	}
	return t, files
}

// readEdition reads a file sgz bulletin wrote, if it still is the one it
// wrote: named so, a regular file (not a link to elsewhere), not huge,
// beginning as a PDF or an HTML page of sgz's does, and with the
// fingerprint recorded when it was written.
func readEdition(path, sum string) ([]byte, bool) {
	if path == "" || !editionFile.MatchString(filepath.Base(path)) {
		return nil, false
	}
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxEditionBytes {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) && !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		return nil, false
	}
	got := sha256.Sum256(b)
	return b, sum != "" && hex.EncodeToString(got[:]) == sum
}
