//! Repository traits: what jiuzhu needs from a database, independent of which one.
//!
//! Backends (`jiuzhu-store-sql`: SQLite embedded, PostgreSQL for production) implement
//! [`Store`] and must pass the [`conformance`] suite. Domain services call only this trait.

pub mod conformance;
mod model;

pub use model::*;

use async_trait::async_trait;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use jiuzhu_domain::{Division, HouseholdData, MemberData, NewHousehold, RegionCode};

/// What went wrong in the store, in terms the caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken, e.g. `persons_id_number`: the person is already registered.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// Someone else changed the household since it was read (optimistic concurrency).
    #[error("the record was changed by someone else (expected version {expected})")]
    VersionMismatch { expected: i64 },
    #[error("database error: {0}")]
    Backend(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for messages and benchmarks.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for `/healthz`.
    async fn ping(&self) -> Result<()>;
    /// Refreshes the query planner's statistics. Call after bulk loads: without statistics
    /// PostgreSQL chose a nested loop that made a name search take seconds instead of 1 ms.
    async fn analyze(&self) -> Result<()>;

    // ---- regions ----
    /// Inserts or renames divisions; returns how many rows were written.
    async fn upsert_regions(&self, divisions: &[Division]) -> Result<u64>;
    async fn region(&self, code: &RegionCode) -> Result<Option<Division>>;
    /// Direct children of `parent` (or the top-level divisions loaded, when `None`).
    async fn region_children(&self, parent: Option<&RegionCode>) -> Result<Vec<Division>>;
    /// Divisions inside `within` whose name contains `text`.
    async fn find_regions(&self, within: &RegionCode, text: &str, limit: i64) -> Result<Vec<Division>>;

    // ---- households ----
    /// Registers households with all their members and records in one transaction (all or
    /// nothing), writing a creation entry to each household's history. Returns the new ids.
    async fn insert_households(&self, households: &[NewHousehold], actor: &Actor) -> Result<Vec<i64>>;
    async fn household(&self, id: i64) -> Result<Option<Household>>;
    /// Up to `limit` whole households with ids greater than `after_id`, in id order (for
    /// registry-wide runs: re-assessment, simulation).
    async fn households_after(&self, after_id: i64, limit: i64) -> Result<Vec<Household>>;
    /// The region a household is registered in (for scope checks before loading it).
    async fn household_region(&self, id: i64) -> Result<Option<RegionCode>>;
    /// Which household a person (by ID number) belongs to now.
    async fn household_of_person(&self, id_number: &str) -> Result<Option<i64>>;
    async fn search_households(&self, query: &HouseholdQuery) -> Result<Vec<HouseholdSummary>>;
    async fn count_households(&self, within: &RegionCode) -> Result<i64>;
    /// Replaces the household-level facts; `changes` go to the history.
    async fn update_household(&self, id: i64, expected_version: i64, data: &HouseholdData, changes: &[Change], actor: &Actor)
    -> Result<()>;
    async fn update_member(
        &self,
        household_id: i64,
        member_id: i64,
        expected_version: i64,
        data: &MemberData,
        changes: &[Change],
        actor: &Actor,
    ) -> Result<()>;
    async fn add_member(&self, household_id: i64, expected_version: i64, data: &MemberData, actor: &Actor) -> Result<i64>;
    /// Moves a person (with their own income and asset records) to another household; both
    /// households' histories record it.
    async fn move_member(&self, member_id: i64, from_household: i64, from_version: i64, to_household: i64, actor: &Actor) -> Result<()>;
    /// Replaces the household's income, asset, expense and supporter records at once.
    async fn replace_records(
        &self,
        household_id: i64,
        expected_version: i64,
        records: &Records,
        changes: &[Change],
        actor: &Actor,
    ) -> Result<()>;
    async fn history(&self, household_id: i64) -> Result<Vec<HistoryEntry>>;

    /// Stores assessments in one transaction (all or nothing); returns their ids.
    async fn insert_assessments(&self, assessments: &[NewAssessment], actor: &Actor) -> Result<Vec<i64>>;
    /// A household's assessments, newest first.
    async fn assessments(&self, household_id: i64) -> Result<Vec<AssessmentRecord>>;
    /// Assessments made for `as_of` inside `within`, summed per town (9-digit prefix), the latest
    /// one per household counting.
    async fn assessment_totals(&self, within: &RegionCode, as_of: NaiveDate) -> Result<Vec<AssessmentTotals>>;
    /// The dates that have stored assessments inside `within`, newest first.
    async fn assessment_dates(&self, within: &RegionCode) -> Result<Vec<NaiveDate>>;

    // ---- accounts and sessions ----
    async fn create_account(&self, account: &NewAccount) -> Result<i64>;
    async fn account(&self, id: i64) -> Result<Option<Account>>;
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>>;
    async fn list_accounts(&self) -> Result<Vec<Account>>;
    /// Counts a failed login; locks the account until `lock_until` when `failed_logins` reaches `max`.
    async fn record_login_failure(&self, account_id: i64, max: i64, lock_until: DateTime<Utc>) -> Result<()>;
    async fn record_login_success(&self, account_id: i64) -> Result<()>;
    /// Disabling also ends every session of the account at once.
    async fn set_account_disabled(&self, account_id: i64, disabled: bool) -> Result<()>;
    async fn create_session(&self, session: &Session) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
}
