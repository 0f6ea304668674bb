//! 群众自助、掌上办: the residents' site under `/m/`, without a staff login. Phone-first pages
//! that work in WeChat's browser with no script at all (no third-party script or font), Chinese
//! first with an English switch, and a 长辈版 (elderly mode: larger text and tap targets).
//!
//! - this module: the page frame ([`Resident`]: language, elderly mode, the form token), the
//!   form token cookie (CSRF for people without a session: the token in the cookie and in the
//!   form must agree, checked in [`crate::auth`]), the mode switch, the home page and choosing
//!   the town of one's 户籍;
//! - [`guide`]: 政策指南 per region, from the policy engine's dated parameters;
//! - [`selfcheck`]: 自我评估 through the policy engine; nothing is stored;
//! - [`apply`]: 一键申请 with the adults' signed 核对授权, to the town window of the 户籍;
//! - [`progress`]: 进度查询 by 办件编号 and ID number or query code;
//! - [`photos`]: 材料照片, photos of documents added to an online application;
//! - [`report`]: 投诉举报, anonymous or real-name, read back with the code and PIN;
//! - [`ask`]: 在线咨询, a question to the town window answered in a thread;
//! - [`book`]: 预约办理, a half day at the town window, looked up or cancelled with the number;
//! - [`rate`]: 好差评 on the result pages, a bad rating opening a rectification;
//! - [`notices`]: 公示, a town's notice board (applications on notice, the month's payment lists);
//! - [`api`]: the same as JSON (`/api/v1/public/…`) for a WeChat 公众号 or an app;
//! - [`kiosk`]: the same site as the service hall's touch kiosk (自助终端: `/kiosk/`), with large
//!   targets, an on-screen keypad, the ID-card reader and a reset after 60 idle seconds.

pub(crate) mod api;
mod apply;
mod ask;
mod book;
mod guide;
mod kiosk;
mod notices;
mod photos;
mod progress;
pub(crate) mod rate;
mod report;
mod selfcheck;

pub use kiosk::card_reader;

use crate::cookies::cookie;
use crate::error::WebError;
use crate::frame::render;
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, middleware};
use jiuzhu_domain::{Division, RegionCode, RegionLevel};
use serde::Deserialize;

/// The form token's cookie: the double-submit CSRF token of people without a session.
pub const FORM_COOKIE: &str = "jiuzhu_form";
/// 长辈版: `elder=1` (a display preference, like the language).
pub const ELDER_COOKIE: &str = "elder";
/// 自助终端: `kiosk=1` while this browser is the service hall's kiosk (until it closes).
pub const KIOSK_COOKIE: &str = "kiosk";

/// Whether a path belongs to the residents' site (its forms carry the form token), the kiosk's
/// entrance included.
pub fn is_public(path: &str) -> bool {
    path == "/m" || path.starts_with("/m/") || path == "/kiosk" || path.starts_with("/kiosk/")
}

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/m", get(|| async { Redirect::permanent("/m/") }))
        .route("/m/", get(home))
        .route("/m/mode/{mode}", get(set_mode))
        .route("/m/town", get(choose_town))
        .merge(guide::routes())
        .merge(selfcheck::routes())
        .merge(apply::routes())
        .merge(progress::routes())
        .merge(photos::routes())
        .merge(report::routes())
        .merge(notices::routes())
        .merge(rate::routes())
        .merge(ask::routes())
        .merge(book::routes())
        .merge(kiosk::routes())
        .layer(middleware::from_fn_with_state(state.clone(), form_token))
        // The kiosk's script reads the ID card from the reader bridge on the kiosk PC.
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            kiosk::csp(state.card_reader.as_deref()),
        ))
}

/// The form token of this request (from its cookie, or new, then set on the answer), and the
/// kiosk's card reader (from the settings).
#[derive(Clone)]
struct FormToken(String, Option<std::sync::Arc<str>>);

/// Gives every residents' page a form token: the cookie's, or a new random one set on the answer
/// (HttpOnly, SameSite=Strict; the page puts the same value in its forms).
async fn form_token(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let existing =
        cookie(request.headers(), FORM_COOKIE).filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_string);
    let token = existing.clone().unwrap_or_else(random_hex);
    request.extensions_mut().insert(FormToken(token.clone(), state.card_reader.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() {
        let secure = if state.secure_cookies { "; Secure" } else { "" };
        if let Ok(v) = HeaderValue::from_str(&format!("{FORM_COOKIE}={token}; Path=/m/; HttpOnly; SameSite=Strict{secure}")) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// What every residents' page knows: language, elderly mode, the form token, where it is.
pub struct Resident {
    pub lang: PageLang,
    pub elder: bool,
    /// 自助终端: the service hall's kiosk (large targets, keypad, card reader, idle reset).
    pub kiosk: bool,
    /// The kiosk's card-reader bridge (empty: none set up, the number is typed).
    pub reader: String,
    pub token: String,
    /// The path and query of this page (for the language and mode switches to come back to).
    pub here: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Resident {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Resident, Self::Rejection> {
        let here = parts.uri.path_and_query().map_or("/m/", |p| p.as_str());
        let (token, reader) =
            parts.extensions.get::<FormToken>().map(|t| (t.0.clone(), t.1.as_deref().unwrap_or("").to_string())).unwrap_or_default();
        let mut r = Resident::of(&parts.headers, token, here);
        r.reader = reader;
        Ok(r)
    }
}

impl Resident {
    /// The frame of a request: its language and mode cookies, the form token, this page.
    fn of(headers: &axum::http::HeaderMap, token: String, here: &str) -> Resident {
        Resident {
            lang: PageLang::from_headers(headers),
            elder: cookie(headers, ELDER_COOKIE) == Some("1"),
            kiosk: cookie(headers, KIOSK_COOKIE) == Some("1"),
            reader: String::new(),
            token,
            here: url::form_urlencoded::byte_serialize(here.as_bytes()).collect(),
        }
    }

    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }

    /// A day as people write it: `2026年12月9日`, `9 December 2026`.
    pub fn day(&self, d: chrono::NaiveDate) -> String {
        if self.lang.is_en() { d.format("%-d %B %Y").to_string() } else { d.format("%Y年%-m月%-d日").to_string() }
    }
}

/// An 8-digit PIN in two groups of four, as a receipt shows it (`4829 1375`).
pub fn pin_groups(pin: &str) -> String {
    if pin.len() == 8 { format!("{} {}", &pin[..4], &pin[4..]) } else { pin.to_string() }
}

#[derive(Template)]
#[template(path = "public/error.html")]
struct ErrorPage<'a> {
    r: &'a Resident,
    status: u16,
    message: String,
}

/// An error as a residents' page: what happened in words, and the way back to the start.
pub fn error_page(r: &Resident, e: WebError) -> Response {
    let status = e.status();
    let b = e.body();
    let mut message = r.lang.0.pick(&b.message, &b.message_en).to_string();
    for f in &b.errors {
        message.push('；');
        message.push_str(r.lang.0.pick(&f.message, &f.message_en));
    }
    if status.is_server_error() {
        tracing::error!(target: "public", "{message}");
    }
    (status, render(ErrorPage { r, status: status.as_u16(), message })).into_response()
}

/// A refusal before any handler ran (a form without its token): the residents' error page.
pub fn refused(headers: &axum::http::HeaderMap, e: WebError) -> Response {
    error_page(&Resident::of(headers, String::new(), "/m/"), e)
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage<'a> {
    r: &'a Resident,
}

async fn home(r: Resident) -> Response {
    render(HomePage { r: &r })
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// `Set-Cookie` for 长辈版 on or off (a year, like the language).
pub fn elder_cookie(on: bool) -> String {
    format!("{ELDER_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", if on { "1" } else { "0" })
}

/// A display switch pressed as a button of a form (`elder`, `standard`, `en`, `zh`): the page is
/// drawn again with the form's content in the new setting, whose cookie this returns.
pub fn switch(r: &mut Resident, what: &str) -> String {
    match what {
        "elder" | "standard" => {
            r.elder = what == "elder";
            elder_cookie(r.elder)
        }
        lang => {
            let en = lang == "en";
            r.lang = PageLang(if en { jiuzhu_domain::Lang::En } else { jiuzhu_domain::Lang::Zh });
            crate::cookies::lang_cookie(if en { "en" } else { "zh" })
        }
    }
}

/// The answer with a `Set-Cookie` added, when there is one.
pub fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// 长辈版 on or off, then back to the page (only a residents' page of this site).
async fn set_mode(Path(mode): Path<String>, Query(b): Query<Back>) -> Response {
    let back = b.back.as_deref().and_then(crate::frame::same_site_path).filter(|p| is_public(p)).unwrap_or("/m/").to_string();
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, elder_cookie(mode == "elder")), (header::LOCATION, back)]).into_response()
}

/// Where a choice of town leads: the guide or the self-assessment.
#[derive(Deserialize)]
struct TownQuery {
    next: Option<String>,
    within: Option<String>,
}

#[derive(Template)]
#[template(path = "public/town.html")]
struct TownPage<'a> {
    r: &'a Resident,
    next: &'a str,
    crumbs: Vec<Division>,
    choices: Vec<Division>,
}

/// The towns (乡镇、街道) of the deployment to choose the 户籍 from: walks down from the
/// top while a level has a single division (a county's site shows its towns at once).
async fn choose_town(State(state): State<AppState>, r: Resident, Query(q): Query<TownQuery>) -> Response {
    let next = match q.next.as_deref() {
        Some("check") => "check",
        Some("apply") => "apply",
        Some("report") => "report",
        Some("notices") => "notices",
        Some("ask") => "ask",
        Some("book") => "book",
        _ => "guide",
    };
    let mut parent = match q.within.as_deref().map(RegionCode::parse) {
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => return error_page(&r, WebError::NotFound),
        None => None,
    };
    let mut crumbs = Vec::new();
    let choices = loop {
        let children = match state.registry.public_children(parent.as_ref()).await {
            Ok(c) => c,
            Err(e) => return error_page(&r, WebError::from(e)),
        };
        let single = children.len() == 1 && children[0].code.level() < RegionLevel::Town;
        if !single {
            break children;
        }
        if let Some(d) = children.into_iter().next() {
            parent = Some(d.code.clone());
            crumbs.push(d);
        }
    };
    if let Some(p) = &parent
        && crumbs.last().map(|d| &d.code) != Some(p)
    {
        match state.registry.public_region(p).await {
            Ok(Some(d)) => crumbs.push(d),
            Ok(None) => return error_page(&r, WebError::NotFound),
            Err(e) => return error_page(&r, WebError::from(e)),
        }
    }
    render(TownPage { r: &r, next, crumbs, choices })
}

/// The town a chosen region stands for: a town itself, or a village's town with the village's
/// code (chosen in the self-assessment, or on a notice board); `None` above town level (the
/// resident chooses the town first).
pub async fn town_of(state: &AppState, code: Option<&str>) -> Result<Option<(Division, Option<String>)>, WebError> {
    match chosen_region(state, code).await? {
        Some(d) if d.code.level() == RegionLevel::Town => Ok(Some((d, None))),
        Some(d) if d.code.level() == RegionLevel::Village => {
            let Some(town) = d.code.parent() else { return Ok(None) };
            Ok(state.registry.public_region(&town).await.map_err(WebError::from)?.map(|t| (t, Some(d.code.to_string()))))
        }
        _ => Ok(None),
    }
}

/// A lookup by a number and its secret (an application's progress, a report's result). Only a
/// well-formed pair reaches the database — anything else finds nothing and is not counted; then
/// every limit counts (per address, per number, per secret from any address), so that no one
/// of them is spent by the others' refusals. `pair`: the number's and the secret's keys.
pub fn lookup_allowed(state: &AppState, ip: std::net::IpAddr, pair: Option<(String, String)>) -> bool {
    let Some((number, secret)) = pair else { return true };
    let now = std::time::Instant::now();
    let allowed = [state.residents_limiter.allow(ip, now), state.query_limiter.allow(number, now), state.query_limiter.allow(secret, now)];
    !allowed.contains(&false)
}

/// 32 random hex digits: a form token, a form's one-time key.
pub fn random_hex() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The division a resident chose (a county, town or village), or the reason it cannot be used.
pub async fn chosen_region(state: &AppState, code: Option<&str>) -> Result<Option<Division>, WebError> {
    let Some(code) = code.filter(|c| !c.is_empty()) else { return Ok(None) };
    let code = RegionCode::parse(code).map_err(|_| WebError::NotFound)?;
    if code.level() < RegionLevel::County {
        return Ok(None);
    }
    state.registry.public_region(&code).await.map_err(WebError::from)?.map(Some).ok_or(WebError::NotFound)
}
