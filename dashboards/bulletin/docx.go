package bulletin

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

// The editable Word version of the 通报 (.docx), for staff who finish and
// stamp a 通报 in WPS or Word: real headings, paragraphs and tables in the
// fonts a 公文 uses (GB/T 9704: 方正小标宋简体 title, 仿宋_GB2312 body,
// 黑体 headings; Word or WPS substitutes a font the machine lacks), A4 with
// 公文 margins, page numbers "— 1 —" at the foot, table headers repeated on
// a continued page.
//
// It is written directly as WordprocessingML (ECMA-376): the one Go docx
// writer on the module proxy (gomutex/godocx, unmaintained since 2024; its
// maintained fork is not served) sets neither East Asian fonts nor
// margins through its API, and a 通报 needs only paragraphs, runs, tables,
// a footer and a section — a few hundred lines of markup that a test reads
// back.

// Twips (1/20 pt) of A4 and of GB/T 9704's margins (top 37 mm, bottom
// 35 mm, left 28 mm, right 26 mm).
const (
	a4Width, a4Height = 11906, 16838
	marginTop         = 2098
	marginBottom      = 1984
	marginLeft        = 1588
	marginRight       = 1474
	// body text: 三号 (16 pt) on a fixed 28 pt line
	bodyHalfPoints = 32
	lineTwips      = 560
)

// run is one stretch of text with its font, size (half-points), colour and
// weight.
type run struct {
	text       string
	font       string // East Asian font
	halfPoints int
	bold       bool
	color      string // RRGGBB, "" black
	breakAfter bool   // a line break after the text
}

func (r run) xml() string {
	var b strings.Builder
	b.WriteString(`<w:r><w:rPr>`)
	fmt.Fprintf(&b, `<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="%s" w:hint="eastAsia"/>`, r.font)
	if r.bold {
		b.WriteString(`<w:b/>`)
	}
	if r.color != "" {
		fmt.Fprintf(&b, `<w:color w:val="%s"/>`, r.color)
	}
	fmt.Fprintf(&b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr><w:t xml:space="preserve">`, r.halfPoints, r.halfPoints)
	_ = xml.EscapeText(&b, []byte(r.text))
	b.WriteString(`</w:t>`)
	if r.breakAfter {
		b.WriteString(`<w:br/>`)
	}
	b.WriteString(`</w:r>`)
	return b.String()
}

// para is one paragraph: alignment (left, center, right, both), first-line
// indent in characters, space after (twips), an optional red rule below.
type para struct {
	runs      []run
	align     string
	indent    int
	after     int
	redRule   bool
	keepNext  bool
	fixedLine bool
}

func (p para) xml() string {
	var b strings.Builder
	b.WriteString(`<w:p><w:pPr>`)
	if p.keepNext {
		b.WriteString(`<w:keepNext/>`)
	}
	if p.redRule {
		b.WriteString(`<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="1" w:color="D40000"/></w:pBdr>`)
	}
	line := ""
	if p.fixedLine {
		line = fmt.Sprintf(` w:line="%d" w:lineRule="exact"`, lineTwips)
	}
	fmt.Fprintf(&b, `<w:spacing w:before="0" w:after="%d"%s/>`, p.after, line)
	if p.indent > 0 {
		// in characters for Word and WPS, in twips (16 pt a character) for
		// readers that ignore the former
		fmt.Fprintf(&b, `<w:ind w:firstLineChars="%d" w:firstLine="%d"/>`, p.indent*100, p.indent*bodyHalfPoints*10)
	}
	if p.align != "" {
		fmt.Fprintf(&b, `<w:jc w:val="%s"/>`, p.align)
	}
	b.WriteString(`</w:pPr>`)
	for _, r := range p.runs {
		b.WriteString(r.xml())
	}
	b.WriteString(`</w:p>`)
	return b.String()
}

const (
	fontTitle   = "方正小标宋简体"
	fontBody    = "仿宋_GB2312"
	fontHeading = "黑体"
)

func bodyPara(text string) para {
	return para{runs: []run{{text: text, font: fontBody, halfPoints: bodyHalfPoints}}, align: "both", indent: 2, fixedLine: true}
}

// textWidth is the page's text width in twips.
const textWidth = a4Width - marginLeft - marginRight

// docxTable is a table: a header row repeated on each page, thin borders,
// fixed column widths (twips, adding up to the text width) in which every
// header part fits on its line, cells centred in 仿宋 of halfPoints; bold
// rows for the totals.
func docxTable(caption string, header []string, rows [][]string, boldRow func(int) bool, widths []int, halfPoints int) string {
	var b strings.Builder
	b.WriteString(para{runs: []run{{text: caption, font: fontHeading, halfPoints: 24}}, align: "center", after: 60, keepNext: true}.xml())
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(textWidth) + `" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(&b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="60" w:type="dxa"/><w:right w:w="60" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, head, bold bool) {
		b.WriteString(`<w:tr>`)
		if head {
			b.WriteString(`<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>`)
		} else {
			b.WriteString(`<w:trPr><w:cantSplit/></w:trPr>`)
		}
		for j, c := range cells {
			runs := []run{{text: c, font: fontBody, halfPoints: halfPoints, bold: bold}}
			if head {
				// a header breaks between words only, as in the HTML
				runs = nil
				parts := strings.Split(headBreaks[c], "|")
				if headBreaks[c] == "" {
					parts = []string{c}
				}
				for i, part := range parts {
					runs = append(runs, run{text: part, font: fontHeading, halfPoints: halfPoints, breakAfter: i < len(parts)-1})
				}
			}
			w := 0
			if j < len(widths) {
				w = widths[j]
			}
			fmt.Fprintf(&b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>`, w)
			b.WriteString(para{runs: runs, align: "center"}.xml())
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	row(header, true, false)
	for i, r := range rows {
		row(r, false, boldRow(i))
	}
	b.WriteString(`</w:tbl>`)
	b.WriteString(para{after: 120}.xml())
	return b.String()
}

// documentXML is the body of the .docx: the same text and tables as the
// HTML and the Markdown.
func documentXML(e *Edition) string {
	v := newView(e)
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>`)
	if e.DocNumber != "" {
		b.WriteString(para{runs: []run{{text: e.Header, font: fontTitle, halfPoints: 60, bold: true, color: "D40000"}}, align: "center", after: 240}.xml())
		b.WriteString(para{runs: []run{{text: e.DocNumber, font: fontBody, halfPoints: bodyHalfPoints}}, align: "center", after: 120, redRule: true}.xml())
		b.WriteString(para{after: 240}.xml())
	}
	title := e.Title()
	first, rest, ok := strings.Cut(title, "社工站")
	titleRuns := []run{{text: title, font: fontTitle, halfPoints: 44}}
	if ok {
		titleRuns = []run{{text: first + "社工站", font: fontTitle, halfPoints: 44, breakAfter: true}, {text: rest, font: fontTitle, halfPoints: 44}}
	}
	b.WriteString(para{runs: titleRuns, align: "center", after: 240}.xml())
	edition := fmt.Sprintf("%d年第%d期", e.Year, e.No)
	if e.DocNumber != "" {
		edition = "（" + edition + "）"
	}
	b.WriteString(para{runs: []run{{text: edition, font: fontBody, halfPoints: bodyHalfPoints}}, align: "center", after: 240}.xml())
	b.WriteString(para{runs: []run{{text: "各县（市、区）民政局：", font: fontBody, halfPoints: bodyHalfPoints}}, fixedLine: true}.xml())
	b.WriteString(bodyPara(v.Opening).xml())
	heading := func(text string) {
		b.WriteString(para{runs: []run{{text: text, font: fontHeading, halfPoints: bodyHalfPoints}}, indent: 2, fixedLine: true, keepNext: true}.xml())
	}
	heading("一、总体情况")
	for _, p := range v.Overall {
		b.WriteString(bodyPara(p).xml())
	}
	heading("二、各县（市、区）系统使用情况排名")
	b.WriteString(bodyPara(v.Weights).xml())
	// 表1 in 五号 (10.5 pt: a character 210 twips): the widest header part,
	// （市、区）, needs 6 × 210 + the cell margins
	b.WriteString(docxTable("表1　"+v.MonthText+"各县（市、区）系统使用情况", v.Header, v.Rows, v.IsTotal,
		[]int{600, 1400, 1250, 1250, 1250, 1000, 900, textWidth - 7650}, 21))
	// 表2's nine columns in 小五 (9 pt: 180 twips): 4 characters a part
	counts := []int{1400}
	for range v.CountsHeader[1:] {
		counts = append(counts, (textWidth-1400)/len(v.CountsHeader[1:]))
	}
	b.WriteString(docxTable("表2　计算依据（站点、条、份）", v.CountsHeader, v.CountsRows, v.IsCountsTotal, counts, 18))
	heading("三、存在的问题")
	for _, p := range v.Problems {
		b.WriteString(bodyPara(p).xml())
	}
	heading("四、工作要求")
	for _, p := range v.Requirements {
		b.WriteString(bodyPara(p).xml())
	}
	if e.Restatement != "" {
		b.WriteString(para{runs: []run{{text: "更正说明：", font: fontBody, halfPoints: bodyHalfPoints, bold: true},
			{text: e.Restatement, font: fontBody, halfPoints: bodyHalfPoints}}, align: "both", indent: 2, fixedLine: true}.xml())
	}
	b.WriteString(para{after: 0, fixedLine: true}.xml())
	b.WriteString(bodyPara("附件：数据来源与口径").xml())
	b.WriteString(para{after: 0, fixedLine: true}.xml())
	for _, line := range []string{e.Issuer, v.IssueText} {
		b.WriteString(para{runs: []run{{text: line, font: fontBody, halfPoints: bodyHalfPoints}}, align: "right", fixedLine: true}.xml())
	}
	fmt.Fprintf(&b, `<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/><w:pgSz w:w="%d" w:h="%d"/>`+
		`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`,
		a4Width, a4Height, marginTop, marginRight, marginBottom, marginLeft)
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

// footerXML numbers the pages "— 1 —" at the foot, centred.
const footerXML = xml.Header + `<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>` +
	`<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">— </w:t></w:r>` +
	`<w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
	`<w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>1</w:t></w:r><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>`

const docxContentTypes = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`

const docxRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`

const documentRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rIdFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>`

// coreXML names the document and dates it on the issue date, so that the
// same edition written again has the same bytes.
func coreXML(e *Edition) string {
	var t bytes.Buffer
	_ = xml.EscapeText(&t, []byte(e.Title()))
	var issuer bytes.Buffer
	_ = xml.EscapeText(&issuer, []byte(e.Issuer))
	date := e.IssueDate.Format("2006-01-02") + "T00:00:00Z"
	return xml.Header + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + t.String() + `</dc:title><dc:creator>` + issuer.String() + `</dc:creator>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + date + `</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">` + date + `</dcterms:modified></cp:coreProperties>`
}

// writeDOCX writes the edition as a .docx.
func writeDOCX(e *Edition, path string) error {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"docProps/core.xml", coreXML(e)},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/document.xml", documentXML(e)},
		{"word/footer1.xml", footerXML},
	} {
		// a fixed time in the archive: the same edition, the same bytes
		w, err := z.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: e.IssueDate})
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(part.body)); err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
