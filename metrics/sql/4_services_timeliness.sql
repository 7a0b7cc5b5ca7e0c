-- services_timeliness(month_start, as_of): one row per service record that
-- ended in the month of month_start and was entered by the end of as_of,
-- with whether it was entered on time: the date of 录入时间 no later than
-- the end date + policy.service_entry_grace_days (1, "服务结束次日完成录入").
CREATE OR REPLACE MACRO services_timeliness(month_start, as_of) AS TABLE
SELECT county_code, township_code, station_id, service_id, end_date, entered_at,
       CAST(entered_at AS DATE) <= end_date + CAST(policy_number('service_entry_grace_days') AS INTEGER) AS is_on_time
FROM stg_sys_services
WHERE date_trunc('month', end_date) = date_trunc('month', CAST(month_start AS DATE))
  AND entered_at < as_of + INTERVAL 1 DAY;
