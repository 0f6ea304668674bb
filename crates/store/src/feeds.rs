//! 部门数据 and 监测预警: what the store keeps of department feeds and of the monitoring pools.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use serde::{Deserialize, Serialize};

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

/// Beginning an import: a staged import to add rows to, or the same file stored before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStart {
    /// Staged: its rows are invisible until [`FeedStore::complete_feed_imports`].
    Staged { import_id: i64 },
    /// The same file (feed and SHA-256) is already stored: nothing to do.
    AlreadyImported { import_id: i64 },
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

/// One finding that brought a household into a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringReason {
    /// The finding's code (`large_medical_self_pay`, `earner_death` …, see `jiuzhu_verify::FindingKind`).
    pub kind: String,
    /// The finding in words (大额医疗自付 …).
    pub zh: String,
    /// The member it is about, when it is about one.
    pub member: Option<String>,
    /// The department rows it rests on, in words.
    pub evidence: String,
    pub on: Option<NaiveDate>,
}

/// A household in a monitoring pool, with why it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringEntry {
    pub household_id: i64,
    pub region: RegionCode,
    pub pool: MonitoringPool,
    /// The findings that brought it in.
    pub reasons: Vec<MonitoringReason>,
    /// The departments it is referred to (医疗救助（医保部门） …).
    pub referrals: Vec<String>,
    /// The policy engine's verdict in words.
    pub assessment: String,
    pub found_on: NaiveDate,
    /// The next quarterly visit by the village assistant (一季度一访问).
    pub next_visit_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

/// A pool entry as lists show it: with the name of the household's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringRow {
    pub entry: MonitoringEntry,
    pub head_name: String,
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
    /// Begins storing a validated file: a staged import whose rows nobody sees yet, or the file's
    /// earlier import (same feed and SHA-256). A staged import of the same file left by an
    /// interrupted run is removed first.
    async fn begin_feed_import(&self, import: &NewFeedImport) -> Result<ImportStart>;
    /// Adds rows to a staged import in a short transaction of its own (a large file never holds
    /// the write lock for long); a row already stored (same feed and natural key) is not stored
    /// twice. Returns how many rows were new. A backend with a single writer (SQLite) returns
    /// only after leaving the lock free as long as the batch held it, so other writers get turns.
    async fn stage_feed_records(&self, import_id: i64, feed: &str, records: &[NewFeedRecord]) -> Result<i64>;
    /// Makes staged imports visible at once, all or none: `(import_id, new_rows)`.
    async fn complete_feed_imports(&self, imports: &[(i64, i64)]) -> Result<()>;
    /// Removes a staged import and its rows (the run failed or was interrupted).
    async fn abandon_feed_import(&self, import_id: i64) -> Result<()>;
    /// Staged imports last added to before `before`: left by a run that was killed.
    async fn stale_feed_imports(&self, before: DateTime<Utc>) -> Result<Vec<i64>>;
    /// The latest completed imports, newest first.
    async fn feed_imports(&self, limit: i64) -> Result<Vec<FeedImport>>;
    /// Every stored feed row about these people (of completed imports).
    async fn feed_records_of(&self, id_numbers: &[String]) -> Result<Vec<StoredFeedRecord>>;
    /// Puts households into the monitoring pools (replacing their earlier entry).
    async fn put_monitoring(&self, entries: &[MonitoringEntry]) -> Result<()>;
    /// Takes households out of the pools (they became protected, or the signal went away).
    async fn remove_monitoring(&self, household_ids: &[i64]) -> Result<()>;
    /// Pool entries in the query's region, with their heads' names, next visit first.
    async fn monitoring(&self, query: &MonitoringQuery) -> Result<Vec<MonitoringRow>>;
    async fn monitoring_entry(&self, household_id: i64) -> Result<Option<MonitoringEntry>>;
    /// Every 核对 recorded on cases within a region since a day (for 检出率).
    async fn check_outcomes(&self, within: &RegionCode, since: DateTime<Utc>) -> Result<Vec<CheckOutcome>>;
    /// Households in (一类库, 二类库) within a region.
    async fn monitoring_counts(&self, within: &RegionCode) -> Result<(i64, i64)>;
}
