//! The holiday calendar page (issue 14): a system administrator imports a year, then a corrected
//! file of it; the page lists the cases whose deadlines moved (old → new) and every import kept
//! (source, importer, SHA-256); a built-in year is refused with its reason; other roles cannot
//! import.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::StatusCode;
use chrono::NaiveDate;
use jiuzhu_casework::service::IntakeInput;
use jiuzhu_domain::Role;
use jiuzhu_domain::casework::{AssistanceKind, Track, materials_for};
use jiuzhu_testkit::app::{Client, TestApp, spawn_app};

const WRONG: &str = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1","2027-01-11":"New Year's Day,元旦,1","2027-01-12":"New Year's Day,元旦,1","2027-01-13":"New Year's Day,元旦,1","2027-01-14":"New Year's Day,元旦,1","2027-01-15":"New Year's Day,元旦,1"},"workdays":{}}"#;
const CORRECTED: &str = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#;

async fn import(w: &TestApp, c: &Client, year: &str, content: &str, source: &str) -> (StatusCode, String) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf_token", &c.csrf)
        .append_pair("year", year)
        .append_pair("source", source)
        .append_pair("content", content)
        .finish();
    let a = w.send(c.form("/admin/calendar", &body)).await;
    (a.status, a.text)
}

#[tokio::test]
async fn a_corrected_year_shows_the_moved_cases_and_the_history() {
    let w = spawn_app().await;
    // 低保 accepted on 4 December 2026: its 30 working days run into 2027.
    let clerk = jiuzhu_testkit::world::user(1, Role::WindowClerk, "620825100");
    let received = materials_for(AssistanceKind::Dibao, Track::Normal, true, true).into_iter().map(|m| m.code).collect();
    let input = IntakeInput { kinds: vec![AssistanceKind::Dibao], received, request: "因病致贫".into(), ..Default::default() };
    let on = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let id = w.state.casework.intake(&clerk, w.in_a, &input, on).await.unwrap()[0];

    let admin = w.login("system_admin_county").await;
    let (status, page) = import(&w, &admin, "2027", WRONG, "国办发明电〔2026〕11号").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("0 个案件的期限已变更，1 个案件的期限已计算"), "{page}");
    assert!(page.contains(&format!("#{id}")) && page.contains("总期限 待定 → 2027-01-25"), "{page}");

    let (status, page) = import(&w, &admin, "2027", CORRECTED, "国办发明电〔2026〕12号").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("1 个案件的期限已变更"), "{page}");
    assert!(page.contains(&format!("href=\"/cases/{id}\"")) && page.contains("总期限 2027-01-25 → 2027-01-18"), "{page}");
    assert_eq!(w.store.case(id).await.unwrap().unwrap().data.overall_due, NaiveDate::from_ymd_opt(2027, 1, 18));

    // The history on the page: both imports, the first one's source kept.
    let page = w.send(admin.get("/admin/calendar")).await.text;
    let history = &page[page.find("id=\"imports\"").expect("the history table")..];
    let (second, first) = (history.find("国办发明电〔2026〕12号").unwrap(), history.find("国办发明电〔2026〕11号").unwrap());
    assert!(second < first, "newest first");
    assert!(history.contains(&jiuzhu_casework::service::calendar::sha256_hex(WRONG)), "{history}");

    // A year built into the program: refused, saying so.
    let (status, page) = import(&w, &admin, "2026", CORRECTED, "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("2026 年的节假日安排已内置于本程序"), "{page}");

    let clerk = w.login("window_clerk_a").await;
    assert_eq!(w.send(clerk.get("/admin/calendar")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(import(&w, &clerk, "2027", WRONG, "x").await.0, StatusCode::FORBIDDEN);
    assert_eq!(w.store.calendar_imports(10).await.unwrap().len(), 2, "nothing stored by the refusals");
}
