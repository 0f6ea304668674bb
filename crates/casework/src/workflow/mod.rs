//! The workflow of a case as a pure state machine: which step may be taken in which state, by
//! which role, what it records, where the case goes next and by when. No I/O: the service reads
//! and writes the store around it, and the property tests drive it directly.
//!
//! The legal path of a civil-affairs application (RULES.md; seeds 000, 001, 003):
//! 受理 (materials complete) → 核对 (economic check before the home survey; a failed check gets a
//! feedback slip and stops unless the applicant objects) → 入户调查 (two investigators) →
//! 民主评议 (only when contested, never on the commitment track) → 乡镇审核 → 公示 7 days
//! (objections recorded and handled) → 审核确认 (county, or town where delegated) → 批准 (paid from
//! the next month) or 不予批准 (reasons, a written notice within 3 working days).
//! Fast tracks: 承诺制 (no 民主评议, 10 working days, a data post-check within a month) and 先行救助
//! (the town grants temporary help at once within its limit; the paperwork follows).
//!
//! This module holds the types, the shared guards and [`apply`], which hands each action to the
//! function for its step. The steps live by phase:
//! - `intake`: 受理 and 补正材料 (opening applications and reviews);
//! - `check`: 核对 and its feedback slip (核对反馈单);
//! - `survey`: 入户调查 and 民主评议;
//! - `town`: 乡镇审核 and 公示 with its objections;
//! - `decision`: 审核确认 (the home check, the decision, sending back to the town);
//! - `emergency`: 先行救助;
//! - `referral`: 转介 to departments and 社会力量 needs records;
//! - `whole_case`: 延期 and 撤回, whatever the step;
//! - `hold`: 暂停发放 and 恢复发放 while a review runs, and the hold's end with the review;
//! - `deadlines`: working-day arithmetic and deadlines filled in after a calendar import.
//!
//! Step modules use this module and `deadlines`; they never use each other.

mod check;
mod deadlines;
mod decision;
mod emergency;
mod hold;
mod intake;
mod referral;
mod survey;
mod town;
mod whole_case;

pub(crate) use deadlines::{add_days, add_months};
pub use deadlines::{fill_deadlines, next_month, overall_days, working_day_after, working_day_on_or_after, working_days};
pub use intake::{Intake, open, open_review};

use crate::rules::Rules;
use chrono::NaiveDate;
use deadlines::earliest;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Calendar, FieldError, Role, ValidationErrors};
use jiuzhu_store::NewCase;

/// Who takes a step. `role: None` is the system (the periodic tick).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub account_id: Option<i64>,
    pub name: String,
    pub role: Option<Role>,
}

impl Who {
    /// The system acting for `task` (recorded as `system:{task}`, e.g. `system:tick`).
    pub fn system(task: &str) -> Who {
        Who { account_id: None, name: format!("system:{task}"), role: None }
    }

    /// The periodic tick or another task of the system, not a person.
    fn is_system(&self) -> bool {
        self.role.is_none()
    }
}

/// What a step needs to know besides the case.
pub struct Ctx<'a> {
    pub today: NaiveDate,
    pub calendar: &'a Calendar,
    pub rules: &'a Rules,
    pub who: &'a Who,
    /// 特困 entering the decision: whether the county's random sample takes this case.
    pub spot_check_sampled: bool,
    /// The most the town may grant alone as temporary assistance (fen), from the policy engine.
    pub town_limit: i64,
}

/// A step someone takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 补正材料: the materials received now (codes of the checklist).
    SupplyMaterials { received: Vec<String> },
    /// 核对: the result of the economic check (the service runs the policy engine).
    RecordCheck(CheckRecord),
    /// The applicant objects to the feedback slip: the case goes on, contested.
    ObjectToFeedback { text: String },
    /// No objection to the feedback slip (or the applicant accepts it): the case is closed.
    CloseAfterFeedback,
    /// 入户调查: the two investigators' report.
    SubmitSurvey(SurveyRecord),
    /// A review case needs a home visit after its check.
    RequestSurvey { reason: String },
    /// 民主评议: the meeting's counts and conclusion.
    RecordEvaluation(EvaluationRecord),
    /// 乡镇审核: the town's opinion (and, for a review, its outcome).
    TownDecide(TownDecision),
    /// 公示异议: an objection received while the notice is up.
    RecordObjection { text: String },
    /// Handles objection `id`: dismissed, or investigated again.
    ResolveObjection { id: u32, reinvestigate: bool, note: String },
    /// 公示期满: the notice has ended; the case goes to the decision.
    EndPublicity,
    /// 入户核查 by the deciding office before its decision.
    RecordSpotCheck { findings: String },
    /// 审核确认: approve, or reject with reasons.
    Decide { approve: bool, reasons: Vec<String> },
    /// 退回乡镇: the decider sends the case back to the town review.
    SendBack { reason: String },
    /// 延期: the overall deadline is extended once.
    Extend { reason: String },
    /// 先行救助: the town grants temporary help at once.
    GrantEmergency { amount: i64, description: String },
    /// The paperwork of 先行救助 is complete.
    PaperworkDone,
    /// 转介: the department takes the referral on.
    AcceptReferral,
    /// 转介: the department's answer.
    AnswerReferral { granted: bool, answer: String, amount: i64 },
    /// 社会力量: a needs record is matched and closed.
    CloseNeed { note: String },
    /// 撤回: the applicant withdraws the application.
    Withdraw { reason: String },
    /// 暂停发放 while a review runs, with the reason.
    HoldPayments { reason: String },
    /// 恢复发放 while the review goes on, with what was found.
    ReleasePayments { note: String },
}

impl Action {
    /// The code recorded on the timeline.
    pub fn code(&self) -> &'static str {
        match self {
            Action::SupplyMaterials { .. } => "supply_materials",
            Action::RecordCheck(_) => "check",
            Action::ObjectToFeedback { .. } => "object_to_feedback",
            Action::CloseAfterFeedback => "close_after_feedback",
            Action::SubmitSurvey(_) => "survey",
            Action::RequestSurvey { .. } => "request_survey",
            Action::RecordEvaluation(_) => "evaluation",
            Action::TownDecide(_) => "town_decision",
            Action::RecordObjection { .. } => "objection",
            Action::ResolveObjection { .. } => "resolve_objection",
            Action::EndPublicity => "end_publicity",
            Action::RecordSpotCheck { .. } => "spot_check",
            Action::Decide { approve: true, .. } => "approve",
            Action::Decide { approve: false, .. } => "reject",
            Action::SendBack { .. } => "send_back",
            Action::Extend { .. } => "extend",
            Action::GrantEmergency { .. } => "grant_emergency",
            Action::PaperworkDone => "paperwork_done",
            Action::AcceptReferral => "accept_referral",
            Action::AnswerReferral { .. } => "answer_referral",
            Action::CloseNeed { .. } => "close_need",
            Action::Withdraw { .. } => "withdraw",
            Action::HoldPayments { .. } => "hold_payments",
            Action::ReleasePayments { .. } => "release_payments",
        }
    }

    /// The step's Chinese name, as refusals and the timeline say it.
    pub fn zh(&self) -> &'static str {
        match self {
            Action::SupplyMaterials { .. } => "补正材料",
            Action::RecordCheck(_) => "家庭经济状况核对",
            Action::ObjectToFeedback { .. } => "对核对结果提出异议",
            Action::CloseAfterFeedback => "核对不符，终止办理",
            Action::SubmitSurvey(_) => "入户调查",
            Action::RequestSurvey { .. } => "安排入户调查",
            Action::RecordEvaluation(_) => "民主评议",
            Action::TownDecide(_) => "乡镇审核",
            Action::RecordObjection { .. } => "登记公示异议",
            Action::ResolveObjection { .. } => "处理公示异议",
            Action::EndPublicity => "公示期满",
            Action::RecordSpotCheck { .. } => "县级入户抽查",
            Action::Decide { approve: true, .. } => "审核确认：批准",
            Action::Decide { approve: false, .. } => "审核确认：不予批准",
            Action::SendBack { .. } => "退回乡镇",
            Action::Extend { .. } => "延长办理时限",
            Action::GrantEmergency { .. } => "先行救助",
            Action::PaperworkDone => "补齐先行救助手续",
            Action::AcceptReferral => "部门受理转介",
            Action::AnswerReferral { .. } => "部门答复",
            Action::CloseNeed { .. } => "需求办结",
            Action::Withdraw { .. } => "撤回申请",
            Action::HoldPayments { .. } => "暂停发放",
            Action::ReleasePayments { .. } => "恢复发放",
        }
    }
}

/// What a step does to the benefit (the service turns it into a store change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A new benefit, paid from `effective_month`.
    Grant { monthly: i64, one_off: i64, effective_month: NaiveDate },
    /// A review found nothing to change: only the next review is scheduled.
    Unchanged,
    /// A new monthly amount from `from_month`.
    Adjust { monthly: i64, from_month: NaiveDate },
    /// 渐退: paid as now until `until_month`, then ended.
    GradualExit { until_month: NaiveDate },
    /// Ended: the last month paid is the month before `from_month`.
    End { from_month: NaiveDate },
    /// 暂停发放: months from `from_month` wait for the review.
    Hold { from_month: NaiveDate },
    /// 恢复发放: the held months are owed again (paid as arrears).
    Release,
}

/// The result of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub case: NewCase,
    pub action: &'static str,
    pub note: String,
    pub effect: Option<Effect>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// Not possible in the case's state (or for its kind or track).
    #[error("{zh} / {en}")]
    NotNow { zh: String, en: String },
    /// The role (or this person) may not take the step.
    #[error("{zh} / {en}")]
    NotYours { zh: String, en: String },
    #[error("{0}")]
    Invalid(ValidationErrors),
}

/// Who acts next on a case in `state` (`None`: nobody needs to).
pub fn due_role(case: &NewCase) -> Option<Role> {
    use CaseState::*;
    match case.state {
        Materials | Accepted | CheckFailed if case.track == Track::Emergency && case.details.decision.is_none() => Some(Role::TownReviewer),
        Materials | Accepted | CheckFailed => Some(Role::WindowClerk),
        Survey => Some(Role::Investigator),
        Evaluation | TownReview | Publicity => Some(Role::TownReviewer),
        CountyReview if case.details.decided_by_town => Some(Role::TownReviewer),
        CountyReview => Some(Role::CountyApprover),
        Referred | DepartmentHandling => Some(Role::DepartmentLiaison),
        Approved if case.details.emergency.as_ref().is_some_and(|e| e.paperwork_done_on.is_none()) => Some(Role::WindowClerk),
        Approved | Rejected | Closed | Answered | NeedOpen => None,
    }
}

/// Takes one step. The case is not changed when the step is refused: every step works on a copy,
/// handed back only when the step succeeds.
pub fn apply(current: &NewCase, action: Action, ctx: &Ctx<'_>) -> Result<Step, WorkflowError> {
    let mut case = current.clone();
    let name = ActionName::of(&action);
    let outcome = match action {
        Action::SupplyMaterials { received } => intake::supply_materials(&mut case, ctx, name, &received)?,
        Action::RecordCheck(check) => check::record_check(&mut case, ctx, name, check)?,
        Action::ObjectToFeedback { text } => check::object_to_feedback(&mut case, ctx, name, &text)?,
        Action::CloseAfterFeedback => check::close_after_feedback(&mut case, ctx, name)?,
        Action::SubmitSurvey(report) => survey::submit_survey(&mut case, ctx, name, report)?,
        Action::RequestSurvey { reason } => survey::request_survey(&mut case, ctx, name, &reason)?,
        Action::RecordEvaluation(meeting) => survey::record_evaluation(&mut case, ctx, name, meeting)?,
        Action::TownDecide(opinion) => town::town_review(&mut case, ctx, name, opinion)?,
        Action::RecordObjection { text } => town::record_objection(&mut case, ctx, name, &text)?,
        Action::ResolveObjection { id, reinvestigate, note } => town::resolve_objection(&mut case, ctx, name, id, reinvestigate, &note)?,
        Action::EndPublicity => town::end_publicity(&mut case, ctx, name)?,
        Action::RecordSpotCheck { findings } => decision::record_home_check(&mut case, ctx, name, &findings)?,
        Action::Decide { approve, reasons } => decision::decide(&mut case, ctx, name, approve, &reasons)?,
        Action::SendBack { reason } => decision::send_back(&mut case, ctx, name, &reason)?,
        Action::Extend { reason } => whole_case::extend(&mut case, ctx, &reason)?,
        Action::GrantEmergency { amount, description } => emergency::grant_emergency(&mut case, ctx, name, amount, &description)?,
        Action::PaperworkDone => emergency::paperwork_done(&mut case, ctx, name)?,
        Action::AcceptReferral => referral::accept_referral(&mut case, ctx, name)?,
        Action::AnswerReferral { granted, answer, amount } => referral::answer_referral(&mut case, ctx, name, granted, &answer, amount)?,
        Action::CloseNeed { note } => referral::close_need(&mut case, ctx, name, &note)?,
        Action::Withdraw { reason } => whole_case::withdraw(&mut case, ctx, &reason)?,
        Action::HoldPayments { reason } => hold::hold_payments(&mut case, ctx, name, &reason)?,
        Action::ReleasePayments { note } => hold::release_payments(&mut case, ctx, name, &note)?,
    };
    let effect = hold::conclude(&mut case, ctx, outcome.effect);
    case.due_role = due_role(&case);
    Ok(Step { case, action: name.code, note: outcome.note, effect })
}

/// What a step leaves besides the changed case: its line on the timeline and what it does to the
/// benefit.
struct Outcome {
    note: String,
    effect: Option<Effect>,
}

impl Outcome {
    fn new(note: impl Into<String>) -> Outcome {
        Outcome { note: note.into(), effect: None }
    }

    fn with_effect(note: impl Into<String>, effect: Effect) -> Outcome {
        Outcome { note: note.into(), effect: Some(effect) }
    }
}

/// The names of the action being taken, kept for refusals after its payload has moved into the
/// case (“案件当前状态为…，不能…”).
#[derive(Debug, Clone, Copy)]
struct ActionName {
    code: &'static str,
    zh: &'static str,
}

impl ActionName {
    fn of(action: &Action) -> ActionName {
        ActionName { code: action.code(), zh: action.zh() }
    }
}

fn not_now(zh: impl Into<String>, en: impl Into<String>) -> WorkflowError {
    WorkflowError::NotNow { zh: zh.into(), en: en.into() }
}

fn not_yours(zh: impl Into<String>, en: impl Into<String>) -> WorkflowError {
    WorkflowError::NotYours { zh: zh.into(), en: en.into() }
}

fn invalid(field: &str, code: &'static str, zh: &str, en: &str) -> WorkflowError {
    WorkflowError::Invalid(FieldError::new(field, code, zh, en).into())
}

/// A free-text field that must not be blank.
fn required(field: &str, text: &str) -> Result<(), WorkflowError> {
    if text.trim().is_empty() { Err(invalid(field, "required", "请填写此项", "this is required")) } else { Ok(()) }
}

fn has_role(who: &Who, roles: &[Role]) -> bool {
    who.role.is_some_and(|role| roles.contains(&role))
}

/// The step is for one of `roles` (and for the system too when `system_too`).
fn require_role(who: &Who, roles: &[Role], system_too: bool) -> Result<(), WorkflowError> {
    if has_role(who, roles) || (system_too && who.is_system()) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|role| role.zh()).collect();
    let names_en: Vec<&str> = roles.iter().map(|role| role.en()).collect();
    Err(not_yours(format!("此步骤由{}办理", names.join("或")), format!("this step is for: {}", names_en.join(", "))))
}

/// The case is in one of `states`.
fn require_state(case: &NewCase, states: &[CaseState], action: ActionName) -> Result<(), WorkflowError> {
    if states.contains(&case.state) {
        return Ok(());
    }
    Err(not_now(
        format!("案件当前状态为“{}”，不能{}", case.state.zh(), action.zh),
        format!("the case is at “{}”: {} is not possible now", case.state.en(), action.code),
    ))
}

/// Moves the case to `state`, starting its step today with a deadline of `step_days` working
/// days, capped by the overall deadline.
fn move_to(case: &mut NewCase, state: CaseState, step_days: Option<u32>, ctx: &Ctx<'_>) {
    case.state = state;
    case.step_started_on = ctx.today;
    case.step_due = earliest(step_days.and_then(|n| working_days(ctx.calendar, ctx.today, n)), case.overall_due);
}

/// Ends the case (已办结) for `reason`: nothing is due any more.
fn close(case: &mut NewCase, reason: String) {
    case.state = CaseState::Closed;
    case.step_due = None;
    case.details.closed_reason = Some(reason);
}
