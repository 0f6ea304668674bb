//! `jiuzhu bench casework`: case queues under load, on both backends.

use crate::Failure;
use chrono::{Days, NaiveDate};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Actor, RegionCode, Role};
use jiuzhu_store::{HouseholdFilter, HouseholdQuery, NewCase, NewCaseEvent, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        actor: Actor::system("bench"),
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
    let resp = app.clone().oneshot(req).await?;
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

/// One backend: a county of `households`, `cases` open cases, then queue pages (HTML, through the
/// whole router: session, scope, SQL, template) requested `requests` times, `concurrency` at once.
#[allow(clippy::expect_used, reason = "constant dates, codes and requests")]
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
    let setup = crate::population::load_population(store.as_ref(), &county, households, 1, today).await?;
    eprintln!("[{backend}] opening {cases} cases…");
    let started = Instant::now();
    bench_cases(store.as_ref(), &county, cases, today).await?;
    let cases_s = started.elapsed().as_secs_f64();
    let accounts = crate::population::create_demo_accounts(store.as_ref(), &county).await?;
    let uploads = tempfile::tempdir()?;
    let state = jiuzhu_web::AppState::new(store.clone(), crate::measure::bench_keys(), jiuzhu_web::Settings::new(uploads.path()))?;
    let app = jiuzhu_web::router(state);
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
    let p = |q: f64| crate::measure::percentile(&lat, q);
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
