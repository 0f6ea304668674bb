//! Accounts and sessions (账号与会话): signing in with a lockout counted in the database,
//! server-side sessions with idle and absolute timeouts, re-authentication before guarded
//! operations, and account administration under 三权分立 ([`admin`]).
//!
//! The session cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy
//! of the database cannot be used to sign in. Every password attempt — a sign-in, a password
//! typed again, the current password when changing one's own — is counted in one statement
//! *before* the password is checked ([`AccountStore::count_attempt`]): forty attempts at once
//! cannot all be checked before the fifth locks the account.

pub mod admin;
pub mod password;

use chrono::{DateTime, Duration};
use jiuzhu_domain::access::{self, Guarded};
use jiuzhu_domain::{Clock, Denial, FieldError, Role, Scope, SessionKey, Trail, User, ValidationErrors};
use jiuzhu_store::{Account, AccountStore, Attempt, RegionStore, Session, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Failed password attempts in a row before the account is locked (等保 L3-CES1-02).
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);
/// A session unused this long is ended (idle logout).
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// No session lives longer than a working day.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// No such account in the administrator's region.
    #[error("not found")]
    NotFound,
    /// Refused for a reason the person can correct, named by field.
    #[error("invalid: {0}")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for AccountError {
    fn from(e: FieldError) -> Self {
        AccountError::Invalid(e.into())
    }
}

pub type Result<T> = std::result::Result<T, AccountError>;

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong username or password (which of the two is not said).
    #[error("wrong username or password")]
    Invalid,
    #[error("locked until {until}")]
    Locked { until: DateTime<chrono::Utc> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A successful sign-in: the cookie token (never stored) and the CSRF token.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub role: Role,
}

/// Whom a sign-in attempt was for, as the audit entry names it: the account when the username
/// exists (id, role, region), never the password.
#[derive(Debug, Clone, Default)]
pub struct Attempted {
    pub username: String,
    pub account: Option<(i64, Role, String)>,
}

/// A request's signed-in user with what the pages need of the session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub csrf_token: String,
    /// The password was set by an administrator: nothing but choosing a new one until then.
    pub must_change_password: bool,
}

/// The outcome of asking for the password before a guarded operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reauth {
    /// Typed within the window: not asked again.
    StillFresh,
    /// Typed now and right: the session's window starts again.
    Confirmed,
    /// Wrong, missing, or the account is locked: the operation must not go ahead.
    Wrong,
}

/// The accounts service.
#[derive(Clone)]
pub struct Accounts {
    accounts: Arc<dyn AccountStore>,
    regions: Arc<dyn RegionStore>,
    clock: Arc<dyn Clock>,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What the database keeps of a session token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
}

impl Accounts {
    pub fn new(accounts: Arc<dyn AccountStore>, regions: Arc<dyn RegionStore>, clock: Arc<dyn Clock>) -> Accounts {
        Accounts { accounts, regions, clock }
    }

    /// Counts an attempt for `account`, then checks `password` against it. Whatever the outcome
    /// the same argon2 work is done, so the time taken does not tell a locked, disabled or
    /// missing account from a wrong password.
    async fn check_password(&self, account: Option<&Account>, password: &str) -> std::result::Result<bool, LoginError> {
        let Some(account) = account else {
            password::verify(password, None).await;
            return Ok(false);
        };
        let now = self.clock.now();
        if let Attempt::Locked { until } = self.accounts.count_attempt(account.id, MAX_FAILED_LOGINS, now, now + LOCKOUT).await? {
            password::verify(password, None).await;
            return Err(LoginError::Locked { until });
        }
        let right = password::verify(password, Some(&account.password_hash)).await;
        if right {
            self.accounts.record_login_success(account.id).await?;
        }
        Ok(right)
    }

    /// 登录: a new session for the right password of an enabled, unlocked account.
    pub async fn login(&self, username: &str, password: &str) -> (Attempted, std::result::Result<LoggedIn, LoginError>) {
        let username = username.trim();
        let mut attempted = Attempted { username: username.chars().take(64).collect(), account: None };
        let account = match self.accounts.account_by_username(username).await {
            Ok(a) => a,
            Err(e) => return (attempted, Err(e.into())),
        };
        attempted.account = account.as_ref().map(|a| (a.id, a.role, a.region.to_string()));
        let result = async {
            let right = self.check_password(account.as_ref(), password).await?;
            let account = match account {
                Some(a) if right && !a.disabled => a,
                _ => return Err(LoginError::Invalid),
            };
            let now = self.clock.now();
            let (token, csrf_token) = (random_hex(32), random_hex(16));
            self.accounts
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
        .await;
        (attempted, result)
    }

    /// Resolves a session cookie to its user, ending idle, expired and disabled sessions. The
    /// user carries a fresh [`Trail`] for the request.
    pub async fn session(&self, token: &str) -> std::result::Result<Option<SignedIn>, StoreError> {
        let now = self.clock.now();
        let hash = token_hash(token);
        let Some(session) = self.accounts.session(&hash).await? else { return Ok(None) };
        if session.last_seen_at + IDLE_TIMEOUT < now || session.created_at + ABSOLUTE_TIMEOUT < now {
            self.accounts.delete_session(&hash).await?;
            return Ok(None);
        }
        let Some(account) = self.accounts.account(session.account_id).await?.filter(|a| !a.disabled) else {
            self.accounts.delete_session(&hash).await?;
            return Ok(None);
        };
        // Touch at most once a minute: idle logout needs minutes, not every request's write.
        if now - session.last_seen_at > Duration::seconds(60) {
            self.accounts.touch_session(&hash, now).await?;
        }
        Ok(Some(SignedIn {
            user: User {
                account_id: account.id,
                username: account.username,
                display_name: account.display_name,
                role: account.role,
                scope: Scope(account.region),
                department: account.department,
                session: Some(SessionKey { token_hash: hash, reauth_at: session.reauth_at }),
                trail: Trail::default(),
            },
            csrf_token: session.csrf_token,
            must_change_password: account.must_change_password,
        }))
    }

    /// 退出: the session ends on the server at once.
    pub async fn logout(&self, user: &User) -> std::result::Result<(), StoreError> {
        match &user.session {
            Some(s) => self.accounts.delete_session(&s.token_hash).await,
            None => Ok(()),
        }
    }

    /// Whether `op` may go ahead without asking for the password (typed within the window).
    pub fn reauth_fresh(&self, user: &User, op: Guarded) -> bool {
        !access::password_needed(op, user.session.as_ref().and_then(|s| s.reauth_at), self.clock.now())
    }

    /// 再次验证身份 before `op`: the password typed again counts towards the lockout like a
    /// sign-in (a stolen session must not become a way to guess it without limit).
    pub async fn reauthenticate(&self, user: &User, op: Guarded, password: &str) -> std::result::Result<Reauth, StoreError> {
        if self.reauth_fresh(user, op) {
            return Ok(Reauth::StillFresh);
        }
        let (Some(session), Some(account)) = (&user.session, self.accounts.account(user.account_id).await?) else {
            return Ok(Reauth::Wrong);
        };
        match self.check_password(Some(&account), password).await {
            Ok(true) => {
                self.accounts.set_session_reauth(&session.token_hash, self.clock.now()).await?;
                Ok(Reauth::Confirmed)
            }
            Ok(false) | Err(LoginError::Locked { .. } | LoginError::Invalid) => Ok(Reauth::Wrong),
            Err(LoginError::Store(e)) => Err(e),
        }
    }

    /// [`Accounts::reauthenticate`] for services: a wrong password is refused as field
    /// `password_field` and recorded on the user's trail.
    pub async fn confirm(&self, user: &User, op: Guarded, password: &str, password_field: &str) -> Result<()> {
        match self.reauthenticate(user, op, password).await? {
            Reauth::StillFresh | Reauth::Confirmed => Ok(()),
            Reauth::Wrong => {
                user.trail.refuse(Denial::Reauth);
                Err(FieldError::new(
                    password_field,
                    "reauth",
                    "密码不正确（连续输错将锁定账号）",
                    "wrong password (repeated mistakes lock the account)",
                )
                .into())
            }
        }
    }

    /// 修改密码: the owner's own, with the current one (counted like a sign-in). Ends every
    /// session of the account, this one too.
    pub async fn change_own_password(&self, user: &User, current: &str, new: &str, again: &str) -> Result<()> {
        let account = self.accounts.account(user.account_id).await?.ok_or(AccountError::NotFound)?;
        let refuse = |denial: Denial, e: FieldError| {
            user.trail.refuse(denial);
            Err(AccountError::Invalid(e.into()))
        };
        match self.check_password(Some(&account), current).await {
            Ok(true) => {}
            Ok(false) | Err(LoginError::Invalid | LoginError::Locked { .. }) => {
                return refuse(Denial::Reauth, FieldError::new("current", "reauth", "当前密码不正确", "the current password is wrong"));
            }
            Err(LoginError::Store(e)) => return Err(e.into()),
        }
        if new != again {
            return refuse(
                Denial::Invalid,
                FieldError::new("again", "password.again", "两次输入的新密码不一致", "the two new passwords differ"),
            );
        }
        if new == current {
            return refuse(
                Denial::Invalid,
                FieldError::new("new", "password.same", "新密码不能与当前密码相同", "choose a password other than the current one"),
            );
        }
        if let Some((zh, en)) = password::problem(&user.username, new) {
            return refuse(Denial::Invalid, FieldError::new("new", "password.policy", zh, en));
        }
        self.accounts.set_password(user.account_id, &password::hash(new).await, false).await?;
        user.trail.detail("change_own_password");
        Ok(())
    }
}
