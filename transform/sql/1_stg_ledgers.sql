-- stg_ledgers: one row per county ledger file in force (not wholly replaced
-- by newer files for the same county and report date), with the sheets it
-- holds in force. docs/indicators.md "Which
-- ledger is current" picks among these by report date.
CREATE OR REPLACE VIEW stg_ledgers AS
WITH source AS (
    SELECT * FROM files WHERE file_class = 'ledger'
),
in_force AS (
    SELECT file_id, file_name, county_code, report_date, has_station_sheet, has_staff_sheet,
           coalesce(has_funds_sheet, false) AS has_funds_sheet, sha256
    FROM source
    WHERE replaced_by IS NULL
)
SELECT * FROM in_force;
