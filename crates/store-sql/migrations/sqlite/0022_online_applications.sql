-- 网上申请 (jiuzhu_store::online): applications residents send from their phone or the kiosk,
-- waiting for the town window of their 户籍 village (`region`, 12 digits) to take them in (受理)
-- or decline them, then followed by the resident with the 办件编号 (`reference`) and their ID
-- number or 查询码. What they entered (`submission`, JSON with ID numbers and signatures), the
-- applicant's ID number and the query code are SM4-GCM ciphertexts bound to the row id; the two
-- secrets a resident proves ownership with are found by HMAC-SM3 blind index only (columns.rs).
-- Once handled, the row names the household registered and the cases opened (`case_ids`, ids
-- separated by commas, in the order opened). Numbered 0022 as on PostgreSQL (which has a 0021 of
-- its own). Keep in step with migrations/postgres.
CREATE TABLE online_applications (
    id                 INTEGER PRIMARY KEY,
    reference          TEXT NOT NULL,
    region             TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('submitted', 'taken', 'declined')),
    submission_enc     BLOB NOT NULL,
    applicant_id_enc   BLOB NOT NULL,
    applicant_id_bidx  BLOB NOT NULL,
    query_code_enc     BLOB NOT NULL,
    query_code_bidx    BLOB NOT NULL,
    submitted_at       TEXT NOT NULL,
    household_id       INTEGER REFERENCES households (id),
    case_ids           TEXT NOT NULL DEFAULT '',
    handled_by         TEXT,
    handled_at         TEXT,
    declined_reason    TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    -- SQLite reports a violation by its columns ("online_applications.reference"), which the
    -- store reads as this name.
    CONSTRAINT online_applications_reference UNIQUE (reference)
);
-- The town window's queue: a town's villages in one state, oldest first.
CREATE INDEX online_applications_queue ON online_applications (state, region, submitted_at);
