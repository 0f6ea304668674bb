//! The payments endpoints (contracts/payments-v1.md) through the whole router: payrolls in scope,
//! one payroll with its sums, review and approval by different accounts with the password,
//! refusals with their status and words, a household's payments masked and scoped.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::StatusCode;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{FundSource, Programme};
use jiuzhu_domain::{Actor, BankAccount, Fen, RegionCode};
use jiuzhu_testkit::app::spawn_app;
use jiuzhu_testkit::conformance::payments::grant;
use jiuzhu_testkit::world::{PASSWORD, VILLAGE_A, VILLAGE_B};
use serde_json::json;

#[tokio::test]
async fn a_payroll_is_seen_in_scope_reviewed_and_approved_by_two_people() {
    let app = spawn_app().await;
    let month = month_start(app.state.clock.today());
    for (h, village, account) in [(app.in_a, VILLAGE_A, "6228480000000000018"), (app.in_b, VILLAGE_B, "6228480000000000026")] {
        let hh = app.store.household(h).await.unwrap().unwrap();
        let mut data = hh.data.clone();
        data.bank_account = Some(BankAccount { bank: "农村信用社".into(), account_no: account.into() });
        app.store.update_household(h, hh.version, &data, &[], &Actor::system("test")).await.unwrap();
        grant(app.store.as_ref(), h, village, 81_000, month).await;
    }
    let county = RegionCode::parse("620825").unwrap();
    let generated = app.state.payments.generate(None, &county, month).await.unwrap();
    let id = generated.iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0.id;

    let finance = app.login("finance_officer_county").await;
    let list = app.send(finance.get(&format!("/api/v1/payrolls?month={}", month.format("%Y-%m")))).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json.as_array().unwrap().len(), 3, "{}", list.text);
    let bad = app.send(finance.get("/api/v1/payrolls?month=2027-13")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let clerk = app.login("window_clerk_a").await;
    assert_eq!(app.send(clerk.get("/api/v1/payrolls")).await.status, StatusCode::FORBIDDEN);

    let one = app.send(finance.get(&format!("/api/v1/payrolls/{id}"))).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!((one.json["payroll"]["lines"].as_i64(), one.json["payroll"]["total_fen"].as_i64()), (Some(2), Some(162_000)));
    assert_eq!(one.json["by_town"].as_array().unwrap().len(), 2);
    // A town's reviewer sees the county payroll with its own town's part only.
    let town = app.login("town_reviewer_a").await;
    let part = app.send(town.get(&format!("/api/v1/payrolls/{id}"))).await;
    assert_eq!(part.json["by_town"].as_array().unwrap().iter().map(|t| t["key"].as_str().unwrap()).collect::<Vec<_>>(), ["620825100"]);

    let approver = app.login("county_approver_county").await;
    let approve = |pw: &str| approver.json("POST", &format!("/api/v1/payrolls/{id}/approve"), json!({"password": pw, "note": "同意"}));
    // The password first (typed right, it covers the next five minutes' decisions).
    let wrong = app.send(approve("wrong")).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.text);
    let early = app.send(approve(PASSWORD)).await;
    assert_eq!((early.status, early.json["error"].as_str()), (StatusCode::CONFLICT, Some("state")), "review first: {}", early.text);
    assert!(early.text.contains("不能县级审批"), "{}", early.text);
    let reviewer = app.login("town_reviewer_county").await;
    let reviewed = app.send(reviewer.json("POST", &format!("/api/v1/payrolls/{id}/review"), json!({"note": "已核对"}))).await;
    assert_eq!((reviewed.status, reviewed.json["state"].as_str()), (StatusCode::OK, Some("reviewed")), "{}", reviewed.text);
    let poor = app.send(approve(PASSWORD)).await;
    assert_eq!((poor.status, poor.json["error"].as_str()), (StatusCode::CONFLICT, Some("budget")), "{}", poor.text);
    app.state
        .payments
        .add_budget(None, FundSource::Central, Programme::Dibao, chrono::Datelike::year(&month), Fen::yuan(10_000), "测试预算")
        .await
        .unwrap();
    let approved = app.send(approve(PASSWORD)).await;
    assert_eq!((approved.status, approved.json["state"].as_str()), (StatusCode::OK, Some("approved")), "{}", approved.text);
    assert_eq!(approved.json["approved_by"].as_str(), Some("county_approver_county"));
    let late = app.send(approver.json("POST", &format!("/api/v1/payrolls/{id}/reject"), json!({"password": PASSWORD, "note": "x"}))).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "an approved payroll is not rejected");

    // A household's payments: masked, and only in scope.
    let own = app.send(clerk.get(&format!("/api/v1/households/{}/payments", app.in_a))).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let line = &own.json[0];
    assert_eq!((line["amount_fen"].as_i64(), line["state"].as_str()), (Some(81_000), Some("ready")));
    assert!(!own.text.contains("6228480000000000018"), "the account is masked: {}", own.text);
    assert_eq!(app.send(clerk.get(&format!("/api/v1/households/{}/payments", app.in_b))).await.status, StatusCode::NOT_FOUND);
}
