-- Key rotation that loses nothing (issue 14). Keep in step with migrations/sqlite.
--
-- A department row's blind indexes (person_bidx, row_key) are HMACs of values the row did not
-- keep, so a new index key could not recompute them. The values are now kept SM4-encrypted
-- (registry: jiuzhu_store_sql::columns). Rows imported before this migration have NULL here:
-- a rotation of the index key keeps the old key while such rows exist, and says so.
ALTER TABLE feed_records ADD COLUMN id_number_enc BYTEA;
ALTER TABLE feed_records ADD COLUMN row_key_enc BYTEA;

-- Who holds the database: a running server (renewed every 10 s, dead 30 s after its last
-- renewal) or a key rotation. A rotation refuses to start while a server lives, and a server
-- while a rotation runs.
CREATE TABLE server_leases (
    token       TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,      -- server, rotation
    host        TEXT NOT NULL,
    pid         BIGINT NOT NULL,
    since       TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
