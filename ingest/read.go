package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Sheet is one grid of cells as text: a worksheet, or the whole of a CSV.
// Rows[i] is spreadsheet row i+1.
type Sheet struct {
	Name   string
	Rows   [][]string
	Hidden bool // a hidden worksheet (e.g. the template's drop-down lists)
}

// Refusal is why a whole file is not loaded; nothing of it is written.
type Refusal struct {
	File   string
	Reason string
}

func (r *Refusal) Error() string { return r.File + ": " + r.Reason }

func refuse(file, format string, args ...any) *Refusal {
	return &Refusal{File: file, Reason: fmt.Sprintf(format, args...)}
}

// ReadSheets turns a file's bytes into sheets of text cells, choosing the
// reader by content (a zip container is .xlsx, an OLE2 container is .xls)
// and by name for text files.
func ReadSheets(name string, b []byte) ([]Sheet, error) {
	return ReadSheetsLimited(name, b, DefaultLimits())
}

// ReadSheetsLimited is ReadSheets within limits: an .xlsx that unpacks
// past lim.UnzipBytes, more than lim.SheetRows rows in a sheet or in the
// file, or a cell longer than lim.CellChars characters refuses the file.
func ReadSheetsLimited(name string, b []byte, lim Limits) ([]Sheet, error) {
	base := filepath.Base(name)
	var sheets []Sheet
	var err error
	switch {
	case len(b) == 0:
		return nil, refuse(base, "文件为空")
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		sheets, err = readXLSX(base, b, lim)
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		if encryptedOOXML(b) {
			return nil, refuse(base, "受密码保护的 Excel 工作簿：sgz 不能读取加密文件；请在 Excel 或 WPS 中打开，取消“用密码进行加密”后另存为 .xlsx 再报送")
		}
		x, cerr := convertXLS(b)
		if cerr != nil {
			var broken *brokenXLS
			if errors.As(cerr, &broken) {
				return nil, refuse(base, "%v", cerr)
			}
			return nil, refuse(base, "旧版 Excel（.xls）文件：%v；请先转换：soffice --headless --convert-to xlsx %s，再载入生成的 .xlsx", cerr, ShellQuote(name))
		}
		sheets, err = readXLSX(base, x, lim)
	case strings.EqualFold(filepath.Ext(base), ".csv") || strings.EqualFold(filepath.Ext(base), ".txt"):
		sheets, err = readCSV(base, b, lim)
	default:
		return nil, refuse(base, "不是表格文件：应为 .xlsx 或 .csv")
	}
	if err != nil {
		return nil, err
	}
	return sheets, checkCells(base, sheets, lim)
}

// encryptedOOXML says whether an OLE2 container is a password-protected
// .xlsx (Office keeps the encrypted workbook in a stream named
// EncryptedPackage), not an old .xls.
func encryptedOOXML(b []byte) bool {
	name := []byte{}
	for _, c := range "EncryptedPackage" {
		name = append(name, byte(c), 0) // UTF-16LE, as OLE2 names its streams
	}
	return bytes.Contains(b, name)
}

// ShellQuote quotes a path for a POSIX shell: a hint a clerk pastes must
// run nothing but the command it names ('$(touch x).xls' stays a name).
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkCells refuses a file with a cell longer than lim.CellChars or more
// than lim.SheetRows rows in all.
func checkCells(name string, sheets []Sheet, lim Limits) error {
	total := 0
	for _, s := range sheets {
		total += len(s.Rows)
		for i, row := range s.Rows {
			for j, c := range row {
				if len(c) > lim.CellChars && utf8.RuneCountInString(c) > lim.CellChars {
					col, _ := excelize.ColumnNumberToName(j + 1)
					return refuse(name, "工作表 %s 第 %d 行 %s 列的单元格有 %d 个字符，超出上限 %d（政策参数 cell_max_chars）",
						s.Name, i+1, col, utf8.RuneCountInString(c), lim.CellChars)
				}
			}
		}
	}
	if total > lim.RowBound() {
		return refuse(name, "文件共 %d 行，超出上限：数据至多 %d 行（政策参数 sheet_max_rows），加表头及以上 %d 行；请按月或按县分成几个文件", total, lim.SheetRows, headRows)
	}
	return nil
}

// readXLSX reads every worksheet with raw cell values (no number formats
// applied: 6.5× faster, see docs); date columns are converted from their
// serial numbers by the field parsers.
func readXLSX(name string, b []byte, lim Limits) ([]Sheet, error) {
	src, err := openXLSXSource(name, b, lim)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []Sheet
	for {
		sheet, hidden, err := src.nextSheet()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		s := Sheet{Name: sheet, Hidden: hidden}
		for {
			row, err := src.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			s.Rows = append(s.Rows, row)
		}
		out = append(out, s)
	}
}

// xlsxSource reads a workbook a sheet at a time and each sheet a row at a
// time, with raw cell values, within the limits: the whole read
// (readXLSX) and the streamed one (Loader.stream) see the same rows.
// excelize keeps a worksheet or shared-strings part larger than 16 MB
// unpacked in a temporary file and reads it from there, so memory does not
// grow with the sheet; the zipped bytes are held (within file_max_mb).
type xlsxSource struct {
	f      *excelize.File
	name   string
	lim    Limits
	sheets []string
	i      int // sheets begun
	rows   *excelize.Rows
	n      int // rows of the current sheet so far
	total  int // rows of the file so far
	// for part: rows read, and the rows the sheets' dimensions promise
	// (excelize writes them; a workbook may leave them out)
	got, promised atomic.Int64
	sha           string // of the workbook's bytes, when streamed (openSource)
}

func (s *xlsxSource) sum() string { return s.sha }

func (s *xlsxSource) part() float64 {
	if p := s.promised.Load(); p > 0 {
		return min(1, float64(s.got.Load())/float64(p))
	}
	return -1
}

func openXLSXSource(name string, b []byte, lim Limits) (*xlsxSource, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: lim.UnzipBytes, UnzipXMLSizeLimit: min(lim.UnzipBytes, 16<<20)})
	if err != nil && strings.Contains(err.Error(), "unzip size exceeds") { // excelize's newUnzipSizeLimitError
		return nil, refuse(name, "工作簿解压后超过 %d MB（政策参数 xlsx_unzip_max_mb）：不像是台账或系统导出；如确需载入，请分成几个文件", lim.UnzipBytes>>20)
	}
	if err != nil {
		return nil, refuse(name, "无法读取的 .xlsx 工作簿（%v）", err)
	}
	src := &xlsxSource{f: f, name: name, lim: lim, sheets: f.GetSheetList()}
	for _, sheet := range src.sheets {
		if dim, err := f.GetSheetDimension(sheet); err == nil {
			_, last, _ := strings.Cut(dim, ":")
			if _, row, err := excelize.CellNameToCoordinates(last); err == nil {
				src.promised.Add(int64(row))
			}
		}
	}
	return src, nil
}

// nextSheet begins the next worksheet, or returns io.EOF after the last.
func (s *xlsxSource) nextSheet() (sheet string, hidden bool, err error) {
	if err := s.closeRows(); err != nil {
		return "", false, err
	}
	if s.i >= len(s.sheets) {
		return "", false, io.EOF
	}
	sheet = s.sheets[s.i]
	s.i++
	if s.rows, err = s.f.Rows(sheet); err != nil {
		return "", false, refuse(s.name, "工作表 %s 无法读取（%v）", sheet, err)
	}
	s.n = 0
	visible, _ := s.f.GetSheetVisible(sheet)
	return sheet, !visible, nil
}

// next returns the current sheet's next row, or io.EOF after its last.
func (s *xlsxSource) next() ([]string, error) {
	sheet := s.sheets[s.i-1]
	if s.rows == nil || !s.rows.Next() {
		if err := s.closeRows(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	cols, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, refuse(s.name, "工作表 %s 第 %d 行无法读取（%v）", sheet, s.n+1, err)
	}
	s.n++
	s.total++
	s.got.Add(1)
	if s.n > s.lim.RowBound() {
		return nil, refuse(s.name, "工作表 %s 超出上限：数据至多 %d 行（政策参数 sheet_max_rows），加表头及以上 %d 行；请按月或按县分成几个文件", sheet, s.lim.SheetRows, headRows)
	}
	if s.total > s.lim.RowBound() {
		return nil, refuse(s.name, "文件共 %d 行以上，超出上限：数据至多 %d 行（政策参数 sheet_max_rows），加表头及以上 %d 行；请按月或按县分成几个文件", s.total, s.lim.SheetRows, headRows)
	}
	for j, c := range cols {
		if len(c) > s.lim.CellChars && utf8.RuneCountInString(c) > s.lim.CellChars {
			col, _ := excelize.ColumnNumberToName(j + 1)
			return nil, refuse(s.name, "工作表 %s 第 %d 行 %s 列的单元格有 %d 个字符，超出上限 %d（政策参数 cell_max_chars）",
				sheet, s.n, col, utf8.RuneCountInString(c), s.lim.CellChars)
		}
	}
	return cols, nil
}

func (s *xlsxSource) closeRows() error {
	if s.rows == nil {
		return nil
	}
	err := s.rows.Close()
	s.rows = nil
	if err != nil {
		return refuse(s.name, "工作表 %s 无法读取（%v）", s.sheets[s.i-1], err)
	}
	return nil
}

// Close removes excelize's temporary files.
func (s *xlsxSource) Close() error {
	_ = s.closeRows()
	return s.f.Close()
}

// readCSV detects the encoding (UTF-8 with or without BOM, else GB18030,
// the Windows default of the system's exports) and reads all records.
func readCSV(name string, b []byte, lim Limits) ([]Sheet, error) {
	text, err := DecodeText(b)
	if err != nil {
		return nil, refuse(name, "%v", err)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, refuse(name, "无法读取的 CSV 文件（%v）", err)
		}
		// encoding/csv skips blank lines; keep rows numbered as the lines
		// a clerk sees in the file.
		line, _ := r.FieldPos(0)
		for len(rows) < line-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
		if len(rows) > lim.RowBound() {
			return nil, refuse(name, "CSV 文件超出上限：数据至多 %d 行（政策参数 sheet_max_rows），加表头及以上 %d 行；请按月或按县分成几个文件", lim.SheetRows, headRows)
		}
	}
	return []Sheet{{Name: strings.TrimSuffix(name, filepath.Ext(name)), Rows: rows}}, nil
}

// DecodeText returns b as UTF-8 text: a UTF-8 BOM is dropped, valid UTF-8
// is kept, anything else is decoded as GB18030 (a superset of GBK/GB2312).
func DecodeText(b []byte) (string, error) {
	if rest, ok := bytes.CutPrefix(b, []byte("\xEF\xBB\xBF")); ok {
		b = rest
		if !utf8.Valid(b) {
			return "", errors.New("文件以 UTF-8 标记开头，但内容不是有效的 UTF-8")
		}
		return string(b), nil
	}
	if utf8.Valid(b) {
		return string(b), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("文本既不是 UTF-8 也不是 GB18030（%v）", err)
	}
	if bytes.ContainsRune(out, utf8.RuneError) {
		return "", errors.New("文本既不是 UTF-8 也不是 GB18030")
	}
	return string(out), nil
}

// convertXLS turns an old binary Excel workbook into .xlsx bytes through
// LibreOffice, when it is installed. Before LibreOffice is asked, the file
// must be a compound file holding a workbook stream (xlsFilter): given
// bytes it cannot read as Excel, LibreOffice guesses another format and
// "converts" them, and the file was then refused for having no header
// row. It is told the filter, so that it fails rather than guesses.
func convertXLS(b []byte) ([]byte, error) {
	bin, err := exec.LookPath("soffice")
	if err != nil {
		if bin, err = exec.LookPath("libreoffice"); err != nil {
			why := "本机未安装 LibreOffice（soffice），无法自动转换"
			if _, ferr := xlsFilter(b); ferr != nil {
				why += "；且文件看来已损坏（" + ferr.Error() + "），转换也可能失败，届时请让报送单位重新保存"
			}
			return nil, errors.New(why)
		}
	}
	filter, err := xlsFilter(b)
	if err != nil {
		return nil, &brokenXLS{fmt.Sprintf("旧版 Excel（.xls）文件已损坏，无法转换：%v；请让报送单位用 Excel 或 WPS 打开后另存为 .xlsx 再报送", err)}
	}
	dir, err := os.MkdirTemp("", "sgz-xls-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.xls")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A private profile, so that a user's open LibreOffice does not block it.
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.ToSlash(filepath.Join(dir, "profile")),
		"--headless", "--infilter="+filter, "--convert-to", "xlsx", "--outdir", dir, in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, &brokenXLS{fmt.Sprintf("LibreOffice 转换此 .xls 文件失败（%v：%s）；请让报送单位用 Excel 或 WPS 打开后另存为 .xlsx 再报送", err, lastLines(out))}
	}
	x, err := os.ReadFile(filepath.Join(dir, "in.xlsx"))
	if err != nil {
		return nil, &brokenXLS{fmt.Sprintf("LibreOffice 打不开此 .xls 文件，未能转换（%s）：文件可能已损坏或不是 Excel 97–2003 工作簿；请让报送单位用 Excel 或 WPS 打开后另存为 .xlsx 再报送", lastLines(out))}
	}
	return x, nil
}

// brokenXLS is an .xls that LibreOffice cannot convert: its reason stands
// alone (no conversion hint).
type brokenXLS struct{ reason string }

func (e *brokenXLS) Error() string { return e.reason }

// lastLines is LibreOffice's own last words, on one line, shortened.
func lastLines(out []byte) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.Contains(l, "javaldx") {
			keep = append(keep, l)
		}
	}
	s := strings.Join(keep, " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	if s == "" {
		s = "未给出原因"
	}
	return s
}

// xlsFilter is LibreOffice's import filter for an old Excel workbook: a
// compound file (OLE2) with a Workbook stream (Excel 97–2003) or a Book
// stream (Excel 5.0/95); an error saying what is wrong otherwise.
func xlsFilter(b []byte) (string, error) {
	doc, err := mscfb.New(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("复合文档结构无法读取：%v", err)
	}
	for {
		f, err := doc.Next()
		if errors.Is(err, io.EOF) {
			return "", errors.New("文件中没有 Excel 工作簿数据")
		}
		if err != nil {
			return "", fmt.Errorf("复合文档结构无法读取：%v", err)
		}
		switch f.Name {
		case "Workbook":
			return "MS Excel 97", nil
		case "Book":
			return "MS Excel 95", nil
		}
	}
}
