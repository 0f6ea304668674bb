//! The casework service end to end on a real SQLite database: roles taking an application
//! through every step, a failed check with its feedback slip, scope and conflicts, the tick,
//! reviews, the fast tracks, referrals, and the calendar import.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_casework::service::IntakeInput;
use jiuzhu_casework::{Action, Casework, CaseworkError};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::*;
use jiuzhu_store::{FeedStore, NewAccount, QueueBucket, Store};
use jiuzhu_testkit::fixtures::sample_household;
use jiuzhu_testkit::world::PASSWORD;
use std::path::Path;
use std::sync::Arc;

/// 申报 before 核对 and approval (issue 15).
#[path = "service/declarations.rs"]
mod declarations;
/// 一门受理 (issue 15).
#[path = "service/holds.rs"]
mod holds;

#[path = "service/one_intake.rs"]
mod one_intake;
/// Survey photos (issue 15).
#[path = "service/photos.rs"]
mod photos;

struct World {
    cw: Casework,
    store: Arc<dyn Store>,
    /// A poor household in town A, a well-off one in town A, one in town B.
    poor: i64,
    rich: i64,
    in_b: i64,
    _dir: tempfile::TempDir,
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn user(id: i64, role: Role, scope: &str) -> User {
    let mut u = jiuzhu_testkit::world::user(id, role, scope);
    u.department = (role == Role::DepartmentLiaison).then_some(Department::MedicalSecurity);
    u
}

fn accounts(store: &Arc<dyn Store>) -> jiuzhu_accounts::Accounts {
    jiuzhu_accounts::Accounts::new(store.clone(), store.clone(), Arc::new(SystemClock))
}

fn casework(store: &Arc<dyn Store>) -> Casework {
    Casework::new(store, jiuzhu_registry::Registry::new(store, accounts(store)), accounts(store), Arc::new(SystemClock))
}

/// The users 1–6 as accounts (ids in that order), so that one can sign in and confirm with
/// its password.
async fn create_accounts(store: &Arc<dyn Store>) {
    let hash = jiuzhu_accounts::password::hash(PASSWORD).await;
    for u in [clerk(), inv1(), inv2(), rev1(), rev2(), approver()] {
        let account = NewAccount {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            region: u.scope.0.clone(),
            department: None,
            password_hash: hash.clone(),
            disabled: false,
            must_change_password: false,
        };
        assert_eq!(store.create_account(&account).await.unwrap(), u.account_id);
    }
}

/// `u` signed in with its password, as the web's session gives it to the services.
async fn signed_in(store: &Arc<dyn Store>, u: &User) -> User {
    let accounts = accounts(store);
    let token = accounts.login(&u.username, PASSWORD).await.1.unwrap().token;
    accounts.session(&token).await.unwrap().unwrap().user
}

/// Stores one department file as `jiuzhu import` does.
async fn import(
    store: &Arc<dyn Store>,
    path: &Path,
    feed: jiuzhu_verify::Feed,
    today: NaiveDate,
) -> (jiuzhu_verify::Report, Option<jiuzhu_store::FeedImportOutcome>) {
    let feeds: Arc<dyn FeedStore> = store.clone();
    jiuzhu_verify::feeds::import_files(&feeds, &[(path.to_path_buf(), feed)], today, "test", &|_| {}).await.unwrap().remove(0)
}

const A: &str = "620825100";
const B: &str = "620825101";
fn clerk() -> User {
    user(1, Role::WindowClerk, A)
}
fn clerk_b() -> User {
    user(7, Role::WindowClerk, B)
}
fn inv1() -> User {
    user(2, Role::Investigator, A)
}
fn inv2() -> User {
    user(3, Role::Investigator, A)
}
fn rev1() -> User {
    user(4, Role::TownReviewer, A)
}
fn rev2() -> User {
    user(5, Role::TownReviewer, A)
}
fn approver() -> User {
    user(6, Role::CountyApprover, "620825")
}

fn with_income(village: &str, name: &str, seq: u32, monthly: i64) -> NewHousehold {
    let mut h = sample_household(village, name, seq);
    h.incomes = vec![Income { member: Some(0), kind: IncomeKind::Wage, month: d("2026-10-01"), amount: Fen(monthly) }];
    h.assets.retain(|a| a.kind == AssetKind::ResidentialProperty);
    h
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = jiuzhu_store_sql::connect(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        std::sync::Arc::new(jiuzhu_crypto::Keyring::for_tests()),
    )
    .await
    .unwrap();
    store.upsert_regions(&jiuzhu_testkit::fixtures::two_towns()).await.unwrap();
    let ids = store
        .insert_households(
            &[
                with_income("620825100201", "王建国", 11, 20_000),
                with_income("620825100201", "张富贵", 21, 9_000_000),
                with_income("620825101201", "赵明", 31, 20_000),
            ],
            &Actor::system("test"),
        )
        .await
        .unwrap();
    create_accounts(&store).await;
    let cw = casework(&store);
    cw.load_calendar().await.unwrap();
    World { cw, store, poor: ids[0], rich: ids[1], in_b: ids[2], _dir: dir }
}

/// Every checklist item of these kinds, as a clerk ticks them at the window.
fn everything(kinds: &[AssistanceKind], track: Track) -> Vec<String> {
    kinds.iter().flat_map(|k| materials_for(*k, track, true, true)).map(|m| m.code).collect()
}

fn intake(kinds: &[AssistanceKind]) -> IntakeInput {
    IntakeInput {
        kinds: kinds.to_vec(),
        received: everything(kinds, Track::Normal),
        request: "家中老人患病，收入低".into(),
        ..Default::default()
    }
}

fn survey(visited: &str) -> SurveyRecord {
    SurveyRecord {
        visited_on: d(visited),
        investigators: vec![(inv1().account_id, inv1().display_name), (inv2().account_id, inv2().display_name)],
        living_conditions: "土木结构平房三间".into(),
        findings: "家庭收入、财产与申报一致".into(),
        declared_matches: true,
        self_care: vec![],
        photo_ids: vec![],
    }
}

fn town(by: &User, monthly: i64, approve: bool) -> TownDecision {
    TownDecision {
        on: d("2026-11-06"),
        by_id: by.account_id,
        by: by.display_name.clone(),
        approve,
        monthly_amount: monthly,
        one_off_amount: 0,
        members: vec!["王建国".into(), "李秀英".into()],
        reasons: if approve { vec![] } else { vec!["家庭人均收入高于低保标准".into()] },
        opinion: "经调查属实，同意".into(),
        review_outcome: None,
    }
}

/// Takes a case from intake to approval; returns (case id, monthly amount).
async fn approve_dibao(w: &World, track: Track) -> (i64, i64) {
    let mut input = intake(&[AssistanceKind::Dibao]);
    input.track = Some(track);
    input.commitment_signed = track == Track::Commitment;
    input.received = everything(&[AssistanceKind::Dibao], track);
    let id = w.cw.intake(&clerk(), w.poor, &input, d("2026-11-02")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Survey, "the poor household passes the check");
    let c = w.cw.act(&inv1(), id, c.version, Action::SubmitSurvey(survey("2026-11-04")), d("2026-11-04")).await.unwrap();
    let amount = w.cw.suggestion(&rev1(), id, d("2026-11-05")).await.unwrap().monthly_amount;
    let c = w.cw.act(&rev1(), id, c.version, Action::TownDecide(town(&rev1(), amount, true)), d("2026-11-06")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Publicity);
    w.cw.tick(d("2026-11-14")).await.unwrap();
    let c = w.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.data.state, CaseState::CountyReview, "the tick ends the 7-day notice");
    let c = w.cw.act(&approver(), id, c.version, Action::Decide { approve: true, reasons: vec![] }, d("2026-11-16")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Approved);
    (id, amount)
}

#[tokio::test]
async fn four_roles_take_a_dibao_application_to_approval_and_a_referral_to_its_answer() {
    let w = world().await;
    let ids = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao, AssistanceKind::Medical]), d("2026-11-02")).await.unwrap();
    let (dibao, medical) = (ids[0], ids[1]);
    let c = w.store.case(dibao).await.unwrap().unwrap();
    assert_eq!((c.data.state, c.data.accepted_on, c.data.step_due), (CaseState::Accepted, Some(d("2026-11-02")), Some(d("2026-11-05"))));
    assert_eq!(c.data.overall_due, Some(d("2026-12-14")), "30 working days");
    // The clerk's queue has it; the investigator's does not yet.
    let (todo, counts) = w.cw.queue(&clerk(), QueueBucket::Todo, 0, d("2026-11-02")).await.unwrap();
    assert_eq!((todo.len(), counts.todo, counts.soon_due), (1, 1, 1));
    assert!(w.cw.queue(&inv1(), QueueBucket::Todo, 0, d("2026-11-02")).await.unwrap().0.is_empty());

    let c = w.cw.run_check(&clerk(), dibao, 1, d("2026-11-03")).await.unwrap();
    let check = c.data.details.check.clone().unwrap();
    assert!(check.passed && check.assessment_id.is_some());
    assert!(check.sources.iter().any(|s| s.contains("尚未导入任何部门数据")), "the record says no department data was available");
    assert_eq!(w.cw.queue(&inv1(), QueueBucket::Todo, 0, d("2026-11-03")).await.unwrap().0.len(), 1);
    // A survey by one person, or by the wrong role, is refused.
    let mut alone = survey("2026-11-04");
    alone.investigators.truncate(1);
    assert!(matches!(
        w.cw.act(&inv1(), dibao, c.version, Action::SubmitSurvey(alone), d("2026-11-04")).await,
        Err(CaseworkError::Invalid(_))
    ));
    assert!(matches!(
        w.cw.act(&clerk(), dibao, c.version, Action::SubmitSurvey(survey("2026-11-04")), d("2026-11-04")).await,
        Err(CaseworkError::Workflow(_))
    ));
    let c = w.cw.act(&inv1(), dibao, c.version, Action::SubmitSurvey(survey("2026-11-04")), d("2026-11-04")).await.unwrap();
    assert_eq!(c.data.state, CaseState::TownReview);
    let s = w.cw.suggestion(&rev1(), dibao, d("2026-11-05")).await.unwrap();
    // One month's wage of 200 元 in the 12-month window is 16.66 元 a month: 465 元 × 2 − 16.66 元.
    assert_eq!(s.monthly_amount, 91_334);
    let c = w.cw.act(&rev1(), dibao, c.version, Action::TownDecide(town(&rev1(), s.monthly_amount, true)), d("2026-11-06")).await.unwrap();
    assert_eq!((c.data.state, c.data.details.publicity.clone().unwrap().ends_on), (CaseState::Publicity, d("2026-11-13")));
    // An objection during the notice holds it until handled.
    let c =
        w.cw.act(&rev1(), dibao, c.version, Action::RecordObjection { text: "群众反映其子在外务工".into() }, d("2026-11-09"))
            .await
            .unwrap();
    let r = w.cw.tick(d("2026-11-16")).await.unwrap();
    assert_eq!(r.publicity_ended, 0, "an open objection keeps the notice from ending");
    let c =
        w.cw.act(
            &rev1(),
            dibao,
            c.version,
            Action::ResolveObjection { id: 1, reinvestigate: false, note: "其子已分户，收入不计入".into() },
            d("2026-11-16"),
        )
        .await
        .unwrap();
    assert_eq!(w.cw.tick(d("2026-11-16")).await.unwrap().publicity_ended, 1);
    let c = w.store.case(c.id).await.unwrap().unwrap();
    assert_eq!((c.data.state, c.data.due_role, c.data.spot_check_required), (CaseState::CountyReview, Some(Role::CountyApprover), true));
    // Complained about: the county visits before deciding; the reviewer cannot decide.
    let approve = Action::Decide { approve: true, reasons: vec![] };
    assert!(matches!(w.cw.act(&approver(), dibao, c.version, approve.clone(), d("2026-11-17")).await, Err(CaseworkError::Workflow(_))));
    assert!(matches!(w.cw.act(&rev2(), dibao, c.version, approve.clone(), d("2026-11-17")).await, Err(CaseworkError::Workflow(_))));
    let c =
        w.cw.act(&approver(), dibao, c.version, Action::RecordSpotCheck { findings: "入户核实，情况属实".into() }, d("2026-11-17"))
            .await
            .unwrap();
    let c = w.cw.act(&approver(), dibao, c.version, approve, d("2026-11-17")).await.unwrap();
    let decision = c.data.details.decision.clone().unwrap();
    assert_eq!((c.data.state, decision.monthly_amount, decision.effective_month), (CaseState::Approved, 91_334, Some(d("2026-12-01"))));
    let benefits = w.cw.household_benefits(&clerk(), w.poor).await.unwrap();
    assert_eq!(benefits.len(), 1);
    assert_eq!(
        (benefits[0].monthly_amount, benefits[0].status, benefits[0].since_month),
        (Fen(91_334), BenefitStatus::Active, d("2026-12-01"))
    );
    let events = w.store.case_events(dibao).await.unwrap();
    let roles: Vec<Option<Role>> = events.iter().map(|e| e.role).collect();
    for r in [Role::WindowClerk, Role::Investigator, Role::TownReviewer, Role::CountyApprover] {
        assert!(roles.contains(&Some(r)), "{r:?} acted: {roles:?}");
    }
    assert!(events.iter().any(|e| e.action == "end_publicity" && e.role.is_none()), "the tick's step is on the timeline as the system");
    // The approver's done list has it.
    assert_eq!(w.cw.queue(&approver(), QueueBucket::Done, 0, d("2026-11-17")).await.unwrap().0[0].id, dibao);

    // The medical referral is in the medical security liaison's queue only.
    let liaison = user(7, Role::DepartmentLiaison, "620825");
    let mut education = liaison.clone();
    education.account_id = 8;
    education.department = Some(Department::Education);
    assert_eq!(w.cw.queue(&liaison, QueueBucket::Todo, 0, d("2026-11-03")).await.unwrap().0[0].id, medical);
    assert!(w.cw.queue(&education, QueueBucket::Todo, 0, d("2026-11-03")).await.unwrap().0.is_empty());
    assert!(matches!(w.cw.get(&education, medical).await, Err(CaseworkError::NotFound)), "not even by id");
    assert!(matches!(w.cw.get(&liaison, dibao).await, Err(CaseworkError::NotFound)), "a liaison reads referrals only");
    let m = w.cw.act(&liaison, medical, 1, Action::AcceptReferral, d("2026-11-03")).await.unwrap();
    let m =
        w.cw.act(
            &liaison,
            medical,
            m.version,
            Action::AnswerReferral { granted: true, answer: "住院自付部分按70%救助".into(), amount: 224_700 },
            d("2026-11-05"),
        )
        .await
        .unwrap();
    assert_eq!((m.data.state, m.data.due_role), (CaseState::Answered, None));
}

#[tokio::test]
async fn a_clearly_ineligible_application_stops_at_the_check_with_a_feedback_slip() {
    let w = world().await;
    let id = w.cw.intake(&clerk(), w.rich, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    let fb = c.data.details.feedback.clone().unwrap();
    assert_eq!((c.data.state, fb.objection_due), (CaseState::CheckFailed, Some(d("2026-11-10"))));
    assert!(!fb.reasons.is_empty(), "the slip says why");
    assert_eq!(w.cw.tick(d("2026-11-10")).await.unwrap().feedback_closed, 0, "still inside the objection window");
    assert_eq!(w.cw.tick(d("2026-11-11")).await.unwrap().feedback_closed, 1);
    let c = w.store.case(id).await.unwrap().unwrap();
    assert_eq!((c.data.state, c.data.details.closed_reason.as_deref()), (CaseState::Closed, Some("核对不符，异议期内未提出异议")));
    // Closed: the household may apply again; an objection sends the new case on, contested, to 民主评议.
    let id = w.cw.intake(&clerk(), w.rich, &intake(&[AssistanceKind::Dibao]), d("2026-11-12")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-12")).await.unwrap();
    let c =
        w.cw.act(&clerk(), id, c.version, Action::ObjectToFeedback { text: "工资已停发，有单位证明".into() }, d("2026-11-13"))
            .await
            .unwrap();
    assert_eq!((c.data.state, c.data.contested), (CaseState::Survey, true));
    let c = w.cw.act(&inv2(), id, c.version, Action::SubmitSurvey(survey("2026-11-16")), d("2026-11-16")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Evaluation, "contested: 民主评议");
}

#[tokio::test]
async fn scope_roles_duplicates_and_two_people_at_once() {
    let w = world().await;
    let id = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    let clerk_b = user(9, Role::WindowClerk, B);
    assert!(matches!(w.cw.get(&clerk_b, id).await, Err(CaseworkError::NotFound)), "another town's case does not exist for it");
    assert!(matches!(
        w.cw.act(&clerk_b, id, 1, Action::Withdraw { reason: "x".into() }, d("2026-11-02")).await,
        Err(CaseworkError::NotFound)
    ));
    assert!(matches!(
        w.cw.intake(&clerk_b, w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await,
        Err(CaseworkError::NotFound)
    ));
    assert!(matches!(
        w.cw.intake(&inv1(), w.poor, &intake(&[AssistanceKind::Tekun]), d("2026-11-02")).await,
        Err(CaseworkError::Forbidden)
    ));
    assert!(matches!(w.cw.get(&user(10, Role::Leader, "620825"), id).await, Err(CaseworkError::Forbidden)));
    assert!(w.cw.intake(&clerk_b, w.in_b, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.is_ok());
    // The same kind twice while one is open: refused, naming the open case.
    match w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Tekun, AssistanceKind::Dibao]), d("2026-11-03")).await {
        Err(CaseworkError::Invalid(e)) => assert!(e.0[0].code == "intake.duplicate" && e.0[0].zh.contains(&id.to_string()), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.store.household_cases(w.poor).await.unwrap().len(), 1, "nothing of the refused intake was kept");
    // Two clerks on the same page: the first wins, the second is told what happened.
    w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    match w.cw.act(&clerk(), id, 1, Action::Withdraw { reason: "申请人撤回".into() }, d("2026-11-03")).await {
        Err(CaseworkError::Conflict { state, by }) => assert_eq!((state, by.as_str()), (CaseState::Survey, "受理员1")),
        other => panic!("{other:?}"),
    }
    // Missing materials: the case waits, listing them; the clock starts when they are in.
    let mut partial = intake(&[AssistanceKind::Tekun]);
    partial.received = vec!["application".into(), "id_cards".into()];
    let t = w.cw.intake(&clerk(), w.poor, &partial, d("2026-11-03")).await.unwrap()[0];
    let c = w.store.case(t).await.unwrap().unwrap();
    assert_eq!((c.data.state, c.data.step_due, c.data.accepted_on), (CaseState::Materials, None, None));
    assert!(c.data.details.missing_materials().len() >= 4);
    let c = w
        .cw
        .act(&clerk(), t, 1, Action::SupplyMaterials { received: everything(&[AssistanceKind::Tekun], Track::Normal) }, d("2026-11-05"))
        .await
        .unwrap();
    assert_eq!((c.data.state, c.data.accepted_on), (CaseState::Accepted, Some(d("2026-11-05"))));
    // 特困: the town has 15 working days.
    assert_eq!(c.data.overall_due, Some(d("2026-11-26")));
}

#[tokio::test]
async fn reviews_fall_due_and_changes_open_them() {
    let w = world().await;
    // Reviews fall in 2027: the administrator imports its holidays (a test file: New Year's Day only).
    let admin = user(12, Role::SystemAdmin, "620825");
    let file = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#;
    w.cw.import_calendar_year(Some(&admin), 2027, file, "test").await.unwrap();
    approve_dibao(&w, Track::Normal).await;
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    // Both members are over 60 (nobody of working age can work): reviewed yearly.
    assert_eq!((b.review_months, b.next_review_on), (12, Some(d("2027-11-16"))));
    assert_eq!(w.cw.tick(d("2027-10-16")).await.unwrap().reviews_opened, 0);
    let r = w.cw.tick(d("2027-10-17")).await.unwrap();
    assert_eq!(r.reviews_opened, 1, "opened 30 days ahead");
    assert_eq!(w.cw.tick(d("2027-10-18")).await.unwrap().reviews_opened, 0, "not twice");
    let review = w.store.household_cases(w.poor).await.unwrap().into_iter().find(|c| c.purpose == Purpose::Review).unwrap();
    assert_eq!((review.state, review.due_role), (CaseState::Accepted, Some(Role::WindowClerk)));
    // A second review of the same benefit while one is open is refused.
    assert!(matches!(
        w.cw.report_change(&clerk(), b.id, true, Some("李秀英".into()), "李秀英于2027年10月去世", d("2027-10-20")).await,
        Err(CaseworkError::Invalid(_))
    ));
    // The review: check, then the town keeps it unchanged; the benefit's next review moves on.
    let c = w.cw.run_check(&clerk(), review.id, 1, d("2027-10-20")).await.unwrap();
    assert_eq!(c.data.state, CaseState::TownReview);
    let mut keep = town(&rev1(), 91_334, true);
    keep.review_outcome = Some(ReviewOutcome::Unchanged);
    let c = w.cw.act(&rev1(), review.id, c.version, Action::TownDecide(keep), d("2027-10-21")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Closed);
    let b2 = w.store.benefit(b.id).await.unwrap().unwrap();
    assert_eq!((b2.monthly_amount, b2.next_review_on), (Fen(91_334), Some(d("2028-10-21"))));
    // A death opens a review due within 3 months.
    let death = w.cw.report_change(&clerk(), b.id, true, Some("李秀英".into()), "李秀英去世", d("2027-11-03")).await.unwrap();
    let c = w.store.case(death).await.unwrap().unwrap();
    assert_eq!((c.data.purpose, c.data.overall_due), (Purpose::Review, None), "3 months on is 2028, whose holidays are not known");
    assert_eq!(c.data.details.review.unwrap().reason, ReviewReason::Death);
    // The review ends the benefit after 公示: terminate.
    let c = w.cw.run_check(&clerk(), death, 1, d("2027-11-04")).await.unwrap();
    let mut end = town(&rev1(), 0, true);
    end.review_outcome = Some(ReviewOutcome::Terminate);
    let c = w.cw.act(&rev1(), death, c.version, Action::TownDecide(end), d("2027-11-05")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Publicity, "a termination is published first");
    w.cw.tick(d("2027-11-13")).await.unwrap();
    let c = w.store.case(death).await.unwrap().unwrap();
    let c = w.cw.act(&approver(), death, c.version, Action::Decide { approve: true, reasons: vec![] }, d("2027-11-15")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Approved);
    let ended = w.store.benefit(b.id).await.unwrap().unwrap();
    assert_eq!(
        (ended.status, ended.until_month),
        (BenefitStatus::Ended, Some(d("2027-11-01"))),
        "paid to the end of the month of the decision"
    );
    assert!(
        matches!(w.cw.report_change(&clerk(), b.id, false, None, "x", d("2027-12-01")).await, Err(CaseworkError::Invalid(_))),
        "an ended benefit"
    );
}

#[tokio::test]
async fn three_refused_jobs_open_a_review() {
    let w = world().await;
    approve_dibao(&w, Track::Normal).await;
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    let assistant = user(11, Role::VillageAssistant, "620825100201");
    for n in 1..=2 {
        assert_eq!(w.cw.record_job_refusal(&assistant, b.id, "王建国", "县城保洁岗位", d("2026-12-01")).await.unwrap(), n);
    }
    assert!(!w.store.household_cases(w.poor).await.unwrap().iter().any(|c| c.purpose == Purpose::Review));
    assert_eq!(w.cw.record_job_refusal(&assistant, b.id, "王建国", "乡镇公益岗位", d("2026-12-08")).await.unwrap(), 3);
    let review = w.store.household_cases(w.poor).await.unwrap().into_iter().find(|c| c.purpose == Purpose::Review).unwrap();
    let c = w.store.case(review.id).await.unwrap().unwrap();
    assert_eq!(c.data.details.review.unwrap().reason, ReviewReason::JobRefusals);
    assert_eq!(w.store.benefit(b.id).await.unwrap().unwrap().job_refusals, 0, "three in a row: the count starts again");
    // A refusal while that review is open is recorded, not refused.
    assert_eq!(w.cw.record_job_refusal(&assistant, b.id, "王建国", "公益岗位", d("2026-12-09")).await.unwrap(), 1);
    assert!(matches!(w.cw.record_job_refusal(&inv1(), b.id, "王建国", "x", d("2026-12-08")).await, Err(CaseworkError::Forbidden)));
}

#[tokio::test]
async fn commitment_cases_get_a_data_post_check_within_a_month() {
    let w = world().await;
    // Unsigned commitment: refused.
    let mut unsigned = intake(&[AssistanceKind::Dibao]);
    unsigned.track = Some(Track::Commitment);
    assert!(matches!(w.cw.intake(&clerk(), w.poor, &unsigned, d("2026-11-02")).await, Err(CaseworkError::Invalid(_))));
    let (id, _) = approve_dibao(&w, Track::Commitment).await;
    let c = w.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.data.overall_due, Some(d("2026-11-16")), "10 working days from 2 November");
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    assert_eq!((b.next_review_on, b.next_review_reason), (Some(d("2026-12-16")), ReviewReason::PostCheck));
    let r = w.cw.tick(d("2026-11-16")).await.unwrap();
    assert_eq!((r.reviews_opened, r.post_checks_passed), (1, 1), "the post-check ran on the data and passed");
    let review = w.store.household_cases(w.poor).await.unwrap().into_iter().find(|c| c.purpose == Purpose::Review).unwrap();
    assert_eq!(review.state, CaseState::Closed);
    let b = w.store.benefit(b.id).await.unwrap().unwrap();
    assert!(matches!(b.next_review_reason, ReviewReason::Periodic | ReviewReason::RandomCheck));
}

#[tokio::test]
async fn emergency_help_first_within_the_town_limit_then_the_paperwork() {
    let w = world().await;
    let input = IntakeInput {
        kinds: vec![AssistanceKind::Temporary],
        track: Some(Track::Emergency),
        received: vec!["application".into()],
        request: "房屋失火".into(),
        emergency_description: Some("11月2日夜房屋失火，生活用品烧毁".into()),
        ..Default::default()
    };
    let id = w.cw.intake(&clerk(), w.poor, &input, d("2026-11-02")).await.unwrap()[0];
    let c = w.store.case(id).await.unwrap().unwrap();
    assert_eq!((c.data.state, c.data.due_role, c.data.step_due), (CaseState::Accepted, Some(Role::TownReviewer), Some(d("2026-11-02"))));
    // The town's limit: 3 × the rural standard 465 元 = 1395 元.
    let over = Action::GrantEmergency { amount: 139_501, description: String::new() };
    assert!(matches!(w.cw.act(&rev1(), id, 1, over, d("2026-11-02")).await, Err(CaseworkError::Invalid(_))));
    let c =
        w.cw.act(&rev1(), id, 1, Action::GrantEmergency { amount: 139_500, description: String::new() }, d("2026-11-02")).await.unwrap();
    assert_eq!((c.data.state, c.data.due_role), (CaseState::Approved, Some(Role::WindowClerk)), "the paperwork follows");
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap();
    assert_eq!((b[0].one_off_amount, b[0].status), (Fen(139_500), BenefitStatus::Ended), "a one-off payment");
    assert!(
        matches!(w.cw.act(&clerk(), id, c.version, Action::PaperworkDone, d("2026-11-03")).await, Err(CaseworkError::Workflow(_))),
        "materials missing"
    );
    let c =
        w.cw.act(
            &clerk(),
            id,
            c.version,
            Action::SupplyMaterials { received: everything(&[AssistanceKind::Temporary], Track::Emergency) },
            d("2026-11-04"),
        )
        .await
        .unwrap();
    let c = w.cw.act(&clerk(), id, c.version, Action::PaperworkDone, d("2026-11-04")).await.unwrap();
    assert_eq!(c.data.due_role, None);
    // 先行救助 is for temporary assistance only: asked for with 低保, the 低保 case goes the normal way.
    let mut both = input.clone();
    both.kinds = vec![AssistanceKind::Temporary, AssistanceKind::Dibao];
    let ids = w.cw.intake(&clerk(), w.rich, &both, d("2026-11-02")).await.unwrap();
    let tracks: Vec<(AssistanceKind, Track, CaseState)> = {
        let mut v = Vec::new();
        for id in ids {
            let c = w.store.case(id).await.unwrap().unwrap();
            v.push((c.data.kind, c.data.track, c.data.state));
        }
        v
    };
    assert_eq!(
        tracks,
        [(AssistanceKind::Temporary, Track::Emergency, CaseState::Accepted), (AssistanceKind::Dibao, Track::Normal, CaseState::Materials)]
    );
}

#[tokio::test]
async fn deadlines_beyond_the_calendar_are_filled_when_the_next_year_is_imported() {
    let w = world().await;
    let id = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-12-02")).await.unwrap()[0];
    assert_eq!(w.store.case(id).await.unwrap().unwrap().data.overall_due, None);
    let file = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#;
    assert!(matches!(w.cw.import_calendar_year(Some(&clerk()), 2027, file, "国办发明电").await, Err(CaseworkError::Forbidden)));
    let admin = user(12, Role::SystemAdmin, "620825");
    assert!(matches!(w.cw.import_calendar_year(Some(&admin), 2028, file, "x").await, Err(CaseworkError::Invalid(_))), "a gap year");
    assert!(matches!(w.cw.import_calendar_year(Some(&admin), 2027, "{", "x").await, Err(CaseworkError::Invalid(_))));
    assert_eq!(
        w.cw.import_calendar_year(Some(&admin), 2027, file, "国务院办公厅关于2027年部分节假日安排的通知").await.unwrap().cases.len(),
        1
    );
    assert_eq!(w.store.case(id).await.unwrap().unwrap().data.overall_due, Some(d("2027-01-14")));
    // A restarted service reads the imported year back.
    let again = casework(&w.store);
    again.load_calendar().await.unwrap();
    assert_eq!(again.calendar().last_year(), 2027);
}

#[tokio::test]
async fn bulk_approval_takes_each_case_on_its_own() {
    let w = world().await;
    // Two cases at the decision: one needs a home check (complained about), one does not.
    let mut ids = Vec::new();
    for h in [w.poor, w.in_b] {
        let clerk = if h == w.poor { clerk() } else { user(9, Role::WindowClerk, B) };
        let (inv_a, inv_b, rev) = if h == w.poor {
            (inv1(), inv2(), rev1())
        } else {
            (user(13, Role::Investigator, B), user(14, Role::Investigator, B), user(15, Role::TownReviewer, B))
        };
        let id = w.cw.intake(&clerk, h, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
        let c = w.cw.run_check(&clerk, id, 1, d("2026-11-03")).await.unwrap();
        let mut s = survey("2026-11-04");
        s.investigators = vec![(inv_a.account_id, inv_a.display_name.clone()), (inv_b.account_id, inv_b.display_name.clone())];
        let c = w.cw.act(&inv_a, id, c.version, Action::SubmitSurvey(s), d("2026-11-04")).await.unwrap();
        let c = w.cw.act(&rev, id, c.version, Action::TownDecide(town(&rev, 50_000, true)), d("2026-11-06")).await.unwrap();
        if h == w.poor {
            w.cw.act(&rev, id, c.version, Action::RecordObjection { text: "有异议".into() }, d("2026-11-07")).await.unwrap();
            let c = w.store.case(id).await.unwrap().unwrap();
            w.cw.act(&rev, id, c.version, Action::ResolveObjection { id: 1, reinvestigate: false, note: "不成立".into() }, d("2026-11-10"))
                .await
                .unwrap();
        }
        ids.push(id);
    }
    assert_eq!(w.cw.tick(d("2026-11-16")).await.unwrap().publicity_ended, 2);
    let items: Vec<(i64, i64)> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push((*id, w.store.case(*id).await.unwrap().unwrap().version));
        }
        v
    };
    let approver = signed_in(&w.store, &approver()).await;
    let reject = jiuzhu_casework::service::StepInput::Reject { reasons: vec!["x".into()] };
    let refused = w.cw.bulk(&approver, &items, reject, PASSWORD, d("2026-11-17")).await;
    assert!(matches!(refused, Err(CaseworkError::Invalid(_))), "rejections are one by one");
    // Approving many at once asks for the password again: a wrong one approves nothing.
    let wrong = w.cw.bulk(&approver, &items, jiuzhu_casework::service::StepInput::Approve, "wrong", d("2026-11-17")).await;
    assert!(matches!(&wrong, Err(CaseworkError::Invalid(v)) if v.0[0].field == "password"), "{wrong:?}");
    assert_eq!(w.store.case(ids[1]).await.unwrap().unwrap().data.state, CaseState::CountyReview);
    let r = w.cw.bulk(&approver, &items, jiuzhu_casework::service::StepInput::Approve, PASSWORD, d("2026-11-17")).await.unwrap();
    assert!(!r[0].ok && r[0].message.contains("入户核查"), "the complained-about case needs its home check first: {r:?}");
    assert!(r[1].ok, "{r:?}");
    assert_eq!(w.store.case(ids[1]).await.unwrap().unwrap().data.state, CaseState::Approved);
    assert_eq!(w.store.case(ids[0]).await.unwrap().unwrap().data.state, CaseState::CountyReview);
}

#[tokio::test]
async fn a_rigid_expense_status_holds_twelve_months() {
    let w = world().await;
    // Its end falls in 2027: a test calendar for it.
    let admin = user(12, Role::SystemAdmin, "620825");
    w.cw.import_calendar_year(Some(&admin), 2027, r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#, "test")
        .await
        .unwrap();
    // Above the 低保边缘 line (2 people, 1,000 元 a head), below last year's disposable income, with
    // medical bills of 20,000 元 over 60 % of the year's 24,000 元 income: 刚性支出困难.
    let mut h = with_income("620825100201", "孙立", 41, 2_400_000);
    h.expenses =
        vec![Expense { kind: ExpenseKind::Medical, month: d("2026-09-01"), amount: Fen(2_000_000), description: "住院自付".into() }];
    let hid = w.store.insert_households(&[h], &Actor::system("test")).await.unwrap()[0];
    let mut input = intake(&[AssistanceKind::RigidExpense]);
    input.received = everything(&[AssistanceKind::RigidExpense], Track::Normal);
    let id = w.cw.intake(&clerk(), hid, &input, d("2026-11-02")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Survey, "刚性支出困难 on this household's data: {:?}", c.data.details.check);
    let c = w.cw.act(&inv1(), id, c.version, Action::SubmitSurvey(survey("2026-11-04")), d("2026-11-04")).await.unwrap();
    let c = w.cw.act(&rev1(), id, c.version, Action::TownDecide(town(&rev1(), 0, true)), d("2026-11-06")).await.unwrap();
    w.cw.tick(d("2026-11-14")).await.unwrap();
    let c = w.store.case(c.id).await.unwrap().unwrap();
    w.cw.act(&approver(), id, c.version, Action::Decide { approve: true, reasons: vec![] }, d("2026-11-16")).await.unwrap();
    let b = w.cw.household_benefits(&clerk(), hid).await.unwrap()[0].clone();
    assert_eq!(
        (b.kind, b.until_month, b.next_review_on),
        (AssistanceKind::RigidExpense, Some(d("2027-11-01")), None),
        "valid 12 months, no periodic review"
    );
    assert_eq!(w.cw.tick(d("2027-11-30")).await.unwrap().exits_ended, 0);
    assert_eq!(w.cw.tick(d("2027-12-01")).await.unwrap().exits_ended, 1, "ended after its twelfth month");
    assert_eq!(w.store.benefit(b.id).await.unwrap().unwrap().status, BenefitStatus::Ended);
}

#[tokio::test]
async fn a_review_cannot_be_withdrawn_and_its_deadline_is_never_guessed() {
    let w = world().await;
    approve_dibao(&w, Track::Normal).await;
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    let rid = w.cw.report_change(&clerk(), b.id, false, None, "户主外出务工", d("2026-12-01")).await.unwrap();
    let c = w.store.case(rid).await.unwrap().unwrap();
    assert_eq!(c.data.overall_due, None, "30 working days from 1 December run into 2027, not published here: pending");
    assert!(matches!(
        w.cw.act(&clerk(), rid, c.version, Action::Withdraw { reason: "x".into() }, d("2026-12-01")).await,
        Err(CaseworkError::Workflow(_))
    ));
    // The next year imported: the review's deadline is computed from its rule (30 working days).
    let admin = user(12, Role::SystemAdmin, "620825");
    w.cw.import_calendar_year(Some(&admin), 2027, r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#, "test")
        .await
        .unwrap();
    assert_eq!(w.store.case(rid).await.unwrap().unwrap().data.overall_due, Some(d("2027-01-13")));
}

/// 核对 with department data: an undeclared car in 车管 fails the check with the car as evidence
/// (and the feedback slip follows); the sources name the feeds compared.
#[tokio::test]
async fn department_data_show_an_undeclared_car_and_the_check_fails_with_its_evidence() {
    let w = world().await;
    let h = w.store.household(w.poor).await.unwrap().unwrap();
    let head = h.head().data.id_number.as_str().to_string();
    let dir = tempfile::tempdir().unwrap();
    let vehicles = dir.path().join("vehicles.csv");
    std::fs::write(&vehicles, format!("id_number,plate,kind,registered_on,value_fen\n{head},甘L·Z9999,car,2025-06-01,9000000\n")).unwrap();
    let deaths = dir.path().join("deaths.csv");
    std::fs::write(&deaths, "id_number,died_on\n").unwrap();
    for (path, feed) in [(&vehicles, jiuzhu_verify::Feed::Vehicles), (&deaths, jiuzhu_verify::Feed::Deaths)] {
        let (report, outcome) = import(&w.store, path, feed, d("2026-11-02")).await;
        assert!(report.ok() && outcome.is_some(), "{}", report.to_text());
    }
    let id = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    let check = c.data.details.check.clone().unwrap();
    assert!(!check.passed, "{:?}", check.findings);
    assert_eq!(c.data.state, CaseState::CheckFailed, "a failed check issues the feedback slip");
    assert!(c.data.details.feedback.is_some());
    assert!(check.findings.iter().any(|f| f.contains("部门数据比对不符：有未申报的机动车")), "{:?}", check.findings);
    assert!(check.findings.iter().any(|f| f.contains("甘L·Z9999") && f.contains("车管·机动车登记（2025-06-01）")), "{:?}", check.findings);
    assert!(check.sources.iter().any(|s| s.contains("有本户记录 1 条") && s.contains("车管·机动车登记")), "{:?}", check.sources);
    assert!(check.sources.iter().any(|s| s.contains("无本户记录") && s.contains("公安·死亡注销")), "{:?}", check.sources);

    // The household in town B has no rows: its check passes and says which feeds were compared.
    let other = w.cw.intake(&clerk_b(), w.in_b, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk_b(), other, 1, d("2026-11-03")).await.unwrap();
    let check = c.data.details.check.unwrap();
    assert!(check.passed && check.sources.iter().any(|s| s.contains("无本户记录")), "{:?}", check.sources);

    // 检出率: town A checked one 低保 application and found it not eligible; town B none of one.
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    let outcomes = w.store.check_outcomes(&RegionCode::parse("620825").unwrap(), since).await.unwrap();
    let rates = jiuzhu_verify::service::detection_rates(&outcomes);
    let got: Vec<(&str, &str, u64, u64)> = rates.iter().map(|r| (r.region.as_str(), r.programme, r.checked, r.failed)).collect();
    assert_eq!(got, vec![("620825100", "dibao", 1, 1), ("620825101", "dibao", 1, 0)]);
    assert_eq!((rates[0].rate, rates[1].rate), (1.0, 0.0));
    assert!(w.store.check_outcomes(&RegionCode::parse("620825101").unwrap(), since).await.unwrap().len() == 1, "in scope only");
}

/// 比对复核: a recipient whose member died by 公安 records gets a death review opened by the
/// data check; a second run does not open another (the benefit under review is not due again).
#[tokio::test]
async fn a_recipient_found_dead_in_department_data_gets_a_review_once() {
    let w = world().await;
    let (_, _) = approve_dibao(&w, Track::Normal).await;
    let h = w.store.household(w.poor).await.unwrap().unwrap();
    let member = h.members[1].data.id_number.as_str().to_string();
    let dir = tempfile::tempdir().unwrap();
    let deaths = dir.path().join("deaths.csv");
    std::fs::write(&deaths, format!("公民身份号码,死亡日期\n{member},2026-11-20\n")).unwrap();
    let (report, outcome) = import(&w.store, &deaths, jiuzhu_verify::Feed::Deaths, d("2026-11-25")).await;
    assert!(report.ok() && outcome.unwrap().new_rows == 1);
    let r = w.cw.data_check_recipients(d("2026-11-26")).await.unwrap();
    assert_eq!((r.checked, r.found, r.reviews_opened), (1, 1, 1), "{r:?}");
    let cases = w.store.household_cases(w.poor).await.unwrap();
    let review = cases.iter().find(|c| c.state != CaseState::Approved).expect("a review case");
    let review = w.store.case(review.id).await.unwrap().unwrap();
    let rec = review.data.details.review.clone().unwrap();
    assert_eq!(rec.reason, ReviewReason::Death);
    assert!(rec.note.contains("家庭成员已死亡") && rec.note.contains("2026-11-20"), "{}", rec.note);
    let again = w.cw.data_check_recipients(d("2026-11-27")).await.unwrap();
    assert_eq!(again.reviews_opened, 0, "{again:?}");
    assert_eq!(w.store.household_cases(w.poor).await.unwrap().len(), cases.len(), "no second review");
}

/// An application that passed 核对 before a department's data arrived: the batch check notes
/// the new finding on its timeline for the reviewer and approver, once; the step stays.
#[tokio::test]
async fn an_application_past_its_check_gets_new_department_findings_on_its_timeline_once() {
    let w = world().await;
    let id = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Survey);
    let clean = w.cw.data_check_recipients(d("2026-11-04")).await.unwrap();
    assert_eq!((clean.applications_checked, clean.applications_flagged), (1, 0), "{clean:?}");

    let h = w.store.household(w.poor).await.unwrap().unwrap();
    let member = h.members[1].data.id_number.as_str().to_string();
    let dir = tempfile::tempdir().unwrap();
    let deaths = dir.path().join("deaths.csv");
    std::fs::write(&deaths, format!("公民身份号码,死亡日期\n{member},2026-11-20\n")).unwrap();
    import(&w.store, &deaths, jiuzhu_verify::Feed::Deaths, d("2026-11-25")).await;
    let r = w.cw.data_check_recipients(d("2026-11-26")).await.unwrap();
    assert_eq!((r.applications_checked, r.applications_flagged), (1, 1), "{r:?}");
    let flagged = |events: &[jiuzhu_store::CaseEvent]| events.iter().filter(|e| e.action == "data_check").count();
    let events = w.store.case_events(id).await.unwrap();
    let note = events.iter().find(|e| e.action == "data_check").unwrap();
    assert!(
        note.note.contains("家庭成员已死亡") && note.note.contains("2026-11-20") && note.note.contains("请在审核、审批时核实"),
        "{}",
        note.note
    );
    assert_eq!((note.from_state, note.to_state), (Some(CaseState::Survey), CaseState::Survey));
    assert_eq!(w.store.case(id).await.unwrap().unwrap().data.state, CaseState::Survey, "the step stays");

    let again = w.cw.data_check_recipients(d("2026-11-27")).await.unwrap();
    assert_eq!((again.applications_flagged, again.applications_already_flagged), (0, 1), "{again:?}");
    assert_eq!(flagged(&w.store.case_events(id).await.unwrap()), 1, "noted once");
}
