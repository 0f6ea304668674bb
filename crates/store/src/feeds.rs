//! 部门数据 and 监测预警: what the store keeps of department feeds and of the monitoring pools.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use serde::Serialize;

/// One validated file of one feed, about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedImport {
    /// The feed's code (`deaths`, `vehicles` …).
    pub feed: String,
    pub file_name: String,
    /// SHA-256 of the file: the same file again changes nothing.
    pub sha256: String,
    pub rows: i64,
    pub imported_by: String,
}

/// One row of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedRecord {
    pub id_number: String,
    /// The row's natural key (it contains the ID number: the store keeps only its blind index).
    pub key: String,
    pub on: Option<NaiveDate>,
    /// The other columns as JSON (stored encrypted).
    pub detail: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeedImportOutcome {
    pub import_id: i64,
    /// Rows not already stored (by an earlier file with the same facts).
    pub new_rows: i64,
    /// The same file (by SHA-256) had been imported before: nothing changed.
    pub already_imported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedImport {
    pub id: i64,
    pub feed: String,
    pub file_name: String,
    pub sha256: String,
    pub rows: i64,
    pub new_rows: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// A stored feed row about one of the people asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFeedRecord {
    pub import_id: i64,
    pub feed: String,
    /// Which of the asked ID numbers it is about.
    pub id_number: String,
    pub on: Option<NaiveDate>,
    pub detail: String,
}

/// 困难群众监测库.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitoringPool {
    /// 一类库: likely eligible now — an authorised check and an invitation to apply.
    Likely,
    /// 二类库: not eligible now — watched, visited quarterly.
    Watch,
}

impl MonitoringPool {
    pub fn as_str(self) -> &'static str {
        match self {
            MonitoringPool::Likely => "likely",
            MonitoringPool::Watch => "watch",
        }
    }
    pub fn parse(s: &str) -> Option<MonitoringPool> {
        match s {
            "likely" => Some(MonitoringPool::Likely),
            "watch" => Some(MonitoringPool::Watch),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            MonitoringPool::Likely => "一类库（初步符合，待授权核对、邀请申请）",
            MonitoringPool::Watch => "二类库（暂不符合，监测预警）",
        }
    }
}

/// A household in a monitoring pool, with why it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringEntry {
    pub household_id: i64,
    pub region: RegionCode,
    pub pool: MonitoringPool,
    /// JSON array of the findings that brought it in (kind, member, evidence, on).
    pub reasons: String,
    /// JSON array of referrals to departments.
    pub referrals: String,
    /// The policy engine's verdict in words.
    pub assessment: String,
    pub found_on: NaiveDate,
    /// The next quarterly visit by the village assistant (一季度一访问).
    pub next_visit_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringQuery {
    pub within: RegionCode,
    pub pool: Option<MonitoringPool>,
    /// Only entries whose visit is due on or before this day.
    pub visit_due_by: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

/// One 核对 done on a case: where, which programme, when, and whether it passed (检出率).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub region: RegionCode,
    /// The case's kind (`dibao`, `dibao_edge` …).
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The check found the household not eligible (核对不符).
    pub failed: bool,
}

/// Department feeds (部门数据) and the monitoring pools (监测预警) discovery fills from them.
#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Stores a validated file in one transaction: all its rows or none. The same file
    /// (same feed and SHA-256) again changes nothing; a row already stored (same natural key)
    /// from another file is not stored twice.
    async fn import_feed(&self, import: &NewFeedImport, records: &[NewFeedRecord]) -> Result<FeedImportOutcome>;
    /// The latest imports, newest first.
    async fn feed_imports(&self, limit: i64) -> Result<Vec<FeedImport>>;
    /// Every stored feed row about these people.
    async fn feed_records_of(&self, id_numbers: &[String]) -> Result<Vec<StoredFeedRecord>>;
    /// Puts households into the monitoring pools (replacing their earlier entry).
    async fn put_monitoring(&self, entries: &[MonitoringEntry]) -> Result<()>;
    /// Takes households out of the pools (they became protected, or the signal went away).
    async fn remove_monitoring(&self, household_ids: &[i64]) -> Result<()>;
    async fn monitoring(&self, query: &MonitoringQuery) -> Result<Vec<MonitoringEntry>>;
    async fn monitoring_entry(&self, household_id: i64) -> Result<Option<MonitoringEntry>>;
    /// Every 核对 recorded on cases within a region since a day (for 检出率).
    async fn check_outcomes(&self, within: &RegionCode, since: DateTime<Utc>) -> Result<Vec<CheckOutcome>>;
    /// Households in (一类库, 二类库) within a region.
    async fn monitoring_counts(&self, within: &RegionCode) -> Result<(i64, i64)>;
}
