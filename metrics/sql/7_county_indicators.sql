-- county_indicators(as_of): one row per county in code order and a last row
-- for the city (140700 晋中市): the columns of indicators.md
-- "Machine-readable output", then stations_fully_certified and the share of
-- established stations at 提升 or above (station_stages). Ledger figures of a
-- county with no ledger by as_of are NULL (未报送), never zero; a rate
-- whose denominator is zero is NULL.
CREATE OR REPLACE MACRO county_indicators(as_of) AS TABLE
WITH scope AS (
    SELECT county_code, count(*) FILTER (WHERE in_scope) AS townships_in_scope
    FROM ref_townships
    GROUP BY county_code
),
stations AS (
    SELECT county_code,
           count(*) FILTER (WHERE in_scope) AS stations_established,
           count(*) FILTER (WHERE in_scope AND is_operating) AS stations_operating,
           count(*) FILTER (WHERE in_scope AND stage = '起步') AS stage_startup,
           count(*) FILTER (WHERE in_scope AND stage = '提升') AS stage_improving,
           count(*) FILTER (WHERE in_scope AND stage = '专业') AS stage_professional,
           -- every active resident worker certified by as_of, at least one
           count(*) FILTER (WHERE in_scope AND count_workers > 0 AND count_certified = count_workers) AS stations_fully_certified
    FROM station_stages(as_of)
    GROUP BY county_code
),
staff AS (
    SELECT county_code,
           count(*) AS resident_workers,
           count(*) FILTER (WHERE is_certified) AS certified_workers,
           count(*) FILTER (WHERE is_fulltime) AS fulltime_workers
    FROM staff_asof(as_of)
    GROUP BY county_code
),
services AS (
    -- services that ended in the calendar month of as_of, entered by as_of
    SELECT county_code, count(*) AS services_month, sum(person_times) AS person_times_month
    FROM stg_sys_services
    WHERE date_trunc('month', end_date) = date_trunc('month', as_of)
      AND entered_at < as_of + INTERVAL 1 DAY
    GROUP BY county_code
),
counties AS (
    SELECT c.county_code, c.county_name AS county, l.report_date AS ledger_date,
           s.townships_in_scope,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stations_established, 0) END AS stations_established,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stations_operating, 0) END AS stations_operating,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(sf.resident_workers, 0) END AS resident_workers,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(sf.certified_workers, 0) END AS certified_workers,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(sf.fulltime_workers, 0) END AS fulltime_workers,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stage_startup, 0) END AS stage_startup,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stage_improving, 0) END AS stage_improving,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stage_professional, 0) END AS stage_professional,
           CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stations_fully_certified, 0) END AS stations_fully_certified,
           coalesce(sv.services_month, 0) AS services_month,
           coalesce(sv.person_times_month, 0) AS person_times_month
    FROM ref_counties c
    JOIN scope s USING (county_code)
    -- the ledger date is the latest report date of the county's sheets in force
    LEFT JOIN (SELECT county_code, max(report_date) AS report_date FROM current_ledger(as_of) GROUP BY county_code) l USING (county_code)
    LEFT JOIN stations st USING (county_code)
    LEFT JOIN staff sf USING (county_code)
    LEFT JOIN services sv USING (county_code)
),
city AS (
    -- the city's ledger date is the oldest current ledger, once every county
    -- has reported; townships of unreported counties count as not covered.
    SELECT '140700' AS county_code, '晋中市' AS county,
           CASE WHEN count(ledger_date) = count(*) THEN min(ledger_date) END AS ledger_date,
           sum(townships_in_scope) AS townships_in_scope,
           coalesce(sum(stations_established), 0) AS stations_established,
           sum(stations_operating) AS stations_operating,
           sum(resident_workers) AS resident_workers,
           sum(certified_workers) AS certified_workers,
           sum(fulltime_workers) AS fulltime_workers,
           -- like stations_established: 0, not NULL, before any county reported
           coalesce(sum(stage_startup), 0) AS stage_startup,
           coalesce(sum(stage_improving), 0) AS stage_improving,
           coalesce(sum(stage_professional), 0) AS stage_professional,
           coalesce(sum(stations_fully_certified), 0) AS stations_fully_certified,
           sum(services_month) AS services_month,
           sum(person_times_month) AS person_times_month
    FROM counties
),
combined AS (
    SELECT *, 0 AS sort_key FROM counties
    UNION ALL
    SELECT *, 1 AS sort_key FROM city
),
timeliness AS (
    -- services of the month of as_of; summaries of the latest month whose
    -- deadline has passed by as_of (as of 2023-12-31: 2023-11)
    SELECT * FROM county_timeliness(
        date_trunc('month', as_of),
        (SELECT max(summary_month) FROM ref_summary_deadlines WHERE due_date <= as_of),
        as_of)
)
SELECT c.county_code, c.county, c.ledger_date, c.townships_in_scope,
       c.stations_established,
       c.stations_established / nullif(c.townships_in_scope, 0) AS coverage_rate,
       c.stations_operating,
       c.stations_operating / nullif(c.stations_established, 0) AS operating_rate,
       c.resident_workers, c.certified_workers,
       c.certified_workers / nullif(c.resident_workers, 0) AS certification_rate,
       c.fulltime_workers / nullif(c.resident_workers, 0) AS fulltime_rate,
       c.services_month, c.person_times_month,
       t.baseinfo_timely_rate, t.service_timely_rate, t.summary_ontime_rate, t.system_use_score,
       c.stage_startup, c.stage_improving, c.stage_professional,
       c.stations_fully_certified,
       (c.stage_improving + c.stage_professional) / nullif(c.stations_established, 0) AS stage_improving_or_above_rate
FROM combined c
LEFT JOIN timeliness t USING (county_code)
ORDER BY c.sort_key, c.county_code;
