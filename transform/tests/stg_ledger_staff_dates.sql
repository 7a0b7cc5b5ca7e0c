-- A worker leaves after joining; accepted values of the certificate level.
SELECT file_id, row_number FROM stg_ledger_staff
WHERE (left_date IS NOT NULL AND left_date < joined_date)
   OR cert_level NOT IN ('无', '助理社会工作师', '社会工作师', '高级社会工作师');
