//! State-machine properties of the case workflow, over random sequences of steps by random
//! people on random days of 2024–2026:
//! - no case is approved without 核对, 入户调查 and 公示 unless it took the 先行救助 fast track;
//! - 民主评议 happens only for contested cases and never on the commitment track;
//! - every rejection has reasons and a notice deadline;
//! - every deadline falls on a working day of the official calendar;
//! - whoever reviewed or surveyed a case never decides it;
//! - a refused step leaves the case exactly as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::{Days, NaiveDate};
use jiuzhu_casework::Rules;
use jiuzhu_casework::workflow::{self, Action, Ctx, Intake, Who};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Calendar, RegionCode, Role};
use jiuzhu_policy::Policies;
use jiuzhu_store::NewCase;
use proptest::prelude::*;

fn rules() -> Rules {
    Rules::resolve(Policies::builtin(), "620825", NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()).unwrap()
}

/// The people who act: two clerks, three investigators, two town reviewers, two county approvers.
fn people() -> Vec<Who> {
    let mut out = Vec::new();
    for (i, role) in [
        Role::WindowClerk,
        Role::WindowClerk,
        Role::Investigator,
        Role::Investigator,
        Role::Investigator,
        Role::TownReviewer,
        Role::TownReviewer,
        Role::CountyApprover,
        Role::CountyApprover,
        Role::DepartmentLiaison,
    ]
    .into_iter()
    .enumerate()
    {
        out.push(Who { account_id: Some(i as i64 + 1), name: format!("{}{}", role.zh(), i + 1), role: Some(role) });
    }
    out.push(Who::system("tick"));
    out
}

/// A step, with its payload drawn from the seed numbers.
fn action(kind: u8, a: u32, b: u32, ok: bool, today: NaiveDate, who: &Who, people: &[Who]) -> Action {
    let investigators = people.iter().filter(|p| p.role == Some(Role::Investigator)).collect::<Vec<_>>();
    match kind % 20 {
        0 => Action::SupplyMaterials {
            received: if ok {
                materials_for(AssistanceKind::Dibao, Track::Commitment, true, true).into_iter().map(|m| m.code).collect()
            } else {
                vec!["application".into()]
            },
        },
        1 => Action::RecordCheck(CheckRecord {
            on: today,
            by: who.name.clone(),
            passed: ok,
            status: if ok { "eligible".into() } else { "not_eligible".into() },
            per_capita_monthly_income: i64::from(a),
            monthly_amount: i64::from(b),
            findings: vec!["家庭月收入低于低保标准".into()],
            sources: vec!["登记信息".into()],
            assessment_id: None,
        }),
        2 => Action::ObjectToFeedback { text: if ok { "收入已减少".into() } else { String::new() } },
        3 => Action::CloseAfterFeedback,
        4 => {
            let first = investigators[a as usize % investigators.len()];
            let second = investigators[b as usize % investigators.len()];
            Action::SubmitSurvey(SurveyRecord {
                visited_on: today,
                investigators: vec![(first.account_id.unwrap(), first.name.clone()), (second.account_id.unwrap(), second.name.clone())],
                living_conditions: "土坯房".into(),
                findings: if ok { "与申报一致".into() } else { String::new() },
                declared_matches: ok,
                self_care: Vec::new(),
                photo_ids: Vec::new(),
            })
        }
        5 => Action::RecordEvaluation(EvaluationRecord {
            held_on: today,
            participants: a % 30,
            in_favour: b % 20,
            against: 1,
            conclusion: "同意".into(),
            by: who.name.clone(),
        }),
        6 => Action::TownDecide(TownDecision {
            on: today,
            by_id: who.account_id.unwrap_or_default(),
            by: who.name.clone(),
            approve: ok,
            monthly_amount: i64::from(a % 100_000),
            one_off_amount: i64::from(b % 200_000),
            members: vec!["王建国".into()],
            reasons: if a.is_multiple_of(3) { Vec::new() } else { vec!["收入超过标准".into()] },
            opinion: "同意".into(),
            review_outcome: None,
        }),
        7 => Action::RecordObjection { text: "邻居反映有车".into() },
        8 => Action::ResolveObjection { id: a % 3 + 1, reinvestigate: ok, note: "已核实".into() },
        9 | 10 => Action::EndPublicity,
        11 => Action::RecordSpotCheck { findings: "入户核查属实".into() },
        12 | 13 => Action::Decide {
            approve: ok,
            reasons: if a.is_multiple_of(2) { vec!["家庭收入超过低保标准".into()] } else { Vec::new() },
        },
        14 => Action::SendBack { reason: "金额有误".into() },
        15 => Action::Extend { reason: if ok { "需补充调查".into() } else { String::new() } },
        16 => Action::GrantEmergency { amount: i64::from(a % 300_000), description: "火灾".into() },
        17 => Action::PaperworkDone,
        18 => Action::AnswerReferral { granted: ok, answer: "已按规定给予医疗救助".into(), amount: i64::from(a) },
        _ => Action::Withdraw { reason: if ok { "申请人撤回".into() } else { String::new() } },
    }
}

/// The steps that make sense in the case's state (the guided half of the random walk, so that
/// most walks get far: to 公示, a decision, a rejection).
fn plausible(c: &NewCase) -> &'static [u8] {
    match c.state {
        CaseState::Materials => &[0, 16],
        CaseState::Accepted => &[1, 1, 16],
        CaseState::CheckFailed => &[2, 3],
        CaseState::Survey => &[4],
        CaseState::Evaluation => &[5],
        CaseState::TownReview => &[6],
        CaseState::Publicity => &[9, 9, 7, 8],
        CaseState::CountyReview => &[11, 12, 13, 14],
        CaseState::Approved => &[17],
        CaseState::Referred | CaseState::DepartmentHandling => &[18],
        _ => &[19],
    }
}

/// Someone holding the role the state waits for.
fn holder(people: &[Who], role: Option<Role>, pick: usize) -> &Who {
    let with: Vec<&Who> = people.iter().filter(|p| p.role == role).collect();
    if with.is_empty() { &people[pick % people.len()] } else { with[pick % with.len()] }
}

fn deadlines(c: &NewCase) -> Vec<NaiveDate> {
    let d = &c.details;
    [c.step_due, c.overall_due, d.feedback.as_ref().and_then(|f| f.objection_due), d.decision.as_ref().and_then(|x| x.notice_due)]
        .into_iter()
        .flatten()
        .collect()
}

prop_compose! {
    fn steps()(v in prop::collection::vec((0u8..20, 0usize..11, any::<u32>(), any::<u32>(), any::<bool>(), 0u64..4), 1..60)) -> Vec<(u8, usize, u32, u32, bool, u64)> { v }
}

#[derive(Debug, Clone)]
struct Walk {
    kind: AssistanceKind,
    track: Track,
    complete: bool,
    near_relative: bool,
    start: u64,
    steps: Vec<(u8, usize, u32, u32, bool, u64)>,
}

fn walks() -> impl Strategy<Value = Walk> {
    (
        prop::sample::select(vec![
            AssistanceKind::Dibao,
            AssistanceKind::Tekun,
            AssistanceKind::DibaoEdge,
            AssistanceKind::RigidExpense,
            AssistanceKind::Temporary,
            AssistanceKind::Medical,
        ]),
        prop::sample::select(vec![Track::Normal, Track::Normal, Track::Commitment, Track::Emergency]),
        any::<bool>(),
        any::<bool>(),
        0u64..600,
        steps(),
    )
        .prop_map(|(kind, track, complete, near_relative, start, steps)| Walk { kind, track, complete, near_relative, start, steps })
}

/// How far the walks got: (approved, rejected, publicised, evaluated).
type Reached = (usize, usize, usize, usize);

fn walk(w: &Walk, reached: &mut Reached) -> Result<(), TestCaseError> {
    let cal = Calendar::official();
    let rules = rules();
    let people = people();
    let mut today = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap() + Days::new(w.start);
    let kind = w.kind;
    let track = if kind == AssistanceKind::Temporary || w.track != Track::Emergency { w.track } else { Track::Normal };
    let track = if kind.route() == Route::CivilAffairs { track } else { Track::Normal };
    let mut materials = materials_for(kind, track, true, true);
    for m in &mut materials {
        m.received = w.complete;
    }
    let opened = workflow::open(
        Intake {
            household_id: 1,
            region: RegionCode::parse("620825100201").unwrap(),
            applicant: "王建国",
            kind,
            track,
            materials,
            request: "申请",
            near_relative_note: w.near_relative.then(|| "村干部近亲属".to_string()),
            commitment_signed: true,
            emergency_description: None,
        },
        today,
        cal,
        &rules,
    );
    let mut c = opened.expect("a well-formed intake opens");
    let mut history: Vec<&'static str> = vec!["intake"];
    let (mut publicised, mut evaluated) = (false, false);
    for &(k, p, a, b, ok, wait) in &w.steps {
        today = today + Days::new(wait * 3);
        if today.format("%Y").to_string() == "2027" {
            break;
        }
        // Half the steps are what the state waits for, by someone with the right role; the
        // other half anything by anyone.
        let (k, who) = if k < 10 {
            let choices = plausible(&c);
            (choices[p % choices.len()], holder(&people, c.due_role, a as usize))
        } else {
            (k, &people[p])
        };
        let ok = ok || (a % 4 != 0 && k != 1 && k != 12 && k != 13);
        let act = action(k, a, b, ok, today, who, &people);
        let ctx = Ctx { today, calendar: cal, rules: &rules, who, spot_check_sampled: a % 3 == 0, town_limit: 150_000 };
        let before = c.clone();
        match workflow::apply(&c, act.clone(), &ctx) {
            Ok(step) => {
                // Maker ≠ checker.
                if let Action::Decide { .. } = act {
                    let town = before.details.town.as_ref().expect("a decision follows the town's review");
                    prop_assert_ne!(who.account_id, Some(town.by_id));
                    prop_assert!(before.details.survey.iter().all(|s| s.investigators.iter().all(|x| Some(x.0) != who.account_id)));
                }
                if step.case.state == CaseState::Evaluation {
                    prop_assert!(
                        step.case.contested && step.case.track != Track::Commitment,
                        "民主评议 only when contested, never for 承诺制"
                    );
                    evaluated = true;
                }
                publicised |= step.case.state == CaseState::Publicity;
                c = step.case;
                history.push(step.action);
            }
            Err(_) => prop_assert_eq!(&c, &before, "a refused step changes nothing"),
        }
        prop_assert_eq!(c.due_role, workflow::due_role(&c), "the queue follows the state");
        for d in deadlines(&c) {
            prop_assert!(cal.is_working_day(d).unwrap(), "deadline {d} is not a working day ({:?})", c.state);
        }
        if c.state == CaseState::Approved && c.purpose == Purpose::Application {
            if c.track == Track::Emergency {
                prop_assert!(history.contains(&"grant_emergency"));
            } else {
                prop_assert!(history.contains(&"check"), "approved without 核对: {history:?}");
                prop_assert!(history.contains(&"survey"), "approved without 入户调查: {history:?}");
                prop_assert!(history.contains(&"end_publicity"), "approved without 公示: {history:?}");
                prop_assert!(c.details.check.is_some() && c.details.survey.is_some() && c.details.publicity.is_some());
                let d = c.details.decision.as_ref().unwrap();
                prop_assert_eq!(d.effective_month, Some(workflow::next_month(d.on)), "paid from the next month");
            }
        }
        if c.state == CaseState::Rejected {
            let d = c.details.decision.as_ref().expect("a rejection is a decision");
            prop_assert!(!d.reasons.is_empty() && d.reasons.iter().all(|r| !r.trim().is_empty()), "a rejection has reasons");
            prop_assert!(d.notice_due.is_some(), "a rejection has a notice deadline");
        }
        if !c.state.is_open() {
            break;
        }
    }
    reached.0 += usize::from(c.state == CaseState::Approved && c.track != Track::Emergency);
    reached.1 += usize::from(c.state == CaseState::Rejected);
    reached.2 += usize::from(publicised);
    reached.3 += usize::from(evaluated);
    Ok(())
}

/// The random walks, and a check that they got far enough for the properties to mean something.
#[test]
fn every_path_respects_the_law() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(3000));
    let reached = std::cell::RefCell::new((0, 0, 0, 0));
    runner.run(&walks(), |w| walk(&w, &mut reached.borrow_mut())).unwrap();
    let (approved, rejected, publicised, evaluated) = reached.into_inner();
    println!(
        "of 3000 walks: {approved} approved (normal and commitment), {rejected} rejected, {publicised} publicised, {evaluated} evaluated"
    );
    assert!(
        approved >= 100 && rejected >= 100 && publicised >= 300 && evaluated >= 30,
        "the walks must reach every end: {approved} {rejected} {publicised} {evaluated}"
    );
}

/// The path through every step by the right people, on the calendar of 2026 (National Day in
/// the middle): each deadline is what the law says, counted in working days.
#[test]
fn a_dibao_application_from_intake_to_approval() {
    let cal = Calendar::official();
    let rules = rules();
    let p = people();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let mut materials = materials_for(AssistanceKind::Dibao, Track::Normal, false, false);
    for m in &mut materials {
        m.received = m.code != "declaration";
    }
    let intake = Intake {
        household_id: 1,
        region: RegionCode::parse("620825100201").unwrap(),
        applicant: "王建国",
        kind: AssistanceKind::Dibao,
        track: Track::Normal,
        materials,
        request: "因病",
        near_relative_note: None,
        commitment_signed: false,
        emergency_description: None,
    };
    let c = workflow::open(intake, d("2026-09-25"), cal, &rules).unwrap();
    assert_eq!((c.state, c.step_due, c.due_role), (CaseState::Materials, None, Some(Role::WindowClerk)), "the clock starts at acceptance");
    let step = |c: &NewCase, a: Action, who: &Who, today: &str| {
        let ctx = Ctx { today: d(today), calendar: cal, rules: &rules, who, spot_check_sampled: false, town_limit: 0 };
        workflow::apply(c, a, &ctx).map(|s| s.case)
    };
    let c = step(&c, Action::SupplyMaterials { received: vec!["declaration".into()] }, &p[0], "2026-09-30").unwrap();
    // Accepted Wed 30 Sep; the check starts within 3 working days: Oct 8, 9, Sat 10 (调休).
    assert_eq!((c.state, c.accepted_on, c.step_due), (CaseState::Accepted, Some(d("2026-09-30")), Some(d("2026-10-10"))));
    let check = CheckRecord {
        on: d("2026-10-09"),
        by: "clerk".into(),
        passed: true,
        status: "eligible".into(),
        per_capita_monthly_income: 20_000,
        monthly_amount: 53_000,
        findings: vec![],
        sources: vec![],
        assessment_id: None,
    };
    assert!(step(&c, Action::RecordCheck(check.clone()), &p[2], "2026-10-09").is_err(), "an investigator does not run the check");
    let c = step(&c, Action::RecordCheck(check), &p[0], "2026-10-09").unwrap();
    assert_eq!((c.state, c.due_role), (CaseState::Survey, Some(Role::Investigator)));
    let survey = |ids: [usize; 2]| {
        Action::SubmitSurvey(SurveyRecord {
            visited_on: d("2026-10-12"),
            investigators: ids.iter().map(|i| (p[*i].account_id.unwrap(), p[*i].name.clone())).collect(),
            living_conditions: "".into(),
            findings: "属实".into(),
            declared_matches: true,
            self_care: vec![],
            photo_ids: vec![],
        })
    };
    assert!(step(&c, survey([2, 2]), &p[2], "2026-10-12").is_err(), "one investigator twice is not two");
    assert!(step(&c, survey([3, 4]), &p[2], "2026-10-12").is_err(), "the submitter must be one of the two");
    let c = step(&c, survey([2, 3]), &p[2], "2026-10-12").unwrap();
    assert_eq!(c.state, CaseState::TownReview, "uncontested: no 民主评议");
    let town = TownDecision {
        on: d("2026-10-13"),
        by_id: 6,
        by: "reviewer".into(),
        approve: true,
        monthly_amount: 53_000,
        one_off_amount: 0,
        members: vec!["王建国".into()],
        reasons: vec![],
        opinion: "同意".into(),
        review_outcome: None,
    };
    let c = step(&c, Action::TownDecide(town), &p[5], "2026-10-13").unwrap();
    let pub_ = c.details.publicity.clone().unwrap();
    assert_eq!((c.state, pub_.ends_on, c.step_due), (CaseState::Publicity, d("2026-10-20"), Some(d("2026-10-21"))));
    assert!(step(&c, Action::EndPublicity, &p[5], "2026-10-20").is_err(), "the 7 days are not over");
    let c = step(&c, Action::EndPublicity, &p[10], "2026-10-21").unwrap();
    // The county decides within 10 working days: Oct 22 … Nov 4.
    assert_eq!((c.state, c.step_due, c.due_role), (CaseState::CountyReview, Some(d("2026-11-04")), Some(Role::CountyApprover)));
    assert!(step(&c, Action::Decide { approve: true, reasons: vec![] }, &p[5], "2026-10-22").is_err(), "the town reviewer cannot decide");
    let done = step(&c, Action::Decide { approve: true, reasons: vec![] }, &p[7], "2026-10-22").unwrap();
    let dec = done.details.decision.unwrap();
    assert_eq!((done.state, dec.monthly_amount, dec.effective_month), (CaseState::Approved, 53_000, Some(d("2026-11-01"))));
    // The overall 30 working days from 30 Sep (Oct 1–7 off, Sat 10 Oct worked) run to 17 Nov.
    assert_eq!(c.overall_due, Some(d("2026-11-17")));
    // A rejection instead: reasons and a notice within 3 working days.
    assert!(step(&c, Action::Decide { approve: false, reasons: vec![] }, &p[7], "2026-10-22").is_err());
    let no = step(&c, Action::Decide { approve: false, reasons: vec!["家庭财产超过规定".into()] }, &p[7], "2026-10-23").unwrap();
    assert_eq!((no.state, no.details.decision.unwrap().notice_due), (CaseState::Rejected, Some(d("2026-10-28"))));
}

/// A deadline beyond the official calendar is pending, never guessed, and is filled in once the
/// next year's holidays are known.
#[test]
fn deadlines_beyond_the_calendar_wait_for_it() {
    let cal = Calendar::official();
    let rules = rules();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let mut materials = materials_for(AssistanceKind::Dibao, Track::Normal, false, false);
    for m in &mut materials {
        m.received = true;
    }
    let intake = Intake {
        household_id: 1,
        region: RegionCode::parse("620825100201").unwrap(),
        applicant: "王建国",
        kind: AssistanceKind::Dibao,
        track: Track::Normal,
        materials,
        request: "",
        near_relative_note: None,
        commitment_signed: false,
        emergency_description: None,
    };
    let mut c = workflow::open(intake, d("2026-12-02"), cal, &rules).unwrap();
    assert_eq!(c.step_due, Some(d("2026-12-07")), "3 working days fit in 2026");
    assert_eq!(c.overall_due, None, "30 working days run into 2027, whose holidays are not published here");
    let next = Calendar::with_years(&[(2027, r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#.into())]).unwrap();
    assert!(workflow::fill_deadlines(&mut c, &next, &rules));
    // Dec 2 + 30 working days, with 1 January off: 14 January 2027.
    assert_eq!(c.overall_due, Some(d("2027-01-14")));
}

/// Every deadline a case keeps is filled once the calendar reaches it: the objection window of a
/// feedback slip issued at the end of the year, and a rejection's written notice.
#[test]
fn feedback_and_notice_deadlines_beyond_the_calendar_are_filled_later() {
    let cal = Calendar::official();
    let rules = rules();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let mut materials = materials_for(AssistanceKind::Dibao, Track::Normal, false, false);
    for m in &mut materials {
        m.received = true;
    }
    let intake = Intake {
        household_id: 1,
        region: RegionCode::parse("620825100201").unwrap(),
        applicant: "王建国",
        kind: AssistanceKind::Dibao,
        track: Track::Normal,
        materials,
        request: "",
        near_relative_note: None,
        commitment_signed: false,
        emergency_description: None,
    };
    let c = workflow::open(intake, d("2026-12-23"), cal, &rules).unwrap();
    let clerk = &people()[0];
    let ctx = Ctx { today: d("2026-12-28"), calendar: cal, rules: &rules, who: clerk, spot_check_sampled: false, town_limit: 0 };
    let check = CheckRecord {
        on: d("2026-12-28"),
        by: "clerk".into(),
        passed: false,
        status: "not_eligible".into(),
        per_capita_monthly_income: 90_000,
        monthly_amount: 0,
        findings: vec!["人均收入高于标准".into()],
        sources: vec![],
        assessment_id: None,
    };
    let mut c = workflow::apply(&c, Action::RecordCheck(check), &ctx).unwrap().case;
    assert_eq!(
        (c.state, c.step_due, c.details.feedback.as_ref().unwrap().objection_due),
        (CaseState::CheckFailed, None, None),
        "5 working days run into 2027"
    );
    let next = Calendar::with_years(&[(2027, r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#.into())]).unwrap();
    assert!(workflow::fill_deadlines(&mut c, &next, &rules));
    // Dec 29, 30, 31, (Jan 1 off), Jan 4, 5.
    assert_eq!(c.details.feedback.as_ref().unwrap().objection_due, Some(d("2027-01-05")));
    assert_eq!(c.step_due, Some(d("2027-01-05")), "the step's deadline is the objection window");
    assert!(!workflow::fill_deadlines(&mut c, &next, &rules), "nothing more to fill");
}

/// A held review that closes without a decision (here: its check failed and nobody objected)
/// releases the hold with its step, so no benefit stays held by a closed case.
#[test]
fn a_held_review_closed_without_a_decision_releases_the_hold() {
    let cal = Calendar::official();
    let rules = rules();
    let p = people();
    let today = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
    let mut c = workflow::open(
        Intake {
            household_id: 1,
            region: RegionCode::parse("620825100201").unwrap(),
            applicant: "王建国",
            kind: AssistanceKind::Dibao,
            track: Track::Normal,
            materials: vec![],
            request: "复核",
            near_relative_note: None,
            commitment_signed: false,
            emergency_description: None,
        },
        today,
        cal,
        &rules,
    )
    .unwrap();
    c.purpose = Purpose::Review;
    c.state = CaseState::CheckFailed;
    let ctx = |who| Ctx { today, calendar: cal, rules: &rules, who, spot_check_sampled: false, town_limit: 0 };
    // p[5] is a town reviewer, p[0] a window clerk.
    let held = workflow::apply(&c, Action::HoldPayments { reason: "联系不上".into() }, &ctx(&p[5])).unwrap();
    assert_eq!(held.effect, Some(workflow::Effect::Hold { from_month: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() }));
    let closed = workflow::apply(&held.case, Action::CloseAfterFeedback, &ctx(&p[0])).unwrap();
    assert_eq!(closed.case.state, CaseState::Closed);
    assert_eq!(closed.effect, Some(workflow::Effect::Release), "the hold ends with the case");
    assert_eq!(closed.case.details.hold.unwrap().released_on, Some(today));
}
