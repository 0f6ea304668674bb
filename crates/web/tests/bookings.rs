//! 预约办理 end to end through the whole router: a town without places set up says to come or
//! call; a resident books a half day at their town's window (refused with every missing answer
//! named and what was typed kept), gets a 预约编号, finds it with the same mobile number (a wrong
//! number reads exactly like an unknown code) and cancels it after being asked, freeing the place;
//! a full half day is not offered and cannot be taken; one number holds one booking a day; the
//! town's window sees the day's bookings (the other town's does not), reads the phone number (an
//! audited look) and records who came, on the day and not before.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::StatusCode;
use chrono::TimeZone;
use jiuzhu_domain::clock::FixedClock;
use jiuzhu_testkit::app::{ResidentBrowser, TestApp, app_of};
use jiuzhu_testkit::world::{TOWN_A, TOWN_B};
use jiuzhu_web::state::{AppState, Settings};
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

fn as_client(b: &ResidentBrowser) -> jiuzhu_testkit::app::Client {
    jiuzhu_testkit::app::Client { cookie: b.cookie.clone(), csrf: b.token.clone() }
}

/// Town A's window takes two bookings a half day; town B has no entry.
async fn app(clock: Arc<FixedClock>) -> TestApp {
    let world = jiuzhu_testkit::world::world().await;
    let offices = jiuzhu_web::offices::Offices::parse(&format!(
        "- region: \"{TOWN_A}\"\n  name: 水洛镇社会救助窗口\n  phone: 0933-6620001\n  address: 水洛镇政府一楼\n  hours: 上午 8:30–12:00，下午 14:30–17:30\n  bookings_per_half_day: 2\n"
    ))
    .unwrap();
    let settings = Settings { offices, ..Settings::new(world.dir.path()) };
    let state = AppState::with_clock(world.store.clone(), world.keys.clone(), settings, clock).unwrap();
    app_of(world, state)
}

fn booking(when: &str, name: &str, phone: &str) -> String {
    format!("town={TOWN_A}&purpose=materials&when={when}&name={}&phone={phone}&note={}", enc(name), enc("补交户口簿复印件"))
}

#[tokio::test]
async fn a_resident_books_finds_and_cancels_and_the_window_records_who_came() {
    // Monday 7 December 2026, 10:00 in Beijing.
    let clock = Arc::new(FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()));
    let w = app(clock.clone()).await;
    let b = ResidentBrowser::open(&w.app, "/m/").await;

    let closed = w.send(as_client(&b).get(&format!("/m/book?region={TOWN_B}"))).await;
    assert!(closed.text.contains("还没有开通网上预约") && !closed.text.contains("name=\"when\""), "{}", closed.text);

    let open = w.send(as_client(&b).get(&format!("/m/book?region={TOWN_A}"))).await;
    assert!(open.text.contains("水洛镇政府一楼") && open.text.contains("上午 8:30–12:00"), "{}", open.text);
    assert!(open.text.contains("2026年12月8日 星期二") && !open.text.contains("2026年12月7日"), "from the next working day: {}", open.text);
    assert!(open.text.contains("2026年12月21日 星期一") && !open.text.contains("2026年12月22日"), "ten working days: {}", open.text);

    // Nothing chosen: every answer named, what was typed kept.
    let bare = b.post(&w.app, "/m/book", &format!("town={TOWN_A}&name=&phone=123&note={}", enc("想问问"))).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    for said in ["请选择要办什么事", "请从列出的日期中选一个上午或下午", "请填写来办事的人的姓名", "想问问</textarea>"]
    {
        assert!(bare.text.contains(said), "{said}: {}", bare.text);
    }

    let done = b.post(&w.app, "/m/book", &booking("2026-12-09.morning", "王秀英", "13800138000")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let code = between(&done.text, "booking-code").to_string();
    assert!(code.starts_with("YY20261207-") && done.text.contains("2026年12月9日 星期三 上午"), "{}", done.text);
    // One number, one booking a day.
    let twice = b.post(&w.app, "/m/book", &booking("2026-12-09.afternoon", "王秀英", "13800138000")).await;
    assert!(twice.text.contains("这个手机号在这一天已经有预约了"), "{}", twice.text);

    // The half day fills: not offered any more, and a form sent anyway is refused.
    let second = b.post(&w.app, "/m/book", &booking("2026-12-09.morning", "李建国", "13900139000")).await;
    assert_eq!(second.status, StatusCode::OK);
    let form = w.send(as_client(&b).get(&format!("/m/book?region={TOWN_A}"))).await;
    assert!(!form.text.contains("value=\"2026-12-09.morning\"") && form.text.contains("已约满"), "{}", form.text);
    let full = b.post(&w.app, "/m/book", &booking("2026-12-09.morning", "赵四", "13700137000")).await;
    assert_eq!(full.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(full.text.contains("刚刚约满了") && full.text.contains("value=\"赵四\""), "{}", full.text);

    // Found with the same number; a wrong number reads like an unknown code.
    let wrong = b.post(&w.app, "/m/book/check", &format!("code={code}&phone=13800138001")).await;
    let unknown = b.post(&w.app, "/m/book/check", "code=YY20200101-000000&phone=13800138000").await;
    assert!(wrong.text.contains("没有查到"));
    assert_eq!(wrong.text.replace(&code, "X"), unknown.text.replace("YY20200101-000000", "X"));
    let found = b.post(&w.app, "/m/book/check", &format!("code={code}&phone=138 0013 8000")).await;
    assert!(found.text.contains("王*英") && found.text.contains("138****8000") && !found.text.contains("13800138000"), "{}", found.text);

    // The window of town A sees both, names in full, phones masked; town B sees none.
    let clerk = w.login("window_clerk_a").await;
    let day = w.send(clerk.get("/bookings?day=2026-12-09")).await;
    assert!(day.text.contains("王秀英") && day.text.contains("139****9000") && !day.text.contains("13900139000"), "{}", day.text);
    let other = w.login("window_clerk_b").await;
    assert!(!w.send(other.get("/bookings?day=2026-12-09")).await.text.contains("王秀英"));
    let handler = w.login("complaint_handler_a").await;
    assert_eq!(w.send(handler.get("/bookings")).await.status, StatusCode::FORBIDDEN);

    // Cancelling asks first; the place is free again.
    let ask = b.post(&w.app, "/m/book/cancel", &format!("ticket={}", ticket(&found.text))).await;
    assert!(ask.text.contains("确定取消这个预约吗"), "{}", ask.text);
    let kept = b.post(&w.app, "/m/book/cancel", &format!("ticket={}&keep=1", ticket(&ask.text))).await;
    assert!(kept.text.contains("我的预约") && kept.text.contains("已预约") && !kept.text.contains("确定取消"), "不取消: {}", kept.text);
    let cancelled = b.post(&w.app, "/m/book/cancel", &format!("ticket={}&confirm=1", ticket(&ask.text))).await;
    assert!(cancelled.text.contains("预约已取消") && cancelled.text.contains("已取消"), "{}", cancelled.text);
    let again = b.post(&w.app, "/m/book/cancel", &format!("ticket={}&confirm=1", ticket(&ask.text))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let freed = b.post(&w.app, "/m/book", &booking("2026-12-09.morning", "赵四", "13700137000")).await;
    assert_eq!(freed.status, StatusCode::OK, "{}", freed.text);

    // The window reads one booking's phone (audited) and records who came — on the day, not before.
    let row_of = |name: &str| {
        let r = &day.text[day.text.find(name).unwrap()..];
        let at = r.find("href=\"/bookings/").unwrap() + 16;
        r[at..at + r[at..].find('"').unwrap()].parse::<i64>().unwrap()
    };
    let li = row_of("李建国");
    let one = w.send(clerk.get(&format!("/bookings/{li}"))).await;
    assert!(one.text.contains("13900139000") && one.text.contains("到预约当天才能记录"), "{}", one.text);
    assert_eq!(w.send(other.get(&format!("/bookings/{li}"))).await.status, StatusCode::NOT_FOUND);
    let early = w.send(clerk.form(&format!("/bookings/{li}/record"), "version=1&state=arrived")).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);

    clock.set(chrono::Utc.with_ymd_and_hms(2026, 12, 9, 3, 0, 0).unwrap());
    let clerk = w.login("window_clerk_a").await;
    let unchosen = w.send(clerk.form(&format!("/bookings/{li}/record"), "version=1")).await;
    assert_eq!(unchosen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unchosen.text.contains("请选择“已到场办理”或“未到场”"), "{}", unchosen.text);
    let came = w.send(clerk.form(&format!("/bookings/{li}/record"), "version=1&state=arrived")).await;
    assert_eq!(came.status, StatusCode::SEE_OTHER, "{}", came.text);
    assert_eq!(w.send(clerk.form(&format!("/bookings/{li}/record"), "version=2&state=missed")).await.status, StatusCode::CONFLICT, "once");
    let day = w.send(clerk.get("/bookings?day=2026-12-09")).await;
    assert!(day.text.contains("已到场办理") && day.text.contains("已取消"), "{}", day.text);

    // Found with the number typed as +86; the fourth try of one number within the hour is refused
    // before its other bookings are looked at, with what was typed kept.
    let plus =
        b.post(&w.app, "/m/book/check", &format!("code={}&phone={}", between(&freed.text, "booking-code"), enc("+86 137 0013 7000"))).await;
    assert!(plus.text.contains("我的预约"), "{}", plus.text);
    let third = b.post(&w.app, "/m/book", &booking("2026-12-10.morning", "赵四", "13700137000")).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.text);
    let fourth = b.post(&w.app, "/m/book", &booking("2026-12-11.morning", "赵四", "13700137000")).await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS, "{}", fourth.text);
    assert!(fourth.text.contains("预约的次数太多了") && fourth.text.contains("value=\"赵四\""), "{}", fourth.text);

    // The trail: the residents' bookings as 群众, the look at a phone number by the clerk; no
    // phone number in any entry.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    assert!(entries.iter().any(|e| e.username == jiuzhu_web::audit::RESIDENT && e.action == "create" && e.object_kind == "booking"));
    assert!(entries.iter().any(|e| e.username == "window_clerk_a" && e.object_kind == "booking" && e.fields.contains("phone")));
    assert!(entries.iter().all(|e| !format!("{e:?}").contains("13900139000")), "no phone number in the trail");
}
