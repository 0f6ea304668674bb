-- 网上申请 (jiuzhu_store::online): applications residents send from their phone or the kiosk,
-- waiting for the town window of their 户籍 village (`region`, 12 digits) to take them in (受理)
-- or decline them, then followed by the resident with the 办件编号 (`reference`) and their ID
-- number or 查询码. What they entered (`submission`, JSON with ID numbers and signatures), the
-- applicant's ID number and the query code are SM4-GCM ciphertexts bound to the row id; the two
-- secrets a resident proves ownership with are found by HMAC-SM3 blind index only (columns.rs).
-- Once handled, the row names the household registered and the cases opened (`case_ids`, ids
-- separated by commas, in the order opened). Keep in step with migrations/sqlite.
CREATE TABLE online_applications (
    id                 BIGSERIAL PRIMARY KEY,
    reference          TEXT NOT NULL,
    region             TEXT COLLATE "C" NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('submitted', 'taken', 'declined')),
    submission_enc     BYTEA NOT NULL,
    applicant_id_enc   BYTEA NOT NULL,
    applicant_id_bidx  BYTEA NOT NULL,
    query_code_enc     BYTEA NOT NULL,
    query_code_bidx    BYTEA NOT NULL,
    submitted_at       TIMESTAMPTZ NOT NULL,
    household_id       BIGINT REFERENCES households (id),
    case_ids           TEXT NOT NULL DEFAULT '',
    handled_by         TEXT,
    handled_at         TIMESTAMPTZ,
    declined_reason    TEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT online_applications_reference UNIQUE (reference)
);
-- The town window's queue: a town's villages in one state, oldest first.
CREATE INDEX online_applications_queue ON online_applications (state, region, submitted_at);
