-- 检查：指标取值在合理范围内
-- 说明：各项比率在 0 到 100% 之间，系统使用得分在 0 到 100 分之间；各项计数不为负数，部分不超过整体。
-- Every rate of report indicators lies in [0, 1] and the system-use score in [0, 100]; counts are not negative and parts do not exceed their whole.
SELECT county_code, county, coverage_rate, operating_rate, certification_rate, fulltime_rate,
       baseinfo_timely_rate, service_timely_rate, summary_ontime_rate, system_use_score, stage_improving_or_above_rate
FROM county_indicators(CAST($1 AS DATE))
WHERE NOT (coalesce(coverage_rate, 0) BETWEEN 0 AND 1 AND coalesce(operating_rate, 0) BETWEEN 0 AND 1
       AND coalesce(certification_rate, 0) BETWEEN 0 AND 1 AND coalesce(fulltime_rate, 0) BETWEEN 0 AND 1
       AND coalesce(baseinfo_timely_rate, 0) BETWEEN 0 AND 1 AND coalesce(service_timely_rate, 0) BETWEEN 0 AND 1
       AND coalesce(summary_ontime_rate, 0) BETWEEN 0 AND 1 AND coalesce(system_use_score, 0) BETWEEN 0 AND 100
       AND coalesce(stage_improving_or_above_rate, 0) BETWEEN 0 AND 1)
   OR coalesce(stations_established, 0) > townships_in_scope
   OR coalesce(stations_operating, 0) > coalesce(stations_established, 0)
   OR coalesce(certified_workers, 0) > coalesce(resident_workers, 0)
   OR coalesce(stations_fully_certified, 0) > coalesce(stations_established, 0)
   OR services_month < 0 OR person_times_month < 0;
