//! Who did something, as history, timelines and the audit trail name them.

use serde::Serialize;

/// Who did something, for history and audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub username: String,
}

impl Actor {
    pub fn system(what: &str) -> Actor {
        Actor { account_id: None, username: format!("system:{what}") }
    }
}
