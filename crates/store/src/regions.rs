//! 行政区划: the divisions loaded (province to village) that scopes and addresses name.

use crate::Result;
use async_trait::async_trait;
use jiuzhu_domain::{Division, RegionCode};

#[async_trait]
pub trait RegionStore: Send + Sync {
    /// Inserts or renames divisions; returns how many rows were written.
    async fn upsert_regions(&self, divisions: &[Division]) -> Result<u64>;
    async fn region(&self, code: &RegionCode) -> Result<Option<Division>>;
    /// Direct children of `parent` (or the top-level divisions loaded, when `None`).
    async fn region_children(&self, parent: Option<&RegionCode>) -> Result<Vec<Division>>;
    /// Divisions inside `within` whose name contains `text`.
    async fn find_regions(&self, within: &RegionCode, text: &str, limit: i64) -> Result<Vec<Division>>;
}
