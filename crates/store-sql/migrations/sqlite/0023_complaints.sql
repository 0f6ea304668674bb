-- 投诉举报 (jiuzhu_store::complaints): complaints and reports from residents (phone, kiosk),
-- 12345 hotline work orders (`external_no`, the hotline's own number, unique where present) and
-- letters or visits, about a matter in `region` (a village, a town or the county) and handled by
-- the 举报受理 accounts of `handling_region` (a town, or the county above it; moved up when not
-- answered by `due_on`, a Beijing day, and `escalated_at` set), never by the accounts in
-- `excluded_accounts` (ids separated by commas: staff the report names). What was reported
-- (`details`), who reported (`reporter`, NULL when anonymous), the answer and the 查询密码 (`pin`)
-- are SM4-GCM ciphertexts bound to the row id; the PIN the reporter follows the complaint with
-- (together with the 举报编号 `code`) is found by HMAC-SM3 blind index only (columns.rs). The
-- finding is kept in clear for counting. `submission_key` (a hash of the resident's form and its
-- one-time key) makes a second press of the same form find the first instead of filing twice.
-- Keep in step with migrations/postgres.
CREATE TABLE complaints (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL,
    pin_enc            BLOB NOT NULL,
    pin_bidx           BLOB NOT NULL,
    category           TEXT NOT NULL CHECK (category IN ('eligible_left_out', 'wrongly_included', 'favouritism',
                                                         'payment_late_or_short', 'staff_conduct', 'other')),
    channel            TEXT NOT NULL CHECK (channel IN ('online', 'kiosk', 'hotline', 'visit')),
    external_no        TEXT,
    region             TEXT NOT NULL,
    handling_region    TEXT NOT NULL,
    excluded_accounts  TEXT NOT NULL DEFAULT '',
    details_enc        BLOB NOT NULL,
    reporter_enc       BLOB,
    state              TEXT NOT NULL CHECK (state IN ('received', 'handling', 'answered')),
    received_at        TEXT NOT NULL,
    due_on             TEXT NOT NULL,
    escalated_at       TEXT,
    accepted_by        TEXT,
    accepted_at        TEXT,
    finding            TEXT CHECK (finding IN ('substantiated', 'partly_substantiated', 'unsubstantiated', 'referred')),
    answer_enc         BLOB,
    answered_by        TEXT,
    answered_at        TEXT,
    submission_key     TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    -- SQLite reports a violation by its columns ("complaints.code"), which the store reads as
    -- these names. Rows without a work order number (NULL) never clash.
    CONSTRAINT complaints_code UNIQUE (code),
    CONSTRAINT complaints_external_no UNIQUE (external_no),
    CONSTRAINT complaints_submission_key UNIQUE (submission_key)
);
-- The handler's queue: a town's (or the county's) complaints in a state, soonest due first.
CREATE INDEX complaints_queue ON complaints (state, handling_region, due_on);
-- Escalation: the open complaints past their day.
CREATE INDEX complaints_overdue ON complaints (due_on) WHERE state <> 'answered';
