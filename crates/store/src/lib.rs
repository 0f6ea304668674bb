//! Repository traits: what jiuzhu needs from a database, independent of which one.
//!
//! Backends (`jiuzhu-store-sql`: SQLite embedded, PostgreSQL for production) implement
//! [`Store`] and must pass the [`conformance`] suite. Domain services call only this trait.

pub mod conformance;
mod feeds;
mod model;
mod security;

pub use feeds::*;
pub use model::*;
pub use security::*;

use async_trait::async_trait;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use jiuzhu_domain::casework::{AssistanceKind, CaseState, Department};
use jiuzhu_domain::{Division, HouseholdData, MemberData, NewHousehold, RegionCode, Role};

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

    // ---- casework ----
    /// Opens the cases of one intake in one transaction (all or nothing), each with its first
    /// timeline entry; they share an intake id (the first case's id). A household has at most
    /// one open case per kind: a second is `Conflict { constraint: "cases_open_kind" }`.
    async fn insert_cases(&self, cases: &[NewCase], first_event: &NewCaseEvent) -> Result<Vec<i64>>;
    async fn case(&self, id: i64) -> Result<Option<Case>>;
    /// Writes a step: the case as it is after the step (its `version` is the one the step started
    /// from: someone else's step in between is `VersionMismatch`), the timeline entry, and what
    /// the step does to a benefit, in one transaction. Returns the benefit's id when one is granted.
    async fn update_case(&self, case: &Case, event: &NewCaseEvent, benefit: Option<&BenefitChange>) -> Result<Option<i64>>;
    async fn case_events(&self, case_id: i64) -> Result<Vec<CaseEvent>>;
    /// A role's queue inside a region (see [`QueueQuery`]).
    async fn queue(&self, q: &QueueQuery) -> Result<Vec<CaseSummary>>;
    /// The size of each part of a role's queue.
    async fn queue_counts(&self, q: &QueueQuery) -> Result<QueueCounts>;
    /// A household's cases, newest first.
    async fn household_cases(&self, household_id: i64) -> Result<Vec<CaseSummary>>;
    /// Cases in `state` inside `within`, oldest step first (公示名单, the periodic tick).
    async fn cases_in_state(&self, within: &RegionCode, state: CaseState, limit: i64) -> Result<Vec<CaseSummary>>;
    /// Open cases with a step or overall deadline not yet known (the calendar did not reach it).
    async fn cases_without_deadline(&self, limit: i64) -> Result<Vec<i64>>;
    /// 特困 cases that reached the decision inside `within` since `since`: (all, spot-checked).
    async fn tekun_spot_checks(&self, within: &RegionCode, since: NaiveDate) -> Result<(i64, i64)>;
    async fn insert_photo(&self, case_id: i64, content_type: &str, bytes: &[u8], caption: &str, actor: &Actor) -> Result<i64>;
    async fn photo(&self, id: i64) -> Result<Option<Photo>>;
    /// The photos of a case, oldest first.
    async fn case_photo_ids(&self, case_id: i64) -> Result<Vec<i64>>;
    async fn benefit(&self, id: i64) -> Result<Option<Benefit>>;
    async fn household_benefits(&self, household_id: i64) -> Result<Vec<Benefit>>;
    /// Active benefits whose next review is due on or before `by` and that have no open review.
    async fn benefits_due_for_review(&self, by: NaiveDate, limit: i64) -> Result<Vec<Benefit>>;
    /// Benefits not yet ended whose last month (a gradual exit, a status valid for 12 months) is
    /// before `month`.
    async fn benefits_exit_ended(&self, month: NaiveDate, limit: i64) -> Result<Vec<Benefit>>;
    /// Replaces a benefit outside a case step (job refusals, the tick); `version` as read.
    async fn update_benefit(&self, benefit: &Benefit) -> Result<()>;

    // ---- calendar ----
    /// Holiday files of years published after the release, as imported: (year, file text).
    async fn calendar_years(&self) -> Result<Vec<(i32, String)>>;
    /// Stores a year's file (replacing an earlier import of the same year).
    async fn put_calendar_year(&self, year: i32, text: &str, source: &str, actor: &Actor) -> Result<()>;

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
    /// Changes what an account may do (role, region, department). Takes effect on its next
    /// request: sessions read the account every time.
    async fn update_account_access(&self, account_id: i64, role: Role, region: &RegionCode, department: Option<Department>) -> Result<()>;
    /// Sets a new password hash, clears the lockout and ends every session of the account;
    /// `must_change`: the owner must choose another at the next sign-in (an administrator's reset).
    async fn set_password(&self, account_id: i64, password_hash: &str, must_change: bool) -> Result<()>;
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// Records that the session's user typed their password again (re-authentication).
    async fn set_session_reauth(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    // ---- identifiers at rest ----
    /// Re-encrypts (and re-indexes) up to `limit` rows of `table` with ids above `after_id` whose
    /// ciphertext or blind index is not under the active keys (key rotation).
    async fn rekey(&self, table: RekeyTable, after_id: i64, limit: i64) -> Result<RekeyBatch>;
    /// Whether `account_id` works on the household in `role`: a case of it waits for that role,
    /// or the account acted on one of its cases (入户调查、审核、审批 的工作范围).
    async fn in_caseload(&self, household_id: i64, account_id: i64, role: Role) -> Result<bool>;

    // ---- audit trail ----
    /// Appends entries in one transaction, holding the chain's lock: each gets the next id and
    /// its seal from `sealer`; the head is resealed and a checkpoint written every
    /// [`AUDIT_CHECKPOINT_EVERY`] entries. Returns the new ids.
    async fn append_audit(&self, records: &[AuditRecord], sealer: &dyn AuditSealer) -> Result<Vec<i64>>;
    /// Up to `limit` entries with ids above `after_id`, in id order (verification).
    async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>>;
    async fn audit_head(&self) -> Result<Option<AuditMarker>>;
    async fn audit_checkpoints(&self) -> Result<Vec<AuditMarker>>;
    /// Entries matching the query, newest first.
    async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;

    // ---- alerts ----
    /// Merges into an unclosed alert of the same rule and account whose last entry is not older
    /// than `merge_since`, or opens a new one. Returns the alert's id.
    async fn raise_alert(&self, alert: &NewAlert) -> Result<i64>;
    async fn alert(&self, id: i64) -> Result<Option<Alert>>;
    /// Alerts matching the query, newest first.
    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>>;
    async fn alert_notes(&self, alert_id: i64) -> Result<Vec<AlertNote>>;
    /// Moves an alert to a state with a note; `expected_version` as read (`VersionMismatch` when
    /// someone else handled it meanwhile).
    async fn handle_alert(&self, id: i64, expected_version: i64, note: &AlertNote) -> Result<()>;

    // ---- exports ----
    async fn insert_export(&self, export: &NewExport) -> Result<i64>;
    async fn export(&self, id: i64) -> Result<Option<ExportRequest>>;
    /// Requests matching the query, newest first.
    async fn exports(&self, query: &ExportQuery) -> Result<Vec<ExportRequest>>;
    /// Approves or rejects a pending request (`Conflict { constraint: "export_state" }` when it
    /// is no longer pending).
    async fn decide_export(&self, id: i64, approve: bool, by: &str, note: &str) -> Result<()>;
    /// Marks an approved request downloaded; `Conflict { constraint: "export_state" }` unless it
    /// was approved and not yet downloaded (a file is handed out once).
    async fn mark_export_downloaded(&self, id: i64) -> Result<()>;
    /// Households registered inside `within` (receiving `programme`, when given, with its active
    /// benefit's amount), in id order after `after_id`.
    async fn roster(&self, within: &RegionCode, programme: Option<AssistanceKind>, after_id: i64, limit: i64) -> Result<Vec<RosterRow>>;
    /// How many lines [`Store::roster`] has in all.
    async fn roster_count(&self, within: &RegionCode, programme: Option<AssistanceKind>) -> Result<i64>;

    // 部门数据 (department feeds) and 监测预警.
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
