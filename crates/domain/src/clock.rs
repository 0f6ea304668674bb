//! The time services and the audit trail read, in one place so that tests can set it (an alert
//! for access outside working hours is tested at 23:00, a deadline on a given day).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use std::sync::{Mutex, PoisonError};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
    /// Today's date for deadlines and pages: Beijing's, whatever the process's time zone (a
    /// server left on UTC recorded a Monday morning in Beijing as Sunday).
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
        beijing_date(Utc::now())
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

/// The date in Beijing at `at`.
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&BEIJING).date_naive()
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn today(&self) -> NaiveDate {
        beijing_date(self.now())
    }
}
