-- 在线咨询 (jiuzhu_store::questions): a resident's question to the window of a town (`region`)
-- and the thread that answers it. The resident follows it with the 咨询编号 (`code`, unique) and
-- the 查询密码 (`pin`): an SM4-GCM ciphertext bound to the row id, found with the code by its
-- HMAC-SM3 blind index only (columns.rs), as complaints' PIN is. `state`: 'waiting' for the town's
-- answer by `due_on` (a Beijing day), 'answered', or 'closed' by the resident; `last_at` is the
-- time of the latest step (a message, or the closing). Each message (`question_messages`) is from
-- the resident (`from_staff` false, no `author`) or from the town's staff (`author`, the account's
-- username); its `body` is personal text, an SM4-GCM ciphertext bound to the message's id.
-- Keep in step with migrations/postgres.
CREATE TABLE questions (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL,
    pin_enc    BLOB NOT NULL,
    pin_bidx   BLOB NOT NULL,
    topic      TEXT NOT NULL CHECK (topic IN ('eligibility', 'materials', 'progress', 'payment', 'other')),
    region     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('waiting', 'answered', 'closed')),
    asked_at   TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    last_at    TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    -- SQLite reports a violation by its columns ("questions.code"), which the store reads as
    -- this name.
    CONSTRAINT questions_code UNIQUE (code)
);
-- The town's queue: a town's (or the county's) questions in a state, soonest due first.
CREATE INDEX questions_queue ON questions (region, state, due_on);

CREATE TABLE question_messages (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    from_staff   BOOLEAN NOT NULL,
    author       TEXT,
    body_enc     BLOB NOT NULL,
    at           TEXT NOT NULL,
    -- Staff sign their answers; the resident's messages name nobody.
    CONSTRAINT question_messages_author CHECK ((from_staff AND author IS NOT NULL) OR (NOT from_staff AND author IS NULL))
);
-- A thread, oldest first.
CREATE INDEX question_messages_thread ON question_messages (question_id, at, id);
