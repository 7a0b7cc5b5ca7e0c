-- stg_scope_stations (every station of the scope) has one row per station_id.
SELECT station_id, count(*) AS n FROM stg_scope_stations GROUP BY station_id HAVING count(*) > 1;
