-- sys_stations_asof(as_of): one row per system station whose base
-- information was entered by the end of as_of, with is_closed: the station
-- is 已撤销 in the latest export that has it and shows no activity after
-- as_of. The export carries no closure date (docs/decisions.md, "Closed
-- stations"); a station with a service record ending, or a summary (not
-- returned) for a month beginning, after as_of was still working then, so
-- a station closed (or moved) later does not take its township out of the
-- figures of earlier dates.
CREATE OR REPLACE MACRO sys_stations_asof(as_of) AS TABLE
WITH activity AS (
    SELECT v.station_id, max(v.end_date) AS last_day FROM stg_sys_services v GROUP BY v.station_id
    UNION ALL
    SELECT m.station_id, max(m.summary_month) FROM stg_sys_summaries m WHERE m.review_status <> '已退回' GROUP BY m.station_id
),
last_activity AS (
    SELECT station_id, max(last_day) AS last_day FROM activity GROUP BY station_id
)
SELECT s.*,
       s.station_status = '已撤销' AND coalesce(a.last_day <= as_of, true) AS is_closed
FROM stg_sys_stations s
LEFT JOIN last_activity a USING (station_id)
WHERE s.baseinfo_entered_at < as_of + INTERVAL 1 DAY;
