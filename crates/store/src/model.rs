//! Records as the store returns them (with ids and versions).

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::*;
use serde::Serialize;

/// Who did something, for history and audit.
#[derive(Debug, Clone, Serialize)]
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
    /// PHC string (argon2id); the store never sees a password.
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub password_hash: String,
    pub disabled: bool,
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
