-- owing_stations(as_of): one row per township whose station owes base
-- information and monthly summaries at as_of (indicators.md, "Which
-- stations owe"): the union of (a) the townships of the county's ledger in
-- force at as_of with an established, unclosed station (stations_asof) and
-- (b) the system's stations known by as_of (信息录入时间 ≤ as_of) that are
-- not 已撤销 (sys_stations_asof), matched by township, one per township as
-- for coverage. A county owes no less for not sending its ledger: with no
-- ledger, its system stations still owe. The established date is the
-- ledger's 挂牌时间, else the system's 建站日期 (else, when that is blank,
-- the day its base information was entered); a system station not yet
-- established at as_of owes nothing yet. in_ledger and in_system say which
-- sources know the station.
CREATE OR REPLACE MACRO owing_stations(as_of) AS TABLE
WITH ledger AS (
    SELECT county_code, township_code, established_date FROM stations_asof(as_of)
),
system AS (
    SELECT county_code, township_code,
           min(coalesce(established_date, CAST(baseinfo_entered_at AS DATE))) AS established_date
    FROM sys_stations_asof(as_of)
    WHERE NOT is_closed
    GROUP BY county_code, township_code
)
SELECT coalesce(l.county_code, s.county_code) AS county_code, township_code,
       coalesce(l.established_date, s.established_date) AS established_date,
       l.township_code IS NOT NULL AS in_ledger,
       s.township_code IS NOT NULL AS in_system
FROM ledger l
FULL JOIN system s USING (township_code)
WHERE coalesce(l.established_date, s.established_date) <= as_of;
