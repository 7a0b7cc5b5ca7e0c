-- stg_ledger_staff: one row per person row of a ledger in force, with the
-- ledger's report date. Personal data are hashes and masks only.
CREATE OR REPLACE VIEW stg_ledger_staff AS
WITH source AS (
    SELECT * FROM ledger_staff
)
SELECT l.report_date, s.file_id, s.sheet_name, s.row_number, s.county_code, s.township_code,
       s.person_key, s.id_status, s.role, coalesce(s.is_fulltime, false) AS is_fulltime,
       s.cert_level, s.cert_level <> '无' AS is_certified, s.certified_date,
       s.joined_date, s.left_date
FROM source s
JOIN stg_ledgers l USING (file_id);
