-- Pending audit entries (审计意图): what a request's entries would say, written in the same
-- transaction as each change the request commits. The request's own sealed entries replace
-- them when it ends; when it could not write them (a full disk, a crash) they are sealed later.
-- So a committed change always has its audit entries, and a refused one has no data.
CREATE TABLE audit_pending (
    id            INTEGER PRIMARY KEY,
    request_key   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    at            TEXT NOT NULL,
    account_id    INTEGER,
    username      TEXT NOT NULL,
    role          TEXT NOT NULL,
    region        TEXT NOT NULL,
    ip            TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_kind   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    household_id  INTEGER,
    fields        TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX audit_pending_request ON audit_pending (request_key);
CREATE INDEX audit_pending_created ON audit_pending (created_at);

-- /healthz writes here: the server is healthy only while it can write.
CREATE TABLE health_probe (
    id   INTEGER PRIMARY KEY,
    at   TEXT NOT NULL,
    pad  BLOB NOT NULL
);
