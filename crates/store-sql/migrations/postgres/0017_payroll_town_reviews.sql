-- 乡镇审核 per town (issue 16 §5): each town's reviewer signs off its own part of the county's
-- payroll; when every town with live lines has signed, the payroll is reviewed. Keep in step with
-- migrations/sqlite.
CREATE TABLE payroll_town_reviews (
    payroll_id      BIGINT NOT NULL REFERENCES payrolls (id),
    town            TEXT COLLATE "C" NOT NULL,
    by_id           BIGINT,
    by_name         TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    note            TEXT NOT NULL,
    PRIMARY KEY (payroll_id, town)
);
