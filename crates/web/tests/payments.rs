//! The payments endpoints (contracts/payments-v1.md) through the whole router: payrolls in scope,
//! one payroll with its sums, review and approval by different accounts with the password,
//! refusals with their status and words, a household's payments masked and scoped.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{FundSource, Programme, month_label};
use jiuzhu_domain::{Actor, BankAccount, Fen, RegionCode};
use jiuzhu_testkit::app::spawn_app;
use jiuzhu_testkit::conformance::payments::grant;
use jiuzhu_testkit::world::{PASSWORD, VILLAGE_A, VILLAGE_B};
use serde_json::json;

/// A household in each of the two test towns granted 低保 from `month`, with an account; the
/// month's payrolls generated. Returns the 低保 payroll's id and the 临时救助 one's.
async fn two_towns_paid(app: &jiuzhu_testkit::app::TestApp, month: chrono::NaiveDate) -> (i64, i64) {
    for (h, village, account) in [(app.in_a, VILLAGE_A, "6228480000000000018"), (app.in_b, VILLAGE_B, "6228480000000000026")] {
        let hh = app.store.household(h).await.unwrap().unwrap();
        let mut data = hh.data.clone();
        data.bank_account = Some(BankAccount { bank: "农村信用社".into(), account_no: account.into() });
        app.store.update_household(h, hh.version, &data, &[], &Actor::system("test")).await.unwrap();
        grant(app.store.as_ref(), h, village, 81_000, month).await;
    }
    let county = RegionCode::parse("620825").unwrap();
    let generated = app.state.payments.generate(None, &county, month).await.unwrap();
    let of = |programme| generated.iter().find(|(p, _)| p.programme == programme).unwrap().0.id;
    (of(Programme::Dibao), of(Programme::Temporary))
}

#[tokio::test]
async fn a_payroll_is_seen_in_scope_reviewed_and_approved_by_two_people() {
    let app = spawn_app().await;
    let month = month_start(app.state.clock.today());
    let (id, temporary) = two_towns_paid(&app, month).await;

    let finance = app.login("finance_officer_county").await;
    let list = app.send(finance.get(&format!("/api/v1/payrolls?month={}", month.format("%Y-%m")))).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json.as_array().unwrap().len(), 4, "{}", list.text);
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

    // The finance officer's pages: the list with the month's payrolls, a bad month named, the bank
    // file downloaded once after the password, the bank's answer uploaded.
    let page = app.send(finance.get("/payrolls")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("生成清册") && page.text.contains(&format!("/payrolls/{id}")), "{}", page.text);
    let bad = app.send(finance.form("/payrolls", "month=2027-13")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("2027-13") && bad.text.contains("格式不正确"), "{}", bad.text);
    let detail = app.send(finance.get(&format!("/payrolls/{id}"))).await;
    assert!(detail.text.contains("报盘") && detail.text.contains("620825100"), "{}", detail.text);
    let wrong = app.send(finance.form(&format!("/payrolls/{id}/export"), "layout=pipe-gbk&password=wrong")).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "nothing is handed out without the password");
    let file = app.send(finance.form(&format!("/payrolls/{id}/export"), &format!("layout=pipe-gbk&password={PASSWORD}"))).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text);
    assert!(file.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    // GBK: the test's client reads the body as UTF-8, so only its ASCII parts are compared here
    // (the payments crate's tests decode the GBK).
    let text = &file.text;
    assert!(text.lines().next().unwrap().ends_with("|2|1620.00"), "{text}");
    assert!(text.contains("6228480000000000018"), "the bank file carries the full account");
    let again = app.send(finance.form(&format!("/payrolls/{id}/export"), "layout=pipe-gbk")).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "handed out once");
    assert!(again.text.contains("不能报盘"), "{}", again.text);
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let mut ret = String::from("reference,account,amount,result,reason\n");
    for (i, l) in lines.iter().enumerate() {
        let f: Vec<&str> = l.split('|').collect();
        ret.push_str(&format!(
            "{},{},{},{},{}\n",
            f[0],
            f[3],
            f[2],
            if i == 0 { "成功" } else { "失败" },
            if i == 0 { "" } else { "户名不符" }
        ));
    }
    let done = app.send(finance.upload(&format!("/payrolls/{id}/returns"), &[], "file", "return.csv", ret.as_bytes())).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("到账 1 笔，失败 1 笔"), "{}", done.text);
    assert!(done.text.contains("户名不符") && done.text.contains("已对账"), "the failed line with the bank's reason: {}", done.text);

    // 发放名单公示: the approved list, names masked, no account or ID number; a town's part only.
    let notice = app.send(finance.get(&format!("/payrolls/{id}/publicity"))).await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.text);
    assert!(notice.text.contains("发放名单公示") && notice.text.contains("王*国") && notice.text.contains("1620.00"), "{}", notice.text);
    assert!(!notice.text.contains("6228480000000000018") && !notice.text.contains("王建国"), "masked: {}", notice.text);
    let town_notice = app.send(town.get(&format!("/payrolls/{id}/publicity"))).await;
    assert!(town_notice.text.contains("王*国") && !town_notice.text.contains("赵*"), "a town posts its own villages: {}", town_notice.text);
    // The residents' notice board posts the town's part of the approved list; not the list not approved.
    let board = app.send(Request::get("/m/notices?region=620825100").body(Body::empty()).unwrap()).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.text);
    assert!(
        board.text.contains("王*国") && board.text.contains("810.00 元") && !board.text.contains("赵*"),
        "the town A part only: {}",
        board.text
    );
    assert!(board.text.contains("（何马村）"), "the village as the database names it: {}", board.text);
    assert!(!board.text.contains("6228480000000000018") && !board.text.contains("王建国"), "masked: {}", board.text);
    assert!(!board.text.contains("临时救助发放名单"), "the temporary payroll is not approved: {}", board.text);

    // 作废 with a reason, before the money left.
    let no_reason = app.send(finance.form(&format!("/payrolls/{temporary}/decide"), "action=cancel&note=")).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text.contains("请填写作废原因"), "{}", no_reason.text);
    let cancelled =
        app.send(finance.form(&format!("/payrolls/{temporary}/decide"), "action=cancel&note=%E5%90%8D%E5%8D%95%E6%9C%89%E8%AF%AF")).await;
    assert_eq!(cancelled.location(), Some(format!("/payrolls/{temporary}").as_str()));
    let after = app.send(finance.get(&format!("/api/v1/payrolls/{temporary}"))).await;
    assert_eq!((after.json["payroll"]["state"].as_str(), after.json["payroll"]["note"].as_str()), (Some("cancelled"), Some("名单有误")));
    let not_posted = app.send(finance.get(&format!("/payrolls/{temporary}/publicity"))).await;
    assert_eq!(not_posted.status, StatusCode::UNPROCESSABLE_ENTITY, "a list not approved is not posted");
    assert!(not_posted.text.contains("审批通过后才能公示"), "{}", not_posted.text);

    // A household's payments: masked, and only in scope.
    let own = app.send(clerk.get(&format!("/api/v1/households/{}/payments", app.in_a))).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let line = &own.json[0];
    assert_eq!((line["amount_fen"].as_i64(), line["state"].as_str()), (Some(81_000), Some("paid")));
    assert!(!own.text.contains("6228480000000000018"), "the account is masked: {}", own.text);
    assert_eq!(app.send(clerk.get(&format!("/api/v1/households/{}/payments", app.in_b))).await.status, StatusCode::NOT_FOUND);
    // The household's page shows its 发放记录, masked; a clerk gets no link into the payroll.
    let page = app.send(clerk.get(&format!("/households/{}", app.in_a))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("发放记录") && page.text.contains("810.00") && page.text.contains("已到账"), "{}", page.text);
    assert!(!page.text.contains("6228480000000000018") && !page.text.contains("/payrolls/"), "masked, no payroll link for a clerk");
    let page = app.send(approver.get(&format!("/households/{}", app.in_a))).await;
    assert!(page.text.contains(&format!("/payrolls/{id}")), "the approver opens the payroll from the line");
}

#[tokio::test]
async fn receivables_page_records_a_fraud_decision_and_a_refund_naming_each_field() {
    let app = spawn_app().await;
    let approver = app.login("county_approver_county").await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // Nothing read: every field named in words, what was typed kept (the password never).
    let bad = app
        .send(approver.form(
            "/receivables",
            &format!("household_id=abc&programme=&amount=1.234&note={}&password={PASSWORD}", enc("庄民发〔2027〕3号")),
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    for words in ["家庭编号", "救助类型", "金额", "庄民发〔2027〕3号"] {
        assert!(bad.text.contains(words), "{words}: {}", bad.text);
    }
    assert!(!bad.text.contains(PASSWORD));
    let body = format!(
        "household_id={}&programme=dibao&amount=1200.00&note={}&password={PASSWORD}",
        app.in_a,
        enc("庄民发〔2027〕3号：隐瞒经营收入")
    );
    let ok = app.send(approver.form("/receivables", &body)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    // Another town's household is not found for a town's approver.
    let town_b = app.login("county_approver_b").await;
    let other = app
        .send(town_b.form("/receivables", &format!("household_id={}&programme=dibao&amount=10&note=x&password={PASSWORD}", app.in_a)))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text);
    let listed = app.send(town_b.get("/receivables")).await;
    assert!(listed.text.contains("没有应追回款"), "{}", listed.text);

    let finance = app.login("finance_officer_county").await;
    let page = app.send(finance.get("/receivables")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("1,200.00") || page.text.contains("1200.00"), "{}", page.text);
    let id = app.store.receivables(&RegionCode::parse("620825").unwrap(), None).await.unwrap()[0].id;
    let over =
        app.send(finance.form(&format!("/receivables/{id}/refund"), &format!("version=1&amount=1300&memo={}", enc("缴款书 001")))).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.text.contains("尚欠") && over.text.contains("缴款书 001"), "the row's error and what was typed: {}", over.text);
    let done =
        app.send(finance.form(&format!("/receivables/{id}/refund"), &format!("version=1&amount=200&memo={}", enc("缴款书 001")))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let after = app.send(finance.get("/receivables")).await;
    assert!(after.text.contains("1,000.00") || after.text.contains("1000.00"), "{}", after.text);
    // The household's page says what it owes back, to those who read households (a clerk of its town).
    let clerk = app.login("window_clerk_a").await;
    let page = app.send(clerk.get(&format!("/households/{}", app.in_a))).await;
    assert!(page.text.contains("应追回款") && page.text.contains("隐瞒经营收入"), "{}", page.text);
    // A clerk has no such page.
    assert_eq!(app.send(clerk.get("/receivables")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_standby_fund_page_sets_up_pays_and_replenishes_keeping_what_was_typed() {
    let app = spawn_app().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let finance = app.login("finance_officer_county").await;
    let bad = app.send(finance.form("/standby/imprest", "town=620825100&imprest=5000&payment_limit=abc")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("单笔限额"), "the field named: {}", bad.text);
    let ok = app.send(finance.form("/standby/imprest", "town=620825100&imprest=5000&payment_limit=2000")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let town = app.login("town_reviewer_a").await;
    let reason = enc("房屋失火，先行救助");
    let over = app.send(town.form("/standby", &format!("household_id={}&amount=2000.01&reason={reason}", app.in_a))).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.text.contains("超过单笔限额") && over.text.contains("房屋失火，先行救助"), "why, and what was typed: {}", over.text);
    // A case number that is no case of this household's 临时救助: named, what was typed kept.
    let no_case = app.send(town.form("/standby", &format!("household_id={}&amount=1500&reason={reason}&case_id=%23abc", app.in_a))).await;
    assert_eq!(no_case.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_case.text.contains("案件编号") && no_case.text.contains("#abc"), "{}", no_case.text);
    let paid = app.send(town.form("/standby", &format!("household_id={}&amount=1500&reason={reason}&case_id=", app.in_a))).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.text);
    let page = app.send(town.get("/standby")).await;
    assert!(page.text.contains("3500.00") && page.text.contains("待报账"), "{}", page.text);
    // Another town's reviewer sees no fund and no household of town A.
    let other = app.login("town_reviewer_b").await;
    assert!(app.send(other.get("/standby")).await.text.contains("尚未设立"));
    let denied = app.send(other.form("/standby", &format!("household_id={}&amount=10&reason=x", app.in_a))).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    // Replenished by the county with the password, from the 临时救助 budget.
    let year = chrono::Datelike::year(&app.state.clock.today());
    app.state.payments.add_budget(None, FundSource::Central, Programme::Temporary, year, Fen::yuan(10_000), "临时救助资金").await.unwrap();
    let wrong = app.send(finance.form("/standby/replenish", "town=620825100&password=wrong")).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = app.send(finance.form("/standby/replenish", &format!("town=620825100&password={PASSWORD}"))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert!(!app.send(finance.get("/standby")).await.text.contains("<strong>待报账</strong>"));
    let clerk = app.login("window_clerk_a").await;
    assert_eq!(app.send(clerk.get("/standby")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn excel_copies_hold_the_lists_masked_with_a_watermark() {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app().await;
    let month = month_start(app.state.clock.today());
    let hh = app.store.household(app.in_a).await.unwrap().unwrap();
    let mut data = hh.data.clone();
    data.bank_account = Some(BankAccount { bank: "农村信用社".into(), account_no: "6228480000000000018".into() });
    app.store.update_household(app.in_a, hh.version, &data, &[], &Actor::system("test")).await.unwrap();
    grant(app.store.as_ref(), app.in_a, VILLAGE_A, 81_000, month).await;
    let county = RegionCode::parse("620825").unwrap();
    let generated = app.state.payments.generate(None, &county, month).await.unwrap();
    let id = generated.iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0.id;
    let finance = app.login("finance_officer_county").await;
    let file = app.send(finance.get(&format!("/payrolls/{id}/lines.xlsx"))).await;
    assert_eq!(file.status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(file.bytes.clone())).unwrap();
    let sheet = book.worksheet_range("发放明细").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(matches!(sheet.get_value((0, 0)), Some(Data::String(w)) if w.contains("finance_officer_county")), "watermark");
    assert_eq!(sheet.get_value((2, 8)), Some(&Data::Float(810.0)));
    assert!(cells.iter().all(|c| !c.contains("6228480000000000018")), "no full account: {cells:?}");
    let head = app.store.household(app.in_a).await.unwrap().unwrap().members[0].data.name.clone();
    assert!(cells.iter().all(|c| *c != head), "no full name");
    // Out of scope or without the role: nothing.
    let clerk = app.login("window_clerk_a").await;
    assert_eq!(app.send(clerk.get(&format!("/payrolls/{id}/lines.xlsx"))).await.status, StatusCode::FORBIDDEN);
    for path in ["/receivables.xlsx", "/standby.xlsx"] {
        let f = app.send(finance.get(path)).await;
        assert_eq!(f.status, StatusCode::OK, "{path}");
        assert!(calamine::open_workbook_from_rs::<Xlsx<_>, _>(std::io::Cursor::new(f.bytes.clone())).is_ok(), "{path}");
    }
}

/// 暂停发放 (issue 16 §9): a town reviewer holds a reviewed household's payments on the review's
/// page; the payroll shows the line held, its release is refused with what happens instead, and
/// approval cancels it.
#[tokio::test]
async fn a_review_holds_payments_from_its_page_and_the_payroll_shows_the_line_held() {
    let app = spawn_app().await;
    let today = app.state.clock.today();
    let hh = app.store.household(app.in_a).await.unwrap().unwrap();
    let mut data = hh.data.clone();
    data.bank_account = Some(BankAccount { bank: "农村信用社".into(), account_no: "6228480000000000018".into() });
    app.store.update_household(app.in_a, hh.version, &data, &[], &Actor::system("test")).await.unwrap();
    grant(app.store.as_ref(), app.in_a, VILLAGE_A, 81_000, month_start(today)).await;
    let benefit = app.store.household_benefits(app.in_a).await.unwrap()[0].id;
    let clerk = app.login("window_clerk_a").await;
    let opened =
        app.send(clerk.form(&format!("/benefits/{benefit}/report"), "kind=change&note=%E8%81%94%E7%B3%BB%E4%B8%8D%E4%B8%8A")).await;
    let case_page = opened.location().expect("the review's page").to_string();
    let case_id: i64 = case_page.trim_start_matches("/cases/").parse().unwrap();
    assert!(!app.send(clerk.get(&case_page)).await.text.contains("hold_payments"), "the clerk is not offered the hold");
    let town = app.login("town_reviewer_a").await;
    let page = app.send(town.get(&case_page)).await;
    assert!(page.text.contains("value=\"hold_payments\"") && page.text.contains("复核期间暂停发放"), "{}", page.text);
    let version = app.store.case(case_id).await.unwrap().unwrap().version;
    // A blank reason is refused, naming it; nothing is held.
    let blank = app.send(town.form(&format!("/cases/{case_id}/step"), &format!("version={version}&action=hold_payments&reason=+"))).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", blank.text);
    assert_eq!(app.store.benefit(benefit).await.unwrap().unwrap().held_from, None);
    let held = app
        .send(town.form(
            &format!("/cases/{case_id}/step"),
            &format!("version={version}&action=hold_payments&reason=%E8%81%94%E7%B3%BB%E4%B8%8D%E4%B8%8A"),
        ))
        .await;
    assert_eq!(held.location(), Some(case_page.as_str()), "{}", held.text);
    let next = month_start(today).checked_add_months(chrono::Months::new(1)).unwrap();
    assert_eq!(app.store.benefit(benefit).await.unwrap().unwrap().held_from, Some(next));
    let page = app.send(town.get(&case_page)).await;
    assert!(
        page.text.contains(&format!("自 {} 起暂停：联系不上", next.format("%Y-%m"))) && page.text.contains("value=\"release_payments\"")
    );
    // Next month's payroll: the line is there, held; released by hand it is refused, saying why.
    let county = RegionCode::parse("620825").unwrap();
    let generated = app.state.payments.generate(None, &county, next).await.unwrap();
    let id = generated.iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0.id;
    let finance = app.login("finance_officer_county").await;
    let payroll = app.send(finance.get(&format!("/payrolls/{id}"))).await;
    assert!(payroll.text.contains("复核期间暂停发放（复核后补发或停发）"), "{}", payroll.text);
    let line = app.store.payroll_lines(id, &county, None, 0, 10).await.unwrap()[0].id;
    let release =
        app.send(finance.form(&format!("/payrolls/{id}/lines/{line}"), "decision=release&note=%E5%B7%B2%E6%A0%B8%E5%AE%9E")).await;
    assert!(release.text.contains("复核期间暂停发放的明细不能直接放行"), "{}", release.text);
}

/// 乡镇审核 per town (issue 16 §5): each town's reviewer reviews its own part on the payroll page;
/// the page says which towns have reviewed; the last town's review sends the payroll to approval.
#[tokio::test]
async fn each_town_reviews_its_own_part_and_the_last_sends_the_payroll_on() {
    let app = spawn_app().await;
    let month = month_start(app.state.clock.today());
    let (id, _) = two_towns_paid(&app, month).await;
    let town_a = app.login("town_reviewer_a").await;
    let page = app.send(town_a.get(&format!("/payrolls/{id}"))).await;
    assert!(page.text.contains("审核本乡镇部分") && page.text.contains("待审核"), "{}", page.text);
    assert!(
        page.text.contains("合计（全县）") && page.text.contains("本乡镇按状态"),
        "a town's own sums are said to be its own: {}",
        page.text
    );
    let done = app.send(town_a.form(&format!("/payrolls/{id}/decide"), "action=review&note=%E5%B7%B2%E6%A0%B8%E5%AF%B9")).await;
    assert!(done.status.is_redirection() || done.status.is_success(), "{}", done.text);
    let payroll = app.store.payroll(id).await.unwrap().unwrap();
    assert_eq!(payroll.state.as_str(), "generated", "one town of two");
    let page = app.send(town_a.get(&format!("/payrolls/{id}"))).await;
    assert!(page.text.contains("town_reviewer_a") && !page.text.contains("value=\"review\""), "reviewed once: {}", page.text);
    let again = app.send(town_a.json("POST", &format!("/api/v1/payrolls/{id}/review"), json!({"note": "再审"}))).await;
    assert!(again.text.contains("本乡镇的部分已审核过"), "{}", again.text);
    let town_b = app.login("town_reviewer_b").await;
    let last = app.send(town_b.json("POST", &format!("/api/v1/payrolls/{id}/review"), json!({"note": "已核对"}))).await;
    assert_eq!((last.status, last.json["state"].as_str()), (StatusCode::OK, Some("reviewed")), "{}", last.text);
    let view = app.send(town_b.get(&format!("/api/v1/payrolls/{id}"))).await;
    let towns: Vec<&str> = view.json["town_reviews"].as_array().unwrap().iter().map(|t| t["by"].as_str().unwrap()).collect();
    assert_eq!(towns, ["town_reviewer_b"], "a town's view names its own sign-off: {}", view.text);
    let finance = app.login("finance_officer_county").await;
    let page = app.send(finance.get(&format!("/payrolls/{id}"))).await;
    assert!(page.text.contains("town_reviewer_a") && page.text.contains("town_reviewer_b"), "{}", page.text);
}

#[tokio::test]
async fn the_county_approver_checks_a_rise_then_applies_it_once_with_the_password() {
    let app = spawn_app().await;
    let today = app.state.clock.today();
    grant(app.store.as_ref(), app.in_a, VILLAGE_A, 81_000, month_start(today)).await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let month = month_start(today).format("%Y-%m").to_string();
    let approver = app.login("county_approver_county").await;
    assert_eq!(app.send(approver.get("/rises")).await.status, StatusCode::OK);
    // Nothing readable: each field named in words, what was typed kept.
    let bad = app
        .send(approver.form("/rises", &format!("programme=&from_month=2027年1月&per_person=abc&notice={}", enc("甘民发〔2027〕5号"))))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    for words in ["救助类型", "月份", "金额", "甘民发〔2027〕5号"] {
        assert!(bad.text.contains(words), "{words}: {}", bad.text);
    }
    let body = format!("programme=dibao&from_month={month}&per_person=20&notice={}", enc("甘民发〔2027〕5号"));
    let preview = app.send(approver.form("/rises", &body)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert!(preview.text.contains("将调整 1 户") && preview.text.contains("确认执行提标"), "{}", preview.text);
    let amount = |app: &jiuzhu_testkit::app::TestApp| {
        let store = app.store.clone();
        let h = app.in_a;
        async move { store.household_benefits(h).await.unwrap()[0].monthly_amount }
    };
    assert_eq!(amount(&app).await, Fen(81_000), "checking writes nothing");
    let wrong = app.send(approver.form("/rises", &format!("{body}&confirm=1&password=wrong"))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.text);
    let done = app.send(approver.form("/rises", &format!("{body}&confirm=1&password={PASSWORD}"))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("已执行") && done.text.contains("甘民发〔2027〕5号"), "{}", done.text);
    assert!(amount(&app).await > Fen(81_000));
    let again = app.send(approver.form("/rises", &format!("{body}&confirm=1&password={PASSWORD}"))).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("已在本县执行过"), "{}", again.text);
    // The finance officer may read payments, not raise them.
    let finance = app.login("finance_officer_county").await;
    assert_eq!(app.send(finance.get("/rises")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_households_payments_say_which_months_an_adjustment_makes_up() {
    let app = spawn_app().await;
    let month = month_start(app.state.clock.today());
    grant(app.store.as_ref(), app.in_a, VILLAGE_A, 81_000, month).await;
    let earlier = month.checked_sub_months(chrono::Months::new(2)).unwrap();
    let payroll = jiuzhu_store::NewPayroll {
        region: RegionCode::parse("620825").unwrap(),
        programme: Programme::Dibao,
        month,
        rule_version: "test".into(),
        by: Actor::system("test"),
    };
    let mut build = |src: &[jiuzhu_store::PayrollSource]| {
        let mut lines = jiuzhu_testkit::conformance::payments::regular(month, 0)(src).lines;
        for l in &mut lines {
            l.kind = jiuzhu_domain::payment::LineKind::Adjustment;
            l.amount = Fen(5_000);
            l.parts = vec![(earlier, Fen(2_500)), (earlier.checked_add_months(chrono::Months::new(1)).unwrap(), Fen(2_500))];
        }
        lines.into()
    };
    app.store.generate_payroll(&payroll, &mut build).await.unwrap();
    let clerk = app.login("window_clerk_a").await;
    let page = app.send(clerk.get(&format!("/households/{}", app.in_a))).await;
    let expected = format!("补差 {} 25.00 元；", earlier.format("%Y-%m"));
    assert!(page.text.contains("调整") && page.text.contains(&expected), "{expected}: {}", page.text);
    // The API lists the same months.
    let api = app.send(clerk.get(&format!("/api/v1/households/{}/payments", app.in_a))).await;
    let parts = api.json[0]["parts"].clone();
    assert_eq!(
        parts,
        json!([{"benefit_month": earlier.format("%Y-%m").to_string(), "amount_fen": 2500}, {"benefit_month": earlier.checked_add_months(chrono::Months::new(1)).unwrap().format("%Y-%m").to_string(), "amount_fen": 2500}]),
        "{}",
        api.text
    );
}

#[tokio::test]
async fn the_town_records_and_ends_where_a_household_is_paid_naming_each_field_and_masking_the_account() {
    let app = spawn_app().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let path = format!("/households/{}/payees", app.in_a);
    let month = month_start(app.state.clock.today());
    let tekun = jiuzhu_domain::casework::AssistanceKind::Tekun;
    jiuzhu_testkit::conformance::payments::grant_of(app.store.as_ref(), app.in_a, VILLAGE_A, tekun, 98_000, month).await;
    let town = app.login("town_reviewer_a").await;
    let page = app.send(town.get(&path)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("无：发放至本户账户"), "{}", page.text);
    let form = |code: &str, bank: &str, password: &str| {
        format!(
            "role=institution&name={}&code={code}&bank={}&account_no=6228480000000000034&basis={}&password={password}",
            enc("某县中心敬老院"),
            enc(bank),
            enc("集中供养协议 2027-003")
        )
    };
    let bad = app.send(town.form(&path, &form("123", "", PASSWORD))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("统一社会信用代码") && bad.text.contains("开户银行"), "each field named: {}", bad.text);
    assert!(bad.text.contains("某县中心敬老院") && bad.text.contains("集中供养协议 2027-003"), "what was typed kept: {}", bad.text);
    let wrong = app.send(town.form(&path, &form("91350100M000100Y43", "农商银行", "wrong"))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.text);
    let ok = app.send(town.form(&path, &form("91350100M000100Y43", "农商银行", PASSWORD))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let page = app.send(town.get(&format!("{path}?done=set"))).await;
    assert!(page.text.contains("收款安排已登记") && page.text.contains("913501********0Y43"), "{}", page.text);
    assert!(!page.text.contains("6228480000000000034") && !page.text.contains("91350100M000100Y43"), "masked: {}", page.text);
    // The household's page says who is paid; a clerk reads it and may not change it.
    let clerk = app.login("window_clerk_a").await;
    let household = app.send(clerk.get(&format!("/households/{}", app.in_a))).await;
    assert!(household.text.contains("供养服务机构（集中供养） 某县中心敬老院 农商银行"), "{}", household.text);
    assert!(!household.text.contains("6228480000000000034"));
    assert!(household.text.contains("收款安排：供养服务机构"), "the change history names the field in words: {}", household.text);
    // The next payroll pays the institution; the API says whose account a line pays.
    app.state.payments.generate(None, &RegionCode::parse("620825").unwrap(), month).await.unwrap();
    let api = app.send(clerk.get(&format!("/api/v1/households/{}/payments", app.in_a))).await;
    assert_eq!(
        (api.json[0]["payee_role"].as_str(), api.json[0]["payee_name"].as_str()),
        (Some("institution"), Some("某县中心敬老院")),
        "{}",
        api.text
    );
    let seen = app.send(clerk.get(&path)).await;
    assert!(seen.status == StatusCode::OK && !seen.text.contains("id=\"payee\""), "no form for a clerk: {}", seen.text);
    assert_eq!(app.send(clerk.form(&path, &form("91350100M000100Y43", "农商银行", PASSWORD))).await.status, StatusCode::FORBIDDEN);
    // Another town's reviewer: no such household.
    let other = app.login("town_reviewer_b").await;
    assert_eq!(app.send(other.get(&path)).await.status, StatusCode::NOT_FOUND);
    // Ended (the password typed a moment ago still covers it, as for every guarded step).
    let id = app.store.payees(app.in_a).await.unwrap()[0].id;
    let end = format!("{path}/{id}/end");
    assert_eq!(app.send(town.form(&end, &format!("password={PASSWORD}"))).await.status, StatusCode::SEE_OTHER);
    assert!(app.send(town.get(&path)).await.text.contains("无：发放至本户账户"));
}

#[tokio::test]
async fn the_town_records_a_carer_whose_allowance_starts_in_a_month_not_yet_generated() {
    let app = spawn_app().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let path = format!("/households/{}/payees", app.in_a);
    let month = month_start(app.state.clock.today());
    let next = month.checked_add_months(chrono::Months::new(1)).unwrap();
    let tekun = jiuzhu_domain::casework::AssistanceKind::Tekun;
    jiuzhu_testkit::conformance::payments::grant_of(app.store.as_ref(), app.in_a, VILLAGE_A, tekun, 98_000, month).await;
    app.state.payments.generate(None, &RegionCode::parse("620825").unwrap(), month).await.unwrap();
    let town = app.login("town_reviewer_a").await;
    let form = |amount: &str, from: &NaiveDate| {
        format!(
            "role=carer&name={}&code=620825196804120029&bank={}&account_no=6228480000000000034&basis={}&care_amount={}&from_month={}&password={PASSWORD}",
            enc("王桂兰"),
            enc("农商银行"),
            enc("委托照料服务协议 2027-011"),
            enc(amount),
            from.format("%Y-%m")
        )
    };
    // A typo in the amount and a month already generated: each named in words, nothing typed lost.
    let bad = app.send(town.form(&path, &form("三百", &next))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("照料护理费：金额“三百”格式不正确"), "{}", bad.text);
    assert!(bad.text.contains("王桂兰") && bad.text.contains("委托照料服务协议 2027-011"), "typed kept: {}", bad.text);
    let generated = app.send(town.form(&path, &form("280", &month))).await;
    assert_eq!(generated.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", generated.text);
    assert!(generated.text.contains("起始月份：该月份的特困人员供养金清册已经生成"), "{}", generated.text);
    let ok = app.send(town.form(&path, &form("280", &next))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let page = app.send(town.get(&path)).await;
    let terms = format!("照料护理费 280.00 元/月，自{}起", month_label(next));
    assert!(page.text.contains("照料护理人（分散供养）") && page.text.contains(&terms), "{terms}: {}", page.text);
    assert!(!page.text.contains("620825196804120029") && !page.text.contains("6228480000000000034"), "masked: {}", page.text);
    let household = app.send(town.get(&format!("/households/{}", app.in_a))).await;
    assert!(household.text.contains("收款安排：照料护理人"), "{}", household.text);
}
