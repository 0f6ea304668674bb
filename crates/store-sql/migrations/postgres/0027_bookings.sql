-- 预约办理 (jiuzhu_store::bookings): a resident's booking of a half day (`slot`: 'morning' or
-- 'afternoon') on `day` (a Beijing day) at the window of a town (`region`), for a `purpose`. The
-- resident keeps or cancels it with the 预约编号 (`code`, unique) and the phone number given: the
-- name, the phone number and the resident's note are SM4-GCM ciphertexts bound to the row id, the
-- phone found with the code (and a resident's bookings found across towns) by its HMAC-SM3 blind
-- index only (columns.rs). `state`: 'booked' (holds a place of the half day), then once
-- 'cancelled' by the resident (the place is free again), 'arrived' or 'missed' as the window
-- records (`handled_by`, the staff account's username); `handled_at` is when it left 'booked'.
-- A half day holds at most the window's capacity of bookings not cancelled: the store counts and
-- inserts holding a transaction-scoped advisory lock on the region, day and half day, so two
-- residents booking its last place at once do not both get it. Keep in step with
-- migrations/sqlite.
CREATE TABLE bookings (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    day         DATE NOT NULL,
    slot        TEXT NOT NULL CHECK (slot IN ('morning', 'afternoon')),
    purpose     TEXT NOT NULL CHECK (purpose IN ('apply', 'materials', 'consult', 'other')),
    name_enc    BYTEA NOT NULL,
    phone_enc   BYTEA NOT NULL,
    phone_bidx  BYTEA NOT NULL,
    note_enc    BYTEA NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('booked', 'cancelled', 'arrived', 'missed')),
    booked_at   TIMESTAMPTZ NOT NULL,
    handled_by  TEXT,
    handled_at  TIMESTAMPTZ,
    version     BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT bookings_code UNIQUE (code),
    -- Only a booking that left 'booked' was handled.
    CONSTRAINT bookings_handled CHECK ((state = 'booked' AND handled_by IS NULL AND handled_at IS NULL)
                                       OR (state <> 'booked' AND handled_at IS NOT NULL))
);
-- A town's half days: the places taken, the window's list of a day (a county's: its towns).
CREATE INDEX bookings_slot ON bookings (region, day, slot);
-- A resident's bookings by phone number.
CREATE INDEX bookings_phone ON bookings (phone_bidx);
