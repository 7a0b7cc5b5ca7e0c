package data

// The headers of the city's ledger template (县级社工站建设台账), the form
// `sgz template` draws and the one the sample ledgers follow when filled as
// drawn. ingest recognises them and their synonyms (headers.csv).
var (
	TemplateStationHeader = []string{"序号", "县(市、区)", "乡镇(街道)", "站点名称", "挂牌时间", "运营模式", "承接机构", "独立场地", "场地面积（㎡）", "制度建设", "统一标识", "特色项目", "备注"}
	TemplateFundsHeader   = []string{"序号", "县(市、区)", "乡镇(街道)", "资金来源", "日期", "摘要", "用途类别", "收入金额（元）", "支出金额（元）", "备注"}
	TemplateStaffHeader   = []string{"序号", "县(市、区)", "乡镇(街道)", "姓名", "性别", "身份证号码", "岗位", "是否专职", "职业资格", "取证时间", "入站时间", "离站时间", "联系电话"}
)
