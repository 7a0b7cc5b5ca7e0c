-- 检查：台账站点都在本县的乡镇（街道）名录中
-- 说明：每一条站点台账记录都对应本县（市、区）区划名录中的一个乡镇（街道）。
-- Every ledger station row is in a reference township of its own county.
SELECT s.file_id, s.row_number, s.township_code
FROM stg_ledger_stations s
LEFT JOIN ref_townships t ON t.township_code = s.township_code AND t.county_code = s.county_code
WHERE t.township_code IS NULL;
