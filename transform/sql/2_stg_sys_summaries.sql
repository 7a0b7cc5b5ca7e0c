-- stg_sys_summaries: one row per monthly summary submission (station,
-- month, submission time, review status); the same submission in two
-- exports is one.
CREATE OR REPLACE VIEW stg_sys_summaries AS
WITH source AS (
    SELECT * FROM sys_summaries
    -- only rows of a loaded file: a load killed during its commit can leave
    -- rows without one (removed on the next writing open)
    WHERE file_id IN (SELECT file_id FROM files)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY station_id, summary_month, submitted_at ORDER BY file_id DESC, row_number DESC) AS rank_in_exports
    FROM source
)
SELECT station_id, summary_month, submitted_at, review_status, file_id, sheet_name, row_number
FROM ranked
WHERE rank_in_exports = 1;
