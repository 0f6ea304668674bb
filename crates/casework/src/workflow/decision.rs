//! 审核确认 (the decision): by the county approver, or by the town where it decides. The home
//! check it may need first, the decision itself, and sending the case back to the town.

use super::deadlines::{add_months, next_month, working_days};
use super::{
    ActionName, Ctx, Effect, Outcome, WorkflowError, close, due_role, invalid, move_to, not_now, not_yours, require_role, require_state,
    required,
};
use crate::rules::Rules;
use chrono::NaiveDate;
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// 入户核查 (the home check by the deciding office, before its decision): required for
/// 近亲属备案 and contested cases and for 特困 the sample takes (《最低生活保障审核确认办法》;
/// 《特困人员认定办法》). Only the office that will decide may record it.
pub(super) fn record_home_check(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, findings: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::CountyApprover, Role::TownReviewer], false)?;
    require_state(case, &[CaseState::CountyReview], action)?;
    if due_role(case) != ctx.who.role {
        return Err(not_yours("由作出决定的机关进行入户核查", "the deciding office does the home check"));
    }
    required("findings", findings)?;
    case.details.spot_check = Some(SpotCheck { on: ctx.today, by: ctx.who.name.clone(), findings: findings.trim().to_string() });
    Ok(Outcome::new("入户核查"))
}

/// 审核确认 (the decision, by whoever the case waits for: the county approver, or a town reviewer
/// where the town decides). Maker ≠ checker: whoever reviewed or surveyed the case does not decide
/// it. A required home check comes first; approving needs the town's agreement; a rejection needs
/// its reasons and gets a written notice within `rejection_notice_days` (《最低生活保障审核确认
/// 办法》: 3 working days). A grant is paid from the next month; a review approved takes effect
/// as the town proposed, a review rejected keeps the benefit as it was.
pub(super) fn decide(
    case: &mut NewCase,
    ctx: &Ctx<'_>,
    action: ActionName,
    approve: bool,
    reasons: &[String],
) -> Result<Outcome, WorkflowError> {
    require_state(case, &[CaseState::CountyReview], action)?;
    let decider = due_role(case).unwrap_or(Role::CountyApprover);
    require_role(ctx.who, &[decider], false)?;
    let town = case.details.town.clone().ok_or_else(|| not_now("尚无乡镇审核意见", "the town has not reviewed the case"))?;
    // Maker ≠ checker: whoever reviewed or surveyed the case does not decide it.
    let decider_id = ctx.who.account_id;
    let surveyed_it = case.details.survey.as_ref().is_some_and(|survey| survey.investigators.iter().any(|(id, _)| Some(*id) == decider_id));
    if decider_id == Some(town.by_id) || surveyed_it {
        return Err(not_yours("审核或调查过本案的人员不能作出决定", "whoever reviewed or surveyed the case cannot decide it"));
    }
    if case.spot_check_required && case.details.spot_check.is_none() {
        return Err(not_now("本案须先入户核查（近亲属备案、有异议或特困抽查）", "this case needs a home check first"));
    }
    if approve && !town.approve {
        return Err(not_now("乡镇审核意见为不同意：如需批准，请退回乡镇重新审核", "the town advised against: send it back to approve it"));
    }
    let reasons: Vec<String> = reasons.iter().map(|reason| reason.trim().to_string()).filter(|reason| !reason.is_empty()).collect();
    if !approve && reasons.is_empty() {
        return Err(invalid("reasons", "decision.reasons", "不予批准的，须写明理由", "a rejection needs its reasons"));
    }
    let from_month = next_month(ctx.today);
    case.details.decision = Some(Decision {
        on: ctx.today,
        by_id: decider_id.unwrap_or_default(),
        by: ctx.who.name.clone(),
        approved: approve,
        monthly_amount: if approve { town.monthly_amount } else { 0 },
        one_off_amount: if approve { town.one_off_amount } else { 0 },
        effective_month: approve.then_some(from_month),
        reasons: reasons.clone(),
        notice_due: (!approve).then(|| working_days(ctx.calendar, ctx.today, ctx.rules.rejection_notice_days)).flatten(),
    });
    case.step_due = None;
    let outcome = match (case.purpose, approve) {
        (Purpose::Application, true) => {
            case.state = CaseState::Approved;
            let grant = Effect::Grant { monthly: town.monthly_amount, one_off: town.one_off_amount, effective_month: from_month };
            Outcome::with_effect("批准", grant)
        }
        (Purpose::Application, false) => {
            case.state = CaseState::Rejected;
            Outcome::new(format!("不予批准：{}", reasons.join("；")))
        }
        (Purpose::Review, true) => {
            case.state = CaseState::Approved;
            let effect = review_effect(&town, from_month, ctx.rules)?;
            Outcome::with_effect(format!("复核确认：{}", town.review_outcome.map(|outcome| outcome.zh()).unwrap_or("维持")), effect)
        }
        (Purpose::Review, false) => {
            let reason = format!("复核：不同意乡镇意见，维持原救助（{}）", reasons.join("；"));
            close(case, reason.clone());
            Outcome::with_effect(reason, Effect::Unchanged)
        }
    };
    Ok(outcome)
}

/// What an approved review does to the benefit from `from_month`, as the town proposed: a new
/// amount, 渐退 (gradual exit: `gradual_exit_months` more months at the current amount,
/// 《最低生活保障审核确认办法》 art. 33), or the end of payments.
fn review_effect(town: &TownDecision, from_month: NaiveDate, rules: &Rules) -> Result<Effect, WorkflowError> {
    Ok(match town.review_outcome {
        Some(ReviewOutcome::Adjust) => Effect::Adjust { monthly: town.monthly_amount, from_month },
        Some(ReviewOutcome::GradualExit) => {
            Effect::GradualExit { until_month: add_months(from_month, rules.gradual_exit_months.saturating_sub(1))? }
        }
        Some(ReviewOutcome::Terminate) => Effect::End { from_month },
        _ => Effect::Unchanged,
    })
}

/// 退回乡镇 (sending the case back to the town review, by the decider, with the reason): the
/// town reviews it again within `town_review_days`, and its new opinion sets anew who decides.
pub(super) fn send_back(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, reason: &str) -> Result<Outcome, WorkflowError> {
    require_state(case, &[CaseState::CountyReview], action)?;
    require_role(ctx.who, &[due_role(case).unwrap_or(Role::CountyApprover)], false)?;
    required("reason", reason)?;
    case.details.decided_by_town = false;
    move_to(case, CaseState::TownReview, Some(ctx.rules.town_review_days), ctx);
    Ok(Outcome::new(format!("退回乡镇：{}", reason.trim())))
}
