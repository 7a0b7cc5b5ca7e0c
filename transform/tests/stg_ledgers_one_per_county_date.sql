-- At most one ledger in force per county and report date (a newer one
-- replaces the older).
SELECT county_code, report_date, count(*) AS n FROM stg_ledgers GROUP BY ALL HAVING count(*) > 1;
