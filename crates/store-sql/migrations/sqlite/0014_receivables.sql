-- Receivables (应追回, issue 16 §9): money paid that was not owed — a month paid after the
-- beneficiary's death or the benefit's end, or obtained by fraud (暂行办法 art. 68) — and how it
-- comes back: refunds (ledger entries) or capped offsets withheld from later lines (扣回, kept on
-- the line that paid less). Keep in step with migrations/postgres.

-- 扣回: what a line withheld against a receivable; the household was owed amount + withheld.
ALTER TABLE payment_lines ADD COLUMN withheld INTEGER NOT NULL DEFAULT 0 CHECK (withheld >= 0);
ALTER TABLE payment_lines ADD COLUMN receivable_id INTEGER;

CREATE TABLE payment_receivables (
    id              INTEGER PRIMARY KEY,
    household_id    INTEGER NOT NULL REFERENCES households (id),
    region          TEXT NOT NULL,
    programme       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    refunded        INTEGER NOT NULL CHECK (refunded >= 0),
    -- The paid line found owed nothing (none for fraud, recorded by a decision): found once.
    origin_line     INTEGER UNIQUE REFERENCES payment_lines (id),
    note            TEXT NOT NULL,
    created_by_id   INTEGER,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX payment_receivables_household ON payment_receivables (household_id, programme);
CREATE INDEX payment_lines_receivable ON payment_lines (receivable_id) WHERE receivable_id IS NOT NULL;
