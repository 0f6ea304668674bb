-- 照料护理人 (issue 16 §2): a 特困 person cared for at home has their 照料护理费 paid to the carer
-- of a 委托照料服务协议, from the agreement's first month (`care_from`) to its last once ended
-- (`care_until`), at most `care_amount` fen a month (domain payment::payee::care_in). Keep in step
-- with migrations/sqlite.
ALTER TABLE payees DROP CONSTRAINT payees_role_check;
ALTER TABLE payees ADD CONSTRAINT payees_role_check CHECK (role IN ('institution', 'guardian', 'carer'));
ALTER TABLE payees ADD COLUMN care_amount BIGINT CHECK (care_amount > 0);
ALTER TABLE payees ADD COLUMN care_from DATE;
ALTER TABLE payees ADD COLUMN care_until DATE;
ALTER TABLE payees ADD CONSTRAINT payees_care_terms CHECK ((role = 'carer') = (care_amount IS NOT NULL AND care_from IS NOT NULL));
-- A line changes state four times (ready, exported, paid or failed): with room left in its page
-- the change is a HOT update that writes no index entry. Packed full, marking 1,000,000 lines
-- exported rewrote all six indexes and took 14.4 s; with half of each page free, 2.7 s, every
-- update HOT (measured 2026-12-07, docs/payments.md §六). Applies to pages written from now on.
ALTER TABLE payment_lines SET (fillfactor = 50);
-- Generation looks for the households with a benefit of the programme: without this index a
-- programme nobody in the county receives read every benefit (1.3 s at 1,000,000).
CREATE INDEX benefits_kind_household ON benefits (kind, household_id);
