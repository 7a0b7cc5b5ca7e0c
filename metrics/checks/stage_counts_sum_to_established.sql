-- 检查：各阶段站点数之和等于已建站点数
-- 说明：每个县（市、区）和全市的起步、提升、专业三个阶段的站点数相加等于已建站点数；未报送台账的县两者都没有。
-- Each county's (and the city's) stage counts add up to its established stations; an unreported county has neither.
SELECT county_code, county, stations_established, stage_startup, stage_improving, stage_professional
FROM county_indicators(CAST($1 AS DATE))
WHERE (stage_startup IS NULL) <> (ledger_date IS NULL AND county_code <> '140700')
   OR coalesce(stage_startup + stage_improving + stage_professional, 0) <> coalesce(stations_established, 0);
