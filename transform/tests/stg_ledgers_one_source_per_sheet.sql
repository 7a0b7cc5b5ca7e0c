-- 检查：同一县同一填报日期只有一份台账生效
-- 说明：同一县（市、区）同一填报日期的站点台账和人员台账各只有一个文件生效（较新的文件按工作表替代较旧的）。
-- For a county and report date, station rows come from one file in force
-- and staff rows from one file in force (a newer file replaces the older
-- sheet by sheet).
SELECT l.county_code, l.report_date, 'stations' AS sheet, count(DISTINCT l.file_id) AS files
FROM stg_ledgers l JOIN ledger_stations s USING (file_id)
GROUP BY ALL HAVING count(DISTINCT l.file_id) > 1
UNION ALL
SELECT l.county_code, l.report_date, 'staff', count(DISTINCT l.file_id)
FROM stg_ledgers l JOIN ledger_staff s USING (file_id)
GROUP BY ALL HAVING count(DISTINCT l.file_id) > 1;
