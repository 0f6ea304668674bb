//! 入户调查 (the home survey, by two investigators) and 民主评议 (the democratic evaluation, held
//! only for contested cases).

use super::{ActionName, Ctx, Outcome, WorkflowError, invalid, move_to, require_role, require_state, required};
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::*;
use jiuzhu_store::NewCase;

/// 入户调查 (the home survey, by an investigator): two different investigators, the one
/// submitting among them (《最低生活保障审核确认办法》: at least two people), a visit not in the
/// future and a conclusion. A contested application then goes to 民主评议, except on the
/// commitment track (《关于改革完善社会救助制度的意见》2020, item 24: no longer a required step);
/// everything else goes to the town review.
pub(super) fn submit_survey(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, report: SurveyRecord) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::Investigator], false)?;
    require_state(case, &[CaseState::Survey], action)?;
    let investigator_ids: Vec<i64> = report.investigators.iter().map(|(id, _)| *id).collect();
    if investigator_ids.len() != 2 || investigator_ids[0] == investigator_ids[1] {
        return Err(invalid(
            "investigators",
            "survey.two_investigators",
            "入户调查须由两名调查人员共同完成",
            "a home survey needs two different investigators",
        ));
    }
    if !ctx.who.account_id.is_some_and(|me| investigator_ids.contains(&me)) {
        return Err(invalid(
            "investigators",
            "survey.not_present",
            "提交人须是两名调查人员之一",
            "the person submitting must be one of the two investigators",
        ));
    }
    required("findings", &report.findings)?;
    if report.visited_on > ctx.today {
        return Err(invalid("visited_on", "date.future", "调查日期不能晚于今天", "the visit cannot be in the future"));
    }
    let names: Vec<&str> = report.investigators.iter().map(|(_, name)| name.as_str()).collect();
    let note = format!("入户调查：{}", names.join("、"));
    case.details.survey = Some(report);
    if case.contested && case.track != Track::Commitment && case.purpose == Purpose::Application {
        move_to(case, CaseState::Evaluation, Some(ctx.rules.evaluation_days), ctx);
    } else {
        move_to(case, CaseState::TownReview, Some(ctx.rules.town_review_days), ctx);
    }
    Ok(Outcome::new(note))
}

/// 安排入户调查 (the town reviewer asks for a home visit during the town review, typically for
/// a review case after its check): the case goes to the home survey.
pub(super) fn request_survey(case: &mut NewCase, ctx: &Ctx<'_>, action: ActionName, reason: &str) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], false)?;
    require_state(case, &[CaseState::TownReview], action)?;
    required("reason", reason)?;
    let note = format!("安排入户调查：{}", reason.trim());
    move_to(case, CaseState::Survey, Some(ctx.rules.survey_days), ctx);
    Ok(Outcome::new(note))
}

/// 民主评议 (the democratic evaluation, recorded by the town reviewer): its counts and
/// conclusion; the case then goes to the town review.
pub(super) fn record_evaluation(
    case: &mut NewCase,
    ctx: &Ctx<'_>,
    action: ActionName,
    meeting: EvaluationRecord,
) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::TownReviewer], false)?;
    require_state(case, &[CaseState::Evaluation], action)?;
    required("conclusion", &meeting.conclusion)?;
    if meeting.participants == 0 || meeting.in_favour + meeting.against > meeting.participants {
        return Err(invalid(
            "participants",
            "evaluation.counts",
            "参加人数须大于0，且不少于表决人数",
            "participants must be more than zero and at least the votes cast",
        ));
    }
    let note = format!("民主评议：{}人参加，同意{}，不同意{}", meeting.participants, meeting.in_favour, meeting.against);
    case.details.evaluation = Some(meeting);
    move_to(case, CaseState::TownReview, Some(ctx.rules.town_review_days), ctx);
    Ok(Outcome::new(note))
}
