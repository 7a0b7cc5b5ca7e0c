// Package sheet holds what sgz's workbooks share: the width of a text in a
// column, A4 print setup, and writing a file with an ordinary mode.
package sheet

import (
	"bytes"
	"os"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Width is a text's width in a workbook column: a Chinese character
// counts two.
func Width(s string) int {
	w := 0
	for _, r := range s {
		if r > 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// PrintSetup prints a sheet on A4, one page wide and as many tall as it
// takes, with its first titleRows rows repeated on every page.
func PrintSetup(f *excelize.File, name string, landscape bool, titleRows int) error {
	size, fit, tall := 9, 1, 0
	orientation := "portrait"
	if landscape {
		orientation = "landscape"
	}
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation, FitToWidth: &fit, FitToHeight: &tall}); err != nil {
		return err
	}
	fitToPage := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fitToPage}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
		RefersTo: "'" + name + "'!$1:$" + strconv.Itoa(titleRows), Scope: name})
}

// Save writes a workbook with mode 0644: excelize's SaveAs creates files
// with 0777 (0755 after the usual umask), and a workbook is no program.
func Save(f *excelize.File, path string) error {
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
