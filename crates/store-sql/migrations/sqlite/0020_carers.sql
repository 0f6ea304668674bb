-- 照料护理人 (issue 16 §2): a 特困 person cared for at home has their 照料护理费 paid to the carer
-- of a 委托照料服务协议, from the agreement's first month (`care_from`) to its last once ended
-- (`care_until`), at most `care_amount` fen a month (domain payment::payee::care_in). SQLite cannot
-- widen a CHECK in place: the table is copied. Keep in step with migrations/postgres.
CREATE TABLE payees_new (
    id              INTEGER PRIMARY KEY,
    household_id    INTEGER NOT NULL REFERENCES households (id),
    role            TEXT NOT NULL CHECK (role IN ('institution', 'guardian', 'carer')),
    name            TEXT NOT NULL,
    code_enc        BLOB NOT NULL,
    bank            TEXT NOT NULL,
    account_enc     BLOB NOT NULL,
    basis           TEXT NOT NULL,
    recorded_by_id  INTEGER,
    recorded_by     TEXT NOT NULL,
    recorded_on     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    ended_by        TEXT,
    ended_at        TEXT,
    care_amount     INTEGER CHECK (care_amount > 0),
    care_from       TEXT,
    care_until      TEXT,
    CHECK ((role = 'carer') = (care_amount IS NOT NULL AND care_from IS NOT NULL))
);
INSERT INTO payees_new (id, household_id, role, name, code_enc, bank, account_enc, basis, recorded_by_id, recorded_by, recorded_on,
                        recorded_at, ended_by, ended_at)
    SELECT id, household_id, role, name, code_enc, bank, account_enc, basis, recorded_by_id, recorded_by, recorded_on, recorded_at,
           ended_by, ended_at FROM payees;
DROP TABLE payees;
ALTER TABLE payees_new RENAME TO payees;
CREATE UNIQUE INDEX payees_live ON payees (household_id, role) WHERE ended_at IS NULL;
-- Generation looks for the households with a benefit of the programme: without this index a
-- programme nobody in the county receives read every benefit (1.3 s at 1,000,000).
CREATE INDEX benefits_kind_household ON benefits (kind, household_id);
