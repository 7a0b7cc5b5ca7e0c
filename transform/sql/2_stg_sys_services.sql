-- stg_scope_services: one row per service record id of the scope, the later export
-- winning (within an export the later sheet by name, then the lower row;
-- the old ranking by file and row left rows of one number on two sheets
-- in no order), with the county and township
-- of its station: cur_services, which every load keeps (ingest:
-- currentServices; superseded_services lists the rows replaced), joined
-- with the stations.
CREATE OR REPLACE VIEW stg_scope_services AS
SELECT r.service_id, r.station_id, s.county_code, s.township_code, r.service_type, r.target_kind,
       r.start_date, r.end_date, coalesce(r.person_times, 0) AS person_times, r.entered_at,
       r.file_id, r.sheet_name, r.row_number
FROM cur_services r
JOIN stg_scope_stations s USING (station_id)
-- only rows of a loaded file: a load killed during its commit can leave
-- rows without one (removed on the next writing open)
WHERE r.file_id IN (SELECT file_id FROM files);

-- stg_sys_services: the services of the city's stations (stg_sys_stations),
-- joined directly: written as stg_scope_services filtered by township, the
-- filter came after the join of every record, and at the national scale
-- report indicators took 6.3 s instead of 0.7 s and the site 160 s
-- instead of 17 s.
CREATE OR REPLACE VIEW stg_sys_services AS
SELECT r.service_id, r.station_id, s.county_code, s.township_code, r.service_type, r.target_kind,
       r.start_date, r.end_date, coalesce(r.person_times, 0) AS person_times, r.entered_at,
       r.file_id, r.sheet_name, r.row_number
FROM cur_services r
JOIN stg_sys_stations s USING (station_id)
WHERE r.file_id IN (SELECT file_id FROM files);
