//! 预约办理 rules (pure): which half days may be booked, what a booking must say, how many one
//! phone number may hold, and when a booking may be cancelled or recorded as served.
//!
//! No national rule fixes how far ahead a town window takes bookings. Government service halls'
//! online booking (e.g. 政务服务网 预约) commonly opens the next five to ten working days; jiuzhu
//! offers [`BOOK_AHEAD`] working days of the official calendar from the next working day, each
//! split into a morning and an afternoon, with as many places per half day as the town's office
//! sets (`bookings_per_half_day` in the offices file; a town that sets none takes no bookings).

use crate::complaints::rules::working_days_after;
use chrono::NaiveDate;
use jiuzhu_domain::booking::{BookingPurpose, BookingSlot, BookingState};
use jiuzhu_domain::{Calendar, FieldError, ValidationErrors, phone, text};

/// Working days offered, from the next working day.
pub const BOOK_AHEAD: u32 = 10;
/// Bookings one phone number may hold at once (not yet come), across all towns.
pub const MAX_PER_PHONE: usize = 2;
/// A name is at most this long.
pub const NAME_MAX: usize = 30;
/// What the resident writes about the matter: at most this long (optional).
pub const NOTE_MAX: usize = 200;

/// The days that may be booked on `today`: the next [`BOOK_AHEAD`] working days.
pub fn bookable_days(calendar: &Calendar, today: NaiveDate) -> Vec<NaiveDate> {
    (1..=BOOK_AHEAD).map(|n| working_days_after(calendar, today, n)).collect()
}

/// A booking as the form sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingInput {
    pub purpose: String,
    /// `2026-12-09.morning`: the day and half day chosen in one choice.
    pub when: String,
    pub name: String,
    pub phone: String,
    pub note: String,
}

/// A booking as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedBooking {
    pub purpose: BookingPurpose,
    pub day: NaiveDate,
    pub slot: BookingSlot,
    pub name: String,
    pub phone: String,
    pub note: String,
}

/// A mobile number as typed (spaces, hyphens, +86), in its one form of 11 digits; `None` when it
/// cannot be one — such a number finds no booking and is never looked up.
pub fn read_mobile(text: &str) -> Option<String> {
    phone::parse_phone("phone", text).ok().filter(|p| p.len() == 11 && p.starts_with('1'))
}

/// Reads a `day.slot` choice.
pub fn read_when(when: &str) -> Option<(NaiveDate, BookingSlot)> {
    let (day, slot) = when.trim().split_once('.')?;
    Some((NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?, BookingSlot::parse(slot)?))
}

/// Checks a booking against the days offered: what it is for, a half day offered, a name and a
/// mobile number to reach the resident; every problem named at once.
pub fn check_booking(input: &BookingInput, offered: &[NaiveDate]) -> Result<CheckedBooking, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let purpose = BookingPurpose::parse(input.purpose.trim());
    if purpose.is_none() {
        e.push(FieldError::new("purpose", "booking.purpose", "请选择要办什么事", "choose what you are coming for"));
    }
    let when = read_when(&input.when).filter(|(d, _)| offered.contains(d));
    if when.is_none() {
        e.push(FieldError::new(
            "when",
            "booking.when",
            "请从列出的日期中选一个上午或下午",
            "choose a morning or an afternoon from the days listed",
        ));
    }
    let name = text::clean(&input.name);
    if name.is_empty() || name.chars().count() > NAME_MAX || text::has_control(&name) {
        e.push(FieldError::new(
            "name",
            "booking.name",
            format!("请填写来办事的人的姓名（最多 {NAME_MAX} 个字）"),
            format!("enter the name of the person coming (at most {NAME_MAX} characters)"),
        ));
    }
    // A mobile, whatever was wrong (empty, a landline, a digit short): one message that says so.
    let phone = read_mobile(&input.phone);
    if phone.is_none() {
        e.push(FieldError::new(
            "phone",
            "booking.mobile",
            "请填写手机号码（11 位，窗口有变动时打这个电话；查询和取消预约也要用它）",
            "enter a mobile number (11 digits: the window calls it if anything changes, and you need it to look up or cancel)",
        ));
    }
    let note = input.note.trim().to_string();
    if note.chars().count() > NOTE_MAX || text::has_control(&note.replace(['\n', '\r'], "")) {
        e.push(FieldError::new(
            "note",
            "booking.note",
            format!("补充说明最多 {NOTE_MAX} 个字，现在 {} 个字", note.chars().count()),
            format!("the note is at most {NOTE_MAX} characters, now {}", note.chars().count()),
        ));
    }
    e.into_result()?;
    #[allow(clippy::unwrap_used, reason = "each is Some when no error was pushed")]
    let (day, slot) = when.unwrap();
    #[allow(clippy::unwrap_used, reason = "checked above")]
    Ok(CheckedBooking { purpose: purpose.unwrap(), day, slot, name, phone: phone.unwrap(), note })
}

/// Why one more booking for `phone` is refused, given the bookings it still holds (their days),
/// or `None` when it may book `day`: one a day, [`MAX_PER_PHONE`] in all.
pub fn phone_may_book(held: &[NaiveDate], day: NaiveDate) -> Option<FieldError> {
    if held.contains(&day) {
        return Some(FieldError::new(
            "when",
            "booking.same_day",
            "这个手机号在这一天已经有预约了；要改时间，请先查询并取消原来的预约",
            "this number already has a booking that day: to change it, look it up and cancel it first",
        ));
    }
    if held.len() >= MAX_PER_PHONE {
        return Some(FieldError::new(
            "phone",
            "booking.too_many",
            format!("一个手机号最多同时保留 {MAX_PER_PHONE} 个预约；请先办完或取消一个"),
            format!("one number may hold at most {MAX_PER_PHONE} bookings: come or cancel one first"),
        ));
    }
    None
}

/// The resident may cancel a booking not yet come to, up to its day.
pub fn may_cancel(state: BookingState, day: NaiveDate, today: NaiveDate) -> bool {
    state == BookingState::Booked && day >= today
}

/// The window records 到场 or 未到场 on the booked day or later (recorded late, never early).
pub fn may_record(state: BookingState, day: NaiveDate, today: NaiveDate, to: BookingState) -> bool {
    state == BookingState::Booked && day <= today && matches!(to, BookingState::Arrived | BookingState::Missed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input(when: &str) -> BookingInput {
        BookingInput {
            purpose: "apply".into(),
            when: when.into(),
            name: " 王 秀英 ".into(),
            phone: "138 0013 8000".into(),
            note: String::new(),
        }
    }

    #[test]
    fn ten_working_days_from_the_next_one_skipping_the_holiday() {
        let cal = Calendar::official();
        // Thursday 24 September 2026: 中秋 is 25–27 September and 国庆 1–7 October; Saturday
        // 10 October is a working day in the official calendar.
        let days = bookable_days(cal, day("2026-09-24"));
        let want = [
            "2026-09-28",
            "2026-09-29",
            "2026-09-30",
            "2026-10-08",
            "2026-10-09",
            "2026-10-10",
            "2026-10-12",
            "2026-10-13",
            "2026-10-14",
            "2026-10-15",
        ];
        assert_eq!(days, want.map(day));
        assert!(!days.contains(&day("2026-09-24")), "never today");
    }

    #[test]
    fn a_booking_table() {
        let offered = [day("2026-12-09"), day("2026-12-10")];
        let codes = |i: BookingInput| -> Vec<&'static str> {
            match check_booking(&i, &offered) {
                Ok(_) => vec![],
                Err(v) => v.0.into_iter().map(|e| e.code).collect(),
            }
        };
        let ok = check_booking(&input("2026-12-09.afternoon"), &offered).unwrap();
        assert_eq!(
            (ok.day, ok.slot, ok.name.as_str(), ok.phone.as_str()),
            (day("2026-12-09"), BookingSlot::Afternoon, "王 秀英", "13800138000")
        );
        assert_eq!(codes(input("2026-12-11.morning")), ["booking.when"], "a day not offered");
        assert_eq!(codes(input("2026-12-09")), ["booking.when"], "no half day");
        assert_eq!(codes(input("2026-12-09.evening")), ["booking.when"]);
        assert_eq!(
            codes(BookingInput { purpose: String::new(), ..input("2026-12-09.morning") }),
            ["booking.purpose"],
            "nothing chosen for them"
        );
        assert_eq!(codes(BookingInput { name: "  ".into(), ..input("2026-12-09.morning") }), ["booking.name"]);
        assert!(codes(BookingInput { name: "名".repeat(NAME_MAX), ..input("2026-12-09.morning") }).is_empty());
        assert_eq!(codes(BookingInput { name: "名".repeat(NAME_MAX + 1), ..input("2026-12-09.morning") }), ["booking.name"]);
        assert_eq!(
            codes(BookingInput { phone: "0931-8123456".into(), ..input("2026-12-09.morning") }),
            ["booking.mobile"],
            "a landline cannot be texted"
        );
        assert_eq!(codes(BookingInput { phone: "".into(), ..input("2026-12-09.morning") }), ["booking.mobile"], "empty: the same words");
        assert_eq!(codes(BookingInput { phone: "1380013800".into(), ..input("2026-12-09.morning") }), ["booking.mobile"], "a digit short");
        assert!(codes(BookingInput { note: "字".repeat(NOTE_MAX), ..input("2026-12-09.morning") }).is_empty());
        assert_eq!(codes(BookingInput { note: "字".repeat(NOTE_MAX + 1), ..input("2026-12-09.morning") }), ["booking.note"]);
        // Everything wrong at once: every field named.
        assert_eq!(
            codes(BookingInput { purpose: "x".into(), when: "".into(), name: "".into(), phone: "1".into(), note: "字".repeat(201) }).len(),
            5
        );
    }

    #[test]
    fn a_mobile_is_read_in_one_form() {
        for typed in ["13800138000", " 138 0013 8000 ", "138-0013-8000", "+86 138 0013 8000", "008613800138000"] {
            assert_eq!(read_mobile(typed).as_deref(), Some("13800138000"), "{typed}");
        }
        for typed in ["", "1380013800", "0933-6620001", "23800138000", "1380013800x"] {
            assert_eq!(read_mobile(typed), None, "{typed}");
        }
    }

    #[test]
    fn one_booking_a_day_and_two_in_all_per_phone() {
        let d = day("2026-12-09");
        assert!(phone_may_book(&[], d).is_none());
        assert_eq!(phone_may_book(&[d], d).unwrap().code, "booking.same_day");
        assert!(phone_may_book(&[day("2026-12-10")], d).is_none());
        assert_eq!(phone_may_book(&[day("2026-12-10"), day("2026-12-11")], d).unwrap().code, "booking.too_many");
    }

    #[test]
    fn cancelled_up_to_the_day_and_recorded_from_the_day() {
        use BookingState::*;
        let (d, before, after) = (day("2026-12-09"), day("2026-12-08"), day("2026-12-10"));
        assert!(may_cancel(Booked, d, before) && may_cancel(Booked, d, d));
        assert!(!may_cancel(Booked, d, after), "the day has passed");
        assert!(!may_cancel(Cancelled, d, before) && !may_cancel(Arrived, d, d));
        assert!(!may_record(Booked, d, before, Arrived), "not before the day");
        assert!(may_record(Booked, d, d, Arrived) && may_record(Booked, d, after, Missed));
        assert!(!may_record(Booked, d, d, Cancelled) && !may_record(Booked, d, d, Booked));
        assert!(!may_record(Arrived, d, d, Missed), "recorded once");
    }
}
