//! 自助终端: the residents' site on the service hall's touch kiosk. `/kiosk/` turns the kiosk's
//! browser into one (a cookie that lasts until the browser closes) and every residents' page then
//! draws larger, with `static/kiosk.js`: an on-screen keypad for ID numbers and codes, the
//! 刷身份证 button reading the card from the reader bridge on the kiosk PC, and after 60 seconds
//! without a touch everything is cleared and the start page comes back.
//!
//! The card's fields go from the bridge to the page to [`card`], which only says whether the card
//! can fill the ID-number box (GB 11643, its validity period); the photo is never sent, nothing is
//! stored.

use super::{KIOSK_COOKIE, Resident, elder_cookie};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_domain::trail::Trail;
use jiuzhu_residents::kiosk::CardFields;
use serde::Serialize;

/// Seconds without a touch before a kiosk clears itself.
pub const IDLE_SECONDS: u32 = 60;

/// The largest card read accepted: the text fields are a few hundred bytes; a photo (which the
/// page never sends) would not fit.
const MAX_CARD_BYTES: usize = 4 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kiosk", get(|| async { Redirect::permanent("/kiosk/") }))
        .route("/kiosk/", get(start))
        .route("/m/kiosk/reset", get(reset))
        .route("/m/card", post(card).layer(axum::extract::DefaultBodyLimit::max(MAX_CARD_BYTES)))
}

/// The address of a card-reader bridge, as set up for the server: it must be on the kiosk PC
/// itself (`http://127.0.0.1:PORT/…` or `localhost`), the only place a browser may read a local
/// device from and the only origin the pages' policy lets the script reach.
pub fn card_reader(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("读卡器地址 {text} 不是网址（{e}）"))?;
    // Not `[::1]`: a content security policy cannot name an IPv6 address, so the page could
    // never reach it.
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
    if url.scheme() != "http" || !local || url.port().is_none() || !url.username().is_empty() || url.query().is_some() {
        return Err(format!(
            "读卡器地址 {text} 应为本机地址，例如 http://127.0.0.1:18088/card（读卡器桥接程序运行在自助终端电脑上；不能用 IPv6 的 [::1]）"
        ));
    }
    Ok(url.to_string())
}

/// The pages' Content-Security-Policy, with the card reader's origin allowed to be read.
pub fn csp(reader: Option<&str>) -> HeaderValue {
    let origin = reader.and_then(|r| url::Url::parse(r).ok()).map(|u| u.origin().ascii_serialization());
    match origin {
        Some(o) => HeaderValue::from_str(&crate::CSP.replace("connect-src 'self'", &format!("connect-src 'self' {o}")))
            .unwrap_or(HeaderValue::from_static(crate::CSP)),
        None => HeaderValue::from_static(crate::CSP),
    }
}

/// `/kiosk/`: this browser becomes a kiosk (until it closes), standard text and Chinese, then the
/// start page. The hall sets it as the kiosk browser's start address.
async fn start(State(state): State<AppState>) -> Response {
    fresh_start(state.secure_cookies)
}

/// What the idle timer and the 结束 button lead to: the display settings the last person chose
/// are undone, the browser gets a new form token (so no earlier person's form can be sent again,
/// nor a ticket of theirs used), and the start page comes back (the script has already emptied
/// the page).
async fn reset(State(state): State<AppState>) -> Response {
    fresh_start(state.secure_cookies)
}

fn fresh_start(secure: bool) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/m/")]).into_response();
    let secure = if secure { "; Secure" } else { "" };
    let form = format!("{}={}; Path=/m/; HttpOnly; SameSite=Strict{secure}", super::FORM_COOKIE, super::random_hex());
    for c in [format!("{KIOSK_COOKIE}=1; Path=/; SameSite=Strict"), elder_cookie(false), crate::cookies::lang_cookie("zh"), form] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// What the kiosk shows of a card it may use (the number goes into the box it was read for).
#[derive(Serialize)]
struct CardRead {
    id_number: String,
    name: String,
    masked_name: String,
    /// `YYYY-MM-DD`, or `null` for 长期.
    valid_to: Option<String>,
}

/// `POST /m/card` (JSON, the form token in `X-CSRF-Token`): the card's text fields as the
/// bridge read them → the number and name to fill in, or why the card cannot be used (422, in
/// words). Limited per address (its own limit: a hall's kiosks may share one address).
async fn card(State(state): State<AppState>, ClientIp(ip): ClientIp, Json(fields): Json<CardFields>) -> Response {
    if !state.card_limiter.allow(ip, std::time::Instant::now()) {
        return WebError::TooMany.into_response();
    }
    let trail = Trail::default();
    let answer = match state.residents.read_card(&trail, &fields) {
        Ok(c) => Json(CardRead {
            id_number: c.number.as_str().to_string(),
            masked_name: c.masked_name(),
            name: c.name,
            valid_to: c.valid_to.map(|d| d.to_string()),
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    };
    crate::audit::resident_trail(answer, trail)
}

impl Resident {
    /// The idle time of a kiosk page, for its script.
    pub fn idle_seconds(&self) -> u32 {
        IDLE_SECONDS
    }
}
