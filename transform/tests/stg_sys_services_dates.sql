-- A service ends on or after its start; person-times are not negative.
SELECT service_id FROM stg_sys_services WHERE end_date < start_date OR person_times < 0;
