-- 乡镇临时救助备用金 (issue 16 §10): one imprest account per town; 先行救助 paid out of its cash
-- at once (a voucher), vouchers replenished by the county from the 临时救助 budget.
-- cash + outstanding vouchers = imprest after every transaction. Keep in step with migrations/postgres.
CREATE TABLE standby_accounts (
    town            TEXT PRIMARY KEY,
    imprest         INTEGER NOT NULL CHECK (imprest >= 0),
    payment_limit   INTEGER NOT NULL CHECK (payment_limit > 0),
    cash            INTEGER NOT NULL CHECK (cash >= 0 AND cash <= imprest),
    version         INTEGER NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE standby_vouchers (
    id              INTEGER PRIMARY KEY,
    town            TEXT NOT NULL REFERENCES standby_accounts (town),
    household_id    INTEGER NOT NULL REFERENCES households (id),
    region          TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reason          TEXT NOT NULL,
    paid_on         TEXT NOT NULL,
    paid_by_id      INTEGER,
    paid_by         TEXT NOT NULL,
    paid_at         TEXT NOT NULL,
    replenished_at  TEXT,
    replenished_by  TEXT
);
CREATE INDEX standby_vouchers_town ON standby_vouchers (town, id);
