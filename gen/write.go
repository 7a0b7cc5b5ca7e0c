package gen

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"sgz/data"
)

// Generate writes the inputs of the world for seed into dir: ledgers/*.xlsx,
// system/*.csv (GB18030, as the system's Windows export writes them) and
// truth.json. It returns the world.
func Generate(ref *data.Reference, seed uint64, dir string) (*World, error) {
	w := NewWorld(ref, seed)
	for _, sub := range []string{"ledgers", "system"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	for _, l := range w.Ledgers {
		c, _ := ref.County(l.CountyCode)
		if err := w.writeLedger(filepath.Join(dir, l.File), c, l.ReportDate.Time); err != nil {
			return nil, err
		}
	}
	if err := w.writeExports(ref, filepath.Join(dir, "system")); err != nil {
		return nil, err
	}
	return w, w.writeTruth(filepath.Join(dir, "truth.json"))
}

// LedgerStations are the stations a ledger of county reported at date lists.
func (w *World) LedgerStations(county string, report time.Time) []*Station {
	var out []*Station
	for _, s := range w.Stations {
		if s.CountyCode == county && !s.Established.After(report) {
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

var stationHeader = []string{"序号", "县(市、区)", "乡镇(街道)", "站点名称", "挂牌时间", "运营模式", "承接机构", "独立场地", "场地面积（㎡）", "制度建设", "统一标识", "特色项目", "备注"}
var staffHeader = []string{"序号", "县(市、区)", "乡镇(街道)", "姓名", "性别", "身份证号码", "岗位", "是否专职", "职业资格", "取证时间", "入站时间", "离站时间", "联系电话"}

// writeLedger writes one county ledger in the city's template: a merged
// title row, a 填报单位/填报日期 row, the header row, then one row per item.
func (w *World) writeLedger(path string, c data.County, report time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "站点台账"); err != nil {
		return err
	}
	if _, err := f.NewSheet("人员台账"); err != nil {
		return err
	}
	var cells []cell
	head := func(sheet, title string, header []string) {
		last, _ := excelize.ColumnNumberToName(len(header))
		_ = f.MergeCell(sheet, "A1", last+"1")
		cells = append(cells,
			cell{sheet, "A1", "晋中市" + c.Name + title},
			cell{sheet, "A2", "填报单位：" + c.Name + "民政局（盖章）"},
			cell{sheet, "H2", "填报日期：" + report.Format("2006年1月2日")})
		for i, h := range header {
			name, _ := excelize.CoordinatesToCellName(i+1, 3)
			cells = append(cells, cell{sheet, name, h})
		}
	}
	head("站点台账", "乡镇（街道）社工站建设情况台账", stationHeader)
	for i, s := range w.LedgerStations(c.Code, report) {
		row := []any{i + 1, c.Name, s.TownshipName, s.Name, s.Established.Time, s.Mode, s.Operator,
			yesNo(s.HasSite), s.SiteArea, yesNo(s.HasRules), yesNo(s.HasSignage), s.Signature, ""}
		cells = appendRow(cells, "站点台账", i+4, row)
	}
	head("人员台账", "乡镇（街道）社工站人员台账", staffHeader)
	for i, wk := range w.LedgerWorkers(c.Code, report) {
		cert := wk.CertLevel
		if cert == "" {
			cert = "无"
		}
		row := []any{i + 1, c.Name, townshipName(w, wk.TownshipCode), wk.Name, wk.Sex, wk.IDNumber, wk.Role,
			map[bool]string{true: "专职", false: "兼职"}[wk.FullTime], cert, optDate(wk.CertDate), wk.Joined.Time, optDate(wk.Left), wk.Phone}
		cells = appendRow(cells, "人员台账", i+4, row)
	}
	for _, x := range cells {
		if err := f.SetCellValue(x.sheet, x.ref, x.value); err != nil {
			return err
		}
		if _, ok := x.value.(time.Time); ok {
			if err := f.SetCellStyle(x.sheet, x.ref, x.ref, dateStyle); err != nil {
				return err
			}
		}
	}
	for _, sheet := range []string{"站点台账", "人员台账"} {
		_ = f.SetColWidth(sheet, "B", "M", 14)
	}
	return f.SaveAs(path)
}

type cell struct {
	sheet, ref string
	value      any
}

func appendRow(cells []cell, sheet string, row int, values []any) []cell {
	for i, v := range values {
		if v == nil || v == "" {
			continue
		}
		name, _ := excelize.CoordinatesToCellName(i+1, row)
		cells = append(cells, cell{sheet, name, v})
	}
	return cells
}

func townshipName(w *World, code string) string {
	for _, s := range w.Stations {
		if s.TownshipCode == code {
			return s.TownshipName
		}
	}
	return code
}

func optDate(x *Date) any {
	if x == nil {
		return nil
	}
	return x.Time
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func ptr[T any](v T) *T { return &v }

// writeExports writes the system's exports as a city bureau downloads them:
// station information, service records per year (per quarter in 2023) and
// monthly summaries, as of exportDay.
func (w *World) writeExports(ref *data.Reference, dir string) error {
	countyName := map[string]string{}
	for _, c := range ref.Counties {
		countyName[c.Code] = c.Name
	}
	station := map[string]*Station{}
	var rows [][]string
	for _, s := range w.Stations {
		station[s.ID] = s
		rows = append(rows, []string{s.ID, s.Name, s.TownshipCode + "000", "山西省", "晋中市", countyName[s.CountyCode], s.TownshipName,
			s.Established.Format(time.DateOnly), s.BaseinfoEntered.Format(dateTimeLayout), "运营中"})
	}
	err := writeCSV(filepath.Join(dir, "站点信息_"+exportDay.Format("20060102")+".csv"),
		[]string{"站点编号", "站点名称", "所属区划", "省", "市", "县(区)", "乡镇(街道)", "建站日期", "信息录入时间", "站点状态"}, rows)
	if err != nil {
		return err
	}
	byFile := map[string][][]string{}
	var names []string
	for _, sv := range w.Services {
		name := strconv.Itoa(sv.End.Year())
		if sv.End.Year() == 2023 {
			name = fmt.Sprintf("2023Q%d", (int(sv.End.Month())+2)/3)
		}
		if byFile[name] == nil {
			names = append(names, name)
		}
		end := sv.End.Format(time.DateOnly)
		if sv.EndBlank {
			end = ""
		}
		byFile[name] = append(byFile[name], []string{sv.ID, sv.StationID, station[sv.StationID].Name, sv.Type, sv.Target,
			sv.Start.Format(time.DateOnly), end, strconv.Itoa(sv.PersonTimes), sv.Entered.Format(dateTimeLayout), "站点管理员"})
	}
	for _, name := range names {
		err := writeCSV(filepath.Join(dir, "服务记录_"+name+".csv"),
			[]string{"服务记录编号", "站点编号", "站点名称", "服务类型", "服务对象类别", "服务开始日期", "服务结束日期", "服务人次", "录入时间", "录入人"}, byFile[name])
		if err != nil {
			return err
		}
	}
	rows = rows[:0]
	for _, sm := range w.Summaries {
		rows = append(rows, []string{sm.StationID, station[sm.StationID].Name, sm.Month, sm.Submitted.Format(dateTimeLayout), sm.Status})
	}
	return writeCSV(filepath.Join(dir, "月度总结_"+exportDay.Format("20060102")+".csv"),
		[]string{"站点编号", "站点名称", "总结月份", "提交时间", "审核状态"}, rows)
}

func writeCSV(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(simplifiedchinese.GB18030.NewEncoder().Writer(f))
	cw.UseCRLF = true
	_ = cw.Write(header)
	_ = cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
