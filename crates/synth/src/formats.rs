//! Text forms shared by the population files and the department feeds. Kept apart from both
//! so that neither has to import the other.

use chrono::{Datelike, NaiveDate};

/// A month as `YYYY-MM` (the files' and feeds' month columns).
pub(crate) fn month_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// `建筑面积 120 平方米` in an asset description → 120 (the generator states a property's
/// floor area only in its description; the 不动产 feed reads it back).
pub(crate) fn floor_area(description: &str) -> Option<u32> {
    let rest = description.split("建筑面积").nth(1)?.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}
