//! Every request leaves an audit entry (留痕), written here in one place so that no route can
//! forget it: who, from where, which object, allowed or refused and why. Handlers add what only
//! they know (the household a case belongs to, the fields shown, a purpose) by putting an
//! [`AuditNote`] into the response's extensions. When the entry cannot be written the response
//! is replaced by 503: no audit, no data.

use crate::AppState;
use crate::auth::Authenticated;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuzhu_audit::{Action, Denial, Entry, Who};
use std::net::SocketAddr;

/// What a handler adds to its request's audit entry.
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub action: Option<Action>,
    pub household_id: Option<i64>,
    pub fields: Vec<&'static str>,
    pub purpose: String,
    /// For allowed entries, a hint to the alert rules (`outside_caseload`).
    pub reason: String,
    pub detail: String,
    /// A login attempt: the username typed.
    pub login: Option<String>,
    pub denied: Option<Denial>,
}

/// Adds what a handler knows to its response's audit entry.
pub fn with_note(mut r: Response, note: AuditNote) -> Response {
    r.extensions_mut().insert(note);
    r
}

impl AuditNote {
    pub fn household(id: i64) -> AuditNote {
        AuditNote { household_id: Some(id), ..AuditNote::default() }
    }
    pub fn login(username: &str) -> AuditNote {
        AuditNote { login: Some(username.trim().chars().take(64).collect()), ..AuditNote::default() }
    }
}

/// Requests that read or change nothing of anyone's: no entry.
fn exempt(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/lang/")
        || matches!(path, "/healthz" | "/favicon.ico" | "/login" | "/api/openapi.json" | "/api/docs")
        || path.starts_with("/api/docs/")
}

/// The object a path names: `/api/v1/households/12/members/3` → (`household`, `12`).
pub fn object_of(path: &str) -> (String, String) {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let segs: &[&str] = match segs.as_slice() {
        ["api", "v1", rest @ ..] => rest,
        other => other,
    };
    let Some(first) = segs.first() else { return ("home".into(), String::new()) };
    let kind = match *first {
        "households" => "household",
        "cases" => "case",
        "benefits" => "benefit",
        "assessments" => "assessment",
        "alerts" => "alert",
        "exports" => "export",
        "accounts" => "account",
        other => other,
    };
    let id = segs.get(1).filter(|s| s.bytes().all(|b| b.is_ascii_digit())).map(|s| s.to_string()).unwrap_or_default();
    (kind.to_string(), id)
}

fn action_of(method: &Method, kind: &str, id: &str, query: Option<&str>) -> Action {
    match *method {
        Method::GET | Method::HEAD => {
            if id.is_empty() && query.is_some_and(|q| q.contains("q=")) {
                Action::Search
            } else {
                Action::View
            }
        }
        Method::POST if id.is_empty() && kind != "cases" => Action::Create,
        Method::POST if kind == "cases" => Action::Decide,
        _ => Action::Update,
    }
}

/// `by=id_number` when a search's text is all digits and an ID number's length, else `by=name`;
/// the text itself never goes into the trail.
fn search_detail(query: Option<&str>) -> String {
    let q = query
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "q").map(|(_, v)| v.into_owned()))
        .unwrap_or_default();
    let q = q.trim();
    let id_like =
        (q.len() == 18 || q.len() == 15) && q.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 17 && (b == b'X' || b == b'x')));
    format!(
        "by={}",
        if id_like {
            "id_number"
        } else if q.is_empty() {
            "region"
        } else {
            "name"
        }
    )
}

/// Whether an object the user was refused exists outside their region (越权) — a 404 is what
/// they see either way.
async fn out_of_scope(state: &AppState, auth: &Authenticated, kind: &str, id: &str) -> bool {
    let Ok(id) = id.parse::<i64>() else { return false };
    let region = match kind {
        "household" => state.store.household_region(id).await.ok().flatten(),
        "case" => state.store.case(id).await.ok().flatten().map(|c| c.data.region),
        _ => None,
    };
    region.is_some_and(|r| !auth.user.scope.contains(&r))
}

pub async fn audit_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let is_login_post = request.method() == Method::POST && matches!(path.as_str(), "/login" | "/api/v1/session");
    if exempt(&path) && !is_login_post {
        return next.run(request).await;
    }
    let auth = request.extensions().get::<Option<Authenticated>>().cloned().flatten();
    if auth.is_none() && !is_login_post {
        // Nothing shown to anonymous requests but the login page and the public assessment.
        return next.run(request).await;
    }
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_string);
    let ip = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let mut response = next.run(request).await;
    let note = response.extensions_mut().remove::<AuditNote>().unwrap_or_default();
    let now = Utc::now();
    let status = response.status();

    let entry = if is_login_post {
        let username = note.login.clone().unwrap_or_default();
        let account = state.store.account_by_username(&username).await.ok().flatten();
        let who = Who {
            account_id: account.as_ref().map(|a| a.id),
            username: if account.is_some() { username } else { "(unknown)".into() },
            role: account.as_ref().map(|a| a.role.as_str().to_string()).unwrap_or_default(),
            region: account.as_ref().map(|a| a.region.as_str().to_string()).unwrap_or_default(),
            ip,
        };
        let ok =
            response.headers().get_all(axum::http::header::SET_COOKIE).iter().any(|v| v.to_str().is_ok_and(|v| !v.contains("Max-Age=0")));
        let action = if ok { Action::Login } else { Action::LoginFailed };
        Entry::new(&who, now, action, "session", "").detail(format!("status={}", status.as_u16()))
    } else {
        let auth = auth.expect("checked above");
        if path == "/logout" || (path == "/api/v1/session" && method == Method::DELETE) {
            let who = who_of(&auth, ip);
            Entry::new(&who, now, Action::Logout, "session", "")
        } else {
            let who = who_of(&auth, ip);
            let (kind, id) = object_of(&path);
            let action = note.action.unwrap_or_else(|| action_of(&method, &kind, &id, query.as_deref()));
            let mut e = Entry::new(&who, now, action, &kind, &id);
            let household = note.household_id.or_else(|| (kind == "household").then(|| id.parse().ok()).flatten());
            if let Some(h) = household {
                e = e.household(h);
            }
            if !note.fields.is_empty() {
                e = e.fields(&note.fields);
            }
            let mut detail = format!("{} {};status={}", method, route_of(&path), status.as_u16());
            if action == Action::Search {
                detail = format!("{};{detail}", search_detail(query.as_deref()));
            }
            if !note.detail.is_empty() {
                detail = format!("{};{detail}", note.detail);
            }
            e = e.purpose(&note.purpose).detail(detail);
            let denial = match note.denied {
                Some(d) => Some(d),
                None if status == StatusCode::FORBIDDEN => Some(Denial::Role),
                // A refused request naming another region's record is 越权 whatever refused it first
                // (the scope check answers 404; a malformed body is refused before it).
                None if status.is_client_error() && out_of_scope(&state, &auth, &kind, &id).await => Some(Denial::OutOfScope),
                None => None,
            };
            match denial {
                Some(d) => e.denied(d),
                None if !note.reason.is_empty() => e.reason(&note.reason),
                None => e,
            }
        }
    };
    match state.audit.record(entry.record()).await {
        Ok(_) => response,
        Err(e) => {
            tracing::error!(target: "audit", "{e}");
            (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()
        }
    }
}

fn who_of(auth: &Authenticated, ip: String) -> Who {
    Who {
        account_id: Some(auth.user.account_id),
        username: auth.user.username.clone(),
        role: auth.user.role.as_str().into(),
        region: auth.user.scope.0.as_str().into(),
        ip,
    }
}

/// The path with its numbers replaced (`/households/{n}/edit`): which route, without ids.
fn route_of(path: &str) -> String {
    path.split('/').map(|s| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { "{n}" } else { s }).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_searches_are_named_without_personal_values() {
        assert_eq!(object_of("/api/v1/households/12/members/3"), ("household".into(), "12".into()));
        assert_eq!(object_of("/cases/7/photos/2"), ("case".into(), "7".into()));
        assert_eq!(object_of("/households"), ("household".into(), String::new()));
        assert_eq!(route_of("/households/12/members/3/edit"), "/households/{n}/members/{n}/edit");
        assert_eq!(search_detail(Some("q=62082519600101001X&page=2")), "by=id_number");
        assert_eq!(search_detail(Some("q=%E7%8E%8B")), "by=name");
        assert_eq!(search_detail(Some("region=620825")), "by=region");
        assert_eq!(action_of(&Method::GET, "household", "", Some("q=x")), Action::Search);
        assert_eq!(action_of(&Method::POST, "cases", "4", None), Action::Decide);
    }
}
