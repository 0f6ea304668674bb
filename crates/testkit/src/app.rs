//! The application in a test, in the manner of zero-to-production's `spawn_app`: the world's
//! database behind the real router (every layer: sessions, CSRF, the audit trail), and a client
//! that signs in and sends requests as a browser or another system would.

use crate::world::{PASSWORD, World, world};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use jiuzhu_domain::clock::FixedClock;
use jiuzhu_web::{AppState, Settings};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

/// The world and the app on it.
pub struct TestApp {
    pub world: World,
    pub app: Router,
    /// The app's state (its services), for what a test sets up through them.
    pub state: AppState,
}

/// The world's database, households and keys, as `app.store`, `app.in_a` …
impl std::ops::Deref for TestApp {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

/// An answer: status, headers, body as text and (when it is JSON) as a value.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
    /// The body as sent (files).
    pub bytes: Vec<u8>,
}

impl Answer {
    /// Where a redirect goes.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// The app on the standard world, with the machine's clock.
pub async fn spawn_app() -> TestApp {
    let world = world().await;
    let state = AppState::new(world.store.clone(), world.keys.clone(), Settings::new(world.dir.path())).expect("the app starts");
    TestApp { app: jiuzhu_web::router(state.clone()), state, world }
}

/// The app on the standard world with a clock the test sets (time-of-day rules).
pub async fn spawn_app_at(clock: Arc<FixedClock>) -> TestApp {
    let world = world().await;
    let state =
        AppState::with_clock(world.store.clone(), world.keys.clone(), Settings::new(world.dir.path()), clock).expect("the app starts");
    TestApp { app: jiuzhu_web::router(state.clone()), state, world }
}

/// The app of `state` (built by the test with other settings) on `world`.
pub fn app_of(world: World, state: AppState) -> TestApp {
    TestApp { app: jiuzhu_web::router(state.clone()), state, world }
}

/// Sends one request through the whole router.
pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.expect("the router answers");
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("the body is read");
    let text = String::from_utf8_lossy(&body).into_owned();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Answer { status, headers, text, json, bytes: body.to_vec() }
}

/// A signed-in client: its session cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Client {
    pub cookie: String,
    pub csrf: String,
}

/// Signs in over the API; the refusal's answer when it fails.
pub async fn login(app: &Router, username: &str, password: &str) -> Result<Client, Answer> {
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"username": username, "password": password}).to_string()))
        .expect("a request");
    let a = send(app, req).await;
    let cookie = a.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(str::to_string);
    match (a.status, cookie, a.json["csrf_token"].as_str()) {
        (StatusCode::OK, Some(cookie), Some(csrf)) => Ok(Client { cookie, csrf: csrf.to_string() }),
        _ => Err(a),
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Answer {
        send(&self.app, req).await
    }

    /// Signs in as one of the world's accounts (all share [`PASSWORD`]).
    pub async fn login(&self, username: &str) -> Client {
        login(&self.app, username, PASSWORD).await.unwrap_or_else(|a| panic!("{username} signs in: {a:?}"))
    }
}

impl Client {
    pub fn get(&self, uri: &str) -> Request<Body> {
        Request::get(uri).header(header::COOKIE, &self.cookie).body(Body::empty()).expect("a request")
    }

    /// A JSON request with the session and the CSRF header.
    pub fn json(&self, method: &str, uri: &str, body: Value) -> Request<Body> {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("a request")
    }

    /// A form post with the session and the CSRF header; `body` is already url-encoded.
    pub fn form(&self, uri: &str, body: &str) -> Request<Body> {
        Request::post(uri)
            .header(header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .expect("a request")
    }

    /// A multipart upload of named fields and one file, the CSRF token in the query as the
    /// page's form sends it.
    pub fn upload(&self, uri: &str, fields: &[(&str, &str)], file_field: &str, file_name: &str, bytes: &[u8]) -> Request<Body> {
        let boundary = "jiuzhuBoundary7MA4YWxk";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let sep = if uri.contains('?') { '&' } else { '?' };
        Request::post(format!("{uri}{sep}csrf_token={}", self.csrf))
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("a request")
    }
}

/// A resident's browser on the residents' site (`/m/`): no session, only the form-token cookie
/// the first page sets, which every form carries (the token in the cookie and in the form must
/// agree), from a phone's user agent.
pub struct ResidentBrowser {
    pub cookie: String,
    pub token: String,
}

impl ResidentBrowser {
    /// Opens `path` (a residents' page) and keeps the form token it sets.
    pub async fn open(app: &Router, path: &str) -> ResidentBrowser {
        let a = send(app, Request::get(path).body(Body::empty()).expect("a request")).await;
        let set = a.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("the page sets the form token");
        let cookie = set.split(';').next().unwrap_or_default().to_string();
        let token = cookie.split_once('=').map(|(_, t)| t.to_string()).unwrap_or_default();
        ResidentBrowser { cookie, token }
    }

    /// A multipart upload of named fields and one file from this browser, the form token in the
    /// query as the residents' photo form sends it.
    pub async fn upload(&self, app: &Router, uri: &str, fields: &[(&str, &str)], file_field: &str, bytes: &[u8]) -> Answer {
        let staff = Client { cookie: self.cookie.clone(), csrf: self.token.clone() };
        send(app, staff.upload(uri, fields, file_field, "photo.jpg", bytes)).await
    }

    /// Posts `form` (URL-encoded, without the token: it is added here).
    pub async fn post(&self, app: &Router, uri: &str, form: &str) -> Answer {
        let req = Request::post(uri)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::USER_AGENT, "Mozilla/5.0 (Linux; Android 10) test phone")
            .body(Body::from(format!("csrf_token={}&{form}", self.token)))
            .expect("a request");
        send(app, req).await
    }
}
