-- 乡镇审核 per town (issue 16 §5): each town's reviewer signs off its own part of the county's
-- payroll; when every town with live lines has signed, the payroll is reviewed. Keep in step with
-- migrations/postgres.
CREATE TABLE payroll_town_reviews (
    payroll_id      INTEGER NOT NULL REFERENCES payrolls (id),
    town            TEXT NOT NULL,
    by_id           INTEGER,
    by_name         TEXT NOT NULL,
    at              TEXT NOT NULL,
    note            TEXT NOT NULL,
    PRIMARY KEY (payroll_id, town)
);
