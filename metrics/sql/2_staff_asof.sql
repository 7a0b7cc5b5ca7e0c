-- staff_asof(as_of): one row per person per county active at as_of in the
-- county's current ledger (indicators.md "Staff and certification"): joined
-- <= as_of and not left by then. A person counts once per county, by ID
-- hash, or by name and township when the ID is missing or invalid
-- (person_key, made by ingest).
CREATE OR REPLACE MACRO staff_asof(as_of) AS TABLE
WITH in_ledger AS (
    SELECT s.*
    FROM stg_ledger_staff s
    JOIN current_ledger(as_of) c ON c.file_id = s.file_id AND c.sheet_kind = 'staff'
),
active AS (
    SELECT * FROM in_ledger
    WHERE joined_date <= as_of AND (left_date IS NULL OR left_date > as_of)
)
SELECT county_code,
       person_key,
       min(township_code) AS township_code,
       bool_or(is_fulltime) AS is_fulltime,
       -- certified: any of the three levels, obtained by as_of
       bool_or(is_certified AND (certified_date IS NULL OR certified_date <= as_of)) AS is_certified
FROM active
GROUP BY county_code, person_key;
