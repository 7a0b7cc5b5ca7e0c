-- Each county's (and the city's) stage counts add up to its established stations; an unreported county has neither.
SELECT county_code, county, stations_established, stage_startup, stage_improving, stage_professional
FROM county_indicators(CAST($1 AS DATE))
WHERE (stage_startup IS NULL) <> (ledger_date IS NULL AND county_code <> '140700')
   OR coalesce(stage_startup + stage_improving + stage_professional, 0) <> coalesce(stations_established, 0);
