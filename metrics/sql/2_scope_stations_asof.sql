-- scope_stations_asof(as_of): sys_stations_asof over every system station
-- of the policy's scope (stg_scope_stations, stg_scope_services), for the
-- figures by area; the city's figures read sys_stations_asof, which groups
-- the city's records alone.
CREATE OR REPLACE MACRO scope_stations_asof(as_of) AS TABLE
WITH activity AS (
    SELECT v.station_id, max(v.end_date) AS last_day FROM stg_scope_services v GROUP BY v.station_id
    UNION ALL
    SELECT m.station_id, max(m.summary_month) FROM stg_sys_summaries m WHERE m.review_status <> '已退回' GROUP BY m.station_id
),
last_activity AS (
    SELECT station_id, max(last_day) AS last_day FROM activity GROUP BY station_id
)
SELECT s.*,
       s.station_status = '已撤销' AND coalesce(a.last_day <= as_of, true) AS is_closed
FROM stg_scope_stations s
LEFT JOIN last_activity a USING (station_id)
WHERE s.baseinfo_entered_at < as_of + INTERVAL 1 DAY;
