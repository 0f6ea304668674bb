//! The official working-day calendar (法定节假日与调休), for legal deadlines.
//!
//! A day is a working day when it is a 调休 working day, or a Monday–Friday that is not a
//! public holiday. Years outside the vendored files are refused, never guessed.

use crate::error::FieldError;
use chrono::{Datelike, NaiveDate, Weekday};
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

/// The keys a year file may have (`inLieuDays`, the holidays given for a weekend, is optional).
const YEAR_FILE_KEYS: [&str; 3] = ["holidays", "workdays", "inLieuDays"];

/// A year file. Unknown keys are refused: `workday` for `workdays` silently lost a 调休 working day.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
    #[serde(default, rename = "inLieuDays")]
    in_lieu_days: BTreeMap<NaiveDate, String>,
}

fn file_error(code: &'static str, zh: String, en: String) -> FieldError {
    FieldError::new("file", code, zh, en)
}

/// Reads a year file, naming an unknown or missing key in words (serde's message is English only).
fn parse_year_file(text: &str) -> Result<YearFile, FieldError> {
    serde_json::from_str(text).map_err(|e| {
        let keys = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).ok();
        let unknown = keys.as_ref().and_then(|m| m.keys().find(|k| !YEAR_FILE_KEYS.contains(&k.as_str())).cloned());
        let missing = keys.as_ref().and_then(|m| YEAR_FILE_KEYS[..2].iter().find(|k| !m.contains_key(**k)));
        match (unknown, missing) {
            (Some(k), _) => file_error(
                "calendar.unknown_key",
                format!("未知字段 {k}（应为 holidays 或 workdays；inLieuDays 可选）"),
                format!("unknown key {k} (expected holidays or workdays; inLieuDays is optional)"),
            ),
            (None, Some(k)) => file_error("calendar.missing_key", format!("缺少字段 {k}"), format!("the key {k} is missing")),
            (None, None) => file_error("calendar.file", format!("节假日文件格式不正确：{e}"), format!("not a holiday file: {e}")),
        }
    })
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

#[derive(Clone)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
    first_year: i32,
    last_year: i32,
}

impl Calendar {
    /// The calendar built from the vendored files.
    #[allow(clippy::expect_used, reason = "the vendored files are compiled in and loaded by every test")]
    pub fn official() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            let mut cal = Calendar { days: HashMap::new(), first_year: YEARS[0].0, last_year: YEARS[0].0 - 1 };
            for (year, text) in YEARS {
                cal.add_year(*year, text).expect("vendored holiday file is valid");
            }
            cal
        })
    }

    /// The official calendar extended by years published after this release (the State Council
    /// publishes the next year's arrangement each autumn): `(year, file text)` in the vendored
    /// format, each year following the last one without a gap.
    pub fn with_years(extra: &[(i32, String)]) -> Result<Calendar, FieldError> {
        let base = Calendar::official();
        let mut cal = Calendar { days: base.days.clone(), first_year: base.first_year, last_year: base.last_year };
        let mut extra: Vec<&(i32, String)> = extra.iter().filter(|(y, _)| *y > base.last_year).collect();
        extra.sort_by_key(|(y, _)| *y);
        for (year, text) in extra {
            cal.add_year(*year, text)?;
        }
        Ok(cal)
    }

    /// The calendar with `year` imported from `text`, replacing an earlier import of that year
    /// among `imported` (the years stored, as [`Calendar::with_years`] takes them). A year built
    /// into the program is refused: `with_years` would ignore it, and deadlines with it.
    pub fn with_import(imported: &[(i32, String)], year: i32, text: &str) -> Result<Calendar, FieldError> {
        let base = Calendar::official();
        if (base.first_year..=base.last_year).contains(&year) {
            return Err(FieldError::new(
                "year",
                "calendar.built_in",
                format!("{year} 年的节假日安排已内置于本程序，不能导入（导入的年份须晚于 {} 年）", base.last_year),
                format!(
                    "the holidays of {year} are built into this program and cannot be imported (import a year after {})",
                    base.last_year
                ),
            ));
        }
        if year < base.first_year {
            return Err(FieldError::new(
                "year",
                "calendar.before_first_year",
                format!("{year} 年早于日历的起始年份（{} 年），不能导入", base.first_year),
                format!("{year} is before the calendar begins ({}) and cannot be imported", base.first_year),
            ));
        }
        let mut years: Vec<(i32, String)> = imported.iter().filter(|(y, _)| *y != year).cloned().collect();
        years.push((year, text.to_string()));
        Calendar::with_years(&years)
    }

    /// The last year whose holidays are known.
    pub fn last_year(&self) -> i32 {
        self.last_year
    }

    /// Checks a year file (`{"holidays": {date: "English,中文,n"}, "workdays": {date: …}}`) and
    /// adds it. Every date must lie in `year`, no date may be both, and the year must follow the
    /// last one known.
    pub fn add_year(&mut self, year: i32, text: &str) -> Result<(), FieldError> {
        let bad = |zh: String, en: String| FieldError::new("file", "calendar.file", zh, en);
        if year != self.last_year + 1 {
            return Err(bad(
                format!("{year} 年不是已收录年份（至 {} 年）的下一年", self.last_year),
                format!("{year} does not follow the last year in the calendar ({})", self.last_year),
            ));
        }
        let f = parse_year_file(text)?;
        for d in f.holidays.keys().chain(f.workdays.keys()).chain(f.in_lieu_days.keys()) {
            if d.year() != year {
                return Err(bad(format!("日期 {d} 不在 {year} 年内"), format!("the date {d} is not in {year}")));
            }
        }
        if let Some(d) = f.holidays.keys().find(|d| f.workdays.contains_key(*d)) {
            return Err(bad(format!("{d} 同时是节假日和调休工作日"), format!("{d} is both a holiday and a working day")));
        }
        if let Some(d) = f.workdays.keys().find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)) {
            return Err(bad(format!("调休上班日 {d} 不是周末"), format!("the swapped working day {d} is not a weekend day")));
        }
        if let Some(d) = f.in_lieu_days.keys().find(|d| !f.holidays.contains_key(*d)) {
            return Err(bad(format!("调休放假日 {d} 不在节假日中"), format!("the day off in lieu {d} is not among the holidays")));
        }
        if f.holidays.is_empty() {
            return Err(bad(format!("{year} 年的文件中没有节假日"), format!("the file for {year} has no holidays")));
        }
        for (d, label) in f.holidays {
            self.days.insert(d, DayKind::Holiday { name: label.split(',').nth(1).unwrap_or(&label).to_string() });
        }
        for (d, label) in f.workdays {
            self.days.insert(d, DayKind::SwappedWorking { holiday: label.split(',').nth(1).unwrap_or(&label).to_string() });
        }
        self.last_year = year;
        Ok(())
    }

    fn covered(&self, d: NaiveDate) -> Result<(), FieldError> {
        if d.year() < self.first_year || d.year() > self.last_year {
            return Err(self.not_covered(d.year()));
        }
        Ok(())
    }

    fn not_covered(&self, year: i32) -> FieldError {
        FieldError::new(
            "date",
            "calendar.year_not_published",
            format!("{year} 年的法定节假日安排尚未收录（已收录 {}–{} 年），无法计算工作日", self.first_year, self.last_year),
            format!(
                "the official holidays of {year} are not in the calendar (it has {}–{}); working days cannot be counted",
                self.first_year, self.last_year
            ),
        )
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
            // The last date there is has no next day: its year is one no calendar covers.
            d = d.succ_opt().ok_or_else(|| self.not_covered(d.year()))?;
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
            d = d.succ_opt().ok_or_else(|| self.not_covered(d.year()))?;
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
    fn spring_festival_2024_to_2026_and_national_day_2024_2025() {
        let cal = Calendar::official();
        // 2024 春节 Feb 10–17 off, Sun Feb 4 and Sun Feb 18 worked: Fri Feb 9 + 1 → Sun Feb 18.
        assert_eq!(cal.add_working_days(d("2024-02-09"), 1).unwrap(), d("2024-02-18"));
        assert!(!cal.is_working_day(d("2024-02-16")).unwrap());
        // 2025 春节 Jan 28 – Feb 4 off, Sun Jan 26 and Sat Feb 8 worked.
        assert!(cal.is_working_day(d("2025-01-26")).unwrap());
        assert_eq!(cal.add_working_days(d("2025-01-27"), 1).unwrap(), d("2025-02-05"));
        assert_eq!(cal.add_working_days(d("2025-02-07"), 1).unwrap(), d("2025-02-08"));
        // 2026 春节 Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1).unwrap(), d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-14"), 1).unwrap(), d("2026-02-24"));
        // 2024 国庆 Oct 1–7 off, Sun Sep 29 and Sat Oct 12 worked.
        assert_eq!(cal.add_working_days(d("2024-09-28"), 1).unwrap(), d("2024-09-29"));
        assert_eq!(cal.add_working_days(d("2024-09-30"), 1).unwrap(), d("2024-10-08"));
        // 2025 国庆中秋 Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked.
        assert_eq!(cal.add_working_days(d("2025-09-30"), 1).unwrap(), d("2025-10-09"));
        assert_eq!(cal.working_days_between(d("2025-09-30"), d("2025-10-11")).unwrap(), 3);
    }

    #[test]
    fn a_published_year_can_be_added_and_is_checked() {
        let next = Calendar::official().last_year() + 1;
        let file = |h: &str, w: &str| format!(r#"{{"holidays":{{{h}}},"workdays":{{{w}}}}}"#);
        let ok = file(&format!(r#""{next}-01-01":"New Year's Day,元旦,1""#), "");
        let cal = Calendar::with_years(&[(next, ok.clone())]).unwrap();
        assert_eq!(cal.last_year(), next);
        assert!(!cal.is_working_day(NaiveDate::from_ymd_opt(next, 1, 1).unwrap()).unwrap());
        // A gap, a date of another year, a weekday "swapped working day", nonsense: refused.
        assert_eq!(Calendar::with_years(&[(next + 1, ok.clone())]).err().map(|e| e.code), Some("calendar.file"));
        let other = file(&format!(r#""{}-01-01":"New Year's Day,元旦,1""#, next + 1), "");
        assert!(Calendar::with_years(&[(next, other)]).is_err());
        let weekday_work = file(&format!(r#""{next}-01-01":"New Year's Day,元旦,1""#), &format!(r#""{next}-01-06":"x,春节,1""#));
        let jan6_is_weekend = matches!(NaiveDate::from_ymd_opt(next, 1, 6).unwrap().weekday(), Weekday::Sat | Weekday::Sun);
        assert_eq!(Calendar::with_years(&[(next, weekday_work)]).is_err(), !jan6_is_weekend);
        assert!(Calendar::with_years(&[(next, "not json".into())]).is_err());
    }

    /// Year files as an administrator might type them: each refused with its reason, or taken.
    #[test]
    fn year_files_name_what_is_wrong_with_them() {
        let next = Calendar::official().last_year() + 1;
        let ny = format!(r#""{next}-01-01":"New Year's Day,元旦,1""#);
        let cases: [(String, Option<(&str, &str)>); 8] = [
            (format!(r#"{{"holidays":{{{ny}}},"workdays":{{}}}}"#), None),
            (format!(r#"{{"holidays":{{{ny}}},"workdays":{{}},"inLieuDays":{{{ny}}}}}"#), None),
            // A typo for `workdays` would lose the 调休 working day: refused, the key named.
            (
                format!(r#"{{"holidays":{{{ny}}},"workdays":{{}},"workday":{{"{next}-02-06":"Spring Festival,春节,4"}}}}"#),
                Some(("calendar.unknown_key", "未知字段 workday（应为 holidays 或 workdays")),
            ),
            (format!(r#"{{"holidays":{{{ny}}},"workdays":{{}},"note":"x"}}"#), Some(("calendar.unknown_key", "未知字段 note"))),
            (format!(r#"{{"holidays":{{{ny}}}}}"#), Some(("calendar.missing_key", "缺少字段 workdays"))),
            (format!(r#"{{"holidays":{{{ny}}},"workdays":{{}},"holidays":{{}}}}"#), Some(("calendar.file", "格式不正确"))),
            (
                format!(r#"{{"holidays":{{{ny}}},"workdays":{{}},"inLieuDays":{{"{next}-01-05":"x,元旦,1"}}}}"#),
                Some(("calendar.file", "不在节假日中")),
            ),
            ("[1, 2]".to_string(), Some(("calendar.file", "格式不正确"))),
        ];
        for (text, expected) in cases {
            let got = Calendar::with_years(&[(next, text.clone())]);
            match (got, expected) {
                (Ok(cal), None) => assert_eq!(cal.last_year(), next, "{text}"),
                (Err(e), Some((code, zh))) => {
                    assert_eq!(e.code, code, "{text}: {}", e.zh);
                    assert!(e.zh.contains(zh), "{text}: {}", e.zh);
                    assert_eq!(e.field, "file");
                }
                (got, expected) => panic!("{text}: {:?} where {expected:?} was expected", got.map(|c| c.last_year()).map_err(|e| e.zh)),
            }
        }
    }

    /// A year built into the program cannot be "imported" (it would be ignored), nor one before
    /// the calendar begins; a later year can be imported again, replacing the earlier import.
    #[test]
    fn built_in_years_are_refused_and_a_year_can_be_imported_again() {
        let base = Calendar::official();
        let next = base.last_year() + 1;
        let file = |extra: &str| format!(r#"{{"holidays":{{"{next}-01-01":"New Year's Day,元旦,1"{extra}}},"workdays":{{}}}}"#);
        for (year, code, words) in [
            (base.last_year(), "calendar.built_in", format!("{} 年的节假日安排已内置于本程序", base.last_year())),
            (2004, "calendar.built_in", "2004 年的节假日安排已内置于本程序".to_string()),
            (2003, "calendar.before_first_year", "2003 年早于日历的起始年份".to_string()),
        ] {
            let e = Calendar::with_import(&[], year, &file("")).err().unwrap_or_else(|| panic!("{year} accepted"));
            assert_eq!((e.field.as_str(), e.code), ("year", code), "{year}");
            assert!(e.zh.contains(&words) && e.en.contains(&year.to_string()), "{year}: {} / {}", e.zh, e.en);
        }
        let first = Calendar::with_import(&[], next, &file("")).unwrap();
        let jan_4 = NaiveDate::from_ymd_opt(next, 1, 4).unwrap();
        let wrong = file(&format!(r#","{jan_4}":"x,元旦,1""#));
        let stored = [(next, wrong)];
        assert!(!Calendar::with_years(&stored).unwrap().is_working_day(jan_4).unwrap(), "the first file took 4 January off");
        let again = Calendar::with_import(&stored, next, &file("")).unwrap();
        assert_eq!(again.is_working_day(jan_4).unwrap(), first.is_working_day(jan_4).unwrap(), "the new file replaces the old one");
    }

    #[test]
    fn refuses_years_not_published() {
        let e = Calendar::official().add_working_days(d("2026-12-28"), 10).unwrap_err();
        assert_eq!(e.code, "calendar.year_not_published");
    }
}
