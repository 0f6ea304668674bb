//! The numbers residents keep: 办件编号 `WS20261207-482913`, 举报编号 `JB…`, 咨询编号 `ZX…` — two
//! letters, the Beijing date, six random digits; read back in their one form whatever spacing,
//! hyphens or case were typed.

use chrono::NaiveDate;
use rand::Rng;

/// A new number with `prefix` for `today` (uniqueness is the store's: a clash is drawn again).
pub fn issue(prefix: &str, today: NaiveDate, rng: &mut impl Rng) -> String {
    format!("{prefix}{}-{:06}", today.format("%Y%m%d"), rng.random_range(0..1_000_000))
}

/// A number with `prefix` as typed, in its one form, or `None` when it cannot be one.
pub fn read(prefix: &str, text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    let digits = t.strip_prefix(prefix)?;
    (digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{prefix}{}-{}", &digits[..8], &digits[8..]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_read_back_in_its_one_form() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let n = issue("ZX", day, &mut rand::rng());
        assert!(n.starts_with("ZX20261207-") && n.len() == 17, "{n}");
        assert_eq!(read("ZX", &n), Some(n.clone()));
        assert_eq!(read("ZX", &n.to_lowercase().replace('-', " ")), Some(n.clone()));
        assert_eq!(read("JB", &n), None, "another kind's prefix");
        assert_eq!(read("ZX", "ZX2026120748291"), None, "a digit short");
        assert_eq!(read("ZX", "ZX20261207-48291X"), None);
    }
}
