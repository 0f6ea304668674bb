//! Casework for the demo and the benchmark: applications taken through their steps by the demo
//! accounts (so the queues show real work on the first run), and `jiuzhu bench casework` —
//! queue pages under concurrent requests with many open cases, on both backends.

use crate::Failure;
use chrono::{Days, NaiveDate};
use jiuzhu_casework::Casework;
use jiuzhu_casework::service::{IntakeInput, StepInput};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{RegionCode, Role, Scope};
use jiuzhu_policy::{Policies, Programme, Status};
use jiuzhu_registry::User;
use jiuzhu_store::{Account, HouseholdFilter, HouseholdQuery, NewCase, NewCaseEvent, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn user_of(a: &Account) -> User {
    User {
        account_id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role,
        scope: Scope(a.region.clone()),
        department: a.department,
    }
}

/// The demo accounts of one town, by role.
struct Town {
    clerk: User,
    investigators: Vec<User>,
    reviewers: Vec<User>,
}

async fn towns(store: &dyn Store) -> Result<Vec<Town>, Failure> {
    let accounts = store.list_accounts().await?;
    let mut out = Vec::new();
    for clerk in accounts.iter().filter(|a| a.role == Role::WindowClerk && a.region.as_str().len() == 9) {
        let of = |role: Role| accounts.iter().filter(|a| a.role == role && a.region == clerk.region).map(user_of).collect::<Vec<_>>();
        let (investigators, reviewers) = (of(Role::Investigator), of(Role::TownReviewer));
        if investigators.len() >= 2 && !reviewers.is_empty() {
            out.push(Town { clerk: user_of(clerk), investigators, reviewers });
        }
    }
    Ok(out)
}

fn all_materials(kind: AssistanceKind, track: Track) -> Vec<String> {
    materials_for(kind, track, true, true).into_iter().map(|m| m.code).collect()
}

/// How far each demo application gets, in order (the mix a town's queues have on a working day).
const PLAN: &[&str] = &[
    "accepted",
    "accepted",
    "materials",
    "survey",
    "survey",
    "check_failed",
    "town_review",
    "town_review",
    "publicity",
    "publicity",
    "county_review",
    "county_review",
    "approved",
    "approved",
    "approved",
    "referral",
    "commitment",
    "emergency",
    "accepted",
    "survey",
];

/// Takes demo applications through their steps with the demo accounts, dated over the last two
/// months so that some deadlines are near and some are past. Returns how many cases it opened.
pub async fn seed_demo_cases(store: Arc<dyn Store>, today: NaiveDate, per_town: usize) -> Result<usize, Failure> {
    let cw = Casework::new(store.clone());
    cw.load_calendar().await?;
    let approver = store.list_accounts().await?.into_iter().find(|a| a.role == Role::CountyApprover).map(|a| user_of(&a));
    let policies = Policies::builtin();
    let mut opened = 0;
    for town in towns(store.as_ref()).await? {
        let households = store
            .search_households(&HouseholdQuery {
                scope: town.clerk.scope.0.clone(),
                filter: HouseholdFilter::All,
                after_id: 0,
                limit: 2_000,
            })
            .await?;
        // Applicants the policy engine finds eligible for 低保 on their registered data, and a few who are not.
        let (mut eligible, mut not) = (Vec::new(), Vec::new());
        for s in &households {
            let Some(h) = store.household(s.id).await? else { continue };
            let Ok(a) = jiuzhu_registry::assess::assess_household(&h, today, policies) else { continue };
            if a.programme(Programme::Dibao).status == Status::Eligible {
                eligible.push(s.id);
            } else if a.household.per_capita_monthly_income > 100_000 {
                not.push(s.id);
            }
            if eligible.len() >= 2 * per_town && not.len() >= 3 {
                break;
            }
        }
        // Leave half of them for people to apply with by hand (the browser test does).
        let keep = eligible.len() / 2;
        for (i, step) in PLAN.iter().cycle().take(per_town).enumerate() {
            if *step != "check_failed" && eligible.len() <= keep {
                continue;
            }
            let household = if *step == "check_failed" { not.pop() } else { eligible.pop() };
            let Some(household) = household else { break };
            // A case further along was taken in earlier (working days ago), as in an office that
            // keeps up: most steps within their deadlines, a few late.
            let back: u32 = match *step {
                "accepted" | "materials" | "referral" | "emergency" => (i % 3) as u32,
                "survey" | "check_failed" | "commitment" => 2 + (i % 3) as u32,
                "town_review" => 5 + (i % 4) as u32,
                "publicity" => 6 + (i % 3) as u32,
                "county_review" => 11 + (i % 4) as u32,
                _ => 14 + (i % 20) as u32,
            };
            let start = working_days_before(&cw.calendar(), today, back);
            if advance(&cw, &town, approver.as_ref(), household, step, start, today).await.is_ok() {
                opened += 1;
            }
        }
    }
    Ok(opened)
}

/// The working day `n` working days before `day`.
fn working_days_before(cal: &jiuzhu_domain::Calendar, day: NaiveDate, n: u32) -> NaiveDate {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d = d.pred_opt().expect("date in range");
        if cal.is_working_day(d).unwrap_or(true) {
            left -= 1;
        }
    }
    d
}

/// Opens one application and takes it as far as `goal`.
async fn advance(
    cw: &Casework,
    t: &Town,
    approver: Option<&User>,
    household: i64,
    goal: &str,
    start: NaiveDate,
    today: NaiveDate,
) -> Result<(), Failure> {
    let err = |e: jiuzhu_casework::CaseworkError| Failure::from(e.to_string());
    let (kinds, track) = match goal {
        "referral" => (vec![AssistanceKind::Medical, AssistanceKind::Education], Track::Normal),
        "commitment" => (vec![AssistanceKind::Dibao], Track::Commitment),
        "emergency" => (vec![AssistanceKind::Temporary], Track::Emergency),
        _ => (vec![AssistanceKind::Dibao], Track::Normal),
    };
    let received = if goal == "materials" {
        vec!["application".into(), "id_cards".into()]
    } else {
        kinds.iter().flat_map(|k| all_materials(*k, track)).collect()
    };
    let input = IntakeInput {
        kinds,
        track: Some(track),
        received,
        request: match goal {
            "emergency" => "家中突发火灾，生活困难".into(),
            "referral" => "住院自付费用高，子女上学困难".into(),
            _ => "家庭收入低，生活困难，申请救助".into(),
        },
        commitment_signed: track == Track::Commitment,
        emergency_description: (track == Track::Emergency).then(|| "房屋失火，生活用品烧毁".into()),
        ..Default::default()
    };
    let id = cw.intake(&t.clerk, household, &input, start).await.map_err(err)?[0];
    if matches!(goal, "accepted" | "materials" | "referral") {
        return Ok(());
    }
    let day = |n: u32| cw.calendar().add_working_days(start, n).unwrap_or(start).min(today);
    if goal == "emergency" {
        let c = cw.store().case(id).await?.ok_or("case")?;
        cw.take_step(
            &t.reviewers[0],
            id,
            c.version,
            StepInput::GrantEmergency { amount: 80_000, description: "先行救助生活费".into() },
            start,
        )
        .await
        .map_err(err)?;
        return Ok(());
    }
    let c = cw.take_step(&t.clerk, id, 1, StepInput::Check, day(1)).await.map_err(err)?;
    if matches!(goal, "survey" | "check_failed") || c.data.state != CaseState::Survey {
        return Ok(());
    }
    let survey = StepInput::Survey {
        co_investigator_id: t.investigators[1].account_id,
        visited_on: day(2),
        living_conditions: "土木结构平房，家具简陋".into(),
        findings: "家庭收入和财产与申报一致，生活困难属实".into(),
        declared_matches: true,
        self_care: Vec::new(),
        photo_ids: Vec::new(),
    };
    let c = cw.take_step(&t.investigators[0], id, c.version, survey, day(2)).await.map_err(err)?;
    if goal == "town_review" {
        return Ok(());
    }
    let decide = StepInput::TownDecision {
        approve: true,
        monthly_amount: None,
        one_off_amount: None,
        reasons: Vec::new(),
        opinion: "经入户调查，家庭经济状况属实，同意纳入".into(),
        review_outcome: None,
    };
    let c = cw.take_step(&t.reviewers[0], id, c.version, decide, day(3)).await.map_err(err)?;
    if goal == "publicity" {
        return Ok(());
    }
    let ended = day(3) + Days::new(8);
    if ended > today {
        return Ok(());
    }
    let c = cw.take_step(&t.reviewers[0], id, c.version, StepInput::EndPublicity, ended).await.map_err(err)?;
    if goal == "county_review" || c.data.spot_check_required {
        return Ok(());
    }
    if let Some(a) = approver {
        let on = cw.calendar().add_working_days(ended, 2).unwrap_or(ended).min(today);
        cw.take_step(a, id, c.version, StepInput::Approve, on).await.map_err(err)?;
    }
    Ok(())
}

/// Open cases for the benchmark: spread over every town and over the steps a county has open,
/// deadlines from three weeks past to six weeks ahead. Inserted in batches (a batch shares an
/// intake id, which only the timeline shows).
async fn bench_cases(store: &dyn Store, county: &RegionCode, n: usize, today: NaiveDate) -> Result<(), Failure> {
    let all = store
        .search_households(&HouseholdQuery { scope: county.clone(), filter: HouseholdFilter::All, after_id: 0, limit: i64::MAX })
        .await?;
    // Every k-th household, so the cases spread over every town and village.
    let rows: Vec<_> = all.iter().step_by((all.len() / n.max(1)).max(1)).take(n).collect();
    let states = [
        (CaseState::Accepted, Role::WindowClerk, AssistanceKind::Dibao),
        (CaseState::Materials, Role::WindowClerk, AssistanceKind::Tekun),
        (CaseState::Survey, Role::Investigator, AssistanceKind::Dibao),
        (CaseState::TownReview, Role::TownReviewer, AssistanceKind::DibaoEdge),
        (CaseState::Publicity, Role::TownReviewer, AssistanceKind::Dibao),
        (CaseState::CountyReview, Role::CountyApprover, AssistanceKind::Dibao),
        (CaseState::CountyReview, Role::CountyApprover, AssistanceKind::Tekun),
        (CaseState::Referred, Role::DepartmentLiaison, AssistanceKind::Medical),
    ];
    let mut batch = Vec::with_capacity(1_000);
    let event = NewCaseEvent {
        actor: jiuzhu_store::Actor::system("bench"),
        role: None,
        action: "intake".into(),
        from_state: None,
        to_state: CaseState::Accepted,
        note: "基准测试数据".into(),
    };
    for (i, h) in rows.iter().enumerate() {
        let (state, role, kind) = states[i % states.len()];
        let due = today.checked_add_days(Days::new((i % 63) as u64)).and_then(|d| d.checked_sub_days(Days::new(21))).unwrap_or(today);
        batch.push(NewCase {
            household_id: h.id,
            region: h.hukou_region.clone(),
            kind,
            purpose: Purpose::Application,
            track: Track::Normal,
            state,
            applicant: h.head_name.clone(),
            opened_on: due - Days::new(20),
            accepted_on: Some(due - Days::new(20)),
            step_started_on: due - Days::new(5),
            step_due: Some(due),
            overall_due: Some(due + Days::new(20)),
            due_role: Some(role),
            department: (kind == AssistanceKind::Medical).then_some(Department::MedicalSecurity),
            contested: i % 17 == 0,
            near_relative: i % 29 == 0,
            extended: false,
            spot_check_required: false,
            benefit_id: None,
            details: CaseDetails {
                materials: materials_for(kind, Track::Normal, false, false),
                request: "基准测试".into(),
                ..Default::default()
            },
        });
        if batch.len() == 1_000 {
            store.insert_cases(&batch, &event).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.insert_cases(&batch, &event).await?;
    }
    store.analyze().await?;
    Ok(())
}

/// Logs in through the API and returns the session cookie.
async fn login(app: &axum::Router, username: &str, password: &str) -> Result<String, Failure> {
    use tower::ServiceExt;
    let req = axum::http::Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({"username": username, "password": password}).to_string()))?;
    let resp = app.clone().oneshot(req).await.map_err(|e| Failure::from(e.to_string()))?;
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

/// One backend: a county of `households`, `cases` open cases, then queue pages (HTML, through the
/// whole router: session, scope, SQL, template) requested `requests` times, `concurrency` at once.
pub async fn casework_bench(
    store: Arc<dyn Store>,
    households: usize,
    cases: usize,
    requests: usize,
    concurrency: usize,
) -> Result<serde_json::Value, Failure> {
    use tower::ServiceExt;
    let backend = store.backend();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid");
    let county = RegionCode::parse(jiuzhu_synth::Config::DEFAULT_COUNTY).expect("valid");
    eprintln!("[{backend}] loading {households} households…");
    let setup = crate::load::load_population(store.as_ref(), &county, households, 1, today).await?;
    eprintln!("[{backend}] opening {cases} cases…");
    let started = Instant::now();
    bench_cases(store.as_ref(), &county, cases, today).await?;
    let cases_s = started.elapsed().as_secs_f64();
    let accounts = crate::load::create_demo_accounts(store.as_ref(), &county).await?;
    let app = jiuzhu_web::router(jiuzhu_web::AppState::new(store.clone(), std::sync::Arc::new(jiuzhu_crypto::Keyring::generate("bench"))));
    // The queues of a town clerk, town investigator, town reviewer, the county approver and a liaison.
    let mut who = Vec::new();
    for prefix in ["window_clerk_1", "investigator_1", "town_reviewer_1", "county_approver_county", "department_liaison_county"] {
        if let Some(a) = accounts.iter().find(|a| a.username.starts_with(prefix) && !a.username.ends_with("_2")) {
            who.push((a.role.clone(), login(&app, &a.username, &a.password).await?));
        }
    }
    let who = Arc::new(who);
    let paths = ["/cases?bucket=todo", "/cases?bucket=soon", "/cases?bucket=overdue", "/api/v1/cases?bucket=todo"];
    eprintln!("[{backend}] {requests} queue requests, {concurrency} at a time…");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (app, who) = (app.clone(), who.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut bad = 0usize;
            let mut i = t;
            while i < requests {
                let (_, cookie) = &who[i % who.len()];
                let path = paths[(i / who.len()) % paths.len()];
                let req = axum::http::Request::get(path).header("cookie", cookie).body(axum::body::Body::empty()).expect("request");
                let s = Instant::now();
                match app.clone().oneshot(req).await {
                    Ok(r) if r.status().is_success() => {
                        let _ = axum::body::to_bytes(r.into_body(), usize::MAX).await;
                    }
                    _ => bad += 1,
                }
                lat.push(s.elapsed());
                i += concurrency;
            }
            (lat, bad)
        }));
    }
    let (mut lat, mut bad): (Vec<Duration>, usize) = (Vec::new(), 0);
    for t in tasks {
        let (l, b) = t.await?;
        lat.extend(l);
        bad += b;
    }
    let wall = started.elapsed();
    lat.sort();
    let p = |q: f64| crate::bench::percentile(&lat, q);
    eprintln!("[{backend}] queue p95 {:.1} ms", p(0.95));
    Ok(json!({
        "backend": backend,
        "households": households,
        "open_cases": cases,
        "setup_s": setup.as_secs_f64(),
        "cases_s": cases_s,
        "queue": {
            "requests": lat.len(),
            "failed": bad,
            "concurrency": concurrency,
            "roles": who.iter().map(|w| w.0.clone()).collect::<Vec<_>>(),
            "p50_ms": p(0.50),
            "p95_ms": p(0.95),
            "p99_ms": p(0.99),
            "max_ms": lat.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
            "requests_per_s": lat.len() as f64 / wall.as_secs_f64(),
            "measured_at": "HTTP router in-process: session, role and scope, counts and page of the queue, template",
        },
    }))
}
