-- summaries_owed(month_start, as_of): one row per township whose station,
-- established by the last day of the month, owes a monthly summary for that
-- month (owing_stations at as_of: the ledger's and the system's), with its deadline
-- (ref_summary_deadlines) and its first submission that was not returned
-- (已退回 and 已撤回 are none) and was made by the end of as_of: on_time,
-- late, or missing (indicators.md "Monthly summaries").
CREATE OR REPLACE MACRO summaries_owed(month_start, as_of) AS TABLE
WITH owed AS (
    SELECT county_code, township_code
    FROM owing_stations(as_of)
    WHERE established_date <= last_day(CAST(month_start AS DATE))
),
due AS (
    SELECT due_date FROM ref_summary_deadlines
    WHERE summary_month = date_trunc('month', CAST(month_start AS DATE))
),
submitted AS (
    SELECT s.township_code, min(m.submitted_at) AS submitted_at
    FROM stg_sys_summaries m
    JOIN stg_sys_stations s USING (station_id)
    WHERE m.summary_month = date_trunc('month', CAST(month_start AS DATE))
      AND m.review_status IN ('已提交', '已通过')   -- 已退回 and 已撤回 are no submission
      AND m.submitted_at < as_of + INTERVAL 1 DAY
    GROUP BY s.township_code
)
SELECT o.county_code, o.township_code, d.due_date, b.submitted_at,
       CASE WHEN b.submitted_at IS NULL THEN 'missing'
            WHEN CAST(b.submitted_at AS DATE) <= d.due_date THEN 'on_time'
            ELSE 'late' END AS summary_status
FROM owed o
CROSS JOIN due d
LEFT JOIN submitted b USING (township_code);
