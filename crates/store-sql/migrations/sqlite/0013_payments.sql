-- Payments (资金发放, issue 16): payrolls frozen per county × programme × month, their lines,
-- the bank's return files, and the fund ledger sealed in a chain. Keep in step with
-- migrations/postgres.

CREATE TABLE payrolls (
    id              INTEGER PRIMARY KEY,
    region          TEXT NOT NULL,
    programme       TEXT NOT NULL,
    month           TEXT NOT NULL,
    state           TEXT NOT NULL,
    version         INTEGER NOT NULL,
    lines           INTEGER NOT NULL,
    total           INTEGER NOT NULL CHECK (total >= 0),
    blocked         INTEGER NOT NULL,
    rule_version    TEXT NOT NULL,
    generated_by_id INTEGER,
    generated_by    TEXT NOT NULL,
    generated_at    TEXT NOT NULL,
    reviewed_by_id  INTEGER,
    reviewed_by     TEXT,
    reviewed_at     TEXT,
    approved_by_id  INTEGER,
    approved_by     TEXT,
    approved_at     TEXT,
    exported_at     TEXT,
    export_layout   TEXT,
    export_sha256   TEXT,
    reconciled_at   TEXT,
    note            TEXT NOT NULL
);
-- One live payroll per county, programme and month: a second generation finds the first.
CREATE UNIQUE INDEX payrolls_live ON payrolls (region, programme, month) WHERE state NOT IN ('rejected', 'cancelled');

CREATE TABLE payment_lines (
    id              INTEGER PRIMARY KEY,
    payroll_id      INTEGER NOT NULL REFERENCES payrolls (id),
    reference       TEXT NOT NULL UNIQUE,
    household_id    INTEGER NOT NULL REFERENCES households (id),
    region          TEXT NOT NULL,
    programme       TEXT NOT NULL,
    benefit_month   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    members         INTEGER NOT NULL,
    payee_name      TEXT NOT NULL,
    payee_id_enc    BLOB NOT NULL,
    bank            TEXT,
    account_enc     BLOB,
    benefit_id      INTEGER,
    rule_version    TEXT NOT NULL,
    state           TEXT NOT NULL,
    live            BOOLEAN NOT NULL,
    block_reason    TEXT,
    note            TEXT NOT NULL,
    origin_line     INTEGER REFERENCES payment_lines (id),
    failure_code    TEXT,
    failure_text    TEXT,
    updated_at      TEXT NOT NULL
);
-- Exactly once: one live line per household, programme, benefit month and kind.
CREATE UNIQUE INDEX payment_lines_once ON payment_lines (household_id, programme, benefit_month, kind) WHERE live;
CREATE INDEX payment_lines_payroll ON payment_lines (payroll_id, id);
CREATE INDEX payment_lines_household ON payment_lines (household_id, programme, benefit_month);

-- The money each fund committed at approval (支付令 per fund source).
CREATE TABLE payroll_funds (
    payroll_id      INTEGER NOT NULL REFERENCES payrolls (id),
    fund            TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    PRIMARY KEY (payroll_id, fund)
);

-- Return files applied, by checksum: the same file twice changes nothing.
CREATE TABLE payment_returns (
    payroll_id      INTEGER NOT NULL REFERENCES payrolls (id),
    file_sha256     TEXT NOT NULL,
    imported_by     TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    paid            INTEGER NOT NULL,
    failed          INTEGER NOT NULL,
    reversed        INTEGER NOT NULL,
    exceptions      INTEGER NOT NULL,
    PRIMARY KEY (payroll_id, file_sha256)
);

-- 对账异常: return lines that changed nothing.
CREATE TABLE payment_exceptions (
    id              INTEGER PRIMARY KEY,
    payroll_id      INTEGER NOT NULL REFERENCES payrolls (id),
    file_sha256     TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    reference       TEXT NOT NULL,
    problem         TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX payment_exceptions_payroll ON payment_exceptions (payroll_id, id);

-- The fund ledger: one row per leg of a balanced entry, never updated or deleted; each row's
-- seal covers the previous row's seal (a chain, like the audit trail).
CREATE TABLE ledger_postings (
    id              INTEGER PRIMARY KEY,
    entry_id        INTEGER NOT NULL,
    at              TEXT NOT NULL,
    fund            TEXT NOT NULL,
    programme       TEXT NOT NULL,
    year            INTEGER NOT NULL,
    account         TEXT NOT NULL,
    debit           INTEGER NOT NULL CHECK (debit >= 0),
    credit          INTEGER NOT NULL CHECK (credit >= 0),
    payroll_id      INTEGER,
    memo            TEXT NOT NULL,
    key_id          INTEGER NOT NULL,
    seal            BLOB NOT NULL
);
CREATE INDEX ledger_postings_payroll ON ledger_postings (payroll_id, id);
