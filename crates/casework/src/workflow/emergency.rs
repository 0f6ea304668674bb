//! 先行救助 (emergency help first, 临时救助 only): the town grants at once within its limit and the
//! paperwork follows (《关于进一步加强和改进临时救助工作的意见》, 民发〔2018〕23号).

use super::deadlines::working_days;
use super::{ActionName, Ctx, Effect, Outcome, WorkflowError, invalid, not_now, require_role, require_state};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Fen, Role, month_start};
use jiuzhu_store::NewCase;

/// 先行救助 (the town reviewer grants emergency help): a one-off amount above zero and within the
/// town's limit, before any check, survey or notice. The case is approved at once, paid this
/// month, and waits for its paperwork within `emergency_paperwork_days`.
pub(super) fn grant_emergency(
    case: &mut NewCase,
    ctx: &Ctx<'_>,
    action: ActionName,
    amount: i64,
    description: &str,
) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], false)?;
    require_state(case, &[CaseState::Materials, CaseState::Accepted], action)?;
    if case.track != Track::Emergency {
        return Err(not_now("仅先行救助案件可由乡镇直接给予", "only emergency cases are granted by the town at once"));
    }
    if amount <= 0 || amount > ctx.town_limit {
        return Err(invalid(
            "amount",
            "emergency.limit",
            &format!("先行救助金额须大于0且不超过乡镇审批限额{}元", Fen(ctx.town_limit)),
            &format!("the amount must be above zero and within the town's limit of {} yuan", Fen(ctx.town_limit)),
        ));
    }
    let paperwork_due = working_days(ctx.calendar, ctx.today, ctx.rules.emergency_paperwork_days);
    if let Some(emergency) = case.details.emergency.as_mut() {
        if !description.trim().is_empty() {
            emergency.description = description.trim().to_string();
        }
        emergency.paperwork_due = paperwork_due;
    }
    // A one-off payment in the month of the grant, not from the next month.
    let this_month = month_start(ctx.today);
    case.details.decided_by_town = true;
    case.details.decision = Some(Decision {
        on: ctx.today,
        by_id: ctx.who.account_id.unwrap_or_default(),
        by: ctx.who.name.clone(),
        approved: true,
        monthly_amount: 0,
        one_off_amount: amount,
        effective_month: Some(this_month),
        reasons: vec![description.trim().to_string()],
        notice_due: None,
    });
    case.state = CaseState::Approved;
    case.step_started_on = ctx.today;
    case.step_due = paperwork_due;
    let grant = Effect::Grant { monthly: 0, one_off: amount, effective_month: this_month };
    Ok(Outcome::with_effect(format!("先行救助{}元，手续后补", Fen(amount)), grant))
}

/// 补齐先行救助手续 (the window clerk completes the paperwork of 先行救助): every material has
/// arrived; nothing is due any more.
pub(super) fn paperwork_done(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], false)?;
    require_state(case, &[CaseState::Approved], action)?;
    let Some(emergency) = case.details.emergency.as_mut().filter(|e| e.paperwork_done_on.is_none()) else {
        return Err(not_now("本案没有待补的先行救助手续", "there is no paperwork to complete"));
    };
    if case.details.materials.iter().any(|material| !material.received) {
        return Err(not_now("材料仍未补齐", "materials are still missing"));
    }
    emergency.paperwork_done_on = Some(ctx.today);
    case.step_due = None;
    Ok(Outcome::new("先行救助手续已补齐"))
}
