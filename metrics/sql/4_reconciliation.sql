-- reconciliation(as_of): one row per disagreement between a county's
-- current ledger and the system as known at as_of (issue 4,
-- "Reconciliation"): a township whose station the ledger lists but the
-- system does not know (ledger_only), a system station in a township the
-- county's ledger does not list (system_only; only for counties that have
-- reported), and different established dates (date_differs: 挂牌时间 vs
-- 建站日期).
CREATE OR REPLACE MACRO reconciliation(as_of) AS TABLE
WITH ledger AS (
    SELECT s.county_code, s.township_code, min(s.established_date) AS ledger_date
    FROM stg_ledger_stations s
    JOIN current_ledger(as_of) c ON c.file_id = s.file_id AND c.sheet_kind = 'stations'
    WHERE s.established_date IS NULL OR s.established_date <= as_of
    GROUP BY s.county_code, s.township_code
),
system AS (
    SELECT county_code, township_code,
           coalesce(min(established_date) FILTER (WHERE NOT is_closed), min(established_date)) AS system_date
    FROM sys_stations_asof(as_of)
    GROUP BY county_code, township_code
),
reported AS (
    SELECT DISTINCT county_code FROM current_ledger(as_of) WHERE sheet_kind = 'stations'
)
SELECT coalesce(l.county_code, y.county_code) AS county_code, coalesce(l.township_code, y.township_code) AS township_code,
       CASE WHEN y.township_code IS NULL THEN 'ledger_only'
            WHEN l.township_code IS NULL THEN 'system_only'
            ELSE 'date_differs' END AS difference,
       l.ledger_date, y.system_date
FROM ledger l
FULL JOIN system y USING (township_code)
WHERE (y.township_code IS NULL)
   OR (l.township_code IS NULL AND y.county_code IN (SELECT county_code FROM reported))
   OR (l.ledger_date IS DISTINCT FROM y.system_date AND l.ledger_date IS NOT NULL AND y.system_date IS NOT NULL);
