//! 乡镇审核 (the town review) and 公示 (the public notice): the objections received while it is up,
//! and its end, which sends the case to the decision.

use super::deadlines::{add_days, decision_days, working_day_after, working_days};
use super::{ActionName, Ctx, Effect, Outcome, WorkflowError, close, invalid, move_to, not_now, require_role, require_state, required};
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// 乡镇审核 (the town review, by the town reviewer). An application needs its home survey first;
/// a negative opinion needs its reasons; a review needs its outcome. Who decides is set here: the
/// town for 临时救助 within its limit and, where delegated (`town_approves`), for 低保, 低保边缘 and
/// 刚性支出. Then a review found unchanged is closed by the town; a grant or a termination is
/// published first (公示); anything else goes straight to the decision.
pub(super) fn town_review(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, opinion: TownDecision) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], false)?;
    require_state(case, &[CaseState::TownReview], action)?;
    if case.purpose == Purpose::Application && case.details.survey.is_none() {
        return Err(not_now("尚未完成入户调查", "the home survey has not been done"));
    }
    if !opinion.approve && opinion.reasons.iter().all(|reason| reason.trim().is_empty()) {
        return Err(invalid("reasons", "decision.reasons", "不同意的，须写明理由", "a negative opinion needs its reasons"));
    }
    if opinion.monthly_amount < 0 || opinion.one_off_amount < 0 {
        return Err(invalid("monthly_amount", "money.negative", "金额不能为负数", "amounts cannot be negative"));
    }
    let review_outcome = opinion.review_outcome;
    if case.purpose == Purpose::Review && review_outcome.is_none() {
        return Err(invalid("review_outcome", "review.outcome", "请选择复核结论", "choose the review's outcome"));
    }
    case.details.decided_by_town = match case.kind {
        AssistanceKind::Temporary => opinion.one_off_amount <= ctx.town_limit,
        AssistanceKind::Dibao | AssistanceKind::DibaoEdge | AssistanceKind::RigidExpense => ctx.rules.town_approves,
        _ => false,
    };
    let note = if opinion.approve {
        format!("乡镇审核同意：{}", opinion.opinion.trim())
    } else {
        format!("乡镇审核不同意：{}", opinion.reasons.join("；"))
    };
    let approve = opinion.approve;
    case.details.town = Some(opinion);
    match (case.purpose, approve, review_outcome) {
        // Unchanged after a review: the town concludes it.
        (Purpose::Review, _, Some(ReviewOutcome::Unchanged)) => {
            close(case, "复核：家庭情况无变化，维持原救助".into());
            Ok(Outcome::with_effect(note, Effect::Unchanged))
        }
        // Grants and terminations are published before the decision.
        (Purpose::Application, true, _) | (Purpose::Review, _, Some(ReviewOutcome::Terminate)) => {
            start_publicity(case, ctx)?;
            Ok(Outcome::new(note))
        }
        _ => {
            move_to(case, CaseState::CountyReview, Some(decision_days(case.kind, ctx.rules)), ctx);
            Ok(Outcome::new(note))
        }
    }
}

/// 公示 (the public notice) from today for `publicity_days` calendar days (《最低生活保障审核确认
/// 办法》: 7 days in the applicant's village). It may be reported to the decision from the first
/// working day after it ends, which is the step's deadline.
fn start_publicity(case: &mut NewCase, ctx: &Ctx<'_>) -> Result<(), WorkflowError> {
    let ends_on = add_days(ctx.today, u64::from(ctx.rules.publicity_days))?;
    case.details.publicity = Some(PublicityRecord { starts_on: ctx.today, ends_on });
    case.state = CaseState::Publicity;
    case.step_started_on = ctx.today;
    case.step_due = working_day_after(ctx.calendar, ends_on);
    Ok(())
}

/// 登记公示异议 (an objection received during the notice, recorded by the town reviewer): kept
/// with a number, and the case is contested from now on.
pub(super) fn record_objection(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, text: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], false)?;
    require_state(case, &[CaseState::Publicity], action)?;
    required("text", text)?;
    let id = case.details.objections.iter().map(|objection| objection.id).max().unwrap_or(0) + 1;
    case.details.objections.push(Objection {
        id,
        received_on: ctx.today,
        text: text.trim().to_string(),
        recorded_by: ctx.who.name.clone(),
        resolved_on: None,
        resolution: None,
        note: String::new(),
    });
    case.contested = true;
    Ok(Outcome::new(format!("公示期间收到异议（第{id}条）")))
}

/// 处理公示异议 (the town reviewer handles objection `id`): dismissed with what was found, or
/// investigated again, which withdraws the town's opinion and the notice and goes back to the home
/// survey.
pub(super) fn resolve_objection(
    case: &mut NewCase,
    ctx: &Ctx<'_>,
    action: ActionName,
    id: u32,
    reinvestigate: bool,
    note: &str,
) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], false)?;
    require_state(case, &[CaseState::Publicity], action)?;
    required("note", note)?;
    let Some(objection) = case.details.objections.iter_mut().find(|o| o.id == id && o.resolved_on.is_none()) else {
        return Err(invalid("id", "objection.unknown", "没有这条待处理的异议", "no such objection waiting to be handled"));
    };
    objection.resolved_on = Some(ctx.today);
    objection.resolution = Some(if reinvestigate { "reinvestigate".into() } else { "dismissed".into() });
    objection.note = note.trim().to_string();
    if !reinvestigate {
        return Ok(Outcome::new(format!("异议第{id}条不成立：{}", note.trim())));
    }
    // Investigated again; the town reviews and publishes afresh.
    case.details.publicity = None;
    case.details.town = None;
    move_to(case, CaseState::Survey, Some(ctx.rules.survey_days), ctx);
    Ok(Outcome::new(format!("异议第{id}条：重新调查（{}）", note.trim())))
}

/// 公示期满 (the notice has ended, by the town reviewer or the system): only after its last day
/// and with every objection handled. The case goes to 审核确认; the deciding office must first
/// visit (入户核查) for 近亲属备案 and contested cases, and for 特困 the county's sample takes
/// (《特困人员认定办法》: at least 30%). 特困's county days start afresh here.
pub(super) fn end_publicity(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], true)?;
    require_state(case, &[CaseState::Publicity], action)?;
    let ends_on = case.details.publicity.as_ref().map(|publicity| publicity.ends_on).unwrap_or(ctx.today);
    if ctx.today <= ends_on {
        return Err(not_now(format!("公示期至 {ends_on}，期满后方可结束"), format!("the notice runs until {ends_on}")));
    }
    if case.details.open_objections() > 0 {
        return Err(not_now("尚有未处理的公示异议", "there are objections not yet handled"));
    }
    // A home visit by the county: for 近亲属备案 and complained cases always, for 特困 by sample.
    let is_tekun = case.kind == AssistanceKind::Tekun;
    case.spot_check_required = case.near_relative || case.contested || (is_tekun && ctx.spot_check_sampled);
    let days = decision_days(case.kind, ctx.rules);
    if is_tekun {
        case.overall_due = working_days(ctx.calendar, ctx.today, days);
    }
    move_to(case, CaseState::CountyReview, Some(days), ctx);
    Ok(Outcome::new("公示期满无异议"))
}
