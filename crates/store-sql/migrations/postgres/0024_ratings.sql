-- 好差评 (jiuzhu_store::ratings): a resident's rating of how their online application
-- (`matter` 'application') or their complaint ('complaint') was handled, one per matter
-- (`matter_id`, the application's or the complaint's id; no foreign key: the two matters live in
-- two tables), on the five national levels, by the unit of `region` that handled it (the
-- application's town, the complaint's handling region). A bad rating has a `rectify_by` (a
-- Beijing day) and waits for that unit's 整改: what it found, what it did (both SM4-GCM
-- ciphertexts bound to the row id, as the resident's `comment` is: columns.rs), whether the
-- resident was reached, who recorded it and when; recorded once, whole. Keep in step with
-- migrations/sqlite.
CREATE TABLE ratings (
    id            BIGSERIAL PRIMARY KEY,
    matter        TEXT NOT NULL CHECK (matter IN ('application', 'complaint')),
    matter_id     BIGINT NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('very_satisfied', 'satisfied', 'fairly_satisfied', 'dissatisfied',
                                                 'very_dissatisfied')),
    comment_enc   BYTEA NOT NULL,
    rated_at      TIMESTAMPTZ NOT NULL,
    rectify_by    DATE,
    found_enc     BYTEA,
    action_enc    BYTEA,
    contacted     BOOLEAN,
    rectified_by  TEXT,
    rectified_at  TIMESTAMPTZ,
    version       BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT ratings_matter UNIQUE (matter, matter_id),
    -- The rectification is recorded whole or not at all, and only for a bad rating.
    CONSTRAINT ratings_rectification CHECK (
        (found_enc IS NULL AND action_enc IS NULL AND contacted IS NULL AND rectified_by IS NULL AND rectified_at IS NULL)
        OR (rectify_by IS NOT NULL AND found_enc IS NOT NULL AND action_enc IS NOT NULL AND contacted IS NOT NULL
            AND rectified_by IS NOT NULL AND rectified_at IS NOT NULL))
);
-- The handling unit's list of bad ratings: a town's (or the county's), soonest due first.
CREATE INDEX ratings_to_rectify ON ratings (region, rectify_by) WHERE rectify_by IS NOT NULL;
