-- township_stations(as_of): one row per in-scope township of the reference
-- list (ref_townships), with or without a station (sgz report stations, the
-- county pages): its county's ledger status, its station(s) and stage
-- (station_stages), and whether it is operating.
--
-- station_status: 未报送 (the county has no ledger by as_of), 未建站 (no
-- established station), 运营中 (operating: an active worker and a service
-- in the operating window), 挂牌未运营 (established at least a window ago
-- and not operating), 新建未满N天 (established less than a window ago and
-- not operating yet).
-- not_operating_since: for 挂牌未运营, the first day of the run of days up
-- to as_of on which it was not operating, and not before established +
-- window: the day after the last day L <= as_of on which it had both an
-- active worker (joined <= L < left) and a service ending in the window
-- before L (a service ending on E keeps it operating from E to E + window
-- - 1), by the ledger and the records known at as_of.
CREATE OR REPLACE MACRO township_stations(as_of) AS TABLE
WITH reported AS (
    SELECT DISTINCT county_code FROM current_ledger(as_of) WHERE sheet_kind = 'stations'
),
window_days AS (
    SELECT CAST(policy_number('operating_window_days') AS INTEGER) AS days
),
service_days AS (
    -- the days each known service keeps its station operating
    SELECT v.township_code, v.end_date AS from_day, v.end_date + (w.days - 1) AS to_day
    FROM stg_sys_services v, window_days w
    WHERE v.end_date <= as_of AND v.entered_at < as_of + INTERVAL 1 DAY
),
worker_days AS (
    -- the days each worker of the current ledger was at the station
    SELECT s.township_code, s.joined_date AS from_day, coalesce(s.left_date - 1, as_of) AS to_day
    FROM stg_ledger_staff s
    JOIN current_ledger(as_of) c ON c.file_id = s.file_id AND c.sheet_kind = 'staff'
    WHERE s.joined_date <= as_of
),
last_operating AS (
    SELECT v.township_code, max(least(v.to_day, k.to_day, as_of)) AS last_day
    FROM service_days v
    JOIN worker_days k USING (township_code)
    WHERE greatest(v.from_day, k.from_day) <= least(v.to_day, k.to_day, as_of)
    GROUP BY v.township_code
)
SELECT t.county_code, c.county_name AS county, t.township_code, t.township_name,
       r.county_code IS NOT NULL AS is_reported,
       s.station_names, s.established_date,
       CASE WHEN r.county_code IS NULL THEN '未报送'
            WHEN s.township_code IS NULL THEN '未建站'
            WHEN s.is_operating THEN '运营中'
            WHEN s.is_signboard_only THEN '挂牌未运营'
            ELSE printf('新建未满%d天', w.days) END AS station_status,
       CASE WHEN s.is_signboard_only THEN greatest(s.established_date + w.days, l.last_day + 1) END AS not_operating_since,
       s.count_workers, s.count_certified, s.count_fulltime,
       s.services_30d AS services_operating_window, s.services_startup_window,
       s.services_window, s.window_start, s.window_end,
       s.has_site, s.has_rules, s.has_signage, s.signature_project,
       s.stage, s.missing_criteria
FROM ref_townships t
JOIN ref_counties c USING (county_code)
CROSS JOIN window_days w
LEFT JOIN reported r USING (county_code)
LEFT JOIN station_stages(as_of) s ON s.township_code = t.township_code AND r.county_code IS NOT NULL
LEFT JOIN last_operating l ON l.township_code = t.township_code
WHERE t.in_scope
ORDER BY t.county_code, t.township_code;
