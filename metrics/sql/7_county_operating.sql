-- county_operating(as_of): each county's stations_operating as
-- county_indicators(as_of) gives it (NULL while the county has no ledger by
-- as_of), without the rest of its figures: the assessment's service volume
-- needs it at every month end, and county_indicators at each would compute
-- the stages and timeliness twelve times for nothing (at 21,000,000
-- service records that was a fifth of a site build).
CREATE OR REPLACE MACRO county_operating(as_of) AS TABLE
SELECT c.county_code,
       CASE WHEN l.county_code IS NOT NULL THEN coalesce(st.stations_operating, 0) END AS stations_operating
FROM ref_counties c
JOIN (SELECT DISTINCT county_code FROM ref_townships) s USING (county_code)
LEFT JOIN (SELECT DISTINCT county_code FROM current_ledger(as_of)) l USING (county_code)
LEFT JOIN (SELECT county_code, count(*) FILTER (WHERE in_scope AND is_operating) AS stations_operating
           FROM stations_asof(as_of) GROUP BY county_code) st USING (county_code);
