//! Every request leaves an audit entry (留痕), written here in one place so that no route can
//! forget it. What the entry says of personal data — the object, the households read, the kind
//! of search, the refusal and why — is what the services recorded on the user's
//! [`Trail`](jiuzhu_domain::Trail) while they worked, never what the URL seemed to say: a
//! household read through any spelling of its address is in its 查阅记录 and counts for the
//! alert rules. A request that read several households leaves one entry for each.
//!
//! No change without its entries, no entries of a change that did not happen: while a request
//! runs, every write transaction its services commit also stores the request's entries as they
//! stand (pending, in that same transaction, see [`jiuzhu_store::AuditIntent`]). At the end the
//! final entries replace them. When those cannot be written, a request that changed nothing is
//! answered 503 (no audit, no data); one whose change was committed keeps its answer, and its
//! pending entries are sealed by the writer's recovery.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiuzhu_accounts::{Attempted, SignedIn};
use jiuzhu_audit::{Entry, Who};
use jiuzhu_domain::trail::Accessed;
use jiuzhu_domain::{Action, Clock, Denial, ObjectKind, User};
use jiuzhu_store::{AUDIT_INTENT, AuditIntent, AuditRecord};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
#[derive(Clone)]
struct Seen {
    method: Method,
    path: String,
    /// `None` while the request is still running (pending entries).
    status: Option<StatusCode>,
    ip: String,
    at: chrono::DateTime<chrono::Utc>,
}

/// The entries of one request: one per household its services read (at least one).
fn entries_of(user: &User, seen: &Seen, a: &Accessed) -> Vec<Entry> {
    entries_as(&who_of(user, seen.ip.clone()), seen, a)
}

/// The entries of one request by `who`.
fn entries_as(who: &Who, seen: &Seen, a: &Accessed) -> Vec<Entry> {
    let Seen { method, path, status, at: now, .. } = seen;
    let (method, path, status, now) = (method, path.as_str(), *status, *now);
    if path == "/logout" || (path == "/api/v1/session" && method == Method::DELETE) {
        return vec![Entry::new(who, now, Action::Logout, "session", "")];
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
    match status {
        Some(status) => detail.push(format!("{method} {};status={}", route_of(path), status.as_u16())),
        None => detail.push(format!("{method} {};status=committed", route_of(path))),
    }
    let refused = a.refused.or_else(|| status.and_then(denial_of));
    let entry = |household: Option<i64>| {
        let mut e = Entry::new(who, now, action, &kind, &id).purpose(&a.purpose).detail(detail.join(";"));
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

/// A signed-in request's intent: its entries as the services' trail says so far.
struct RequestIntent {
    key: String,
    user: User,
    seen: Seen,
    clock: Arc<dyn Clock>,
    committed: AtomicBool,
    /// Households the transaction under way created: named by its pending entries, and on the
    /// trail once it commits.
    created: std::sync::Mutex<Vec<i64>>,
}

impl RequestIntent {
    fn created(&self) -> std::sync::MutexGuard<'_, Vec<i64>> {
        self.created.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl AuditIntent for RequestIntent {
    fn key(&self) -> &str {
        &self.key
    }

    fn records(&self) -> Vec<AuditRecord> {
        let seen = Seen { at: self.clock.now(), ..self.seen.clone() };
        let mut accessed = self.user.trail.snapshot();
        for id in self.created().iter() {
            if !accessed.households.contains(id) {
                accessed.households.push(*id);
            }
        }
        entries_of(&self.user, &seen, &accessed).into_iter().map(Entry::record).collect()
    }

    fn created_household(&self, id: i64) {
        self.created().push(id);
    }

    fn committed(&self) {
        for id in self.created().drain(..) {
            self.user.trail.household(id);
        }
        self.committed.store(true, Ordering::Release);
    }

    fn rolled_back(&self) {
        self.created().clear();
    }
}

/// A resident's request that read or wrote an application: its trail, for the audit layer.
#[derive(Clone)]
struct ResidentAudit(jiuzhu_domain::trail::Trail);

/// Puts a resident's trail on the answer: the audit layer writes its entry (who: 群众, the address).
pub fn resident_trail(mut response: Response, trail: jiuzhu_domain::trail::Trail) -> Response {
    response.extensions_mut().insert(ResidentAudit(trail));
    response
}

/// Who a resident is in the audit trail: nobody signed in (role `resident`, no account).
pub const RESIDENT: &str = "(群众)";

fn request_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub async fn audit_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let is_login_post = request.method() == Method::POST && matches!(path.as_str(), "/login" | "/api/v1/session");
    if exempt(&path) && !is_login_post {
        return next.run(request).await;
    }
    let session = request.extensions().get::<Option<SignedIn>>().cloned().flatten();
    if session.is_none() && !is_login_post {
        // Anonymous requests see the login page, the public assessment and the residents' pages;
        // those of them that read or write an application carry the resident's trail.
        let ip = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
        let (method, path) = (request.method().clone(), path.clone());
        let mut response = next.run(request).await;
        let Some(ResidentAudit(trail)) = response.extensions_mut().remove::<ResidentAudit>() else { return response };
        let seen = Seen { method, path, status: Some(response.status()), ip, at: state.clock.now() };
        let who = Who { account_id: None, username: RESIDENT.into(), role: "resident".into(), region: String::new(), ip: seen.ip.clone() };
        let records = entries_as(&who, &seen, &trail.snapshot()).into_iter().map(Entry::record).collect();
        return match state.audit.record_all(records).await {
            Ok(_) => response,
            Err(e) => {
                tracing::error!(target: "audit", "{e}");
                (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()
            }
        };
    }
    let method = request.method().clone();
    let ip = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let seen = Seen { method, path, status: None, ip, at: state.clock.now() };
    let intent = match (&session, is_login_post) {
        (Some(s), false) => Some(Arc::new(RequestIntent {
            key: request_key(),
            user: s.user.clone(),
            seen: seen.clone(),
            clock: state.clock.clone(),
            committed: AtomicBool::new(false),
            created: Default::default(),
        })),
        // A sign-in's entry is known only from its answer; it changes no one's data.
        _ => None,
    };
    let mut response = match &intent {
        Some(i) => AUDIT_INTENT.scope(i.clone() as Arc<dyn AuditIntent>, next.run(request)).await,
        None => next.run(request).await,
    };
    let seen = Seen { status: Some(response.status()), at: state.clock.now(), ..seen };
    let entries: Vec<Entry> = match (response.extensions_mut().remove::<LoginAudit>(), session) {
        (Some(LoginAudit(attempt)), _) => vec![login_entry(&attempt, seen.ip, seen.at, &response)],
        (None, Some(s)) => entries_of(&s.user, &seen, &s.user.trail.snapshot()),
        // A sign-in the handler refused before reading it (a malformed body): whom is unknown.
        (None, None) => vec![login_entry(&Attempted::default(), seen.ip, seen.at, &response)],
    };
    let records = entries.into_iter().map(Entry::record).collect();
    let written = match &intent {
        Some(i) => state.audit.settle(records, &i.key).await,
        None => state.audit.record_all(records).await,
    };
    match written {
        Ok(_) => response,
        // The change and its pending entries are committed together: the answer stands, and the
        // writer seals the pending entries once it can write again.
        Err(e) if intent.as_ref().is_some_and(|i| i.committed.load(Ordering::Acquire)) => {
            tracing::error!(target: "audit", "final entries not written, pending ones kept: {e}");
            response
        }
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
