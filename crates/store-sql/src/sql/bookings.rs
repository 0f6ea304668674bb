//! 预约办理 ([`BookingStore`]): a booking stored only while its town's half day has a place left,
//! counted and inserted in one write transaction that holds the half day (`lock_booking_slot`:
//! SQLite's write lock, a PostgreSQL advisory lock), so two residents booking the last place at
//! once do not both get it; the name, phone number and note encrypted and bound to the row
//! (`crate::columns`, BOOKING_*), found by 预约编号 and the blind index of the phone number under
//! every index key (a rotation may be half way); listed by day, the morning first; moved once out
//! of `booked` at the version read.

use super::*;
use crate::columns::{BOOKING_NAME, BOOKING_NOTE, BOOKING_PHONE, BOOKING_PHONE_INDEX};
use jiuzhu_domain::booking::{BookingPurpose, BookingSlot, BookingState};

const BOOKING_COLUMNS: &str =
    "id, code, region, day, slot, purpose, name_enc, phone_enc, note_enc, state, booked_at, handled_by, handled_at, version";

/// The half day as it sorts: the slot's text would put the afternoon first.
const SLOT_ORDER: &str = "CASE slot WHEN 'morning' THEN 0 ELSE 1 END";

impl SqlStore {
    fn read_booking(&self, r: &<Db as sqlx::Database>::Row) -> Result<Booking> {
        let id: i64 = r.try_get("id").map_err(backend)?;
        let keys = &self.keys;
        let text = |column: &crate::columns::EncryptedColumn| -> Result<String> {
            let blob: Vec<u8> = r.try_get(column.column).map_err(backend)?;
            keys.decrypt_text(&column.context(id), &blob).map_err(|e| undecryptable(&format!("bookings.{}", column.column), e))
        };
        Ok(Booking {
            id,
            code: r.try_get("code").map_err(backend)?,
            region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
            day: r.try_get("day").map_err(backend)?,
            slot: get_enum(r, "slot", BookingSlot::parse)?,
            purpose: get_enum(r, "purpose", BookingPurpose::parse)?,
            name: text(&BOOKING_NAME)?,
            phone: text(&BOOKING_PHONE)?,
            note: text(&BOOKING_NOTE)?,
            state: get_enum(r, "state", BookingState::parse)?,
            booked_at: r.try_get("booked_at").map_err(backend)?,
            handled_by: r.try_get("handled_by").map_err(backend)?,
            handled_at: r.try_get("handled_at").map_err(backend)?,
            version: r.try_get("version").map_err(backend)?,
        })
    }
}

#[async_trait]
impl BookingStore for SqlStore {
    async fn insert_booking(&self, new: &NewBooking, capacity: u32) -> Result<Option<i64>> {
        let keys = &self.keys;
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // Held to commit: no other booking of this half day counts or inserts meanwhile.
            let half_day = format!("{}|{}|{}", new.region.as_str(), new.day, new.slot.as_str());
            lock_booking_slot(&mut tx, &half_day).await.map_err(backend)?;
            let taken: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM bookings WHERE region = $1 AND day = $2 AND slot = $3 AND state <> 'cancelled'")
                    .bind(new.region.as_str())
                    .bind(new.day)
                    .bind(new.slot.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
            if taken >= i64::from(capacity) {
                return Ok(None);
            }
            // The id first: every ciphertext is bound to it.
            let id = alloc_ids(&mut tx, "bookings", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO bookings (id, code, region, day, slot, purpose, name_enc, phone_enc, phone_bidx, note_enc, state, booked_at, \
                 version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'booked', $11, 1)",
            )
            .bind(id)
            .bind(&new.code)
            .bind(new.region.as_str())
            .bind(new.day)
            .bind(new.slot.as_str())
            .bind(new.purpose.as_str())
            .bind(keys.encrypt(&BOOKING_NAME.context(id), new.name.as_bytes()))
            .bind(keys.encrypt(&BOOKING_PHONE.context(id), new.phone.as_bytes()))
            .bind(keys.blind_index(BOOKING_PHONE_INDEX, new.phone.as_bytes()))
            .bind(keys.encrypt(&BOOKING_NOTE.context(id), new.note.as_bytes()))
            .bind(new.booked_at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(Some(id))
        }
        .await;
        finish(tx, result).await
    }

    async fn booking(&self, id: i64) -> Result<Booking> {
        let r = sqlx::query(&format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match r {
            Some(r) => self.read_booking(&r),
            None => Err(StoreError::NotFound),
        }
    }

    async fn booking_for(&self, code: &str, phone: &str) -> Result<Option<Booking>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE code = "));
        q.push_bind(code.to_string()).push(" AND ");
        push_index_match(&mut q, &self.keys, "phone_bidx", BOOKING_PHONE_INDEX, phone);
        let r = q.build().fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(|r| self.read_booking(r)).transpose()
    }

    async fn bookings_on(&self, scope: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>> {
        let rows = sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE region >= $1 AND region < $2 AND day >= $3 AND day <= $4 \
             ORDER BY day, {SLOT_ORDER}, booked_at, id"
        ))
        .bind(scope.as_str())
        .bind(scope.upper_bound())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| self.read_booking(r)).collect()
    }

    async fn places_taken(&self, region: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, BookingSlot, u32)>> {
        let rows = sqlx::query(&format!(
            "SELECT day, slot, COUNT(*) AS n FROM bookings WHERE region = $1 AND day >= $2 AND day <= $3 AND state <> 'cancelled' \
             GROUP BY day, slot ORDER BY day, {SLOT_ORDER}"
        ))
        .bind(region.as_str())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n").map_err(backend)?;
                let n = u32::try_from(n).map_err(|_| corrupt("bookings places taken", &n.to_string()))?;
                Ok((r.try_get("day").map_err(backend)?, get_enum(r, "slot", BookingSlot::parse)?, n))
            })
            .collect()
    }

    async fn bookings_by_phone(&self, phone: &str, from: NaiveDate) -> Result<Vec<Booking>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE state = 'booked' AND day >= "));
        q.push_bind(from).push(" AND ");
        push_index_match(&mut q, &self.keys, "phone_bidx", BOOKING_PHONE_INDEX, phone);
        // By day as the window's list is, the morning first.
        q.push(format!(" ORDER BY day, {SLOT_ORDER}, booked_at, id"));
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| self.read_booking(r)).collect()
    }

    async fn set_booking_state(&self, id: i64, version: i64, state: BookingState, by: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        // Out of `booked` only: back into it is no move.
        let moves = state != BookingState::Booked;
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            if moves {
                let done = sqlx::query(
                    "UPDATE bookings SET state = $1, handled_by = $2, handled_at = $3, version = version + 1 \
                     WHERE id = $4 AND version = $5 AND state = 'booked'",
                )
                .bind(state.as_str())
                .bind(by)
                .bind(at)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                if done.rows_affected() == 1 {
                    return Ok(());
                }
            }
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM bookings WHERE id = $1").bind(id).fetch_optional(&mut *tx).await.map_err(backend)?;
            Err(if exists.is_some() { StoreError::VersionMismatch { expected: version } } else { StoreError::NotFound })
        }
        .await;
        finish(tx, result).await
    }
}
