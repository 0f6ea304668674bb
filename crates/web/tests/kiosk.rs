//! 自助终端 through the whole router: `/kiosk/` makes a browser the hall's kiosk (and undoes the
//! last person's display settings), kiosk pages carry the keypad-and-reader script and the reader's
//! origin in their policy (staff pages never), and `/m/card` checks a card's fields: a good card
//! fills the box, an expired or garbled one is refused in words, a photo does not fit, nothing of
//! the card reaches the audit trail but that a card was read.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_testkit::app::{Answer, ResidentBrowser, TestApp, app_of, send, spawn_app};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_web::{AppState, Settings};
use serde_json::{Value, json};

const READER: &str = "http://127.0.0.1:18088/card";

async fn with_reader() -> TestApp {
    let world = jiuzhu_testkit::world::world().await;
    let settings = Settings { card_reader: Some(READER.into()), ..Settings::new(world.dir.path()) };
    let state = AppState::new(world.store.clone(), world.keys.clone(), settings).unwrap();
    app_of(world, state)
}

async fn get(w: &TestApp, uri: &str, cookie: &str) -> Answer {
    send(&w.app, Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
}

/// The card's fields as the reader bridge gives them, posted the way kiosk.js does.
async fn read(w: &TestApp, b: &ResidentBrowser, fields: &Value) -> Answer {
    let req = Request::post("/m/card")
        .header(header::COOKIE, format!("{}; kiosk=1", b.cookie))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &b.token)
        .body(Body::from(fields.to_string()))
        .unwrap();
    send(&w.app, req).await
}

fn card(valid_to: &str) -> Value {
    json!({
        "name": "王建国      ", "sex": "1", "nation": "01", "birth": "19790312",
        "address": "甘肃省庄浪县朱店镇何马村三组", "id_number": id_number("19790312", 141),
        "issuer": "庄浪县公安局", "valid_from": "20160501", "valid_to": valid_to,
    })
}

#[tokio::test]
async fn the_kiosk_start_makes_this_browser_a_kiosk_and_undoes_the_last_persons_settings() {
    let w = spawn_app().await;
    for start in ["/kiosk/", "/m/kiosk/reset"] {
        let a = get(&w, start, "elder=1; lang=en").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{start}");
        assert_eq!(a.location(), Some("/m/"));
        let cookies: Vec<_> = a.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        for want in ["kiosk=1;", "elder=0;", "lang=zh;", "jiuzhu_form="] {
            assert!(cookies.iter().any(|c| c.starts_with(want)), "{start}: {want} in {cookies:?}");
        }
    }
    // A reset gives the browser a new form token: the last person's forms (and rating tickets)
    // no longer hold — sending one again is refused.
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let reset = get(&w, "/m/kiosk/reset", &b.cookie).await;
    let set: Vec<&str> = reset.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    let new_cookie = set.iter().find(|c| c.starts_with("jiuzhu_form=")).unwrap().split(';').next().unwrap().to_string();
    assert_ne!(new_cookie, b.cookie, "a new token");
    let old_form = ResidentBrowser { cookie: new_cookie, token: b.token.clone() };
    let resent = old_form.post(&w.app, "/m/progress", "reference=WS20261201-123456&proof=ABCD-EFGH").await;
    assert_eq!(resent.status, StatusCode::FORBIDDEN, "{}", resent.text);
    assert_eq!(get(&w, "/kiosk", "").await.location(), Some("/kiosk/"));

    // A kiosk page: large targets, the script, the idle time, the way to finish; a phone's: none.
    let kiosk = get(&w, "/m/", "kiosk=1").await;
    assert_eq!(kiosk.status, StatusCode::OK);
    for want in ["class=\"public kiosk\"", "data-idle=\"60\"", "/static/kiosk.js", "结束，清空屏幕", "自助服务终端"] {
        assert!(kiosk.text.contains(want), "{want}: {}", kiosk.text);
    }
    let phone = get(&w, "/m/", "").await;
    assert!(!phone.text.contains("kiosk.js") && !phone.text.contains("结束，清空屏幕"));
    let script = get(&w, "/static/kiosk.js", "").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.text.contains("/m/card"));

    // The boxes the keypad and the card fill.
    let progress = get(&w, "/m/progress", "kiosk=1").await;
    assert!(
        progress.text.contains("data-keypad=\"WS\"") && progress.text.contains("data-keypad=\"X\" data-letters data-card=\"\""),
        "{}",
        progress.text
    );
    let check = get(&w, "/m/report/check", "kiosk=1").await;
    assert!(check.text.contains("data-keypad=\"JB\"") && check.text.contains("data-keypad=\"\""));
}

#[tokio::test]
async fn only_the_residents_pages_may_reach_the_card_reader() {
    let w = with_reader().await;
    let csp = |a: &Answer| a.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string();
    let kiosk = get(&w, "/m/progress", "kiosk=1").await;
    assert!(csp(&kiosk).contains("connect-src 'self' http://127.0.0.1:18088;"), "{}", csp(&kiosk));
    assert!(kiosk.text.contains(&format!("data-reader=\"{READER}\"")), "{}", kiosk.text);
    let login = get(&w, "/login", "").await;
    assert!(csp(&login).contains("connect-src 'self';"), "staff pages: {}", csp(&login));
    // Without a reader set up, the residents' pages have the plain policy too.
    let plain = spawn_app().await;
    assert!(csp(&get(&plain, "/m/", "kiosk=1").await).contains("connect-src 'self';"));
}

#[tokio::test]
async fn a_card_is_checked_before_it_fills_the_box_and_nothing_of_it_is_kept() {
    let w = with_reader().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;

    let good = read(&w, &b, &card("20360501")).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    assert_eq!(good.json["id_number"], id_number("19790312", 141));
    assert_eq!(good.json["name"], "王建国");
    assert_eq!(good.json["masked_name"], jiuzhu_domain::mask::name("王建国"));
    assert_eq!(good.json["valid_to"], "2036-05-01");
    let lifelong = read(&w, &b, &card("长期")).await;
    assert_eq!((lifelong.status, &lifelong.json["valid_to"]), (StatusCode::OK, &Value::Null));

    // Expired: refused in words, naming the day and offering the keypad.
    let expired = read(&w, &b, &card("20200501")).await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", expired.text);
    let why = &expired.json["errors"][0];
    assert_eq!((why["field"].as_str(), why["code"].as_str()), (Some("card"), Some("card.expired")));
    assert!(why["message"].as_str().unwrap().contains("2020年05月01日") && why["message"].as_str().unwrap().contains("数字键"));
    // A garbled read (the birth date on the card disagrees with the number).
    let mut garbled = card("20360501");
    garbled["birth"] = json!("19790313");
    let g = read(&w, &b, &garbled).await;
    assert_eq!(g.json["errors"][0]["code"], "card.garbled", "{}", g.text);

    // Without the form token: refused before anything is read.
    let req =
        Request::post("/m/card").header(header::CONTENT_TYPE, "application/json").body(Body::from(card("20360501").to_string())).unwrap();
    assert_eq!(send(&w.app, req).await.status, StatusCode::FORBIDDEN);
    // A photo (tens of kilobytes of base64) does not fit: the page never sends one.
    let mut with_photo = card("20360501");
    with_photo["photo"] = json!("A".repeat(40 * 1024));
    assert_eq!(read(&w, &b, &with_photo).await.status, StatusCode::PAYLOAD_TOO_LARGE);

    // The trail says a card was read and how it ended; never whose.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let reads: Vec<_> = entries.iter().filter(|e| format!("{e:?}").contains("自助终端读卡")).collect();
    assert_eq!(reads.len(), 4, "{reads:?}");
    assert!(reads.iter().all(|e| e.username == jiuzhu_web::audit::RESIDENT));
    assert_eq!(reads.iter().filter(|e| e.outcome == "denied").count(), 2);
    let number = id_number("19790312", 141);
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(&number) && !format!("{e:?}").contains("王建国")), "{entries:?}");
}

#[test]
fn the_reader_must_be_on_the_kiosk_itself() {
    use jiuzhu_web::public::card_reader;
    for ok in ["http://127.0.0.1:18088/card", "http://localhost:9000/"] {
        assert!(card_reader(ok).is_ok(), "{ok}");
    }
    for bad in [
        "https://reader.example.com:443/card",
        "http://10.0.0.5:18088/card",
        "http://127.0.0.1/card",
        "ftp://127.0.0.1:21/",
        "reader",
        "http://127.0.0.1:18088/card?x=1",
        // A content security policy cannot name `[::1]`: the page could never reach it.
        "http://[::1]:18088/card",
    ] {
        let e = card_reader(bad).unwrap_err();
        assert!(e.contains("读卡器地址"), "{bad}: {e}");
    }
}

#[tokio::test]
async fn card_checks_have_their_own_limit_per_address() {
    let w = with_reader().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    // A hall's kiosks may share one address: 60 checks a minute, more than the 20 of other requests.
    for i in 0..jiuzhu_web::state::CARD_READS_PER_MINUTE {
        assert_eq!(read(&w, &b, &card("20360501")).await.status, StatusCode::OK, "check {i}");
    }
    assert_eq!(read(&w, &b, &card("20360501")).await.status, StatusCode::TOO_MANY_REQUESTS);
    // … and they spend nothing of the residents' other allowance.
    assert_eq!(b.post(&w.app, "/m/progress", "reference=WS20261201-123456&proof=ABCD-EFGH").await.status, StatusCode::OK);
}
