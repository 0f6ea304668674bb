-- 待遇金额变更记录 (issue 16 §2: a rise of the standard reaching back is paid as adjustment
-- lines): each benefit's monthly amount over time, append-only; the amount of a month is that of
-- the latest recorded change (highest seq) whose month is not after it (domain
-- payment::amounts). Keep in step with migrations/postgres.
ALTER TABLE benefits ADD COLUMN amount_from TEXT;
CREATE TABLE benefit_amounts (
    benefit_id      INTEGER NOT NULL REFERENCES benefits (id),
    seq             INTEGER NOT NULL,
    from_month      TEXT NOT NULL,
    monthly_amount  INTEGER NOT NULL CHECK (monthly_amount >= 0),
    recorded_at     TEXT NOT NULL,
    note            TEXT NOT NULL,
    PRIMARY KEY (benefit_id, seq)
);
-- Where the record begins for a benefit already paid: the month after its newest line (months
-- paid before stand as paid; nothing is known of their amounts), else its first month.
UPDATE benefits SET amount_from = COALESCE(
    (SELECT date(MAX(l.benefit_month), '+1 month') FROM payment_lines l WHERE l.benefit_id = benefits.id AND l.benefit_month >= benefits.since_month),
    since_month);
UPDATE benefits SET amount_from = since_month WHERE amount_from < since_month;
INSERT INTO benefit_amounts (benefit_id, seq, from_month, monthly_amount, recorded_at, note)
    SELECT id, 1, amount_from, monthly_amount, updated_at, '升级时记录的现行金额' FROM benefits;
-- 补差: the benefit months (and amounts) an adjustment line pays, `2027-01:2500;2027-02:2500`.
ALTER TABLE payment_lines ADD COLUMN parts TEXT;
-- 提标: a rise of a programme's standard applied to a county's benefits (each benefit's new
-- changes are in benefit_amounts); one per county, programme and notice.
CREATE TABLE benefit_rises (
    id                  INTEGER PRIMARY KEY,
    region              TEXT NOT NULL,
    kind                TEXT NOT NULL,
    from_month          TEXT NOT NULL,
    per_person          INTEGER NOT NULL CHECK (per_person > 0),
    notice              TEXT NOT NULL,
    benefits            INTEGER NOT NULL,
    members             INTEGER NOT NULL,
    monthly_increase    INTEGER NOT NULL,
    by_id               INTEGER,
    by_name             TEXT NOT NULL,
    at                  TEXT NOT NULL,
    UNIQUE (region, kind, notice)
);
-- 先行救助 paid from a town's standby fund names the 临时救助 case it pays (issue 16 §10): the
-- payroll then owes that case nothing (it was paid in cash); one voucher per case.
ALTER TABLE standby_vouchers ADD COLUMN case_id BIGINT REFERENCES cases (id);
CREATE UNIQUE INDEX standby_vouchers_case ON standby_vouchers (case_id) WHERE case_id IS NOT NULL;
