//! 家庭经济状况核对 (the economic check, before the home survey: 核对前置, seed 000) and its
//! 核对反馈单 (feedback slip): the applicant may object within the window, or the case ends.

use super::deadlines::working_days;
use super::{ActionName, Ctx, Effect, Outcome, WorkflowError, close, move_to, not_now, require_role, require_state, required};
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// 核对 (the economic check, by the window clerk or the system). An application that passes goes
/// to the home survey; one that fails gets a feedback slip with the time to object
/// (`feedback_objection_days`). A review goes to the town either way, except a data post-check
/// (承诺制事后核查, 随机抽查) the data confirm, which closes unchanged. Not for 先行救助: the town
/// grants first.
pub(super) fn record_check(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, check: CheckRecord) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], true)?;
    require_state(case, &[CaseState::Accepted], action)?;
    if case.track == Track::Emergency {
        return Err(not_now("先行救助由乡镇直接审批，事后补齐手续", "emergency help is granted by the town first"));
    }
    let passed = check.passed;
    let findings = check.findings.clone();
    case.details.check = Some(check);
    let outcome = match (case.purpose, passed) {
        (Purpose::Application, true) => {
            move_to(case, CaseState::Survey, Some(ctx.rules.survey_days), ctx);
            Outcome::new("核对符合，转入户调查")
        }
        (Purpose::Application, false) => {
            issue_feedback_slip(case, ctx, findings);
            Outcome::new("核对不符，出具核对反馈单")
        }
        // A post-check (承诺制) the data confirms needs nobody: it is closed unchanged.
        (Purpose::Review, true) if ctx.who.is_system() && is_data_post_check(case) => {
            close(case, "事后核查：数据比对符合，维持原救助".into());
            Outcome::with_effect("事后核查符合，维持", Effect::Unchanged)
        }
        (Purpose::Review, _) => {
            move_to(case, CaseState::TownReview, Some(ctx.rules.town_review_days), ctx);
            Outcome::new(if passed {
                "复核核对：仍符合条件，转乡镇审核"
            } else {
                "复核核对：不再符合条件，转乡镇审核"
            })
        }
    };
    Ok(outcome)
}

/// A review opened for a check on data alone: the 承诺制 post-check or a random re-check.
fn is_data_post_check(case: &NewCase) -> bool {
    case.details.review.as_ref().is_some_and(|review| matches!(review.reason, ReviewReason::PostCheck | ReviewReason::RandomCheck))
}

/// 核对反馈单: the reasons of a failed check and the time to object. The objection window is the
/// step's deadline as it is, not capped by the overall deadline.
fn issue_feedback_slip(case: &mut NewCase, ctx: &Ctx<'_>, reasons: Vec<String>) {
    let objection_due = working_days(ctx.calendar, ctx.today, ctx.rules.feedback_objection_days);
    case.details.feedback = Some(Feedback { issued_on: ctx.today, reasons, objection_due });
    case.state = CaseState::CheckFailed;
    case.step_started_on = ctx.today;
    case.step_due = objection_due;
}

/// 对核对结果提出异议 (the applicant objects to the feedback slip, recorded by the window clerk):
/// the case goes on to the home survey, contested (so 民主评议 follows it).
pub(super) fn object_to_feedback(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, text: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], false)?;
    require_state(case, &[CaseState::CheckFailed], action)?;
    required("text", text)?;
    case.details.check_objection = Some(text.trim().to_string());
    case.contested = true;
    move_to(case, CaseState::Survey, Some(ctx.rules.survey_days), ctx);
    Ok(Outcome::new(format!("申请人对核对结果有异议：{}", text.trim())))
}

/// 核对不符，终止办理 (closing after a failed check): by the window clerk when the applicant does
/// not object, or by the system once the time to object has run out.
pub(super) fn close_after_feedback(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], true)?;
    require_state(case, &[CaseState::CheckFailed], action)?;
    let by_system = ctx.who.is_system();
    if by_system && case.details.feedback.as_ref().and_then(|f| f.objection_due).is_none_or(|due| ctx.today <= due) {
        return Err(not_now("异议期尚未届满", "the time to object has not run out"));
    }
    let reason: String =
        if by_system { "核对不符，异议期内未提出异议".into() } else { "核对不符，申请人无异议".into() };
    close(case, reason.clone());
    Ok(Outcome::new(reason))
}
