-- stg_sys_stations has one row per station_id.
SELECT station_id, count(*) AS n FROM stg_sys_stations GROUP BY station_id HAVING count(*) > 1;
