-- stg_sys_services: one row per service record id, the later export
-- winning, with the county and township of its station.
CREATE OR REPLACE VIEW stg_sys_services AS
WITH source AS (
    SELECT * FROM sys_services
    -- only rows of a loaded file: a load killed during its commit can leave
    -- rows without one (removed on the next writing open)
    WHERE file_id IN (SELECT file_id FROM files)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY service_id ORDER BY file_id DESC, row_number DESC) AS rank_in_exports
    FROM source
)
SELECT r.service_id, r.station_id, s.county_code, s.township_code, r.service_type, r.target_kind,
       r.start_date, r.end_date, coalesce(r.person_times, 0) AS person_times, r.entered_at,
       r.file_id, r.sheet_name, r.row_number
FROM ranked r
JOIN stg_sys_stations s USING (station_id)
WHERE r.rank_in_exports = 1;
