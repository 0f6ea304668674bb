//! What operators and start-up need of the database itself: which backend, a round trip, planner
//! statistics, re-encryption under rotated keys (密钥轮换), which keys stored values carry, and
//! the leases that keep a rotation and a running server apart.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// One batch of a key-rotation pass over one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RekeyBatch {
    /// The last row id looked at (`None`: the table is done).
    pub last_id: Option<i64>,
    pub rows: usize,
    /// Rows whose ciphertexts or indexes were rewritten under the active keys.
    pub rewritten: usize,
    /// Rows with a blind index under an old key that cannot be recomputed (department rows
    /// imported before the value it is made from was stored encrypted).
    pub stuck: usize,
}

/// Which family of keys a stored value is under (`jiuzhu_crypto::KeyKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyFamily {
    /// SM4 ciphertexts.
    Data,
    /// HMAC-SM3 blind indexes.
    Index,
    /// HMAC-SM3 audit seals.
    Audit,
}

impl KeyFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFamily::Data => "data",
            KeyFamily::Index => "index",
            KeyFamily::Audit => "audit",
        }
    }
}

/// How many stored values of one column carry one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub family: KeyFamily,
    pub key_id: i64,
    /// `table.column`.
    pub column: String,
    pub values: i64,
    /// Values a rotation cannot rewrite (see [`RekeyBatch::stuck`]): their key must stay.
    pub stuck: i64,
}

/// What holds a lease on the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeasePurpose {
    /// `jiuzhu serve` / `demo`: writes with the keys it loaded at start.
    Server,
    /// `jiuzhu keys rotate`: rewrites every encrypted value.
    Rotation,
}

impl LeasePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LeasePurpose::Server => "server",
            LeasePurpose::Rotation => "rotation",
        }
    }
    pub fn parse(s: &str) -> Option<LeasePurpose> {
        match s {
            "server" => Some(LeasePurpose::Server),
            "rotation" => Some(LeasePurpose::Rotation),
            _ => None,
        }
    }
    /// A rotation excludes everything else; servers exclude rotations but not each other
    /// (several servers may share a PostgreSQL database).
    pub fn excludes(self, other: LeasePurpose) -> bool {
        self == LeasePurpose::Rotation || other == LeasePurpose::Rotation
    }
}

/// A process's claim on the database, renewed while it runs and dead once `expires_at` passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Random, unique: what renewal and release name.
    pub token: String,
    pub purpose: LeasePurpose,
    pub host: String,
    pub pid: i64,
    pub since: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// `sqlite` or `postgres`, for messages and benchmarks.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for `/healthz`.
    async fn ping(&self) -> Result<()>;
    /// Refreshes the query planner's statistics. Call after bulk loads: without statistics
    /// PostgreSQL chose a nested loop that made a name search take seconds instead of 1 ms.
    async fn analyze(&self) -> Result<()>;
    /// The tables holding encrypted or blind-indexed values, each a rotation pass.
    fn rekey_tables(&self) -> Vec<&'static str>;
    /// Re-encrypts (and re-indexes) up to `limit` rows of `table` with ids above `after_id` whose
    /// ciphertexts or blind indexes are not under the active keys (key rotation).
    async fn rekey(&self, table: &str, after_id: i64, limit: i64) -> Result<RekeyBatch>;
    /// Every key id stored values carry, per column (a full scan: for rotation and `keys status`).
    async fn key_usage(&self) -> Result<Vec<KeyUse>>;
    /// Takes `lease` unless a live lease (expiring after `now`) it excludes is held; returns that
    /// one when refused. Dead leases are removed.
    async fn take_lease(&self, lease: &Lease, now: DateTime<Utc>) -> Result<Option<Lease>>;
    /// Moves a lease's expiry on; `false` when it is gone (it had died and was removed).
    async fn renew_lease(&self, token: &str, expires_at: DateTime<Utc>) -> Result<bool>;
    async fn release_lease(&self, token: &str) -> Result<()>;
    async fn leases(&self) -> Result<Vec<Lease>>;
}

/// What a whole rotation pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RekeySummary {
    pub rows: u64,
    pub rewritten: u64,
    pub stuck: u64,
}

/// Re-encrypts and re-indexes every table under the active keys, in batches of `batch` rows;
/// `progress(table, rows)` after each. Safe to run again: rows already under the active keys are
/// left alone.
pub async fn rekey_all<S: MaintenanceStore + ?Sized>(
    store: &S,
    batch: i64,
    progress: &(dyn Fn(&str, usize) + Sync),
) -> Result<RekeySummary> {
    let mut sum = RekeySummary::default();
    for table in store.rekey_tables() {
        let mut after = 0;
        loop {
            let b = store.rekey(table, after, batch).await?;
            sum.rows += b.rows as u64;
            sum.rewritten += b.rewritten as u64;
            sum.stuck += b.stuck as u64;
            progress(table, b.rows);
            match b.last_id {
                Some(id) => after = id,
                None => break,
            }
        }
    }
    Ok(sum)
}
