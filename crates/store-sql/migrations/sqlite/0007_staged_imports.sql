-- Department files are stored in batches, each its own short transaction, so that a large file
-- never holds the write lock for long (a 200 MB file held it for ~110 s and every request got
-- 503). While an import is `staging` its rows are invisible; `complete` shows them all at once.
-- `touched_at` is the last batch's time: a staging import not touched for long was left by a
-- run that was killed and is removed at the next start.
ALTER TABLE feed_imports ADD COLUMN state TEXT NOT NULL DEFAULT 'complete';
ALTER TABLE feed_imports ADD COLUMN touched_at TEXT;
CREATE INDEX feed_records_import ON feed_records (import_id);
