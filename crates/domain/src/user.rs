//! Who acts: the signed-in person a service works for ([`User`]), and the name a change is
//! recorded under ([`Actor`]).

use crate::account::{Permission, Role, Scope};
use crate::casework::Department;
use crate::trail::Trail;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The signed-in user a request acts for. Every service method takes one and checks its role and
/// scope itself; what the service did for it goes into [`User::trail`].
#[derive(Debug, Clone)]
pub struct User {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// For department liaisons: the department whose referrals they answer.
    pub department: Option<Department>,
    /// The session the request came in (pages and the API); `None` on the command line.
    pub session: Option<SessionKey>,
    /// What the services did for this request, for its audit entry (shared with the web layer).
    pub trail: Trail,
}

/// The session a user acts in: which one (the SHA-256 of its cookie token) and when its owner
/// last typed the password again (再次验证).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    pub token_hash: String,
    pub reauth_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn can(&self, p: Permission) -> bool {
        self.role.has(p)
    }

    /// How the user's changes are recorded in histories (with the account id).
    pub fn actor(&self) -> Actor {
        Actor { account_id: Some(self.account_id), username: self.username.clone() }
    }
}

/// Who did something, for history, timelines and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub username: String,
}

impl Actor {
    /// A job of the system itself (`system:casework-tick`), not of a person.
    pub fn system(what: &str) -> Actor {
        Actor { account_id: None, username: format!("system:{what}") }
    }
}
