//! The HTTP layer: server-rendered pages (askama + htmx) and the JSON API (OpenAPI at
//! `/api/openapi.json`). Every request passes [`auth::session_layer`] (authentication, CSRF);
//! every handler acts through the registry service, which checks role and region scope.

mod accounts;
pub mod api;
pub mod assess;
pub mod audit;
pub mod auth;
mod cases;
pub mod error;
mod exports;
pub mod i18n;
mod monitoring;
mod pages;
pub(crate) mod security;
mod simulate;
mod view;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jiuzhu_registry::Registry;
use jiuzhu_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub registry: Registry,
    /// Add `Secure` to cookies (set when served behind TLS).
    pub secure_cookies: bool,
    /// Limits the public assessment endpoint per client address.
    pub assess_limiter: Arc<assess::RateLimiter>,
    /// Casework (applications, queues, reviews) with the official calendar.
    pub casework: Arc<jiuzhu_casework::Casework>,
    /// The audit trail's writer (every request's entry goes through it).
    pub audit: jiuzhu_audit::AuditLog,
    /// Seals with the key file's audit keys (verification on the audit pages).
    pub sealer: jiuzhu_audit::KeySealer,
    /// Roster exports of more households than this wait for a county approver.
    pub export_approval_rows: i64,
}

impl AppState {
    /// `keys` are the key file's: the store encrypts with them, the audit trail seals with them.
    /// Starts the audit writer, so it needs a Tokio runtime.
    pub fn new(store: Arc<dyn Store>, keys: Arc<jiuzhu_crypto::Keyring>) -> AppState {
        AppState::with_thresholds(store, keys, jiuzhu_audit::alerts::Thresholds::default())
    }

    /// As [`AppState::new`], with the alert rules' thresholds from configuration.
    pub fn with_thresholds(
        store: Arc<dyn Store>,
        keys: Arc<jiuzhu_crypto::Keyring>,
        thresholds: jiuzhu_audit::alerts::Thresholds,
    ) -> AppState {
        let sealer = jiuzhu_audit::KeySealer::new(keys);
        let engine = jiuzhu_audit::alerts::AlertEngine::new(thresholds, jiuzhu_domain::Calendar::official().clone());
        AppState {
            audit: jiuzhu_audit::AuditLog::start(store.clone(), sealer.clone(), engine),
            sealer,
            casework: Arc::new(jiuzhu_casework::Casework::new(store.clone())),
            registry: Registry::new(store.clone()),
            store,
            secure_cookies: false,
            assess_limiter: Arc::new(assess::RateLimiter::new(120)),
            export_approval_rows: jiuzhu_domain::access::EXPORT_APPROVAL_ROWS,
        }
    }

    /// Reads what the server needs from the database before serving (holiday years imported
    /// after the release).
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.casework.load_calendar().await.map_err(|e| anyhow::anyhow!("{e}"))
    }
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

static HTMX: &str = include_str!("../static/htmx.min.js");
static CSS: &str = include_str!("../static/app.css");
static JS: &str = include_str!("../static/app.js");

fn static_file(body: &'static str, mime: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=86400")], body)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let no_store = SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(assess::routes())
        .merge(simulate::routes())
        .merge(cases::routes())
        .merge(security::routes())
        .merge(exports::routes())
        .merge(monitoring::routes())
        .merge(accounts::routes())
        .route("/healthz", get(healthz))
        .layer(axum::middleware::from_fn(error::api_errors_as_json))
        // Inside the session layer: the entry names the user it found.
        .layer(axum::middleware::from_fn_with_state(state.clone(), audit::audit_layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer))
        // Personal data must not be cached by browsers or proxies.
        .layer(no_store)
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(8 * 1024 * 1024))
        .route("/favicon.ico", get(|| async { axum::http::StatusCode::NO_CONTENT }))
        .route("/static/htmx.min.js", get(|| async { static_file(HTMX, "text/javascript; charset=utf-8") }))
        .route("/static/app.css", get(|| async { static_file(CSS, "text/css; charset=utf-8") }))
        .route("/static/app.js", get(|| async { static_file(JS, "text/javascript; charset=utf-8") }))
        .merge(api::docs())
        .with_state(state)
}

/// How often the casework tick runs (publicity periods ending, reviews falling due …).
const TICK_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Serves until Ctrl-C, running the casework tick at start and every ten minutes.
pub async fn serve(state: AppState, addr: SocketAddr) -> anyhow::Result<()> {
    state.prepare().await?;
    let casework = state.casework.clone();
    tokio::spawn(async move {
        loop {
            match casework.tick(chrono::Local::now().date_naive()).await {
                Ok(r) => tracing::info!(target: "casework", ?r, "tick"),
                Err(e) => tracing::error!(target: "casework", "tick failed: {e}"),
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
