//! 进度查询: what a resident sees of their application — each step with its date, the working
//! days left at the current one, what is still missing, and the decision with its reasons.
//! Pure: built from what the store holds and the official calendar.

use chrono::NaiveDate;
use jiuzhu_domain::Calendar;
use jiuzhu_domain::casework::{AssistanceKind, CaseState};
use jiuzhu_domain::clock::beijing_date;
use jiuzhu_store::{Case, CaseEvent, OnlineApplication, OnlineState};

/// A step done, as the resident reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDone {
    pub on: NaiveDate,
    pub zh: String,
    pub en: String,
}

/// 审批结果, once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub on: NaiveDate,
    pub approved: bool,
    /// Fen a month (低保, 特困), from `effective_month`.
    pub monthly_amount: i64,
    /// Fen once (临时救助).
    pub one_off_amount: i64,
    pub effective_month: Option<NaiveDate>,
    pub reasons: Vec<String>,
}

/// One kind applied for, where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseProgress {
    pub kind: AssistanceKind,
    pub state: CaseState,
    pub steps: Vec<StepDone>,
    /// The current step is due by this day …
    pub due: Option<NaiveDate>,
    /// … which is this many working days from today (0: due today or overdue).
    pub working_days_left: Option<u32>,
    /// Materials still to bring (zh, en).
    pub missing: Vec<(String, String)>,
    pub outcome: Option<Outcome>,
}

/// An application as its resident follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The application's id (internal: what a rating of it names).
    pub application_id: i64,
    pub reference: String,
    pub submitted_on: NaiveDate,
    pub state: OnlineState,
    pub handled_on: Option<NaiveDate>,
    pub declined_reason: Option<String>,
    pub kinds: Vec<AssistanceKind>,
    /// The applicant's name, masked (张*).
    pub applicant: String,
    pub cases: Vec<CaseProgress>,
}

/// Where a case stands, from the case and its timeline.
pub fn case_progress(case: &Case, events: &[CaseEvent], today: NaiveDate, calendar: &Calendar) -> CaseProgress {
    let state = case.data.state;
    let steps = events
        .iter()
        .map(|e| StepDone { on: beijing_date(e.at), zh: step_zh(e.to_state).to_string(), en: e.to_state.en().to_string() })
        .fold(Vec::<StepDone>::new(), |mut v, s| {
            // A step recorded twice in a row (a note on the same state) reads once.
            if v.last().is_none_or(|last| last.zh != s.zh) {
                v.push(s);
            }
            v
        });
    let due = if state.is_open() { case.data.step_due } else { None };
    let working_days_left = due.map(|d| if d <= today { 0 } else { calendar.working_days_between(today, d).unwrap_or(0) });
    let missing = if state == CaseState::Materials {
        case.data.details.missing_materials().into_iter().map(|m| (m.name.clone(), m.name_en.clone())).collect()
    } else {
        Vec::new()
    };
    let outcome = case.data.details.decision.as_ref().map(|d| Outcome {
        on: d.on,
        approved: d.approved,
        monthly_amount: d.monthly_amount,
        one_off_amount: d.one_off_amount,
        effective_month: d.effective_month,
        reasons: d.reasons.clone(),
    });
    CaseProgress { kind: case.data.kind, state, steps, due, working_days_left, missing, outcome }
}

/// A case's state in the words a resident understands (not the clerk's).
pub fn step_zh(state: CaseState) -> &'static str {
    match state {
        CaseState::Materials => "已登记，等您补齐材料",
        CaseState::Accepted => "乡镇已受理，正在核对家庭经济状况",
        CaseState::CheckFailed => "经济状况核对不符合条件，已出具反馈单",
        CaseState::Survey => "入户调查",
        CaseState::Evaluation => "民主评议",
        CaseState::TownReview => "乡镇审核",
        CaseState::Publicity => "公示中",
        CaseState::CountyReview => "县民政局审核确认",
        CaseState::Approved => "已批准",
        CaseState::Rejected => "不予批准",
        CaseState::Closed => "已办结",
        other => other.zh(),
    }
}

/// The whole progress of an application and the cases it opened.
pub fn progress(app: &OnlineApplication, kinds: Vec<AssistanceKind>, applicant: String, cases: Vec<CaseProgress>) -> Progress {
    Progress {
        application_id: app.id,
        reference: app.reference.clone(),
        submitted_on: beijing_date(app.submitted_at),
        state: app.state,
        handled_on: app.handled_at.map(beijing_date),
        declined_reason: app.declined_reason.clone(),
        kinds,
        applicant,
        cases,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use jiuzhu_domain::casework::{CaseDetails, Purpose, Track, materials_for};
    use jiuzhu_store::NewCase;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case(state: CaseState, due: Option<NaiveDate>, received: &[&str]) -> Case {
        let mut materials = materials_for(AssistanceKind::Dibao, Track::Normal, false, false);
        for m in &mut materials {
            m.received = received.contains(&m.code.as_str());
        }
        Case {
            id: 7,
            intake_id: 7,
            version: 1,
            data: NewCase {
                household_id: 1,
                region: jiuzhu_domain::RegionCode::parse("620825100201").unwrap(),
                kind: AssistanceKind::Dibao,
                purpose: Purpose::Application,
                track: Track::Normal,
                state,
                applicant: "李秀兰".into(),
                opened_on: day("2026-11-20"),
                accepted_on: None,
                step_started_on: day("2026-11-20"),
                step_due: due,
                overall_due: None,
                due_role: None,
                department: None,
                contested: false,
                near_relative: false,
                extended: false,
                spot_check_required: false,
                benefit_id: None,
                details: CaseDetails { materials, ..Default::default() },
            },
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn event(at: (u32, u32), to: CaseState) -> CaseEvent {
        CaseEvent {
            id: 1,
            case_id: 7,
            // 23:30 UTC is the next morning in Beijing.
            at: chrono::Utc.with_ymd_and_hms(2026, 11, at.0, at.1, 30, 0).unwrap(),
            actor_id: None,
            actor: "clerk".into(),
            role: None,
            action: "x".into(),
            from_state: None,
            to_state: to,
            note: String::new(),
        }
    }

    #[test]
    fn steps_read_in_beijing_days_once_each_with_working_days_left() {
        let cal = Calendar::official();
        let events = [event((20, 1), CaseState::Materials), event((20, 23), CaseState::Materials), event((22, 23), CaseState::Accepted)];
        // Monday 2026-11-23, due Friday: four working days left.
        let p = case_progress(&case(CaseState::Accepted, Some(day("2026-11-27")), &[]), &events, day("2026-11-23"), cal);
        assert_eq!(
            p.steps.iter().map(|s| (s.on, s.zh.as_str())).collect::<Vec<_>>(),
            vec![(day("2026-11-20"), "已登记，等您补齐材料"), (day("2026-11-23"), "乡镇已受理，正在核对家庭经济状况"),]
        );
        assert_eq!((p.due, p.working_days_left), (Some(day("2026-11-27")), Some(4)));
        // Due Monday next week, asked on Friday: the weekend does not count.
        let p = case_progress(&case(CaseState::Accepted, Some(day("2026-11-30")), &[]), &events, day("2026-11-27"), cal);
        assert_eq!(p.working_days_left, Some(1));
        // Overdue reads as 0, never negative; a finished case has no due day.
        let p = case_progress(&case(CaseState::Accepted, Some(day("2026-11-20")), &[]), &events, day("2026-11-23"), cal);
        assert_eq!(p.working_days_left, Some(0));
        let p = case_progress(&case(CaseState::Rejected, Some(day("2026-11-20")), &[]), &events, day("2026-11-23"), cal);
        assert_eq!((p.due, p.working_days_left), (None, None));
    }

    #[test]
    fn what_is_missing_is_said_only_while_materials_are_awaited() {
        let cal = Calendar::official();
        let waiting = case_progress(&case(CaseState::Materials, None, &["authorisation"]), &[], day("2026-11-23"), cal);
        let names: Vec<&str> = waiting.missing.iter().map(|(zh, _)| zh.as_str()).collect();
        assert!(names.contains(&"户口簿") && !names.contains(&"家庭经济状况核对授权书"), "{names:?}");
        let accepted = case_progress(&case(CaseState::Accepted, None, &[]), &[], day("2026-11-23"), cal);
        assert!(accepted.missing.is_empty());
    }
}
