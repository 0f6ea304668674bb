//! 网上申请 end to end through the whole router: a resident applies with two adults' signatures
//! and gets a number and a query code; the town's clerk sees it (and the other town's does not),
//! takes it in (household registered, cases opened); the resident follows it with the number and
//! the ID number or the code, while a wrong pair answers exactly as an unknown number; the reads
//! are audited as a resident's; queries are limited per number.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use jiuzhu_testkit::app::{Answer, send, spawn_app};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_testkit::world::{TOWN_A, VILLAGE_A};

/// A resident's browser with its form-token cookie.
struct Browser {
    cookie: String,
    token: String,
}

impl Browser {
    async fn open(app: &axum::Router) -> Browser {
        let a = send(app, Request::get("/m/progress").body(Body::empty()).unwrap()).await;
        let set = a.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_string();
        let token = cookie.split_once('=').unwrap().1.to_string();
        Browser { cookie, token }
    }
    async fn post(&self, app: &axum::Router, uri: &str, form: &str) -> Answer {
        let req = Request::post(uri)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::USER_AGENT, "Mozilla/5.0 (Linux; Android 10) test phone")
            .body(Body::from(format!("csrf_token={}&{form}", self.token)))
            .unwrap();
        send(app, req).await
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A signature as the pad sends it.
fn signature() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(std::iter::repeat_n(9u8, 500));
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

/// A couple and their child: two adults sign.
fn family(head: &str, spouse: &str, child: &str) -> String {
    [
        format!("region={TOWN_A}&village={VILLAGE_A}&area=rural&address={}&phone=13800138000", enc("何马村三组 12 号")),
        format!("kind=dibao&request={}", enc("丈夫去年摔伤后不能干重活，家里没有收入")),
        format!("m1_name={}&m1_id={head}&m1_employment=farming", enc("李秀兰")),
        format!("m2_name={}&m2_id={spouse}&m2_relation=spouse&m2_employment=unemployed", enc("王德明")),
        format!("m3_name={}&m3_id={child}&m3_relation=child", enc("王小宝")),
    ]
    .join("&")
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    &text[at..at + text[at..].find('<').unwrap()]
}

#[tokio::test]
async fn a_resident_applies_the_clerk_takes_it_in_and_the_resident_follows_it() {
    let w = spawn_app().await;
    let b = Browser::open(&w.app).await;
    let (head, spouse, child) = (id_number("19800312", 41), id_number("19780605", 53), id_number("20150101", 62));
    let form = family(&head, &spouse, &child);

    // The form is checked first (the registry's rules), then the signing page lists the adults.
    let sign = b.post(&w.app, "/m/apply", &format!("{form}&step=sign")).await;
    assert_eq!(sign.status, StatusCode::OK, "{}", sign.text);
    assert!(sign.text.contains("name=\"sig1\"") && sign.text.contains("name=\"sig2\""), "both adults sign");
    assert!(!sign.text.contains("name=\"sig3\""), "a child does not sign");
    assert!(sign.text.contains("value=\"李秀兰\""), "what was typed travels in the form");

    // Sent with one signature missing: refused on the signing page, naming the person.
    let sig = enc(&signature());
    let half = b.post(&w.app, "/m/apply", &format!("{form}&sig1={sig}&step=send")).await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", half.text);
    assert!(half.text.contains("第 2 位家庭成员（王德明）"), "{}", half.text);
    assert!(half.text.contains(&format!("value=\"{}\"", signature())), "the signature already drawn is kept");

    let done = b.post(&w.app, "/m/apply", &format!("{form}&sig1={sig}&sig2={sig}&step=send")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let reference = between(&done.text, "reference").to_string();
    let code = between(&done.text, "query-code").to_string();
    assert!(reference.starts_with("WS") && code.len() == 9, "{reference} {code}");
    assert!(!done.text.contains(&head), "no ID number on the receipt");

    // The other town's clerk does not see it; town A's does, with both signatures.
    let other = w.login("window_clerk_b").await;
    assert!(!w.send(other.get("/online")).await.text.contains(&reference));
    let clerk = w.login("window_clerk_a").await;
    let list = w.send(clerk.get("/online")).await;
    assert!(list.text.contains(&reference), "{}", list.text);
    let id: i64 = {
        let at = list.text.find("href=\"/online/").unwrap() + 14;
        list.text[at..at + list.text[at..].find('"').unwrap()].parse().unwrap()
    };
    assert_eq!(w.send(other.get(&format!("/online/{id}"))).await.status, StatusCode::NOT_FOUND, "out of scope reads as unknown");
    let one = w.send(clerk.get(&format!("/online/{id}"))).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.text.matches("class=\"signature\"").count(), 2, "{}", one.text);
    assert!(!one.text.contains(&head) && one.text.contains(&jiuzhu_domain::mask::id_number(&head)), "ID numbers masked");

    // Before it is taken in, the resident sees it waiting.
    let waiting = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.text);
    assert!(waiting.text.contains("等待乡镇窗口受理"));

    // 受理: the household is registered as sent and a 低保 case opened.
    let took = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(took.status, StatusCode::SEE_OTHER, "{}", took.text);
    assert!(took.location().unwrap().starts_with("/cases/"));
    let again = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "taken once");
    let found = w.send(clerk.json("GET", &format!("/api/v1/households?q={head}"), serde_json::Value::Null)).await;
    assert!(found.text.contains("李"), "the household is registered: {}", found.text);

    // Progress by number and ID number (typed in lower case with spaces) shows the case's steps.
    let progress = b.post(&w.app, "/m/progress", &format!("reference={}&proof=+{}+", reference.to_lowercase(), head.to_lowercase())).await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.text);
    assert!(progress.text.contains("最低生活保障") && progress.text.contains("已受理"), "{}", progress.text);
    assert!(progress.text.contains("户口簿") && !progress.text.contains("核对授权书"), "signed online: not asked again {}", progress.text);
    assert!(!progress.text.contains(&head), "no ID number on the page");

    // A wrong pair reads exactly like an unknown number.
    let wrong = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={spouse}")).await;
    let unknown = b.post(&w.app, "/m/progress", &format!("reference=WS20200101-000000&proof={head}")).await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert!(wrong.text.contains("没有查到"), "{}", wrong.text);
    assert_eq!(wrong.text.replace(&reference, "X"), unknown.text.replace("WS20200101-000000", "X"));

    // Every resident's read and send is in the audit trail, refusals included; no ID number in it.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let residents: Vec<_> = entries.iter().filter(|e| e.username == jiuzhu_web::audit::RESIDENT).collect();
    assert!(residents.iter().any(|e| e.action == "create" && e.object_kind == "online_application"), "{residents:?}");
    assert!(residents.iter().filter(|e| e.action == "view").count() >= 4, "{residents:?}");
    assert!(residents.iter().any(|e| e.outcome == "denied" && e.reason == "not_found"), "{residents:?}");
    assert!(residents.iter().any(|e| e.household_id.is_some()), "a progress read after intake names the household: {residents:?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(&head)), "no ID number in the trail");
}

#[tokio::test]
async fn queries_are_limited_per_number_from_any_address() {
    let w = spawn_app().await;
    let b = Browser::open(&w.app).await;
    let mut last = StatusCode::OK;
    for i in 0..7 {
        last = b.post(&w.app, "/m/progress", &format!("reference=WS20261201-123456&proof={}", id_number("19700101", i))).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the sixth try of one number in a minute is refused");
}
