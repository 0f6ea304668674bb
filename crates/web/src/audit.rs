//! Every request leaves an audit entry (留痕), written here in one place so that no route can
//! forget it. What the entry says of personal data — the object, the households read, the kind
//! of search, the refusal and why — is what the services recorded on the user's
//! [`Trail`](jiuzhu_domain::Trail) while they worked, never what the URL seemed to say: a
//! household read through any spelling of its address is in its 查阅记录 and counts for the
//! alert rules. A request that read several households leaves one entry for each. When the
//! entries cannot be written the response is replaced by 503: no audit, no data.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiuzhu_accounts::{Attempted, SignedIn};
use jiuzhu_audit::{Entry, Who};
use jiuzhu_domain::trail::Accessed;
use jiuzhu_domain::{Action, Denial, ObjectKind, User};
use std::net::SocketAddr;

/// Put into a sign-in response by its handler: whom the attempt was for.
#[derive(Debug, Clone)]
pub struct LoginAudit(pub Attempted);

/// Requests that read or change nothing of anyone's: no entry.
fn exempt(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/lang/")
        || matches!(path, "/healthz" | "/favicon.ico" | "/login" | "/api/openapi.json" | "/api/docs")
        || path.starts_with("/api/docs/")
}

/// The kind of object a path is about (`/api/v1/households/12` → `household`), for requests
/// whose service named no object. Never the id: that comes from the service.
fn kind_of(path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let segs: &[&str] = match segs.as_slice() {
        ["api", "v1", rest @ ..] => rest,
        other => other,
    };
    let Some(first) = segs.first() else { return "home".into() };
    match *first {
        "households" => "household",
        "cases" => "case",
        "benefits" => "benefit",
        "assessments" => "assessment",
        "alerts" => "alert",
        "exports" => "export",
        "accounts" => "account",
        other => other,
    }
    .to_string()
}

/// The action when the service did not say: by the request's method.
fn action_of(method: &Method, kind: Option<ObjectKind>, has_object: bool) -> Action {
    match *method {
        Method::GET | Method::HEAD => Action::View,
        Method::POST if kind == Some(ObjectKind::Case) => Action::Decide,
        Method::POST if !has_object => Action::Create,
        _ => Action::Update,
    }
}

/// Why a request was refused when the service recorded no reason: by its status.
fn denial_of(status: StatusCode) -> Option<Denial> {
    match status.as_u16() {
        401 => Some(Denial::Unauthenticated),
        403 => Some(Denial::Role),
        404 => Some(Denial::NotFound),
        409 | 410 | 423 => Some(Denial::Conflict),
        400..=499 => Some(Denial::Invalid),
        _ => None,
    }
}

/// The path with its numbers replaced (`/households/{n}/edit`): which route, without ids.
fn route_of(path: &str) -> String {
    path.split('/').map(|s| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { "{n}" } else { s }).collect::<Vec<_>>().join("/")
}

fn who_of(user: &User, ip: String) -> Who {
    Who {
        account_id: Some(user.account_id),
        username: user.username.clone(),
        role: user.role.as_str().into(),
        region: user.scope.0.as_str().into(),
        ip,
    }
}

/// The request an entry is about, as the layer saw it.
struct Seen {
    method: Method,
    path: String,
    status: StatusCode,
    ip: String,
    at: chrono::DateTime<chrono::Utc>,
}

/// The entries of one request: one per household its services read (at least one).
fn entries_of(user: &User, seen: Seen, a: &Accessed) -> Vec<Entry> {
    let Seen { method, path, status, ip, at: now } = seen;
    let (method, path) = (&method, path.as_str());
    let who = who_of(user, ip);
    if path == "/logout" || (path == "/api/v1/session" && method == Method::DELETE) {
        return vec![Entry::new(&who, now, Action::Logout, "session", "")];
    }
    let (kind, id) = match a.object {
        Some((k, id)) => (k.as_str().to_string(), id.to_string()),
        None => (kind_of(path), String::new()),
    };
    let action = a.action.unwrap_or_else(|| action_of(method, a.object.map(|(k, _)| k), a.object.is_some()));
    let mut detail: Vec<String> = Vec::new();
    if let Some(by) = a.search {
        detail.push(format!("by={}", by.as_str()));
    }
    detail.extend(a.detail.iter().cloned());
    detail.push(format!("{method} {};status={}", route_of(path), status.as_u16()));
    let refused = a.refused.or_else(|| denial_of(status));
    let entry = |household: Option<i64>| {
        let mut e = Entry::new(&who, now, action, &kind, &id).purpose(&a.purpose).detail(detail.join(";"));
        if let Some(h) = household {
            e = e.household(h);
        }
        if !a.fields.is_empty() {
            e = e.fields(&a.fields);
        }
        match refused {
            Some(d) => e.denied(d),
            None if !a.hint.is_empty() => e.reason(&a.hint),
            None => e,
        }
    };
    if a.households.is_empty() { vec![entry(None)] } else { a.households.iter().map(|h| entry(Some(*h))).collect() }
}

/// The entry of a sign-in attempt: the account when the username exists, never the password.
fn login_entry(attempt: &Attempted, ip: String, at: chrono::DateTime<chrono::Utc>, response: &Response) -> Entry {
    let who = Who {
        account_id: attempt.account.as_ref().map(|a| a.0),
        username: if attempt.account.is_some() { attempt.username.clone() } else { "(unknown)".into() },
        role: attempt.account.as_ref().map(|a| a.1.as_str().to_string()).unwrap_or_default(),
        region: attempt.account.as_ref().map(|a| a.2.clone()).unwrap_or_default(),
        ip,
    };
    let ok = response.headers().get_all(axum::http::header::SET_COOKIE).iter().any(|v| v.to_str().is_ok_and(|v| !v.contains("Max-Age=0")));
    let action = if ok { Action::Login } else { Action::LoginFailed };
    Entry::new(&who, at, action, "session", "").detail(format!("status={}", response.status().as_u16()))
}

pub async fn audit_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let is_login_post = request.method() == Method::POST && matches!(path.as_str(), "/login" | "/api/v1/session");
    if exempt(&path) && !is_login_post {
        return next.run(request).await;
    }
    let session = request.extensions().get::<Option<SignedIn>>().cloned().flatten();
    if session.is_none() && !is_login_post {
        // Nothing is shown to anonymous requests but the login page and the public assessment.
        return next.run(request).await;
    }
    let method = request.method().clone();
    let ip = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let mut response = next.run(request).await;
    let at = state.clock.now();
    let entries: Vec<Entry> = match (response.extensions_mut().remove::<LoginAudit>(), session) {
        (Some(LoginAudit(attempt)), _) => vec![login_entry(&attempt, ip, at, &response)],
        (None, Some(s)) => {
            let seen = Seen { method, path, status: response.status(), ip, at };
            entries_of(&s.user, seen, &s.user.trail.snapshot())
        }
        // A sign-in the handler refused before reading it (a malformed body): whom is unknown.
        (None, None) => vec![login_entry(&Attempted::default(), ip, at, &response)],
    };
    match state.audit.record_all(entries.into_iter().map(Entry::record).collect()).await {
        Ok(_) => response,
        Err(e) => {
            tracing::error!(target: "audit", "{e}");
            (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_kinds_never_ids_and_refusals_have_reasons() {
        assert_eq!(kind_of("/api/v1/households/12/members/3"), "household");
        assert_eq!(kind_of("/cases/7/photos/2"), "case");
        assert_eq!(kind_of("/"), "home");
        assert_eq!(route_of("/households/12/members/3/edit"), "/households/{n}/members/{n}/edit");
        assert_eq!(action_of(&Method::POST, Some(ObjectKind::Case), true), Action::Decide);
        assert_eq!(action_of(&Method::POST, None, false), Action::Create);
        assert_eq!(denial_of(StatusCode::BAD_REQUEST), Some(Denial::Invalid));
        assert_eq!(denial_of(StatusCode::NOT_FOUND), Some(Denial::NotFound));
        assert_eq!(denial_of(StatusCode::OK), None);
    }
}
