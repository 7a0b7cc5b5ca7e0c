package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"sgz/dashboards/assessment"
	"sgz/metrics"
	"sgz/place"
)

// runAssess writes the year-end assessment workbook (indicators.md
// "Year-end assessment"; outputs.md "Assessment workbook").
func runAssess(e *env, args []string) int {
	fs := e.flags("assess")
	so := storeFlags(fs)
	year := yearOption(fs)
	asOf := fs.String("as-of", "", "截至日期 YYYY-MM-DD（须在该年度内；默认该年 12 月 31 日，年度未结束时为今天，结果标为预评估）")
	out := fs.String("out", "", "输出的 .xlsx 文件（必填）")
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	if *out == "" || !strings.EqualFold(filepath.Ext(*out), ".xlsx") {
		fmt.Fprintln(e.stderr, "sgz assess: 须给出 --year YYYY 和 --out 文件.xlsx")
		return ExitError
	}
	so.readOnly = true // it only reads the database
	st, err := openExisting(e, *so)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	a, err := assess(e, st, *year, *asOf)
	if err != nil {
		return e.fail(err)
	}
	if err := writeAssessment(e, st, a, *out); err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "%s（%s）\n%s\n", assessment.Title(a), assessment.AsOfText(a), *out)
	return ExitOK
}

func assess(e *env, st *store, year int, asOf string) (*metrics.Assessment, error) {
	d, err := yearAsOf(e, st, year, asOf)
	if err != nil {
		return nil, err
	}
	return metrics.Assess(e.ctx, st.db, st.policy, year, d)
}

// writeAssessment writes the workbook with its evidence, through a
// temporary file so that a failure leaves no half-written workbook.
func writeAssessment(e *env, st *store, a *metrics.Assessment, out string) error {
	towns, err := metrics.TownshipStations(e.ctx, st.db, a.AsOf, "")
	if err != nil {
		return err
	}
	workers, err := metrics.ActiveWorkers(e.ctx, st.db, a.AsOf)
	if err != nil {
		return err
	}
	name := filepath.Base(out)
	err = place.Put(filepath.Dir(out), place.Options{}, func(work string) error {
		return assessment.Write(filepath.Join(work, name), a, assessment.Evidence{Townships: towns, Workers: workers})
	})
	if err != nil {
		return fmt.Errorf("写出考核工作簿 %s 出错: %w", out, err)
	}
	return nil
}

// assessmentColumns are the columns of sgz report assessment: the figures
// of the workbook's summary sheet.
var assessmentColumns = []column[metrics.CountyScore]{
	{"county_code", "代码", func(c metrics.CountyScore) any { return c.CountyCode }},
	{"county", "县(市、区)", func(c metrics.CountyScore) any { return c.County }},
	{"coverage_rate", "覆盖率", func(c metrics.CountyScore) any { return deref(c.Coverage.Raw) }},
	{"coverage_points", "覆盖得分", func(c metrics.CountyScore) any { return c.Coverage.Points }},
	{"operating_rate", "运营率", func(c metrics.CountyScore) any { return deref(c.Operating.Raw) }},
	{"operating_points", "运营得分", func(c metrics.CountyScore) any { return c.Operating.Points }},
	{"certification_rate", "持证率", func(c metrics.CountyScore) any { return deref(c.Certification.Raw) }},
	{"certification_points", "持证得分", func(c metrics.CountyScore) any { return c.Certification.Points }},
	{"system_use_mean", "系统使用月均", func(c metrics.CountyScore) any { return deref(c.SystemUse.Raw) }},
	{"system_use_points", "系统使用得分", func(c metrics.CountyScore) any { return c.SystemUse.Points }},
	{"services_per_station_mean", "站均月服务", func(c metrics.CountyScore) any { return deref(c.ServiceVolume.Raw) }},
	{"service_volume_points", "服务量得分", func(c metrics.CountyScore) any { return c.ServiceVolume.Points }},
	{"stage_improving_or_above_rate", "提升及以上占比", func(c metrics.CountyScore) any { return deref(c.Stages.Raw) }},
	{"stages_points", "阶段得分", func(c metrics.CountyScore) any { return c.Stages.Points }},
	{"fund_flags", "资金问题", func(c metrics.CountyScore) any { return len(c.FundFlags) }},
	{"missing_ledger_months", "缺报台账月数", func(c metrics.CountyScore) any { return len(c.MissingLedgerMonths) }},
	{"deduction", "扣分", func(c metrics.CountyScore) any { return c.Deduction }},
	{"total", "总分", func(c metrics.CountyScore) any { return c.Total }},
	{"rank", "排名", func(c metrics.CountyScore) any { return c.Rank }},
}

// reportAssessment prints one row per county: the figures of the
// assessment workbook's summary.
func reportAssessment(e *env, args []string) int {
	fs := e.flags("report assessment")
	ro := reportFlags(fs)
	year := yearOption(fs)
	asOf := asOfOption(fs)
	if done, code := parse(fs, args, e.stdout); done {
		return code
	}
	st, err := openReport(e, ro)
	if err != nil {
		return e.fail(err)
	}
	defer st.Close()
	a, err := assess(e, st, *year, *asOf)
	if err != nil {
		return e.fail(err)
	}
	switch *ro.format {
	case "json":
		if err := printJSON(e.stdout, a); err != nil {
			return e.fail(err)
		}
		return ExitOK
	case "table":
		fmt.Fprintf(e.stdout, "%s（%s）\n", assessment.Title(a), strings.ReplaceAll(assessment.AsOfText(a), "；", "。"))
	}
	if err := printRows(e.stdout, *ro.format, assessmentColumns, a.Counties, nil); err != nil {
		return e.fail(err)
	}
	if *ro.format == "table" {
		fmt.Fprintf(e.stdout, "\n得分保留两位小数显示，排名按全精度总分；各项依据：sgz assess --year %d --out 文件.xlsx\n", a.Year)
		for _, c := range a.Counties {
			if c.Deduction > 0 {
				fmt.Fprintf(e.stdout, "  %s 扣 %s 分：%s\n", c.County, strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", c.Deduction), "0"), "."), deductionText(c))
			}
		}
	}
	return ExitOK
}

// deductionText says what a county's deductions are for.
func deductionText(c metrics.CountyScore) string {
	var parts []string
	for _, f := range c.FundFlags {
		parts = append(parts, "资金"+f.Kind)
	}
	for _, m := range c.MissingLedgerMonths {
		t, _ := time.Parse("2006-01", m)
		parts = append(parts, t.Format("2006年1月")+"无台账")
	}
	return printable(strings.Join(parts, "、"))
}
