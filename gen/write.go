package gen

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/data"
)

// Options choose what Generate writes.
type Options struct {
	// Clean writes every file as the template and the system draw it; the
	// default gives each county its habits and the exports their drift.
	Clean bool
}

// Expected is what sgz should make of one generated file: manifest.json
// lists one per file, from what the generator put in it.
type Expected struct {
	File     string `json:"file"`
	Loaded   int    `json:"loaded"`   // typed rows
	Rejected int    `json:"rejected"` // rows
	Skipped  int    `json:"skipped"`  // blank, 合计, 表尾, 仅序号 rows
	Flags    int    `json:"flags"`    // rows loaded with a remark
	Overlap  int    `json:"overlap"`  // records an earlier export had too
	Changed  int    `json:"changed"`  // of those, with other values
}

// Generate writes the inputs of the world for seed into dir: ledgers/
// (.xlsx, or .csv for a county that sends CSV), system/ exports,
// truth.json (the world) and manifest.json (the expected outcome of each
// file). It returns the world and the manifest.
func Generate(ref *data.Reference, seed uint64, dir string, opt Options) (*World, []Expected, error) {
	w := NewWorld(ref, seed)
	for _, sub := range []string{"ledgers", "system"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, nil, err
		}
	}
	var manifest []Expected
	for _, l := range w.Ledgers {
		c, _ := ref.County(l.CountyCode)
		h := Habits{}
		if !opt.Clean {
			h = countyHabits(c.Code)
		}
		exp, err := w.writeLedger(dir, l, c, h)
		if err != nil {
			return nil, nil, err
		}
		manifest = append(manifest, exp...)
	}
	exp, err := w.writeExports(ref, dir, opt)
	if err != nil {
		return nil, nil, err
	}
	manifest = append(manifest, exp...)
	if err := writeJSON(filepath.Join(dir, "manifest.json"), manifest); err != nil {
		return nil, nil, err
	}
	return w, manifest, writeJSON(filepath.Join(dir, "truth.json"), w)
}

// LedgerStations are the stations a ledger of county reported at date lists.
func (w *World) LedgerStations(county string, report time.Time) []*Station {
	var out []*Station
	for _, s := range w.Stations {
		if s.CountyCode == county && !s.Established.After(report) && !s.LedgerOmits {
			out = append(out, s)
		}
	}
	return out
}

// LedgerWorkers are the workers a ledger of county at date lists, as the
// county knew them then: joined by the report date; a departure or a
// certificate only if it happened by then.
func (w *World) LedgerWorkers(county string, report time.Time) []Worker {
	var out []Worker
	for _, wk := range w.Workers {
		if wk.CountyCode != county || wk.Joined.After(report) {
			continue
		}
		v := *wk
		if v.Left != nil && v.Left.After(report) {
			v.Left = nil
		}
		if v.CertDate != nil && v.CertDate.After(report) {
			v.CertLevel, v.CertDate = "", nil
		}
		out = append(out, v)
	}
	return out
}

// sheet is one ledger sheet before it is written: title, header and rows.
type sheet struct {
	name, title string
	header      []string
	group       string // the merged group title of a two-row header
	rows        [][]any
	exp         Expected
}

// writeLedger writes one county ledger with the county's habits and
// returns the expected outcome of each file written.
func (w *World) writeLedger(dir string, l *Ledger, c data.County, h Habits) ([]Expected, error) {
	report := l.ReportDate.Time
	county := c.Name
	if h.CountyAs != "" {
		county = h.CountyAs
	}
	st := sheet{name: "站点台账", title: "晋中市" + county + "乡镇（街道）社工站建设情况台账", group: "站点情况"}
	sf := sheet{name: "人员台账", title: "晋中市" + county + "乡镇（街道）社工站人员台账", group: "人员情况"}
	if h.SheetNames[0] != "" {
		st.name, sf.name = h.SheetNames[0], h.SheetNames[1]
	}
	for _, x := range data.TemplateStationHeader {
		st.header = append(st.header, h.header(x))
	}
	for _, x := range data.TemplateStaffHeader {
		sf.header = append(sf.header, h.header(x))
	}
	stations := w.LedgerStations(c.Code, report)
	for i, s := range stations {
		if h.BlankRows && i > 0 && i%5 == 0 {
			st.rows = append(st.rows, []any{})
			st.exp.Skipped++
		}
		st.rows = append(st.rows, []any{i + 1, county, h.township(s), s.Name, h.date(s.Established.Time), s.Mode, s.Operator,
			h.yesNo(s.HasSite), s.SiteArea, h.yesNo(s.HasRules), h.yesNo(s.HasSignage), s.Signature, ""})
		st.exp.Loaded++
	}
	if h.TotalRow {
		st.rows = append(st.rows, []any{"合计", "", "", fmt.Sprintf("共%d个站点", len(stations))})
		st.exp.Skipped++
	}
	workers := w.LedgerWorkers(c.Code, report)
	for i, wk := range workers {
		id := wk.IDNumber
		if h.BadCheckDigit && i == 0 {
			id = wrongCheckDigit(id)
			sf.exp.Flags++
		}
		row := []any{len(sf.rows) + 1, county, h.township(w.station(wk.TownshipCode)), wk.Name, wk.Sex, h.id(id), wk.Role,
			h.fullTime(wk.FullTime), h.cert(wk.CertLevel), optDate(h, wk.CertDate), h.date(wk.Joined.Time), optDate(h, wk.Left), wk.Phone}
		sf.rows = append(sf.rows, row)
		sf.exp.Loaded++
		if h.Duplicate && i == 0 {
			dup := append([]any{len(sf.rows) + 1}, row[1:]...)
			sf.rows = append(sf.rows, dup)
			sf.exp.Rejected++
		}
	}
	for i := 0; i < h.SeqOnlyRows; i++ {
		sf.rows = append(sf.rows, []any{len(sf.rows) + 1})
		sf.exp.Skipped++
	}
	sheets := []*sheet{&st, &sf}
	if fundsKept(c.Code) {
		sk := w.fundsSheet(c, h, county, report)
		if h.SheetNames[0] != "" {
			sk.name = "Sheet3"
		}
		sheets = append(sheets, sk)
	}
	if h.Footer {
		for _, x := range sheets {
			x.rows = append(x.rows, []any{"填表人：" + w.Workers[0].Name + "    联系电话：" + w.Workers[0].Phone})
			x.exp.Skipped++
		}
	}
	month := report.Format("2006-01")
	meta := []any{"填报单位：" + county + "民政局（盖章）"}
	if !h.NoReportDate {
		meta = append(meta, "", "", "", "", "", "", "填报日期："+report.Format("2006年1月2日"))
	}
	if h.CSV != "" {
		var out []Expected
		for _, x := range sheets {
			name := fmt.Sprintf("ledgers/%s_%s_%s.csv", c.Name, month, x.name)
			rows := [][]any{{x.title}, meta, toAny(x.header)}
			if err := writeCSVRows(filepath.Join(dir, name), h.CSV, append(rows, x.rows...)); err != nil {
				return nil, err
			}
			l.Files = append(l.Files, name)
			x.exp.File = name
			out = append(out, x.exp)
		}
		return out, nil
	}
	name := fmt.Sprintf("ledgers/%s_%s.xlsx", c.Name, month)
	if err := writeWorkbook(filepath.Join(dir, name), h, meta, sheets); err != nil {
		return nil, err
	}
	l.Files = append(l.Files, name)
	exp := Expected{File: name}
	for _, x := range sheets {
		exp.Loaded += x.exp.Loaded
		exp.Rejected += x.exp.Rejected
		exp.Skipped += x.exp.Skipped
		exp.Flags += x.exp.Flags
	}
	return []Expected{exp}, nil
}

// fundsSheet is a ledger's funds sheet (资金台账): the year's rows to the
// report date in the county's ways, a 合计 row where the county adds one.
func (w *World) fundsSheet(c data.County, h Habits, county string, report time.Time) *sheet {
	sk := &sheet{name: "资金台账", title: "晋中市" + county + "社工站资金使用台账", group: "资金情况"}
	for _, x := range data.TemplateFundsHeader {
		sk.header = append(sk.header, h.header(x))
	}
	var in, out int64
	for i, e := range w.LedgerFunds(c.Code, report) {
		town := ""
		if e.TownshipCode != "" {
			town = h.township(w.station(e.TownshipCode))
		}
		spent := h.amount(e.SpentFen)
		if e.Unreadable && h.Unreadable {
			spent = "见附件"
			sk.exp.Rejected++
		} else {
			sk.exp.Loaded++
			in, out = in+e.ReceivedFen, out+e.SpentFen
		}
		sk.rows = append(sk.rows, []any{i + 1, county, town, e.Source, h.date(e.Date.Time), e.Summary, e.Purpose,
			h.amount(e.ReceivedFen), spent, ""})
	}
	if h.TotalRow {
		sk.rows = append(sk.rows, []any{"合计", "", "", "", "", "", "", h.amount(in), h.amount(out)})
		sk.exp.Skipped++
	}
	return sk
}

// writeWorkbook writes ledger sheets: a merged title row, the metadata
// row, the county's note rows, the header (one row, or a merged group row
// over the detail row), then the rows.
func writeWorkbook(path string, h Habits, meta []any, sheets []*sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return err
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(sh.header))
		var rows [][]any
		rows = append(rows, []any{sh.title}, meta)
		for j := 0; j < h.TitleRows; j++ {
			rows = append(rows, []any{[]string{"注：本表由各乡镇（街道）填报，县级民政部门汇总。", "说明：日期按实际挂牌、到岗时间填写。"}[j%2]})
		}
		headerAt := len(rows) + 1
		if h.TwoRowHeader {
			group := make([]any, len(sh.header))
			detail := make([]any, len(sh.header))
			for j, x := range sh.header {
				if j < 3 {
					group[j] = x
				} else {
					detail[j] = x
				}
			}
			group[3] = sh.group
			rows = append(rows, group, detail)
		} else {
			rows = append(rows, toAny(sh.header))
		}
		rows = append(rows, sh.rows...)
		for r, row := range rows {
			for j, v := range row {
				if v == nil || v == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(j+1, r+1)
				if s, ok := v.(string); ok {
					err = f.SetCellStr(sh.name, ref, s) // text stays text (IDs, '…)
				} else {
					err = f.SetCellValue(sh.name, ref, v)
				}
				if err != nil {
					return err
				}
				if _, ok := v.(time.Time); ok {
					if err := f.SetCellStyle(sh.name, ref, ref, dateStyle); err != nil {
						return err
					}
				}
			}
		}
		_ = f.MergeCell(sh.name, "A1", last+"1")
		if h.TwoRowHeader {
			for j := 1; j <= 3; j++ {
				col, _ := excelize.ColumnNumberToName(j)
				_ = f.MergeCell(sh.name, fmt.Sprintf("%s%d", col, headerAt), fmt.Sprintf("%s%d", col, headerAt+1))
			}
			_ = f.MergeCell(sh.name, fmt.Sprintf("D%d", headerAt), fmt.Sprintf("%s%d", last, headerAt))
		}
		_ = f.SetColWidth(sh.name, "B", last, 14)
	}
	return saveXLSX(f, path)
}

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func (w *World) station(township string) *Station {
	for _, s := range w.Stations {
		if s.TownshipCode == township {
			return s
		}
	}
	return nil
}

func optDate(h Habits, x *Date) any {
	if x == nil {
		return nil
	}
	return h.date(x.Time)
}

func ptr[T any](v T) *T { return &v }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// writeExports writes the system's exports as a city bureau downloads
// them, as of exportDay: station information, service records per year
// (per quarter in 2023) and monthly summaries. Clean: every file a GB18030
// CSV in the system's own forms. Otherwise the drift of inputs.md: UTF-8
// with and without BOM, one quarter as .xlsx with short timestamps, 9- and
// 12-digit division codes, month labels in three forms, an export that
// repeats the previous quarter's last week, and a service of a station the
// system does not know.
func (w *World) writeExports(ref *data.Reference, dir string, opt Options) ([]Expected, error) {
	countyName := map[string]string{}
	for _, c := range ref.Counties {
		countyName[c.Code] = c.Name
	}
	station := map[string]*Station{}
	var rows [][]any
	for i, s := range w.Stations {
		station[s.ID] = s
		if s.NotInSystem {
			continue
		}
		division := s.TownshipCode + "000"
		if !opt.Clean && i%2 == 1 {
			division = s.TownshipCode
		}
		rows = append(rows, []any{s.ID, s.Name, division, "山西省", "晋中市", countyName[s.CountyCode], s.TownshipName,
			s.SystemEstablished().Format(time.DateOnly), s.BaseinfoEntered.Format(dateTimeLayout), "运营中"})
	}
	var out []Expected
	name := "system/站点信息_" + exportDay.Format("20060102") + ".csv"
	header := []any{"站点编号", "站点名称", "所属区划", "省", "市", "县(区)", "乡镇(街道)", "建站日期", "信息录入时间", "站点状态"}
	if err := writeCSVRows(filepath.Join(dir, name), "gb18030", append([][]any{header}, rows...)); err != nil {
		return nil, err
	}
	out = append(out, Expected{File: name, Loaded: len(rows)})

	// Services, one file per year (per quarter in 2023).
	byFile := map[string][]*Service{}
	var names []string
	for _, sv := range w.Services {
		n := strconv.Itoa(sv.End.Year())
		if sv.End.Year() == 2023 {
			n = fmt.Sprintf("2023Q%d", (int(sv.End.Month())+2)/3)
		}
		if byFile[n] == nil {
			names = append(names, n)
		}
		byFile[n] = append(byFile[n], sv)
	}
	header = []any{"服务记录编号", "站点编号", "站点名称", "服务类型", "服务对象类别", "服务开始日期", "服务结束日期", "服务人次", "录入时间", "录入人"}
	enteredBy := map[string]string{} // station -> the worker who enters its records (录入人)
	for _, wk := range w.Workers {
		for _, st := range w.Stations {
			if st.TownshipCode == wk.TownshipCode && enteredBy[st.ID] == "" {
				enteredBy[st.ID] = wk.Name
			}
		}
	}
	slices.Sort(names) // written in the order the bureau downloaded them
	for _, n := range names {
		list := byFile[n]
		e := Expected{Loaded: len(list)}
		enc, ext, stamp := "gb18030", ".csv", func(t time.Time) string { return t.Format(dateTimeLayout) }
		var extra [][]any
		if !opt.Clean {
			switch n {
			case "2023Q1":
				enc = "utf8bom"
			case "2023Q2":
				ext = ".xlsx"
				stamp = func(t time.Time) string { // 2023/6/1 9:12, as the system's Excel export writes it
					return fmt.Sprintf("%d/%d/%d %d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
				}
			case "2023Q3":
				enc = "utf8"
				// The export repeats the last week of June: one record each,
				// and the values differ where Q2's .xlsx dropped the seconds.
				for _, sv := range byFile["2023Q2"] {
					if !sv.End.Before(d(2023, 6, 24)) {
						list = append([]*Service{sv}, list...)
						e.Loaded++
						e.Overlap++
						// only the seconds differ (Q2 keeps minutes): no change
					}
				}
				extra = append(extra, []any{"FW999999999" + "00001", "ZD99999999901", "未知站点", "个案服务", "其他",
					"2023-08-01", "2023-08-01", "1", "2023-08-01 10:00:00", "站点管理员"})
				e.Rejected++
			}
		}
		rows = rows[:0]
		for _, sv := range list {
			end := sv.End.Format(time.DateOnly)
			if sv.EndBlank {
				end = ""
			}
			rows = append(rows, []any{sv.ID, sv.StationID, station[sv.StationID].Name, sv.Type, sv.Target,
				sv.Start.Format(time.DateOnly), end, strconv.Itoa(sv.PersonTimes), stamp(sv.Entered.Time), enteredBy[sv.StationID]})
		}
		rows = append(rows, extra...)
		e.File = "system/服务记录_" + n + ext
		path := filepath.Join(dir, e.File)
		var err error
		if ext == ".xlsx" {
			err = writeExportWorkbook(path, "服务记录", append([][]any{header}, rows...))
		} else {
			err = writeCSVRows(path, enc, append([][]any{header}, rows...))
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}

	rows = rows[:0]
	for i, sm := range w.Summaries {
		label := sm.Month
		if !opt.Clean {
			m, _ := time.Parse("2006-01", sm.Month)
			label = []string{sm.Month, m.Format("2006年1月"), m.Format("200601")}[i%3]
		}
		rows = append(rows, []any{sm.StationID, station[sm.StationID].Name, label, sm.Submitted.Format(dateTimeLayout), sm.Status})
	}
	name = "system/月度总结_" + exportDay.Format("20060102") + ".csv"
	header = []any{"站点编号", "站点名称", "总结月份", "提交时间", "审核状态"}
	if err := writeCSVRows(filepath.Join(dir, name), "gb18030", append([][]any{header}, rows...)); err != nil {
		return nil, err
	}
	return append(out, Expected{File: name, Loaded: len(rows)}), nil
}

// writeExportWorkbook writes rows as one plain sheet, every cell text.
func writeExportWorkbook(path, sheetName string, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	for r, row := range rows {
		for j, v := range row {
			if s := fmt.Sprint(v); s != "" {
				ref, _ := excelize.CoordinatesToCellName(j+1, r+1)
				if err := f.SetCellStr(sheetName, ref, s); err != nil {
					return err
				}
			}
		}
	}
	return saveXLSX(f, path)
}

// writeCSVRows writes rows as CSV in an encoding: gb18030 (the system's
// Windows export), utf8bom, or utf8.
func writeCSVRows(path, encoding string, rows [][]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var out io.Writer = f
	switch encoding {
	case "gb18030":
		out = simplifiedchinese.GB18030.NewEncoder().Writer(f)
	case "utf8bom":
		if _, err := f.WriteString("\uFEFF"); err != nil {
			f.Close()
			return err
		}
	}
	cw := csv.NewWriter(out)
	cw.UseCRLF = true
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case nil:
			case time.Time:
				rec[i] = x.Format("2006/1/2")
			default:
				rec[i] = fmt.Sprint(x)
			}
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// saveXLSX writes a workbook with mode 0644: excelize's SaveAs creates
// files with 0777 (0755 after the usual umask), and a workbook is no
// program.
func saveXLSX(f *excelize.File, path string) error {
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
