-- current_ledger(as_of): one row per ledger file in force for each county
-- that has reported by as_of: the files with the county's latest report
-- date <= as_of (indicators.md "Which ledger is current"). Usually one file;
-- a county may send its stations and staff sheets as two files. A county
-- without a row is 未报送.
CREATE OR REPLACE MACRO current_ledger(as_of) AS TABLE
WITH latest AS (
    SELECT county_code, max(report_date) AS report_date
    FROM stg_ledgers
    WHERE report_date <= as_of
    GROUP BY county_code
)
SELECT l.county_code, l.file_id, l.report_date
FROM stg_ledgers l
JOIN latest USING (county_code, report_date);
