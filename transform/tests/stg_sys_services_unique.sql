-- stg_sys_services has one row per service_id.
SELECT service_id, count(*) AS n FROM stg_sys_services GROUP BY service_id HAVING count(*) > 1;
