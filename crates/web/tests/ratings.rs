//! 好差评 end to end through the whole router: an application declined at the window and a
//! report answered can each be rated once from their result pages; a bad rating is refused
//! without a reason, then opens a rectification for the unit that handled it (the town reviewer
//! for applications, the 举报受理员 for complaints; another town's never sees it), due in 15
//! working days; the rectification names every missing part, is recorded once, and the resident
//! sees that it was put right. A tampered or expired ticket rates nothing and keeps what was written.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::StatusCode;
use base64::Engine;
use chrono::TimeZone;
use jiuzhu_domain::clock::FixedClock;
use jiuzhu_testkit::app::{ResidentBrowser, TestApp, spawn_app_at};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_testkit::world::{TOWN_A, VILLAGE_A};
use std::sync::Arc;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    &text[at..at + text[at..].find('<').unwrap()]
}

/// The rating ticket on a result page.
fn ticket(page: &str) -> String {
    let at = page.find("name=\"ticket\" value=\"").expect("a rating form") + 21;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

fn signature() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(std::iter::repeat_n(9u8, 500));
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

/// A one-person application sent online and declined at town A's window: (number, query code).
async fn declined_application(w: &TestApp, b: &ResidentBrowser) -> (String, String) {
    let form = [
        format!("region={TOWN_A}&village={VILLAGE_A}&area=rural&address={}&phone=13800138000", enc("何马村三组 12 号")),
        format!("kind=dibao&request={}", enc("一个人生活，没有收入，看病花钱多")),
        format!(
            "m1_name={}&m1_id={}&m1_employment=unemployed&sig1={}&step=send",
            enc("孙玉兰"),
            id_number("19620314", 171),
            enc(&signature())
        ),
    ]
    .join("&");
    let done = b.post(&w.app, "/m/apply", &form).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let (reference, code) = (between(&done.text, "reference").to_string(), between(&done.text, "query-code").to_string());
    let clerk = w.login("window_clerk_a").await;
    let list = w.send(clerk.get("/online")).await;
    let row = &list.text[list.text.find(&reference).unwrap()..];
    let at = row.find("href=\"/online/").unwrap() + 14;
    let id: i64 = row[at..at + row[at..].find('"').unwrap()].parse().unwrap();
    let reason = enc("户籍不在本乡镇，请到户籍所在地申请");
    assert_eq!(
        w.send(clerk.form(&format!("/online/{id}/decline"), &format!("version=1&reason={reason}"))).await.status,
        StatusCode::SEE_OTHER
    );
    (reference, code)
}

#[tokio::test]
async fn a_bad_rating_of_a_decided_application_is_put_right_by_the_town_once() {
    let clock = Arc::new(FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()));
    let w = spawn_app_at(clock.clone()).await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let (reference, code) = declined_application(&w, &b).await;

    // Decided: the result page offers the five levels.
    let page = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert!(page.text.contains("请评价这次办理") && page.text.contains("非常不满意"), "{}", page.text);
    let t = ticket(&page.text);

    // 不满意 without saying why: refused naming the comment, the choice kept.
    let short = b.post(&w.app, "/m/rate", &format!("ticket={t}&level=dissatisfied&comment={}", enc("慢"))).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.text);
    assert!(short.text.contains("请写一写哪里不满意") && short.text.contains(">慢</textarea>"), "{}", short.text);
    assert!(short.text.contains("value=\"dissatisfied\" checked"), "the level chosen is kept");
    // A ticket changed by hand (another application's id) rates nothing, and the text is kept.
    let forged = t.replacen(".", ".9", 1);
    let bad = b.post(&w.app, "/m/rate", &format!("ticket={forged}&level=dissatisfied&comment={}", enc("窗口让我跑了三趟"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("页面已经过期") && bad.text.contains("窗口让我跑了三趟"), "{}", bad.text);

    // The ticket holds only in the browser it was given to (another phone, or the kiosk after a reset).
    let elsewhere = ResidentBrowser::open(&w.app, "/m/").await;
    let copied = elsewhere.post(&w.app, "/m/rate", &format!("ticket={t}&level=dissatisfied&comment={}", enc("窗口让我跑了三趟"))).await;
    assert_eq!(copied.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(copied.text.contains("页面已经过期"), "{}", copied.text);

    let why = "窗口让我跑了三趟才说户籍不对，应该第一次就告诉我";
    let rated = b.post(&w.app, "/m/rate", &format!("ticket={t}&level=dissatisfied&comment={}", enc(why))).await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.text);
    // 7 Dec 2026 (a Monday) + 15 working days = 28 Dec 2026.
    assert!(rated.text.contains("谢谢您的评价") && rated.text.contains("2026-12-28"), "{}", rated.text);
    let again = b.post(&w.app, "/m/rate", &format!("ticket={t}&level=very_satisfied")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "one rating per matter");
    let page = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert!(page.text.contains("您已评价") && page.text.contains("2026-12-28") && !page.text.contains("name=\"ticket\""), "{}", page.text);

    // The town's reviewer has it to put right; the other town's and a window clerk do not; the
    // complaint handler's list is of complaints.
    let reviewer = w.login("town_reviewer_a").await;
    let list = w.send(reviewer.get("/ratings")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.text.contains(&reference) && list.text.contains("还剩 15 个工作日"), "{}", list.text);
    let at = list.text.find("href=\"/ratings/").unwrap() + 15;
    let id: i64 = list.text[at..at + list.text[at..].find('"').unwrap()].parse().unwrap();
    let other = w.login("town_reviewer_b").await;
    assert!(!w.send(other.get("/ratings")).await.text.contains(&reference));
    assert_eq!(w.send(other.get(&format!("/ratings/{id}"))).await.status, StatusCode::NOT_FOUND);
    let clerk = w.login("window_clerk_a").await;
    assert_eq!(w.send(clerk.get("/ratings")).await.status, StatusCode::FORBIDDEN);
    let handler = w.login("complaint_handler_a").await;
    assert!(!w.send(handler.get("/ratings")).await.text.contains(&reference));
    assert_eq!(w.send(handler.get(&format!("/ratings/{id}"))).await.status, StatusCode::NOT_FOUND);
    let one = w.send(reviewer.get(&format!("/ratings/{id}"))).await;
    assert!(one.text.contains(why) && one.text.contains("不满意"), "{}", one.text);

    // Every missing part named, what was typed kept; then recorded once.
    let bare = w.send(reviewer.form(&format!("/ratings/{id}/rectify"), &format!("version=1&found={}", enc("属实")))).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    for words in ["请写明核实情况", "请写明整改措施和结果", "请选择是否已回访评价人"] {
        assert!(bare.text.contains(words), "{words}: {}", bare.text);
    }
    assert!(bare.text.contains(">属实</textarea>"));
    let found = "窗口受理员未一次性告知户籍要求，群众多跑两趟";
    let action = "已对受理员批评教育，窗口张贴户籍要求告知单，已电话致歉";
    let form = format!("version=1&found={}&action={}&contacted=yes", enc(found), enc(action));
    assert_eq!(w.send(reviewer.form(&format!("/ratings/{id}/rectify"), &form)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(w.send(reviewer.form(&format!("/ratings/{id}/rectify"), &form)).await.status, StatusCode::CONFLICT);
    assert!(!w.send(reviewer.get("/ratings")).await.text.contains(&reference), "no longer to put right");
    assert!(w.send(reviewer.get("/ratings?done=1")).await.text.contains(&reference));
    let page = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert!(page.text.contains("办理单位已核实整改"), "{}", page.text);

    // A page left open past the ticket's half hour: nothing rated, nothing lost.
    let b2 = ResidentBrowser::open(&w.app, "/m/progress").await;
    let (reference2, code2) = declined_application(&w, &b2).await;
    let t2 = ticket(&b2.post(&w.app, "/m/progress", &format!("reference={reference2}&proof={code2}")).await.text);
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 2, 31, 0).unwrap());
    let late = b2.post(&w.app, "/m/rate", &format!("ticket={t2}&level=satisfied&comment={}", enc("办得还行"))).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text.contains("页面已经过期") && late.text.contains("办得还行"));

    // The trail: the ratings as 群众, the rectification as the reviewer's update; no comment in it.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    assert!(
        entries
            .iter()
            .any(|e| e.username == jiuzhu_web::audit::RESIDENT && e.action == "create" && format!("{e:?}").contains("level=dissatisfied"))
    );
    assert!(entries.iter().any(|e| e.username == "town_reviewer_a" && e.action == "update" && e.outcome == "allowed"), "{entries:?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(why)), "the comment is not in the trail");
}

#[tokio::test]
async fn an_answered_report_is_rated_and_a_good_rating_opens_nothing() {
    let clock = Arc::new(FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()));
    let w = spawn_app_at(clock).await;
    let b = ResidentBrowser::open(&w.app, "/m/report/check").await;
    let filed = b
        .post(
            &w.app,
            "/m/report",
            &format!(
                "town={TOWN_A}&category=payment_late_or_short&region={VILLAGE_A}&content={}&anonymous=yes&form_key=00112233445566778899aabbccddeeff",
                enc("这个月的低保金到现在还没有发到卡上")
            ),
        )
        .await;
    let (jb, pin) = (between(&filed.text, "report-code").to_string(), between(&filed.text, "report-pin").replace(' ', ""));
    // Not answered yet: nothing to rate.
    let waiting = b.post(&w.app, "/m/report/check", &format!("code={jb}&pin={pin}")).await;
    assert!(!waiting.text.contains("name=\"ticket\""), "{}", waiting.text);

    let handler = w.login("complaint_handler_a").await;
    let list = w.send(handler.get("/complaints")).await;
    let row = &list.text[list.text.find(&jb).unwrap()..];
    let at = row.find("href=\"/complaints/").unwrap() + 18;
    let id: i64 = row[at..at + row[at..].find('"').unwrap()].parse().unwrap();
    assert_eq!(w.send(handler.form(&format!("/complaints/{id}/accept"), "version=1")).await.status, StatusCode::SEE_OTHER);
    let answer = format!(
        "version=2&finding=substantiated&findings={}&reply={}",
        enc("银行代发文件漏报一户，已补发"),
        enc("经核查属实，已于本周补发到您的社保卡，请查收。")
    );
    assert_eq!(w.send(handler.form(&format!("/complaints/{id}/answer"), &answer)).await.status, StatusCode::SEE_OTHER);

    let page = b.post(&w.app, "/m/report/check", &format!("code={jb}&pin={pin}")).await;
    let t = ticket(&page.text);
    let rated = b.post(&w.app, "/m/rate", &format!("ticket={t}&level=very_satisfied")).await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.text);
    assert!(rated.text.contains("非常满意") && !rated.text.contains("核实情况"), "{}", rated.text);
    assert!(!w.send(handler.get("/ratings")).await.text.contains(&jb), "a good rating opens no rectification");
    let page = b.post(&w.app, "/m/report/check", &format!("code={jb}&pin={pin}")).await;
    assert!(page.text.contains("您已评价") && page.text.contains("非常满意"), "{}", page.text);
}
