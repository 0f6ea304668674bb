//! The time services and the audit trail read, in one place so that tests can set it (an alert
//! for access outside working hours is tested at 23:00, a deadline on a given day).

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};
use std::sync::{Mutex, PoisonError};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
    /// Today's date for deadlines and pages: the server's local date (a county's server keeps
    /// Beijing time).
    fn today(&self) -> NaiveDate;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn today(&self) -> NaiveDate {
        Local::now().date_naive()
    }
}

/// A clock that stands still until told otherwise (tests); its date is Beijing's.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(now))
    }
    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

/// UTC+8, China's one time zone: what pages, notices and the working-hours rule show.
pub const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&BEIJING).date_naive()
    }
}
