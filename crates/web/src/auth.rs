//! The session layer: every request's session resolved (through the accounts service), CSRF
//! checked on every state-changing request, and an account whose password an administrator set
//! kept to the password page.

use crate::cookies::{SESSION_COOKIE, cookie, form_field};
use crate::error::{ErrorBody, WebError};
use crate::i18n::PageLang;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths where a POST needs no CSRF token: logging in creates the session the token belongs to.
fn csrf_exempt(path: &str) -> bool {
    matches!(path, "/login" | "/api/v1/session" | "/api/v1/assess")
}

/// What an account that must change its password may still reach.
fn change_password_allowed(path: &str) -> bool {
    matches!(path, "/password" | "/logout" | "/api/v1/session" | "/healthz" | "/favicon.ico")
        || path.starts_with("/static/")
        || path.starts_with("/lang/")
}

/// The largest plain form read here to find its CSRF token (a file upload carries the token in
/// its action's query instead).
const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

/// Authenticates every request and enforces CSRF on every state-changing one: the token comes
/// in the `X-CSRF-Token` header (API, htmx) or a `csrf_token` form field (plain forms), and is
/// the session's — or, on the residents' pages (`/m/`), the form cookie's.
pub async fn session_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let session = match cookie(request.headers(), SESSION_COOKIE) {
        Some(token) => match state.accounts.session(token).await {
            Ok(s) => s,
            Err(e) => return WebError::from(e).into_response(),
        },
        None => None,
    };
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut request = request;
    // The residents' forms: no session, so the token is the form cookie's (double submit);
    // staff forms: the session's token.
    let expected = if crate::public::is_public(request.uri().path()) {
        Some(cookie(request.headers(), crate::public::FORM_COOKIE).unwrap_or_default().to_string())
    } else if !csrf_exempt(request.uri().path()) {
        session.as_ref().map(|s| s.csrf_token.clone())
    } else {
        None
    };
    if !safe && let Some(expected) = expected {
        let (token, rebuilt) = match sent_token(request).await {
            Ok(x) => x,
            Err(response) => return response,
        };
        if expected.is_empty() || token.as_deref() != Some(expected.as_str()) {
            let e = WebError::Csrf;
            return if crate::public::is_public(rebuilt.uri().path()) {
                crate::public::refused(rebuilt.headers(), e)
            } else if rebuilt.uri().path().starts_with("/api/") {
                e.into_response()
            } else {
                e.page(PageLang::from_headers(rebuilt.headers()).0)
            };
        }
        request = rebuilt;
    }
    // An administrator's password (new account, reset): only choosing one's own, or leaving.
    if let Some(s) = &session
        && s.must_change_password
        && !change_password_allowed(request.uri().path())
    {
        return if request.uri().path().starts_with("/api/") {
            let body = ErrorBody {
                error: "password_change_required",
                message: "请先在“修改密码”页设置您自己的密码".into(),
                message_en: "set your own password first (the 修改密码 page)".into(),
                errors: Vec::new(),
            };
            (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
        } else {
            axum::response::Redirect::to("/password").into_response()
        };
    }
    request.extensions_mut().insert(session);
    next.run(request).await
}

/// The CSRF token a state-changing request sent: the `X-CSRF-Token` header (API, htmx), the
/// action's query (a file upload: multipart cannot be read here cheaply; the token is per
/// session, never a secret of its own), or a plain form's `csrf_token` field (the body is read,
/// bounded, and put back).
async fn sent_token(request: Request) -> Result<(Option<String>, Request), Response> {
    let header_token = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let multipart =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    let query_token = multipart.then(|| request.uri().query().and_then(|q| form_field(q.as_bytes(), "csrf_token"))).flatten();
    if let Some(t) = header_token.or(query_token) {
        return Ok((Some(t), request));
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return Err((StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response()),
    };
    let token = form_field(&bytes, "csrf_token");
    Ok((token, Request::from_parts(parts, axum::body::Body::from(bytes))))
}
