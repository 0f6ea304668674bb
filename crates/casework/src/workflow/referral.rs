//! 转介 (referrals of special assistance to the department that decides it: medical, education,
//! housing, employment, disaster) and 社会力量 needs records (一门受理、协同办理).

use super::{ActionName, Ctx, Outcome, WorkflowError, invalid, require_role, require_state, required};
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// 部门受理转介 (the department liaison takes the referral on): the department is handling it.
pub(super) fn accept_referral(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::DepartmentLiaison], false)?;
    require_state(case, &[CaseState::Referred], action)?;
    if let Some(referral) = case.details.referral.as_mut() {
        referral.accepted_on = Some(ctx.today);
        referral.accepted_by = Some(ctx.who.name.clone());
    }
    case.state = CaseState::DepartmentHandling;
    Ok(Outcome::new("部门已受理"))
}

/// 部门答复 (the department liaison answers the referral): granted or not, with its answer and an
/// amount (zero or more), which the window sees on the case.
pub(super) fn answer_referral(
    case: &mut NewCase,
    ctx: &Ctx<'_>,
    action: ActionName,
    granted: bool,
    answer: &str,
    amount: i64,
) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::DepartmentLiaison], false)?;
    require_state(case, &[CaseState::Referred, CaseState::DepartmentHandling], action)?;
    required("answer", answer)?;
    if amount < 0 {
        return Err(invalid("amount", "money.negative", "金额不能为负数", "amounts cannot be negative"));
    }
    let referral = case.details.referral.get_or_insert_with(Default::default);
    referral.answered_on = Some(ctx.today);
    referral.answered_by = Some(ctx.who.name.clone());
    referral.granted = Some(granted);
    referral.answer = answer.trim().to_string();
    referral.amount = amount;
    case.state = CaseState::Answered;
    case.step_due = None;
    Ok(Outcome::new(format!("{}：{}", if granted { "部门给予救助" } else { "部门不予救助" }, answer.trim())))
}

/// 需求办结 (the window clerk closes a 社会力量 needs record once it is matched, saying how).
pub(super) fn close_need(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, note: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], false)?;
    require_state(case, &[CaseState::NeedOpen], action)?;
    required("note", note)?;
    // Not `close`: a needs record has no deadline to clear.
    let reason = format!("需求办结：{}", note.trim());
    case.state = CaseState::Closed;
    case.details.closed_reason = Some(reason.clone());
    Ok(Outcome::new(reason))
}
