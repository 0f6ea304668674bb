//! Department data and monitoring pages end to end: a county clerk uploads a file (bad rows
//! reported, nothing stored; the same file twice changes nothing); town staff cannot import;
//! the pools show in scope with their reasons, and a village assistant records a visit.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use jiuzhu_domain::RegionCode;
use jiuzhu_store::{MonitoringEntry, MonitoringPool, MonitoringReason};
use jiuzhu_testkit::app::{Client, spawn_app};

/// Status, and the redirect's target or else the body text.
async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let a = jiuzhu_testkit::app::send(app, req).await;
    (a.status, a.location().map(str::to_string).unwrap_or(a.text))
}

fn upload(c: &Client, feed: &str, file_name: &str, bytes: &[u8]) -> Request<Body> {
    c.upload("/feeds", &[("feed", feed)], "file", file_name, bytes)
}

/// Uploads a file and follows its background import to the end, as the page does: the job's
/// part of the page when it has finished.
async fn import(app: &Router, c: &Client, feed: &str, file_name: &str, bytes: &[u8]) -> String {
    let (status, location) = send(app, upload(c, feed, file_name, bytes)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let job = location.strip_prefix("/feeds?job=").expect("the page that follows the job");
    for _ in 0..200 {
        let (status, part) = send(app, c.get(&format!("/feeds/jobs/{job}"))).await;
        assert_eq!(status, StatusCode::OK, "{part}");
        if part.contains("data-job-state=\"finished\"") || part.contains("data-job-state=\"failed\"") {
            return part;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the import did not finish");
}

fn medical() -> MonitoringReason {
    MonitoringReason {
        kind: "large_medical".into(),
        zh: "大额医疗费用自付".into(),
        member: None,
        evidence: "医保：近12个月个人自付医疗费用 45,000.00 元".into(),
        on: None,
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

#[tokio::test]
async fn a_county_clerk_imports_a_file_whole_once_and_bad_files_not_at_all() {
    let w = spawn_app().await;
    let h = w.store.household(w.in_a).await.unwrap().unwrap();
    let id = h.members[1].data.id_number.as_str().to_string();
    let clerk = w.login("window_clerk_county").await;
    let (status, page) = send(&w.app, clerk.get("/feeds")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("公安·死亡注销") && page.contains("尚未导入部门数据"), "{page}");

    // A bad row: the whole file is refused, row and column named, nothing stored.
    let bad = format!("公民身份号码,死亡日期\n{id},2026-01-05\n123,2026-01-06\n");
    let page = import(&w.app, &clerk, "deaths", "deaths.csv", bad.as_bytes()).await;
    assert!(page.contains("未导入任何数据") && page.contains("id_number"), "{page}");
    assert!(page.contains("<td class=\"num\">3</td>"), "row 3 is named: {page}");
    assert!(w.store.feed_imports(10).await.unwrap().is_empty());

    // GBK with Chinese headers, the way a 公安 office sends it.
    let good = format!("公民身份号码,死亡日期\n{id},2026-01-05\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&good);
    let page = import(&w.app, &clerk, "deaths", "deaths.csv", &gbk).await;
    assert!(page.contains("已导入") && page.contains("新增 1"), "{page}");
    let page = import(&w.app, &clerk, "deaths", "deaths.csv", &gbk).await;
    assert!(page.contains("此前已导入，未作任何更改"), "{page}");
    // The page lists the import; the uploaded file is gone from the server.
    let (_, page) = send(&w.app, clerk.get("/feeds")).await;
    assert!(page.contains("deaths.csv"), "{page}");
    let uploads = w.dir.path().join("uploads");
    let left: Vec<_> = walk(&uploads);
    assert!(left.is_empty(), "uploads are removed when their job ends: {left:?}");
    let imports = w.store.feed_imports(10).await.unwrap();
    assert_eq!((imports.len(), imports[0].new_rows), (1, 1));
    assert_eq!(w.store.feed_records_of(&[id]).await.unwrap().len(), 1);

    // A town clerk (scope: one town) does not import county data; an auditor not at all.
    for user in ["window_clerk_a", "auditor_county", "village_assistant_a"] {
        let c = w.login(user).await;
        let (status, _) = send(&w.app, c.get("/feeds")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let (status, _) = send(&w.app, upload(&c, "deaths", "deaths.csv", good.as_bytes())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
}

#[tokio::test]
async fn monitoring_pools_show_in_scope_with_reasons_and_a_visit_moves_the_next_one() {
    let w = spawn_app().await;
    // The server's day is Beijing's (at 00:30 Beijing the machine's UTC date is still yesterday).
    let today = jiuzhu_domain::clock::beijing_date(chrono::Utc::now());
    let entry = |h: i64, region: &str, pool| MonitoringEntry {
        household_id: h,
        region: RegionCode::parse(region).unwrap(),
        pool,
        reasons: vec![medical()],
        referrals: vec!["医疗救助（医保部门）".into()],
        assessment: "最低生活保障（低保）：初步符合".into(),
        found_on: today,
        next_visit_on: today,
        updated_at: Utc::now(),
    };
    w.store
        .put_monitoring(&[entry(w.in_a, "620825100201", MonitoringPool::Likely), entry(w.in_b, "620825101201", MonitoringPool::Watch)])
        .await
        .unwrap();
    let name_a = w.store.household(w.in_a).await.unwrap().unwrap().head().data.name.clone();
    let name_b = w.store.household(w.in_b).await.unwrap().unwrap().head().data.name.clone();

    let va = w.login("village_assistant_a").await;
    let (status, page) = send(&w.app, va.get("/monitoring")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&name_a) && !page.contains(&name_b), "town A sees only its household");
    assert!(page.contains("大额医疗费用自付") && page.contains("45,000.00 元") && page.contains("医疗救助（医保部门）"), "{page}");
    assert!(page.contains("id=\"likely-count\">1<") && page.contains("id=\"watch-count\">0<"), "{page}");
    let (_, page) = send(&w.app, va.get("/monitoring?due=1")).await;
    assert!(page.contains(&name_a), "the visit is due today");

    // A visit: the next one is due in three months; out of scope it is refused.
    let (status, location) = send(&w.app, va.form(&format!("/monitoring/{}/visit", w.in_a), "note=%E5%B7%B2%E8%B5%B0%E8%AE%BF")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let e = w.store.monitoring_entry(w.in_a).await.unwrap().unwrap();
    assert_eq!(e.next_visit_on, today.checked_add_months(chrono::Months::new(3)).unwrap());
    let (status, _) = send(&w.app, va.form(&format!("/monitoring/{}/visit", w.in_b), "note=x1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(w.store.monitoring_entry(w.in_b).await.unwrap().unwrap().next_visit_on, today);

    let county = w.login("county_approver_county").await;
    let (_, page) = send(&w.app, county.get("/monitoring?pool=watch")).await;
    assert!(page.contains(&name_b) && !page.contains(&name_a), "{page}");
    let auditor = w.login("auditor_county").await;
    assert_eq!(send(&w.app, auditor.get("/monitoring")).await.0, StatusCode::FORBIDDEN);
}

/// Percent-decodes a redirect's `notice=` (what the page shows).
fn notice(location: &str) -> String {
    let q = location.split_once("notice=").map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(format!("n={q}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

#[tokio::test]
async fn a_clerk_refers_a_household_found_by_its_medical_bills_to_the_medical_security_liaison() {
    let w = spawn_app().await;
    // The server's day is Beijing's (at 00:30 Beijing the machine's UTC date is still yesterday).
    let today = jiuzhu_domain::clock::beijing_date(chrono::Utc::now());
    let entry = |h: i64, region: &str| MonitoringEntry {
        household_id: h,
        region: RegionCode::parse(region).unwrap(),
        pool: MonitoringPool::Likely,
        reasons: vec![
            medical(),
            MonitoringReason {
                kind: "new_severe_disability".into(),
                zh: "新增重度残疾".into(),
                member: Some("王建国".into()),
                evidence: "残联：2026-04-29 核发一级残疾人证".into(),
                on: None,
            },
        ],
        referrals: vec!["医疗救助（医保部门）".into(), "困难残疾人生活补贴和重度残疾人护理补贴（残联）".into()],
        assessment: "最低生活保障（低保）：初步符合".into(),
        found_on: today,
        next_visit_on: today,
        updated_at: Utc::now(),
    };
    w.store.put_monitoring(&[entry(w.in_a, "620825100201"), entry(w.in_b, "620825101201")]).await.unwrap();
    let clerk = w.login("window_clerk_a").await;
    let (_, page) = send(&w.app, clerk.get("/monitoring")).await;
    assert!(page.contains("转介医疗救助") && page.contains("/refer"), "the clerk is offered the referral: {page}");
    assert!(!page.contains("转介就业救助"), "and only the ones the reasons call for");

    let refer = |h: i64, kind: &str| clerk.form(&format!("/monitoring/{h}/refer"), &format!("kind={kind}"));
    let (status, location) = send(&w.app, refer(w.in_a, "medical")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(notice(&location).starts_with("已转介：医疗救助，案件 #"), "{}", notice(&location));
    let cases = w.store.household_cases(w.in_a).await.unwrap();
    assert_eq!(cases.len(), 1);
    let case = w.store.case(cases[0].id).await.unwrap().unwrap();
    assert_eq!(case.data.kind, jiuzhu_domain::casework::AssistanceKind::Medical);
    assert_eq!(case.data.state, jiuzhu_domain::casework::CaseState::Referred);
    assert_eq!(case.data.department, Some(jiuzhu_domain::casework::Department::MedicalSecurity));
    let reason = &case.data.details.referral.as_ref().unwrap().reason;
    assert!(reason.contains("主动发现转介") && reason.contains("45,000.00 元") && !reason.contains("残联"), "{reason}");

    // Twice: refused, naming the open case; a referral the reasons do not call for: refused.
    let (_, location) = send(&w.app, refer(w.in_a, "medical")).await;
    assert!(notice(&location).contains("不能重复受理"), "{}", notice(&location));
    let (_, location) = send(&w.app, refer(w.in_a, "employment")).await;
    assert!(notice(&location).contains("不涉及"), "{}", notice(&location));
    assert_eq!(w.store.household_cases(w.in_a).await.unwrap().len(), 1);

    // Another town's household: not found; a village assistant does not open cases.
    assert_eq!(send(&w.app, refer(w.in_b, "medical")).await.0, StatusCode::NOT_FOUND);
    let va = w.login("village_assistant_a").await;
    assert_eq!(send(&w.app, va.form(&format!("/monitoring/{}/refer", w.in_a), "kind=medical")).await.0, StatusCode::FORBIDDEN);
    let (_, page) = send(&w.app, va.get("/monitoring")).await;
    assert!(!page.contains("/refer"), "no referral button for the village assistant");
    assert!(w.store.household_cases(w.in_b).await.unwrap().is_empty());
}
