//! Passwords (argon2id), server-side sessions, lockout, idle timeout and CSRF.
//!
//! The session cookie carries 32 random bytes; the database keeps only their SHA-256, so a
//! copy of the database cannot be used to log in. A new token is issued at every login, the
//! row is deleted at logout, and disabling an account deletes its sessions at once.

use crate::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use jiuzhu_domain::Scope;
use jiuzhu_domain::access::{self, Guarded};
use jiuzhu_registry::User;
use jiuzhu_store::{Session, Store, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "jiuzhu_session";
/// Failed logins in a row before the account is locked (等保 L3-CES1-02).
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);
/// A session unused this long is ended (idle logout).
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// No session lives longer than a working day.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default parameters").to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// The password policy (L3-CES1-01): at least 10 characters of at least three kinds among
/// lower case, upper case, digits and symbols, and not containing the username.
pub fn password_problem(username: &str, password: &str) -> Option<(&'static str, &'static str)> {
    let kinds = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if password.chars().count() < 10 || kinds < 3 {
        return Some((
            "密码至少 10 位，并包含大写字母、小写字母、数字、符号中的至少三类",
            "a password has at least 10 characters of at least three kinds (upper, lower, digit, symbol)",
        ));
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Some(("密码不能包含用户名", "a password must not contain the username"));
    }
    None
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Debug)]
pub enum LoginError {
    /// Wrong username or password (which of the two is not said).
    Invalid,
    Locked {
        until: DateTime<Utc>,
    },
    Store(StoreError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Store(e)
    }
}

/// A successful login: the cookie token (never stored) and the CSRF token.
pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub role: jiuzhu_domain::Role,
}

pub async fn login(store: &dyn Store, username: &str, password: &str, now: DateTime<Utc>) -> Result<LoggedIn, LoginError> {
    let Some(account) = store.account_by_username(username.trim()).await? else {
        // Same work as a real check, so timing does not tell which usernames exist.
        verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3j3M0FK2V1m9dXwqHkcqYpOAKKDz3cPmqmyu1ajsdrA");
        return Err(LoginError::Invalid);
    };
    match account.locked_until {
        Some(until) if until > now => return Err(LoginError::Locked { until }),
        // The lock has run out: the next attempts start a fresh count of failures.
        Some(_) => store.record_login_success(account.id).await?,
        None => {}
    }
    if account.disabled || !verify_password(password, &account.password_hash) {
        store.record_login_failure(account.id, MAX_FAILED_LOGINS, now + LOCKOUT).await?;
        return Err(LoginError::Invalid);
    }
    store.record_login_success(account.id).await?;
    let token = random_hex(32);
    let csrf_token = random_hex(16);
    store
        .create_session(&Session {
            token_hash: token_hash(&token),
            account_id: account.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            reauth_at: None,
        })
        .await?;
    Ok(LoggedIn { token, csrf_token, role: account.role })
}

/// The user a request acts for, put into the request's extensions by [`session_layer`].
#[derive(Clone)]
pub struct Authenticated {
    pub user: User,
    pub csrf_token: String,
    pub token_hash: String,
    /// When the password was last typed again in this session (guarded operations need it
    /// within [`jiuzhu_domain::access::REAUTH_WINDOW`]).
    pub reauth_at: Option<DateTime<Utc>>,
    /// The password was set by an administrator: nothing but choosing a new one until then.
    pub must_change_password: bool,
}

impl Authenticated {
    /// Whether a guarded operation may go ahead without asking for the password.
    pub fn reauth_fresh(&self, op: Guarded) -> bool {
        !access::password_needed(op, self.reauth_at, Utc::now())
    }
}

/// The outcome of asking for the password before a guarded operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reauth {
    /// Typed within the window: not asked again.
    StillFresh,
    /// Typed now and right: the session's window starts again.
    Confirmed,
    /// Wrong (or missing): the operation must not go ahead.
    Wrong,
}

/// Re-authentication (再次验证身份) before `op`, in one place for reveals, exports, bulk
/// decisions and account changes.
pub async fn reauthenticate(store: &dyn Store, a: &Authenticated, op: Guarded, password: &str) -> Result<Reauth, StoreError> {
    let now = Utc::now();
    if !access::password_needed(op, a.reauth_at, now) {
        return Ok(Reauth::StillFresh);
    }
    let Some(acc) = store.account(a.user.account_id).await? else { return Ok(Reauth::Wrong) };
    // A typed-again password counts towards the lockout like a login: a stolen session must not
    // become a way to guess the password without limit.
    if acc.locked_until.is_some_and(|t| t > now) {
        return Ok(Reauth::Wrong);
    }
    if !verify_password(password, &acc.password_hash) {
        store.record_login_failure(acc.id, MAX_FAILED_LOGINS, now + LOCKOUT).await?;
        return Ok(Reauth::Wrong);
    }
    store.set_session_reauth(&a.token_hash, now).await?;
    Ok(Reauth::Confirmed)
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Resolves the session cookie to a user, ending idle, expired and disabled sessions.
pub async fn authenticate(store: &dyn Store, token: &str, now: DateTime<Utc>) -> Result<Option<Authenticated>, StoreError> {
    let hash = token_hash(token);
    let Some(session) = store.session(&hash).await? else { return Ok(None) };
    if session.last_seen_at + IDLE_TIMEOUT < now || session.created_at + ABSOLUTE_TIMEOUT < now {
        store.delete_session(&hash).await?;
        return Ok(None);
    }
    let Some(account) = store.account(session.account_id).await?.filter(|a| !a.disabled) else {
        store.delete_session(&hash).await?;
        return Ok(None);
    };
    // Touch at most once a minute: idle logout needs minutes, not every request's write.
    if now - session.last_seen_at > Duration::seconds(60) {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some(Authenticated {
        user: User {
            account_id: account.id,
            username: account.username,
            display_name: account.display_name,
            role: account.role,
            scope: Scope(account.region),
            department: account.department,
        },
        csrf_token: session.csrf_token,
        token_hash: hash,
        reauth_at: session.reauth_at,
        must_change_password: account.must_change_password,
    }))
}

/// Paths where a POST needs no CSRF token: logging in creates the session the token belongs to.
fn csrf_exempt(path: &str) -> bool {
    matches!(path, "/login" | "/api/v1/session" | "/api/v1/assess")
}

/// Authenticates every request and enforces CSRF on every state-changing one: the token comes
/// in the `X-CSRF-Token` header (API, htmx) or a `csrf_token` form field (plain forms).
pub async fn session_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let now = Utc::now();
    let auth = match cookie(request.headers(), SESSION_COOKIE) {
        Some(token) => match authenticate(state.store.as_ref(), token, now).await {
            Ok(a) => a,
            Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, format!("database error: {e}")).into_response(),
        },
        None => None,
    };
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut request = request;
    if !safe
        && !csrf_exempt(request.uri().path())
        && let Some(a) = &auth
    {
        let header_token = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
        // A file upload form (multipart) cannot be read here cheaply: it carries the token in
        // its action's query string instead (the token is per session, never a secret of its own).
        let multipart =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
        let query_token =
            multipart.then(|| request.uri().query().and_then(|q| form_urlencoded_field(q.as_bytes(), "csrf_token"))).flatten();
        let (ok, rebuilt) = match header_token.or(query_token) {
            Some(t) => (t == a.csrf_token, request),
            None => {
                // A plain HTML form: read the body (bounded), look for csrf_token, put it back.
                let (parts, body) = request.into_parts();
                let bytes = match axum::body::to_bytes(body, 4 * 1024 * 1024).await {
                    Ok(b) => b,
                    Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response(),
                };
                let ok = form_urlencoded_field(&bytes, "csrf_token").is_some_and(|t| t == a.csrf_token);
                (ok, Request::from_parts(parts, axum::body::Body::from(bytes)))
            }
        };
        if !ok {
            let e = crate::error::WebError::Csrf;
            return if rebuilt.uri().path().starts_with("/api/") {
                e.into_response()
            } else {
                e.page(crate::i18n::L::from_headers(rebuilt.headers()).0)
            };
        }
        request = rebuilt;
    }
    // An administrator's password (new account, reset): only choosing one's own, or leaving.
    if let Some(a) = &auth
        && a.must_change_password
        && !change_password_allowed(request.uri().path())
    {
        return if request.uri().path().starts_with("/api/") {
            let body = crate::error::ErrorBody {
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
    let mut request = request;
    request.extensions_mut().insert(auth);
    next.run(request).await
}

/// What an account that must change its password may still reach.
fn change_password_allowed(path: &str) -> bool {
    matches!(path, "/password" | "/logout" | "/api/v1/session" | "/healthz" | "/favicon.ico")
        || path.starts_with("/static/")
        || path.starts_with("/lang/")
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// `Set-Cookie` for a new session. `Secure` is added when the server is told it runs behind TLS.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("Zhuanglang#2026");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Zhuanglang#2026", &h));
        assert!(!verify_password("zhuanglang#2026", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn password_policy() {
        assert!(password_problem("clerk", "short1A").is_some());
        assert!(password_problem("clerk", "alllowercaseletters").is_some());
        assert!(password_problem("clerk", "Clerk-2026-abc").is_some(), "contains the username");
        assert!(password_problem("clerk", "Zhuanglang#2026").is_none());
    }

    #[test]
    fn reads_cookies_and_form_fields() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "lang=en; jiuzhu_session=abc123".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc123"));
        assert_eq!(cookie(&h, "lang"), Some("en"));
        assert_eq!(form_urlencoded_field(b"a=1&csrf_token=xyz&b=2", "csrf_token").as_deref(), Some("xyz"));
    }
}
