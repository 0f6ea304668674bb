//! 在线咨询 end to end through the whole router: a resident asks their town's window (refused
//! with every missing answer named and the text kept), gets a code and PIN, and reads the thread
//! with them (a wrong PIN reads exactly like an unknown code); the town's window clerk sees it
//! (the other town's does not) with the working days left, answers (refused when too short),
//! the resident asks again (due again in 2 working days), is answered, and closes it. The answer
//! reads as the town's window, never a person's account; the trail holds no PIN.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::StatusCode;
use chrono::TimeZone;
use jiuzhu_domain::clock::FixedClock;
use jiuzhu_testkit::app::{ResidentBrowser, TestApp, spawn_app_at};
use jiuzhu_testkit::world::TOWN_A;
use std::sync::Arc;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    &text[at..at + text[at..].find('<').unwrap()]
}

fn ticket(page: &str) -> String {
    let at = page.find("name=\"ticket\" value=\"").expect("a form with a ticket") + 21;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

/// The window's id of the question with this code, from its list (`None`: not listed).
async fn listed(w: &TestApp, c: &jiuzhu_testkit::app::Client, uri: &str, code: &str) -> Option<i64> {
    let list = w.send(c.get(uri)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let row = &list.text[list.text.find(code)?..];
    let at = row.find("href=\"/questions/").unwrap() + 17;
    Some(row[at..at + row[at..].find('"').unwrap()].parse().unwrap())
}

const QUESTION: &str = "我今年六十五岁，一个人住，只有每月一百多元的养老金，能申请低保吗？";

#[tokio::test]
async fn a_question_is_answered_asked_again_and_closed() {
    // Monday 7 December 2026, 10:00 in Beijing.
    let clock = Arc::new(FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()));
    let w = spawn_app_at(clock.clone()).await;
    let b = ResidentBrowser::open(&w.app, "/m/ask/check").await;

    // Nothing chosen, too little written: both named, the text kept.
    let bare = b.post(&w.app, "/m/ask", &format!("town={TOWN_A}&body={}", enc("低保"))).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bare.text);
    assert!(
        bare.text.contains("请选择想问哪方面的事") && bare.text.contains("至少 5 个字") && bare.text.contains(">低保</textarea>"),
        "{}",
        bare.text
    );

    let done = b.post(&w.app, "/m/ask", &format!("town={TOWN_A}&topic=eligibility&body={}", enc(QUESTION))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let (code, pin) = (between(&done.text, "ask-code").to_string(), between(&done.text, "ask-pin").replace(' ', ""));
    assert!(code.starts_with("ZX20261207-") && pin.len() == 8, "{code} {pin}");
    assert!(done.text.contains("2026年12月9日"), "answer due two working days on: {}", done.text);

    // The town's window sees it; the other town's does not; a complaint handler may not answer.
    let other = w.login("window_clerk_b").await;
    assert_eq!(listed(&w, &other, "/questions", &code).await, None);
    let handler = w.login("complaint_handler_a").await;
    assert_eq!(w.send(handler.get("/questions")).await.status, StatusCode::FORBIDDEN);
    let clerk = w.login("window_clerk_a").await;
    let list = w.send(clerk.get("/questions")).await;
    assert!(list.text.contains("还剩 2 个工作日"), "{}", list.text);
    let id = listed(&w, &clerk, "/questions", &code).await.expect("in town A's list");
    assert_eq!(w.send(other.get(&format!("/questions/{id}"))).await.status, StatusCode::NOT_FOUND);
    let one = w.send(clerk.get(&format!("/questions/{id}"))).await;
    assert!(one.text.contains(QUESTION), "{}", one.text);

    // Too short an answer: named, the text kept; then answered once.
    let short = w.send(clerk.form(&format!("/questions/{id}/answer"), &format!("version=1&answer={}", enc("可以")))).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text.contains("请写答复") && short.text.contains(">可以</textarea>"), "{}", short.text);
    let reply = "可以申请。家庭月人均收入低于当地低保标准、财产符合规定的，请带户口本和身份证到镇社会救助窗口申请。";
    let form = format!("version=1&answer={}", enc(reply));
    assert_eq!(w.send(clerk.form(&format!("/questions/{id}/answer"), &form)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(w.send(clerk.form(&format!("/questions/{id}/answer"), &form)).await.status, StatusCode::CONFLICT, "answered already");
    let staff_view = w.send(clerk.get(&format!("/questions/{id}"))).await;
    assert!(
        staff_view.text.contains(reply) && !staff_view.text.contains("（window_clerk_a）"),
        "who answered by name, not account code: {}",
        staff_view.text
    );
    assert_eq!(listed(&w, &clerk, "/questions", &code).await, None, "no longer waiting");
    assert!(listed(&w, &clerk, "/questions?done=1", &code).await.is_some());

    // The resident reads it as the town's window's answer, never an account's.
    let wrong_pin = if pin.starts_with('1') { "22222222" } else { "11111111" };
    let wrong = b.post(&w.app, "/m/ask/check", &format!("code={code}&pin={wrong_pin}")).await;
    let unknown = b.post(&w.app, "/m/ask/check", &format!("code=ZX20200101-000000&pin={pin}")).await;
    assert!(wrong.text.contains("没有查到"));
    assert_eq!(wrong.text.replace(&code, "X"), unknown.text.replace("ZX20200101-000000", "X"));
    let thread = b.post(&w.app, "/m/ask/check", &format!("code={code}&pin={pin}")).await;
    assert!(
        thread.text.contains(reply) && thread.text.contains("社会救助窗口") && !thread.text.contains("window_clerk_a"),
        "{}",
        thread.text
    );

    // Asked again on Thursday: waiting again, due Monday; a copied ticket opens nothing.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 12, 10, 2, 0, 0).unwrap());
    let thread = b.post(&w.app, "/m/ask/check", &format!("code={code}&pin={pin}")).await;
    let t = ticket(&thread.text);
    let elsewhere = ResidentBrowser::open(&w.app, "/m/").await;
    let copied = elsewhere.post(&w.app, "/m/ask/more", &format!("ticket={t}&body={}", enc("我有一套房子能申请吗"))).await;
    assert_eq!(copied.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(copied.text.contains("页面已经过期") && copied.text.contains("我有一套房子能申请吗"), "{}", copied.text);
    let again = b.post(&w.app, "/m/ask/more", &format!("ticket={t}&body={}", enc("我有一套自己住的房子，也能申请吗？"))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    // Days later: the clerk signs in again (sessions end when idle).
    let clerk = w.login("window_clerk_a").await;
    let list = w.send(clerk.get("/questions")).await;
    assert!(list.text.contains(&code) && list.text.contains("还剩 2 个工作日"), "{}", list.text);
    let q = w.store.question(id).await.unwrap();
    assert_eq!(q.due_on, chrono::NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(), "Thursday + 2 working days = Monday");

    // Past the due day: overdue in the list.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 12, 15, 2, 0, 0).unwrap());
    let clerk = w.login("window_clerk_a").await;
    assert!(w.send(clerk.get("/questions")).await.text.contains("已逾期"));
    let second = format!("version=3&answer={}", enc("自己住的唯一住房不影响申请，请带房产证明一起来。"));
    assert_eq!(w.send(clerk.form(&format!("/questions/{id}/answer"), &second)).await.status, StatusCode::SEE_OTHER);

    // Resolved: closed, and nothing more can be sent in it.
    let thread = b.post(&w.app, "/m/ask/check", &format!("code={code}&pin={pin}")).await;
    assert_eq!(thread.text.matches("社会救助窗口</b>").count(), 2, "two answers: {}", thread.text);
    let t = ticket(&thread.text);
    let closed = b.post(&w.app, "/m/ask/more", &format!("ticket={t}&close=1")).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert!(closed.text.contains("咨询已结束"));
    let after = b.post(&w.app, "/m/ask/check", &format!("code={code}&pin={pin}")).await;
    assert!(after.text.contains("已结束") && !after.text.contains("name=\"ticket\""), "{}", after.text);

    // The trail: the resident's entries as 群众, the clerk's view and answers; never the PIN.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    assert!(entries.iter().any(|e| e.username == jiuzhu_web::audit::RESIDENT && e.action == "create" && e.object_kind == "question"));
    assert!(entries.iter().any(|e| e.username == "window_clerk_a" && e.action == "view" && e.object_kind == "question"));
    assert!(entries.iter().any(|e| e.username == "window_clerk_b" && e.reason == "out_of_scope"));
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(&pin)), "no PIN in the trail");
}

#[tokio::test]
async fn a_forged_ticket_spends_nobodys_allowance() {
    let clock = Arc::new(FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()));
    let w = spawn_app_at(clock).await;
    let b = ResidentBrowser::open(&w.app, "/m/ask/check").await;
    // More forged follow-ups than the address may send in a minute: each refused as expired, none counted …
    for _ in 0..25 {
        let forged = b.post(&w.app, "/m/ask/more", &format!("ticket=question.1.9999999999.00&body={}", enc("我想接着问一个问题"))).await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", forged.text);
    }
    // … so the resident may still ask.
    let done = b.post(&w.app, "/m/ask", &format!("town={TOWN_A}&topic=eligibility&body={}", enc(QUESTION))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
}
