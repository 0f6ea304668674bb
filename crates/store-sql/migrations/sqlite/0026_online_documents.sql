-- 网上申请的材料照片 (jiuzhu_store::online): photos of documents (户口簿, ID cards, a diagnosis …) a
-- resident adds to their online application (`application_id`) before the town window takes it
-- in, each showing one item of the materials checklist (`material`: its code, or 'other'). The
-- picture (`bytes`) is personal data: an SM4-GCM ciphertext bound to the row id (columns.rs),
-- never stored in the clear, unlike the staff's survey photos (case_photos); `size` is the
-- picture's own size in bytes and `content_type` what its bytes are (image/jpeg, image/png or
-- image/webp). A photo taken back is deleted for good (secure_delete overwrites its pages).
-- Keep in step with migrations/postgres.
CREATE TABLE online_documents (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES online_applications (id),
    material        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL CHECK (size >= 0),
    bytes_enc       BLOB NOT NULL,
    uploaded_at     TEXT NOT NULL
);
-- An application's photos, oldest first.
CREATE INDEX online_documents_application ON online_documents (application_id, uploaded_at, id);
