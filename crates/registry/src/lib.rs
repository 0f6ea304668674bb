//! The registry service (家庭信息登记): every read and write of households goes through here,
//! so role and region-scope checks, validation and change history cannot be skipped by any
//! caller (web pages, JSON API, command line).

pub mod assess;
mod diff;
pub mod export;
mod input;

pub use input::*;

use chrono::NaiveDate;
use jiuzhu_domain::*;
use jiuzhu_store::*;
use std::sync::Arc;

/// The signed-in user a request acts for.
#[derive(Debug, Clone)]
pub struct User {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// For department liaisons: the department whose referrals they answer.
    pub department: Option<jiuzhu_domain::casework::Department>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor { account_id: Some(self.account_id), username: self.username.clone() }
    }
    pub fn can(&self, p: Permission) -> bool {
        self.role.has(p)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// Does not exist, or lies outside the user's region (the two are not told apart, so
    /// guessing ids reveals nothing).
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// Someone saved a newer version first; reload and redo the edit.
    #[error("stale")]
    Stale,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for RegistryError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => RegistryError::NotFound,
            StoreError::VersionMismatch { .. } => RegistryError::Stale,
            e => RegistryError::Store(e),
        }
    }
}

impl From<FieldError> for RegistryError {
    fn from(e: FieldError) -> Self {
        RegistryError::Invalid(e.into())
    }
}

impl From<ValidationErrors> for RegistryError {
    fn from(e: ValidationErrors) -> Self {
        RegistryError::Invalid(e)
    }
}

pub type Result<T> = std::result::Result<T, RegistryError>;

/// Search results shown per page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn Store>,
}

impl Registry {
    pub fn new(store: Arc<dyn Store>) -> Registry {
        Registry { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub(crate) fn require(&self, user: &User, p: Permission) -> Result<()> {
        if user.can(p) { Ok(()) } else { Err(RegistryError::Forbidden) }
    }

    /// Loads a household only when it lies in the user's scope.
    pub(crate) async fn household_in_scope(&self, user: &User, id: i64) -> Result<Household> {
        let region = self.store.household_region(id).await?.ok_or(RegistryError::NotFound)?;
        if !user.scope.contains(&region) {
            return Err(RegistryError::NotFound);
        }
        self.store.household(id).await?.ok_or(RegistryError::NotFound)
    }

    /// The region must exist (be loaded) and lie in the user's scope.
    async fn check_region(&self, user: &User, field: &str, code: &RegionCode) -> Result<()> {
        let known = self.store.region(code).await?.is_some();
        if !known {
            return Err(FieldError::new(
                field,
                "region.unknown",
                format!("区划代码 {code} 不存在或未加载"),
                format!("region {code} does not exist or is not loaded"),
            )
            .into());
        }
        if !user.scope.contains(code) {
            return Err(FieldError::new(
                field,
                "region.out_of_scope",
                "只能登记本辖区的家庭",
                "you can only register households in your own region",
            )
            .into());
        }
        Ok(())
    }

    /// A person (by ID number) already registered in another household is a named error.
    fn person_conflict(field: &str) -> RegistryError {
        FieldError::new(
            field,
            "id_number.registered",
            "此身份证号码已登记在其他家庭中；如需调整，请使用“成员迁移”",
            "this ID number is already registered in another household; use \"move member\" to change that",
        )
        .into()
    }

    /// Searches the user's scope. `text` may be an ID number (exact), a region code, a village
    /// or town name, or the start of a member's name.
    pub async fn search(&self, user: &User, text: &str, after_id: i64) -> Result<Vec<HouseholdSummary>> {
        self.require(user, Permission::ReadHousehold)?;
        let text = text.trim();
        let scope = user.scope.0.clone();
        let filter = if text.is_empty() {
            HouseholdFilter::All
        } else if let Ok(id) = IdNumber::parse(text, NaiveDate::MAX) {
            HouseholdFilter::IdNumber(id.as_str().to_string())
        } else if text.bytes().all(|b| b.is_ascii_digit()) {
            match RegionCode::parse(text) {
                Ok(code) => HouseholdFilter::Region(code),
                Err(_) => {
                    return Err(FieldError::new(
                        "q",
                        "search.digits",
                        "请输入完整的 18 位身份证号码或 6/9/12 位区划代码",
                        "enter a full 18-character ID number or a 6/9/12-digit region code",
                    )
                    .into());
                }
            }
        } else {
            // A village or town name in scope wins over a person's name.
            let regions = self.store.find_regions(&scope, text, 2).await?;
            match regions.as_slice() {
                [one] if is_division_name(&one.name, text) => HouseholdFilter::Region(one.code.clone()),
                _ => HouseholdFilter::NamePrefix(text.to_string()),
            }
        };
        Ok(self.store.search_households(&HouseholdQuery { scope, filter, after_id, limit: PAGE_SIZE }).await?)
    }

    pub async fn get(&self, user: &User, id: i64) -> Result<Household> {
        self.require(user, Permission::ReadHousehold)?;
        self.household_in_scope(user, id).await
    }

    pub async fn history(&self, user: &User, id: i64) -> Result<Vec<HistoryEntry>> {
        self.get(user, id).await?;
        Ok(self.store.history(id).await?)
    }

    /// Registers a new household with its head (and any other members and records).
    pub async fn create(&self, user: &User, input: &NewHouseholdInput, today: NaiveDate) -> Result<i64> {
        self.require(user, Permission::WriteHousehold)?;
        let new = input.validate(today)?;
        self.check_region(user, "hukou_region", &new.data.hukou_region).await?;
        self.store.region(&new.data.residence_region).await?.ok_or_else(|| {
            FieldError::new("residence_region", "region.unknown", "居住地区划代码不存在", "residence region does not exist")
        })?;
        for (i, m) in new.members.iter().enumerate() {
            if self.store.household_of_person(m.id_number.as_str()).await?.is_some() {
                return Err(Self::person_conflict(&format!("members[{i}].id_number")));
            }
        }
        match self.store.insert_households(std::slice::from_ref(&new), &user.actor()).await {
            Ok(ids) => Ok(ids[0]),
            // Another clerk registered the same person a moment ago.
            Err(StoreError::Conflict { constraint }) if constraint == "persons_id_number" => {
                Err(Self::person_conflict("members[0].id_number"))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn update_household(&self, user: &User, id: i64, version: i64, input: &HouseholdInput) -> Result<()> {
        self.require(user, Permission::WriteHousehold)?;
        let old = self.household_in_scope(user, id).await?;
        let data = input.validate()?;
        if data.hukou_region != old.data.hukou_region {
            self.check_region(user, "hukou_region", &data.hukou_region).await?;
        }
        if data.residence_region != old.data.residence_region && self.store.region(&data.residence_region).await?.is_none() {
            return Err(
                FieldError::new("residence_region", "region.unknown", "居住地区划代码不存在", "residence region does not exist").into()
            );
        }
        let changes = diff::changes("household", &old.data.to_input(), &data.to_input());
        if changes.is_empty() {
            return Ok(());
        }
        Ok(self.store.update_household(id, version, &data, &changes, &user.actor()).await?)
    }

    pub async fn update_member(
        &self,
        user: &User,
        household_id: i64,
        member_id: i64,
        version: i64,
        input: &MemberInput,
        today: NaiveDate,
    ) -> Result<()> {
        self.require(user, Permission::WriteHousehold)?;
        let h = self.household_in_scope(user, household_id).await?;
        let old = h.member(member_id).ok_or(RegistryError::NotFound)?;
        let data = input.validate("", today)?;
        let all: Vec<MemberData> = h.members.iter().map(|m| if m.id == member_id { data.clone() } else { m.data.clone() }).collect();
        check_members(&all).map_err(|e| rename_member_errors(e, h.members.iter().position(|m| m.id == member_id).unwrap_or(0)))?;
        if data.id_number != old.data.id_number && self.store.household_of_person(data.id_number.as_str()).await?.is_some() {
            return Err(Self::person_conflict("id_number"));
        }
        let changes = diff::changes(&format!("member:{member_id}"), &old.data.to_input(), &data.to_input());
        if changes.is_empty() {
            return Ok(());
        }
        match self.store.update_member(household_id, member_id, version, &data, &changes, &user.actor()).await {
            Err(StoreError::Conflict { .. }) => Err(Self::person_conflict("id_number")),
            r => Ok(r?),
        }
    }

    pub async fn add_member(&self, user: &User, household_id: i64, version: i64, input: &MemberInput, today: NaiveDate) -> Result<i64> {
        self.require(user, Permission::WriteHousehold)?;
        self.household_in_scope(user, household_id).await?;
        let data = input.validate("", today)?;
        if data.relation == Relation::Head {
            return Err(FieldError::new("relation", "members.head", "本户已有户主", "this household already has a head").into());
        }
        if self.store.household_of_person(data.id_number.as_str()).await?.is_some() {
            return Err(Self::person_conflict("id_number"));
        }
        match self.store.add_member(household_id, version, &data, &user.actor()).await {
            Err(StoreError::Conflict { .. }) => Err(Self::person_conflict("id_number")),
            r => Ok(r?),
        }
    }

    /// Moves a member to another household; both must be in the user's scope.
    pub async fn move_member(&self, user: &User, from: i64, member_id: i64, version: i64, to: i64) -> Result<()> {
        self.require(user, Permission::WriteHousehold)?;
        let h = self.household_in_scope(user, from).await?;
        self.household_in_scope(user, to).await.map_err(|_| {
            FieldError::new(
                "to_household",
                "household.unknown",
                "目标家庭不存在或不在本辖区",
                "the target household does not exist or is outside your region",
            )
        })?;
        if from == to {
            return Err(
                FieldError::new("to_household", "household.same", "目标家庭与当前家庭相同", "the target is the same household").into()
            );
        }
        h.member(member_id).ok_or(RegistryError::NotFound)?;
        match self.store.move_member(member_id, from, version, to, &user.actor()).await {
            Err(StoreError::Conflict { .. }) => Err(FieldError::new(
                "member",
                "members.head_move",
                "户主不能迁出，请先变更户主",
                "the head cannot be moved out; change the head first",
            )
            .into()),
            r => Ok(r?),
        }
    }

    /// Replaces the household's incomes, assets, expenses and supporters.
    pub async fn replace_records(
        &self,
        user: &User,
        household_id: i64,
        version: i64,
        input: &RecordsInput,
        today: NaiveDate,
    ) -> Result<()> {
        self.require(user, Permission::WriteHousehold)?;
        let h = self.household_in_scope(user, household_id).await?;
        let member_ids: Vec<i64> = h.members.iter().map(|m| m.id).collect();
        let records = input.validate(&member_ids, today)?;
        let changes = diff::record_changes(&h.records, &records);
        if changes.is_empty() {
            return Ok(());
        }
        Ok(self.store.replace_records(household_id, version, &records, &changes, &user.actor()).await?)
    }

    /// Children of a division (top level when `None`), limited to what the user may see:
    /// above the user's scope only the chain leading to it is shown.
    pub async fn region_children(&self, user: &User, parent: Option<&RegionCode>) -> Result<Vec<Division>> {
        let scope = &user.scope.0;
        let all = self.store.region_children(parent).await?;
        Ok(all.into_iter().filter(|d| d.code.is_within(scope) || scope.is_within(&d.code)).collect())
    }

    /// How many households a roster of `within` (and with an active `programme`) would list.
    pub async fn roster_count(&self, user: &User, within: &RegionCode, programme: Option<casework::AssistanceKind>) -> Result<i64> {
        self.require(user, Permission::ExportRoster)?;
        if !user.scope.contains(within) {
            return Err(RegistryError::NotFound);
        }
        Ok(self.store.roster_count(within, programme).await?)
    }

    /// The roster itself, identifiers masked, at most `limit` rows (read in pages).
    pub async fn roster(
        &self,
        user: &User,
        within: &RegionCode,
        programme: Option<casework::AssistanceKind>,
        limit: i64,
    ) -> Result<Vec<RosterRow>> {
        self.require(user, Permission::ExportRoster)?;
        if !user.scope.contains(within) {
            return Err(RegistryError::NotFound);
        }
        let mut rows: Vec<RosterRow> = Vec::new();
        let mut after = 0;
        while (rows.len() as i64) < limit {
            let page = self.store.roster(within, programme, after, (limit - rows.len() as i64).min(1000)).await?;
            let Some(last) = page.last() else { break };
            after = last.household_id;
            rows.extend(page);
        }
        Ok(rows)
    }

    pub async fn region_name(&self, code: &RegionCode) -> Result<Option<String>> {
        Ok(self.store.region(code).await?.map(|d| d.name))
    }
}

/// `text` names the division: its full name, or the name without its suffix (朱店村 → 朱店).
/// A surname such as 陈 does not name 陈洞村.
fn is_division_name(name: &str, text: &str) -> bool {
    const SUFFIXES: [&str; 9] = ["村民委员会", "村委会", "社区居委会", "居委会", "社区", "街道", "村", "镇", "乡"];
    name == text || SUFFIXES.iter().any(|s| name.strip_suffix(s) == Some(text))
}

fn rename_member_errors(e: ValidationErrors, index: usize) -> RegistryError {
    let prefix = format!("members[{index}].");
    RegistryError::Invalid(ValidationErrors(
        e.0.into_iter()
            .map(|mut x| {
                x.field = x.field.strip_prefix(&prefix).map(str::to_string).unwrap_or(x.field);
                x
            })
            .collect(),
    ))
}
