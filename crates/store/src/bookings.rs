//! 预约办理: residents' bookings of a half day at their town's window, kept and cancelled with the
//! 预约编号 and the phone number given, served (到场/未到场) by the window.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::booking::{BookingPurpose, BookingSlot, BookingState};

/// A booking as it is first stored (state `Booked`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// 预约编号 (`YY20261208-482913`), unique.
    pub code: String,
    /// The town whose window is booked.
    pub region: RegionCode,
    pub day: NaiveDate,
    pub slot: BookingSlot,
    pub purpose: BookingPurpose,
    /// 姓名 (encrypted at rest): whom the window expects.
    pub name: String,
    /// 手机号码 (encrypted at rest; found with the code through a blind index): how the window
    /// reaches the resident, and what the resident proves the booking with.
    pub phone: String,
    /// What the resident wrote about the matter (may be empty; encrypted at rest).
    pub note: String,
    pub booked_at: DateTime<Utc>,
}

/// A stored booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub code: String,
    pub region: RegionCode,
    pub day: NaiveDate,
    pub slot: BookingSlot,
    pub purpose: BookingPurpose,
    pub name: String,
    pub phone: String,
    pub note: String,
    pub state: BookingState,
    pub booked_at: DateTime<Utc>,
    /// The staff account that recorded 到场 or 未到场 (its username); `None` otherwise.
    pub handled_by: Option<String>,
    /// When the state last changed (cancelled, arrived or missed).
    pub handled_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Stores a booking when its town's half day holds fewer than `capacity` places taken
    /// (bookings not cancelled), in one step that two residents booking the last place at once
    /// cannot both pass; `None` when it is full. A code already used is
    /// `Conflict { "bookings_code" }`.
    async fn insert_booking(&self, new: &NewBooking, capacity: u32) -> Result<Option<i64>>;
    /// One booking by id; `NotFound` when there is none.
    async fn booking(&self, id: i64) -> Result<Booking>;
    /// The booking with this code whose phone number is `phone`; `None` when either does not match.
    async fn booking_for(&self, code: &str, phone: &str) -> Result<Option<Booking>>;
    /// Bookings (every state) whose region lies within `scope` with a day from `from` to `to`
    /// (both included): by day, the morning before the afternoon, then the first booked first,
    /// then in the order stored.
    async fn bookings_on(&self, scope: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>>;
    /// Places taken (bookings not cancelled) at exactly `region` per day and half day from `from`
    /// to `to`, the half days with none left out; by day, the morning first.
    async fn places_taken(&self, region: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, BookingSlot, u32)>>;
    /// Bookings still `Booked` with this phone number on `from` or later (any town), by day.
    async fn bookings_by_phone(&self, phone: &str, from: NaiveDate) -> Result<Vec<Booking>>;
    /// Moves a booking at `version` from `Booked` to `Cancelled` (by the resident: `by` is `None`),
    /// `Arrived` or `Missed` (by the window: `by` is the username), at `at` (`handled_at`), the
    /// version up by one; `VersionMismatch` when it changed meanwhile or is not `Booked`, or the
    /// move is not one of these; `NotFound` when there is none.
    async fn set_booking_state(&self, id: i64, version: i64, state: BookingState, by: Option<&str>, at: DateTime<Utc>) -> Result<()>;
}
