//! Unique, valid 18-character ID numbers (GB 11643-1999).
//!
//! A number is `address code (6) + birth date (8) + sequence (3) + check character`. The
//! sequence's last digit is odd for men and even for women, so one (address code, birth date,
//! sex) cell holds 500 male or 499 female numbers. With 330 000 people born over ~90 years in
//! one county, random draws collide in a cell about once per 200 people, so the registry keeps
//! every number handed out and moves a colliding draw to the next free sequence of the same
//! parity. Household `i` then depends on households `0..i` only: identical for any total `N`.

use chrono::{Datelike, Days, NaiveDate};
use jiuzhu_domain::Sex;
use jiuzhu_domain::id_number::check_char;
use std::collections::HashSet;

/// The ID numbers handed out so far (packed as `code6 · 2^27 + day · 2^10 + sequence`).
#[derive(Debug, Default, Clone)]
pub struct IdRegistry {
    used: HashSet<u64>,
}

fn packed_key(code6: u32, birth: NaiveDate, seq: u16) -> u64 {
    // Days since 1800-01-01 fit in 17 bits for every plausible birth date.
    let day = (birth.num_days_from_ce() - 657_073).max(0) as u64;
    (u64::from(code6) << 27) | (day << 10) | u64::from(seq)
}

impl IdRegistry {
    pub fn new() -> IdRegistry {
        IdRegistry::default()
    }

    /// How many numbers have been handed out.
    pub fn len(&self) -> usize {
        self.used.len()
    }

    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }

    /// Reserves a number for (`code6`, `birth`, sex of `seq`) starting from the drawn sequence
    /// `seq` (1–999, parity = sex) and returns the 18 characters and the birth date used.
    /// When a whole cell is full (never seen in practice) the birth date moves one day earlier.
    #[allow(clippy::expect_used, reason = "a full cell moves the birth date a few days earlier, far inside chrono's range")]
    pub fn assign(&mut self, code6: u32, mut birth: NaiveDate, seq: u16) -> (String, NaiveDate) {
        loop {
            let male = seq % 2 == 1;
            let slots: u16 = if male { 500 } else { 499 };
            // Index of `seq` among the sequences of its parity: 1,3,…,999 or 2,4,…,998.
            let start = if male { (seq - 1) / 2 } else { (seq - 2) / 2 };
            for k in 0..slots {
                let idx = (start + k) % slots;
                let s = if male { idx * 2 + 1 } else { idx * 2 + 2 };
                if self.used.insert(packed_key(code6, birth, s)) {
                    return (format_id(code6, birth, s), birth);
                }
            }
            birth = birth.checked_sub_days(Days::new(1)).expect("date in range");
        }
    }
}

/// A draw of the sequence for `sex`: odd 1–999 for men, even 2–998 for women.
pub(crate) fn draw_sequence(r: &mut impl rand::Rng, sex: Sex) -> u16 {
    match sex {
        Sex::Male => r.random_range(0..500u16) * 2 + 1,
        Sex::Female => r.random_range(0..499u16) * 2 + 2,
    }
}

fn format_id(code6: u32, birth: NaiveDate, seq: u16) -> String {
    let first17 = format!("{code6:06}{:04}{:02}{:02}{seq:03}", birth.year(), birth.month(), birth.day());
    let c = check_char(first17.as_bytes());
    let mut s = first17;
    s.push(c);
    s
}
