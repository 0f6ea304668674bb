-- Registry, regions, accounts and sessions (SQLite). Keep in step with migrations/postgres.
-- Money is INTEGER fen; dates are ISO text; booleans are 0/1.

CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    parent TEXT
);
CREATE INDEX regions_parent ON regions (parent, code);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    region         TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX accounts_username ON accounts (username);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE households (
    id               INTEGER PRIMARY KEY,
    hukou_region     TEXT NOT NULL,
    residence_region TEXT NOT NULL,
    area             TEXT NOT NULL,
    address          TEXT NOT NULL,
    phone            TEXT,
    bank             TEXT,
    bank_account_no  TEXT,
    version          INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX households_hukou_region ON households (hukou_region, id);

CREATE TABLE persons (
    id                     INTEGER PRIMARY KEY,
    household_id           INTEGER NOT NULL REFERENCES households (id),
    seq                    INTEGER NOT NULL,
    id_number              TEXT NOT NULL,
    name                   TEXT NOT NULL,
    relation               TEXT NOT NULL,
    sex                    TEXT NOT NULL,
    birth_date             TEXT NOT NULL,
    phone                  TEXT,
    disability_kind        TEXT,
    disability_grade       INTEGER,
    disability_certificate TEXT,
    serious_illness        BOOLEAN NOT NULL,
    chronic_illness        BOOLEAN NOT NULL,
    self_care              INTEGER NOT NULL,
    labour_capacity        TEXT NOT NULL,
    student                TEXT,
    employment             TEXT NOT NULL,
    living_together        BOOLEAN NOT NULL,
    excluded               TEXT
);
-- A person belongs to one household at a time.
CREATE UNIQUE INDEX persons_id_number ON persons (id_number);
CREATE INDEX persons_household ON persons (household_id, seq);
CREATE INDEX persons_name ON persons (name, household_id);

CREATE TABLE incomes (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    person_id    INTEGER REFERENCES persons (id),
    kind         TEXT NOT NULL,
    month        TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount >= 0)
);
CREATE INDEX incomes_household ON incomes (household_id);

CREATE TABLE assets (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    person_id    INTEGER REFERENCES persons (id),
    kind         TEXT NOT NULL,
    value        INTEGER NOT NULL CHECK (value >= 0),
    description  TEXT NOT NULL
);
CREATE INDEX assets_household ON assets (household_id);

CREATE TABLE expenses (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    kind         TEXT NOT NULL,
    month        TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    description  TEXT NOT NULL
);
CREATE INDEX expenses_household ON expenses (household_id);

CREATE TABLE supporters (
    id                       INTEGER PRIMARY KEY,
    household_id             INTEGER NOT NULL REFERENCES households (id),
    name                     TEXT NOT NULL,
    relation                 TEXT NOT NULL,
    birth_date               TEXT,
    status                   TEXT NOT NULL,
    severe_disability        BOOLEAN NOT NULL,
    incapacitated            BOOLEAN NOT NULL,
    missing                  BOOLEAN NOT NULL,
    imprisoned               BOOLEAN NOT NULL,
    annual_income_per_capita INTEGER CHECK (annual_income_per_capita >= 0),
    assets_within_limits     BOOLEAN
);
CREATE INDEX supporters_household ON supporters (household_id);

-- Every change to a household: who, when, old → new. Never updated or deleted.
CREATE TABLE history (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    at           TEXT NOT NULL,
    account_id   INTEGER,
    actor        TEXT NOT NULL,
    entity       TEXT NOT NULL,
    field        TEXT NOT NULL,
    old_value    TEXT NOT NULL,
    new_value    TEXT NOT NULL
);
CREATE INDEX history_household ON history (household_id, id);
