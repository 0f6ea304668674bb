-- Stored assessments (研判记录): the result of the policy engine for a registered household on a
-- date, kept so that a household's and a region's before/after can be compared. Never updated.
CREATE TABLE assessments (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    region       TEXT NOT NULL,
    at           TEXT NOT NULL,
    account_id   INTEGER,
    actor        TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    level        TEXT NOT NULL,
    dibao        INTEGER NOT NULL CHECK (dibao >= 0),
    tekun        INTEGER NOT NULL CHECK (tekun >= 0),
    flags        INTEGER NOT NULL,
    result       TEXT NOT NULL
);
CREATE INDEX assessments_household ON assessments (household_id, id);
CREATE INDEX assessments_region ON assessments (region, as_of);
