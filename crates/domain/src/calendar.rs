//! The official working-day calendar (法定节假日与调休), for legal deadlines.
//!
//! A day is a working day when it is a 调休 working day, or a Monday–Friday that is not a
//! public holiday. Years outside the vendored files are refused, never guessed.

use crate::error::FieldError;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

macro_rules! years {
    ($($y:literal),*) => { &[$(($y, include_str!(concat!("../../../data/holidays/", stringify!($y), ".json")))),*] };
}
static YEARS: &[(i32, &str)] = years!(
    2004, 2005, 2006, 2007, 2008, 2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025,
    2026
);

#[derive(Deserialize)]
struct YearFile {
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    /// 调休上班: a weekend day worked in exchange for a holiday.
    SwappedWorking {
        holiday: String,
    },
    Weekend,
    /// 法定节假日, with its Chinese name.
    Holiday {
        name: String,
    },
}

pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
    first_year: i32,
    last_year: i32,
}

impl Calendar {
    /// The calendar built from the vendored files.
    pub fn official() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            let mut days = HashMap::new();
            for (_, text) in YEARS {
                let f: YearFile = serde_json::from_str(text).expect("vendored holiday file is valid");
                for (d, label) in f.holidays {
                    days.insert(d, DayKind::Holiday { name: label.split(',').nth(1).unwrap_or(&label).to_string() });
                }
                for (d, label) in f.workdays {
                    days.insert(d, DayKind::SwappedWorking { holiday: label.split(',').nth(1).unwrap_or(&label).to_string() });
                }
            }
            Calendar { days, first_year: YEARS[0].0, last_year: YEARS[YEARS.len() - 1].0 }
        })
    }

    fn covered(&self, d: NaiveDate) -> Result<(), FieldError> {
        if d.year() < self.first_year || d.year() > self.last_year {
            return Err(FieldError::new(
                "date",
                "calendar.year_not_published",
                format!("{} 年的法定节假日安排尚未收录（已收录 {}–{} 年），无法计算工作日", d.year(), self.first_year, self.last_year),
                format!(
                    "the official holidays of {} are not in the calendar (it has {}–{}); working days cannot be counted",
                    d.year(),
                    self.first_year,
                    self.last_year
                ),
            ));
        }
        Ok(())
    }

    pub fn day_kind(&self, d: NaiveDate) -> Result<DayKind, FieldError> {
        self.covered(d)?;
        Ok(match self.days.get(&d) {
            Some(k) => k.clone(),
            None if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) => DayKind::Weekend,
            None => DayKind::Working,
        })
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, FieldError> {
        Ok(matches!(self.day_kind(d)?, DayKind::Working | DayKind::SwappedWorking { .. }))
    }

    /// The date `n` working days after `start` (`start` itself never counts, as in
    /// "within 3 working days of acceptance"). `n = 0` returns `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, FieldError> {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.checked_add_days(Days::new(1)).expect("date in range");
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days in `(from, to]`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, FieldError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.checked_add_days(Days::new(1)).expect("date in range");
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn national_day_2026_is_skipped_and_swapped_saturday_counts() {
        let cal = Calendar::official();
        // 2026 国庆: Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are 调休 working days.
        assert_eq!(cal.day_kind(d("2026-10-01")).unwrap(), DayKind::Holiday { name: "国庆节".into() });
        assert!(cal.is_working_day(d("2026-10-10")).unwrap());
        // Three working days after Wed Sep 30: Oct 8, 9, 10 (a 调休 Saturday).
        assert_eq!(cal.add_working_days(d("2026-09-30"), 3).unwrap(), d("2026-10-10"));
    }

    #[test]
    fn plain_weeks_skip_weekends() {
        let cal = Calendar::official();
        assert_eq!(cal.add_working_days(d("2026-11-20"), 1).unwrap(), d("2026-11-23"));
        assert_eq!(cal.add_working_days(d("2026-11-23"), 10).unwrap(), d("2026-12-07"));
        assert_eq!(cal.working_days_between(d("2026-11-23"), d("2026-12-07")).unwrap(), 10);
        assert_eq!(cal.add_working_days(d("2026-11-23"), 0).unwrap(), d("2026-11-23"));
    }

    #[test]
    fn refuses_years_not_published() {
        let e = Calendar::official().add_working_days(d("2026-12-28"), 10).unwrap_err();
        assert_eq!(e.code, "calendar.year_not_published");
    }
}
