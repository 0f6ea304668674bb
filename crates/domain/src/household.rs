//! Households (家庭) and their members, incomes, assets, rigid expenses and supporters.
//!
//! `*Input` types carry what a person typed (or a system sent); `validate` turns them into the
//! checked types or a list of errors naming each bad field. The registry stores only checked data.

use crate::declaration::{Declaration, Section};
use crate::enums::string_enum;
use crate::error::{FieldError, ValidationErrors};
use crate::id_number::{IdNumber, Sex};
use crate::money::Fen;
use crate::region::{RegionCode, RegionLevel};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

string_enum! {
    /// 城乡类别: which 低保 standard applies.
    Area { Urban = "urban" / "城市" / "urban", Rural = "rural" / "农村" / "rural" }
}

string_enum! {
    /// 与户主关系
    Relation {
        Head = "head" / "户主" / "head", Spouse = "spouse" / "配偶" / "spouse", Child = "child" / "子女" / "child",
        Parent = "parent" / "父母" / "parent", Grandparent = "grandparent" / "祖父母/外祖父母" / "grandparent",
        Grandchild = "grandchild" / "孙子女/外孙子女" / "grandchild", Sibling = "sibling" / "兄弟姐妹" / "sibling", Other = "other" / "其他" / "other",
    }
}

string_enum! {
    /// 残疾类别 (per the disability certificate)
    DisabilityKind {
        Visual = "visual" / "视力残疾" / "visual", Hearing = "hearing" / "听力残疾" / "hearing", Speech = "speech" / "言语残疾" / "speech",
        Physical = "physical" / "肢体残疾" / "physical", Intellectual = "intellectual" / "智力残疾" / "intellectual",
        Mental = "mental" / "精神残疾" / "psychiatric", Multiple = "multiple" / "多重残疾" / "multiple",
    }
}

string_enum! {
    /// 在学情况
    Student {
        Compulsory = "compulsory" / "义务教育" / "compulsory school", HighSchool = "high_school" / "普通高中" / "senior high school",
        Vocational = "vocational" / "中职/高职" / "vocational school", Undergraduate = "undergraduate" / "本科/专科" / "college or university",
        Postgraduate = "postgraduate" / "研究生" / "postgraduate",
    }
}

string_enum! {
    /// 劳动能力
    LabourCapacity { Full = "full" / "有劳动能力" / "able to work", Partial = "partial" / "部分丧失劳动能力" / "partly unable to work", None = "none" / "无劳动能力" / "unable to work" }
}

string_enum! {
    /// 就业状况
    Employment {
        Employed = "employed" / "受雇就业" / "employed", SelfEmployed = "self_employed" / "个体经营" / "self-employed", Farming = "farming" / "务农" / "farming",
        MigrantWork = "migrant_work" / "外出务工" / "working away", Unemployed = "unemployed" / "失业/未就业" / "unemployed",
        Retired = "retired" / "退休" / "retired", NotWorkingAge = "not_working_age" / "非劳动年龄" / "not of working age",
    }
}

/// 劳动年龄: 16 to 59 (特困人员认定办法 art. 5 counts the under-16s and the 60-and-overs as
/// having no capacity to work).
pub fn working_age(age: u32) -> bool {
    (16..60).contains(&age)
}

impl LabourCapacity {
    /// What age alone suggests (a proposal shown to the clerk, never a recorded fact by itself):
    /// outside working age no capacity to work (art. 5); within it, capacity unless found otherwise.
    pub fn proposed_for(age: u32) -> LabourCapacity {
        if working_age(age) { LabourCapacity::Full } else { LabourCapacity::None }
    }
}

impl Employment {
    /// What age alone tells: outside working age, 非劳动年龄; within it nothing (it must be asked).
    pub fn proposed_for(age: u32) -> Option<Employment> {
        (!working_age(age)).then_some(Employment::NotWorkingAge)
    }
}

string_enum! {
    /// 不计入家庭成员的情形 (办法 art. 7)
    Exclusion { Clergy = "clergy" / "宗教教职人员（连续三年以上）" / "clergy (3+ years)", Prison = "prison" / "服刑" / "in prison", DrugRehab = "drug_rehab" / "强制隔离戒毒" / "compulsory drug rehabilitation", Missing = "missing" / "宣告失踪" / "declared missing" }
}

string_enum! {
    /// 收入类别. The first seven are counted (办法 art. 13); the rest are excluded by law.
    IncomeKind {
        Wage = "wage" / "工资性收入" / "wages", Business = "business" / "经营净收入" / "net business income", Property = "property" / "财产净收入" / "net property income",
        Transfer = "transfer" / "转移净收入" / "net transfer income", Pension = "pension" / "养老金" / "pension", FamilySupport = "family_support" / "赡养/抚养/扶养费" / "support from relatives",
        Other = "other" / "其他收入" / "other income",
        PensionBasic = "pension_basic" / "城乡居民基础养老金（不计入）" / "basic resident pension (not counted)", MartyrPension = "martyr_pension" / "优待抚恤金（不计入）" / "veterans' and martyrs' pension (not counted)",
        FamilyPlanningReward = "family_planning_reward" / "计划生育奖励与扶助金（不计入）" / "family-planning award (not counted)", Scholarship = "scholarship" / "奖学金（不计入）" / "scholarship (not counted)",
        HeroismReward = "heroism_reward" / "见义勇为奖励（不计入）" / "award for bravery (not counted)", Assistance = "assistance" / "政府救助金（不计入）" / "government assistance (not counted)",
        OldAgeAllowance = "old_age_allowance" / "高龄津贴（不计入）" / "old-age allowance (not counted)",
    }
}

impl IncomeKind {
    /// Whether this kind counts towards household income (办法 art. 13).
    pub fn counted(self) -> bool {
        matches!(
            self,
            IncomeKind::Wage
                | IncomeKind::Business
                | IncomeKind::Property
                | IncomeKind::Transfer
                | IncomeKind::Pension
                | IncomeKind::FamilySupport
                | IncomeKind::Other
        )
    }
}

string_enum! {
    /// 财产类别 (办法 art. 14)
    AssetKind {
        Deposit = "deposit" / "存款" / "deposits", Securities = "securities" / "有价证券" / "securities", Fund = "fund" / "基金" / "funds",
        CommercialInsurance = "commercial_insurance" / "商业保险" / "commercial insurance", Claim = "claim" / "债权" / "claims", InternetFinance = "internet_finance" / "互联网金融资产" / "online financial assets",
        Car = "car" / "小汽车" / "car", Truck = "truck" / "货车" / "truck", Motorcycle = "motorcycle" / "摩托车" / "motorcycle", EBike = "e_bike" / "电动自行车" / "electric bicycle",
        DisabilityVehicle = "disability_vehicle" / "残疾人代步车" / "disability vehicle",
        ResidentialProperty = "residential_property" / "住宅" / "home", NonResidentialProperty = "non_residential_property" / "非住宅房产" / "non-residential property",
        BusinessRegistration = "business_registration" / "工商登记" / "business registration",
    }
}

impl AssetKind {
    /// Deposits, securities and other financial assets (counted per head against the limit).
    pub fn financial(self) -> bool {
        matches!(
            self,
            AssetKind::Deposit
                | AssetKind::Securities
                | AssetKind::Fund
                | AssetKind::CommercialInsurance
                | AssetKind::Claim
                | AssetKind::InternetFinance
        )
    }
}

string_enum! {
    /// 刚性支出类别
    ExpenseKind { Medical = "medical" / "医疗（报销后自付）" / "medical (own share)", Education = "education" / "教育" / "education", Rehabilitation = "rehabilitation" / "康复" / "rehabilitation", Living = "living" / "基本生活" / "basic living", Other = "other" / "其他" / "other" }
}

string_enum! {
    /// 赡养（抚养、扶养）义务人的救助状态
    SupporterStatus { None = "none" / "无" / "none", Tekun = "tekun" / "特困人员" / "extreme-poverty support", Dibao = "dibao" / "低保对象" / "dibao recipient" }
}

/// 残疾情况
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disability {
    pub kind: DisabilityKind,
    /// 1 (most severe) to 4.
    pub grade: u8,
    /// 残疾人证号
    #[serde(default)]
    pub certificate: Option<String>,
}

/// The six daily-living items (特困人员认定办法 art. 21): `true` means the person manages it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfCare {
    /// 自主吃饭
    pub eating: bool,
    /// 自主穿衣
    pub dressing: bool,
    /// 自主上下床
    pub getting_up: bool,
    /// 自主如厕
    pub toilet: bool,
    /// 室内行走
    pub walking: bool,
    /// 自主洗澡
    pub bathing: bool,
}

impl Default for SelfCare {
    fn default() -> Self {
        SelfCare { eating: true, dressing: true, getting_up: true, toilet: true, walking: true, bathing: true }
    }
}

impl SelfCare {
    /// How many of the six items are not met.
    pub fn unmet(&self) -> u8 {
        [self.eating, self.dressing, self.getting_up, self.toilet, self.walking, self.bathing].iter().filter(|ok| !**ok).count() as u8
    }
    /// Six bits, one per item (bit set = managed), for storage.
    pub fn bits(&self) -> i64 {
        [self.eating, self.dressing, self.getting_up, self.toilet, self.walking, self.bathing]
            .iter()
            .enumerate()
            .map(|(i, b)| i64::from(*b) << i)
            .sum()
    }
    pub fn from_bits(b: i64) -> SelfCare {
        let at = |i: u32| b & (1 << i) != 0;
        SelfCare { eating: at(0), dressing: at(1), getting_up: at(2), toilet: at(3), walking: at(4), bathing: at(5) }
    }
    /// 全自理 / 半护理 / 全护理 (art. 22): 0 unmet, 1–3 unmet, 4 or more unmet.
    pub fn level_zh(&self) -> &'static str {
        match self.unmet() {
            0 => "全自理",
            1..=3 => "半护理",
            _ => "全护理",
        }
    }
    pub fn level_en(&self) -> &'static str {
        match self.unmet() {
            0 => "fully self-caring",
            1..=3 => "partly dependent",
            _ => "fully dependent",
        }
    }
}

/// A checked household member (家庭成员).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberData {
    pub id_number: IdNumber,
    pub name: String,
    pub relation: Relation,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub disability: Option<Disability>,
    /// 重病
    pub serious_illness: bool,
    /// 慢性病
    pub chronic_illness: bool,
    pub self_care: SelfCare,
    pub labour_capacity: LabourCapacity,
    pub student: Option<Student>,
    pub employment: Employment,
    /// 共同生活 (办法 art. 7)
    pub living_together: bool,
    pub excluded: Option<Exclusion>,
}

/// A member as sent by a form or the API, before checking.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub id_number: String,
    pub name: String,
    pub relation: String,
    pub phone: Option<String>,
    pub disability_kind: Option<String>,
    pub disability_grade: Option<u8>,
    pub disability_certificate: Option<String>,
    pub serious_illness: bool,
    pub chronic_illness: bool,
    /// How many of the six daily-living items are not met, when the items are not given one by one.
    pub self_care: Option<SelfCare>,
    pub labour_capacity: Option<String>,
    pub student: Option<String>,
    pub employment: Option<String>,
    pub living_together: Option<bool>,
    pub excluded: Option<String>,
}

fn opt_enum<T>(errs: &mut ValidationErrors, field: &str, v: &Option<String>, parse: fn(&str, &str) -> Result<T, FieldError>) -> Option<T> {
    match v.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => errs.take(parse(field, s)),
    }
}

/// A person's name in its one stored form ([`crate::text::clean`]): what a search for it finds.
fn check_name(field: &str, name: &str) -> Result<String, FieldError> {
    let n = crate::text::clean(name);
    let len = n.chars().count();
    if len == 0 {
        return Err(FieldError::new(field, "required", "姓名不能为空", "name is required"));
    }
    if len > 40 || crate::text::has_control(&n) || n.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            "name.format",
            "姓名格式不正确（不超过 40 个字，不含数字）",
            "name is not valid (at most 40 characters, no digits)",
        ));
    }
    Ok(n)
}

fn check_phone(field: &str, phone: &Option<String>) -> Result<Option<String>, FieldError> {
    match phone.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(p) => crate::phone::parse_phone(field, p).map(Some),
    }
}

impl MemberInput {
    /// Checks one member as of `today`; every error is named under `prefix` (e.g. `members[1]`).
    pub fn validate(&self, prefix: &str, today: NaiveDate) -> Result<MemberData, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let f = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        let id = e.take(IdNumber::parse(&self.id_number, today).map_err(|x| FieldError { field: f("id_number"), ..x }));
        let name = e.take(check_name(&f("name"), &self.name));
        let relation = e.take(Relation::parse_field(&f("relation"), self.relation.trim()));
        let phone = e.take(check_phone(&f("phone"), &self.phone));
        let kind = opt_enum(&mut e, &f("disability_kind"), &self.disability_kind, DisabilityKind::parse_field);
        let disability = match (kind, self.disability_grade) {
            (None, None) => None,
            (Some(kind), Some(grade)) if (1..=4).contains(&grade) => {
                Some(Disability { kind, grade, certificate: self.disability_certificate.clone().filter(|c| !c.trim().is_empty()) })
            }
            (Some(_), Some(_)) => {
                e.push(FieldError::new(f("disability_grade"), "disability.grade", "残疾等级应为 1–4 级", "disability grade is 1 to 4"));
                None
            }
            (Some(_), None) => {
                e.push(FieldError::new(
                    f("disability_grade"),
                    "required",
                    "填写了残疾类别时必须填写残疾等级",
                    "a disability kind needs a grade",
                ));
                None
            }
            (None, Some(_)) => {
                if !e.0.iter().any(|x| x.field == f("disability_kind")) {
                    e.push(FieldError::new(
                        f("disability_kind"),
                        "required",
                        "填写了残疾等级时必须填写残疾类别",
                        "a disability grade needs a kind",
                    ));
                }
                None
            }
        };
        let labour = opt_enum(&mut e, &f("labour_capacity"), &self.labour_capacity, LabourCapacity::parse_field);
        let student = opt_enum(&mut e, &f("student"), &self.student, Student::parse_field);
        let employment = opt_enum(&mut e, &f("employment"), &self.employment, Employment::parse_field);
        // Age decides what may be left out: never a working-age member's employment (an omitted
        // value used to record 非劳动年龄 for a 46-year-old), never 非劳动年龄 within working age.
        let age = id.as_ref().map(|id| today.years_since(id.birth_date()).unwrap_or(0));
        // A pupil of 16 or more is still in school: 非劳动年龄 is what systems record for them.
        if let Some(age) = age.filter(|_| student.is_none()) {
            if employment.is_none() && Employment::proposed_for(age).is_none() && !e.0.iter().any(|x| x.field == f("employment")) {
                e.push(FieldError::new(
                    f("employment"),
                    "required",
                    format!("{age} 岁在劳动年龄内，请选择就业状况"),
                    format!("{age} is of working age: choose the employment"),
                ));
            }
            if employment == Some(Employment::NotWorkingAge) && working_age(age) {
                e.push(FieldError::new(
                    f("employment"),
                    "employment.age",
                    format!("{age} 岁在劳动年龄（16–59 岁）内，不是“非劳动年龄”"),
                    format!("{age} is of working age (16–59), not \"not of working age\""),
                ));
            }
        }
        let excluded = opt_enum(&mut e, &f("excluded"), &self.excluded, Exclusion::parse_field);
        // A value is missing only where its error is in `e`.
        let (Some(id), Some(name), Some(relation), Some(phone)) = (id, name, relation, phone) else {
            return Err(e);
        };
        e.into_result()?;
        Ok(MemberData {
            sex: id.sex(),
            birth_date: id.birth_date(),
            id_number: id,
            name,
            relation,
            phone,
            disability,
            serious_illness: self.serious_illness,
            chronic_illness: self.chronic_illness,
            self_care: self.self_care.unwrap_or_default(),
            labour_capacity: labour.unwrap_or_else(|| LabourCapacity::proposed_for(age.unwrap_or(0))),
            student,
            employment: employment.or_else(|| Employment::proposed_for(age.unwrap_or(0))).unwrap_or(Employment::Unemployed),
            living_together: self.living_together.unwrap_or(true),
            excluded,
        })
    }
}

impl MemberData {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date).unwrap_or(0)
    }
    /// Back to an input, e.g. to pre-fill an edit form.
    pub fn to_input(&self) -> MemberInput {
        MemberInput {
            id_number: self.id_number.as_str().to_string(),
            name: self.name.clone(),
            relation: self.relation.as_str().to_string(),
            phone: self.phone.clone(),
            disability_kind: self.disability.as_ref().map(|d| d.kind.as_str().to_string()),
            disability_grade: self.disability.as_ref().map(|d| d.grade),
            disability_certificate: self.disability.as_ref().and_then(|d| d.certificate.clone()),
            serious_illness: self.serious_illness,
            chronic_illness: self.chronic_illness,
            self_care: Some(self.self_care),
            labour_capacity: Some(self.labour_capacity.as_str().to_string()),
            student: self.student.map(|s| s.as_str().to_string()),
            employment: Some(self.employment.as_str().to_string()),
            living_together: Some(self.living_together),
            excluded: self.excluded.map(|x| x.as_str().to_string()),
        }
    }
}

/// A month, `YYYY-MM`, for monthly income and expense records.
pub fn parse_month(field: &str, s: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let d = NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "month.format",
            format!("月份“{s}”格式不正确，应为 YYYY-MM"),
            format!("month \"{s}\" is not valid: YYYY-MM expected"),
        )
    })?;
    if d > today {
        return Err(FieldError::new(field, "month.future", format!("月份 {s} 还未到，不能登记"), format!("month {s} is in the future")));
    }
    Ok(d)
}

/// 收入记录: one kind of income of one member (or the household) in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Income {
    /// Index of the member in the household's list (`None`: household-level income).
    pub member: Option<usize>,
    pub kind: IncomeKind,
    /// First day of the month.
    pub month: NaiveDate,
    pub amount: Fen,
}

/// 财产
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub member: Option<usize>,
    pub kind: AssetKind,
    /// Value in fen (for houses and registrations it may be 0: what counts is their number).
    pub value: Fen,
    pub description: String,
}

/// 刚性支出: spending in one month after reimbursement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expense {
    pub kind: ExpenseKind,
    pub month: NaiveDate,
    pub amount: Fen,
    pub description: String,
}

/// 赡养（抚养、扶养）义务人 living outside the household (特困 art. 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supporter {
    pub name: String,
    pub relation: String,
    pub birth_date: Option<NaiveDate>,
    pub status: SupporterStatus,
    pub severe_disability: bool,
    pub incapacitated: bool,
    pub missing: bool,
    pub imprisoned: bool,
    pub annual_income_per_capita: Option<Fen>,
    pub assets_within_limits: Option<bool>,
}

/// 银行账户 for benefit payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub bank: String,
    pub account_no: String,
}

impl BankAccount {
    pub fn masked(&self) -> String {
        format!("{} {}", self.bank, crate::mask::bank_account_no(&self.account_no))
    }
}

/// The household-level facts (户).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdData {
    /// 户籍地 (village or community).
    pub hukou_region: RegionCode,
    /// 居住地 (differs when 人户分离).
    pub residence_region: RegionCode,
    pub area: Area,
    pub address: String,
    pub phone: Option<String>,
    pub bank_account: Option<BankAccount>,
}

/// A whole household as registered: the head is `members[0]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewHousehold {
    pub data: HouseholdData,
    pub members: Vec<MemberData>,
    pub incomes: Vec<Income>,
    pub assets: Vec<Asset>,
    pub expenses: Vec<Expense>,
    pub supporters: Vec<Supporter>,
    /// 申报: who took it and the parts declared empty (`None`: registered without a declaration).
    pub declaration: Option<Declaration>,
}

impl NewHousehold {
    /// The household with a declaration taken on `on` by `by` in which every part without rows
    /// is declared empty (generated data and test fixtures, whose records are complete).
    pub fn declared(mut self, on: NaiveDate, by: &str) -> NewHousehold {
        let rows = [self.incomes.len(), self.assets.len(), self.expenses.len(), self.supporters.len()];
        let none = Section::ALL.iter().zip(rows).filter(|(_, n)| *n == 0).map(|(p, _)| *p).collect();
        self.declaration = Some(Declaration { on, by: by.to_string(), none });
        self
    }
}

/// Household facts as sent by a form or the API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    pub hukou_region: String,
    pub residence_region: Option<String>,
    pub area: String,
    pub address: String,
    pub phone: Option<String>,
    pub bank: Option<String>,
    pub bank_account_no: Option<String>,
}

fn village(field: &str, s: &str) -> Result<RegionCode, FieldError> {
    let c = RegionCode::parse(s).map_err(|e| FieldError { field: field.into(), ..e })?;
    if c.level() != RegionLevel::Village {
        return Err(FieldError::new(
            field,
            "region.not_village",
            "请选择到村（社区）一级的区划",
            "choose a village or community (12-digit code)",
        ));
    }
    Ok(c)
}

impl HouseholdInput {
    pub fn validate(&self) -> Result<HouseholdData, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let hukou = e.take(village("hukou_region", &self.hukou_region));
        let residence = match self.residence_region.as_deref().map(str::trim) {
            None | Some("") => hukou.clone(),
            Some(r) => e.take(village("residence_region", r)),
        };
        let area = e.take(Area::parse_field("area", self.area.trim()));
        let address = self.address.trim().to_string();
        if address.chars().count() > 200 {
            e.push(FieldError::new("address", "address.too_long", "地址不超过 200 个字", "address is at most 200 characters"));
        }
        let phone = e.take(check_phone("phone", &self.phone));
        let bank_account =
            match (self.bank.as_deref().map(str::trim).unwrap_or(""), self.bank_account_no.as_deref().map(str::trim).unwrap_or("")) {
                ("", "") => None,
                (bank, no) if !bank.is_empty() && (8..=30).contains(&no.len()) && no.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(BankAccount { bank: bank.to_string(), account_no: no.to_string() })
                }
                ("", _) => {
                    e.push(FieldError::new("bank", "required", "填写账号时必须填写开户银行", "a bank account needs the bank's name"));
                    None
                }
                _ => {
                    e.push(FieldError::new(
                        "bank_account_no",
                        "bank_account.format",
                        "银行账号应为 8–30 位数字",
                        "a bank account number has 8 to 30 digits",
                    ));
                    None
                }
            };
        // A value is missing only where its error is in `e`.
        let (Some(hukou_region), Some(residence_region), Some(area), Some(phone)) = (hukou, residence, area, phone) else {
            return Err(e);
        };
        e.into_result()?;
        Ok(HouseholdData { hukou_region, residence_region, area, address, phone, bank_account })
    }
}

impl HouseholdData {
    pub fn to_input(&self) -> HouseholdInput {
        HouseholdInput {
            hukou_region: self.hukou_region.to_string(),
            residence_region: Some(self.residence_region.to_string()),
            area: self.area.as_str().to_string(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            bank: self.bank_account.as_ref().map(|b| b.bank.clone()),
            bank_account_no: self.bank_account.as_ref().map(|b| b.account_no.clone()),
        }
    }
}

/// Rules across members: exactly one head, first in the list; no ID number twice.
pub fn check_members(members: &[MemberData]) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    if members.is_empty() {
        e.push(FieldError::new(
            "members",
            "members.empty",
            "家庭至少要有一名成员（户主）",
            "a household has at least one member (the head)",
        ));
    }
    let heads = members.iter().filter(|m| m.relation == Relation::Head).count();
    if !members.is_empty() && (heads != 1 || members[0].relation != Relation::Head) {
        e.push(FieldError::new(
            "members[0].relation",
            "members.head",
            "家庭必须有且只有一名户主，且列在第一位",
            "a household has exactly one head, listed first",
        ));
    }
    for (i, m) in members.iter().enumerate() {
        if members[..i].iter().any(|o| o.id_number == m.id_number) {
            e.push(FieldError::new(
                format!("members[{i}].id_number"),
                "members.duplicate_id",
                "同一身份证号码在本户中重复填写",
                "the same ID number is listed twice in this household",
            ));
        }
    }
    e.into_result()
}

/// Months of the income window ending with the month before `on` (办法: commonly 12 months
/// before the application).
pub fn income_window(on: NaiveDate, months: u32) -> (NaiveDate, NaiveDate) {
    let end = month_start(on);
    // A window (set in a policy file) longer than the calendar reaches back takes in every month.
    let start = end.checked_sub_months(chrono::Months::new(months)).unwrap_or(NaiveDate::MIN);
    (start, end)
}

/// The first day of `day`'s month.
#[allow(clippy::expect_used, reason = "every month has a first day")]
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::check_char;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }
    fn id(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()))
    }
    fn member(idn: &str, rel: &str) -> MemberInput {
        MemberInput {
            id_number: idn.into(),
            name: "张三".into(),
            relation: rel.into(),
            employment: Some("farming".into()),
            ..Default::default()
        }
    }

    /// Age proposes, never records: outside 16–59 no capacity to work and 非劳动年龄 (特困人员认定办法
    /// art. 5); within it employment must be given and is never 非劳动年龄 (unless in school).
    #[test]
    fn age_proposes_labour_and_employment_at_the_boundaries() {
        let born = |years_ago: i32| today().with_year(today().year() - years_ago).unwrap().format("%Y%m%d").to_string();
        for (age, labour, employment) in [
            (15, LabourCapacity::None, Some(Employment::NotWorkingAge)),
            (16, LabourCapacity::Full, None),
            (59, LabourCapacity::Full, None),
            (60, LabourCapacity::None, Some(Employment::NotWorkingAge)),
        ] {
            assert_eq!((LabourCapacity::proposed_for(age), Employment::proposed_for(age)), (labour, employment), "{age}");
            let bare = MemberInput { employment: None, ..member(&id(&format!("620825{}003", born(age as i32))), "head") };
            match employment {
                Some(e) => {
                    let m = bare.validate("", today()).unwrap();
                    assert_eq!((m.labour_capacity, m.employment), (labour, e), "{age}: omitted values follow the proposal");
                }
                None => {
                    let err = bare.validate("", today()).unwrap_err();
                    assert_eq!(err.0[0].field, "employment", "{age}: a working-age member's employment must be given");
                    let not_working = MemberInput { employment: Some("not_working_age".into()), ..bare.clone() };
                    assert_eq!(not_working.validate("", today()).unwrap_err().0[0].code, "employment.age", "{age}");
                    let pupil = MemberInput { student: Some("high_school".into()), ..not_working };
                    assert!(pupil.validate("", today()).is_ok(), "{age}: a pupil may be 非劳动年龄");
                }
            }
        }
    }

    #[test]
    fn a_member_derives_sex_and_birth_date_from_the_id() {
        let m = member(&id("62082519800101003"), "head").validate("members[0]", today()).unwrap();
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1980, 1, 1).unwrap());
        assert_eq!(m.sex, Sex::Male);
        assert_eq!(m.age_on(today()), 46);
    }

    #[test]
    fn every_bad_field_is_named_with_its_path() {
        let bad = MemberInput {
            id_number: "123".into(),
            name: "".into(),
            relation: "boss".into(),
            disability_kind: Some("physical".into()),
            disability_grade: Some(7),
            ..Default::default()
        };
        let e = bad.validate("members[2]", today()).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["members[2].id_number", "members[2].name", "members[2].relation", "members[2].disability_grade"]);
        assert!(e.0[2].zh.contains("head（户主）"));
    }

    #[test]
    fn households_need_one_head_first_and_no_repeated_ids() {
        let a = member(&id("62082519800101003"), "head").validate("", today()).unwrap();
        let b = member(&id("62082519820101004"), "spouse").validate("", today()).unwrap();
        assert!(check_members(&[a.clone(), b.clone()]).is_ok());
        assert_eq!(check_members(&[b.clone(), a.clone()]).unwrap_err().0[0].code, "members.head");
        assert_eq!(
            check_members(&[a.clone(), a.clone()]).unwrap_err().0.iter().map(|e| e.code).collect::<Vec<_>>(),
            ["members.head", "members.duplicate_id"]
        );
        assert_eq!(check_members(&[]).unwrap_err().0[0].code, "members.empty");
    }

    #[test]
    fn household_input_checks_regions_and_bank() {
        let ok = HouseholdInput { hukou_region: "620825100201".into(), area: "rural".into(), ..Default::default() };
        let d = ok.validate().unwrap();
        assert_eq!(d.residence_region, d.hukou_region);
        let bad =
            HouseholdInput { hukou_region: "620825".into(), area: "town".into(), bank_account_no: Some("12".into()), ..Default::default() };
        let e = bad.validate().unwrap_err();
        assert_eq!(e.0.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(), ["hukou_region", "area", "bank"]);
    }

    #[test]
    fn self_care_levels_follow_article_22() {
        let mut s = SelfCare::default();
        assert_eq!((s.unmet(), s.level_zh()), (0, "全自理"));
        s.eating = false;
        s.bathing = false;
        s.walking = false;
        assert_eq!((s.unmet(), s.level_zh()), (3, "半护理"));
        s.toilet = false;
        assert_eq!((s.unmet(), s.level_zh()), (4, "全护理"));
        assert_eq!(SelfCare::from_bits(s.bits()), s);
    }

    #[test]
    fn months_in_the_future_are_refused() {
        assert!(parse_month("incomes[0].month", "2026-11", today()).is_ok());
        assert_eq!(parse_month("incomes[0].month", "2026-12", today()).unwrap_err().code, "month.future");
        assert_eq!(parse_month("incomes[0].month", "2026-13", today()).unwrap_err().code, "month.format");
    }
}
