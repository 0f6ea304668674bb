//! The bodies of the fuzz targets: each takes arbitrary bytes, feeds them to a parser that reads
//! input from outside (a form, an API body, an imported file) and checks what must hold for any
//! input — no panic, and the invariants of what was accepted. `fuzz/` runs them under libFuzzer
//! (`cargo fuzz run id_number`); `tests/briefly.rs` runs them on random and mutated inputs in
//! every `cargo test`, so CI exercises them without a nightly toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "fuzz harness: a panic is what the fuzzer reports")]

use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::{Calendar, IdNumber, RegionCode};

/// A target's body: arbitrary bytes in, a panic when something that must hold does not.
pub type Target = fn(&[u8]);

/// The target names, as `fuzz/fuzz_targets/*.rs` and the brief runner know them.
pub const TARGETS: [(&str, Target); 6] = [
    ("id_number", id_number),
    ("region_code", region_code),
    ("assess_json", assess_json),
    ("calendar_import", calendar_import),
    ("household_json", household_json),
    ("roster_csv", roster_csv),
];

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// 身份证号码 (GB 11643, and 15-digit first-generation numbers): what parses becomes 18
/// characters, round-trips, is not born in the future, and masks to its first 6 and last 4.
pub fn id_number(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    if let Ok(id) = IdNumber::parse(s, today) {
        assert_eq!(id.as_str().len(), 18, "{s:?}");
        assert_eq!(IdNumber::parse(id.as_str(), today).as_ref().map(IdNumber::as_str), Ok(id.as_str()));
        assert!(id.birth_date() <= today, "no birth after today");
        let m = id.masked();
        assert_eq!((&m[..6], &m[m.len() - 4..]), (&id.as_str()[..6], &id.as_str()[14..]));
        assert!(!m.contains(&id.as_str()[6..14]) || id.as_str()[6..14].chars().all(|c| c == '*'));
        let _ = id.birth_date();
        let _ = id.sex();
    }
}

/// 区划代码: what parses is 6, 9 or 12 digits, round-trips and lies within its ancestors.
pub fn region_code(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(c) = RegionCode::parse(s) {
        assert!(matches!(c.as_str().len(), 2 | 4 | 6 | 9 | 12), "{s:?}");
        assert_eq!(RegionCode::parse(c.as_str()).ok().as_ref(), Some(&c));
        for a in c.ancestry() {
            assert!(c.is_within(&a), "{c} within {a}");
        }
    }
}

/// The assessment API's body (contracts/assessment-api): any text is answered or refused with a
/// field error, and an answer is valid JSON.
pub fn assess_json(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let defaults = jiuzhu_policy::Defaults::default();
    if let Ok(a) = jiuzhu_policy::assess_str(s, &defaults, jiuzhu_policy::Policies::builtin()) {
        let mut out = Vec::new();
        jiuzhu_policy::json::write_assessment(&a, &mut out);
        serde_json::from_slice::<serde_json::Value>(&out).expect("the writer writes JSON");
    }
}

/// 节假日安排 import (the next year's calendar file): refused with a field error or added; an added
/// year answers every one of its days.
pub fn calendar_import(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let mut cal = Calendar::official().clone();
    let year = cal.last_year() + 1;
    if cal.add_year(year, s).is_ok() {
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        while d.year_ce().1 as i32 == year {
            cal.day_kind(d).expect("an added year knows its days");
            d = d.succ_opt().unwrap();
        }
    }
}

/// A household registered through the API: any JSON is accepted or refused field by field.
pub fn household_json(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(input) = serde_json::from_str::<jiuzhu_registry::NewHouseholdInput>(s) {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        if let Err(e) = input.validate(today, "fuzz") {
            assert!(!e.0.is_empty(), "a refusal names at least one field");
        }
    }
}

/// The roster export: any text in a cell comes back from the CSV exactly as written, guarded
/// against formulas.
pub fn roster_csv(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let row = jiuzhu_store::RosterRow {
        household_id: 1,
        hukou_region: RegionCode::parse("620825100201").unwrap(),
        town_name: Some(s.to_string()),
        village_name: None,
        head_name: s.to_string(),
        head_id_number: String::new(),
        member_count: 1,
        programme: None,
        monthly_amount: None,
    };
    let mark = jiuzhu_registry::roster::Watermark {
        username: s.to_string(),
        display_name: String::new(),
        at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        export_id: 1,
        purpose: s.to_string(),
    };
    let bytes = jiuzhu_registry::roster::csv(&[row], &mark).expect("CSV writes any text");
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&bytes[3..]);
    let records: Vec<csv::StringRecord> = r.records().map(|x| x.expect("RFC 4180 reads back")).collect();
    assert_eq!(records.len(), 4);
    let guarded = jiuzhu_registry::roster::guard(s);
    assert_eq!(&records[2][4], guarded.as_ref());
    assert!(!matches!(records[2][4].chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n')), "never a formula");
}
