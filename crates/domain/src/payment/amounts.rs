//! 待遇金额变更记录: a benefit's monthly amount over time, so that a month is paid what was owed
//! *for that month* — arrears at the amount in force then, and a rise that reaches back (提标
//! 追溯: a standard raised from January and decided in March) paid as the difference for the
//! months already paid (补差, an adjustment line).
//!
//! The record is append-only. A change says "from this month on, this amount"; the amount of a
//! month is that of the **latest recorded** change whose month is not after it. So a later
//! change from an earlier month replaces everything after it, and a rise that must keep the
//! shape of what came after (a household whose amount changed in April gets the rise on top of
//! both amounts) is written as one change per step ([`raise`]).

use crate::money::Fen;
use chrono::NaiveDate;

/// One recorded change: from `from_month` (its first day) on, `amount` a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountChange {
    pub from_month: NaiveDate,
    pub amount: Fen,
}

/// The amount owed for `month`; `None` before the first change recorded (a month paid before
/// the record began: what was paid then stands).
pub fn amount_in(changes: &[AmountChange], month: NaiveDate) -> Option<Fen> {
    changes.iter().rev().find(|c| c.from_month <= month).map(|c| c.amount)
}

/// The changes that raise every month from `from` on by `delta` and keep what came after
/// `from` in shape: one change at `from` and one at each later change's month, oldest first.
/// Months before the first recorded change are left alone (nothing is known of them).
pub fn raise(changes: &[AmountChange], from: NaiveDate, delta: Fen) -> Vec<AmountChange> {
    let Some(first) = changes.iter().map(|c| c.from_month).min() else { return Vec::new() };
    let mut steps: Vec<NaiveDate> = changes.iter().map(|c| c.from_month).filter(|m| *m > from).collect();
    steps.push(from.max(first));
    steps.sort_unstable();
    steps.dedup();
    steps.into_iter().filter_map(|m| amount_in(changes, m).map(|a| AmountChange { from_month: m, amount: a + delta })).collect()
}

/// An adjustment line's parts as stored: `2027-01:2500;2027-02:2500` (month, fen).
pub fn encode_parts(parts: &[(NaiveDate, Fen)]) -> String {
    parts.iter().map(|(m, f)| format!("{}:{}", m.format("%Y-%m"), f.0)).collect::<Vec<_>>().join(";")
}

/// Reads [`encode_parts`]' text; `None` names nothing readable (a damaged row).
pub fn parse_parts(text: &str) -> Option<Vec<(NaiveDate, Fen)>> {
    text.split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (m, f) = p.split_once(':')?;
            Some((NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()?, Fen(f.parse().ok()?)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(y: i32, mo: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, 1).unwrap_or_default()
    }
    fn c(y: i32, mo: u32, fen: i64) -> AmountChange {
        AmountChange { from_month: m(y, mo), amount: Fen(fen) }
    }
    /// The amounts of 2027-01 ..= 2027-08.
    fn months(changes: &[AmountChange]) -> Vec<Option<i64>> {
        (1..=8).map(|mo| amount_in(changes, m(2027, mo)).map(|f| f.0)).collect()
    }

    #[test]
    fn the_latest_recorded_change_from_an_earlier_month_decides() {
        let h = [c(2027, 2, 10000), c(2027, 5, 12000)];
        assert_eq!(months(&h), [None, Some(10_000), Some(10_000), Some(10_000), Some(12_000), Some(12_000), Some(12_000), Some(12_000)]);
        // A correction recorded later "from March on" replaces May's amount too.
        let h = [c(2027, 2, 10000), c(2027, 5, 12000), c(2027, 3, 11000)];
        assert_eq!(months(&h)[1..5], [Some(10_000), Some(11_000), Some(11_000), Some(11_000)]);
    }

    #[test]
    fn a_rise_reaching_back_keeps_the_shape_of_what_came_after() {
        let mut h = vec![c(2027, 2, 10000), c(2027, 5, 12000)];
        let rows = raise(&h, m(2027, 3), Fen(25_00));
        assert_eq!(rows, [c(2027, 3, 12500), c(2027, 5, 14500)]);
        h.extend(rows);
        // February untouched; March, April +25; from May 120 + 25.
        assert_eq!(months(&h), [None, Some(10_000), Some(12_500), Some(12_500), Some(14_500), Some(14_500), Some(14_500), Some(14_500)]);
    }

    #[test]
    fn a_rise_from_before_the_record_starts_at_the_record() {
        let h = [c(2027, 4, 10000)];
        assert_eq!(raise(&h, m(2027, 1), Fen(1)), [c(2027, 4, 10001)]);
        // From a later month: that month on only, one fen.
        assert_eq!(raise(&h, m(2027, 6), Fen(1)), [c(2027, 6, 10001)]);
        assert!(raise(&[], m(2027, 6), Fen(1)).is_empty());
    }

    #[test]
    fn parts_read_back_as_written() {
        let parts = vec![(m(2027, 1), Fen(2_500)), (m(2027, 2), Fen(1))];
        assert_eq!(encode_parts(&parts), "2027-01:2500;2027-02:1");
        assert_eq!(parse_parts(&encode_parts(&parts)), Some(parts));
        assert_eq!(parse_parts(""), Some(vec![]));
        assert_eq!(parse_parts("2027-01=2500"), None);
    }

    #[test]
    fn two_rises_add_up_month_by_month() {
        let mut h = vec![c(2027, 1, 10000), c(2027, 6, 90_00)];
        let first = raise(&h, m(2027, 3), Fen(10_00));
        h.extend(first);
        let second = raise(&h, m(2027, 2), Fen(5_00));
        h.extend(second);
        assert_eq!(
            months(&h),
            [Some(10_000), Some(10_500), Some(11_500), Some(11_500), Some(11_500), Some(10_500), Some(10_500), Some(10_500)]
        );
    }
}
