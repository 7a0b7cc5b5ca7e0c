-- 检查：每个系统站点只计一次
-- 说明：系统站点信息按站点编号各只有一条生效（多份导出中的同一站点以较新的导出为准）。
-- stg_scope_stations (every station of the scope) has one row per station_id.
SELECT station_id, count(*) AS n FROM stg_scope_stations GROUP BY station_id HAVING count(*) > 1;
