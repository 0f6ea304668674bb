//! Accounts (账号) and server-side sessions.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuzhu_domain::casework::Department;
use jiuzhu_domain::{RegionCode, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    /// For department liaisons: the department whose referrals they answer.
    pub department: Option<Department>,
    /// PHC string (argon2id); the store never sees a password.
    pub password_hash: String,
    /// Created disabled (待授权): a system administrator's new account does nothing until the
    /// security administrator grants its role and enables it (三权分立).
    pub disabled: bool,
    /// The owner must set a new password at the next sign-in (the creator knows this one).
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub department: Option<Department>,
    pub password_hash: String,
    pub disabled: bool,
    /// 须修改密码: set by an administrator's create or reset, cleared by the owner's change.
    pub must_change_password: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A server-side session. The cookie carries a random token; only its SHA-256 is stored, so a
/// copy of the database cannot be used to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the user last typed their password again in this session.
    pub reauth_at: Option<DateTime<Utc>>,
}

/// What counting a password attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted: this is failure number `failures` in a row if the password turns out wrong.
    Counted { failures: i64 },
    /// Locked until then: the password must not even be checked.
    Locked { until: DateTime<Utc> },
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_account(&self, account: &NewAccount) -> Result<i64>;
    async fn account(&self, id: i64) -> Result<Option<Account>>;
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>>;
    async fn list_accounts(&self) -> Result<Vec<Account>>;
    /// Counts one password attempt (a sign-in or a password typed again) before the password is
    /// checked, in one statement, so that parallel attempts cannot outrun the lockout: the attempt
    /// that reaches `max` failures in a row locks the account until `lock_until`; while locked
    /// nothing is counted and the answer is [`Attempt::Locked`]. A lock that ran out by `now`
    /// starts a fresh count.
    async fn count_attempt(&self, account_id: i64, max: i64, now: DateTime<Utc>, lock_until: DateTime<Utc>) -> Result<Attempt>;
    /// The password was right: the count of failures starts again.
    async fn record_login_success(&self, account_id: i64) -> Result<()>;
    /// Disabling also ends every session of the account at once.
    async fn set_account_disabled(&self, account_id: i64, disabled: bool) -> Result<()>;
    /// 授权: gives an account its role, region and department and enables it, in one
    /// transaction. Takes effect on its next request: sessions read the account every time.
    async fn grant_access(&self, account_id: i64, role: Role, region: &RegionCode, department: Option<Department>) -> Result<()>;
    /// Sets a new password hash, clears the lockout and ends every session of the account;
    /// `must_change`: the owner must choose another at the next sign-in (an administrator's reset).
    async fn set_password(&self, account_id: i64, password_hash: &str, must_change: bool) -> Result<()>;
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// Records that the session's user typed their password again (re-authentication).
    async fn set_session_reauth(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
}
