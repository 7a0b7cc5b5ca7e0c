-- report stations has every in-scope township of the reference list exactly once, and nothing else.
WITH listed AS (
    SELECT township_code, count(*) AS n FROM township_stations(CAST($1 AS DATE)) GROUP BY township_code
)
SELECT coalesce(t.township_code, l.township_code) AS township_code, coalesce(l.n, 0) AS times_listed
FROM (SELECT township_code FROM ref_townships WHERE in_scope) t
FULL JOIN listed l USING (township_code)
WHERE l.n IS DISTINCT FROM 1 OR t.township_code IS NULL;
