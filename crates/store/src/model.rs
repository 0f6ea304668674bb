//! Records as the store returns them (with ids and versions).

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::*;
use serde::Serialize;

/// Who did something, for history and audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub username: String,
}

impl Actor {
    pub fn system(what: &str) -> Actor {
        Actor { account_id: None, username: format!("system:{what}") }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub id: i64,
    #[serde(flatten)]
    pub data: MemberData,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncomeRecord {
    /// The member it belongs to (`None`: household-level).
    pub member_id: Option<i64>,
    pub kind: IncomeKind,
    pub month: NaiveDate,
    pub amount: Fen,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetRecord {
    pub member_id: Option<i64>,
    pub kind: AssetKind,
    pub value: Fen,
    pub description: String,
}

/// A household's income, asset, expense and supporter records, replaced as one unit.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Records {
    pub incomes: Vec<IncomeRecord>,
    pub assets: Vec<AssetRecord>,
    pub expenses: Vec<Expense>,
    pub supporters: Vec<Supporter>,
}

/// A registered household with everything about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub id: i64,
    /// Bumped by every change; edits carry the version they started from.
    pub version: i64,
    #[serde(flatten)]
    pub data: HouseholdData,
    /// Head first, then in registration order.
    pub members: Vec<Member>,
    #[serde(flatten)]
    pub records: Records,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Household {
    pub fn head(&self) -> &Member {
        &self.members[0]
    }
    pub fn member(&self, id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }
}

/// One line of a search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdSummary {
    pub id: i64,
    pub hukou_region: RegionCode,
    pub village_name: Option<String>,
    pub town_name: Option<String>,
    pub area: Area,
    pub head_name: String,
    pub head_id_number: IdNumber,
    pub member_count: i64,
}

/// What to look for.
#[derive(Debug, Clone, PartialEq)]
pub enum HouseholdFilter {
    All,
    /// Households with a member whose name starts with this.
    NamePrefix(String),
    /// The household of the person with this (full, valid) ID number.
    IdNumber(String),
    /// Households registered inside this division.
    Region(RegionCode),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdQuery {
    /// Only households registered inside this division (the caller's scope).
    pub scope: RegionCode,
    pub filter: HouseholdFilter,
    /// Keyset pagination: only ids greater than this.
    pub after_id: i64,
    pub limit: i64,
}

/// One field's change, for history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `household`, `member:12`, `records`, `membership`
    pub entity: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub entity: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    /// For department liaisons: the department whose referrals they answer.
    pub department: Option<Department>,
    /// PHC string (argon2id); the store never sees a password.
    pub password_hash: String,
    /// Created disabled (待授权): a system administrator's new account does nothing until the
    /// security administrator grants its role and enables it (三权分立).
    pub disabled: bool,
    /// The owner must set a new password at the next sign-in (the creator knows this one).
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub department: Option<Department>,
    pub password_hash: String,
    pub disabled: bool,
    /// 须修改密码: set by an administrator's create or reset, cleared by the owner's change.
    pub must_change_password: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A server-side session. The cookie carries a random token; only its SHA-256 is stored, so a
/// copy of the database cannot be used to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the user last typed their password again in this session.
    pub reauth_at: Option<DateTime<Utc>>,
}

/// An assessment to store (研判记录): the policy engine's result for a household on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessment {
    pub household_id: i64,
    /// The household's 户籍 region when assessed (for comparisons by region).
    pub region: RegionCode,
    pub as_of: NaiveDate,
    /// Difficulty index 0–100 and its level code.
    pub score: i64,
    pub level: String,
    /// Monthly 低保 and 特困 amounts (fen).
    pub dibao: i64,
    pub tekun: i64,
    /// Eligibility bits (see `jiuzhu_policy::bulk`).
    pub flags: i64,
    /// The whole result as JSON (assess-v1).
    pub result: String,
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentRecord {
    pub id: i64,
    pub household_id: i64,
    pub region: RegionCode,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub as_of: NaiveDate,
    pub score: i64,
    pub level: String,
    pub dibao: i64,
    pub tekun: i64,
    pub flags: i64,
    pub result: String,
}

/// Stored assessments of one date, summed for one town (or other region prefix).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssessmentTotals {
    pub region: String,
    pub households: i64,
    /// Mean difficulty index, in hundredths (6350 = 63.50).
    pub mean_score_x100: i64,
    /// Households at level `extreme` or `severe` (score ≥ 60).
    pub hard_households: i64,
    pub dibao_households: i64,
    pub dibao_monthly: i64,
    pub tekun_households: i64,
    pub tekun_monthly: i64,
}

// ---- casework ----

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
