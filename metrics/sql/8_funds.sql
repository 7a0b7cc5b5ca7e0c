-- Funds (docs/indicators.md "Funds"): the city's welfare-lottery subsidy
-- (市级福彩公益金) per county and year, as of a date.

-- fund_ledger(y, as_of): per county, the ledger its year-y funds come from:
-- the one with the latest report date in year y and <= as_of that holds a
-- funds sheet in force (a funds sheet lists the year to date, so a later
-- ledger replaces an earlier one). A county without a row sent no funds
-- sheet for y by as_of.
CREATE OR REPLACE MACRO fund_ledger(y, as_of) AS TABLE
WITH ledgers AS (
    SELECT county_code, file_id, file_name, report_date
    FROM stg_ledgers
    WHERE has_funds_sheet AND year(report_date) = y AND report_date <= as_of
)
SELECT l.*
FROM ledgers l
JOIN (SELECT county_code, max(report_date) AS report_date FROM ledgers GROUP BY county_code) m
  USING (county_code, report_date);

-- fund_rows(y, as_of): the 市级福彩公益金 rows of those ledgers dated by
-- as_of, each with whether it is spending outside the policy's allowed
-- purposes (allowed_fund_purposes, compared without spaces; a blank
-- 用途类别 is outside them) and the running total of spending in ledger
-- order (date, then sheet and row).
CREATE OR REPLACE MACRO fund_rows(y, as_of) AS TABLE
WITH allowed AS (
    SELECT list_transform(string_split(policy_text('allowed_fund_purposes'), '|'),
                          x -> regexp_replace(x, '\s', '', 'g')) AS purposes
),
rows AS (
    SELECT f.county_code, f.file_id, f.file_name, f.report_date, f.sheet_name, f.row_number,
           f.township_code, f.entry_date, f.summary, f.purpose, f.received_fen, f.spent_fen,
           f.spent_fen > 0 AND NOT list_contains((SELECT purposes FROM allowed), coalesce(f.purpose, '')) AS out_of_scope
    FROM stg_ledger_funds f
    JOIN fund_ledger(y, as_of) l USING (file_id)
    WHERE f.is_city_lottery AND f.entry_date <= as_of
)
SELECT *,
       sum(spent_fen) OVER (PARTITION BY county_code ORDER BY entry_date, sheet_name, row_number
                            ROWS UNBOUNDED PRECEDING) AS spent_to_here_fen,
       sum(received_fen) OVER (PARTITION BY county_code) AS received_total_fen
FROM rows;

-- fund_flags(y, as_of): one row per ledger row of a flag. One 超范围使用
-- flag per spending row outside the allowed purposes; one 超支 flag per
-- county when the year's spending exceeds what was received, its rows the
-- spending rows from the first one that took the total over.
CREATE OR REPLACE MACRO fund_flags(y, as_of) AS TABLE
SELECT county_code, '超范围使用' AS flag_kind, 'R' || sheet_name || '#' || row_number AS flag_id,
       file_name, sheet_name, row_number, township_code, entry_date, summary, purpose, spent_fen,
       spent_to_here_fen, received_total_fen
FROM fund_rows(y, as_of)
WHERE out_of_scope
UNION ALL
SELECT county_code, '超支', '超支',
       file_name, sheet_name, row_number, township_code, entry_date, summary, purpose, spent_fen,
       spent_to_here_fen, received_total_fen
FROM fund_rows(y, as_of)
WHERE spent_fen > 0 AND spent_to_here_fen > received_total_fen;
