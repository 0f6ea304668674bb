//! Signing in and out (the page and the API), and the language switch.

use crate::audit::LoginAudit;
use crate::cookies::{clear_session_cookie, lang_cookie, session_cookie};
use crate::error::{ErrorBody, WebError};
use crate::extract::signed_in;
use crate::frame::{home_of, render, same_site_path};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiuzhu_accounts::{LoggedIn, LoginError};
use jiuzhu_domain::clock::BEIJING;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/api/v1/session", post(api_login).delete(api_logout))
}

async fn home(parts: Parts) -> Redirect {
    Redirect::to(signed_in(&parts).map(|s| home_of(s.user.role)).unwrap_or("/login"))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: PageLang,
    username: String,
    error: String,
    /// The page to return to after logging in (a path of this site), or empty.
    next: String,
    /// The session had ended: the page says so, and that what was typed is kept.
    expired: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    next: String,
    expired: Option<String>,
}

async fn login_page(parts: Parts, Query(q): Query<LoginQuery>) -> Response {
    if let Some(s) = signed_in(&parts) {
        return Redirect::to(home_of(s.user.role)).into_response();
    }
    let next = same_site_path(&q.next).unwrap_or_default().to_string();
    render(LoginPage {
        lang: PageLang::from_headers(&parts.headers),
        username: String::new(),
        error: String::new(),
        next,
        expired: q.expired.is_some(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

fn locked_until(until: chrono::DateTime<chrono::Utc>) -> String {
    until.with_timezone(&BEIJING).format("%H:%M").to_string()
}

async fn login_submit(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let lang = PageLang::from_headers(&headers);
    let (attempted, result) = state.accounts.login(&f.username, &f.password).await;
    let mut r = match result {
        Ok(done) => {
            // Back to the page the session ended on, else the role's home.
            let to = same_site_path(&f.next).filter(|p| !p.starts_with("/login")).unwrap_or(home_of(done.role)).to_string();
            (StatusCode::SEE_OTHER, [(header::SET_COOKIE, session_cookie(&done.token, state.secure_cookies)), (header::LOCATION, to)])
                .into_response()
        }
        Err(LoginError::Store(e)) => WebError::from(e).page(lang.0),
        Err(e) => {
            let error = match e {
                LoginError::Locked { until } => {
                    let t = locked_until(until);
                    if lang.is_en() {
                        format!("Too many failed logins: locked until {t}")
                    } else {
                        format!("连续登录失败次数过多，账号已锁定至 {t}")
                    }
                }
                _ => lang.t("用户名或密码错误", "Wrong username or password").to_string(),
            };
            let next = same_site_path(&f.next).unwrap_or_default().to_string();
            (StatusCode::UNAUTHORIZED, render(LoginPage { lang, username: f.username, error, next, expired: false })).into_response()
        }
    };
    r.extensions_mut().insert(LoginAudit(attempted));
    r
}

async fn logout(State(state): State<AppState>, parts: Parts) -> Response {
    if let Some(s) = signed_in(&parts)
        && let Err(e) = state.accounts.logout(&s.user).await
    {
        return WebError::from(e).page(PageLang::from_headers(&parts.headers).0);
    }
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, clear_session_cookie()), (header::LOCATION, "/login".into())]).into_response()
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Sets the page language and goes back — only to a path of this site, never elsewhere.
async fn set_lang(Path(lang): Path<String>, Query(b): Query<Back>) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    let back = b.back.as_deref().and_then(same_site_path).unwrap_or("/households").to_string();
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, lang_cookie(lang)), (header::LOCATION, back)]).into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `X-CSRF-Token` on every state-changing call.
    pub csrf_token: String,
}

fn login_error(status: StatusCode, error: &'static str, zh: String, en: String) -> Response {
    (status, Json(ErrorBody { error, message: zh, message_en: en, errors: vec![] })).into_response()
}

/// Log in: sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody, description = "locked after repeated failures")))]
pub(crate) async fn api_login(State(state): State<AppState>, Json(req): Json<LoginRequest>) -> Response {
    let (attempted, result) = state.accounts.login(&req.username, &req.password).await;
    let mut r = match result {
        Ok(LoggedIn { token, csrf_token, .. }) => {
            ([(header::SET_COOKIE, session_cookie(&token, state.secure_cookies))], Json(LoginResponse { csrf_token })).into_response()
        }
        Err(LoginError::Invalid) => {
            login_error(StatusCode::UNAUTHORIZED, "invalid_credentials", "用户名或密码错误".into(), "wrong username or password".into())
        }
        Err(LoginError::Locked { until }) => {
            let t = locked_until(until);
            login_error(
                StatusCode::LOCKED,
                "locked",
                format!("连续登录失败次数过多，账号已锁定至 {t}"),
                format!("too many failed logins: locked until {t}"),
            )
        }
        Err(LoginError::Store(e)) => WebError::from(e).into_response(),
    };
    r.extensions_mut().insert(LoginAudit(attempted));
    r
}

/// Log out: the session ends on the server at once.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
pub(crate) async fn api_logout(State(state): State<AppState>, parts: Parts) -> Result<Response, WebError> {
    if let Some(s) = signed_in(&parts) {
        state.accounts.logout(&s.user).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_session_cookie())]).into_response())
}
