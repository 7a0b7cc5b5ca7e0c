-- stg_sys_stations: the city's system stations (stg_scope_stations in the
-- townships of ref_townships), which every figure of the city's counties
-- reads. At the city's scope it is every station; at a wider scope the
-- country's 35,000 stations and 50,000,000 service records stay out of
-- the city's queries (each would otherwise group the country's records:
-- the site took 162 s), and area_indicators reads the stg_scope_ views.
CREATE OR REPLACE VIEW stg_sys_stations AS
SELECT * FROM stg_scope_stations
WHERE township_code IN (SELECT township_code FROM ref_townships);
