-- 检查：服务记录的日期和人次合理
-- 说明：每条服务记录的结束日期不早于开始日期，服务人次不为负数（政策参数所定范围内的全部服务记录）。
-- A service ends on or after its start; person-times are not negative
-- (every service of the scope: stg_scope_services).
SELECT service_id FROM stg_scope_services WHERE end_date < start_date OR person_times < 0;
