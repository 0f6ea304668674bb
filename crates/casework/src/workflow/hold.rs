//! 暂停发放 during a review: the town reviewer or the county approver holds a benefit's payments
//! while its review runs (the household cannot be reached, a data check found income to verify …)
//! and lifts the hold by hand or by the review's conclusion. Payments (issue 16 §9) cancel held
//! months before money leaves; the release pays them as arrears, an end stops before them.
//!
//! No national article names the hold; provinces' 审核确认 rules let the office 暂停发放 while it
//! verifies, then 恢复 (with 补发) or 停发. jiuzhu keeps it to an open review, with the reason.

use super::deadlines::next_month;
use super::{ActionName, Ctx, Effect, Outcome, WorkflowError, not_now, require_role, required};
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// Who may hold or release payments.
const HOLDERS: [Role; 2] = [Role::TownReviewer, Role::CountyApprover];

/// 暂停发放: from the month after today (this month's money has left by the 10th; a payroll
/// already generated for next month has its line cancelled at approval).
pub(super) fn hold_payments(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, reason: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &HOLDERS, false)?;
    if case.purpose != Purpose::Review || !case.state.is_open() {
        return Err(not_now(format!("只有办理中的复核案件可以{}", action.zh), "payments can be held only while a review is open"));
    }
    if case.details.hold.as_ref().is_some_and(PaymentHold::is_on) {
        return Err(not_now("本案已暂停发放", "payments are already held"));
    }
    required("reason", reason)?;
    let from_month = next_month(ctx.today);
    let reason = reason.trim().to_string();
    case.details.hold =
        Some(PaymentHold { from_month, on: ctx.today, by: ctx.who.name.clone(), reason: reason.clone(), released_on: None });
    Ok(Outcome::with_effect(format!("自{}起暂停发放：{reason}", from_month.format("%Y年%m月")), Effect::Hold { from_month }))
}

/// 恢复发放 by hand while the review goes on: the held months are paid as arrears next payroll.
pub(super) fn release_payments(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, note: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &HOLDERS, false)?;
    let Some(hold) = case.details.hold.as_mut().filter(|h| h.is_on()) else {
        return Err(not_now(format!("本案未暂停发放，不能{}", action.zh), "payments are not held"));
    };
    required("note", note)?;
    hold.released_on = Some(ctx.today);
    Ok(Outcome::with_effect(format!("恢复发放（暂停期间的待遇下期补发）：{}", note.trim()), Effect::Release))
}

/// The review has ended with `effect` on a held benefit: the hold ends with it (an end takes
/// effect from the held month; any other outcome pays the held months as arrears). A review
/// closed without an effect releases the hold.
pub(super) fn conclude(case: &mut NewCase, ctx: &Ctx<'_>, effect: Option<Effect>) -> Option<Effect> {
    let Some(hold) = case.details.hold.as_mut().filter(|h| h.is_on()) else { return effect };
    if case.state.is_open() {
        return effect;
    }
    hold.released_on = Some(ctx.today);
    match effect {
        Some(Effect::End { from_month }) => Some(Effect::End { from_month: from_month.min(hold.from_month) }),
        other => other.or(Some(Effect::Release)),
    }
}
