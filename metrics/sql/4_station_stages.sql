-- station_stages(as_of): one row per township with an established, unclosed
-- station at as_of (stations_asof, in scope or not): the figures each stage
-- criterion looks at, and the stage 起步 / 提升 / 专业 (indicators.md
-- "Stages"; docs/indicators.md). Every threshold is a policy value.
--
--   起步 startup: every established station. Startup is complete with a
--        site, rules and signage (独立场地, 制度建设, 统一标识 = yes in the
--        current ledger), an active resident worker and a service in the
--        last policy.startup_service_window_days (90) days.
--   提升 improving: startup complete and, over the last
--        policy.improving_months (3) full months, on average at least
--        policy.improving_services_per_month (10) services a month, at least
--        policy.improving_service_types (3) service types and at least
--        policy.improving_resource_links (1) 资源链接 service.
--   专业 professional: 提升, every active worker certified, a 特色项目 and
--        at least policy.professional_core_share (40%) of the window's
--        services 个案服务, 小组活动 or 社区活动.
--
-- "The last full months" are the calendar months that had ended by the end
-- of as_of (at 2023-12-31: October to December; at 2023-12-30: September to
-- November). Services count by their end date (the start date when it was
-- blank) and only when entered by the end of as_of. missing_criteria lists
-- in plain Chinese what the station still lacks for the next stage (for 起步
-- the startup and the 提升 criteria, for 提升 the 专业 ones), separated by
-- '；'; it is empty at 专业.
CREATE OR REPLACE MACRO station_stages(as_of) AS TABLE
WITH params AS (
    SELECT CAST(policy_number('startup_service_window_days') AS INTEGER) AS startup_days,
           CAST(policy_number('improving_months') AS INTEGER) AS months,
           policy_number('improving_services_per_month') AS per_month,
           CAST(policy_number('improving_service_types') AS INTEGER) AS min_types,
           CAST(policy_number('improving_resource_links') AS INTEGER) AS min_links,
           policy_number('professional_core_share') AS core_share,
           -- the last day of the last month that had ended by the end of as_of
           CASE WHEN as_of = last_day(as_of) THEN as_of
                ELSE CAST(date_trunc('month', as_of) AS DATE) - 1 END AS window_end
),
windows AS (
    SELECT *, CAST(date_trunc('month', window_end) - to_months(months - 1) AS DATE) AS window_start
    FROM params
),
services AS (
    SELECT v.township_code,
           count(*) FILTER (WHERE v.end_date > as_of - w.startup_days) AS services_startup_window,
           count(*) FILTER (WHERE v.end_date > as_of - CAST(policy_number('operating_window_days') AS INTEGER)) AS services_30d,
           count(*) FILTER (WHERE v.end_date BETWEEN w.window_start AND w.window_end) AS services_window,
           count(DISTINCT v.service_type) FILTER (WHERE v.end_date BETWEEN w.window_start AND w.window_end) AS service_types_window,
           count(*) FILTER (WHERE v.end_date BETWEEN w.window_start AND w.window_end AND v.service_type = '资源链接') AS resource_links_window,
           count(*) FILTER (WHERE v.end_date BETWEEN w.window_start AND w.window_end
                            AND v.service_type IN ('个案服务', '小组活动', '社区活动')) AS core_services_window,
           max(v.end_date) AS last_service_date
    FROM stg_sys_services v, windows w
    WHERE v.end_date <= as_of AND v.entered_at < as_of + INTERVAL 1 DAY
    GROUP BY v.township_code
),
figures AS (
    SELECT s.*, w.*,
           coalesce(v.services_startup_window, 0) AS services_startup_window,
           coalesce(v.services_30d, 0) AS services_30d,
           coalesce(v.services_window, 0) AS services_window,
           coalesce(v.service_types_window, 0) AS service_types_window,
           coalesce(v.resource_links_window, 0) AS resource_links_window,
           coalesce(v.core_services_window, 0) AS core_services_window,
           v.last_service_date
    FROM stations_asof(as_of) s
    CROSS JOIN windows w
    LEFT JOIN services v USING (township_code)
),
criteria AS (
    SELECT *,
           services_window / months AS services_per_month,
           core_services_window / nullif(services_window, 0) AS core_share_window,
           has_site AND has_rules AND has_signage AND count_workers > 0 AND services_startup_window > 0 AS startup_done,
           services_window >= per_month * months AND service_types_window >= min_types
               AND resource_links_window >= min_links AS improving_met,
           count_workers > 0 AND count_certified = count_workers AND signature_project IS NOT NULL
               AND coalesce(core_services_window / nullif(services_window, 0) >= core_share, false) AS professional_met
    FROM figures
),
staged AS (
    SELECT *,
           CASE WHEN startup_done AND improving_met AND professional_met THEN '专业'
                WHEN startup_done AND improving_met THEN '提升'
                ELSE '起步' END AS stage
    FROM criteria
),
missing AS (
    SELECT *,
           CASE WHEN stage = '起步' THEN [
               CASE WHEN NOT has_site THEN '无独立场地' END,
               CASE WHEN NOT has_rules THEN '未建立制度' END,
               CASE WHEN NOT has_signage THEN '未统一标识' END,
               CASE WHEN count_workers = 0 THEN '无在岗驻站社工' END,
               CASE WHEN services_startup_window = 0 THEN printf('近%d天无服务记录', startup_days) END,
               -- no service at all in the window: one line, not three
               CASE WHEN services_window = 0 THEN printf('近%d个月无服务记录', months) END,
               CASE WHEN services_window > 0 AND services_window < per_month * months
                    THEN printf('近%d个月月均服务%s次，需达到%s次', months, number_text(services_window / months, per_month), number_text(per_month, NULL)) END,
               CASE WHEN services_window > 0 AND service_types_window < min_types
                    THEN printf('近%d个月服务类型%d种，需达到%d种', months, service_types_window, min_types) END,
               CASE WHEN services_window > 0 AND resource_links_window < min_links
                    THEN printf('近%d个月资源链接服务%d次，需达到%d次', months, resource_links_window, min_links) END]
           WHEN stage = '提升' THEN [
               CASE WHEN count_certified < count_workers
                    THEN printf('驻站社工%d人中%d人未持证', count_workers, count_workers - count_certified) END,
               CASE WHEN signature_project IS NULL THEN '无特色项目' END,
               CASE WHEN NOT coalesce(core_services_window / nullif(services_window, 0) >= core_share, false)
                    THEN printf('近%d个月个案、小组、社区活动占%s，需达到%s', months,
                                percent_text(coalesce(core_services_window / nullif(services_window, 0), 0), core_share), percent_text(core_share, NULL)) END]
           ELSE [] END AS missing_list
    FROM staged
)
SELECT county_code, township_code, in_scope, established_date, station_names,
       has_site, has_rules, has_signage, signature_project,
       count_workers, count_certified, count_fulltime,
       services_30d, services_startup_window, window_start, window_end,
       services_window, services_per_month, service_types_window, resource_links_window,
       core_services_window, core_share_window, last_service_date,
       is_operating, is_signboard_only,
       startup_done, improving_met, professional_met, stage,
       array_to_string(list_filter(missing_list, x -> x IS NOT NULL), '；') AS missing_criteria
FROM missing;
