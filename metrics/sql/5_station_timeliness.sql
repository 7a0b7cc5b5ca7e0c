-- station_timeliness(month_start, as_of): one row per township with an
-- established station at as_of: what it owed for the month and when it
-- came (sgz report timeliness). Base information: due date, entry time,
-- on time or not (NULL when not yet due); services that ended in the month
-- and were entered by as_of, and how many on time; the month's summary:
-- due date, first submission that was not returned, status, and calendar
-- days late.
CREATE OR REPLACE MACRO station_timeliness(month_start, as_of) AS TABLE
WITH stations AS (
    SELECT county_code, township_code, station_names, established_date FROM stations_asof(as_of)
),
base AS (
    SELECT township_code, due_date AS baseinfo_due, entered_at AS baseinfo_entered_at, is_on_time AS baseinfo_on_time
    FROM baseinfo_asof(as_of)
),
services AS (
    SELECT township_code, count(*) AS services, count(*) FILTER (WHERE is_on_time) AS services_on_time
    FROM services_timeliness(month_start, as_of) GROUP BY township_code
),
summaries AS (
    SELECT township_code, due_date AS summary_due, submitted_at AS summary_submitted_at, summary_status
    FROM summaries_owed(month_start, as_of)
)
SELECT s.county_code, c.county_name, s.township_code, t.township_name, s.station_names, s.established_date,
       b.baseinfo_due, b.baseinfo_entered_at, b.baseinfo_on_time,
       coalesce(v.services, 0) AS services, coalesce(v.services_on_time, 0) AS services_on_time,
       m.summary_due, m.summary_submitted_at,
       coalesce(m.summary_status, 'not_owed') AS summary_status,
       CASE WHEN m.summary_status = 'late' THEN date_diff('day', m.summary_due, CAST(m.summary_submitted_at AS DATE)) END AS summary_days_late
FROM stations s
JOIN ref_counties c USING (county_code)
JOIN ref_townships t USING (township_code)
LEFT JOIN base b USING (township_code)
LEFT JOIN services v USING (township_code)
LEFT JOIN summaries m USING (township_code)
ORDER BY s.county_code, s.township_code;
