//! 家庭信息登记: households with their members, income, asset, expense and supporter records,
//! and the field-level history of every change.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::Actor;
use jiuzhu_domain::*;
use serde::Serialize;

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
    /// 申报: the latest declaration (who took it, when, the parts declared empty).
    pub declaration: Option<Declaration>,
}

impl Records {
    /// Whether the household declared `part`: it has rows, or was declared empty.
    pub fn declared(&self, part: Section) -> bool {
        let rows = match part {
            Section::Incomes => !self.incomes.is_empty(),
            Section::Assets => !self.assets.is_empty(),
            Section::Expenses => !self.expenses.is_empty(),
            Section::Supporters => !self.supporters.is_empty(),
        };
        rows || self.declaration.as_ref().is_some_and(|d| d.none.contains(&part))
    }

    /// The parts of `needed` never declared (silence is not "none").
    pub fn undeclared(&self, needed: &[Section]) -> Vec<Section> {
        needed.iter().copied().filter(|p| !self.declared(*p)).collect()
    }
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
    /// Households with a member whose ID number ends with these 4 to 6 characters (a clerk with
    /// the last digits only). Matched on the decrypted numbers inside the scope: the blind index
    /// finds whole numbers only, and a suffix index would narrow a guess too well.
    IdSuffix(String),
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

/// Households: registration, reads within a scope, edits with optimistic concurrency (`version`)
/// and their history.
#[async_trait]
pub trait HouseholdStore: Send + Sync {
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
}
