//! Deadlines in working days on the official calendar (法定节假日和调休), and the deadlines a case
//! could not have yet, filled in once the calendar reaches them. A deadline beyond the calendar
//! is `None`: shown as pending, never guessed.

use super::WorkflowError;
use crate::rules::Rules;
use chrono::{Days, Months, NaiveDate};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Calendar, month_start};
use jiuzhu_store::NewCase;

/// `n` working days after `from` on the official calendar; `None` when the calendar does not
/// reach that far yet (the deadline is shown as pending, never guessed).
pub fn working_days(calendar: &Calendar, from: NaiveDate, n: u32) -> Option<NaiveDate> {
    calendar.add_working_days(from, n.max(1)).ok()
}

/// The first working day after `day` (a period ending on a holiday runs to the next working day).
pub fn working_day_after(calendar: &Calendar, day: NaiveDate) -> Option<NaiveDate> {
    calendar.add_working_days(day, 1).ok()
}

/// `day` itself when it is a working day, else the next one.
pub fn working_day_on_or_after(calendar: &Calendar, day: NaiveDate) -> Option<NaiveDate> {
    match calendar.is_working_day(day) {
        Ok(true) => Some(day),
        Ok(false) => working_day_after(calendar, day),
        Err(_) => None,
    }
}

/// The earlier of two deadlines, either of which may be unknown (then the other one holds).
pub(super) fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The first day of the month after `day`: a benefit is paid from the month after approval.
#[allow(clippy::expect_used, reason = "`day` is a case's date, never in the last month there is")]
pub fn next_month(day: NaiveDate) -> NaiveDate {
    month_start(day).checked_add_months(Months::new(1)).expect("date in range")
}

/// `months` months after `day`; refused when a parameter carries it past the last date there is.
pub(crate) fn add_months(day: NaiveDate, months: u32) -> Result<NaiveDate, WorkflowError> {
    day.checked_add_months(Months::new(months)).ok_or_else(beyond_dates)
}

/// `days` days after `day`; refused when a parameter carries it past the last date there is.
pub(crate) fn add_days(day: NaiveDate, days: u64) -> Result<NaiveDate, WorkflowError> {
    day.checked_add_days(Days::new(days)).ok_or_else(beyond_dates)
}

fn beyond_dates() -> WorkflowError {
    super::invalid(
        "parameters",
        "parameter.out_of_range",
        "期限超出可计算的日期范围，请检查参数",
        "the period ends beyond the dates that can be counted: check the parameters",
    )
}

/// The working days the whole application may take, by kind and track (`None`: no overall limit).
pub fn overall_days(kind: AssistanceKind, track: Track, rules: &Rules) -> Option<u32> {
    use AssistanceKind::*;
    match (kind, track) {
        (_, Track::Emergency) => None,
        (Dibao | DibaoEdge | RigidExpense | Tekun | Temporary, Track::Commitment) => Some(rules.commitment_overall_days),
        // 特困: the town's 15 days; the county's 15 start when the case reaches it.
        (Tekun, _) => Some(rules.tekun_town_days),
        (Temporary, _) => Some(rules.temporary_overall_days),
        (Dibao | DibaoEdge | RigidExpense, _) if rules.town_approves => Some(rules.town_overall_days),
        (Dibao | DibaoEdge | RigidExpense, _) => Some(rules.overall_days),
        _ => None,
    }
}

/// The working days of 审核确认 (the decision): 15 for 特困 (《特困人员认定办法》), otherwise 10
/// (《最低生活保障审核确认办法》).
pub(super) fn decision_days(kind: AssistanceKind, rules: &Rules) -> u32 {
    if kind == AssistanceKind::Tekun { rules.tekun_county_days } else { rules.county_decision_days }
}

/// A review's deadline on the calendar (`None` while the calendar does not reach it).
pub(super) fn review_due(review: &ReviewRecord, opened: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
    match review.due {
        ReviewDue::On(day) => working_day_on_or_after(calendar, day),
        ReviewDue::WorkingDays(n) => working_days(calendar, opened, n),
        ReviewDue::Unset => None,
    }
}

/// Recomputes the deadlines a case could not have when the calendar did not reach them (after
/// the next year's holidays are imported): the step's and the whole case's, the objection window
/// of a feedback slip, the written notice of a rejection, the paperwork of 先行救助. Returns
/// whether anything changed.
pub fn fill_deadlines(case: &mut NewCase, calendar: &Calendar, rules: &Rules) -> bool {
    let before = case.clone();
    // In this order: the step's deadline is capped by the overall one or is one of the records'.
    fill_overall_due(case, calendar, rules);
    fill_record_deadlines(case, calendar, rules);
    fill_step_due(case, calendar, rules);
    *case != before
}

/// The whole case's deadline: a review's own, or the application's (extended or not) from 受理.
fn fill_overall_due(case: &mut NewCase, calendar: &Calendar, rules: &Rules) {
    let Some(accepted) = case.accepted_on else { return };
    if case.overall_due.is_some() {
        return;
    }
    case.overall_due = match (&case.details.review, case.purpose) {
        (Some(review), Purpose::Review) => review_due(review, case.opened_on, calendar),
        _ => {
            let days = if case.extended { Some(rules.overall_days_extended) } else { overall_days(case.kind, case.track, rules) };
            days.and_then(|n| working_days(calendar, accepted, n))
        }
    };
}

/// The deadlines kept in the case's records: the feedback slip's objection window, the rejection
/// notice, the paperwork after 先行救助.
fn fill_record_deadlines(case: &mut NewCase, calendar: &Calendar, rules: &Rules) {
    if let Some(feedback) = case.details.feedback.as_mut().filter(|f| f.objection_due.is_none()) {
        feedback.objection_due = working_days(calendar, feedback.issued_on, rules.feedback_objection_days);
    }
    if let Some(decision) = case.details.decision.as_mut().filter(|d| !d.approved && d.notice_due.is_none()) {
        decision.notice_due = working_days(calendar, decision.on, rules.rejection_notice_days);
    }
    let decided_on = case.details.decision.as_ref().map(|d| d.on);
    let paperwork_waiting = case.details.emergency.as_mut().filter(|e| e.paperwork_due.is_none() && e.paperwork_done_on.is_none());
    if let (Some(emergency), Some(on)) = (paperwork_waiting, decided_on) {
        emergency.paperwork_due = working_days(calendar, on, rules.emergency_paperwork_days);
    }
}

/// The current step's deadline, as the step that started it would have set it.
fn fill_step_due(case: &mut NewCase, calendar: &Calendar, rules: &Rules) {
    if case.step_due.is_some() {
        return;
    }
    let step_days = match case.state {
        CaseState::Accepted => Some(rules.check_start_days),
        CaseState::CheckFailed => Some(rules.feedback_objection_days),
        CaseState::Survey => Some(rules.survey_days),
        CaseState::Evaluation => Some(rules.evaluation_days),
        CaseState::TownReview => Some(rules.town_review_days),
        CaseState::CountyReview => Some(decision_days(case.kind, rules)),
        CaseState::Referred | CaseState::DepartmentHandling => Some(rules.referral_answer_days),
        _ => None,
    };
    let start = case.step_started_on;
    case.step_due = match (case.state, &case.details.publicity) {
        (CaseState::Publicity, Some(publicity)) => working_day_after(calendar, publicity.ends_on),
        (CaseState::CheckFailed, _) => case.details.feedback.as_ref().and_then(|f| f.objection_due),
        (CaseState::Approved, _) => case.details.emergency.as_ref().and_then(|e| e.paperwork_due),
        (CaseState::Accepted, _) if case.purpose == Purpose::Review => case.overall_due,
        _ => earliest(step_days.and_then(|n| working_days(calendar, start, n)), case.overall_due),
    };
}
