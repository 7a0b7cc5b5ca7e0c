-- stg_ledger_stations: one row per station row of a ledger in force, with
-- the ledger's report date, the township's scope, and the established date
-- (挂牌时间, else the system's 建站日期 for a station of that township;
-- indicators.md "Coverage").
CREATE OR REPLACE VIEW stg_ledger_stations AS
WITH source AS (
    SELECT * FROM ledger_stations
),
system_dates AS (
    SELECT township_code, min(established_date) AS sys_established_date,
           bool_or(station_status = '已撤销') AND NOT bool_or(station_status IS DISTINCT FROM '已撤销') AS is_closed
    FROM stg_sys_stations
    GROUP BY township_code
)
SELECT l.report_date, s.file_id, s.sheet_name, s.row_number, s.county_code, s.township_code,
       t.in_scope, s.station_name,
       coalesce(s.established_date, d.sys_established_date) AS established_date,
       s.established_approx, coalesce(d.is_closed, false) AS is_closed,
       s.operation_mode, s.operator, s.has_site, s.site_area_m2, s.has_rules, s.has_signage,
       s.signature_project
FROM source s
JOIN stg_ledgers l USING (file_id)
JOIN ref_townships t USING (township_code)
LEFT JOIN system_dates d USING (township_code);
