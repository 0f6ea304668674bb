//! Multipliers and shares held exactly as ten-thousandths (万分之), so that 1.3 × a standard
//! is computed in integers and rounded once, half up, to the fen.

use serde::Serialize;
use std::fmt;

/// A rate in ten-thousandths: `Rate(15000)` is 1.5, `Rate(6000)` is 0.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Rate(pub i64);

impl Rate {
    pub const ONE: Rate = Rate(10_000);

    /// From a decimal with at most four places (1.3, 0.6, 2); anything finer is refused rather
    /// than rounded, so a parameter file says exactly what is applied.
    pub fn from_decimal(x: f64) -> Option<Rate> {
        if !x.is_finite() || !(0.0..=1.0e6).contains(&x) {
            return None;
        }
        let scaled = x * 10_000.0;
        let r = scaled.round();
        ((scaled - r).abs() < 1e-6).then_some(Rate(r as i64))
    }

    /// `fen × rate`, rounded half up to the fen (amounts are never negative here).
    pub fn of(self, fen: i64) -> i64 {
        let p = i128::from(fen) * i128::from(self.0);
        ((p + 5_000).div_euclid(10_000)) as i64
    }

    /// Exactly `a < rate × b`, without rounding (for "strictly below 1.5 × standard").
    pub fn lt_times(self, a: i64, b: i64) -> bool {
        i128::from(a) * 10_000 < i128::from(self.0) * i128::from(b)
    }

    /// Exactly `a > rate × b`.
    pub fn gt_times(self, a: i64, b: i64) -> bool {
        i128::from(a) * 10_000 > i128::from(self.0) * i128::from(b)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 10_000.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{}.{:04}", self.0 / 10_000, self.0 % 10_000);
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_and_round_half_up() {
        assert_eq!(Rate::from_decimal(1.3), Some(Rate(13_000)));
        assert_eq!(Rate::from_decimal(0.6), Some(Rate(6_000)));
        assert_eq!(Rate::from_decimal(0.12345), None);
        assert_eq!(Rate(13_000).of(60_001), 78_001); // 78001.3 → 78001
        assert_eq!(Rate(15_000).of(1), 2); // 1.5 → 2 (half up)
        assert_eq!(Rate(13_000).to_string(), "1.3");
        assert_eq!(Rate(20_000).to_string(), "2");
        assert!(Rate(15_000).lt_times(89_999, 60_000));
        assert!(!Rate(15_000).lt_times(90_000, 60_000));
    }
}
