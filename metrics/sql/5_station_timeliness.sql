-- station_timeliness(month_start, as_of): one row per township with an
-- established station at as_of (in_ledger), plus one per township whose
-- system stations the county's ledger does not list but whose service
-- records count for the county (not in_ledger: they owe no base information
-- or summary by the ledger, but their services are in the county's rate, so
-- that the lines add up to the county's figures). What each owed for the
-- month and when it came (sgz report timeliness): base information due
-- date, entry time, on time or not (NULL when not yet due); services that
-- ended in the month and were entered by as_of, and how many on time; the
-- month's summary: due date, first submission that was not returned,
-- status, and calendar days late.
CREATE OR REPLACE MACRO station_timeliness(month_start, as_of) AS TABLE
WITH ledger AS (
    SELECT county_code, township_code, station_names, established_date FROM stations_asof(as_of)
),
services AS (
    SELECT county_code, township_code, count(*) AS services, count(*) FILTER (WHERE is_on_time) AS services_on_time
    FROM services_timeliness(month_start, as_of) GROUP BY county_code, township_code
),
system_only AS (
    SELECT v.county_code, v.township_code,
           (SELECT string_agg(DISTINCT s.station_name, '、' ORDER BY s.station_name) FROM stg_sys_stations s
            WHERE s.county_code = v.county_code AND s.township_code = v.township_code) AS station_names,
           (SELECT min(s.established_date) FROM stg_sys_stations s
            WHERE s.county_code = v.county_code AND s.township_code = v.township_code) AS established_date
    FROM services v ANTI JOIN ledger l USING (county_code, township_code)
),
stations AS (
    SELECT *, true AS in_ledger FROM ledger
    UNION ALL
    SELECT *, false AS in_ledger FROM system_only
),
base AS (
    SELECT township_code, due_date AS baseinfo_due, entered_at AS baseinfo_entered_at, is_on_time AS baseinfo_on_time
    FROM baseinfo_asof(as_of)
),
summaries AS (
    SELECT township_code, due_date AS summary_due, submitted_at AS summary_submitted_at, summary_status
    FROM summaries_owed(month_start, as_of)
)
SELECT s.county_code, c.county_name, s.township_code, coalesce(t.township_name, s.township_code) AS township_name,
       s.station_names, s.established_date,
       b.baseinfo_due, b.baseinfo_entered_at, b.baseinfo_on_time,
       coalesce(v.services, 0) AS services, coalesce(v.services_on_time, 0) AS services_on_time,
       m.summary_due, m.summary_submitted_at,
       coalesce(m.summary_status, 'not_owed') AS summary_status,
       CASE WHEN m.summary_status = 'late' THEN date_diff('day', m.summary_due, CAST(m.summary_submitted_at AS DATE)) END AS summary_days_late,
       s.in_ledger
FROM stations s
JOIN ref_counties c USING (county_code)
LEFT JOIN ref_townships t USING (township_code)
LEFT JOIN base b ON b.township_code = s.township_code AND s.in_ledger
LEFT JOIN services v USING (county_code, township_code)
LEFT JOIN summaries m ON m.township_code = s.township_code AND s.in_ledger
ORDER BY s.county_code, s.township_code;
