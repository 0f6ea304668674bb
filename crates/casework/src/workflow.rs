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

use crate::rules::Rules;
use chrono::{Datelike, Days, Months, NaiveDate};
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
    pub fn system(what: &str) -> Who {
        Who { account_id: None, name: format!("system:{what}"), role: None }
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
    SupplyMaterials {
        received: Vec<String>,
    },
    /// 核对: the result of the economic check (the service runs the policy engine).
    RecordCheck(CheckRecord),
    /// The applicant objects to the feedback slip: the case goes on, contested.
    ObjectToFeedback {
        text: String,
    },
    /// No objection to the feedback slip (or the applicant accepts it): the case is closed.
    CloseAfterFeedback,
    SubmitSurvey(SurveyRecord),
    /// A review case needs a home visit after its check.
    RequestSurvey {
        reason: String,
    },
    RecordEvaluation(EvaluationRecord),
    TownDecide(TownDecision),
    RecordObjection {
        text: String,
    },
    ResolveObjection {
        id: u32,
        reinvestigate: bool,
        note: String,
    },
    EndPublicity,
    RecordSpotCheck {
        findings: String,
    },
    Decide {
        approve: bool,
        reasons: Vec<String>,
    },
    SendBack {
        reason: String,
    },
    Extend {
        reason: String,
    },
    GrantEmergency {
        amount: i64,
        description: String,
    },
    PaperworkDone,
    AcceptReferral,
    AnswerReferral {
        granted: bool,
        answer: String,
        amount: i64,
    },
    CloseNeed {
        note: String,
    },
    Withdraw {
        reason: String,
    },
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
        }
    }

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

fn not_now(zh: impl Into<String>, en: impl Into<String>) -> WorkflowError {
    WorkflowError::NotNow { zh: zh.into(), en: en.into() }
}

fn not_yours(zh: impl Into<String>, en: impl Into<String>) -> WorkflowError {
    WorkflowError::NotYours { zh: zh.into(), en: en.into() }
}

fn invalid(field: &str, code: &'static str, zh: &str, en: &str) -> WorkflowError {
    WorkflowError::Invalid(FieldError::new(field, code, zh, en).into())
}

fn required(field: &str, text: &str) -> Result<(), WorkflowError> {
    if text.trim().is_empty() { Err(invalid(field, "required", "请填写此项", "this is required")) } else { Ok(()) }
}

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

fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The first day of the month after `day`: a benefit is paid from the month after approval.
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).expect("day 1 exists");
    first.checked_add_months(Months::new(1)).expect("date in range")
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

/// Who acts next on a case in `state` (`None`: nobody needs to).
pub fn due_role(c: &NewCase) -> Option<Role> {
    use CaseState::*;
    match c.state {
        Materials | Accepted | CheckFailed if c.track == Track::Emergency && c.details.decision.is_none() => Some(Role::TownReviewer),
        Materials | Accepted | CheckFailed => Some(Role::WindowClerk),
        Survey => Some(Role::Investigator),
        Evaluation | TownReview | Publicity => Some(Role::TownReviewer),
        CountyReview if c.details.decided_by_town => Some(Role::TownReviewer),
        CountyReview => Some(Role::CountyApprover),
        Referred | DepartmentHandling => Some(Role::DepartmentLiaison),
        Approved if c.details.emergency.as_ref().is_some_and(|e| e.paperwork_done_on.is_none()) => Some(Role::WindowClerk),
        Approved | Rejected | Closed | Answered | NeedOpen => None,
    }
}

/// What an intake opens for one kind of assistance.
pub struct Intake<'a> {
    pub household_id: i64,
    pub region: jiuzhu_domain::RegionCode,
    pub applicant: &'a str,
    pub kind: AssistanceKind,
    pub track: Track,
    pub materials: Vec<Material>,
    pub request: &'a str,
    pub near_relative_note: Option<String>,
    pub commitment_signed: bool,
    pub emergency_description: Option<String>,
}

/// Opens a case: accepted at once when its materials are complete (the legal clock starts),
/// otherwise waiting for them (one notice lists every missing item). Referrals go to the
/// department's queue, needs records are kept for matching.
pub fn open(i: Intake<'_>, today: NaiveDate, calendar: &Calendar, rules: &Rules) -> Result<NewCase, WorkflowError> {
    if i.track == Track::Emergency && i.kind != AssistanceKind::Temporary {
        return Err(invalid(
            "track",
            "track.emergency_temporary_only",
            "先行救助仅适用于临时救助",
            "emergency help first is for temporary assistance only",
        ));
    }
    if i.track == Track::Commitment && !i.commitment_signed {
        return Err(invalid(
            "commitment_signed",
            "commitment.unsigned",
            "告知承诺制须申请人签署承诺书",
            "the commitment track needs the applicant's signed commitment",
        ));
    }
    if i.track != Track::Normal && i.kind.route() != Route::CivilAffairs {
        return Err(invalid(
            "track",
            "track.civil_affairs_only",
            "快速办理仅适用于民政部门认定的救助",
            "fast tracks are for civil-affairs programmes only",
        ));
    }
    let mut details = CaseDetails {
        materials: i.materials,
        request: i.request.trim().to_string(),
        near_relative_note: i.near_relative_note.filter(|n| !n.trim().is_empty()),
        commitment_signed_on: (i.track == Track::Commitment).then_some(today),
        ..Default::default()
    };
    if i.track == Track::Emergency {
        details.emergency = Some(EmergencyRecord {
            description: i.emergency_description.unwrap_or_default(),
            paperwork_due: None,
            paperwork_done_on: None,
        });
    }
    let route = i.kind.route();
    let complete = details.missing_materials().is_empty();
    let (state, accepted_on, step_due, overall_due, department) = match route {
        Route::CivilAffairs if i.track == Track::Emergency => {
            (CaseState::Accepted, Some(today), working_day_on_or_after(calendar, today), None, None)
        }
        Route::CivilAffairs if complete => (
            CaseState::Accepted,
            Some(today),
            working_days(calendar, today, rules.check_start_days),
            overall_days(i.kind, i.track, rules).and_then(|n| working_days(calendar, today, n)),
            None,
        ),
        Route::CivilAffairs => (CaseState::Materials, None, None, None, None),
        Route::Department(d) => {
            details.referral = Some(ReferralRecord { reason: details.request.clone(), ..Default::default() });
            (CaseState::Referred, Some(today), working_days(calendar, today, rules.referral_answer_days), None, Some(d))
        }
        Route::Needs => (CaseState::NeedOpen, Some(today), None, None, None),
    };
    let near_relative = details.near_relative_note.is_some();
    let mut c = NewCase {
        household_id: i.household_id,
        region: i.region,
        kind: i.kind,
        purpose: Purpose::Application,
        track: i.track,
        state,
        applicant: i.applicant.to_string(),
        opened_on: today,
        accepted_on,
        step_started_on: today,
        step_due,
        overall_due,
        due_role: None,
        department,
        contested: false,
        near_relative,
        extended: false,
        spot_check_required: false,
        benefit_id: None,
        details,
    };
    c.due_role = due_role(&c);
    Ok(c)
}

/// Opens a review of a granted benefit (定期复核, a change of circumstances, a death …), due by
/// `due_on`. It starts at the economic check.
pub fn open_review(
    benefit: &jiuzhu_store::Benefit,
    applicant: &str,
    review: ReviewRecord,
    today: NaiveDate,
    calendar: &Calendar,
) -> NewCase {
    let due = review_due(&review, today, calendar);
    let mut c = NewCase {
        household_id: benefit.household_id,
        region: benefit.region.clone(),
        kind: benefit.kind,
        purpose: Purpose::Review,
        track: Track::Normal,
        state: CaseState::Accepted,
        applicant: applicant.to_string(),
        opened_on: today,
        accepted_on: Some(today),
        step_started_on: today,
        step_due: due,
        overall_due: due,
        due_role: None,
        department: None,
        contested: false,
        near_relative: false,
        extended: false,
        spot_check_required: false,
        benefit_id: Some(benefit.id),
        details: CaseDetails { request: review.note.clone(), review: Some(review), ..Default::default() },
    };
    c.due_role = due_role(&c);
    c
}

/// A review's deadline on the calendar (`None` while the calendar does not reach it).
fn review_due(r: &ReviewRecord, opened: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
    match r.due {
        ReviewDue::On(d) => working_day_on_or_after(calendar, d),
        ReviewDue::WorkingDays(n) => working_days(calendar, opened, n),
        ReviewDue::Unset => None,
    }
}

/// Recomputes the deadlines a case could not have when the calendar did not reach them (after
/// the next year's holidays are imported): the step's and the whole case's, the objection window
/// of a feedback slip, the written notice of a rejection, the paperwork of 先行救助. Returns
/// whether anything changed.
pub fn fill_deadlines(c: &mut NewCase, calendar: &Calendar, rules: &Rules) -> bool {
    let before = c.clone();
    if let Some(accepted) = c.accepted_on
        && c.overall_due.is_none()
    {
        c.overall_due = match (&c.details.review, c.purpose) {
            (Some(r), Purpose::Review) => review_due(r, c.opened_on, calendar),
            _ => {
                let days = if c.extended { Some(rules.overall_days_extended) } else { overall_days(c.kind, c.track, rules) };
                days.and_then(|n| working_days(calendar, accepted, n))
            }
        };
    }
    if let Some(f) = c.details.feedback.as_mut().filter(|f| f.objection_due.is_none()) {
        f.objection_due = working_days(calendar, f.issued_on, rules.feedback_objection_days);
    }
    if let Some(d) = c.details.decision.as_mut().filter(|d| !d.approved && d.notice_due.is_none()) {
        d.notice_due = working_days(calendar, d.on, rules.rejection_notice_days);
    }
    let decided_on = c.details.decision.as_ref().map(|d| d.on);
    if let (Some(e), Some(on)) =
        (c.details.emergency.as_mut().filter(|e| e.paperwork_due.is_none() && e.paperwork_done_on.is_none()), decided_on)
    {
        e.paperwork_due = working_days(calendar, on, rules.emergency_paperwork_days);
    }
    if c.step_due.is_none() {
        let start = c.step_started_on;
        let step = match c.state {
            CaseState::Accepted => Some(rules.check_start_days),
            CaseState::CheckFailed => Some(rules.feedback_objection_days),
            CaseState::Survey => Some(rules.survey_days),
            CaseState::Evaluation => Some(rules.evaluation_days),
            CaseState::TownReview => Some(rules.town_review_days),
            CaseState::CountyReview if c.kind == AssistanceKind::Tekun => Some(rules.tekun_county_days),
            CaseState::CountyReview => Some(rules.county_decision_days),
            CaseState::Referred | CaseState::DepartmentHandling => Some(rules.referral_answer_days),
            _ => None,
        };
        c.step_due = match (c.state, &c.details.publicity) {
            (CaseState::Publicity, Some(p)) => working_day_after(calendar, p.ends_on),
            (CaseState::CheckFailed, _) => c.details.feedback.as_ref().and_then(|f| f.objection_due),
            (CaseState::Approved, _) => c.details.emergency.as_ref().and_then(|e| e.paperwork_due),
            (CaseState::Accepted, _) if c.purpose == Purpose::Review => c.overall_due,
            _ => earliest(step.and_then(|n| working_days(calendar, start, n)), c.overall_due),
        };
    }
    *c != before
}

fn role_is(who: &Who, roles: &[Role]) -> bool {
    who.role.is_some_and(|r| roles.contains(&r))
}

fn require_role(who: &Who, roles: &[Role], system_too: bool) -> Result<(), WorkflowError> {
    if role_is(who, roles) || (system_too && who.role.is_none()) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.zh()).collect();
    let names_en: Vec<&str> = roles.iter().map(|r| r.en()).collect();
    Err(not_yours(format!("此步骤由{}办理", names.join("或")), format!("this step is for: {}", names_en.join(", "))))
}

fn require_state(c: &NewCase, states: &[CaseState], action: &Action) -> Result<(), WorkflowError> {
    if states.contains(&c.state) {
        return Ok(());
    }
    Err(not_now(
        format!("案件当前状态为“{}”，不能{}", c.state.zh(), action.zh()),
        format!("the case is at “{}”: {} is not possible now", c.state.en(), action.code()),
    ))
}

/// Takes one step. The case is not changed when the step is refused.
pub fn apply(current: &NewCase, action: Action, ctx: &Ctx<'_>) -> Result<Step, WorkflowError> {
    use CaseState::*;
    let mut c = current.clone();
    let today = ctx.today;
    let cal = ctx.calendar;
    let r = ctx.rules;
    let who = ctx.who;
    let code = action.code();
    let mut note: String;
    let mut effect = None;
    // Moves the case to `state`, starting its step today with deadline `days` (capped by the
    // overall deadline).
    let go = |c: &mut NewCase, state: CaseState, days: Option<u32>| {
        c.state = state;
        c.step_started_on = today;
        c.step_due = earliest(days.and_then(|n| working_days(cal, today, n)), c.overall_due);
    };
    match action {
        Action::SupplyMaterials { ref received } => {
            require_role(who, &[Role::WindowClerk], false)?;
            // 先行救助: help first, the materials follow (in any state until the paperwork is done).
            let emergency_pending = c.details.emergency.as_ref().is_some_and(|e| e.paperwork_done_on.is_none());
            if !emergency_pending {
                require_state(&c, &[Materials], &action)?;
            }
            for m in &mut c.details.materials {
                if received.contains(&m.code) {
                    m.received = true;
                }
            }
            let missing: Vec<String> = c.details.missing_materials().iter().map(|m| m.name.clone()).collect();
            if emergency_pending {
                note = if missing.is_empty() {
                    "先行救助材料已补齐".into()
                } else {
                    format!("先行救助材料仍缺：{}", missing.join("、"))
                };
            } else if missing.is_empty() {
                c.accepted_on = Some(today);
                c.overall_due = overall_days(c.kind, c.track, r).and_then(|n| working_days(cal, today, n));
                go(&mut c, Accepted, Some(r.check_start_days));
                note = "材料齐全，予以受理".into();
            } else {
                note = format!("仍缺：{}", missing.join("、"));
            }
        }
        Action::RecordCheck(check) => {
            require_role(who, &[Role::WindowClerk], true)?;
            require_state(&c, &[Accepted], &Action::RecordCheck(check.clone()))?;
            if c.track == Track::Emergency {
                return Err(not_now("先行救助由乡镇直接审批，事后补齐手续", "emergency help is granted by the town first"));
            }
            note = if check.passed { "核对符合，转入户调查".into() } else { "核对不符，出具核对反馈单".into() };
            let passed = check.passed;
            let findings = check.findings.clone();
            c.details.check = Some(check);
            match (c.purpose, passed) {
                (Purpose::Application, true) => go(&mut c, Survey, Some(r.survey_days)),
                (Purpose::Application, false) => {
                    let due = working_days(cal, today, r.feedback_objection_days);
                    c.details.feedback = Some(Feedback { issued_on: today, reasons: findings, objection_due: due });
                    c.state = CheckFailed;
                    c.step_started_on = today;
                    c.step_due = due;
                }
                // A post-check (承诺制) the data confirms needs nobody: it is closed unchanged.
                (Purpose::Review, true)
                    if who.role.is_none()
                        && c.details
                            .review
                            .as_ref()
                            .is_some_and(|x| matches!(x.reason, ReviewReason::PostCheck | ReviewReason::RandomCheck)) =>
                {
                    c.state = Closed;
                    c.step_due = None;
                    c.details.closed_reason = Some("事后核查：数据比对符合，维持原救助".into());
                    effect = Some(Effect::Unchanged);
                    note = "事后核查符合，维持".into();
                }
                (Purpose::Review, _) => {
                    go(&mut c, TownReview, Some(r.town_review_days));
                    note = if passed {
                        "复核核对：仍符合条件，转乡镇审核".into()
                    } else {
                        "复核核对：不再符合条件，转乡镇审核".into()
                    };
                }
            }
        }
        Action::ObjectToFeedback { ref text } => {
            require_role(who, &[Role::WindowClerk], false)?;
            require_state(&c, &[CheckFailed], &action)?;
            required("text", text)?;
            c.details.check_objection = Some(text.trim().to_string());
            c.contested = true;
            go(&mut c, Survey, Some(r.survey_days));
            note = format!("申请人对核对结果有异议：{}", text.trim());
        }
        Action::CloseAfterFeedback => {
            require_role(who, &[Role::WindowClerk], true)?;
            require_state(&c, &[CheckFailed], &action)?;
            if who.role.is_none() && c.details.feedback.as_ref().and_then(|f| f.objection_due).is_none_or(|d| today <= d) {
                return Err(not_now("异议期尚未届满", "the time to object has not run out"));
            }
            c.state = Closed;
            c.step_due = None;
            c.details.closed_reason = Some(if who.role.is_none() {
                "核对不符，异议期内未提出异议".into()
            } else {
                "核对不符，申请人无异议".into()
            });
            note = c.details.closed_reason.clone().unwrap_or_default();
        }
        Action::SubmitSurvey(s) => {
            require_role(who, &[Role::Investigator], false)?;
            require_state(&c, &[Survey], &Action::SubmitSurvey(s.clone()))?;
            let ids: Vec<i64> = s.investigators.iter().map(|x| x.0).collect();
            if ids.len() != 2 || ids[0] == ids[1] {
                return Err(invalid(
                    "investigators",
                    "survey.two_investigators",
                    "入户调查须由两名调查人员共同完成",
                    "a home survey needs two different investigators",
                ));
            }
            if !who.account_id.is_some_and(|me| ids.contains(&me)) {
                return Err(invalid(
                    "investigators",
                    "survey.not_present",
                    "提交人须是两名调查人员之一",
                    "the person submitting must be one of the two investigators",
                ));
            }
            required("findings", &s.findings)?;
            if s.visited_on > today {
                return Err(invalid("visited_on", "date.future", "调查日期不能晚于今天", "the visit cannot be in the future"));
            }
            note = format!("入户调查：{}", s.investigators.iter().map(|x| x.1.as_str()).collect::<Vec<_>>().join("、"));
            c.details.survey = Some(s);
            if c.contested && c.track != Track::Commitment && c.purpose == Purpose::Application {
                go(&mut c, Evaluation, Some(r.evaluation_days));
            } else {
                go(&mut c, TownReview, Some(r.town_review_days));
            }
        }
        Action::RequestSurvey { ref reason } => {
            require_role(who, &[Role::TownReviewer], false)?;
            require_state(&c, &[TownReview], &action)?;
            required("reason", reason)?;
            note = format!("安排入户调查：{}", reason.trim());
            go(&mut c, Survey, Some(r.survey_days));
        }
        Action::RecordEvaluation(e) => {
            require_role(who, &[Role::TownReviewer], false)?;
            require_state(&c, &[Evaluation], &Action::RecordEvaluation(e.clone()))?;
            required("conclusion", &e.conclusion)?;
            if e.participants == 0 || e.in_favour + e.against > e.participants {
                return Err(invalid(
                    "participants",
                    "evaluation.counts",
                    "参加人数须大于0，且不少于表决人数",
                    "participants must be more than zero and at least the votes cast",
                ));
            }
            note = format!("民主评议：{}人参加，同意{}，不同意{}", e.participants, e.in_favour, e.against);
            c.details.evaluation = Some(e);
            go(&mut c, TownReview, Some(r.town_review_days));
        }
        Action::TownDecide(d) => {
            require_role(who, &[Role::TownReviewer], false)?;
            require_state(&c, &[TownReview], &Action::TownDecide(d.clone()))?;
            if c.purpose == Purpose::Application && c.details.survey.is_none() {
                return Err(not_now("尚未完成入户调查", "the home survey has not been done"));
            }
            if !d.approve && d.reasons.iter().all(|x| x.trim().is_empty()) {
                return Err(invalid("reasons", "decision.reasons", "不同意的，须写明理由", "a negative opinion needs its reasons"));
            }
            if d.monthly_amount < 0 || d.one_off_amount < 0 {
                return Err(invalid("monthly_amount", "money.negative", "金额不能为负数", "amounts cannot be negative"));
            }
            let outcome = d.review_outcome;
            if c.purpose == Purpose::Review && outcome.is_none() {
                return Err(invalid("review_outcome", "review.outcome", "请选择复核结论", "choose the review's outcome"));
            }
            c.details.decided_by_town = match c.kind {
                AssistanceKind::Temporary => d.one_off_amount <= ctx.town_limit,
                AssistanceKind::Dibao | AssistanceKind::DibaoEdge | AssistanceKind::RigidExpense => r.town_approves,
                _ => false,
            };
            note = if d.approve {
                format!("乡镇审核同意：{}", d.opinion.trim())
            } else {
                format!("乡镇审核不同意：{}", d.reasons.join("；"))
            };
            let county_days = if c.kind == AssistanceKind::Tekun { r.tekun_county_days } else { r.county_decision_days };
            c.details.town = Some(d.clone());
            match (c.purpose, d.approve, outcome) {
                // Unchanged after a review: the town concludes it.
                (Purpose::Review, _, Some(ReviewOutcome::Unchanged)) => {
                    c.state = Closed;
                    c.step_due = None;
                    c.details.closed_reason = Some("复核：家庭情况无变化，维持原救助".into());
                    effect = Some(Effect::Unchanged);
                }
                // Grants and terminations are published before the decision.
                (Purpose::Application, true, _) | (Purpose::Review, _, Some(ReviewOutcome::Terminate)) => {
                    let ends_on = today.checked_add_days(Days::new(u64::from(r.publicity_days))).expect("date in range");
                    c.details.publicity = Some(PublicityRecord { starts_on: today, ends_on });
                    c.state = Publicity;
                    c.step_started_on = today;
                    c.step_due = working_day_after(cal, ends_on);
                }
                _ => go(&mut c, CountyReview, Some(county_days)),
            }
        }
        Action::RecordObjection { ref text } => {
            require_role(who, &[Role::TownReviewer], false)?;
            require_state(&c, &[Publicity], &action)?;
            required("text", text)?;
            let id = c.details.objections.iter().map(|o| o.id).max().unwrap_or(0) + 1;
            c.details.objections.push(Objection {
                id,
                received_on: today,
                text: text.trim().to_string(),
                recorded_by: who.name.clone(),
                resolved_on: None,
                resolution: None,
                note: String::new(),
            });
            c.contested = true;
            note = format!("公示期间收到异议（第{id}条）");
        }
        Action::ResolveObjection { id, reinvestigate, note: ref text } => {
            require_role(who, &[Role::TownReviewer], false)?;
            require_state(&c, &[Publicity], &action)?;
            required("note", text)?;
            let Some(o) = c.details.objections.iter_mut().find(|o| o.id == id && o.resolved_on.is_none()) else {
                return Err(invalid("id", "objection.unknown", "没有这条待处理的异议", "no such objection waiting to be handled"));
            };
            o.resolved_on = Some(today);
            o.resolution = Some(if reinvestigate { "reinvestigate".into() } else { "dismissed".into() });
            o.note = text.trim().to_string();
            if reinvestigate {
                // Investigated again; the town reviews and publishes afresh.
                c.details.publicity = None;
                c.details.town = None;
                go(&mut c, Survey, Some(r.survey_days));
                note = format!("异议第{id}条：重新调查（{}）", text.trim());
            } else {
                note = format!("异议第{id}条不成立：{}", text.trim());
            }
        }
        Action::EndPublicity => {
            require_role(who, &[Role::TownReviewer], true)?;
            require_state(&c, &[Publicity], &action)?;
            let ends = c.details.publicity.as_ref().map(|p| p.ends_on).unwrap_or(today);
            if today <= ends {
                return Err(not_now(format!("公示期至 {ends}，期满后方可结束"), format!("the notice runs until {ends}")));
            }
            if c.details.open_objections() > 0 {
                return Err(not_now("尚有未处理的公示异议", "there are objections not yet handled"));
            }
            // A home visit by the county: for 近亲属备案 and complained cases always, for 特困 by sample.
            c.spot_check_required = c.near_relative || c.contested || (c.kind == AssistanceKind::Tekun && ctx.spot_check_sampled);
            let days = if c.kind == AssistanceKind::Tekun { r.tekun_county_days } else { r.county_decision_days };
            if c.kind == AssistanceKind::Tekun {
                c.overall_due = working_days(cal, today, days);
            }
            go(&mut c, CountyReview, Some(days));
            note = "公示期满无异议".into();
        }
        Action::RecordSpotCheck { ref findings } => {
            require_role(who, &[Role::CountyApprover, Role::TownReviewer], false)?;
            require_state(&c, &[CountyReview], &action)?;
            if due_role(&c) != who.role {
                return Err(not_yours("由作出决定的机关进行入户核查", "the deciding office does the home check"));
            }
            required("findings", findings)?;
            c.details.spot_check = Some(SpotCheck { on: today, by: who.name.clone(), findings: findings.trim().to_string() });
            note = "入户核查".into();
        }
        Action::Decide { approve, ref reasons } => {
            require_state(&c, &[CountyReview], &action)?;
            let decider = due_role(&c).unwrap_or(Role::CountyApprover);
            require_role(who, &[decider], false)?;
            let town = c.details.town.clone().ok_or_else(|| not_now("尚无乡镇审核意见", "the town has not reviewed the case"))?;
            // Maker ≠ checker: whoever reviewed or surveyed the case does not decide it.
            let me = who.account_id;
            if me == Some(town.by_id) || c.details.survey.as_ref().is_some_and(|s| s.investigators.iter().any(|x| Some(x.0) == me)) {
                return Err(not_yours("审核或调查过本案的人员不能作出决定", "whoever reviewed or surveyed the case cannot decide it"));
            }
            if c.spot_check_required && c.details.spot_check.is_none() {
                return Err(not_now("本案须先入户核查（近亲属备案、有异议或特困抽查）", "this case needs a home check first"));
            }
            if approve && !town.approve {
                return Err(not_now(
                    "乡镇审核意见为不同意：如需批准，请退回乡镇重新审核",
                    "the town advised against: send it back to approve it",
                ));
            }
            let reasons: Vec<String> = reasons.iter().map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
            if !approve && reasons.is_empty() {
                return Err(invalid("reasons", "decision.reasons", "不予批准的，须写明理由", "a rejection needs its reasons"));
            }
            let from_month = next_month(today);
            let decision = Decision {
                on: today,
                by_id: me.unwrap_or_default(),
                by: who.name.clone(),
                approved: approve,
                monthly_amount: if approve { town.monthly_amount } else { 0 },
                one_off_amount: if approve { town.one_off_amount } else { 0 },
                effective_month: approve.then_some(from_month),
                reasons: reasons.clone(),
                notice_due: (!approve).then(|| working_days(cal, today, r.rejection_notice_days)).flatten(),
            };
            c.details.decision = Some(decision);
            c.step_due = None;
            match (c.purpose, approve) {
                (Purpose::Application, true) => {
                    c.state = Approved;
                    effect =
                        Some(Effect::Grant { monthly: town.monthly_amount, one_off: town.one_off_amount, effective_month: from_month });
                    note = "批准".into();
                }
                (Purpose::Application, false) => {
                    c.state = Rejected;
                    note = format!("不予批准：{}", reasons.join("；"));
                }
                (Purpose::Review, true) => {
                    c.state = Approved;
                    effect = Some(match town.review_outcome {
                        Some(ReviewOutcome::Adjust) => Effect::Adjust { monthly: town.monthly_amount, from_month },
                        Some(ReviewOutcome::GradualExit) => Effect::GradualExit {
                            until_month: from_month
                                .checked_add_months(Months::new(r.gradual_exit_months.saturating_sub(1)))
                                .expect("date in range"),
                        },
                        Some(ReviewOutcome::Terminate) => Effect::End { from_month },
                        _ => Effect::Unchanged,
                    });
                    note = format!("复核确认：{}", town.review_outcome.map(|o| o.zh()).unwrap_or("维持"));
                }
                (Purpose::Review, false) => {
                    c.state = Closed;
                    c.details.closed_reason = Some(format!("复核：不同意乡镇意见，维持原救助（{}）", reasons.join("；")));
                    effect = Some(Effect::Unchanged);
                    note = c.details.closed_reason.clone().unwrap_or_default();
                }
            }
        }
        Action::SendBack { ref reason } => {
            require_state(&c, &[CountyReview], &action)?;
            require_role(who, &[due_role(&c).unwrap_or(Role::CountyApprover)], false)?;
            required("reason", reason)?;
            c.details.decided_by_town = false;
            go(&mut c, TownReview, Some(r.town_review_days));
            note = format!("退回乡镇：{}", reason.trim());
        }
        Action::Extend { ref reason } => {
            require_role(who, &[Role::TownReviewer, Role::CountyApprover], false)?;
            if !c.state.is_open() || c.state == Materials {
                return Err(not_now("只有办理中的案件可以延期", "only a case being processed can be extended"));
            }
            if c.extended {
                return Err(not_now("本案已延期一次", "the case has been extended once already"));
            }
            if !matches!(c.kind, AssistanceKind::Dibao | AssistanceKind::DibaoEdge | AssistanceKind::RigidExpense)
                || c.track != Track::Normal
            {
                return Err(not_now("该类案件不适用延期", "this kind of case cannot be extended"));
            }
            required("reason", reason)?;
            let accepted = c.accepted_on.unwrap_or(c.opened_on);
            c.overall_due = working_days(cal, accepted, r.overall_days_extended);
            c.extended = true;
            c.details.extension = Some(Extension { on: today, by: who.name.clone(), reason: reason.trim().to_string() });
            note = format!("延长至{}个工作日：{}", r.overall_days_extended, reason.trim());
        }
        Action::GrantEmergency { amount, ref description } => {
            require_role(who, &[Role::TownReviewer], false)?;
            require_state(&c, &[Materials, Accepted], &action)?;
            if c.track != Track::Emergency {
                return Err(not_now("仅先行救助案件可由乡镇直接给予", "only emergency cases are granted by the town at once"));
            }
            if amount <= 0 || amount > ctx.town_limit {
                return Err(invalid(
                    "amount",
                    "emergency.limit",
                    &format!("先行救助金额须大于0且不超过乡镇审批限额{}元", jiuzhu_domain::Fen(ctx.town_limit)),
                    &format!("the amount must be above zero and within the town's limit of {} yuan", jiuzhu_domain::Fen(ctx.town_limit)),
                ));
            }
            let due = working_days(cal, today, r.emergency_paperwork_days);
            if let Some(e) = c.details.emergency.as_mut() {
                if !description.trim().is_empty() {
                    e.description = description.trim().to_string();
                }
                e.paperwork_due = due;
            }
            c.details.decided_by_town = true;
            c.details.decision = Some(Decision {
                on: today,
                by_id: who.account_id.unwrap_or_default(),
                by: who.name.clone(),
                approved: true,
                monthly_amount: 0,
                one_off_amount: amount,
                effective_month: Some(today.with_day(1).expect("day 1")),
                reasons: vec![description.trim().to_string()],
                notice_due: None,
            });
            c.state = Approved;
            c.step_started_on = today;
            c.step_due = due;
            effect = Some(Effect::Grant { monthly: 0, one_off: amount, effective_month: today.with_day(1).expect("day 1") });
            note = format!("先行救助{}元，手续后补", jiuzhu_domain::Fen(amount));
        }
        Action::PaperworkDone => {
            require_role(who, &[Role::WindowClerk], false)?;
            require_state(&c, &[Approved], &action)?;
            let Some(e) = c.details.emergency.as_mut().filter(|e| e.paperwork_done_on.is_none()) else {
                return Err(not_now("本案没有待补的先行救助手续", "there is no paperwork to complete"));
            };
            if c.details.materials.iter().any(|m| !m.received) {
                return Err(not_now("材料仍未补齐", "materials are still missing"));
            }
            e.paperwork_done_on = Some(today);
            c.step_due = None;
            note = "先行救助手续已补齐".into();
        }
        Action::AcceptReferral => {
            require_role(who, &[Role::DepartmentLiaison], false)?;
            require_state(&c, &[Referred], &action)?;
            if let Some(x) = c.details.referral.as_mut() {
                x.accepted_on = Some(today);
                x.accepted_by = Some(who.name.clone());
            }
            c.state = DepartmentHandling;
            note = "部门已受理".into();
        }
        Action::AnswerReferral { granted, ref answer, amount } => {
            require_role(who, &[Role::DepartmentLiaison], false)?;
            require_state(&c, &[Referred, DepartmentHandling], &action)?;
            required("answer", answer)?;
            if amount < 0 {
                return Err(invalid("amount", "money.negative", "金额不能为负数", "amounts cannot be negative"));
            }
            let x = c.details.referral.get_or_insert_with(Default::default);
            x.answered_on = Some(today);
            x.answered_by = Some(who.name.clone());
            x.granted = Some(granted);
            x.answer = answer.trim().to_string();
            x.amount = amount;
            c.state = Answered;
            c.step_due = None;
            note = format!("{}：{}", if granted { "部门给予救助" } else { "部门不予救助" }, answer.trim());
        }
        Action::CloseNeed { note: ref text } => {
            require_role(who, &[Role::WindowClerk], false)?;
            require_state(&c, &[NeedOpen], &action)?;
            required("note", text)?;
            c.state = Closed;
            c.details.closed_reason = Some(format!("需求办结：{}", text.trim()));
            note = c.details.closed_reason.clone().unwrap_or_default();
        }
        Action::Withdraw { ref reason } => {
            require_role(who, &[Role::WindowClerk], false)?;
            if !c.state.is_open() {
                return Err(not_now("案件已办结", "the case is closed"));
            }
            if c.purpose == Purpose::Review {
                return Err(not_now("复核由民政部门依职权进行，不能撤回", "a review is not the applicant's to withdraw"));
            }
            required("reason", reason)?;
            c.state = Closed;
            c.step_due = None;
            c.details.closed_reason = Some(format!("申请人撤回：{}", reason.trim()));
            note = c.details.closed_reason.clone().unwrap_or_default();
        }
    }
    c.due_role = due_role(&c);
    Ok(Step { case: c, action: code, note, effect })
}
