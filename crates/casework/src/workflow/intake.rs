//! 受理 (intake): opening a case for each kind applied for, 补正材料 (supplying what was missing),
//! and opening a review of a benefit already granted.

use super::deadlines::{overall_days, review_due, working_day_on_or_after, working_days};
use super::{ActionName, Ctx, Outcome, WorkflowError, due_role, invalid, move_to, require_role, require_state};
use crate::rules::Rules;
use chrono::NaiveDate;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Calendar, Role};
use jiuzhu_store::NewCase;

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

/// 受理 (intake). Opens a case: accepted at once when its materials are complete (the legal
/// clock starts), otherwise waiting for them (one notice lists every missing item). Referrals go
/// to the department's queue, needs records are kept for matching.
pub fn open(intake: Intake<'_>, today: NaiveDate, calendar: &Calendar, rules: &Rules) -> Result<NewCase, WorkflowError> {
    check_track(&intake)?;
    let mut details = CaseDetails {
        materials: intake.materials,
        request: intake.request.trim().to_string(),
        near_relative_note: intake.near_relative_note.filter(|note| !note.trim().is_empty()),
        commitment_signed_on: (intake.track == Track::Commitment).then_some(today),
        ..Default::default()
    };
    if intake.track == Track::Emergency {
        details.emergency = Some(EmergencyRecord {
            description: intake.emergency_description.unwrap_or_default(),
            paperwork_due: None,
            paperwork_done_on: None,
        });
    }
    let complete = details.missing_materials().is_empty();
    let (state, accepted_on, step_due, overall_due, department) = match intake.kind.route() {
        // 先行救助: due with the town today (or on the next working day), whatever is missing.
        Route::CivilAffairs if intake.track == Track::Emergency => {
            (CaseState::Accepted, Some(today), working_day_on_or_after(calendar, today), None, None)
        }
        Route::CivilAffairs if complete => (
            CaseState::Accepted,
            Some(today),
            working_days(calendar, today, rules.check_start_days),
            overall_days(intake.kind, intake.track, rules).and_then(|n| working_days(calendar, today, n)),
            None,
        ),
        Route::CivilAffairs => (CaseState::Materials, None, None, None, None),
        Route::Department(department) => {
            details.referral = Some(ReferralRecord { reason: details.request.clone(), ..Default::default() });
            (CaseState::Referred, Some(today), working_days(calendar, today, rules.referral_answer_days), None, Some(department))
        }
        Route::Needs => (CaseState::NeedOpen, Some(today), None, None, None),
    };
    let near_relative = details.near_relative_note.is_some();
    let mut case = NewCase {
        household_id: intake.household_id,
        region: intake.region,
        kind: intake.kind,
        purpose: Purpose::Application,
        track: intake.track,
        state,
        applicant: intake.applicant.to_string(),
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
    case.due_role = due_role(&case);
    Ok(case)
}

/// The fast tracks (承诺制, 先行救助) are for civil-affairs programmes; 先行救助 for 临时救助 only,
/// and 承诺制 only with the applicant's signed commitment.
fn check_track(intake: &Intake<'_>) -> Result<(), WorkflowError> {
    if intake.track == Track::Emergency && intake.kind != AssistanceKind::Temporary {
        return Err(invalid(
            "track",
            "track.emergency_temporary_only",
            "先行救助仅适用于临时救助",
            "emergency help first is for temporary assistance only",
        ));
    }
    if intake.track == Track::Commitment && !intake.commitment_signed {
        return Err(invalid(
            "commitment_signed",
            "commitment.unsigned",
            "告知承诺制须申请人签署承诺书",
            "the commitment track needs the applicant's signed commitment",
        ));
    }
    if intake.track != Track::Normal && intake.kind.route() != Route::CivilAffairs {
        return Err(invalid(
            "track",
            "track.civil_affairs_only",
            "快速办理仅适用于民政部门认定的救助",
            "fast tracks are for civil-affairs programmes only",
        ));
    }
    Ok(())
}

/// 复核 (a review): opens a review of a granted benefit (定期复核, a change of circumstances, a
/// death …), due by its own deadline. It starts at the economic check.
pub fn open_review(
    benefit: &jiuzhu_store::Benefit,
    applicant: &str,
    review: ReviewRecord,
    today: NaiveDate,
    calendar: &Calendar,
) -> NewCase {
    let due = review_due(&review, today, calendar);
    let mut case = NewCase {
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
    case.due_role = due_role(&case);
    case
}

/// 补正材料 (supplying missing materials, by the window clerk): ticks off what arrived. Once
/// nothing is missing the application is accepted that day and the legal clock starts (受理;
/// 《最低生活保障审核确认办法》); the check is due in `check_start_days`. A 先行救助 case collects
/// its materials after the grant, in any state until its paperwork is done.
pub(super) fn supply_materials(
    case: &mut NewCase,
    ctx: &Ctx<'_>,
    action: ActionName,
    received: &[String],
) -> Result<Outcome, WorkflowError> {
    require_role(ctx.who, &[Role::WindowClerk], false)?;
    // 先行救助: help first, the materials follow (in any state until the paperwork is done).
    let emergency_pending = case.details.emergency.as_ref().is_some_and(|e| e.paperwork_done_on.is_none());
    if !emergency_pending {
        require_state(case, &[CaseState::Materials], action)?;
    }
    for material in &mut case.details.materials {
        if received.contains(&material.code) {
            material.received = true;
        }
    }
    let missing: Vec<String> = case.details.missing_materials().iter().map(|m| m.name.clone()).collect();
    let note = if emergency_pending {
        if missing.is_empty() {
            "先行救助材料已补齐".into()
        } else {
            format!("先行救助材料仍缺：{}", missing.join("、"))
        }
    } else if missing.is_empty() {
        case.accepted_on = Some(ctx.today);
        case.overall_due = overall_days(case.kind, case.track, ctx.rules).and_then(|n| working_days(ctx.calendar, ctx.today, n));
        move_to(case, CaseState::Accepted, Some(ctx.rules.check_start_days), ctx);
        "材料齐全，予以受理".into()
    } else {
        format!("仍缺：{}", missing.join("、"))
    };
    Ok(Outcome::new(note))
}
