//! 一门受理、协同办理: cases with their timelines, photos of home surveys, and the benefits a
//! decision grants.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::Actor;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{BankAccount, Fen, RegionCode, Role};
use serde::Serialize;

/// A case to open (one per kind of assistance asked for at an intake).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCase {
    pub household_id: i64,
    /// The household's 户籍 village at intake: the case's region for scope checks and queues.
    pub region: RegionCode,
    pub kind: AssistanceKind,
    pub purpose: Purpose,
    pub track: Track,
    pub state: CaseState,
    /// The applicant's name (申请人), as it stood at intake.
    pub applicant: String,
    pub opened_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub step_started_on: NaiveDate,
    /// When the current step must be done; `None` when the law sets none or the official
    /// calendar does not reach that far yet.
    pub step_due: Option<NaiveDate>,
    pub overall_due: Option<NaiveDate>,
    /// Which role acts next (the queue the case is in); `None` when nobody needs to.
    pub due_role: Option<Role>,
    pub department: Option<Department>,
    pub contested: bool,
    pub near_relative: bool,
    pub extended: bool,
    pub spot_check_required: bool,
    pub benefit_id: Option<i64>,
    pub details: CaseDetails,
}

/// A stored case (申请/复核案件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: i64,
    /// The intake it came from (several kinds asked for at once share it).
    pub intake_id: i64,
    /// Bumped by every step; a step names the version it started from (two people acting at
    /// once cannot both win).
    pub version: i64,
    #[serde(flatten)]
    pub data: NewCase,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One line of a queue or a household's case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub version: i64,
    pub household_id: i64,
    pub region: RegionCode,
    pub village_name: Option<String>,
    pub kind: AssistanceKind,
    pub purpose: Purpose,
    pub track: Track,
    pub state: CaseState,
    pub applicant: String,
    pub opened_on: NaiveDate,
    pub step_due: Option<NaiveDate>,
    pub overall_due: Option<NaiveDate>,
    pub due_role: Option<Role>,
    pub contested: bool,
    pub near_relative: bool,
    pub updated_at: DateTime<Utc>,
}

/// A step of a case, as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    pub id: i64,
    pub case_id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: Option<Role>,
    pub action: String,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub note: String,
}

/// A step to record with a case's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCaseEvent {
    pub actor: Actor,
    pub role: Option<Role>,
    pub action: String,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub note: String,
}

/// Which part of a role's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueBucket {
    /// Everything waiting for the role, soonest deadline first.
    Todo,
    /// Due on or before `soon_until` (and not overdue).
    SoonDue,
    /// Past its deadline.
    Overdue,
    /// Cases the account acted on, latest first.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    /// Only cases inside this region (the caller's scope).
    pub scope: RegionCode,
    pub role: Role,
    /// For department liaisons: only their department's referrals.
    pub department: Option<Department>,
    pub bucket: QueueBucket,
    pub today: NaiveDate,
    pub soon_until: NaiveDate,
    /// For `Done`: whose actions.
    pub account_id: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub todo: i64,
    pub soon_due: i64,
    pub overdue: i64,
    pub done: i64,
}

/// A photo taken at a home survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub id: i64,
    pub case_id: i64,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub caption: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A survey photo as its list shows it (without the picture).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoInfo {
    pub id: i64,
    pub caption: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A benefit granted (在保记录): a monthly amount (低保, 特困), a status (低保边缘, 刚性支出困难)
/// or a one-off payment (临时救助), with its review schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Benefit {
    pub id: i64,
    pub version: i64,
    pub household_id: i64,
    pub region: RegionCode,
    pub kind: AssistanceKind,
    /// The case that granted it.
    pub case_id: i64,
    pub monthly_amount: Fen,
    /// 本金额起始月: the month `monthly_amount` is owed from (the store records each change of
    /// the two in `benefit_amounts`, so each month is paid what was owed for it).
    pub amount_from: NaiveDate,
    pub one_off_amount: Fen,
    /// Paid from this month (its first day): the month after approval.
    pub since_month: NaiveDate,
    /// The last month paid (gradual exit, termination); `None` while open-ended.
    pub until_month: Option<NaiveDate>,
    pub status: BenefitStatus,
    pub next_review_on: Option<NaiveDate>,
    pub next_review_reason: ReviewReason,
    /// Months between periodic reviews (12 for stable households and 特困, 6 where someone can work).
    pub review_months: i64,
    /// Job offers refused without good reason (办法 art. 34: three cut the member's share).
    pub job_refusals: i64,
    /// 暂停发放: held from this month while a review runs (months from it are not paid until
    /// the review releases them, then paid as arrears, or ends the benefit before it).
    pub held_from: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a case's step does to a benefit, written in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenefitChange {
    /// Grant a new one (fields as `Benefit` without id, version and timestamps).
    Grant(Benefit),
    /// Replace an existing one; `version` is the version it was read at.
    Update(Benefit),
}

/// 存量对象: a recipient taken over from another system (the provincial system the county used
/// before jiuzhu): the old decision as a closed, approved case and its benefit, and the bank
/// account the old system paid to (the household's account is replaced when it is given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigratedBenefit {
    /// State `Approved`; its benefit id is filled in by the store.
    pub case: NewCase,
    /// Its `case_id` is filled in by the store.
    pub benefit: Benefit,
    pub account: Option<BankAccount>,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Opens the cases of one intake in one transaction (all or nothing), each with its first
    /// timeline entry; they share an intake id (the first case's id). A household has at most
    /// one open case per kind: a second is `Conflict { constraint: "cases_open_kind" }`.
    async fn insert_cases(&self, cases: &[NewCase], first_event: &NewCaseEvent) -> Result<Vec<i64>>;
    async fn case(&self, id: i64) -> Result<Option<Case>>;
    /// Takes over existing recipients in one transaction (all or nothing): each case with its
    /// timeline entry (`event`), its benefit, and the household's new account with a history
    /// entry. A household with a benefit of that kind in force is
    /// `Conflict { constraint: "benefits_one_in_force" }`; nothing is kept then. Returns the
    /// benefits' ids in the order given.
    async fn migrate_benefits(&self, rows: &[MigratedBenefit], event: &NewCaseEvent) -> Result<Vec<i64>>;
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
    /// Cases with a deadline on or after `from`, which a calendar import of that year may move:
    /// the step's (in any state: 先行救助's paperwork is due after the approval), the whole case's
    /// while it is open, a rejection's written notice. Ids above `after_id`, in id order.
    async fn cases_with_deadlines_from(&self, from: NaiveDate, after_id: i64, limit: i64) -> Result<Vec<i64>>;
    /// 特困 cases that reached the decision inside `within` since `since`: (all, spot-checked).
    async fn tekun_spot_checks(&self, within: &RegionCode, since: NaiveDate) -> Result<(i64, i64)>;
    async fn insert_photo(&self, case_id: i64, content_type: &str, bytes: &[u8], caption: &str, actor: &Actor) -> Result<i64>;
    /// A photo not removed.
    async fn photo(&self, id: i64) -> Result<Option<Photo>>;
    /// The photos of a case not removed, oldest first.
    async fn case_photos(&self, case_id: i64) -> Result<Vec<PhotoInfo>>;
    /// Removes a photo of `case_id` with the reason (kept, with who and when; no longer shown);
    /// `NotFound` when it is not that case's or already removed.
    async fn remove_photo(&self, case_id: i64, photo_id: i64, reason: &str, actor: &Actor) -> Result<()>;
    async fn benefit(&self, id: i64) -> Result<Option<Benefit>>;
    async fn household_benefits(&self, household_id: i64) -> Result<Vec<Benefit>>;
    /// Active benefits whose next review is due on or before `by` and that have no open review.
    async fn benefits_due_for_review(&self, by: NaiveDate, limit: i64) -> Result<Vec<Benefit>>;
    /// Benefits not yet ended whose last month (a gradual exit, a status valid for 12 months) is
    /// before `month`.
    async fn benefits_exit_ended(&self, month: NaiveDate, limit: i64) -> Result<Vec<Benefit>>;
    /// Replaces a benefit outside a case step (job refusals, the tick); `version` as read.
    async fn update_benefit(&self, benefit: &Benefit) -> Result<()>;
    /// Whether `account_id` works on the household in `role`: a case of it waits for that role,
    /// or the account acted on one of its cases (入户调查、审核、审批 的工作范围).
    async fn in_caseload(&self, household_id: i64, account_id: i64, role: Role) -> Result<bool>;
}
