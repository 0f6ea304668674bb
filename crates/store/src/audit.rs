//! The audit trail as the store keeps it: entries and their seals in order, the chain's head and
//! checkpoints. The audit crate gives them meaning (typed actions, sealing, verification, alert
//! rules); the store only keeps them in order.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One audit entry before it is sealed. Text fields, so that the seal covers exactly what is
/// stored and read back. Never holds a sensitive value: `fields` names fields, `detail` holds
/// counts and codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// UTC, written with offset and microseconds (`2026-12-02T05:31:00.123456+00:00`).
    pub at: String,
    pub account_id: Option<i64>,
    pub username: String,
    pub role: String,
    /// The account's region scope at the time.
    pub region: String,
    pub ip: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub household_id: Option<i64>,
    pub fields: String,
    pub purpose: String,
    pub outcome: String,
    pub reason: String,
    pub detail: String,
}

/// A stored entry: its place in the chain and its seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub key_id: i64,
    #[serde(skip)]
    pub seal: Vec<u8>,
}

/// The chain's head or a checkpoint: which entry, its seal, and a seal over both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditMarker {
    pub entry_id: i64,
    pub entry_seal: Vec<u8>,
    pub at: String,
    pub key_id: i64,
    pub seal: Vec<u8>,
}

/// Computes seals while the store appends (it holds the chain's lock, the sealer holds the key).
pub trait AuditSealer: Send + Sync {
    /// The seal of entry `id` following `prev` (32 zero bytes before the first): (key id, seal).
    fn seal_entry(&self, prev: &[u8], id: i64, record: &AuditRecord) -> (i64, Vec<u8>);
    /// The seal of a head or checkpoint marker (`kind` is `head` or `checkpoint`).
    fn seal_marker(&self, kind: &str, entry_id: i64, entry_seal: &[u8], at: &str) -> (i64, Vec<u8>);
}

/// What a request's audit entries would say if it ended now (审计意图). The web layer sets one
/// around every signed-in request ([`AUDIT_INTENT`]); every write transaction the request's
/// services commit stores [`AuditIntent::records`] as *pending* entries in that same
/// transaction. So a change that is committed always has its entries on disk, whatever happens
/// to the request afterwards (a full disk, a crash): the request's own sealed entries replace
/// them ([`AuditStore::settle_audit`]), or, when that fails, they are sealed later
/// ([`AuditStore::seal_pending_audit`]). A write that fails leaves neither data nor entries.
pub trait AuditIntent: Send + Sync {
    /// The request's key (random, unique), which its pending entries carry.
    fn key(&self) -> &str;
    /// The entries as of now (what the services recorded so far).
    fn records(&self) -> Vec<AuditRecord>;
    /// A household the transaction under way created (its id was not known to the service
    /// before): the pending entries name it, and once committed, so does the trail.
    fn created_household(&self, id: i64);
    /// Called after a transaction with pending entries committed.
    fn committed(&self);
    /// Called after a transaction of the request failed: what it created does not exist.
    fn rolled_back(&self);
}

tokio::task_local! {
    /// The audit intent of the request this task is serving, if any (no intent: the CLI, the
    /// casework tick, background jobs — they write their own entries).
    pub static AUDIT_INTENT: std::sync::Arc<dyn AuditIntent>;
}

/// The current request's intent, if a write should store pending entries.
pub fn current_audit_intent() -> Option<std::sync::Arc<dyn AuditIntent>> {
    AUDIT_INTENT.try_with(std::sync::Arc::clone).ok()
}

/// Tells the current request's intent, if any, of households a write created.
pub fn name_created_households(ids: &[i64]) {
    if let Some(intent) = current_audit_intent() {
        for id in ids {
            intent.created_household(*id);
        }
    }
}

/// A checkpoint is written after every this many entries.
pub const AUDIT_CHECKPOINT_EVERY: i64 = 1_000;

/// What an auditor looks for. Every filter is optional; results are newest first, before
/// `before_id` (keyset pagination).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub account_id: Option<i64>,
    pub username: Option<String>,
    pub household_id: Option<i64>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// Inclusive, same text format as `AuditRecord::at`.
    pub from: Option<String>,
    /// Exclusive.
    pub to: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The time format of audit entries: UTC, offset written, microseconds (PostgreSQL keeps no finer).
pub fn audit_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends entries in one transaction, holding the chain's lock: each gets the next id and
    /// its seal from `sealer`; the head is resealed and a checkpoint written every
    /// [`AUDIT_CHECKPOINT_EVERY`] entries. Returns the new ids.
    async fn append_audit(&self, records: &[AuditRecord], sealer: &dyn AuditSealer) -> Result<Vec<i64>>;
    /// As [`append_audit`](Self::append_audit), and in the same transaction deletes the pending
    /// entries of the requests `settled` (their final entries are `records`).
    async fn settle_audit(&self, records: &[AuditRecord], settled: &[String], sealer: &dyn AuditSealer) -> Result<Vec<i64>>;
    /// Seals the pending entries stored before `before` whose request never settled them (it
    /// failed to write its entries after its change committed, or the process stopped), in one
    /// transaction with their deletion. Returns the new entries' ids and records.
    async fn seal_pending_audit(&self, before: DateTime<Utc>, sealer: &dyn AuditSealer) -> Result<Vec<(i64, AuditRecord)>>;
    /// How many pending entries are waiting (for `/healthz` and tests).
    async fn pending_audit_count(&self) -> Result<i64>;
    /// One small write transaction (a page's worth of bytes): `/healthz` answers 503 while it
    /// fails, e.g. on a full disk, where a read round trip still succeeds.
    async fn probe_write(&self, at: DateTime<Utc>) -> Result<()>;
    /// Up to `limit` entries with ids above `after_id`, in id order (verification).
    async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>>;
    async fn audit_head(&self) -> Result<Option<AuditMarker>>;
    async fn audit_checkpoints(&self) -> Result<Vec<AuditMarker>>;
    /// Entries matching the query, newest first.
    async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
}
