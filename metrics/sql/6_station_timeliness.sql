-- station_timeliness(month_start, as_of): one row per township whose
-- station owes base information and summaries at as_of (owing_stations):
-- ledger_status 'counted' for a station of the county's ledger in force,
-- 'system' for one the system's register knows and the ledger does not
-- list (a county owes no less for leaving it out, or for sending no
-- ledger); then in each county one per township that owes nothing but
-- whose system stations' service records count for the county, so that
-- the lines add up to the county's figures: 'listed' when the current
-- ledger lists it but its station is not established at as_of (挂牌 later,
-- or closed), else 'not_listed'. What each owed for the month and when it
-- came (sgz report timeliness): base information due date, entry time, on
-- time or not (NULL when not yet due); services that ended in the month
-- and were entered by as_of, and how many on time; the month's summary:
-- due date, first submission that was not returned, status, and calendar
-- days late.
CREATE OR REPLACE MACRO station_timeliness(month_start, as_of) AS TABLE
WITH system_known AS (
    SELECT county_code, township_code,
           string_agg(DISTINCT station_name, '、' ORDER BY station_name) AS station_names,
           min(established_date) AS established_date
    FROM stg_sys_stations
    -- known at as_of (a station without an entry time: known all along)
    WHERE baseinfo_entered_at IS NULL OR baseinfo_entered_at < as_of + INTERVAL 1 DAY
    GROUP BY county_code, township_code
),
owing AS (
    SELECT o.county_code, o.township_code, coalesce(l.station_names, k.station_names) AS station_names, o.established_date,
           CASE WHEN o.in_ledger THEN 'counted' ELSE 'system' END AS ledger_status
    FROM owing_stations(as_of) o
    LEFT JOIN stations_asof(as_of) l USING (county_code, township_code)
    LEFT JOIN system_known k USING (county_code, township_code)
),
services AS (
    SELECT county_code, township_code, count(*) AS services, count(*) FILTER (WHERE is_on_time) AS services_on_time
    FROM services_timeliness(month_start, as_of) GROUP BY county_code, township_code
),
listed AS (
    -- every township of the current ledgers' station sheets, established or not
    SELECT DISTINCT s.county_code, s.township_code
    FROM stg_ledger_stations s
    JOIN current_ledger(as_of) c ON c.file_id = s.file_id AND c.sheet_kind = 'stations'
),
system_only AS (
    SELECT v.county_code, v.township_code, k.station_names, k.established_date,
           CASE WHEN l.township_code IS NULL THEN 'not_listed' ELSE 'listed' END AS ledger_status
    FROM services v
    ANTI JOIN owing USING (county_code, township_code)
    LEFT JOIN system_known k USING (county_code, township_code)
    LEFT JOIN listed l USING (county_code, township_code)
),
stations AS (
    SELECT * FROM owing
    UNION ALL
    SELECT * FROM system_only
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
       s.ledger_status
FROM stations s
JOIN ref_counties c USING (county_code)
LEFT JOIN ref_townships t USING (township_code)
LEFT JOIN base b ON b.township_code = s.township_code AND s.ledger_status IN ('counted', 'system')
LEFT JOIN services v USING (county_code, township_code)
LEFT JOIN summaries m ON m.township_code = s.township_code AND s.ledger_status IN ('counted', 'system')
ORDER BY s.county_code, s.ledger_status NOT IN ('counted', 'system'), s.township_code;
