//! The audit trail (留痕, 等保三级 安全审计): what every look at personal data and every change
//! leaves behind, sealed so that an edited, deleted or reordered entry is found.
//!
//! - [`Entry`] builds an [`AuditRecord`] from who acted, on what, and with what outcome.
//! - [`KeySealer`] seals each entry with HMAC-SM3 over the previous entry's seal and every field
//!   of this one, under the audit key of the key file (never stored in the database).
//! - [`AuditLog`] writes entries in batches from many requests; a request whose entry cannot be
//!   written fails (fail closed: no audit, no data).
//! - [`verify`] walks the whole chain and names the first broken entry.
//! - [`alerts`] watches entries as they are written and raises alerts for auditors.
//! - [`Auditing`] is the service auditors use: the trail, a household's 查阅记录, verification
//!   and the alert queue, each read inside the auditor's region.
//!
//! What an entry says — the object, the households read, the search, the refusal — is what the
//! services recorded on the request's [`jiuzhu_domain::Trail`].

pub mod alerts;
mod log;
pub mod service;
mod verify;

pub use log::{AuditError, AuditLog};
pub use service::{Auditing, AuditingError};
pub use verify::{Problem, Verification, verify};

use chrono::{DateTime, Utc};
use jiuzhu_crypto::Keyring;
use jiuzhu_domain::{Action, Denial};
use jiuzhu_store::{AuditRecord, AuditSealer, audit_time};
use std::sync::Arc;

/// Who acted, as the entry records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub account_id: Option<i64>,
    pub username: String,
    pub role: String,
    /// The account's region scope.
    pub region: String,
    pub ip: String,
}

/// Builds one audit record.
#[derive(Debug, Clone)]
pub struct Entry(AuditRecord);

impl Entry {
    pub fn new(who: &Who, at: DateTime<Utc>, action: Action, object_kind: &str, object_id: impl ToString) -> Entry {
        Entry(AuditRecord {
            at: audit_time(at),
            account_id: who.account_id,
            username: who.username.clone(),
            role: who.role.clone(),
            region: who.region.clone(),
            ip: who.ip.clone(),
            action: action.as_str().into(),
            object_kind: object_kind.into(),
            object_id: object_id.to_string(),
            household_id: None,
            fields: String::new(),
            purpose: String::new(),
            outcome: "allowed".into(),
            reason: String::new(),
            detail: String::new(),
        })
    }
    pub fn household(mut self, id: i64) -> Entry {
        self.0.household_id = Some(id);
        self
    }
    /// The names of the personal-data fields shown (never their values).
    pub fn fields(mut self, fields: &[&str]) -> Entry {
        self.0.fields = fields.join(",");
        self
    }
    /// 查询事由: why the user needed to see it.
    pub fn purpose(mut self, purpose: &str) -> Entry {
        self.0.purpose = purpose.into();
        self
    }
    pub fn denied(mut self, why: Denial) -> Entry {
        self.0.outcome = "denied".into();
        self.0.reason = why.as_str().into();
        self
    }
    /// A note for the alert rules when allowed (e.g. `outside_caseload`).
    pub fn reason(mut self, reason: &str) -> Entry {
        self.0.reason = reason.into();
        self
    }
    /// Counts and codes only (`rows=120`, `by=id_number`); never a personal value.
    pub fn detail(mut self, detail: impl Into<String>) -> Entry {
        self.0.detail = detail.into();
        self
    }
    pub fn record(self) -> AuditRecord {
        self.0
    }
}

/// Seals entries and markers with the key file's audit keys (HMAC-SM3).
#[derive(Clone)]
pub struct KeySealer {
    keys: Arc<Keyring>,
}

fn entry_parts<T>(prev: &[u8], id: i64, r: &AuditRecord, f: impl FnOnce(&[&[u8]]) -> T) -> T {
    let id = id.to_be_bytes();
    let account = r.account_id.map(|a| a.to_string()).unwrap_or_default();
    let household = r.household_id.map(|h| h.to_string()).unwrap_or_default();
    f(&[
        b"entry",
        prev,
        &id,
        r.at.as_bytes(),
        account.as_bytes(),
        r.username.as_bytes(),
        r.role.as_bytes(),
        r.region.as_bytes(),
        r.ip.as_bytes(),
        r.action.as_bytes(),
        r.object_kind.as_bytes(),
        r.object_id.as_bytes(),
        household.as_bytes(),
        r.fields.as_bytes(),
        r.purpose.as_bytes(),
        r.outcome.as_bytes(),
        r.reason.as_bytes(),
        r.detail.as_bytes(),
    ])
}

impl KeySealer {
    pub fn new(keys: Arc<Keyring>) -> KeySealer {
        KeySealer { keys }
    }

    /// The seal entry `id` should carry under audit key `key_id` (`None`: the key file lacks it).
    pub fn entry_seal(&self, key_id: i64, prev: &[u8], id: i64, r: &AuditRecord) -> Option<[u8; 32]> {
        let key_id = u8::try_from(key_id).ok()?;
        entry_parts(prev, id, r, |parts| self.keys.audit_mac(key_id, parts))
    }

    pub fn marker_seal(&self, key_id: i64, kind: &str, entry_id: i64, entry_seal: &[u8], at: &str) -> Option<[u8; 32]> {
        let key_id = u8::try_from(key_id).ok()?;
        self.keys.audit_mac(key_id, &marker_parts(kind, &entry_id.to_be_bytes(), entry_seal, at))
    }
}

fn marker_parts<'a>(kind: &'a str, entry_id: &'a [u8; 8], entry_seal: &'a [u8], at: &'a str) -> [&'a [u8]; 5] {
    [b"marker", kind.as_bytes(), entry_id, entry_seal, at.as_bytes()]
}

impl AuditSealer for KeySealer {
    fn seal_entry(&self, prev: &[u8], id: i64, record: &AuditRecord) -> (i64, Vec<u8>) {
        let (key_id, seal) = entry_parts(prev, id, record, |parts| self.keys.audit_seal(parts));
        (i64::from(key_id), seal.to_vec())
    }

    fn seal_marker(&self, kind: &str, entry_id: i64, entry_seal: &[u8], at: &str) -> (i64, Vec<u8>) {
        let (key_id, seal) = self.keys.audit_seal(&marker_parts(kind, &entry_id.to_be_bytes(), entry_seal, at));
        (i64::from(key_id), seal.to_vec())
    }
}
