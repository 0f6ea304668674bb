-- 节假日安排 imports kept as history (issue 14): re-importing a year used to overwrite the first
-- import's source and importer. calendar_years stays the current file of each year; every
-- import, the first included, is a row here with its SHA-256 and how many cases' deadlines it
-- computed or moved. The import made before this history was kept is copied in without a
-- SHA-256 or count (unknown).
CREATE TABLE calendar_imports (
    id             INTEGER PRIMARY KEY,
    year           INTEGER NOT NULL,
    content        TEXT NOT NULL,
    sha256         TEXT,
    source         TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    cases_changed  INTEGER
);
CREATE INDEX calendar_imports_year ON calendar_imports (year, id);
INSERT INTO calendar_imports (year, content, source, imported_by, imported_at)
    SELECT year, content, source, imported_by, imported_at FROM calendar_years ORDER BY year;
