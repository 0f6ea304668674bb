-- 收款安排 (issue 16 §2): a household's benefit paid to another account than its own — the
-- 供养服务机构 of a 特困 person in 集中供养, a child's 监护人 (domain payment::payee). At most one
-- live arrangement per household and role; an ended one is kept with who ended it. Code and
-- account are encrypted like the household's own (columns.rs). Keep in step with migrations/sqlite.
CREATE TABLE payees (
    id              BIGSERIAL PRIMARY KEY,
    household_id    BIGINT NOT NULL REFERENCES households (id),
    role            TEXT NOT NULL CHECK (role IN ('institution', 'guardian')),
    name            TEXT NOT NULL,
    code_enc        BYTEA NOT NULL,
    bank            TEXT NOT NULL,
    account_enc     BYTEA NOT NULL,
    basis           TEXT NOT NULL,
    recorded_by_id  BIGINT,
    recorded_by     TEXT NOT NULL,
    recorded_on     DATE NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    ended_by        TEXT,
    ended_at        TIMESTAMPTZ
);
CREATE UNIQUE INDEX payees_live ON payees (household_id, role) WHERE ended_at IS NULL;
-- Whose account a line pays when not the household's own (NULL: its own).
ALTER TABLE payment_lines ADD COLUMN payee_role TEXT;
