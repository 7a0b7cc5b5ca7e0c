-- A service ends on or after its start; person-times are not negative
-- (every service of the scope: stg_scope_services).
SELECT service_id FROM stg_scope_services WHERE end_date < start_date OR person_times < 0;
