-- current_ledger(as_of): one row per county that has reported by as_of: the
-- ledger in force with the latest report date <= as_of (indicators.md
-- "Which ledger is current"). A county without a row is 未报送.
CREATE OR REPLACE MACRO current_ledger(as_of) AS TABLE
SELECT county_code,
       arg_max(file_id, report_date) AS file_id,
       max(report_date) AS report_date
FROM stg_ledgers
WHERE report_date <= as_of
GROUP BY county_code;
