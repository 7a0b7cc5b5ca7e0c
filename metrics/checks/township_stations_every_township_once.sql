-- 检查：各乡镇（街道）在站点清单中各出现一次
-- 说明：各县的乡镇（街道）站点清单列出区划名录中每一个应建站的乡镇（街道），各一次，不多不少。
-- report stations has every in-scope township of the reference list exactly once, and nothing else.
WITH listed AS (
    SELECT township_code, count(*) AS n FROM township_stations(CAST($1 AS DATE)) GROUP BY township_code
)
SELECT coalesce(t.township_code, l.township_code) AS township_code, coalesce(l.n, 0) AS times_listed
FROM (SELECT township_code FROM ref_townships WHERE in_scope) t
FULL JOIN listed l USING (township_code)
WHERE l.n IS DISTINCT FROM 1 OR t.township_code IS NULL;
