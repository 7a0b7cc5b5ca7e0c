-- 检查：人员的入站、离站日期和职业资格合理
-- 说明：离站日期不早于入站日期；职业资格只有 无、助理社会工作师、社会工作师、高级社会工作师 四种。
-- A worker leaves after joining; accepted values of the certificate level.
SELECT file_id, row_number FROM stg_ledger_staff
WHERE (left_date IS NOT NULL AND left_date < joined_date)
   OR cert_level NOT IN ('无', '助理社会工作师', '社会工作师', '高级社会工作师');
