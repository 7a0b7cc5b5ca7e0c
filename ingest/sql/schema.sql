-- Tables that ingest writes. Grain and meaning of each are stated on it;
-- spec/inputs.md describes the files they come from. Every loaded row keeps
-- (file_id, sheet_name, row_number) so that any figure traces back to it.
-- No full ID number, phone number or name is stored anywhere (inputs.md,
-- "Personal data").

CREATE SEQUENCE IF NOT EXISTS file_id_seq START 1;

-- meta: one row per setting of this database. (Before sgz kept the key of
-- personal hashes in DB.key, it was here as pii_salt; ingest.MoveKeyOut
-- moves it out.)
CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- files: one row per file loaded (whole or partly). A file replaced by a
-- newer ledger of the same county and report date keeps its row, with
-- replaced_by set, and loses its data rows.
CREATE TABLE IF NOT EXISTS files (
    file_id        INTEGER PRIMARY KEY,
    file_name      VARCHAR NOT NULL,
    source_path    VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    -- what makes a load the same as an earlier one: the bytes' sha256, and
    -- for a ledger dated by its file name only, that date too
    load_key       VARCHAR NOT NULL UNIQUE,
    size_bytes     BIGINT NOT NULL,
    file_class     VARCHAR NOT NULL,   -- ledger | export
    county_code    VARCHAR,            -- ledgers
    report_date    DATE,               -- ledgers: 填报日期
    has_station_sheet BOOLEAN NOT NULL,   -- ledgers: holds a 站点台账 sheet in force
    has_staff_sheet   BOOLEAN NOT NULL,   -- ledgers: holds a 人员台账 sheet in force
    loaded_at      TIMESTAMP NOT NULL,
    count_loaded   INTEGER NOT NULL,
    count_rejected INTEGER NOT NULL,
    count_skipped  INTEGER NOT NULL,
    replaced_by    INTEGER,
    -- exports: records an earlier export had too (one record; this later
    -- file's values count; those with other values are also in row_flags)
    count_overlap  INTEGER,
    -- ledgers: holds a 资金台账 sheet in force; NULL for a ledger loaded by
    -- an sgz that set funds sheets aside (sent again, it is loaded again)
    has_funds_sheet BOOLEAN
);


-- refused_files: one row per refusal of a whole file (nothing of it loaded).
CREATE TABLE IF NOT EXISTS refused_files (
    file_name   VARCHAR NOT NULL,
    source_path VARCHAR NOT NULL,
    sha256      VARCHAR,
    reason      VARCHAR NOT NULL,
    refused_at  TIMESTAMP NOT NULL
);

-- raw_rows: one row per non-empty spreadsheet row of a loaded file, cells
-- as text (JSON array), ID-like and phone-like numbers masked; an accepted
-- record of a services or summaries export keeps none (its typed row names
-- its file, sheet and row: docs/decisions.md).
CREATE TABLE IF NOT EXISTS raw_rows (
    file_id    INTEGER NOT NULL,
    sheet_name VARCHAR NOT NULL,
    row_number INTEGER NOT NULL,
    sheet_kind VARCHAR NOT NULL,       -- '' when the sheet was not recognised
    row_role   VARCHAR NOT NULL,       -- title, header, data, rejected, skip:<why>, unrecognised
    cells      VARCHAR NOT NULL
);

-- rejects: one row per problem in a row that was not loaded.
CREATE TABLE IF NOT EXISTS rejects (
    file_id     INTEGER NOT NULL,
    sheet_name  VARCHAR NOT NULL,
    row_number  INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL
);

-- row_flags: one row per remark on a row that was loaded all the same
-- (an ID with a wrong check digit, a month-only date, an export record that
-- an earlier export had with other values).
CREATE TABLE IF NOT EXISTS row_flags (
    file_id     INTEGER NOT NULL,
    sheet_name  VARCHAR NOT NULL,
    row_number  INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    note        VARCHAR NOT NULL
);

-- ledger_stations: one row per station row of a county ledger (站点台账).
CREATE TABLE IF NOT EXISTS ledger_stations (
    file_id            INTEGER NOT NULL,
    sheet_name         VARCHAR NOT NULL,
    row_number         INTEGER NOT NULL,
    county_code        VARCHAR NOT NULL,
    township_code      VARCHAR NOT NULL,
    station_name       VARCHAR,
    established_date   DATE,              -- 挂牌时间; blank: the system's 建站日期 stands in
    established_approx BOOLEAN NOT NULL,  -- month-only date, taken as the 1st
    operation_mode     VARCHAR,
    operator           VARCHAR,
    has_site           BOOLEAN,
    site_area_m2       DOUBLE,
    has_rules          BOOLEAN,
    has_signage        BOOLEAN,
    signature_project  VARCHAR,
    remarks            VARCHAR
);

-- ledger_staff: one row per person placed at a station in a ledger (人员台账).
CREATE TABLE IF NOT EXISTS ledger_staff (
    file_id        INTEGER NOT NULL,
    sheet_name     VARCHAR NOT NULL,
    row_number     INTEGER NOT NULL,
    county_code    VARCHAR NOT NULL,
    township_code  VARCHAR NOT NULL,
    person_key     VARCHAR NOT NULL,   -- salted hash of the ID, else of name+township
    id_hash        VARCHAR,
    id_masked      VARCHAR,            -- 140702************ (the issuing county only)
    id_status      VARCHAR NOT NULL,   -- valid | bad_check_digit | malformed | missing
    name_hash      VARCHAR NOT NULL,
    sex            VARCHAR,
    birth_year     INTEGER,           -- no longer kept (NULL): it narrowed a masked ID
    role           VARCHAR,
    is_fulltime    BOOLEAN,
    cert_level     VARCHAR NOT NULL,   -- 无 | 助理社会工作师 | 社会工作师 | 高级社会工作师
    certified_date DATE,
    joined_date    DATE NOT NULL,
    left_date      DATE
);

-- sys_stations: one row per station row of a system stations export.
CREATE TABLE IF NOT EXISTS sys_stations (
    file_id             INTEGER NOT NULL,
    sheet_name          VARCHAR NOT NULL,
    row_number          INTEGER NOT NULL,
    station_id          VARCHAR NOT NULL,
    station_name        VARCHAR,
    county_code         VARCHAR NOT NULL,
    township_code       VARCHAR NOT NULL,
    established_date    DATE,              -- 建站日期
    baseinfo_entered_at TIMESTAMP,         -- 信息录入时间
    station_status      VARCHAR            -- 运营中 | 筹建中 | 已撤销
);

-- sys_services: one row per service record row of a system export.
CREATE TABLE IF NOT EXISTS sys_services (
    file_id      INTEGER NOT NULL,
    sheet_name   VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    service_id   VARCHAR NOT NULL,
    station_id   VARCHAR NOT NULL,
    service_type VARCHAR,
    target_kind  VARCHAR,
    start_date   DATE NOT NULL,
    end_date     DATE NOT NULL,          -- blank in the export: = start_date
    person_times INTEGER,
    entered_at   TIMESTAMP NOT NULL      -- 录入时间
);

-- sys_summaries: one row per monthly summary row of a system export.
CREATE TABLE IF NOT EXISTS sys_summaries (
    file_id       INTEGER NOT NULL,
    sheet_name    VARCHAR NOT NULL,
    row_number    INTEGER NOT NULL,
    station_id    VARCHAR NOT NULL,
    summary_month DATE NOT NULL,         -- first day of the month summarised
    submitted_at  TIMESTAMP NOT NULL,
    review_status VARCHAR NOT NULL       -- 已提交 | 已退回 | 已通过
);

-- ledger_funds: one row per money row of a county ledger's funds sheet
-- (资金台账). Sums are in 分 (fen), exact.
CREATE TABLE IF NOT EXISTS ledger_funds (
    file_id       INTEGER NOT NULL,
    sheet_name    VARCHAR NOT NULL,
    row_number    INTEGER NOT NULL,
    county_code   VARCHAR NOT NULL,
    township_code VARCHAR,            -- blank: county level
    fund_source   VARCHAR NOT NULL,   -- 市级福彩公益金 | 县级配套 | 其他 | as written
    entry_date    DATE NOT NULL,      -- 日期
    entry_approx  BOOLEAN NOT NULL,   -- month-only date, taken as the 1st
    summary       VARCHAR,            -- 摘要
    purpose       VARCHAR,            -- 用途类别, spaces removed
    received_fen  BIGINT NOT NULL,    -- 收入金额（元） × 100
    spent_fen     BIGINT NOT NULL     -- 支出金额（元） × 100
);

-- Databases made before count_overlap existed: the column is added and
-- worked out for the exports already loaded, as ingest counts it.
ALTER TABLE files ADD COLUMN IF NOT EXISTS count_overlap INTEGER;
UPDATE files f SET count_overlap =
      (SELECT count(*) FROM sys_stations n WHERE n.file_id = f.file_id
         AND EXISTS (SELECT 1 FROM sys_stations o WHERE o.file_id < f.file_id AND o.station_id = n.station_id))
    + (SELECT count(*) FROM sys_services n WHERE n.file_id = f.file_id
         AND EXISTS (SELECT 1 FROM sys_services o WHERE o.file_id < f.file_id AND o.service_id = n.service_id))
WHERE count_overlap IS NULL;

-- Databases made before has_funds_sheet existed: the column is added,
-- NULL for the ledgers already loaded (their funds sheets were set aside).
ALTER TABLE files ADD COLUMN IF NOT EXISTS has_funds_sheet BOOLEAN;

-- migrations: one row per one-time rewrite of older databases, done.
CREATE TABLE IF NOT EXISTS migrations (name VARCHAR PRIMARY KEY);

-- Databases made when sgz kept an ID's last four characters beside the
-- birth year (together they narrowed an ID to some 35 candidates): the
-- masks cut to the first six characters and the birth years dropped, once.
UPDATE ledger_staff SET birth_year = NULL,
    id_masked = CASE WHEN length(id_masked) > 6 THEN left(id_masked, 6) || repeat('*', length(id_masked) - 6) ELSE id_masked END
WHERE NOT EXISTS (SELECT 1 FROM migrations WHERE name = 'id_mask_v2');
UPDATE raw_rows SET cells = regexp_replace(cells, '([0-9]{6})\*{8}[0-9]{3}[0-9Xx]', '\1************', 'g')
WHERE NOT EXISTS (SELECT 1 FROM migrations WHERE name = 'id_mask_v2') AND regexp_matches(cells, '[0-9]{6}\*{8}[0-9]{3}[0-9Xx]');
UPDATE rejects SET value = regexp_replace(value, '([0-9]{6})\*{8}[0-9]{3}[0-9Xx]', '\1************', 'g'),
    reason = regexp_replace(reason, '([0-9]{6})\*{8}[0-9]{3}[0-9Xx]', '\1************', 'g')
WHERE NOT EXISTS (SELECT 1 FROM migrations WHERE name = 'id_mask_v2');
UPDATE row_flags SET value = regexp_replace(value, '([0-9]{6})\*{8}[0-9]{3}[0-9Xx]', '\1************', 'g'),
    note = regexp_replace(note, '([0-9]{6})\*{8}[0-9]{3}[0-9Xx]', '\1************', 'g')
WHERE NOT EXISTS (SELECT 1 FROM migrations WHERE name = 'id_mask_v2');
INSERT INTO migrations VALUES ('id_mask_v2') ON CONFLICT DO NOTHING;

-- ID numbers in free text were masked keeping their first three and last
-- four digits (140***********2753): the last four dropped too, once.
UPDATE raw_rows SET cells = regexp_replace(regexp_replace(cells,
        '([0-9]{3})\*{11}[0-9]{3}[0-9Xx]', '\1***************', 'g'),
        '([0-9]{3})\*{8}[0-9]{4}', '\1************', 'g')
WHERE NOT EXISTS (SELECT 1 FROM migrations WHERE name = 'id_mask_v3') AND regexp_matches(cells, '[0-9]{3}\*{8}');
UPDATE rejects SET value = regexp_replace(regexp_replace(value, '([0-9]{3})\*{11}[0-9]{3}[0-9Xx]', '\1***************', 'g'), '([0-9]{3})\*{8}[0-9]{4}', '\1************', 'g'),
    reason = regexp_replace(regexp_replace(reason, '([0-9]{3})\*{11}[0-9]{3}[0-9Xx]', '\1***************', 'g'), '([0-9]{3})\*{8}[0-9]{4}', '\1************', 'g')
WHERE NOT EXISTS (SELECT 1 FROM migrations WHERE name = 'id_mask_v3');
INSERT INTO migrations VALUES ('id_mask_v3') ON CONFLICT DO NOTHING;

-- superseded_services: the service rows a later row of the same record
-- replaces (stg_sys_services leaves them out), one row per (file whose
-- load superseded it, superseded row). Kept by every load of a services
-- export (Loader.write): the older rows of each record it holds, and its
-- own earlier rows of a record it holds twice. A window over every
-- export's rows at each query did not scale (21,000,000 rows: 54 s per
-- report). Rows of a file removed (reloaded, replaced, or torn by a kill)
-- go with it, which restores what it superseded.
CREATE TABLE IF NOT EXISTS superseded_services (
    file_id        INTEGER NOT NULL,   -- the file whose load superseded the row
    old_file_id    INTEGER NOT NULL,   -- the row: file, sheet, row
    old_sheet_name VARCHAR NOT NULL,
    old_row_number INTEGER NOT NULL
);

-- cur_services: the current version of every service record (the rows of
-- sys_services that superseded_services does not list), ordered by end
-- date, which stg_sys_services reads: a query of a period then reads only
-- that period's row groups (21,000,000 records: county_indicators 46 s over
-- the rows of every export, 1 s over this table). Kept by every load
-- (ingest: currentServices), rebuilt whole after rows are removed (a
-- reload, a torn load swept) and, with superseded_services, worked out
-- once for databases loaded before them (ingest: RecomputeServices).
CREATE TABLE IF NOT EXISTS cur_services (
    service_id   VARCHAR NOT NULL,
    station_id   VARCHAR NOT NULL,
    service_type VARCHAR,
    target_kind  VARCHAR,
    start_date   DATE NOT NULL,
    end_date     DATE NOT NULL,
    person_times INTEGER,
    entered_at   TIMESTAMP NOT NULL,
    file_id      INTEGER NOT NULL,
    sheet_name   VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL
);
