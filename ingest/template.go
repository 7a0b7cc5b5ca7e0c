package ingest

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"sgz/data"
)

// The ledger template (sgz template): the city's 县级社工站建设台账 for one
// county, drawn so that what a clerk types into it loads without a reject —
// the same headers ingest recognises, the county's townships filled in,
// drop-downs for every closed list, and date cells that only take dates.

// templateStaffRows and templateFundRows are how many empty staff and
// funds rows carry the drop-downs.
const (
	templateStaffRows = 300
	templateFundRows  = 200
)

// WriteTemplate writes the ledger template of county c to w; towns are its
// townships (the in-scope ones are listed, one row each).
func WriteTemplate(w io.Writer, c data.County, towns []data.Township) error {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd"), Border: thinBorder()})
	if err != nil {
		return err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49, Border: thinBorder()}) // "@": IDs and phones stay text
	if err != nil {
		return err
	}
	cellStyle, err := f.NewStyle(&excelize.Style{Border: thinBorder()})
	if err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Border: thinBorder()})
	if err != nil {
		return err
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	noteStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "595959"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	if err != nil {
		return err
	}
	var inScope []data.Township
	for _, t := range towns {
		if t.CountyCode == c.Code && t.InScope {
			inScope = append(inScope, t)
		}
	}
	const note = "说明：日期请填写为日期（如 2023-06-30）；是否、运营模式、岗位、专职/兼职、职业资格请从下拉框选择；身份证号码填 18 位。"
	sheets := []struct {
		name, title string
		header      []string
		rows        int
		note        string
	}{
		{"站点台账", "晋中市" + c.Name + "乡镇（街道）社工站建设情况台账", data.TemplateStationHeader, len(inScope), note},
		{"人员台账", "晋中市" + c.Name + "乡镇（街道）社工站人员台账", data.TemplateStaffHeader, templateStaffRows, note},
		{"资金台账", "晋中市" + c.Name + "社工站资金使用台账", data.TemplateFundsHeader, templateFundRows,
			"说明：本年每笔收入或支出一行，按日期先后填写；金额以元为单位；县级统筹的资金，乡镇（街道）留空；资金来源、用途类别请从下拉框选择。"},
	}
	moneyStyle, err := f.NewStyle(&excelize.Style{NumFmt: 4, Border: thinBorder()}) // #,##0.00
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
		first, end := 5, 4+sh.rows // data rows
		cells := map[string]any{
			"A1": sh.title,
			"A2": "填报单位：" + c.Name + "民政局（盖章）",
			"H2": "填报日期：",
			"A3": sh.note,
		}
		for j, h := range sh.header {
			ref, _ := excelize.CoordinatesToCellName(j+1, 4)
			cells[ref] = h
		}
		for ref, v := range cells {
			if err := f.SetCellValue(sh.name, ref, v); err != nil {
				return err
			}
		}
		_ = f.MergeCell(sh.name, "A1", last+"1")
		_ = f.MergeCell(sh.name, "A3", last+"3")
		_ = f.SetCellStyle(sh.name, "A1", "A1", titleStyle)
		_ = f.SetCellStyle(sh.name, "A3", "A3", noteStyle)
		_ = f.SetRowHeight(sh.name, 1, 28)
		_ = f.SetRowHeight(sh.name, 3, 30)
		// Printed on A4 landscape, all columns on one page width, the
		// header repeated on every page.
		if err := f.SetPageLayout(sh.name, &excelize.PageLayoutOptions{Size: ptr(9), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
			return err
		}
		if err := f.SetSheetProps(sh.name, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
			return err
		}
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$4:$4", sh.name), Scope: sh.name}); err != nil {
			return err
		}
		_ = f.SetCellStyle(sh.name, "A4", last+"4", headStyle)
		_ = f.SetRowHeight(sh.name, 4, 32)
		if err := f.SetCellStyle(sh.name, "I2", "I2", dateStyle); err != nil {
			return err
		}
		_ = f.SetColWidth(sh.name, "A", "A", 6)
		_ = f.SetColWidth(sh.name, "B", last, 14)
		if err := f.SetPanes(sh.name, &excelize.Panes{Freeze: true, YSplit: 4, TopLeftCell: "A5", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		rng := func(col string) string { return fmt.Sprintf("%s%d:%s%d", col, first, col, end) }
		if err := f.SetCellStyle(sh.name, fmt.Sprintf("A%d", first), fmt.Sprintf("%s%d", last, end), cellStyle); err != nil {
			return err
		}
		// The report date cell and every date column take dates only.
		dates := []string{"I2:I2"}
		lists := map[string][]string{}
		var texts []string
		var money []string
		purposes := map[string][]string{}
		switch i {
		case 0:
			for k, t := range inScope {
				row := first + k
				for j, v := range []any{k + 1, c.Name, t.Name} {
					ref, _ := excelize.CoordinatesToCellName(j+1, row)
					if err := f.SetCellValue(sh.name, ref, v); err != nil {
						return err
					}
				}
			}
			dates = append(dates, rng("E"))
			lists[rng("F")] = []string{"自建自营", "购买服务", "委托运营"}
			for _, col := range []string{"H", "J", "K"} {
				lists[rng(col)] = []string{"是", "否"}
			}
		case 1:
			dates = append(dates, rng("J"), rng("K"), rng("L"))
			lists[rng("B")] = []string{c.Name}
			lists[rng("C")] = townshipNames(inScope)
			lists[rng("E")] = []string{"男", "女"}
			lists[rng("G")] = []string{"站长", "驻站社工", "社工助理"}
			lists[rng("H")] = []string{"专职", "兼职"}
			lists[rng("I")] = []string{CertNone, CertAssistant, CertSocial, CertSenior}
			texts = []string{rng("F"), rng("M")}
		case 2:
			dates = append(dates, rng("E"))
			lists[rng("B")] = []string{c.Name}
			lists[rng("C")] = townshipNames(inScope) // blank: county level
			lists[rng("D")] = []string{"市级福彩公益金", "县级配套", "其他"}
			// the usual purposes, another may be typed (it is flagged
			// when the fund does not allow it)
			purposes[rng("G")] = []string{"站点建设", "人员经费", "服务项目", "培训督导", "评估"}
			money = []string{rng("H"), rng("I")}
		}
		for _, sq := range dates {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = sq
			// 2000-01-01 .. 2099-12-31 as Excel serials.
			if err := dv.SetRange(36526, 73415, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "请填写日期", "请填写日期，例如 2023-06-30。")
			if err := f.AddDataValidation(sh.name, dv); err != nil {
				return err
			}
			if sq != "I2:I2" {
				if err := setRangeStyle(f, sh.name, sq, dateStyle); err != nil {
					return err
				}
			}
		}
		for sq, items := range lists {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = sq
			if err := dropList(f, dv, items); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "请从下拉框选择", "请从下拉框中选择一项。")
			if err := f.AddDataValidation(sh.name, dv); err != nil {
				return err
			}
		}
		for _, sq := range texts {
			if err := setRangeStyle(f, sh.name, sq, textStyle); err != nil {
				return err
			}
		}
		for sq, items := range purposes {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = sq
			if err := dropList(f, dv, items); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleInformation, "用途类别", "不在常用用途之内：福彩公益金只能用于站点建设、人员经费、服务项目、培训督导、评估。")
			if err := f.AddDataValidation(sh.name, dv); err != nil {
				return err
			}
		}
		for _, sq := range money {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = sq
			if err := dv.SetRange(0, 10000000, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "请填写金额", "请填写以元为单位的金额（不为负数），例如 12000.50。")
			if err := f.AddDataValidation(sh.name, dv); err != nil {
				return err
			}
			if err := setRangeStyle(f, sh.name, sq, moneyStyle); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}

// dropList sets a drop-down; a long list (a county's townships) goes through
// a hidden sheet, since an inline list is limited to 255 characters.
func dropList(f *excelize.File, dv *excelize.DataValidation, items []string) error {
	n := 0
	for _, s := range items {
		n += len(s) + 1
	}
	if n < 250 {
		return dv.SetDropList(items)
	}
	const lists = "下拉选项"
	if idx, _ := f.GetSheetIndex(lists); idx < 0 {
		if _, err := f.NewSheet(lists); err != nil {
			return err
		}
		if err := f.SetSheetVisible(lists, false); err != nil {
			return err
		}
	}
	for i, s := range items {
		if err := f.SetCellValue(lists, fmt.Sprintf("A%d", i+1), s); err != nil {
			return err
		}
	}
	dv.SetSqrefDropList(fmt.Sprintf("%s!$A$1:$A$%d", lists, len(items)))
	return nil
}

func setRangeStyle(f *excelize.File, sheet, sqref string, style int) error {
	from, to, _ := strings.Cut(sqref, ":")
	return f.SetCellStyle(sheet, from, to, style)
}

func townshipNames(ts []data.Township) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func thinBorder() []excelize.Border {
	var out []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		out = append(out, excelize.Border{Type: side, Color: "A6A6A6", Style: 1})
	}
	return out
}

func ptr[T any](v T) *T { return &v }
