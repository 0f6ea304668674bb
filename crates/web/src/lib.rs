//! The HTTP layer: server-rendered pages (askama + htmx) and the JSON API (OpenAPI at
//! `/api/openapi.json`). Handlers parse, call one service method, render: the services in
//! [`state::AppState`] check role and region scope and record on the user's trail what they
//! read; handlers never touch the store.
//!
//! Every request passes, outermost first: the security headers; [`auth::session_layer`]
//! (the session, CSRF); [`audit::audit_layer`] (one sealed audit entry per household read, from
//! the trail); [`extract::canonical_paths`] (ids and paths in their one form); the routes, one
//! module per resource.

mod accounts;
mod alerts;
pub mod assess;
pub mod audit;
mod audit_pages;
pub mod auth;
mod bookings;
mod cases;
mod complaints;
pub mod cookies;
pub mod error;
mod exports;
pub mod extract;
mod feeds;
pub mod frame;
mod households;
pub mod i18n;
mod monitoring;
pub mod offices;
pub mod online;
pub mod openapi;
mod payments;
pub mod public;
mod questions;
pub mod rate_limit;
mod ratings;
mod regions;
mod reveal;
mod session;
mod simulate;
pub mod state;

pub use state::{AppState, Settings};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;

/// The largest request body any route reads whole (the feed upload and survey photos set their
/// own limits on their routes).
pub const MAX_BODY_BYTES: usize = jiuzhu_verify::feeds::MAX_UPLOAD_BYTES + 64 * 1024;

/// Content-Security-Policy: scripts, styles, images and forms only from this site, never framed.
/// The pages have no inline script; htmx is told not to add its inline style (see base.html).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// Swagger UI needs its own inline script and styles; only its pages get this looser policy.
const CSP_API_DOCS: &str =
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/// Any other address: not found, as a page or (under `/api/`) JSON. Set before the layers so
/// that it passes through them all: a wrong address is refused in its one form and recorded.
async fn not_found(request: axum::extract::Request) -> axum::response::Response {
    if request.uri().path().starts_with("/api/") {
        error::WebError::NotFound.into_response()
    } else {
        error::WebError::NotFound.page(i18n::PageLang::from_headers(request.headers()).0)
    }
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    if state.healthy().await {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

static HTMX: &str = include_str!("../static/htmx.min.js");
static CSS: &str = include_str!("../static/app.css");
static JS: &str = include_str!("../static/app.js");
static PUBLIC_CSS: &str = include_str!("../static/public.css");
/// The signing pad of the online application (the only script on the residents' phone pages).
static SIGN_JS: &str = include_str!("../static/sign.js");
/// Shrinking and sending a photo without leaving the page (the survey's, the residents' documents).
static PHOTO_JS: &str = include_str!("../static/photo.js");
/// The kiosk's keypad, card reading and idle reset (only on kiosk pages).
static KIOSK_JS: &str = include_str!("../static/kiosk.js");

fn static_file(body: &'static str, mime: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=86400")], body)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let no_store = SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let api_docs =
        openapi::docs().layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP_API_DOCS)));
    Router::new()
        .merge(session::routes())
        .merge(households::routes())
        .merge(regions::routes())
        .merge(openapi::routes())
        .merge(assess::routes())
        .merge(simulate::routes())
        .merge(cases::routes())
        .merge(reveal::routes())
        .merge(audit_pages::routes())
        .merge(alerts::routes())
        .merge(exports::routes())
        .merge(monitoring::routes())
        .merge(feeds::routes())
        .merge(accounts::routes())
        .merge(payments::routes())
        .merge(online::routes())
        .merge(complaints::routes())
        .merge(ratings::routes())
        .merge(questions::routes())
        .merge(bookings::routes())
        .merge(public::routes(state.clone()))
        .merge(public::api::routes())
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(error::panic_guard())
        .layer(axum::middleware::from_fn(extract::canonical_paths))
        // Inside the session layer: the entry names the user it found.
        .layer(axum::middleware::from_fn_with_state(state.clone(), audit::audit_layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer))
        // Personal data must not be cached by browsers or proxies.
        .layer(no_store)
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::plain_errors))
        .route("/favicon.ico", get(|| async { axum::http::StatusCode::NO_CONTENT }))
        .route("/static/htmx.min.js", get(|| async { static_file(HTMX, "text/javascript; charset=utf-8") }))
        .route("/static/app.css", get(|| async { static_file(CSS, "text/css; charset=utf-8") }))
        .route("/static/app.js", get(|| async { static_file(JS, "text/javascript; charset=utf-8") }))
        .route("/static/public.css", get(|| async { static_file(PUBLIC_CSS, "text/css; charset=utf-8") }))
        .route("/static/sign.js", get(|| async { static_file(SIGN_JS, "text/javascript; charset=utf-8") }))
        .route("/static/photo.js", get(|| async { static_file(PHOTO_JS, "text/javascript; charset=utf-8") }))
        .route("/static/kiosk.js", get(|| async { static_file(KIOSK_JS, "text/javascript; charset=utf-8") }))
        .merge(api_docs)
        .with_state(state)
}

/// How often the casework tick runs (publicity periods ending, reviews falling due …), and the
/// complaints' escalation with it.
const TICK_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Serves until Ctrl-C, running the casework tick at start and every ten minutes.
pub async fn serve(state: AppState, addr: SocketAddr) -> anyhow::Result<()> {
    state.prepare().await?;
    let (casework, complaints, clock) = (state.casework.clone(), state.complaints.clone(), state.clock.clone());
    tokio::spawn(async move {
        loop {
            match casework.tick(clock.today()).await {
                Ok(r) => tracing::info!(target: "casework", ?r, "tick"),
                Err(e) => tracing::error!(target: "casework", "tick failed: {e}"),
            }
            // 逾期上提: unanswered town complaints pass up to the county the day after their due day.
            match complaints.escalate_overdue().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(target: "complaints", "{n} overdue complaint(s) passed up to the county"),
                Err(e) => tracing::error!(target: "complaints", "escalation failed: {e}"),
            }
            tokio::time::sleep(TICK_EVERY).await;
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("serving on http://{addr}");
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}
