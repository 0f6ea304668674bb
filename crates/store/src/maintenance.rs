//! What operators and start-up need of the database itself: which backend, a round trip, planner
//! statistics, and re-encryption under rotated keys.

use crate::Result;
use async_trait::async_trait;

/// Which table a key-rotation pass works through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekeyTable {
    /// `persons`: ID number ciphertext and blind index.
    Persons,
    /// `households`: bank account ciphertext.
    Households,
}

/// One batch of a key-rotation pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RekeyBatch {
    /// The last row id looked at (`None`: the table is done).
    pub last_id: Option<i64>,
    pub rows: usize,
    /// Rows whose ciphertext or index was rewritten under the active keys.
    pub rewritten: usize,
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
    /// Re-encrypts (and re-indexes) up to `limit` rows of `table` with ids above `after_id` whose
    /// ciphertext or blind index is not under the active keys (key rotation).
    async fn rekey(&self, table: RekeyTable, after_id: i64, limit: i64) -> Result<RekeyBatch>;
}
