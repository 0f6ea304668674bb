-- 部门数据 (department feeds) and the 监测预警 pools (issue 6).
-- An import is one file of one feed; the same file (same SHA-256) is recognised and changes
-- nothing. A record's row_key is the blind index of its natural key (it contains the ID
-- number, so it is never stored in the clear); the same fact in another file is not stored
-- twice. The person is found by the same blind index as persons.id_number_bidx; the row's
-- other columns are SM4-encrypted (detail_enc).
CREATE TABLE feed_imports (
    id            INTEGER PRIMARY KEY,
    feed          TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    new_rows      INTEGER NOT NULL,
    imported_by   TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    UNIQUE (feed, sha256)
);

CREATE TABLE feed_records (
    id            INTEGER PRIMARY KEY,
    import_id     INTEGER NOT NULL REFERENCES feed_imports (id),
    feed          TEXT NOT NULL,
    row_key       BLOB NOT NULL,
    person_bidx   BLOB NOT NULL,
    on_date       TEXT,
    detail_enc    BLOB NOT NULL,
    UNIQUE (feed, row_key)
);
CREATE INDEX feed_records_person ON feed_records (person_bidx);

-- 困难群众监测库: 一类库 (likely eligible: authorised check and an invitation to apply) and
-- 二类库 (not eligible now: watch), per seed 003; one row a household, re-sorted by each run.
CREATE TABLE monitoring (
    household_id   INTEGER PRIMARY KEY REFERENCES households (id),
    region         TEXT NOT NULL,
    pool           TEXT NOT NULL,
    reasons        TEXT NOT NULL,     -- JSON: [{kind, member, evidence, on}]
    referrals      TEXT NOT NULL,     -- JSON: ["医疗救助（医保部门）", ...]
    assessment     TEXT NOT NULL,     -- the policy engine's verdict in words
    found_on       TEXT NOT NULL,
    next_visit_on  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX monitoring_region ON monitoring (region, pool);
