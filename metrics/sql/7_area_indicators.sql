-- area_indicators(as_of): the figures of every area of the policy's scope
-- (ref_areas: the country at the national scope, provinces, cities,
-- counties) from the system exports alone, for the province and the
-- ministry, which receive no county ledgers (docs/decisions.md, "Province
-- and national scope"). The city's own counties keep county_indicators,
-- from their ledgers; these are the system's view of the same areas:
--   stations_established  in-scope townships with an open system station
--                         whose 建站日期 (else the day its base information
--                         was entered) is on or before as_of;
--   stations_operating    those with a service record that ended in the
--                         operating window and was entered by as_of (the
--                         system knows no workers);
--   services_month, person_times_month and the three timeliness rates as
--   county_indicators defines them, over the system's stations; the
--   system use score by use_score.
-- One row per area, the top first, then by level and code.
CREATE OR REPLACE MACRO area_indicators(as_of) AS TABLE
WITH sys AS (
    -- a township's open stations speak for it; its closed ones only when
    -- it has no open one (as stations_asof)
    SELECT township_code,
           coalesce(min(coalesce(established_date, CAST(baseinfo_entered_at AS DATE))) FILTER (WHERE NOT is_closed),
                    min(coalesce(established_date, CAST(baseinfo_entered_at AS DATE)))) AS established_date,
           coalesce(min(baseinfo_entered_at) FILTER (WHERE NOT is_closed), min(baseinfo_entered_at)) AS entered_at,
           bool_and(is_closed) AS is_closed
    FROM scope_stations_asof(as_of)
    GROUP BY township_code
),
stations AS (
    SELECT t.county_code, t.township_code, t.in_scope, s.established_date, s.entered_at
    FROM sys s
    JOIN ref_scope_townships t USING (township_code)
    WHERE NOT s.is_closed AND s.established_date <= as_of
),
recent AS (
    SELECT DISTINCT township_code
    FROM stg_scope_services
    WHERE end_date > as_of - CAST(policy_number('operating_window_days') AS INTEGER)
      AND end_date <= as_of
      AND entered_at < as_of + INTERVAL 1 DAY
),
month_services AS (
    SELECT county_code, count(*) AS services_month, sum(person_times) AS person_times_month,
           count(*) FILTER (WHERE CAST(entered_at AS DATE) <= end_date + CAST(policy_number('service_entry_grace_days') AS INTEGER)) AS services_on_time
    FROM stg_scope_services
    WHERE date_trunc('month', end_date) = date_trunc('month', as_of)
      AND entered_at < as_of + INTERVAL 1 DAY
    GROUP BY county_code
),
summary_month AS (
    SELECT summary_month, due_date FROM ref_summary_deadlines
    WHERE summary_month = (SELECT max(summary_month) FROM ref_summary_deadlines WHERE due_date <= as_of)
),
submitted AS (
    SELECT s.township_code, min(m.submitted_at) AS submitted_at
    FROM stg_sys_summaries m
    JOIN stg_scope_stations s USING (station_id)
    WHERE m.summary_month = (SELECT summary_month FROM summary_month)
      AND m.review_status IN ('已提交', '已通过')
      AND m.submitted_at < as_of + INTERVAL 1 DAY
    GROUP BY s.township_code
),
per_station AS (
    SELECT st.county_code, st.in_scope,
           st.township_code IN (SELECT township_code FROM recent) AS is_operating,
           -- base information: due the later of the cutoff and a week
           -- after the station was established, counted once due
           greatest(CAST(policy_text('baseinfo_cutoff') AS DATE),
                    st.established_date + CAST(policy_number('baseinfo_grace_days') AS INTEGER)) AS baseinfo_due,
           st.entered_at,
           -- a summary is owed for the month by a station established by its last day
           st.established_date <= last_day((SELECT summary_month FROM summary_month)) AS owes_summary,
           CAST(b.submitted_at AS DATE) <= (SELECT due_date FROM summary_month) AS summary_on_time
    FROM stations st
    LEFT JOIN submitted b USING (township_code)
),
per_county AS (
    SELECT t.county_code, left(t.county_code, 4) || '00' AS city_code, left(t.county_code, 2) || '0000' AS province_code,
           t.townships_in_scope,
           coalesce(p.stations_established, 0) AS stations_established,
           coalesce(p.stations_operating, 0) AS stations_operating,
           coalesce(p.baseinfo_counted, 0) AS baseinfo_counted, coalesce(p.baseinfo_on_time, 0) AS baseinfo_on_time,
           coalesce(p.summaries_owed, 0) AS summaries_owed, coalesce(p.summaries_on_time, 0) AS summaries_on_time,
           coalesce(v.services_month, 0) AS services_month, coalesce(v.person_times_month, 0) AS person_times_month,
           coalesce(v.services_on_time, 0) AS services_on_time
    FROM (SELECT county_code, count(*) FILTER (WHERE in_scope) AS townships_in_scope FROM ref_scope_townships GROUP BY county_code) t
    LEFT JOIN (
        SELECT county_code,
               count(*) FILTER (WHERE in_scope) AS stations_established,
               count(*) FILTER (WHERE in_scope AND is_operating) AS stations_operating,
               count(*) FILTER (WHERE baseinfo_due <= as_of) AS baseinfo_counted,
               count(*) FILTER (WHERE baseinfo_due <= as_of AND CAST(entered_at AS DATE) <= baseinfo_due) AS baseinfo_on_time,
               count(*) FILTER (WHERE owes_summary) AS summaries_owed,
               count(*) FILTER (WHERE owes_summary AND summary_on_time) AS summaries_on_time
        FROM per_station GROUP BY county_code) p USING (county_code)
    LEFT JOIN month_services v USING (county_code)
),
summed AS (
    SELECT CASE WHEN grouping(county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city'
                WHEN grouping(province_code) = 0 THEN 'province' ELSE 'country' END AS area_level,
           CASE WHEN grouping(county_code) = 0 THEN county_code WHEN grouping(city_code) = 0 THEN city_code
                WHEN grouping(province_code) = 0 THEN province_code ELSE '000000' END AS area_code,
           sum(townships_in_scope) AS townships_in_scope,
           sum(stations_established) AS stations_established, sum(stations_operating) AS stations_operating,
           sum(services_month) AS services_month, sum(person_times_month) AS person_times_month,
           sum(baseinfo_counted) AS baseinfo_counted, sum(baseinfo_on_time) AS baseinfo_on_time,
           sum(services_on_time) AS services_on_time,
           sum(summaries_owed) AS summaries_owed, sum(summaries_on_time) AS summaries_on_time
    FROM per_county
    GROUP BY GROUPING SETS ((province_code, city_code, county_code), (province_code, city_code), (province_code), ())
),
rates AS (
    SELECT a.area_code, a.area_name, a.area_level, a.parent_code,
           CAST(s.townships_in_scope AS BIGINT) AS townships_in_scope,
           CAST(s.stations_established AS BIGINT) AS stations_established,
           s.stations_established / nullif(s.townships_in_scope, 0) AS coverage_rate,
           CAST(s.stations_operating AS BIGINT) AS stations_operating,
           s.stations_operating / nullif(s.stations_established, 0) AS operating_rate,
           CAST(s.services_month AS BIGINT) AS services_month,
           CAST(s.person_times_month AS BIGINT) AS person_times_month,
           s.baseinfo_on_time / nullif(s.baseinfo_counted, 0) AS baseinfo_timely_rate,
           s.services_on_time / nullif(s.services_month, 0) AS service_timely_rate,
           s.summaries_on_time / nullif(s.summaries_owed, 0) AS summary_ontime_rate
    FROM summed s
    JOIN ref_areas a USING (area_level, area_code)
)
SELECT *, use_score(baseinfo_timely_rate, service_timely_rate, summary_ontime_rate) AS system_use_score
FROM rates
ORDER BY parent_code IS NOT NULL, list_position(['country', 'province', 'city', 'county'], area_level), area_code;
