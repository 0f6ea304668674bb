//! 群众端 JSON API through the whole router, without a login: the divisions to choose from, a
//! town's policy guide with each standard's notice, its notice board, and the two lookups by
//! number and secret (an application's progress, a report's result) — a wrong pair answering
//! exactly like an unknown number, the limits of the pages holding, every lookup in the audit
//! trail as 群众 without the secret, and no full ID number in any answer.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use jiuzhu_testkit::app::{Answer, ResidentBrowser, TestApp, send, spawn_app};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_testkit::world::{COUNTY, TOWN_A, VILLAGE_A};
use serde_json::{Value, json};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    &text[at..at + text[at..].find('<').unwrap()]
}

/// Whether `text` holds an 18-character ID number (17 digits and a digit or X, not inside a longer run).
fn full_id(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(17)).any(|i| {
        let edge = |j: Option<usize>| j.and_then(|j| b.get(j)).is_none_or(|c| !c.is_ascii_alphanumeric());
        b[i..i + 17].iter().all(u8::is_ascii_digit)
            && (b[i + 17].is_ascii_digit() || b[i + 17] == b'X')
            && edge(i.checked_sub(1))
            && edge(Some(i + 18))
    })
}

async fn get(w: &TestApp, uri: &str) -> Answer {
    send(&w.app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(w: &TestApp, uri: &str, body: &Value) -> Answer {
    send(&w.app, Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test]
async fn regions_guide_and_notices_are_public_and_name_their_sources() {
    let w = spawn_app().await;
    let towns = get(&w, &format!("/api/v1/public/regions?within={COUNTY}")).await;
    assert_eq!(towns.status, StatusCode::OK, "{}", towns.text);
    let list = towns.json.as_array().unwrap();
    assert!(list.iter().any(|t| t["code"] == TOWN_A && t["level"] == "town"), "{list:?}");
    assert_eq!(get(&w, "/api/v1/public/regions?within=999999999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&w, "/api/v1/public/regions?within=abc").await.status, StatusCode::NOT_FOUND);

    let g = get(&w, &format!("/api/v1/public/guide?region={TOWN_A}")).await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    assert_eq!(g.json["region"], TOWN_A);
    let dibao = g.json["programmes"].as_array().unwrap().iter().find(|p| p["kind"] == "dibao").expect("低保 in the guide");
    let standard = &dibao["standards"][0];
    assert!(standard["fen"].as_i64().unwrap() > 0 && !standard["reference"].as_str().unwrap().is_empty(), "{standard}");
    assert!(!dibao["materials"].as_array().unwrap().is_empty());
    // No place chosen is refused naming the field; an unknown code is not found.
    let none = get(&w, "/api/v1/public/guide?region=").await;
    assert_eq!((none.status, none.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("region")));
    assert_eq!(get(&w, "/api/v1/public/guide?region=620825999").await.status, StatusCode::NOT_FOUND);

    let board = get(&w, &format!("/api/v1/public/notices?region={VILLAGE_A}")).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.text);
    assert_eq!(board.json["town"], TOWN_A, "a village's board is its town's");
    assert!(board.json["on_notice"].is_array() && board.json["payments"].is_array());
    assert!(!full_id(&board.text), "{}", board.text);
}

/// A signature as the pad sends it.
fn signature() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(std::iter::repeat_n(9u8, 500));
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

#[tokio::test]
async fn progress_and_report_lookups_answer_alike_for_a_wrong_pair_and_are_limited() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let head = id_number("19620314", 171);
    let sig = enc(&signature());
    let form = [
        format!("region={TOWN_A}&village={VILLAGE_A}&area=rural&address={}&phone=13800138000", enc("何马村三组 12 号")),
        format!("kind=dibao&request={}", enc("一个人生活，没有收入，看病花钱多")),
        format!("m1_name={}&m1_id={head}&m1_employment=unemployed&sig1={sig}&step=send", enc("孙玉兰")),
    ]
    .join("&");
    let done = b.post(&w.app, "/m/apply", &form).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let (reference, code) = (between(&done.text, "reference").to_string(), between(&done.text, "query-code").to_string());

    let found = post(&w, "/api/v1/public/progress", &json!({ "reference": reference, "proof": head })).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json["reference"], reference.as_str());
    assert_eq!(found.json["state"]["zh"], "待受理");
    assert_eq!(found.json["programmes"][0]["zh"], "最低生活保障");
    assert!(!found.text.contains(&head) && !full_id(&found.text), "{}", found.text);
    let by_code = post(&w, "/api/v1/public/progress", &json!({ "reference": reference.to_lowercase(), "proof": code })).await;
    assert_eq!(by_code.json, found.json, "the query code finds the same");

    // A wrong ID number and an unknown number: the same 404, byte for byte.
    let wrong = post(&w, "/api/v1/public/progress", &json!({ "reference": reference, "proof": id_number("19620314", 173) })).await;
    let unknown = post(&w, "/api/v1/public/progress", &json!({ "reference": "WS20200101-000000", "proof": head })).await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(wrong.text, unknown.text);

    // A report filed on the page, read back through the API.
    let r = ResidentBrowser::open(&w.app, "/m/report/check").await;
    let filed = r
        .post(
            &w.app,
            "/m/report",
            &format!(
                "town={TOWN_A}&category=payment_late_or_short&region={VILLAGE_A}&content={}&anonymous=yes&form_key=00112233445566778899aabbccddeeff",
                enc("这个月的低保金到现在还没有发到卡上")
            ),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.text);
    let (jb, pin) = (between(&filed.text, "report-code").to_string(), between(&filed.text, "report-pin").replace(' ', ""));
    let read = post(&w, "/api/v1/public/reports/lookup", &json!({ "code": jb, "pin": pin })).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json["state"]["zh"], "待受理");
    assert_eq!(read.json["category"]["zh"], "待遇未按时足额发放");
    assert!(read.json["due_on"].is_string() && read.json["reply"].is_null());
    let wrong_pin = if pin.starts_with('1') { "22222222" } else { "11111111" };
    let bad = post(&w, "/api/v1/public/reports/lookup", &json!({ "code": jb, "pin": wrong_pin })).await;
    let none = post(&w, "/api/v1/public/reports/lookup", &json!({ "code": "JB20200101-000000", "pin": pin })).await;
    assert_eq!((bad.status, none.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(bad.text, none.text);

    // One report code tried from the page and the API together: the limit per code holds.
    let page = r.post(&w.app, "/m/report/check", &format!("code={jb}&pin={wrong_pin}")).await;
    assert_eq!(page.status, StatusCode::OK, "the page's try (its third) is answered and counted");
    let mut last = StatusCode::OK;
    for _ in 0..3 {
        last = post(&w, "/api/v1/public/reports/lookup", &json!({ "code": jb, "pin": wrong_pin })).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);

    // Every lookup is the resident's entry in the trail; no secret in it.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let api: Vec<_> =
        entries.iter().filter(|e| e.username == jiuzhu_web::audit::RESIDENT && format!("{e:?}").contains("/api/v1/public/")).collect();
    assert!(api.len() >= 8, "{api:?}");
    assert!(entries.iter().all(|e| {
        let t = format!("{e:?}");
        !t.contains(&head) && !t.contains(&pin) && !t.contains(&code)
    }));
}
