//! Issue 15: no raw framework text reaches a reader. A body over the limit was answered with the
//! plain English line "length limit exceeded"; a malformed form with axum's own words.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_testkit::app::spawn_app;

fn big_form(cookie: &str, csrf: &str, uri: &str, lang_en: bool, declare_length: bool) -> Request<Body> {
    let body = format!("csrf_token={csrf}&address={}", "a".repeat(jiuzhu_web::MAX_BODY_BYTES + 1024));
    let cookies = if lang_en { format!("{cookie}; lang=en") } else { cookie.to_string() };
    let mut r = Request::post(uri)
        .header(header::COOKIE, cookies)
        .header("x-csrf-token", csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if declare_length {
        r = r.header(header::CONTENT_LENGTH, body.len());
    }
    r.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_in_words_on_pages_and_in_json() {
    let app = spawn_app().await;
    let c = app.login("window_clerk_a").await;
    for declare_length in [true, false] {
        let a = app.send(big_form(&c.cookie, &c.csrf, "/households/new", false, declare_length)).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        let ct = a.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(ct.starts_with("text/html"), "a page, not plain text ({ct})");
        assert!(a.text.contains("超过 8 MB") && a.text.contains("未保存"), "{}", a.text);
        assert!(!a.text.contains("length limit"), "no raw English: {}", a.text);
        assert!(a.headers.contains_key(header::CONTENT_SECURITY_POLICY), "the usual protections");

        let en = app.send(big_form(&c.cookie, &c.csrf, "/households/new", true, declare_length)).await;
        assert!(en.text.contains("over 8 MB"), "{}", en.text);

        let mut api = big_form(&c.cookie, &c.csrf, "/api/v1/households", false, declare_length);
        api.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let api = app.send(api).await;
        assert_eq!(api.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!((api.json["error"].as_str(), api.json["errors"][0]["code"].as_str()), (Some("too_large"), Some("request.too_large")));
        assert!(api.json["message"].as_str().unwrap().contains("超过 8 MB"), "{}", api.json);
    }
}

#[tokio::test]
async fn a_malformed_form_is_refused_in_chinese() {
    let app = spawn_app().await;
    let c = app.login("window_clerk_a").await;
    // A form field that cannot be read as its type (a version that is not a number).
    let a = app.send(c.form(&format!("/households/{}/edit", app.in_a), &format!("csrf_token={}&version=abc", c.csrf))).await;
    assert!(a.status.is_client_error(), "{}", a.status);
    assert!(!a.text.contains("Failed to deserialize"), "no raw English: {}", a.text);
    assert!(a.text.contains("未保存"), "{}", a.text);
}
