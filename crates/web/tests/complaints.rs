//! 投诉举报 end to end through the whole router: a resident reports anonymously and gets a code
//! and PIN; the town's 举报受理 takes it up and answers (the other town's never sees it); the
//! resident reads the reply with the code and PIN, while a wrong pair reads like an unknown code.
//! A report naming staff goes to the county and never to the person named; who reported is shown
//! only on asking, with a purpose and the password, and each look is audited. Hotline orders are
//! entered and imported; an overdue town complaint passes up to the county.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::{StatusCode, header};
use chrono::TimeZone;
use jiuzhu_domain::clock::FixedClock;
use jiuzhu_store::NewAccount;
use jiuzhu_testkit::app::{ResidentBrowser, TestApp, spawn_app, spawn_app_at};
use jiuzhu_testkit::world::{COUNTY, PASSWORD, TOWN_A, VILLAGE_A, VILLAGE_B};
use std::sync::Arc;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    &text[at..at + text[at..].find('<').unwrap()]
}

const WHAT: &str = "何马村三组独居老人王某没有收入，申请低保两次都没有结果";

/// Files a report; the code and PIN from the receipt.
async fn report(w: &TestApp, b: &ResidentBrowser, form: &str) -> (String, String) {
    let done = b.post(&w.app, "/m/report", &format!("town={TOWN_A}&{form}")).await;
    assert_eq!(done.status, StatusCode::OK, "{} {:?}", done.text, done.location());
    (between(&done.text, "report-code").to_string(), between(&done.text, "report-pin").replace(' ', ""))
}

/// The handler's id of the complaint with this code, from their queue (`None`: not listed).
async fn listed(w: &TestApp, handler: &jiuzhu_testkit::app::Client, code: &str) -> Option<i64> {
    let list = w.send(handler.get("/complaints")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let row = &list.text[list.text.find(code)?..];
    let at = row.find("href=\"/complaints/").unwrap() + 18;
    Some(row[at..at + row[at..].find('"').unwrap()].parse().unwrap())
}

#[tokio::test]
async fn an_anonymous_report_is_taken_up_answered_and_read_back_with_the_code() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/report/check").await;

    // The form names what is missing in words, and keeps what was typed; nobody chose anonymity.
    let form = b.post(&w.app, "/m/report", &format!("town={TOWN_A}&content={}", enc("短"))).await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", form.text);
    for words in ["请选择反映的问题属于哪一类", "请选择问题发生在哪个乡镇或村", "至少 10 个字", "请选择匿名反映还是实名反映"]
    {
        assert!(form.text.contains(words), "{words}: {}", form.text);
    }
    assert!(form.text.contains(">短</textarea>"), "what was typed is kept");

    // Anonymous: a name typed anyway is not kept.
    let form = format!(
        "category=eligible_left_out&region={VILLAGE_A}&content={}&anonymous=yes&name={}&form_key=0123456789abcdef0123456789abcdef",
        enc(WHAT),
        enc("张三")
    );
    let (code, pin) = report(&w, &b, &form).await;
    assert!(code.starts_with("JB") && pin.len() == 8, "{code} {pin}");
    // The same form sent again (a double tap): the first one's code, no second complaint, no PIN.
    let again = b.post(&w.app, "/m/report", &format!("town={TOWN_A}&{form}")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert!(again.text.contains("已经提交过") && again.text.contains(&code) && !again.text.contains("report-pin"), "{}", again.text);

    // The other town's handler and a window clerk do not see it; town A's handler does.
    let other = w.login("complaint_handler_b").await;
    assert_eq!(listed(&w, &other, &code).await, None);
    let clerk = w.login("window_clerk_a").await;
    assert_eq!(w.send(clerk.get("/complaints")).await.status, StatusCode::FORBIDDEN);
    let handler = w.login("complaint_handler_a").await;
    let id = listed(&w, &handler, &code).await.expect("in town A's queue");
    assert_eq!(w.send(handler.get("/complaints")).await.text.matches("<td>JB").count(), 1, "filed once");
    assert_eq!(w.send(other.get(&format!("/complaints/{id}"))).await.status, StatusCode::NOT_FOUND, "out of scope reads as unknown");
    let one = w.send(handler.get(&format!("/complaints/{id}"))).await;
    assert!(one.text.contains(WHAT) && one.text.contains("匿名"), "{}", one.text);
    assert!(!one.text.contains("张三") && !one.text.contains("/reporter"), "nothing to reveal: {}", one.text);

    // Before it is taken up, the reporter reads that it waits.
    let waiting = b.post(&w.app, "/m/report/check", &format!("code={code}&pin={pin}")).await;
    assert!(waiting.text.contains("待受理") && waiting.text.contains("等待受理"), "{}", waiting.text);

    // 受理 once, then 办结: the answer is checked field by field and what was typed is kept.
    let early = w.send(handler.form(&format!("/complaints/{id}/answer"), "version=1")).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "an answer needs a conclusion first: {}", early.text);
    assert_eq!(w.send(handler.form(&format!("/complaints/{id}/accept"), "version=1")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(w.send(handler.form(&format!("/complaints/{id}/accept"), "version=1")).await.status, StatusCode::CONFLICT);
    let bare = w.send(handler.form(&format!("/complaints/{id}/answer"), &format!("version=2&findings={}", enc("已入户")))).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.text.contains("请选择核查结论") && bare.text.contains("请写给反映人的答复"), "{}", bare.text);
    assert!(bare.text.contains(">已入户</textarea>"), "typed findings kept");
    let findings = "经入户核查，王某无收入无赡养人，符合低保条件，前两次申请材料未转交";
    let reply = "经核查反映属实，已为王某受理低保申请，本月内完成审批；对未转交材料的村干部已批评教育。";
    let answered = w
        .send(handler.form(
            &format!("/complaints/{id}/answer"),
            &format!("version=2&finding=substantiated&findings={}&reply={}", enc(findings), enc(reply)),
        ))
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.text);

    // It is in the handler's 已办结 list now, no longer in the open queue.
    assert_eq!(listed(&w, &handler, &code).await, None);
    assert!(w.send(handler.get("/complaints?done=1")).await.text.contains(&code));

    // The reporter reads the conclusion and the reply, never the internal findings.
    let result = b.post(&w.app, "/m/report/check", &format!("code={}&pin={}", code.to_lowercase(), &pin)).await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.text.contains("已办结并答复") && result.text.contains("反映问题属实") && result.text.contains(reply), "{}", result.text);
    assert!(!result.text.contains(findings), "the findings stay inside");

    // A wrong PIN reads exactly like an unknown code.
    let wrong_pin = if pin == "00000000" { "11111111" } else { "00000000" };
    let wrong = b.post(&w.app, "/m/report/check", &format!("code={code}&pin={wrong_pin}")).await;
    let unknown = b.post(&w.app, "/m/report/check", &format!("code=JB20200101-000000&pin={pin}")).await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert!(wrong.text.contains("没有查到"));
    assert_eq!(wrong.text.replace(&code, "X"), unknown.text.replace("JB20200101-000000", "X"));

    // The resident's sends and reads are in the trail as 群众, refusals included; no PIN in it.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let residents: Vec<_> = entries.iter().filter(|e| e.username == jiuzhu_web::audit::RESIDENT).collect();
    assert!(residents.iter().any(|e| e.action == "create" && e.object_kind == "complaint" && e.outcome == "allowed"), "{residents:?}");
    assert!(residents.iter().any(|e| e.action == "view" && e.outcome == "denied" && e.reason == "not_found"), "{residents:?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(&pin)), "no PIN in the trail");
    assert!(entries.iter().any(|e| e.username == "complaint_handler_b" && e.reason == "out_of_scope"), "{entries:?}");
}

#[tokio::test]
async fn a_report_naming_staff_goes_to_the_county_never_to_the_person_and_the_reporter_is_shown_only_on_asking() {
    let w = spawn_app().await;
    // A second county handler: the first is the one the report names.
    let hash = jiuzhu_accounts::password::hash(PASSWORD).await;
    w.store
        .create_account(&NewAccount {
            username: "complaint_handler_county_2".into(),
            display_name: "县举报受理员乙".into(),
            role: jiuzhu_domain::Role::ComplaintHandler,
            region: jiuzhu_domain::RegionCode::parse(COUNTY).unwrap(),
            department: None,
            password_hash: hash,
            disabled: false,
            must_change_password: false,
        })
        .await
        .unwrap();
    let b = ResidentBrowser::open(&w.app, "/m/report/check").await;
    let (code, _) = report(
        &w,
        &b,
        &format!(
            "category=payment_late_or_short&region={VILLAGE_A}&content={}&named_staff={}&anonymous=no&name={}&phone=13912345678",
            enc("低保金三个月没有发，问了几次都说再等等"),
            enc("县举报受理员"),
            enc("李秀英")
        ),
    )
    .await;
    // Not the town where it happened, not the person named.
    assert_eq!(listed(&w, &w.login("complaint_handler_a").await, &code).await, None, "not routed to the town");
    assert_eq!(listed(&w, &w.login("complaint_handler_county").await, &code).await, None, "never to the person named");
    let handler = w.login("complaint_handler_county_2").await;
    let id = listed(&w, &handler, &code).await.expect("at the county");

    // Who reported is not on the page; asking needs a purpose and the password.
    let page = w.send(handler.get(&format!("/complaints/{id}"))).await;
    assert!(!page.text.contains("李秀英") && !page.text.contains("13912345678") && page.text.contains("实名反映"), "{}", page.text);
    let no_purpose = w.send(handler.form(&format!("/complaints/{id}/reporter"), &format!("password={}", enc(PASSWORD)))).await;
    assert_eq!(no_purpose.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_purpose.text.contains("查看举报人身份的事由") && !no_purpose.text.contains("李秀英"), "{}", no_purpose.text);
    let purpose = enc("电话核实反映内容");
    let wrong = w.send(handler.form(&format!("/complaints/{id}/reporter"), &format!("purpose={purpose}&password=wrong"))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!wrong.text.contains("李秀英") && wrong.text.contains("电话核实反映内容"), "purpose kept, nothing shown");
    let shown = w.send(handler.form(&format!("/complaints/{id}/reporter"), &format!("purpose={purpose}&password={}", enc(PASSWORD)))).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert!(shown.text.contains("李秀英") && shown.text.contains("13912345678"), "{}", shown.text);
    assert_eq!(shown.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");

    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let looks: Vec<_> = entries
        .iter()
        .filter(|e| e.username == "complaint_handler_county_2" && e.action == "reveal" && e.object_kind == "complaint")
        .collect();
    assert_eq!(looks.len(), 3, "each ask is an entry: {looks:?}");
    assert!(looks.iter().any(|e| e.outcome == "allowed" && e.purpose == "电话核实反映内容"), "{looks:?}");
    assert!(looks.iter().filter(|e| e.outcome == "denied").count() == 2, "{looks:?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains("13912345678")), "the phone is never in the trail");
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from("工单编号,来电时间,诉求类别,所涉区划代码,诉求内容,被反映人,来电人姓名,来电人电话,办结时限\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&s);
    gbk.into_owned()
}

#[tokio::test]
async fn hotline_orders_are_entered_once_and_imported_with_every_bad_cell_named() {
    let w = spawn_app().await;
    let handler = w.login("complaint_handler_a").await;
    let empty = w.send(handler.form("/complaints/new", "channel=hotline")).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    for words in ["请填写 12345 工单编号", "请填写收到的日期和时间", "请选择反映的问题属于哪一类", "请选择匿名反映还是实名反映"]
    {
        assert!(empty.text.contains(words), "{words}: {}", empty.text);
    }
    let order = format!(
        "channel=hotline&external_no=GD-2026-0001&received_at=2026-12-01T09%3A30&category=eligible_left_out&region={VILLAGE_A}&content={}&anonymous=yes",
        enc(WHAT)
    );
    let entered = w.send(handler.form("/complaints/new", &order)).await;
    assert_eq!(entered.status, StatusCode::OK, "{}", entered.text);
    assert!(
        entered.text.contains("id=\"entered-pin\"") && entered.text.contains("/complaints/1\""),
        "the PIN to hand on, and a way in: {}",
        entered.text
    );
    let unknown =
        w.send(handler.form("/complaints/new", &order.replace("GD-2026-0001", "GD-2026-0008").replace(VILLAGE_A, "620825100299"))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text.contains("本系统的区划中没有这个乡镇或村"), "{}", unknown.text);
    let again = w.send(handler.form("/complaints/new", &order)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("这个工单编号已经登记过"), "{}", again.text);
    // A town's entry about staff goes to the county: the town is told, and given neither a link it
    // cannot open nor the PIN that would read the county's answer.
    let staff = w
        .send(handler.form("/complaints/new", &order.replace("GD-2026-0001", "GD-2026-0007").replace("eligible_left_out", "staff_conduct")))
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text);
    assert!(staff.text.contains("本乡镇看不到这一件") && !staff.text.contains("打开这一件"), "{}", staff.text);
    assert!(!staff.text.contains("entered-pin"), "{}", staff.text);
    // The hotline's own deadline is taken within 60 days of the call.
    let far = w
        .send(
            handler.form(
                "/complaints/new",
                &order.replace("GD-2026-0001", "GD-2026-0006").replace("&category", "&due_on=2099-01-01&category"),
            ),
        )
        .await;
    assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(far.text.contains("60 天之间"), "{}", far.text);
    let elsewhere =
        w.send(handler.form("/complaints/new", &order.replace("GD-2026-0001", "GD-2026-0009").replace(VILLAGE_A, VILLAGE_B))).await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "town B is outside town A's scope");

    // A file with one bad row imports nothing and names the row and column.
    let bad = csv(&[
        &format!("GD-2026-0002,2026-12-02 10:00,错保,{VILLAGE_A},村里有人开着小轿车还在领低保,,,,"),
        &format!("GD-2026-0003,昨天,应保未保,{VILLAGE_A},独居老人王某生活困难没人管,,,,"),
    ]);
    let refused = w.send(handler.upload("/complaints/import", &[], "file", "orders.csv", &bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("第 3 行“来电时间”"), "{}", refused.text);
    let list = w.send(handler.get("/complaints")).await;
    assert!(!list.text.contains("村里有人开着小轿车"), "nothing half imported");

    let nowhere = csv(&["GD-2026-0004,2026-12-02 10:00,错保,620825100299,村里有人开着小轿车还在领低保,,,,"]);
    let refused = w.send(handler.upload("/complaints/import", &[], "file", "orders.csv", &nowhere)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("第 2 行“所涉区划代码”：本系统的区划中没有"), "{}", refused.text);

    // A good file: the order entered before is left as it is and named.
    let good = csv(&[
        &format!("GD-2026-0001,2026-12-01 09:30,应保未保,{VILLAGE_A},{WHAT},,,,"),
        &format!("GD-2026-0002,2026-12-02 10:00,错保,{VILLAGE_A},村里有人开着小轿车还在领低保,,李四,13800138000,2026-12-20"),
    ]);
    let imported = w.send(handler.upload("/complaints/import", &[], "file", "orders.csv", &good)).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert!(imported.text.contains("已导入 1 条工单") && imported.text.contains("GD-2026-0001"), "{}", imported.text);
    assert!(imported.text.contains("2026-12-20"), "the hotline's own deadline is kept: {}", imported.text);
    assert_eq!(imported.text.matches("12345热线工单").count(), 2, "{}", imported.text);
}

#[tokio::test]
async fn a_town_complaint_not_answered_in_time_passes_up_to_the_county() {
    // Monday 2 November 2026, 10:00 Beijing.
    let clock = Arc::new(FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()));
    let w = spawn_app_at(clock.clone()).await;
    let b = ResidentBrowser::open(&w.app, "/m/report/check").await;
    let (code, pin) = report(&w, &b, &format!("category=eligible_left_out&region={VILLAGE_A}&content={}&anonymous=yes", enc(WHAT))).await;
    let town = w.login("complaint_handler_a").await;
    assert!(listed(&w, &town, &code).await.is_some());

    // Due on the 15th working day (Monday 23 November): still the town's on that day.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap());
    assert_eq!(w.state.complaints.escalate_overdue().await.unwrap(), 0);
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap());
    assert_eq!(w.state.complaints.escalate_overdue().await.unwrap(), 1);
    assert_eq!(w.state.complaints.escalate_overdue().await.unwrap(), 0, "once");

    // Three weeks on, the morning's sessions have expired: sign in again.
    let town = w.login("complaint_handler_a").await;
    assert_eq!(listed(&w, &town, &code).await, None, "no longer the town's");
    let county = w.login("complaint_handler_county").await;
    let id = listed(&w, &county, &code).await.expect("at the county");
    let page = w.send(county.get(&format!("/complaints/{id}"))).await;
    // Tuesday 24 November + 5 working days = Tuesday 1 December.
    assert!(page.text.contains("逾期转县督办") && page.text.contains("2026-12-01"), "{}", page.text);
    let read = b.post(&w.app, "/m/report/check", &format!("code={code}&pin={pin}")).await;
    assert!(read.text.contains("已转县民政局督办"), "{}", read.text);
}

#[tokio::test]
async fn report_reads_are_limited_per_code_from_any_address() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/report/check").await;
    let mut last = StatusCode::OK;
    for i in 0..7 {
        last = b.post(&w.app, "/m/report/check", &format!("code=JB20261201-123456&pin=1234567{i}")).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the sixth try of one code in a minute is refused");
}

/// Naming the county's only handler, a report goes to the town where it happened (nobody named
/// works there), not to nobody.
#[tokio::test]
async fn a_report_naming_the_only_county_handler_goes_to_the_town_of_the_matter() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/report/check").await;
    let form =
        format!("category=eligible_left_out&region={VILLAGE_A}&content={}&named_staff={}&anonymous=yes", enc(WHAT), enc("县举报受理员"));
    let (code, _) = report(&w, &b, &form).await;
    assert_eq!(listed(&w, &w.login("complaint_handler_county").await, &code).await, None, "never to the person named");
    assert!(listed(&w, &w.login("complaint_handler_a").await, &code).await.is_some(), "the town of the matter");
    assert_eq!(listed(&w, &w.login("complaint_handler_b").await, &code).await, None);
}

#[tokio::test]
async fn notice_boards_are_limited_per_address() {
    let w = spawn_app().await;
    let mut last = StatusCode::OK;
    for _ in 0..61 {
        let req = axum::http::Request::get(format!("/m/notices?region={TOWN_A}")).body(axum::body::Body::empty()).unwrap();
        last = jiuzhu_testkit::app::send(&w.app, req).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the 61st board in a minute from one address is refused");
}
