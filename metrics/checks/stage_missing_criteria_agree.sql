-- 检查：站点阶段与“尚缺”说明一致
-- 说明：专业阶段的站点不缺任何条件，起步、提升阶段的站点都说明了距下一阶段还缺什么；阶段只有起步、提升、专业三种。
-- A station at 专业 lacks nothing; one at 起步 or 提升 is told what it lacks; a stage is one of the three.
SELECT county_code, township_code, stage, missing_criteria
FROM station_stages(CAST($1 AS DATE))
WHERE stage NOT IN ('起步', '提升', '专业')
   OR (stage = '专业') <> (coalesce(missing_criteria, '') = '');
