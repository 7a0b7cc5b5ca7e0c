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
