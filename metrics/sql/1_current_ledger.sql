-- current_ledger(as_of): for each county that has reported by as_of and
-- each sheet kind (stations, staff), the ledger file(s) in force with the
-- latest report date <= as_of that hold that sheet (indicators.md "Which
-- ledger is current"). Usually one workbook for both kinds; a county may
-- send the two sheets as two files, or update one sheet only. A county
-- without a row is 未报送.
CREATE OR REPLACE MACRO current_ledger(as_of) AS TABLE
WITH sheets AS (
    SELECT county_code, file_id, report_date, 'stations' AS sheet_kind FROM stg_ledgers WHERE has_station_sheet
    UNION ALL
    SELECT county_code, file_id, report_date, 'staff' AS sheet_kind FROM stg_ledgers WHERE has_staff_sheet
),
latest AS (
    SELECT county_code, sheet_kind, max(report_date) AS report_date
    FROM sheets
    WHERE report_date <= as_of
    GROUP BY county_code, sheet_kind
)
SELECT s.county_code, s.sheet_kind, s.file_id, s.report_date
FROM sheets s
JOIN latest USING (county_code, sheet_kind, report_date);
