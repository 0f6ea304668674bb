//! Small helpers every stage of a household shares: amounts in whole yuan, a birth date for an
//! age, and the months of the income window.

use chrono::{Datelike, Days, Months, NaiveDate};
use jiuzhu_domain::Fen;
use rand::Rng;

/// A drawn amount in whole yuan, at least 1 元 (records of zero would be noise).
pub(super) fn whole_yuan(x: f64) -> Fen {
    Fen::yuan(x.round().max(1.0) as i64)
}

/// A birth date that makes the person exactly `age` on `as_of`.
#[allow(clippy::expect_used, reason = "ages are at most about a century, far inside chrono's range")]
pub(super) fn birth_for_age(r: &mut impl Rng, as_of: NaiveDate, age: u32) -> NaiveDate {
    let hi = as_of.checked_sub_months(Months::new(12 * age)).expect("date in range");
    let lo = as_of.checked_sub_months(Months::new(12 * (age + 1))).expect("date in range") + Days::new(1);
    let span = (hi - lo).num_days().max(0) as u64;
    lo + Days::new(r.random_range(0..=span))
}

/// The first day of calendar month `month` (1–12) in the 12-month window (each calendar month
/// is in it exactly once).
#[allow(clippy::expect_used, reason = "the window is 12 consecutive months")]
pub(super) fn window_month(months: &[NaiveDate; 12], month: u32) -> NaiveDate {
    *months.iter().find(|m| m.month() == month).expect("every calendar month is in the window")
}
