-- Casework (一门受理、协同办理): cases and their timeline, survey photos, the benefits granted,
-- the department of liaison accounts, and holiday years imported after the release (SQLite).
-- Keep in step with migrations/postgres.

ALTER TABLE accounts ADD COLUMN department TEXT;

CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY,
    intake_id           INTEGER NOT NULL,
    household_id        INTEGER NOT NULL REFERENCES households (id),
    region              TEXT NOT NULL,
    kind                TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    track               TEXT NOT NULL,
    state               TEXT NOT NULL,
    is_open             BOOLEAN NOT NULL,
    version             INTEGER NOT NULL,
    applicant           TEXT NOT NULL,
    opened_on           TEXT NOT NULL,
    accepted_on         TEXT,
    step_started_on     TEXT NOT NULL,
    step_due            TEXT,
    overall_due         TEXT,
    due_role            TEXT,
    department          TEXT,
    contested           BOOLEAN NOT NULL,
    near_relative       BOOLEAN NOT NULL,
    extended            BOOLEAN NOT NULL,
    spot_check_required BOOLEAN NOT NULL,
    benefit_id          INTEGER,
    details             TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
-- One open case per household, kind and purpose: a second application for the same thing is refused.
CREATE UNIQUE INDEX cases_open_kind ON cases (household_id, kind, purpose) WHERE is_open;
-- Queues: a role's cases inside a region prefix, soonest deadline first.
CREATE INDEX cases_queue ON cases (due_role, region, step_due) WHERE due_role IS NOT NULL;
CREATE INDEX cases_household ON cases (household_id, id);
CREATE INDEX cases_state ON cases (state, region);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    at          TEXT NOT NULL,
    account_id  INTEGER,
    actor       TEXT NOT NULL,
    role        TEXT,
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE INDEX case_events_account ON case_events (account_id, case_id);

CREATE TABLE case_photos (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    caption       TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX case_photos_case ON case_photos (case_id);

CREATE TABLE benefits (
    id                  INTEGER PRIMARY KEY,
    version             INTEGER NOT NULL,
    household_id        INTEGER NOT NULL REFERENCES households (id),
    region              TEXT NOT NULL,
    kind                TEXT NOT NULL,
    case_id             INTEGER NOT NULL REFERENCES cases (id),
    monthly_amount      INTEGER NOT NULL CHECK (monthly_amount >= 0),
    one_off_amount      INTEGER NOT NULL CHECK (one_off_amount >= 0),
    since_month         TEXT NOT NULL,
    until_month         TEXT,
    status              TEXT NOT NULL,
    next_review_on      TEXT,
    next_review_reason  TEXT NOT NULL,
    review_months       INTEGER NOT NULL,
    job_refusals        INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX benefits_household ON benefits (household_id, id);
CREATE INDEX benefits_review ON benefits (status, next_review_on);
-- A household holds one benefit of a kind at a time (one-off temporary assistance excepted).
CREATE UNIQUE INDEX benefits_one_in_force ON benefits (household_id, kind) WHERE status <> 'ended' AND kind <> 'temporary';

CREATE TABLE calendar_years (
    year         INTEGER PRIMARY KEY,
    content      TEXT NOT NULL,
    source       TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);
