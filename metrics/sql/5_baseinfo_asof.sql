-- baseinfo_asof(as_of): one row per township whose station owes base
-- information at as_of (owing_stations: the ledger's and the system's, in
-- scope or not) and whose base-information deadline has passed (indicators.md "System use timeliness", base information):
-- due the later of policy.baseinfo_cutoff (2023-05-31, stations that
-- already existed) and established + policy.baseinfo_grace_days (7, "建成后
-- 一周内"); on time when the system's 信息录入时间 (the earliest of the
-- township's system stations, as known at as_of) falls on or before that
-- day; late otherwise, also when never entered.
CREATE OR REPLACE MACRO baseinfo_asof(as_of) AS TABLE
WITH stations AS (
    SELECT county_code, township_code, established_date,
           greatest(CAST(policy_text('baseinfo_cutoff') AS DATE),
                    established_date + CAST(policy_number('baseinfo_grace_days') AS INTEGER)) AS due_date
    FROM owing_stations(as_of)
),
entered AS (
    -- the township's open stations; its closed ones only when it has none
    SELECT township_code,
           coalesce(min(baseinfo_entered_at) FILTER (WHERE NOT is_closed), min(baseinfo_entered_at)) AS entered_at
    FROM sys_stations_asof(as_of)
    GROUP BY township_code
)
SELECT s.county_code, s.township_code, s.established_date, s.due_date, e.entered_at,
       coalesce(CAST(e.entered_at AS DATE) <= s.due_date, false) AS is_on_time
FROM stations s
LEFT JOIN entered e USING (township_code)
WHERE s.due_date <= as_of;
