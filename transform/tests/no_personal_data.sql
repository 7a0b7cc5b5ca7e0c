-- 检查：数据库中没有完整的身份证号码和手机号码
-- 说明：人员台账只保存打码后的身份证号码（只留前 6 位），载入时保留的原始单元格中也没有完整的身份证号码或手机号码。
-- No table keeps a full 18-character ID number: id_masked is masked, raw
-- cells have none.
SELECT 'ledger_staff' AS t, id_masked AS v FROM ledger_staff WHERE regexp_matches(id_masked, '[0-9]{17}[0-9X]')
UNION ALL
SELECT 'raw_rows', cells FROM raw_rows WHERE regexp_matches(cells, '(^|[^0-9A-Za-z])([0-9]{17}[0-9Xx]|1[3-9][0-9]{9})([^0-9A-Za-z]|$)');
