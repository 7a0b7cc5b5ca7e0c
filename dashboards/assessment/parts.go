package assessment

import (
	"fmt"
	"strings"
	"time"

	"sgz/metrics"
)

// partTables are the sheets behind the summary, one per part, then the
// deductions and the rules.
func partTables(a *metrics.Assessment, ev Evidence) []table {
	d := a.AsOf.Format("2006年1月2日")
	yesNo := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	var coverage, operating, stages [][]any
	for _, t := range ev.Townships {
		counted := "—"
		if t.Reported {
			counted = yesNo(t.HasStation())
		}
		coverage = append(coverage, []any{t.County, t.TownshipCode, t.Township, t.Stations, t.Established, t.Status, counted})
		if !t.HasStation() {
			continue
		}
		operating = append(operating, []any{t.County, t.Township, t.Stations, t.Established, t.Status, t.Workers,
			t.ServicesOperatingWindow, yesNo(t.Status == "运营中")})
		stages = append(stages, []any{t.County, t.Township, t.Stations, t.Stage, yesNo(t.Stage == "提升" || t.Stage == "专业"), t.Missing})
	}
	var workers [][]any
	for _, w := range ev.Workers {
		workers = append(workers, []any{w.County, w.Township, w.File, w.Sheet, w.Row, w.Role, w.CertLevel, w.CertDate, yesNo(w.Certified)})
	}
	county := map[string]string{}
	for _, c := range a.Counties {
		county[c.CountyCode] = c.County
	}
	var use [][]any
	for _, c := range a.Counties {
		for _, m := range a.Use {
			for _, x := range m.Counties {
				if x.CountyCode != c.CountyCode {
					continue
				}
				counted := "是"
				if x.SystemUseScore == nil {
					counted = "否（当月无应报事项）"
				}
				use = append(use, []any{c.County, m.Month, m.AsOf, x.BaseinfoTimelyRate, x.ServiceTimelyRate, x.SummaryOntimeRate, x.SystemUseScore, counted})
			}
		}
	}
	var volume [][]any
	for _, c := range a.Counties {
		for _, v := range c.Volume {
			counted := "是"
			switch {
			case v.Operating == nil:
				counted = "否（月末未报送台账）"
			case v.Ratio == nil:
				counted = "否（月末无运营站点）"
			}
			volume = append(volume, []any{c.County, v.Month, v.Services, v.Operating, v.Ratio, counted})
		}
	}
	var deductions [][]any
	for _, c := range a.Counties {
		for _, f := range c.FundFlags {
			var rows []string
			for _, r := range f.Rows {
				rows = append(rows, fmt.Sprint(r.Row))
			}
			deductions = append(deductions, []any{c.County, "资金问题：" + f.Kind, f.Reason, f.Rows[0].File, f.Rows[0].Sheet,
				"第 " + strings.Join(rows, "、") + " 行", a.Rules.PerFundFlag})
		}
		for _, m := range c.MissingLedgerMonths {
			t, _ := time.Parse("2006-01", m)
			deductions = append(deductions, []any{c.County, "缺报台账", fmt.Sprintf("%s无填报日期在该月的台账", t.Format("2006年1月")), nil, nil, nil,
				a.Rules.PerMissingLedgerMonth})
		}
		if over := c.FundDeduction + c.LedgerDeduction - c.Deduction; over > 0 {
			deductions = append(deductions, []any{c.County, "扣分上限", fmt.Sprintf("合计应扣 %s 分，按上限扣 %s 分", num(c.FundDeduction+c.LedgerDeduction), num(c.Deduction)),
				nil, nil, nil, -over})
		}
	}
	r := a.Rules
	var months []string
	for _, m := range a.UseMonths {
		months = append(months, fmt.Sprintf("%s（%s）", m.Month, m.Deadline.Format("1月2日")))
	}
	if len(months) == 0 {
		months = []string{"无（截至计算日尚无月度总结截止日已过的月份，系统使用得 0 分）"}
	}
	rules := [][]any{
		{"考核年度", fmt.Sprint(a.Year)},
		{"数据截至", d},
		{"性质", map[bool]string{true: "预评估（年度未结束）", false: "年度考核"}[a.Forecast]},
		{"覆盖率（" + num(r.Coverage) + " 分）", "分值 × 截至计算日已建站乡镇（街道）÷ 纳入范围的乡镇（街道），按各县现行台账"},
		{"运营率（" + num(r.Operating) + " 分）", "分值 × 运营站点 ÷ 已建站点（运营：有在岗驻站社工且近 30 天有服务记录）"},
		{"持证率（" + num(r.Certification) + " 分）", "分值 × 持证驻站社工 ÷ 在岗驻站社工（取证时间在计算日之后的不计）"},
		{"系统使用（" + num(r.SystemUse) + " 分）", "分值 × 各月系统使用得分的平均 ÷ 100；各月得分即当月通报的得分，按该月月度总结截止日计算；计入月份：" + strings.Join(months, "、") + "；当月无应报事项的县该月不计"},
		{"服务量（" + num(r.ServiceVolume) + " 分）", "分值 × min(1, 各月站均服务量的平均 ÷ " + num(r.ServiceVolumeTarget) + ")；站均服务量 = 当月结束的服务记录（计算日前录入）÷ 月末运营站点；月末无运营站点或未报送台账的月份不计"},
		{"阶段（" + num(r.Stages) + " 分）", "分值 × 提升及专业阶段站点 ÷ 已建站点"},
		{"扣分", fmt.Sprintf("每个资金问题（超范围使用每笔一个，超支每县每年一个）扣 %s 分；自 %s 起（以后各年自 1 月起）至计算日前一个月（计算日为月末时含当月），每个无填报日期在该月的台账的月份扣 %s 分；合计最多扣 %s 分", num(r.PerFundFlag), ledgerFrom(r), num(r.PerMissingLedgerMonth), num(r.DeductionCap))},
		{"总分", "各项得分之和减扣分，不低于 0；排名按全精度总分，同分同名次"},
		{"口径", "详见 docs/indicators.md“年度目标考核”；分值、扣分和上限均取自政策参数文件（data/policy.csv 或 --policy）"},
	}
	title := func(s string) string { return fmt.Sprintf("%s：%s（截至%s）", Title(a), s, d) }
	return []table{
		{name: "覆盖率", title: title("覆盖率"), note: "每个纳入范围的乡镇（街道）一行；“计入已建站”为“是”的行数 ÷ 行数 = 覆盖率（未报送台账的县为“—”，覆盖率无法计算，得 0 分）。",
			header: []string{"县（市、区）", "乡镇代码", "乡镇（街道）", "站点", "挂牌时间", "状态", "计入已建站"},
			kinds:  []kind{text, text, text, text, day, text, text}, rows: coverage},
		{name: "运营率", title: title("运营率"), note: "每个已建站的乡镇（街道）一行；“计为运营”为“是”的行数 ÷ 行数 = 运营率。",
			header: []string{"县（市、区）", "乡镇（街道）", "站点", "挂牌时间", "运营状态", "驻站社工", "近30天服务", "计为运营"},
			kinds:  []kind{text, text, text, day, text, count, count, text}, rows: operating},
		{name: "持证率", title: title("持证率"), note: "每位在岗驻站社工一行（同一人只计一次），列出所在台账行以便核对，不含姓名和身份证号码；“计为持证”为“是”的行数 ÷ 行数 = 持证率。",
			header: []string{"县（市、区）", "乡镇（街道）", "台账文件", "工作表", "行", "岗位", "职业资格", "取证时间", "计为持证"},
			kinds:  []kind{text, text, text, text, count, text, text, day, text}, rows: workers},
		{name: "系统使用", title: title("系统使用"), note: "每县每个计入月份一行，即当月通报的得分；“计入月均”为“是”的得分的平均 = 系统使用月均得分。",
			header: []string{"县（市、区）", "月份", "计算日（总结截止日）", "基础信息及时率", "服务记录及时率", "月度总结按时率", "系统使用得分", "计入月均"},
			kinds:  []kind{text, text, day, pct, pct, pct, decimal, text}, rows: use},
		{name: "服务量", title: title("服务量"), note: "每县每月一行；“计入月均”为“是”的站均服务的平均 = 站均月服务量。",
			header: []string{"县（市、区）", "月份", "服务记录（条）", "月末运营站点", "站均服务", "计入月均"},
			kinds:  []kind{text, text, count, count, decimal, text}, rows: volume},
		{name: "阶段", title: title("阶段"), note: "每个已建站的乡镇（街道）一行；“计为提升及以上”为“是”的行数 ÷ 行数 = 提升及以上占比。",
			header: []string{"县（市、区）", "乡镇（街道）", "站点", "阶段", "计为提升及以上", "距下一阶段尚缺"},
			kinds:  []kind{text, text, text, text, text, text}, rows: stages},
		{name: "扣分", title: title("扣分"), note: "每项扣分一行，资金问题列出台账文件、工作表和行；各县“扣分”列之和即汇总表的扣分。",
			header: []string{"县（市、区）", "类别", "说明", "文件", "工作表", "行", "扣分"},
			kinds:  []kind{text, text, text, text, text, text, decimal}, rows: deductions},
		{name: "说明", title: title("说明"), note: "评分规则和参数。", header: []string{"项目", "内容"}, kinds: []kind{text, text}, rows: rules},
	}
}

// ledgerFrom is the month from which a county owes a ledger every month.
func ledgerFrom(r metrics.Rules) string { return r.LedgerMonthlyFrom.Format("2006年1月") }
