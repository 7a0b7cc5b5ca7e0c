-- county_timeliness(services_month, summaries_month, as_of): one row per
-- county and a last row for the city (140700): the three timeliness rates
-- and system_use_score (indicators.md "System use timeliness"). A rate
-- whose denominator is zero is NULL and its weight is left out of the
-- score, the other weights rescaled.
CREATE OR REPLACE MACRO county_timeliness(services_month, summaries_month, as_of) AS TABLE
WITH base AS (
    SELECT county_code, count(*) AS baseinfo_counted, count(*) FILTER (WHERE is_on_time) AS baseinfo_on_time
    FROM baseinfo_asof(as_of) GROUP BY county_code
),
services AS (
    SELECT county_code, count(*) AS services_counted, count(*) FILTER (WHERE is_on_time) AS services_on_time
    FROM services_timeliness(services_month, as_of) GROUP BY county_code
),
summaries AS (
    SELECT county_code, count(*) AS summaries_owed,
           count(*) FILTER (WHERE summary_status = 'on_time') AS summaries_on_time,
           count(*) FILTER (WHERE summary_status = 'late') AS summaries_late,
           count(*) FILTER (WHERE summary_status = 'missing') AS summaries_missing
    FROM summaries_owed(summaries_month, as_of) GROUP BY county_code
),
counties AS (
    SELECT c.county_code, c.county_name AS county,
           coalesce(b.baseinfo_counted, 0) AS baseinfo_counted, coalesce(b.baseinfo_on_time, 0) AS baseinfo_on_time,
           coalesce(s.services_counted, 0) AS services_counted, coalesce(s.services_on_time, 0) AS services_on_time,
           coalesce(m.summaries_owed, 0) AS summaries_owed, coalesce(m.summaries_on_time, 0) AS summaries_on_time,
           coalesce(m.summaries_late, 0) AS summaries_late, coalesce(m.summaries_missing, 0) AS summaries_missing,
           0 AS sort_key
    FROM ref_counties c
    LEFT JOIN base b USING (county_code)
    LEFT JOIN services s USING (county_code)
    LEFT JOIN summaries m USING (county_code)
),
combined AS (
    SELECT * FROM counties
    UNION ALL
    SELECT '140700', '晋中市', sum(baseinfo_counted), sum(baseinfo_on_time), sum(services_counted), sum(services_on_time),
           sum(summaries_owed), sum(summaries_on_time), sum(summaries_late), sum(summaries_missing), 1
    FROM counties
),
rates AS (
    SELECT *,
           baseinfo_on_time / nullif(baseinfo_counted, 0) AS baseinfo_timely_rate,
           services_on_time / nullif(services_counted, 0) AS service_timely_rate,
           summaries_on_time / nullif(summaries_owed, 0) AS summary_ontime_rate
    FROM combined
)
SELECT county_code, county, baseinfo_counted, baseinfo_on_time, services_counted, services_on_time,
       summaries_owed, summaries_on_time, summaries_late, summaries_missing,
       baseinfo_timely_rate, service_timely_rate, summary_ontime_rate,
       use_score(baseinfo_timely_rate, service_timely_rate, summary_ontime_rate) AS system_use_score
FROM rates
ORDER BY sort_key, county_code;
