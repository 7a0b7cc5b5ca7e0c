-- stg_ledger_stations: one row per station row of a ledger in force, with
-- the ledger's report date and the township's scope. The ledger's 挂牌时间
-- may be blank; stations_asof fills it from the system as known at its
-- as-of date.
CREATE OR REPLACE VIEW stg_ledger_stations AS
WITH source AS (
    SELECT * FROM ledger_stations
)
SELECT l.report_date, s.file_id, s.sheet_name, s.row_number, s.county_code, s.township_code,
       t.in_scope, s.station_name, s.established_date, s.established_approx,
       s.operation_mode, s.operator, s.has_site, s.site_area_m2, s.has_rules, s.has_signage,
       s.signature_project
FROM source s
JOIN stg_ledgers l USING (file_id)
JOIN ref_townships t USING (township_code);
