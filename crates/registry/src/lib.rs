//! The registry service (家庭信息登记): every read and write of households goes through here,
//! so role and region-scope checks, validation and change history cannot be skipped by any
//! caller (web pages, JSON API, command line).

pub mod assess;
mod diff;
pub mod exports;
mod input;
pub mod roster;

pub use input::*;

use chrono::NaiveDate;
use jiuzhu_accounts::{AccountError, Accounts};
use jiuzhu_domain::access::{Field, Guarded};
use jiuzhu_domain::*;
use jiuzhu_store::*;
use std::sync::Arc;

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

impl From<AccountError> for RegistryError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Forbidden => RegistryError::Forbidden,
            AccountError::NotFound => RegistryError::NotFound,
            AccountError::Invalid(v) => RegistryError::Invalid(v),
            AccountError::Store(s) => RegistryError::from(s),
        }
    }
}

pub type Result<T> = std::result::Result<T, RegistryError>;

/// Search results shown per page.
pub const PAGE_SIZE: i64 = 50;

/// The smallest 查询事由 that says something (e.g. "入户调查核实").
pub const MIN_PURPOSE_CHARS: usize = 4;

/// The registry service: households, members and their records, the region tree, 研判, reveals
/// and exports — each read and write checked for role and region scope and recorded on the
/// user's trail.
#[derive(Clone)]
pub struct Registry {
    regions: Arc<dyn RegionStore>,
    households: Arc<dyn HouseholdStore>,
    assessments: Arc<dyn AssessmentStore>,
    /// Only to tell whether a reveal is inside the user's caseload.
    cases: Arc<dyn CaseStore>,
    accounts: Accounts,
}

impl Registry {
    pub fn new(store: &Arc<dyn Store>, accounts: Accounts) -> Registry {
        Registry { regions: store.clone(), households: store.clone(), assessments: store.clone(), cases: store.clone(), accounts }
    }

    pub(crate) fn require(&self, user: &User, p: Permission) -> Result<()> {
        if user.can(p) {
            Ok(())
        } else {
            user.trail.refuse(Denial::Role);
            Err(RegistryError::Forbidden)
        }
    }

    /// Loads a household only when it lies in the user's scope. The trail names it either way:
    /// a read when in scope, 越权 when not (the user sees "not found" both times).
    pub(crate) async fn household_in_scope(&self, user: &User, id: i64) -> Result<Household> {
        user.trail.object(ObjectKind::Household, id);
        let Some(region) = self.households.household_region(id).await? else {
            user.trail.refuse(Denial::NotFound);
            return Err(RegistryError::NotFound);
        };
        user.trail.household(id);
        if !user.scope.contains(&region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(RegistryError::NotFound);
        }
        self.households.household(id).await?.ok_or(RegistryError::NotFound)
    }

    /// The region must exist (be loaded) and lie in the user's scope.
    async fn check_region(&self, user: &User, field: &str, code: &RegionCode) -> Result<()> {
        let known = self.regions.region(code).await?.is_some();
        if !known {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                field,
                "region.unknown",
                format!("区划代码 {code} 不存在或未加载"),
                format!("region {code} does not exist or is not loaded"),
            )
            .into());
        }
        if !user.scope.contains(code) {
            user.trail.refuse(Denial::Invalid);
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

    /// Whether a person (by ID number) is registered already. Asking is a lookup by ID number —
    /// it tells whether the number exists anywhere — so it is recorded as one (the
    /// `id_searches` alert counts it); a household in the user's own region is named, one
    /// elsewhere is not.
    async fn refuse_registered(&self, user: &User, field: &str, id_number: &IdNumber) -> Result<()> {
        user.trail.search(SearchBy::IdNumber);
        let Some(household) = self.households.household_of_person(id_number.as_str()).await? else { return Ok(()) };
        Err(self.person_conflict(user, field, Some(household), Some(id_number)).await)
    }

    /// A person already registered in another household is a named error that says where and
    /// what to do: in the user's region the household (and whether the person is its head); else
    /// the town it is in, and who can move the person (that town's clerk, or the county office,
    /// whose region covers both).
    async fn person_conflict(&self, user: &User, field: &str, household: Option<i64>, id_number: Option<&IdNumber>) -> RegistryError {
        user.trail.refuse(Denial::Invalid);
        let region = match household {
            Some(h) => self.households.household_region(h).await.ok().flatten(),
            None => None,
        };
        match (household, region) {
            (Some(h), Some(r)) if user.scope.contains(&r) => {
                let head = match (self.households.household(h).await, id_number) {
                    (Ok(Some(found)), Some(id)) => (found.head().data.id_number == *id).then(|| found.head().data.name.clone()),
                    _ => None,
                };
                match head {
                    Some(name) => FieldError::new(
                        field,
                        "id_number.registered_head",
                        format!("{name} 已是本辖区家庭 #{h} 的户主，无需重新登记：在“家庭档案”中搜索身份证号码打开该户，在那里受理申请或更正信息"),
                        format!("{name} already heads household #{h} of your region: open it (search the ID number) to take the application or correct it"),
                    )
                    .into(),
                    None => FieldError::new(
                        field,
                        "id_number.registered",
                        format!("此身份证号码已登记在本辖区家庭 #{h} 中：如此人已搬来本户，请在家庭 #{h} 的成员行用“迁出”移入本户"),
                        format!("this ID number is already in household #{h} of your region: if the person moved here, use \"move\" on their line in #{h}"),
                    )
                    .into(),
                }
            }
            (Some(_), Some(r)) => {
                let town = r.ancestry().into_iter().find(|c| c.level() == jiuzhu_domain::RegionLevel::Town).unwrap_or(r);
                // County and town (庄浪县南湖镇): enough to know whom to call, nothing about the household.
                let names = self.region_names(&town).await;
                let parts: Vec<&str> = names.split(' ').collect();
                let place = parts[parts.len().saturating_sub(2)..].concat();
                FieldError::new(
                    field,
                    "id_number.registered",
                    format!("此身份证号码已登记在{place}的家庭中，不能重复登记。如此人已迁来本辖区，请{place}受理员将其迁出，或请县级民政部门（可跨乡镇迁移成员）办理"),
                    format!("this ID number is registered in a household of {place}: that town's clerk, or the county office (which can move members between towns), can move the person"),
                )
                .into()
            }
            _ => FieldError::new(
                field,
                "id_number.registered",
                "此身份证号码刚刚已由他人登记，不能重复登记：请在“家庭档案”中搜索该身份证号码",
                "this ID number was registered a moment ago by someone else: search for it under households",
            )
            .into(),
        }
    }

    /// Searches the user's scope. `text` may be an ID number (exact), a region code, a village
    /// or town name, or the start of a member's name. The trail records which of these it was
    /// (never the text).
    pub async fn search(&self, user: &User, text: &str, after_id: i64) -> Result<Vec<HouseholdSummary>> {
        user.trail.action(Action::Search);
        self.require(user, Permission::ReadHousehold)?;
        let text = jiuzhu_domain::text::clean(text);
        let scope = user.scope.0.clone();
        let filter = if text.is_empty() {
            HouseholdFilter::All
        } else if let Ok(id) = IdNumber::parse(&text, NaiveDate::MAX) {
            HouseholdFilter::IdNumber(id.as_str().to_string())
        } else if let Some(suffix) = self.id_suffix(&text).await? {
            HouseholdFilter::IdSuffix(suffix)
        } else if text.bytes().all(|b| b.is_ascii_digit()) {
            match RegionCode::parse(&text) {
                Ok(code) => HouseholdFilter::Region(code),
                Err(_) => {
                    user.trail.refuse(Denial::Invalid);
                    return Err(FieldError::new(
                        "q",
                        "search.digits",
                        "请输入完整的 18 位身份证号码、身份证号码的后 4–6 位，或 6/9/12 位区划代码",
                        "enter a full 18-character ID number, its last 4 to 6 characters, or a 6/9/12-digit region code",
                    )
                    .into());
                }
            }
        } else {
            // A village or town name in scope wins over a person's name.
            let regions = self.regions.find_regions(&scope, &text, 2).await?;
            match regions.as_slice() {
                [one] if is_division_name(&one.name, &text) => HouseholdFilter::Region(one.code.clone()),
                _ => HouseholdFilter::NamePrefix(text.clone()),
            }
        };
        user.trail.search(match filter {
            // The last digits are a search by ID number too (the `id_searches` alert counts them).
            HouseholdFilter::IdNumber(_) | HouseholdFilter::IdSuffix(_) => SearchBy::IdNumber,
            HouseholdFilter::NamePrefix(_) => SearchBy::Name,
            HouseholdFilter::All | HouseholdFilter::Region(_) => SearchBy::Region,
        });
        let found = self.households.search_households(&HouseholdQuery { scope, filter, after_id, limit: PAGE_SIZE }).await?;
        user.trail.detail(format!("rows={}", found.len()));
        Ok(found)
    }

    /// How many households the user's region holds (the list's total).
    pub async fn count(&self, user: &User) -> Result<i64> {
        self.require(user, Permission::ReadHousehold)?;
        Ok(self.households.count_households(&user.scope.0).await?)
    }

    pub async fn get(&self, user: &User, id: i64) -> Result<Household> {
        self.require(user, Permission::ReadHousehold)?;
        self.household_in_scope(user, id).await
    }

    pub async fn history(&self, user: &User, id: i64) -> Result<Vec<HistoryEntry>> {
        self.get(user, id).await?;
        Ok(self.households.history(id).await?)
    }

    /// 查看完整信息: a household's identifiers in full for a case worker, with a purpose (at least
    /// [`MIN_PURPOSE_CHARS`]) and the password typed again. The trail names the fields shown,
    /// the purpose, and whether the household is outside the user's caseload.
    pub async fn reveal(&self, user: &User, id: i64, purpose: &str, password: &str) -> Result<Household> {
        user.trail.action(Action::Reveal);
        let fields: Vec<&'static str> = Field::REVEALABLE.iter().map(|f| f.as_str()).collect();
        user.trail.fields(&fields);
        self.require(user, Permission::RevealIdentifiers)?;
        // Scope first: another region's household is "not found" (and 越权 on the trail).
        let h = self.household_in_scope(user, id).await?;
        let purpose: String = jiuzhu_domain::text::clean(purpose).chars().take(200).collect();
        if purpose.chars().count() < MIN_PURPOSE_CHARS {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                "purpose",
                "reveal.purpose",
                "请填写查询事由（至少 4 个字）",
                "give the reason for looking (at least 4 characters)",
            )
            .into());
        }
        user.trail.purpose(&purpose);
        self.accounts.confirm(user, Guarded::Reveal, password, "password").await?;
        if !self.cases.in_caseload(id, user.account_id, user.role).await? {
            user.trail.hint("outside_caseload");
        }
        user.trail.detail(format!("members={}", h.members.len()));
        Ok(h)
    }

    /// Registers a new household with its head (and any other members and records).
    pub async fn create(&self, user: &User, input: &NewHouseholdInput, today: NaiveDate) -> Result<i64> {
        user.trail.action(Action::Create);
        self.require(user, Permission::WriteHousehold)?;
        let new = input.validate(today, &user.display_name).inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        self.check_region(user, "hukou_region", &new.data.hukou_region).await?;
        if self.regions.region(&new.data.residence_region).await?.is_none() {
            user.trail.refuse(Denial::Invalid);
            return Err(
                FieldError::new("residence_region", "region.unknown", "居住地区划代码不存在", "residence region does not exist").into()
            );
        }
        for (i, m) in new.members.iter().enumerate() {
            self.refuse_registered(user, &format!("members[{i}].id_number"), &m.id_number).await?;
        }
        match self.households.insert_households(std::slice::from_ref(&new), &user.actor()).await {
            Ok(ids) => {
                user.trail.object(ObjectKind::Household, ids[0]);
                user.trail.household(ids[0]);
                Ok(ids[0])
            }
            // Another clerk registered the same person a moment ago.
            Err(StoreError::Conflict { constraint }) if constraint == "persons_id_number" => {
                Err(self.person_conflict(user, "members[0].id_number", None, None).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn update_household(&self, user: &User, id: i64, version: i64, input: &HouseholdInput) -> Result<()> {
        self.require(user, Permission::WriteHousehold)?;
        let old = self.household_in_scope(user, id).await?;
        let data = input.validate().inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        if data.hukou_region != old.data.hukou_region {
            self.check_region(user, "hukou_region", &data.hukou_region).await?;
        }
        if data.residence_region != old.data.residence_region && self.regions.region(&data.residence_region).await?.is_none() {
            user.trail.refuse(Denial::Invalid);
            return Err(
                FieldError::new("residence_region", "region.unknown", "居住地区划代码不存在", "residence region does not exist").into()
            );
        }
        let changes = diff::changes("household", &old.data.to_input(), &data.to_input());
        if changes.is_empty() {
            return Ok(());
        }
        Self::write(user, self.households.update_household(id, version, &data, &changes, &user.actor()).await)
    }

    /// A write's outcome, with a lost race (someone saved first) on the trail.
    fn write<T>(user: &User, r: std::result::Result<T, StoreError>) -> Result<T> {
        r.map_err(|e| {
            if matches!(e, StoreError::VersionMismatch { .. }) {
                user.trail.refuse(Denial::Conflict);
            }
            e.into()
        })
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
        let Some(old) = h.member(member_id) else {
            user.trail.refuse(Denial::NotFound);
            return Err(RegistryError::NotFound);
        };
        let data = input.validate("", today).inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        let all: Vec<MemberData> = h.members.iter().map(|m| if m.id == member_id { data.clone() } else { m.data.clone() }).collect();
        check_members(&all)
            .map_err(|e| rename_member_errors(e, h.members.iter().position(|m| m.id == member_id).unwrap_or(0)))
            .inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        if data.id_number != old.data.id_number {
            self.refuse_registered(user, "id_number", &data.id_number).await?;
        }
        let changes = diff::changes(&format!("member:{member_id}"), &old.data.to_input(), &data.to_input());
        if changes.is_empty() {
            return Ok(());
        }
        match self.households.update_member(household_id, member_id, version, &data, &changes, &user.actor()).await {
            Err(StoreError::Conflict { .. }) => Err(self.person_conflict(user, "id_number", None, None).await),
            r => Self::write(user, r),
        }
    }

    pub async fn add_member(&self, user: &User, household_id: i64, version: i64, input: &MemberInput, today: NaiveDate) -> Result<i64> {
        self.require(user, Permission::WriteHousehold)?;
        self.household_in_scope(user, household_id).await?;
        let data = input.validate("", today).inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        if data.relation == Relation::Head {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new("relation", "members.head", "本户已有户主", "this household already has a head").into());
        }
        self.refuse_registered(user, "id_number", &data.id_number).await?;
        match self.households.add_member(household_id, version, &data, &user.actor()).await {
            Err(StoreError::Conflict { .. }) => Err(self.person_conflict(user, "id_number", None, None).await),
            r => Self::write(user, r),
        }
    }

    /// Moves a member to another household; both must be in the user's scope.
    pub async fn move_member(&self, user: &User, from: i64, member_id: i64, version: i64, to: i64) -> Result<()> {
        self.require(user, Permission::WriteHousehold)?;
        let h = self.household_in_scope(user, from).await?;
        if from == to {
            user.trail.refuse(Denial::Invalid);
            return Err(
                FieldError::new("to_household", "household.same", "目标家庭与当前家庭相同", "the target is the same household").into()
            );
        }
        self.household_in_scope(user, to).await.map_err(|_| {
            FieldError::new(
                "to_household",
                "household.unknown",
                "目标家庭不存在或不在本辖区",
                "the target household does not exist or is outside your region",
            )
        })?;
        if h.member(member_id).is_none() {
            user.trail.refuse(Denial::NotFound);
            return Err(RegistryError::NotFound);
        }
        match self.households.move_member(member_id, from, version, to, &user.actor()).await {
            Err(StoreError::Conflict { .. }) => {
                user.trail.refuse(Denial::Invalid);
                Err(FieldError::new(
                    "member",
                    "members.head_move",
                    "户主不能迁出，请先变更户主",
                    "the head cannot be moved out; change the head first",
                )
                .into())
            }
            r => Self::write(user, r),
        }
    }

    /// Replaces the household's incomes, assets, expenses and supporters: a new declaration (申报),
    /// taken today by `user`. The same declaration sent again the same day by the same person
    /// changes nothing; on another day it records who confirmed it and when.
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
        let records = input.validate(&member_ids, today, &user.display_name).inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        let changes = diff::record_changes(&h.records, &records);
        if changes.is_empty() {
            return Ok(());
        }
        Self::write(user, self.households.replace_records(household_id, version, &records, &changes, &user.actor()).await)
    }

    /// The last 4 to 6 characters of an ID number (digits, the last may be X), as typed; six
    /// digits that name a known division stay a region search (620825 is a county).
    async fn id_suffix(&self, text: &str) -> Result<Option<String>> {
        if !text.is_ascii() {
            return Ok(None);
        }
        let t = text.to_ascii_uppercase();
        let (body, last) = t.split_at(t.len().saturating_sub(1));
        let shaped = (4..=6).contains(&t.len())
            && body.bytes().all(|b| b.is_ascii_digit())
            && (last == "X" || last.bytes().all(|b| b.is_ascii_digit()));
        if !shaped {
            return Ok(None);
        }
        if let Ok(code) = RegionCode::parse(&t)
            && self.regions.region(&code).await?.is_some()
        {
            return Ok(None);
        }
        Ok(Some(t))
    }

    /// Children of a division (top level when `None`), limited to what the user may see:
    /// above the user's scope only the chain leading to it is shown.
    pub async fn region_children(&self, user: &User, parent: Option<&RegionCode>) -> Result<Vec<Division>> {
        let scope = &user.scope.0;
        let all = self.regions.region_children(parent).await?;
        Ok(all.into_iter().filter(|d| d.code.is_within(scope) || scope.is_within(&d.code)).collect())
    }

    /// The region tree one level at a time, with the households each part holds inside the
    /// user's region (a count, no personal data), and the divisions above `parent`.
    pub async fn region_tree(&self, user: &User, parent: Option<&RegionCode>) -> Result<RegionTree> {
        let children = self.region_children(user, parent).await?;
        let mut out = Vec::with_capacity(children.len());
        for d in children {
            let within = if d.code.is_within(&user.scope.0) { &d.code } else { &user.scope.0 };
            let households = self.households.count_households(within).await?;
            out.push((d, households));
        }
        let mut crumbs = Vec::new();
        if let Some(p) = parent {
            for code in p.ancestry() {
                if let Some(d) = self.regions.region(&code).await? {
                    crumbs.push(d);
                }
            }
        }
        Ok(RegionTree { crumbs, children: out })
    }

    /// The villages a user may register households in, grouped by town (the form's choices); a
    /// village-level account's one village comes without its town.
    pub async fn villages_by_town(&self, user: &User) -> Result<Vec<(Option<Division>, Vec<Division>)>> {
        let scope = &user.scope.0;
        let towns: Vec<Division> = match scope.level() {
            RegionLevel::Village => return Ok(vec![(None, self.regions.region(scope).await?.into_iter().collect())]),
            RegionLevel::Town => self.regions.region(scope).await?.into_iter().collect(),
            _ => self.regions.find_regions(scope, "", 100_000).await?.into_iter().filter(|d| d.code.level() == RegionLevel::Town).collect(),
        };
        let mut groups = Vec::with_capacity(towns.len());
        for town in towns {
            let villages = self.regions.region_children(Some(&town.code)).await?;
            groups.push((Some(town), villages));
        }
        Ok(groups)
    }

    /// Children of a division (top level when `None`) for the residents' pages, without a user:
    /// division codes and names are public (GB/T 2260 and the statistics bureau's list).
    pub async fn public_children(&self, parent: Option<&RegionCode>) -> Result<Vec<Division>> {
        Ok(self.regions.region_children(parent).await?)
    }

    /// One division, for the residents' pages (public data, as [`Registry::public_children`]).
    pub async fn public_region(&self, code: &RegionCode) -> Result<Option<Division>> {
        Ok(self.regions.region(code).await?)
    }

    pub async fn region_name(&self, code: &RegionCode) -> Result<Option<String>> {
        Ok(self.regions.region(code).await?.map(|d| d.name))
    }

    /// Chinese names of a region and its ancestors: `甘肃省 平凉市 庄浪县 朱店镇 朱店村`.
    pub async fn region_names(&self, code: &RegionCode) -> String {
        let mut names = Vec::new();
        for c in code.ancestry() {
            if let Ok(Some(n)) = self.region_name(&c).await {
                names.push(n);
            }
        }
        if names.is_empty() { code.to_string() } else { names.join(" ") }
    }
}

/// One level of the region tree: the divisions above it and its children with their households.
#[derive(Debug, Clone)]
pub struct RegionTree {
    pub crumbs: Vec<Division>,
    pub children: Vec<(Division, i64)>,
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
