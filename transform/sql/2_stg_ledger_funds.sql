-- stg_ledger_funds: one row per money row of a ledger's funds sheet in
-- force, with the ledger's report date and file name. is_city_lottery marks
-- the rows of 市级福彩公益金, the only source the funds checks follow.
CREATE OR REPLACE VIEW stg_ledger_funds AS
WITH source AS (
    SELECT * FROM ledger_funds
)
SELECT l.report_date, l.file_name, s.file_id, s.sheet_name, s.row_number, s.county_code, s.township_code,
       s.fund_source, s.fund_source = '市级福彩公益金' AS is_city_lottery,
       s.entry_date, s.entry_approx, s.summary, s.purpose, s.received_fen, s.spent_fen
FROM source s
JOIN stg_ledgers l USING (file_id);
