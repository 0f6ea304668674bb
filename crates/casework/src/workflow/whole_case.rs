//! Steps on the whole case, whatever step it is at: 延期 (extending the overall deadline) and 撤回
//! (the applicant withdrawing).

use super::deadlines::working_days;
use super::{Ctx, Outcome, WorkflowError, close, not_now, require_role, required};
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// 延期 (extending the overall deadline once, by the town reviewer or the county approver, with
/// the reason): for 低保, 低保边缘 and 刚性支出 on the normal track, accepted and not yet decided;
/// the whole case then has `overall_days_extended` working days from 受理 (《最低生活保障审核确认
/// 办法》: 45 instead of 30 in special cases). The current step's deadline stays as it is.
pub(super) fn extend(case: &mut NewCase, ctx: &Ctx<'_>, reason: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer, Role::CountyApprover], false)?;
    if !case.state.is_open() || case.state == CaseState::Materials {
        return Err(not_now("只有办理中的案件可以延期", "only a case being processed can be extended"));
    }
    if case.extended {
        return Err(not_now("本案已延期一次", "the case has been extended once already"));
    }
    if !matches!(case.kind, AssistanceKind::Dibao | AssistanceKind::DibaoEdge | AssistanceKind::RigidExpense) || case.track != Track::Normal
    {
        return Err(not_now("该类案件不适用延期", "this kind of case cannot be extended"));
    }
    required("reason", reason)?;
    let accepted_on = case.accepted_on.unwrap_or(case.opened_on);
    case.overall_due = working_days(ctx.calendar, accepted_on, ctx.rules.overall_days_extended);
    case.extended = true;
    case.details.extension = Some(Extension { on: ctx.today, by: ctx.who.name.clone(), reason: reason.trim().to_string() });
    Ok(Outcome::new(format!("延长至{}个工作日：{}", ctx.rules.overall_days_extended, reason.trim())))
}

/// 撤回申请 (the applicant withdraws, recorded by the window clerk with the reason): the case is
/// closed. A review is the office's own duty (依职权), not the applicant's to withdraw.
pub(super) fn withdraw(case: &mut NewCase, ctx: &Ctx<'_>, reason: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], false)?;
    if !case.state.is_open() {
        return Err(not_now("案件已办结", "the case is closed"));
    }
    if case.purpose == Purpose::Review {
        return Err(not_now("复核由民政部门依职权进行，不能撤回", "a review is not the applicant's to withdraw"));
    }
    required("reason", reason)?;
    let reason = format!("申请人撤回：{}", reason.trim());
    close(case, reason.clone());
    Ok(Outcome::new(reason))
}
