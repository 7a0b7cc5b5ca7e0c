-- Every ledger station row is in a reference township of its own county.
SELECT s.file_id, s.row_number, s.township_code
FROM stg_ledger_stations s
LEFT JOIN ref_townships t ON t.township_code = s.township_code AND t.county_code = s.county_code
WHERE t.township_code IS NULL;
