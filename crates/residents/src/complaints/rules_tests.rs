#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;
use chrono::Datelike;
use jiuzhu_testkit::fixtures::id_number;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

const COUNTY: &str = "620825";
const TOWN: &str = "620825100";
const VILLAGE: &str = "620825100201";

fn input() -> ReportInput {
    ReportInput {
        category: "eligible_left_out".into(),
        region: VILLAGE.into(),
        content: "村东头王大爷独居无收入，多次申请低保没有结果".into(),
        anonymous: Some(true),
        ..Default::default()
    }
}

fn fields(e: &ValidationErrors) -> Vec<String> {
    e.0.iter().map(|f| f.field.clone()).collect()
}

#[test]
fn an_anonymous_report_needs_a_category_a_place_and_what_happened() {
    let r = check_report(&input(), Some(&code(COUNTY)), day("2026-12-07")).unwrap();
    assert_eq!(r.category, ComplaintCategory::EligibleLeftOut);
    assert_eq!(r.region, code(VILLAGE));
    assert_eq!(r.reporter, None);
    assert_eq!(r.details.named_staff, None);

    let empty = ReportInput::default();
    let e = check_report(&empty, Some(&code(COUNTY)), day("2026-12-07")).unwrap_err();
    assert_eq!(fields(&e), ["category", "region", "content", "anonymous"]);
    assert!(e.for_field("anonymous").unwrap().zh.contains("匿名"), "nobody chose for the reporter");
}

#[test]
fn what_happened_is_ten_to_two_thousand_characters() {
    let county = code(COUNTY);
    for (len, ok) in [(9, false), (10, true), (2000, true), (2001, false)] {
        let r = ReportInput { content: "事".repeat(len), ..input() };
        assert_eq!(check_report(&r, Some(&county), day("2026-12-07")).is_ok(), ok, "{len} characters");
    }
    // Invisible characters do not count towards the ten.
    let padded = ReportInput { content: format!("{}\u{200b}\u{200b}", "事".repeat(9)), ..input() };
    assert!(check_report(&padded, Some(&county), day("2026-12-07")).is_err());
}

#[test]
fn the_place_is_a_town_or_village_of_this_county() {
    let county = code(COUNTY);
    for (region, ok) in [(VILLAGE, true), (TOWN, true), (COUNTY, false), ("620826100201", false), ("62082510020", false), ("", false)] {
        let r = ReportInput { region: region.into(), ..input() };
        assert_eq!(check_report(&r, Some(&county), day("2026-12-07")).is_ok(), ok, "{region:?}");
    }
}

#[test]
fn a_real_name_report_needs_a_name_and_a_phone_and_checks_an_id_number_given() {
    let county = code(COUNTY);
    let today = day("2026-12-07");
    let named = ReportInput { anonymous: Some(false), ..input() };
    let e = check_report(&named, Some(&county), today).unwrap_err();
    assert_eq!(fields(&e), ["name", "phone"]);

    let good = ReportInput { name: " 李秀英 ".into(), phone: "139 1234 5678".into(), ..named.clone() };
    let r = check_report(&good, Some(&county), today).unwrap();
    assert_eq!(r.reporter, Some(Reporter { name: "李秀英".into(), phone: "13912345678".into(), id_number: None }));

    let id = id_number("19580312", 7);
    let with_id = ReportInput { id_number: id.to_lowercase(), ..good.clone() };
    assert_eq!(check_report(&with_id, Some(&county), today).unwrap().reporter.unwrap().id_number.as_deref(), Some(id.as_str()));
    let bad_id = ReportInput { id_number: "620825195001010000".into(), ..good };
    assert_eq!(fields(&check_report(&bad_id, Some(&county), today).unwrap_err()), ["id_number"]);
}

#[test]
fn an_anonymous_report_keeps_no_name_even_when_one_was_typed() {
    let r = ReportInput { name: "张三".into(), phone: "13912345678".into(), ..input() };
    assert_eq!(check_report(&r, Some(&code(COUNTY)), day("2026-12-07")).unwrap().reporter, None);
}

/// Routing: the town of the matter, unless staff are named or concerned by the category's nature.
#[test]
fn staff_complaints_go_to_the_county_never_to_their_town() {
    use ComplaintCategory::*;
    let cases = [
        (VILLAGE, EligibleLeftOut, false, TOWN),
        (TOWN, WronglyIncluded, false, TOWN),
        (VILLAGE, PaymentLateOrShort, false, TOWN),
        (VILLAGE, Other, false, TOWN),
        (VILLAGE, EligibleLeftOut, true, COUNTY),
        (VILLAGE, Favouritism, false, COUNTY),
        (TOWN, StaffConduct, false, COUNTY),
    ];
    for (region, category, names_staff, expected) in cases {
        assert_eq!(handling_region(&code(region), category, names_staff), Some(code(expected)), "{region} {category:?} {names_staff}");
    }
}

/// A complaint is never left silently with nobody to handle it: naming the county's only
/// handler, it goes to the town where it happened (unless the person named works there).
#[test]
fn a_complaint_goes_where_someone_not_named_can_handle_it() {
    let (county, town) = (code(COUNTY), code(TOWN));
    let village = code(VILLAGE);
    let handlers = [(1, county.clone()), (2, county.clone()), (3, town.clone())];
    let named = |ids: &[i64]| -> Vec<(i64, RegionCode)> { handlers.iter().filter(|(id, _)| ids.contains(id)).cloned().collect() };
    assert_eq!(route(&county, &village, &handlers, &[]), Some(county.clone()));
    assert_eq!(route(&county, &village, &handlers, &named(&[1])), Some(county.clone()), "the other county handler");
    assert_eq!(route(&county, &village, &handlers, &named(&[1, 2])), Some(town.clone()), "both named: the town of the matter");
    let clerk_of_town = (7, town.clone());
    assert_eq!(route(&county, &village, &handlers, &[(1, county.clone()), (2, county.clone()), clerk_of_town]), None, "never their town");
    assert_eq!(route(&county, &village, &handlers[..2], &named(&[1, 2])), None, "nobody anywhere");
    assert_eq!(route(&town, &village, &handlers, &named(&[3])), Some(town.clone()), "a county handler sees the town");
}

#[test]
fn the_accounts_a_report_names_are_matched_by_name_in_one_form() {
    let accounts = [(1, "王建国"), (2, "王 建国"), (3, "王建"), (4, "王建国\u{200b}")];
    assert_eq!(named_accounts("王建国", accounts), [1, 2, 4]);
    assert_eq!(named_accounts(" ", accounts), Vec::<i64>::new());
    assert_eq!(named_accounts("李四", accounts), Vec::<i64>::new());
}

/// Deadlines over 国庆 2026 (1–7 October off, Saturday 10 October worked): counted on the
/// official calendar, not on weekdays (which would give 21 October).
#[test]
fn deadlines_are_working_days_of_the_official_calendar() {
    let cal = Calendar::official();
    assert_eq!(due_on(cal, day("2026-09-30"), None), day("2026-10-27"));
    assert_eq!(due_on(cal, day("2026-09-30"), Some(day("2026-10-09"))), day("2026-10-09"), "the hotline's deadline kept");
    // Friday → Monday (1), Tuesday (2).
    assert_eq!(accept_by(cal, day("2026-12-04")), day("2026-12-08"));
    assert_eq!(working_days_left(cal, day("2026-09-30"), day("2026-10-12")), 4, "8, 9, 10 (a Saturday worked) and 12 October");
}

#[test]
fn an_unanswered_town_complaint_passes_up_the_day_after_its_due_day() {
    let cal = Calendar::official();
    let town = code(TOWN);
    let due = day("2026-12-07");
    let at = |state, region: &RegionCode, today| escalation(state, region, due, day(today), cal);
    assert_eq!(at(ComplaintState::Received, &town, "2026-12-07"), None, "the due day itself is in time");
    // Tuesday 8 December + 5 working days = Tuesday 15 December.
    assert_eq!(at(ComplaintState::Received, &town, "2026-12-08"), Some((code(COUNTY), day("2026-12-15"))));
    assert_eq!(at(ComplaintState::Handling, &town, "2026-12-08"), Some((code(COUNTY), day("2026-12-15"))));
    assert_eq!(at(ComplaintState::Answered, &town, "2026-12-08"), None, "answered: nothing to pass up");
    assert_eq!(at(ComplaintState::Handling, &code(COUNTY), "2026-12-30"), None, "the county is the top");
}

/// Past the calendar's last year (next year's holidays not imported yet), Monday to Friday
/// count: a complaint is never refused for it, and the day is no later than the legal one.
#[test]
fn past_the_calendar_weekdays_count_so_nothing_is_refused() {
    let cal = Calendar::official();
    let last = cal.last_year();
    let start = NaiveDate::from_ymd_opt(last, 12, 25).unwrap();
    let d = due_on(cal, start, None);
    let weekdays = start.iter_days().skip(1).take_while(|x| *x <= d).filter(|x| x.weekday().num_days_from_monday() < 5).count();
    assert_eq!(weekdays, ANSWER_WITHIN as usize, "{d}");
    assert!(d.year() == last + 1);
    assert_eq!(working_days_left(cal, start, d), ANSWER_WITHIN);
}

#[test]
fn an_answer_has_findings_and_a_reply() {
    let e = check_answer("查了", "").unwrap_err();
    assert_eq!(fields(&e), ["findings", "reply"]);
    let a = check_answer("经入户核查，王某家庭收入低于标准", " 已告知其重新申请，本周内受理。").unwrap();
    assert_eq!(a.reply, "已告知其重新申请，本周内受理。");
}

#[test]
fn codes_and_pins_are_read_in_one_form() {
    let mut rng = rand::rng();
    let c = new_code(day("2026-12-07"), &mut rng);
    assert!(c.starts_with("JB20261207-") && c.len() == 17, "{c}");
    assert_eq!(read_code(&c.to_lowercase().replace('-', " ")), Some(c.clone()));
    assert_eq!(read_code("WS20261207-123456"), None);
    assert_eq!(read_code("JB2026120-123456"), None);
    let p = new_pin(&mut rng);
    assert_eq!(p.len(), 8);
    assert_eq!(read_pin(&format!("{} {}", &p[..4], &p[4..])), Some(p));
    assert_eq!(read_pin("1234567"), None);
    assert_eq!(read_pin("1234567a"), None);
}

#[test]
fn a_forms_one_time_key_is_32_hex_digits() {
    assert_eq!(form_key(" 0123456789ABCDEF0123456789abcdef "), Some("0123456789abcdef0123456789abcdef".into()));
    assert_eq!(form_key("0123456789abcdef0123456789abcde"), None);
    assert_eq!(form_key("0123456789abcdef0123456789abcdeg"), None);
    assert_eq!(form_key(""), None);
}
