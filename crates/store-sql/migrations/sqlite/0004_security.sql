-- Security (等保三级): identifiers encrypted at rest, the audit trail with its seals, alerts,
-- export approvals and re-authentication (SQLite). Keep in step with migrations/postgres.

-- ID and bank account numbers: SM4-GCM ciphertexts, and an HMAC-SM3 blind index for finding a
-- person by ID number. SQL cannot encrypt, so right after this migration the program encrypts
-- any plaintext left by an older version and drops the plaintext columns `persons.id_number`,
-- `persons.disability_certificate` and `households.bank_account_no` (jiuzhu-store-sql, `upgrade_identifiers`).
DROP INDEX persons_id_number;
ALTER TABLE persons ADD COLUMN id_number_enc BLOB;
ALTER TABLE persons ADD COLUMN id_number_bidx BLOB;
-- A person belongs to one household at a time (as persons_id_number did on the plaintext).
CREATE UNIQUE INDEX persons_id_number_bidx ON persons (id_number_bidx);
ALTER TABLE households ADD COLUMN bank_account_enc BLOB;
-- 残疾人证号 is the holder's ID number and two digits: as secret as the ID number.
ALTER TABLE persons ADD COLUMN disability_certificate_enc BLOB;

-- When the user last typed their password again (before reveals, bulk exports, bulk approval).
ALTER TABLE sessions ADD COLUMN reauth_at TEXT;

-- The audit trail (留痕). Ids run 1, 2, 3 … without gaps; each row's seal is HMAC-SM3 over the
-- previous row's seal and this row, so an edited, deleted or reordered row breaks the chain at
-- that row (`jiuzhu audit verify`). Never updated or deleted: the triggers refuse it.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,     -- UTC with offset, microseconds: 2026-12-02T05:31:00.123456+00:00
    account_id    INTEGER,
    username      TEXT NOT NULL,
    role          TEXT NOT NULL,
    region        TEXT NOT NULL,     -- the account's scope at the time
    ip            TEXT NOT NULL,
    action        TEXT NOT NULL,     -- view, search, reveal, export, download, create, update, denied, login …
    object_kind   TEXT NOT NULL,     -- household, case, photo, document, export, account, alert …
    object_id     TEXT NOT NULL,
    household_id  INTEGER,
    fields        TEXT NOT NULL,     -- names of the personal-data fields involved, never their values
    purpose       TEXT NOT NULL,
    outcome       TEXT NOT NULL,     -- allowed, denied, failed
    reason        TEXT NOT NULL,     -- why denied (role, out_of_scope, …) or flags (outside_caseload)
    detail        TEXT NOT NULL,     -- counts and codes, e.g. "results=12 filter=id_number"
    key_id        INTEGER NOT NULL,
    seal          BLOB NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
CREATE INDEX audit_log_household ON audit_log (household_id, id) WHERE household_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The chain's head (one row, rewritten with every append) and a checkpoint every 1,000 entries;
-- both sealed, so deleting the newest rows is seen too.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    entry_id  INTEGER NOT NULL,
    entry_seal BLOB NOT NULL,
    at        TEXT NOT NULL,
    key_id    INTEGER NOT NULL,
    seal      BLOB NOT NULL
);
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    entry_id  INTEGER NOT NULL,
    entry_seal BLOB NOT NULL,
    at        TEXT NOT NULL,
    key_id    INTEGER NOT NULL,
    seal      BLOB NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- Alerts on abnormal access, for auditors to handle.
CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    rule         TEXT NOT NULL,      -- out_of_scope, outside_caseload, bulk_lookup, off_hours, id_searches
    account_id   INTEGER,
    username     TEXT NOT NULL,
    region       TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    last_at      TEXT NOT NULL,
    count        INTEGER NOT NULL,
    first_entry  INTEGER NOT NULL,
    last_entry   INTEGER NOT NULL,
    state        TEXT NOT NULL,      -- open, in_progress, closed
    outcome      TEXT NOT NULL,      -- '', confirmed, false_positive
    version      INTEGER NOT NULL
);
CREATE INDEX alerts_state ON alerts (state, id);
CREATE INDEX alerts_rule_account ON alerts (rule, account_id, id);
CREATE TABLE alert_notes (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id),
    at          TEXT NOT NULL,
    account_id  INTEGER,
    username    TEXT NOT NULL,
    state       TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);

-- Exports of household lists (花名册). Large ones wait for an approver; the file is made when it
-- is downloaded and never kept.
CREATE TABLE exports (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    username      TEXT NOT NULL,
    region        TEXT NOT NULL,     -- which households: those registered inside this region
    programme     TEXT,              -- only those receiving this programme (NULL: all)
    format        TEXT NOT NULL,     -- csv, xlsx
    purpose       TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    state         TEXT NOT NULL,     -- pending, approved, rejected, downloaded
    requested_at  TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT,
    decision_note TEXT NOT NULL,
    downloaded_at TEXT
);
CREATE INDEX exports_state ON exports (state, region);
CREATE INDEX exports_account ON exports (account_id, id);
