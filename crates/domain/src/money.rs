//! Money is an integer number of fen (分). Never floating point.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in fen (1 元 = 100 分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    /// Parses an amount typed by a person in yuan: `1234`, `1234.5`, `1,234.56`, `1234.56元`.
    /// More than two decimals is an error, not a rounding: a clerk's typo must not move money.
    pub fn parse_yuan(field: &str, text: &str) -> Result<Fen, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                "money.format",
                format!("金额“{text}”格式不正确，请填写元，最多两位小数，如 1234.56"),
                format!("amount \"{text}\" is not valid: give yuan with at most two decimals, e.g. 1234.56"),
            )
        };
        let t: String = text.trim().trim_end_matches('元').chars().filter(|c| *c != ',' && *c != '，').collect();
        let t = t.trim();
        if t.starts_with('-') {
            return Err(FieldError::new(field, "money.negative", "金额不能为负数", "amount cannot be negative"));
        }
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad())? };
        whole.checked_mul(100).and_then(|w| w.checked_add(frac)).map(Fen).ok_or_else(bad)
    }

    /// Rejects negative amounts (incomes, assets and expenses are never negative).
    pub fn non_negative(self, field: &str) -> Result<Fen, FieldError> {
        if self.0 < 0 {
            Err(FieldError::new(field, "money.negative", "金额不能为负数", "amount cannot be negative"))
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for Fen {
    /// `1234.50` — yuan with two decimals, as printed on forms.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, o: Fen) -> Fen {
        Fen(self.0 + o.0)
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_yuan_exactly() {
        assert_eq!(Fen::parse_yuan("x", "1234").unwrap(), Fen(123400));
        assert_eq!(Fen::parse_yuan("x", "1234.5").unwrap(), Fen(123450));
        assert_eq!(Fen::parse_yuan("x", "1,234.56元").unwrap(), Fen(123456));
        assert_eq!(Fen::parse_yuan("x", "0.01").unwrap(), Fen(1));
    }

    #[test]
    fn refuses_what_would_move_money() {
        assert_eq!(Fen::parse_yuan("x", "-1").unwrap_err().code, "money.negative");
        assert_eq!(Fen::parse_yuan("x", "1.234").unwrap_err().code, "money.format");
        assert_eq!(Fen::parse_yuan("x", "abc").unwrap_err().code, "money.format");
        assert_eq!(Fen::parse_yuan("x", "").unwrap_err().code, "money.format");
        assert_eq!(Fen::parse_yuan("x", "99999999999999999999").unwrap_err().code, "money.format");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(fen in 0i64..1_000_000_000_000) {
            prop_assert_eq!(Fen::parse_yuan("x", &Fen(fen).to_string()).unwrap(), Fen(fen));
        }
    }
}
