//! Sample bookings and document photos the storage tests share (`conformance.rs`, `at_rest.rs`,
//! `keys.rs` include this file), as `jiuzhu_testkit::conformance` shares its samples of the other
//! capabilities. All synthetic.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::booking::{BookingPurpose, BookingSlot};
use jiuzhu_store::{NewBooking, NewOnlineDocument};

/// 09:00 UTC on the suite's today (2026-11-23), `minutes` later.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

/// `n` days after the suite's today (2026-11-23).
pub fn day(n: i64) -> NaiveDate {
    jiuzhu_testkit::fixtures::today() + chrono::Duration::days(n)
}

/// A booking of `town`'s window on `on` in `slot` to bring materials, by 王秀英 reached at
/// `phone`, booked at 09:00; the note names the code.
pub fn booking(code: &str, town: &str, on: NaiveDate, slot: BookingSlot, phone: &str) -> NewBooking {
    NewBooking {
        code: code.into(),
        region: jiuzhu_testkit::fixtures::code(town),
        day: on,
        slot,
        purpose: BookingPurpose::Materials,
        name: "王秀英".into(),
        phone: phone.into(),
        note: format!("补交户口簿复印件和残疾证，母亲行动不便需轮椅通道（{code}）"),
        booked_at: at(0),
    }
}

/// A photo of `material` for application `application_id`, uploaded at minute `minutes`: JPEG
/// bytes around a text that names the material and the application (what the at-rest scan looks
/// for), `kb` kilobytes in all.
pub fn document(application_id: i64, material: &str, minutes: i64, kb: usize) -> NewOnlineDocument {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend_from_slice(picture_text(application_id, material).as_bytes());
    let mut x: u32 = 0x9E37_79B9 ^ u32::try_from(application_id).unwrap() ^ u32::try_from(minutes).unwrap();
    while bytes.len() < kb * 1024 - 2 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x.to_le_bytes()[0]);
    }
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    NewOnlineDocument { application_id, material: material.into(), content_type: "image/jpeg".into(), bytes, uploaded_at: at(minutes) }
}

/// The text inside [`document`]'s picture.
pub fn picture_text(application_id: i64, material: &str) -> String {
    format!("户口簿常住人口登记卡-何马村-王秀英-{material}-{application_id}")
}
