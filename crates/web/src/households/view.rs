//! What pages and the API show of a household: identifiers masked by default, health withheld
//! from roles that do not assess, as the one access table ([`jiuzhu_domain::access`]) decides.

use crate::frame::beijing_minutes;
pub use crate::frame::present;
use jiuzhu_domain::access::{self, Field, Relation, Shown};
use jiuzhu_domain::*;
use jiuzhu_store::{HistoryEntry, Household, HouseholdSummary};
use serde::Serialize;
use utoipa::ToSchema;

/// What a withheld field shows.
pub const HIDDEN: &str = "已隐藏";

/// One line of a household list.
#[derive(Serialize, ToSchema)]
pub struct SummaryView {
    pub id: i64,
    pub head_name: String,
    /// Masked: first 6 and last 4 characters.
    pub head_id_number: String,
    pub member_count: i64,
    pub hukou_region: String,
    pub town_name: String,
    pub village_name: String,
    /// `urban` or `rural`.
    pub area: String,
}

impl SummaryView {
    pub fn new(s: &HouseholdSummary, role: Role) -> Self {
        SummaryView {
            id: s.id,
            head_name: s.head_name.clone(),
            head_id_number: present(role, Field::IdNumber, s.head_id_number.as_str(), |_| s.head_id_number.masked()),
            member_count: s.member_count,
            hukou_region: s.hukou_region.to_string(),
            town_name: s.town_name.clone().unwrap_or_default(),
            village_name: s.village_name.clone().unwrap_or_default(),
            area: s.area.as_str().into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub relation: String,
    pub relation_zh: String,
    pub sex: String,
    pub birth_date: String,
    pub age: u32,
    pub phone: Option<String>,
    /// Health fields (disability, illness, self-care) withheld from this role: they read as
    /// empty, not as "none".
    pub health_masked: bool,
    pub disability: Option<String>,
    pub disability_kind: Option<String>,
    pub disability_grade: Option<u8>,
    pub serious_illness: bool,
    pub chronic_illness: bool,
    /// How many of the six daily-living items are not met.
    pub self_care_unmet: u8,
    pub self_care_level: String,
    pub labour_capacity: String,
    pub student: Option<String>,
    pub employment: String,
    pub living_together: bool,
    pub excluded: Option<String>,
    /// The same values in English, for the English pages.
    pub en: MemberEn,
}

/// A member's values in English (the fields above are Chinese, as the API has always given them).
#[derive(Serialize, ToSchema, Default)]
pub struct MemberEn {
    pub relation: String,
    pub sex: String,
    pub disability: Option<String>,
    pub self_care_level: String,
    pub labour_capacity: String,
    pub student: Option<String>,
    pub employment: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecordView {
    pub member: String,
    pub kind: String,
    pub kind_zh: String,
    pub kind_en: String,
    pub month: String,
    /// Fen.
    pub amount: i64,
    pub amount_yuan: String,
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct SupporterView {
    pub name: String,
    pub relation: String,
    pub age: Option<u32>,
    pub status: String,
    pub status_en: String,
    pub annual_income_per_capita: Option<i64>,
    pub flags: String,
}

/// A household as pages and the API show it.
#[derive(Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: i64,
    /// Send back with every edit (optimistic concurrency).
    pub version: i64,
    pub hukou_region: String,
    /// Names from the province down to the village.
    pub hukou_region_names: String,
    pub residence_region: String,
    pub residence_region_names: String,
    pub separated: bool,
    pub area: String,
    pub address: String,
    pub phone: Option<String>,
    /// Masked: bank and last four digits.
    pub bank_account: Option<String>,
    pub members: Vec<MemberView>,
    pub incomes: Vec<RecordView>,
    pub assets: Vec<RecordView>,
    pub expenses: Vec<RecordView>,
    pub supporters: Vec<SupporterView>,
    /// Sum of counted incomes over the recorded months, fen (an indication, not an assessment).
    pub counted_income_total: i64,
    pub counted_income_total_yuan: String,
    pub updated_at: String,
    /// 申报: the current declaration (`null`: none on record; parts with rows still count as declared).
    pub declaration: Option<DeclarationJson>,
}

/// 申报 as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct DeclarationJson {
    /// 录入日期
    pub on: String,
    /// Who took it (display name).
    pub by: String,
    /// Parts declared empty: `incomes`, `assets`, `expenses`, `supporters`.
    pub none: Vec<String>,
}

impl HouseholdView {
    /// What `role` sees of an in-scope household (the record is "not found" out of scope), as
    /// [`jiuzhu_domain::access::shown`] decides field by field; never revealed here (revealing
    /// is its own page, with a purpose and the password).
    pub fn new(h: &Household, role: Role, hukou_names: String, residence_names: String, today: chrono::NaiveDate) -> HouseholdView {
        let show = |f: Field| access::shown(role, Relation::InScope, f, false);
        let (id_shown, phone_shown, bank_shown, health_clear) =
            (show(Field::IdNumber), show(Field::Phone), show(Field::BankAccount), show(Field::Health) == Shown::Clear);
        let id_text = |id: &IdNumber| if id_shown == Shown::Clear { id.as_str().to_string() } else { id.masked() };
        let phone_text = |p: &str| if phone_shown == Shown::Clear { p.to_string() } else { mask::phone(p) };
        let name_of = |id: Option<i64>| match id {
            Some(id) => h.member(id).map(|m| m.data.name.clone()).unwrap_or_default(),
            None => "（全户）".into(),
        };
        HouseholdView {
            id: h.id,
            version: h.version,
            hukou_region: h.data.hukou_region.to_string(),
            hukou_region_names: hukou_names,
            residence_region: h.data.residence_region.to_string(),
            residence_region_names: residence_names,
            separated: h.data.hukou_region != h.data.residence_region,
            area: h.data.area.zh().into(),
            address: h.data.address.clone(),
            phone: h.data.phone.as_deref().map(phone_text),
            bank_account: h
                .data
                .bank_account
                .as_ref()
                .map(|b| if bank_shown == Shown::Clear { format!("{} {}", b.bank, b.account_no) } else { b.masked() }),
            members: h
                .members
                .iter()
                .map(|m| {
                    let d = &m.data;
                    MemberView {
                        id: m.id,
                        name: d.name.clone(),
                        id_number: id_text(&d.id_number),
                        relation: d.relation.as_str().into(),
                        relation_zh: d.relation.zh().into(),
                        sex: d.sex.zh().into(),
                        birth_date: d.birth_date.format("%Y-%m").to_string(),
                        age: d.age_on(today),
                        phone: d.phone.as_deref().map(phone_text),
                        health_masked: !health_clear,
                        disability: match (&d.disability, health_clear) {
                            (Some(x), true) => Some(format!("{}{}级", x.kind.zh(), x.grade)),
                            (Some(_), false) => Some(HIDDEN.into()),
                            (None, _) => None,
                        },
                        disability_kind: d.disability.as_ref().filter(|_| health_clear).map(|x| x.kind.as_str().into()),
                        disability_grade: d.disability.as_ref().filter(|_| health_clear).map(|x| x.grade),
                        serious_illness: health_clear && d.serious_illness,
                        chronic_illness: health_clear && d.chronic_illness,
                        self_care_unmet: if health_clear { d.self_care.unmet() } else { 0 },
                        self_care_level: if health_clear { d.self_care.level_zh().into() } else { HIDDEN.into() },
                        labour_capacity: d.labour_capacity.zh().into(),
                        student: d.student.map(|s| s.zh().into()),
                        employment: d.employment.zh().into(),
                        living_together: d.living_together,
                        excluded: d.excluded.map(|x| x.zh().into()),
                        en: MemberEn {
                            relation: d.relation.en().into(),
                            sex: d.sex.as_str().into(),
                            disability: match (&d.disability, health_clear) {
                                (Some(x), true) => Some(format!("{}, grade {}", x.kind.en(), x.grade)),
                                (Some(_), false) => Some("withheld".into()),
                                (None, _) => None,
                            },
                            self_care_level: if health_clear { d.self_care.level_en().into() } else { "withheld".into() },
                            labour_capacity: d.labour_capacity.en().into(),
                            student: d.student.map(|s| s.en().into()),
                            employment: d.employment.en().into(),
                        },
                    }
                })
                .collect(),
            incomes: h
                .records
                .incomes
                .iter()
                .map(|i| RecordView {
                    member: name_of(i.member_id),
                    kind: i.kind.as_str().into(),
                    kind_zh: i.kind.zh().into(),
                    kind_en: i.kind.en().into(),
                    month: i.month.format("%Y-%m").to_string(),
                    amount: i.amount.0,
                    amount_yuan: i.amount.to_string(),
                    description: String::new(),
                })
                .collect(),
            assets: h
                .records
                .assets
                .iter()
                .map(|a| RecordView {
                    member: name_of(a.member_id),
                    kind: a.kind.as_str().into(),
                    kind_zh: a.kind.zh().into(),
                    kind_en: a.kind.en().into(),
                    month: String::new(),
                    amount: a.value.0,
                    amount_yuan: a.value.to_string(),
                    description: a.description.clone(),
                })
                .collect(),
            expenses: h
                .records
                .expenses
                .iter()
                .map(|e| RecordView {
                    member: String::new(),
                    kind: e.kind.as_str().into(),
                    kind_zh: e.kind.zh().into(),
                    kind_en: e.kind.en().into(),
                    month: e.month.format("%Y-%m").to_string(),
                    amount: e.amount.0,
                    amount_yuan: e.amount.to_string(),
                    description: e.description.clone(),
                })
                .collect(),
            supporters: h
                .records
                .supporters
                .iter()
                .map(|s| SupporterView {
                    name: s.name.clone(),
                    relation: s.relation.clone(),
                    age: s.birth_date.and_then(|b| today.years_since(b)),
                    status: s.status.zh().into(),
                    status_en: s.status.en().into(),
                    annual_income_per_capita: s.annual_income_per_capita.map(|f| f.0),
                    flags: [
                        (s.severe_disability, "重度残疾"),
                        (s.incapacitated, "无民事行为能力"),
                        (s.missing, "失踪"),
                        (s.imprisoned, "服刑"),
                    ]
                    .iter()
                    .filter(|(b, _)| *b)
                    .map(|(_, t)| *t)
                    .collect::<Vec<_>>()
                    .join("、"),
                })
                .collect(),
            counted_income_total: h.records.incomes.iter().filter(|i| i.kind.counted()).map(|i| i.amount.0).sum(),
            counted_income_total_yuan: h.records.incomes.iter().filter(|i| i.kind.counted()).map(|i| i.amount).sum::<Fen>().to_string(),
            updated_at: beijing_minutes(h.updated_at),
            declaration: h.records.declaration.as_ref().map(|d| DeclarationJson {
                on: d.on.to_string(),
                by: d.by.clone(),
                none: d.none.iter().map(|p| p.as_str().to_string()).collect(),
            }),
        }
    }
}

/// The history's entity in Chinese: `member:12` → `成员 #12`.
pub fn entity_zh(entity: &str) -> String {
    match entity.split_once(':') {
        Some(("member", id)) => format!("成员 #{id}"),
        _ => match entity {
            "household" => "家庭".into(),
            "records" => "收入财产支出".into(),
            "membership" => "成员迁移".into(),
            other => other.into(),
        },
    }
}

/// The history's field in Chinese (the English key stays in the API).
pub fn field_zh(field: &str) -> &str {
    match field {
        "created" => "登记",
        "added" => "添加成员",
        "moved_in" => "迁入",
        "moved_out" => "迁出",
        "hukou_region" => "户籍地",
        "residence_region" => "居住地",
        "area" => "城乡类别",
        "address" => "地址",
        "phone" => "联系电话",
        "bank" => "开户银行",
        "bank_account_no" => "银行账号",
        "payee.institution" => "收款安排：供养服务机构",
        "payee.guardian" => "收款安排：监护人",
        "payee.carer" => "收款安排：照料护理人",
        "id_number" => "身份证号码",
        "name" => "姓名",
        "relation" => "与户主关系",
        "disability_kind" => "残疾类别",
        "disability_grade" => "残疾等级",
        "disability_certificate" => "残疾人证号",
        "serious_illness" => "重病",
        "chronic_illness" => "慢性病",
        "self_care" => "自理能力",
        "labour_capacity" => "劳动能力",
        "student" => "在学情况",
        "employment" => "就业状况",
        "living_together" => "共同生活",
        "excluded" => "不计入成员情形",
        "incomes" => "收入",
        "assets" => "财产",
        "expenses" => "刚性支出",
        "supporters" => "赡养义务人",
        "declared_none" => "申报为无",
        "declaration" => "申报",
        other => other,
    }
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub at: String,
    pub actor: String,
    /// `household`, `member:ID`, `records`, `membership`
    pub entity: String,
    pub entity_zh: String,
    pub field: String,
    pub field_zh: String,
    pub old: String,
    pub new: String,
}

impl HistoryView {
    pub fn new(e: HistoryEntry, at: String) -> HistoryView {
        HistoryView {
            entity_zh: entity_zh(&e.entity),
            field_zh: field_zh(&e.field).to_string(),
            at,
            actor: e.actor,
            entity: e.entity,
            field: e.field,
            old: e.old,
            new: e.new,
        }
    }
}
