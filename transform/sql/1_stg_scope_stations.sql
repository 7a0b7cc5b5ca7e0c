-- stg_scope_stations: one row per system station id of the policy's
-- scope. A station that appears in several exports is one station; the
-- later file wins (inputs.md).
CREATE OR REPLACE VIEW stg_scope_stations AS
WITH source AS (
    SELECT * FROM sys_stations
    -- only rows of a loaded file: a load killed during its commit can leave
    -- rows without one (removed on the next writing open)
    WHERE file_id IN (SELECT file_id FROM files)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY station_id ORDER BY file_id DESC, row_number DESC) AS rank_in_exports
    FROM source
)
SELECT station_id, station_name, county_code, township_code, established_date,
       baseinfo_entered_at, station_status, file_id, sheet_name, row_number
FROM ranked
WHERE rank_in_exports = 1;
