package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Large CSV exports are streamed: read, converted and appended a chunk of
// rows at a time inside the file's one transaction, so that memory does not
// grow with the file. Everything else (ledgers, workbooks, small files) is
// read whole as before. A streamed file reads and converts exactly as a
// file read whole (TestStreamEqualsWhole).

// DefaultStreamBytes is the size from which a CSV export is streamed.
const DefaultStreamBytes = 4 << 20

// heldBudget is the most file bytes one batch reads whole before it
// streams every further export (rows read whole take about 25 times
// their file's size in memory: 290 MB for an 11 MB export).
const heldBudget = 4 << 20

// streamChunk is how many rows are converted before they are appended.
const streamChunk = 20000

// shownProblems is how many rejects and remarks of a streamed file are
// kept for the summary printed after loading (all are in the database).
const shownProblems = 1000

// heldLimit is heldBudget, or StreamBytes when that is set (a test's
// StreamBytes of 1<<40 still means "never stream").
func (l *Loader) heldLimit() int64 {
	if l.StreamBytes > 0 {
		return l.StreamBytes
	}
	return heldBudget
}

func (l *Loader) streamBytes() int64 {
	if l.StreamBytes > 0 {
		return l.StreamBytes
	}
	return DefaultStreamBytes
}

// csvSource reads a CSV file record by record as spreadsheet rows (a
// blank line is an empty row, so rows keep the line numbers a clerk sees),
// decoding UTF-8 (with or without BOM) or GB18030 as DecodeText does, and
// hashing the bytes as it goes.
type csvSource struct {
	f       *os.File
	hash    hash.Hash
	r       *csv.Reader
	isUTF8  bool
	lines   int      // rows emitted so far
	pending []string // a record waiting behind the blank rows before it
	lim     Limits
	name    string
	begun   bool // its one sheet
	size    int64
	read    atomic.Int64 // bytes read so far
}

// counter counts the bytes written to it.
type counter struct{ n *atomic.Int64 }

func (c counter) Write(b []byte) (int, error) { c.n.Add(int64(len(b))); return len(b), nil }

func (s *csvSource) part() float64 {
	if s.size <= 0 {
		return -1
	}
	return min(1, float64(s.read.Load())/float64(s.size))
}

// rowSource gives a file's sheets in order and each sheet's rows in order,
// as the whole read gives them: a CSV is one sheet, a workbook its
// worksheets.
type rowSource interface {
	nextSheet() (name string, hidden bool, err error) // io.EOF after the last
	next() ([]string, error)                          // a row (nil when blank), io.EOF after the sheet's last
	sum() string                                      // SHA-256 of the file's bytes, once all are read
	part() float64                                    // the part read so far, 0–1, or -1 when unknown (safe from any goroutine)
	Close() error
}

// nextSheet begins the file's one sheet, named by the file.
func (s *csvSource) nextSheet() (string, bool, error) {
	if s.begun {
		return "", false, io.EOF
	}
	s.begun = true
	return sheetName(s.name), false, nil
}

func openCSVSource(path, name string, lim Limits) (*csvSource, error) {
	// As readInput: without blocking, a regular file within the limit (it
	// may have been swapped since it was first looked at).
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > lim.FileBytes {
		f.Close()
		return nil, refuse(name, "文件在载入过程中被换成了别的东西（不是普通文件，或超出大小上限）")
	}
	s := &csvSource{f: f, hash: sha256.New(), lim: lim, name: name}
	if st, err := f.Stat(); err == nil {
		s.size = st.Size()
	}
	br := bufio.NewReaderSize(io.TeeReader(f, io.MultiWriter(s.hash, counter{&s.read})), 1<<16)
	peek, _ := br.Peek(1 << 16)
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(peek, []byte("\xEF\xBB\xBF")):
		_, _ = br.Discard(3)
		s.isUTF8 = true
	case validPrefix(peek):
		s.isUTF8 = true
	default:
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	// a line is bounded before the CSV reader buffers it: a 200 MB line
	// was refused for its cell only after 1.27 GB was resident
	s.r = csv.NewReader(&lineLimit{r: text, max: lineBytes(lim), name: name})
	s.r.FieldsPerRecord = -1
	s.r.LazyQuotes = true
	s.r.ReuseRecord = false
	return s, nil
}

// lineBytes bounds one line of a CSV file: cells of cell_max_chars
// characters of up to 4 bytes each, 64 of them (the system's exports have
// 10 columns; a cell may hold line breaks, and each starts a new line).
func lineBytes(lim Limits) int64 { return int64(lim.CellChars) * 4 * 64 }

// lineLimit passes text through, refusing the file once a line (the bytes
// between two line breaks) grows past max.
type lineLimit struct {
	r    io.Reader
	max  int64
	n    int64 // bytes since the last line break
	line int
	name string
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			l.n = 0
			l.line++
			continue
		}
		l.n++
		if l.n > l.max {
			return 0, refuse(l.name, "第 %d 行超过 %d MB，不像表格的一行（单元格上限 %d 个字符，政策参数 cell_max_chars）；未读取", l.line+1, l.max>>20, l.max/4/64)
		}
	}
	return n, err
}

// validPrefix is utf8.Valid for the start of a file, whose last rune may
// be cut by the end of the peek.
func validPrefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// next returns the next row (nil for a blank line) or io.EOF.
func (s *csvSource) next() ([]string, error) {
	if s.pending == nil {
		rec, err := s.r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			var r *Refusal
			if errors.As(err, &r) {
				return nil, r
			}
			return nil, refuse(s.name, "无法读取的 CSV 文件（%v）", err)
		}
		line, _ := s.r.FieldPos(0) // the record's line, as a clerk counts
		for _, c := range rec {
			if !utf8.ValidString(c) || (!s.isUTF8 && strings.ContainsRune(c, utf8.RuneError)) {
				return nil, refuse(s.name, "文本既不是 UTF-8 也不是 GB18030（第 %d 行）", line)
			}
			if len(c) > s.lim.CellChars && utf8.RuneCountInString(c) > s.lim.CellChars {
				return nil, refuse(s.name, "第 %d 行的单元格有 %d 个字符，超出上限 %d（政策参数 cell_max_chars）", line, utf8.RuneCountInString(c), s.lim.CellChars)
			}
		}
		s.pending = rec
	}
	// every row counts, the blank lines before a record too (as readCSV)
	if s.lines >= s.lim.RowBound() {
		return nil, refuse(s.name, "CSV 文件超出上限：数据至多 %d 行（政策参数 sheet_max_rows），加表头及以上 %d 行；请按月或按县分成几个文件", s.lim.SheetRows, headRows)
	}
	s.lines++
	if line, _ := s.r.FieldPos(0); s.lines < line {
		return nil, nil // a blank line before the record
	}
	rec := s.pending
	s.pending = nil
	return rec, nil
}

// sum is the SHA-256 of the bytes read, all of them once next has
// returned io.EOF.
func (s *csvSource) sum() string { return hex.EncodeToString(s.hash.Sum(nil)) }

func (s *csvSource) Close() error { return s.f.Close() }

// openSource opens a large file for streaming: a CSV (by name) is read as
// it goes; a workbook (by content) is read whole, zipped, within
// file_max_mb, and unpacked a sheet at a time. Anything else is not
// streamed (errNotStreamed).
func (l *Loader) openSource(path, name string) (rowSource, error) {
	lim := l.Conv.limits()
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".csv" || ext == ".txt" {
		return openCSVSource(path, name, lim)
	}
	b, _, err := readInput(path, lim)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return nil, errNotStreamed
	}
	src, err := openXLSXSource(name, b, lim)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	src.sha = hex.EncodeToString(sum[:])
	return src, nil
}

var errNotStreamed = errors.New("not a CSV or a workbook")

// drain reads the rest of a sheet that is not loaded, so that its rows
// count and its cells are checked against the limits as a whole read does.
func drain(src rowSource) error {
	for {
		if _, err := src.next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// readHead reads a sheet's first rows, as far as a header is looked for.
func readHead(src rowSource) ([][]string, error) {
	var head [][]string
	for len(head) < headerScanRows+1 {
		row, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		head = append(head, row)
	}
	return head, nil
}

// peekStream decides whether a file is streamed: a CSV or a workbook
// larger than streamBytes (or beyond the batch's heldBudget) whose
// recognised sheets are all services or
// summaries exports (sheets without a header, or of a kind sgz does not
// load, may stand beside them). Ledgers and station exports are read
// whole: they are small, and the batch's checks need their rows before
// anything is written. It returns the parsed shell of such a file.
func (l *Loader) peekStream(path string, size int64) (*Parsed, bool, error) {
	if size <= l.streamBytes() && l.held+size <= l.heldLimit() {
		return nil, false, nil
	}
	name := PublicName(filepath.Base(path)) // the name given, as a whole read names it
	src, err := l.openSource(path, name)
	if err != nil {
		return nil, false, nil
	}
	defer src.Close()
	p := &Parsed{FileName: name, Class: "export", Tables: map[string]*TableRows{},
		Skipped: map[string]int{}, Rejected: map[string]int{}, streamed: true}
	for {
		sheet, hidden, err := src.nextSheet()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, nil // the whole read says why
		}
		head, err := readHead(src)
		var r *Refusal
		if errors.As(err, &r) {
			// refused already (a line past its bound): a whole read of a
			// large file would hold it all to say the same
			return nil, false, r
		}
		if err != nil {
			return nil, false, nil
		}
		layout, ok := l.Conv.Recogniser.Recognise(Sheet{Name: sheet, Hidden: hidden, Rows: head})
		if !ok {
			continue
		}
		if _, no := NotLoaded[layout.Kind]; no {
			continue
		}
		if layout.Kind.IsLedger() || layout.Kind == SysStations {
			return nil, false, nil
		}
		p.Tables[string(layout.Kind)] = &TableRows{Columns: tableColumns[layout.Kind]}
	}
	return p, len(p.Tables) > 0, nil
}

func sheetName(fileName string) string { return strings.TrimSuffix(fileName, filepath.Ext(fileName)) }

// stream converts and appends a streamed file chunk by chunk on conn,
// inside the caller's transaction, sheet by sheet as Converter.Convert
// reads them whole; rows of a station neither the database nor the file
// knows are rejected as in rejectUnknownStations.
func (l *Loader) stream(ctx context.Context, conn *sql.Conn, fileID int64, r *Result) error {
	p := r.Parsed
	src, err := l.openSource(r.Path, p.FileName)
	if errors.Is(err, errNotStreamed) {
		return refuse(p.FileName, "文件在载入过程中被换成了别的东西（不再是表格文件）")
	}
	if err != nil {
		return err
	}
	defer src.Close()
	known := map[string]bool{}
	if err := eachID(ctx, conn, `SELECT DISTINCT station_id FROM sys_stations`, known); err != nil {
		return err
	}
	// (a streamed file holds no stations: peekStream leaves station
	// exports to the whole read)
	flush := func() error {
		p.rejectUnknown(known)
		return p.flush(ctx, conn, fileID)
	}
	changed := refuse(p.FileName, "表头与初读时不同：文件在载入过程中被改动")
	recognised := false
	for {
		name, hidden, err := src.nextSheet()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		head, err := readHead(src)
		if err != nil {
			return err
		}
		sheet := Sheet{Name: name, Hidden: hidden, Rows: head}
		layout, ok := l.Conv.Recogniser.Recognise(sheet)
		if !ok {
			// As Convert: a visible sheet with rows is named and kept as
			// raw rows; a hidden one (drop-down lists) is passed over.
			if hidden {
				if err := drain(src); err != nil {
					return err
				}
				continue
			}
			noted := false
			raw := func(rows [][]string, first int) error {
				for k, row := range rows {
					if !blankRow(row) && !noted {
						noted = true
						p.Notes = append(p.Notes, fmt.Sprintf("工作表 %s：找不到可识别的表头行，未载入", name))
					}
					p.addRawRow(name, first+k, row, "", "unrecognised", nil)
				}
				return flush()
			}
			if err := raw(head, 1); err != nil {
				return err
			}
			type chunk struct {
				rows  [][]string
				first int
			}
			keep := func(rows [][]string, first int) (chunk, error) { return chunk{rows, first}, nil }
			if err := pipeline(src, len(head)+1, keep, func(c chunk) error { return raw(c.rows, c.first) }); err != nil {
				return err
			}
			continue
		}
		if why, no := NotLoaded[layout.Kind]; no {
			p.Notes = append(p.Notes, fmt.Sprintf("工作表 %s：%s", name, why))
			if err := drain(src); err != nil {
				return err
			}
			continue
		}
		if layout.Kind.IsLedger() || layout.Kind == SysStations {
			return changed
		}
		recognised = true
		st := l.Conv.startSheet(p, sheet, layout)
		if err := l.Conv.convertRows(p, st, head[min(layout.HeaderRow+1, len(head)):], layout.HeaderRow+2); err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		// The rest in chunks, each converted into a Parsed of its own (on
		// the converting goroutine, in order, so that st is its alone) and
		// taken into p here.
		table := string(layout.Kind)
		convert := func(rows [][]string, first int) (*Parsed, error) {
			cp := &Parsed{Tables: map[string]*TableRows{table: {}}, Skipped: map[string]int{}, Rejected: map[string]int{}}
			return cp, l.Conv.convertRows(cp, st, rows, first)
		}
		take := func(cp *Parsed) error {
			p.take(cp)
			if err := flush(); err != nil {
				return err
			}
			if l.Rows != nil {
				l.Rows(r.Path, p.Loaded()+p.RejectedRows(), src.part())
			}
			return nil
		}
		if err := pipeline(src, len(head)+1, convert, take); err != nil {
			return err
		}
	}
	if !recognised {
		return changed
	}
	p.Rejects, p.Flags = p.keptRejects, p.keptFlags // for the summary
	for _, t := range p.Tables {
		t.Rows = nil // the batch's results stay until its last file is written
	}
	p.Raw = nil
	if sum := src.sum(); sum != r.sha {
		return refuse(p.FileName, "文件在载入过程中被改动（内容指纹与初读时不同）；请在文件不再变动时重新载入")
	}
	if p.RejectedRows() > 0 && r.Status == Loaded {
		r.Status = Partly
	}
	return nil
}

// pipeline streams the rest of the current sheet of src, whose next row
// is spreadsheet row first: one goroutine reads it, streamChunk rows at a
// time; a second hands each chunk, in order, to work; the caller's
// goroutine hands each result, in order, to done. Reading, converting and
// appending thus run side by side on both cores. The first error stops
// all three; the goroutines are finished with src when pipeline returns.
func pipeline[T any](src rowSource, first int, work func(rows [][]string, first int) (T, error), done func(T) error) error {
	type chunk struct {
		rows  [][]string
		first int
		err   error // io.EOF after the sheet's last row
	}
	type result struct {
		val T
		err error
	}
	read := make(chan chunk, 1)
	worked := make(chan result, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(read)
		for next := first; ; {
			c := chunk{rows: make([][]string, 0, streamChunk), first: next}
			for len(c.rows) < streamChunk {
				var row []string
				if row, c.err = src.next(); c.err != nil {
					break
				}
				c.rows = append(c.rows, row)
			}
			next += len(c.rows)
			select {
			case read <- c:
			case <-stop:
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		defer close(worked)
		for c := range read {
			var r result
			if c.err != nil && !errors.Is(c.err, io.EOF) {
				r.err = c.err
			} else {
				r.val, r.err = work(c.rows, c.first)
			}
			select {
			case worked <- r:
			case <-stop:
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for r := range worked {
		if r.err != nil {
			return r.err
		}
		if err := done(r.val); err != nil {
			return err
		}
	}
	return nil
}

// take moves what cp converted into p, after what p holds.
func (p *Parsed) take(cp *Parsed) {
	for t, rows := range cp.Tables {
		p.Tables[t].Rows = append(p.Tables[t].Rows, rows.Rows...)
	}
	p.Raw = append(p.Raw, cp.Raw...)
	p.Rejects = append(p.Rejects, cp.Rejects...)
	p.Flags = append(p.Flags, cp.Flags...)
	for k, v := range cp.Skipped {
		p.Skipped[k] += v
	}
	for k, v := range cp.Rejected {
		p.Rejected[k] += v
	}
}

func eachID(ctx context.Context, conn *sql.Conn, q string, into map[string]bool) error {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = true
	}
	return rows.Err()
}

// flush appends what has been converted so far and forgets it, keeping
// the counts and the first rejects and remarks for the summary.
func (p *Parsed) flush(ctx context.Context, conn *sql.Conn, fileID int64) error {
	err := conn.Raw(func(dc any) error {
		return p.appendAll(ctx, dc.(driver.Conn), fileID)
	})
	if err != nil {
		return err
	}
	if p.flushed == nil {
		p.flushed = map[string]int{}
	}
	// emptied for the next chunk, their rows let go (a slice cut to
	// [:0] still holds them: each file of a batch kept its last chunk, and
	// a country's 400 exports grew the heap by 9 MB each)
	for t, rows := range p.Tables {
		p.flushed[t] += len(rows.Rows)
		clear(rows.Rows)
		rows.Rows = rows.Rows[:0]
	}
	clear(p.Raw)
	p.Raw = p.Raw[:0]
	keep := func(into *[]Reject, from []Reject, omitted *int) {
		room := max(0, shownProblems-len(*into))
		if len(from) > room {
			*omitted += len(from) - room
			from = from[:room]
		}
		*into = append(*into, from...)
	}
	keep(&p.keptRejects, p.Rejects, &p.omittedRejects)
	keep(&p.keptFlags, p.Flags, &p.omittedFlags)
	p.flushedFlags += len(p.Flags)
	clear(p.Rejects)
	clear(p.Flags)
	p.Rejects, p.Flags = p.Rejects[:0], p.Flags[:0]
	return nil
}

// rejectUnknown turns the service and summary rows whose station id is
// not in known into rejects (inputs.md: a service whose station id is
// unknown is a reject, not a silently dropped row).
func (p *Parsed) rejectUnknown(known map[string]bool) {
	for _, kind := range []Kind{SysServices, SysSummaries} {
		t := p.Tables[string(kind)]
		if t == nil {
			continue
		}
		col := 0 // station_id's place among the kind's columns
		for i, c := range tableColumns[kind] {
			if c == "station_id" {
				col = i
			}
		}
		var raw map[[2]any]int // (sheet, row) -> index in p.Raw, made when needed
		kept := t.Rows[:0]
		for _, row := range t.Rows {
			id, _ := row.Values[col].(string)
			if known[id] {
				row.cells, row.fields = nil, nil // no longer needed
				kept = append(kept, row)
				continue
			}
			p.Rejected[string(kind)]++
			p.Rejects = append(p.Rejects, Reject{Sheet: row.Sheet, RowNum: row.RowNum, Column: "站点编号", Value: id,
				Reason: "站点编号 " + id + " 不在已载入的系统站点信息中；请先载入站点信息导出"})
			if raw == nil {
				raw = make(map[[2]any]int, len(p.Raw))
				for i, x := range p.Raw {
					raw[[2]any{x.Sheet, x.RowNum}] = i
				}
			}
			if i, ok := raw[[2]any{row.Sheet, row.RowNum}]; ok {
				p.Raw[i].Role = "rejected"
			} else if row.cells != nil {
				// an accepted record kept no raw row: it gets one now
				p.addRawRow(row.Sheet, row.RowNum, row.cells, kind, "rejected", row.fields)
			}
		}
		t.Rows = kept
	}
}
