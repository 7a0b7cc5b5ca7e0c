-- stations_asof(as_of): one row per township that has an established,
-- unclosed station in its county's current ledger at as_of (a township with
-- two stations counts once; indicators.md "Coverage", "Operating
-- stations"), in scope or not, with its workers and recent services.
CREATE OR REPLACE MACRO stations_asof(as_of) AS TABLE
WITH system_known AS (
    -- the system's stations as known at as_of: entered by the end of that day
    -- a township's open stations speak for it; its closed ones only when
    -- it has no open one
    SELECT township_code,
           coalesce(min(established_date) FILTER (WHERE NOT is_closed), min(established_date)) AS sys_established_date,
           bool_and(is_closed) AS is_closed
    FROM sys_stations_asof(as_of)
    GROUP BY township_code
),
in_ledger AS (
    -- 挂牌时间, else the system's 建站日期 (indicators.md "Coverage")
    SELECT s.* REPLACE (coalesce(s.established_date, k.sys_established_date) AS established_date),
           coalesce(k.is_closed, false) AS is_closed
    FROM stg_ledger_stations s
    JOIN current_ledger(as_of) c ON c.file_id = s.file_id AND c.sheet_kind = 'stations'
    LEFT JOIN system_known k USING (township_code)
),
townships AS (
    SELECT county_code, township_code, bool_or(in_scope) AS in_scope,
           min(established_date) AS established_date,
           string_agg(DISTINCT station_name, '、' ORDER BY station_name) AS station_names,
           -- the stage criteria of the ledger (indicators.md "Stages"): met
           -- when any station of the township meets it; blank is not met
           coalesce(bool_or(has_site), false) AS has_site,
           coalesce(bool_or(has_rules), false) AS has_rules,
           coalesce(bool_or(has_signage), false) AS has_signage,
           string_agg(DISTINCT nullif(trim(signature_project), ''), '、' ORDER BY nullif(trim(signature_project), '')) AS signature_project
    FROM in_ledger
    WHERE established_date <= as_of AND NOT is_closed
    GROUP BY county_code, township_code
),
certified AS (
    SELECT township_code,
           count(DISTINCT person_key) AS count_workers,
           count(DISTINCT person_key) FILTER (WHERE is_certified AND (certified_date IS NULL OR certified_date <= as_of)) AS count_certified,
           count(DISTINCT person_key) FILTER (WHERE is_fulltime) AS count_fulltime
    FROM stg_ledger_staff s
    JOIN current_ledger(as_of) c ON c.file_id = s.file_id AND c.sheet_kind = 'staff'
    WHERE joined_date <= as_of AND (left_date IS NULL OR left_date > as_of)
    GROUP BY township_code
),
recent_services AS (
    -- services that ended in (as_of - window, as_of] and were entered by as_of
    SELECT township_code, count(*) AS count_services_window
    FROM stg_sys_services
    WHERE end_date > as_of - CAST(policy_number('operating_window_days') AS INTEGER)
      AND end_date <= as_of
      AND entered_at < as_of + INTERVAL 1 DAY
    GROUP BY township_code
)
SELECT t.county_code, t.township_code, t.in_scope, t.established_date, t.station_names,
       t.has_site, t.has_rules, t.has_signage, t.signature_project,
       coalesce(c.count_workers, 0) AS count_workers,
       coalesce(c.count_certified, 0) AS count_certified,
       coalesce(c.count_fulltime, 0) AS count_fulltime,
       coalesce(r.count_services_window, 0) AS count_services_window,
       coalesce(c.count_workers, 0) > 0 AND coalesce(r.count_services_window, 0) > 0 AS is_operating,
       -- 挂牌未运营: established at least a window ago and not operating
       t.established_date <= as_of - CAST(policy_number('operating_window_days') AS INTEGER)
           AND NOT (coalesce(c.count_workers, 0) > 0 AND coalesce(r.count_services_window, 0) > 0) AS is_signboard_only
FROM townships t
LEFT JOIN certified c USING (township_code)
LEFT JOIN recent_services r USING (township_code);
