//! 投诉举报的规则 (pure, no I/O): what a report must say, which office handles it, by which
//! working day it must be answered, and when an unanswered one is passed up.
//!
//! Deadlines. The national rules set outer limits only — 《信访工作条例》(2022) gives 15 days to
//! decide whether to take a matter up and 60 days to conclude it, and 《最低生活保障审核确认办法》
//! (民发〔2021〕57号) asks that every real-name report be checked and its result told to the
//! reporter. A county answers social-assistance complaints much sooner; these are the county's
//! defaults, in working days of the official calendar, kept here in one place:
//! [`ACCEPT_WITHIN`] to take it up, [`ANSWER_WITHIN`] to answer, and [`ESCALATED_ANSWER_WITHIN`]
//! for the county once an unanswered town complaint is passed up to it. A 12345 work order keeps
//! the hotline's own deadline where it gives one.
//!
//! Routing. A complaint is handled by the 举报受理 accounts of the town where the matter lies; one
//! that names a staff member, or is about favouritism or staff conduct by its nature, goes to the
//! county instead, never to the town where it happened, and the accounts it names are excluded
//! from handling it wherever they sit.

use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintState};
use jiuzhu_domain::{Calendar, FieldError, IdNumber, RegionCode, RegionLevel, ValidationErrors, text};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Working days to take a complaint up (受理) after it arrives.
pub const ACCEPT_WITHIN: u32 = 2;
/// Working days to check and answer it, counted from the day it arrives.
pub const ANSWER_WITHIN: u32 = 15;
/// Working days the county has once an overdue town complaint is passed up to it.
pub const ESCALATED_ANSWER_WITHIN: u32 = 5;

const CONTENT_MIN: usize = 10;
const CONTENT_MAX: usize = 2000;
const NAME_MAX: usize = 30;
const ANSWER_MIN: usize = 10;

/// A report as typed on the form (the residents' page, the kiosk or the window's entry of a
/// hotline work order), before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInput {
    /// The category's code (`ComplaintCategory::as_str`).
    pub category: String,
    /// The village or town the matter concerns (its region code).
    pub region: String,
    /// What happened, in the reporter's words.
    pub content: String,
    /// A staff member or village cadre the report names, if any.
    pub named_staff: String,
    /// `Some(true)` anonymous, `Some(false)` real-name; `None` when the reporter has not chosen.
    pub anonymous: Option<bool>,
    pub name: String,
    pub phone: String,
    /// Optional for a real-name report.
    pub id_number: String,
    /// The form's one-time key (32 hex digits, drawn when the form was first shown): the same
    /// form sent twice files once.
    #[serde(default)]
    pub form_key: String,
}

/// The form's answer to “anonymous or with your name” (`yes` / `no`); `None` when not chosen.
pub fn anonymous_choice(answer: &str) -> Option<bool> {
    match answer {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The form's one-time key as stored, or `None` when it is not one (nothing to match on).
pub fn form_key(text: &str) -> Option<String> {
    let t = text.trim();
    (t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
}

/// What was reported, as stored (encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub content: String,
    pub named_staff: Option<String>,
}

/// Who reported, for a real-name report, as stored (encrypted); only the 举报受理 role sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    pub name: String,
    pub phone: String,
    pub id_number: Option<String>,
}

/// The handler's findings (internal) and the reply the reporter reads, as stored (encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub findings: String,
    pub reply: String,
}

/// A report that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReport {
    pub category: ComplaintCategory,
    pub region: RegionCode,
    pub details: Details,
    pub reporter: Option<Reporter>,
}

fn error(field: &str, code: &'static str, zh: &str, en: &str) -> FieldError {
    FieldError::new(field, code, zh, en)
}

/// Checks a report: a category, a village or town (inside `within` when given: the entering
/// account's scope; the caller checks the region exists), what happened (10–2000
/// characters), an explicit choice of anonymous or real-name, and for real-name a name and a
/// phone to call back (an ID number is optional and checked when given).
pub fn check_report(input: &ReportInput, within: Option<&RegionCode>, today: NaiveDate) -> Result<CheckedReport, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let category = ComplaintCategory::parse(input.category.trim());
    if category.is_none() {
        e.push(error("category", "report.category", "请选择反映的问题属于哪一类", "choose what the report is about"));
    }
    let region = match RegionCode::parse(input.region.trim()) {
        Ok(r) if within.is_none_or(|w| r.is_within(w)) && matches!(r.level(), RegionLevel::Town | RegionLevel::Village) => Some(r),
        _ => {
            e.push(error("region", "report.region", "请选择问题发生在哪个乡镇或村（社区）", "choose the town or village concerned"));
            None
        }
    };
    let content = text::clean(&input.content);
    let length = content.chars().count();
    if length < CONTENT_MIN {
        e.push(error(
            "content",
            "report.content_short",
            "请写清楚反映的事情（至少 10 个字）：谁、什么时候、什么事",
            "describe what happened (at least 10 characters): who, when, what",
        ));
    } else if length > CONTENT_MAX {
        e.push(error(
            "content",
            "report.content_long",
            &format!("反映的内容最多 2000 字，现在有 {length} 字"),
            &format!("at most 2000 characters; this has {length}"),
        ));
    }
    let named = text::clean(&input.named_staff);
    if named.chars().count() > NAME_MAX || text::has_control(&named) {
        e.push(error(
            "named_staff",
            "report.named_staff",
            "被反映人的姓名最多 30 个字",
            "the name of the person reported is at most 30 characters",
        ));
    }
    let reporter = match input.anonymous {
        None => {
            e.push(error("anonymous", "report.anonymous", "请选择匿名反映还是实名反映", "choose anonymous or with your name"));
            None
        }
        Some(true) => None,
        Some(false) => reporter(input, today, &mut e),
    };
    e.into_result()?;
    #[allow(clippy::unwrap_used, reason = "both are Some when no error was pushed")]
    Ok(CheckedReport {
        category: category.unwrap(),
        region: region.unwrap(),
        details: Details { content, named_staff: (!named.is_empty()).then_some(named) },
        reporter,
    })
}

fn reporter(input: &ReportInput, today: NaiveDate, e: &mut ValidationErrors) -> Option<Reporter> {
    let name = text::clean(&input.name);
    if name.is_empty() || name.chars().count() > NAME_MAX || text::has_control(&name) {
        e.push(error("name", "report.name", "实名反映请填写您的姓名", "enter your name for a report with your name"));
    }
    let phone = if input.phone.trim().is_empty() {
        e.push(error(
            "phone",
            "report.phone",
            "实名反映请留下联系电话，方便核实和答复",
            "leave a phone number so that we can check and answer",
        ));
        None
    } else {
        e.take(jiuzhu_domain::phone::parse_phone("phone", &input.phone))
    };
    let id = input.id_number.trim();
    let id_number = if id.is_empty() {
        None
    } else {
        e.take(IdNumber::parse(id, today).map_err(|mut x| {
            x.field = "id_number".into();
            x
        }))
    };
    Some(Reporter { name, phone: phone.unwrap_or_default(), id_number: id_number.map(|i| i.as_str().to_string()) })
}

/// The town of a village (or the town itself); the county for anything above a town.
pub fn town_of(region: &RegionCode) -> Option<RegionCode> {
    match region.level() {
        RegionLevel::Village => region.parent(),
        RegionLevel::Town => Some(region.clone()),
        _ => None,
    }
}

/// Whose 举报受理 accounts handle a complaint: the county when it names staff or concerns staff by
/// its nature (never the town where it happened), else the town where the matter lies.
pub fn handling_region(region: &RegionCode, category: ComplaintCategory, names_staff: bool) -> Option<RegionCode> {
    let county = region.county()?;
    if names_staff || category.concerns_staff() {
        return Some(county);
    }
    Some(town_of(region).unwrap_or(county))
}

/// Where a complaint goes, given who may handle it: `preferred` when an active handler not
/// named in it sees that region (their own or one above); else — a report naming the county's
/// only handler — the town where the matter lies, when someone there may handle it and nobody
/// named works in that town. `None`: nobody may (the administrators are told). `handlers` are the
/// active 举报受理 accounts (id, where they work); `named` the accounts the report names.
pub fn route(
    preferred: &RegionCode,
    matter: &RegionCode,
    handlers: &[(i64, RegionCode)],
    named: &[(i64, RegionCode)],
) -> Option<RegionCode> {
    let sees = |r: &RegionCode| handlers.iter().any(|(id, scope)| r.is_within(scope) && !named.iter().any(|(n, _)| n == id));
    if sees(preferred) {
        return Some(preferred.clone());
    }
    let town = town_of(matter)?;
    (sees(&town) && !named.iter().any(|(_, at)| at.is_within(&town))).then_some(town)
}

/// The accounts a report names: those whose display name is the name reported (in the
/// registry's one form, ignoring spaces), wherever they work.
pub fn named_accounts<'a>(named: &str, accounts: impl IntoIterator<Item = (i64, &'a str)>) -> Vec<i64> {
    let key = |s: &str| text::clean(s).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let wanted = key(named);
    if wanted.is_empty() {
        return Vec::new();
    }
    accounts.into_iter().filter(|(_, name)| key(name) == wanted).map(|(id, _)| id).collect()
}

/// `n` working days after `start` on the official calendar. A complaint must never be refused
/// because next year's holidays are not imported yet: past the calendar's last year, Monday to
/// Friday count, which gives a day no later than the legal one (holidays only push it later).
pub fn working_days_after(calendar: &Calendar, start: NaiveDate, n: u32) -> NaiveDate {
    calendar.add_working_days(start, n).unwrap_or_else(|_| {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if d.weekday().num_days_from_monday() < 5 {
                left -= 1;
            }
        }
        d
    })
}

/// Working days in `(from, to]`, with the same fallback as [`working_days_after`].
pub fn working_days_left(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> u32 {
    calendar.working_days_between(from, to).unwrap_or_else(|_| {
        from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| d.weekday().num_days_from_monday() < 5).count() as u32
    })
}

/// The day by which a complaint received on `received` must be answered: the hotline's own
/// deadline when it gives one, else [`ANSWER_WITHIN`] working days.
pub fn due_on(calendar: &Calendar, received: NaiveDate, hotline_due: Option<NaiveDate>) -> NaiveDate {
    hotline_due.unwrap_or_else(|| working_days_after(calendar, received, ANSWER_WITHIN))
}

/// The day by which it should be taken up (受理).
pub fn accept_by(calendar: &Calendar, received: NaiveDate) -> NaiveDate {
    working_days_after(calendar, received, ACCEPT_WITHIN)
}

/// 逾期上提: a town complaint still unanswered after its due day goes to the county with
/// [`ESCALATED_ANSWER_WITHIN`] working days from `today`. A county complaint has nowhere higher
/// to go inside jiuzhu: it stays in the county queue marked overdue (`None`).
pub fn escalation(
    state: ComplaintState,
    handling_region: &RegionCode,
    due_on: NaiveDate,
    today: NaiveDate,
    calendar: &Calendar,
) -> Option<(RegionCode, NaiveDate)> {
    if state == ComplaintState::Answered || due_on >= today || handling_region.level() != RegionLevel::Town {
        return None;
    }
    Some((handling_region.county()?, working_days_after(calendar, today, ESCALATED_ANSWER_WITHIN)))
}

/// Checks a handler's answer: the findings (kept inside) and the reply the reporter reads,
/// each at least 10 characters.
pub fn check_answer(findings: &str, reply: &str) -> Result<Answer, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let (findings, reply) = (text::clean(findings), text::clean(reply));
    if findings.chars().count() < ANSWER_MIN {
        e.push(error(
            "findings",
            "report.findings",
            "请写明核查经过和结果（至少 10 个字）",
            "write what was checked and found (at least 10 characters)",
        ));
    }
    if reply.chars().count() < ANSWER_MIN {
        e.push(error(
            "reply",
            "report.reply",
            "请写给反映人的答复（至少 10 个字），反映人凭编号和密码查看",
            "write the reply the reporter reads with the code and PIN (at least 10 characters)",
        ));
    }
    e.into_result()?;
    Ok(Answer { findings, reply })
}

/// 举报编号: `JB` + the Beijing date + six digits.
pub fn new_code(today: NaiveDate, rng: &mut impl Rng) -> String {
    crate::numbers::issue("JB", today, rng)
}

/// 查询密码: eight digits (easier than letters on an old phone's keypad and on the kiosk's).
pub fn new_pin(rng: &mut impl Rng) -> String {
    format!("{:08}", rng.random_range(0..100_000_000u32))
}

/// A 举报编号 as typed, in its one form, or `None` when it cannot be one.
pub fn read_code(text: &str) -> Option<String> {
    crate::numbers::read("JB", text)
}

/// A PIN as typed (spaces and hyphens ignored), or `None` when it is not eight digits.
pub fn read_pin(text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit())).then_some(t)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
