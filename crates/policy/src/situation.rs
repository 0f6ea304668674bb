//! The situation of assess-v1.md: what a household looks like on a date, as JSON in, checked
//! into typed values with every error naming its field (`members[1].birth_date`).

use chrono::NaiveDate;
use jiuzhu_domain::{
    Area, DisabilityKind, Exclusion, ExpenseKind, FieldError, IdNumber, IncomeKind, Relation, Student, SupporterStatus, ValidationErrors,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A situation exactly as sent (assess-v1.md). Unknown fields are refused so a misspelt
/// `asset` is not silently ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationInput {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub area: Option<Area>,
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub members: Vec<MemberInput>,
    #[serde(default)]
    pub income: Vec<IncomeInput>,
    #[serde(default)]
    pub deductions: Vec<DeductionInput>,
    #[serde(default)]
    pub expenses: Vec<ExpenseInput>,
    #[serde(default)]
    pub assets: Option<AssetsInput>,
    #[serde(default)]
    pub supporters: Vec<SupporterInput>,
    #[serde(default)]
    pub receiving: Vec<String>,
    #[serde(default)]
    pub emergency: Option<Emergency>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub id: String,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    pub relation: Relation,
    #[serde(default)]
    pub living_together: Option<bool>,
    #[serde(default)]
    pub excluded: Option<Exclusion>,
    #[serde(default)]
    pub disability: Option<DisabilityInput>,
    #[serde(default)]
    pub serious_illness: bool,
    #[serde(default)]
    pub student: Option<Student>,
    #[serde(default)]
    pub self_care_unmet: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabilityInput {
    pub kind: DisabilityKind,
    pub grade: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeInput {
    #[serde(default)]
    pub member: Option<String>,
    pub kind: IncomeKind,
    pub monthly: i64,
}

/// 扣减项 (办法 art. 13: 就业成本, and rigid spending for illness or disability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductionKind {
    EmploymentCost,
    Medical,
    Rehabilitation,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductionInput {
    #[serde(default)]
    pub member: Option<String>,
    pub kind: DeductionKind,
    pub monthly: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseInput {
    pub kind: ExpenseKind,
    pub annual: i64,
}

/// Vehicle kinds: cars and trucks count against the limits; the others never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleKind {
    Car,
    Truck,
    Motorcycle,
    EBike,
    DisabilityVehicle,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleInput {
    pub kind: VehicleKind,
    #[serde(default)]
    pub value: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetsInput {
    #[serde(default)]
    pub financial: i64,
    #[serde(default)]
    pub residential_properties: i64,
    #[serde(default)]
    pub non_residential_properties: i64,
    #[serde(default)]
    pub vehicles: Vec<VehicleInput>,
    #[serde(default)]
    pub business_registrations: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupporterInput {
    #[serde(default)]
    pub relation: Option<String>,
    #[serde(default)]
    pub age: Option<u32>,
    #[serde(default)]
    pub status: Option<SupporterStatus>,
    #[serde(default)]
    pub severe_disability: bool,
    #[serde(default)]
    pub incapacitated: bool,
    #[serde(default)]
    pub missing: bool,
    #[serde(default)]
    pub imprisoned: bool,
    #[serde(default)]
    pub annual_income_per_capita: Option<i64>,
    #[serde(default)]
    pub assets_within_limits: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyKind {
    /// 意外事故
    Accident,
    /// 重大疾病
    SeriousIllness,
    /// 自然灾害
    Disaster,
    /// 支出型
    Expense,
    Other,
}

impl EmergencyKind {
    pub fn zh(self) -> &'static str {
        match self {
            EmergencyKind::Accident => "意外事故",
            EmergencyKind::SeriousIllness => "重大疾病",
            EmergencyKind::Disaster => "自然灾害",
            EmergencyKind::Expense => "支出型困难",
            EmergencyKind::Other => "其他急难情形",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    pub kind: EmergencyKind,
    pub cost: i64,
    #[serde(default)]
    pub covered: i64,
}

/// A checked member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub living_together: bool,
    pub excluded: Option<Exclusion>,
    pub disability: Option<DisabilityInput>,
    pub serious_illness: bool,
    pub student: Option<Student>,
    pub self_care_unmet: u8,
}

impl Member {
    /// Counted in the household (办法 art. 7): living together and not excluded.
    pub fn counted(&self) -> bool {
        self.living_together && self.excluded.is_none()
    }
    /// Whole years on `date`.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date).unwrap_or(0)
    }
}

/// A checked situation: what the rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub region: String,
    pub date: NaiveDate,
    pub area: Area,
    /// Overrides by parameter name, already in the parameter's unit.
    pub overrides: Vec<(&'static str, i64)>,
    pub members: Vec<Member>,
    /// (member index or household, kind, monthly fen)
    pub income: Vec<(Option<usize>, IncomeKind, i64)>,
    pub deductions: Vec<(Option<usize>, DeductionKind, i64)>,
    pub expenses: Vec<(ExpenseKind, i64)>,
    pub assets: AssetsInput,
    pub supporters: Vec<SupporterInput>,
    pub receiving: Vec<String>,
    pub emergency: Option<Emergency>,
}

fn money(e: &mut ValidationErrors, field: String, v: i64) {
    if v < 0 {
        e.push(FieldError::new(field, "money.negative", "金额不能为负数（单位：分）", "amount cannot be negative (fen)"));
    }
}

/// Defaults the caller may supply (`--region`, `--date`) where the situation lacks them.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub region: Option<String>,
    pub date: Option<NaiveDate>,
}

impl SituationInput {
    /// Parses JSON with errors that name the field path.
    pub fn from_json_value(v: serde_json::Value) -> Result<SituationInput, ValidationErrors> {
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            FieldError::new(if path == "." { String::new() } else { path }, "json.shape", format!("格式不正确：{inner}"), inner).into()
        })
    }

    /// Parses JSON text directly (no intermediate value), with errors that name the field path.
    pub fn from_json_str(text: &str) -> Result<SituationInput, ValidationErrors> {
        // Well-formed input (nearly all of it) is read without tracking paths; only when that
        // fails is it read again to name the field (path tracking costs a third of the parse).
        if let Ok(input) = serde_json::from_str(text) {
            return Ok(input);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed: Result<SituationInput, _> = serde_path_to_error::deserialize(&mut de);
        let input = parsed.map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            ValidationErrors::from(FieldError::new(
                if path == "." { String::new() } else { path },
                "json.shape",
                format!("格式不正确：{inner}"),
                inner,
            ))
        })?;
        de.end().map_err(|e| ValidationErrors::from(FieldError::new("", "json.trailing", format!("格式不正确：{e}"), e.to_string())))?;
        Ok(input)
    }

    /// Checks everything; an input with any error is refused whole.
    pub fn validate(&self, defaults: &Defaults) -> Result<Situation, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let region = match self.region.as_deref().or(defaults.region.as_deref()).map(str::trim) {
            None | Some("") => {
                e.push(FieldError::new(
                    "region",
                    "required",
                    "缺少区划代码 region（6、9 或 12 位）",
                    "region is required (6, 9 or 12 digits)",
                ));
                String::new()
            }
            Some(r) if r.bytes().all(|b| b.is_ascii_digit()) && matches!(r.len(), 6 | 9 | 12) => r.to_string(),
            Some(r) => {
                e.push(FieldError::new(
                    "region",
                    "region.format",
                    format!("区划代码“{r}”格式不正确，应为 6、9 或 12 位数字"),
                    format!("region \"{r}\" is not valid: 6, 9 or 12 digits"),
                ));
                String::new()
            }
        };
        let date = match self.date.as_deref().map(str::trim) {
            Some(d) => match parse_date(d).ok_or(()) {
                Ok(d) => Some(d),
                Err(_) => {
                    e.push(FieldError::new(
                        "date",
                        "date.format",
                        format!("日期“{d}”格式不正确，应为 YYYY-MM-DD"),
                        format!("date \"{d}\" is not YYYY-MM-DD"),
                    ));
                    None
                }
            },
            None => defaults.date.or_else(|| {
                e.push(FieldError::new("date", "required", "缺少评估日期 date（YYYY-MM-DD）", "date is required (YYYY-MM-DD)"));
                None
            }),
        };
        let area = self.area.unwrap_or_else(|| {
            e.push(FieldError::new("area", "required", "缺少城乡类别 area（urban 或 rural）", "area is required (urban or rural)"));
            Area::Rural
        });
        let mut overrides = Vec::new();
        for (name, v) in &self.parameters {
            let field = format!("parameters.{name}");
            match crate::params::spec(name) {
                None => {
                    e.push(FieldError::new(field, "parameter.unknown", format!("未知参数 {name}"), format!("unknown parameter {name}")))
                }
                Some(spec) => {
                    let yaml: Option<serde_norway::Value> = serde_norway::to_value(v).ok();
                    match yaml.and_then(|y| crate::params::read_value(spec.kind, &y)) {
                        Some(x) => overrides.push((spec.name, x)),
                        None => e.push(FieldError::new(
                            field,
                            "parameter.value",
                            format!("参数 {name} 的值不正确"),
                            format!("parameter {name}: value is not valid"),
                        )),
                    }
                }
            }
        }
        if self.members.is_empty() {
            e.push(FieldError::new("members", "required", "至少需要一名家庭成员", "at least one member is required"));
        }
        let mut members = Vec::with_capacity(self.members.len());
        for (i, m) in self.members.iter().enumerate() {
            let f = |x: &str| format!("members[{i}].{x}");
            if m.id.trim().is_empty() {
                e.push(FieldError::new(f("id"), "required", "成员编号 id 不能为空", "member id is required"));
            } else if self.members[..i].iter().any(|o| o.id == m.id) {
                e.push(FieldError::new(
                    f("id"),
                    "member.duplicate",
                    format!("成员编号“{}”重复", m.id),
                    format!("member id \"{}\" appears twice", m.id),
                ));
            }
            let today = date.unwrap_or(NaiveDate::MAX);
            let birth = match (&m.id_number, &m.birth_date) {
                (Some(id), _) => match IdNumber::parse(id, today) {
                    Ok(n) => Some(n.birth_date()),
                    Err(x) => {
                        e.push(FieldError { field: f("id_number"), ..x });
                        None
                    }
                },
                (None, Some(b)) => match parse_date(b.trim()).ok_or(()) {
                    Ok(b) if date.is_none_or(|d| b <= d) => Some(b),
                    Ok(_) => {
                        e.push(FieldError::new(
                            f("birth_date"),
                            "date.future",
                            "出生日期晚于评估日期",
                            "birth date is after the assessment date",
                        ));
                        None
                    }
                    Err(_) => {
                        e.push(FieldError::new(
                            f("birth_date"),
                            "date.format",
                            format!("出生日期“{b}”格式不正确，应为 YYYY-MM-DD"),
                            format!("birth date \"{b}\" is not YYYY-MM-DD"),
                        ));
                        None
                    }
                },
                (None, None) => {
                    e.push(FieldError::new(
                        f("birth_date"),
                        "required",
                        "需要出生日期 birth_date 或身份证号码 id_number",
                        "birth_date or id_number is required",
                    ));
                    None
                }
            };
            if let Some(d) = m.disability
                && !(1..=4).contains(&d.grade)
            {
                e.push(FieldError::new(f("disability.grade"), "disability.grade", "残疾等级应为 1–4 级", "disability grade is 1 to 4"));
            }
            if m.self_care_unmet > 6 {
                e.push(FieldError::new(
                    f("self_care_unmet"),
                    "self_care.range",
                    "生活自理六项中未达到的项数应为 0–6",
                    "self_care_unmet is 0 to 6",
                ));
            }
            members.push(Member {
                id: m.id.clone(),
                birth_date: birth.unwrap_or(NaiveDate::MIN),
                relation: m.relation,
                living_together: m.living_together.unwrap_or(true),
                excluded: m.excluded,
                disability: m.disability,
                serious_illness: m.serious_illness,
                student: m.student,
                self_care_unmet: m.self_care_unmet,
            });
        }
        let member_index = |e: &mut ValidationErrors, field: String, id: &Option<String>| -> Option<usize> {
            let id = id.as_deref()?;
            let found = self.members.iter().position(|m| m.id == id);
            if found.is_none() {
                e.push(FieldError::new(field, "member.unknown", format!("没有编号为“{id}”的成员"), format!("no member with id \"{id}\"")));
            }
            found
        };
        let mut income = Vec::new();
        for (i, x) in self.income.iter().enumerate() {
            money(&mut e, format!("income[{i}].monthly"), x.monthly);
            income.push((member_index(&mut e, format!("income[{i}].member"), &x.member), x.kind, x.monthly));
        }
        let mut deductions = Vec::new();
        for (i, x) in self.deductions.iter().enumerate() {
            money(&mut e, format!("deductions[{i}].monthly"), x.monthly);
            deductions.push((member_index(&mut e, format!("deductions[{i}].member"), &x.member), x.kind, x.monthly));
        }
        for (i, x) in self.expenses.iter().enumerate() {
            money(&mut e, format!("expenses[{i}].annual"), x.annual);
        }
        let assets = self.assets.clone().unwrap_or_default();
        money(&mut e, "assets.financial".into(), assets.financial);
        for (name, v) in [
            ("residential_properties", assets.residential_properties),
            ("non_residential_properties", assets.non_residential_properties),
            ("business_registrations", assets.business_registrations),
        ] {
            if v < 0 {
                e.push(FieldError::new(format!("assets.{name}"), "count.negative", "数量不能为负数", "a count cannot be negative"));
            }
        }
        for (i, v) in assets.vehicles.iter().enumerate() {
            money(&mut e, format!("assets.vehicles[{i}].value"), v.value);
        }
        for (i, s) in self.supporters.iter().enumerate() {
            if let Some(x) = s.annual_income_per_capita {
                money(&mut e, format!("supporters[{i}].annual_income_per_capita"), x);
            }
        }
        if let Some(em) = &self.emergency {
            money(&mut e, "emergency.cost".into(), em.cost);
            money(&mut e, "emergency.covered".into(), em.covered);
        }
        // The date is missing only where its error is in `e`.
        let Some(date) = date else {
            return Err(e);
        };
        e.into_result()?;
        Ok(Situation {
            region,
            date,
            area,
            overrides,
            members,
            income,
            deductions,
            expenses: self.expenses.iter().map(|x| (x.kind, x.annual)).collect(),
            assets,
            supporters: self.supporters.clone(),
            receiving: self.receiving.clone(),
            emergency: self.emergency,
        })
    }
}

impl Situation {
    /// The annual total of one kind of expense (fen).
    pub(crate) fn expense_total(&self, kind: ExpenseKind) -> i64 {
        self.expenses.iter().filter(|x| x.0 == kind).map(|x| x.1).sum()
    }

    /// Back to the assess-v1 input form (e.g. to send a registered household to the API).
    pub fn to_input(&self) -> SituationInput {
        let id = |i: Option<usize>| i.map(|i| self.members[i].id.clone());
        SituationInput {
            region: Some(self.region.clone()),
            date: Some(self.date.to_string()),
            area: Some(self.area),
            parameters: BTreeMap::new(),
            members: self
                .members
                .iter()
                .map(|m| MemberInput {
                    id: m.id.clone(),
                    birth_date: Some(m.birth_date.to_string()),
                    id_number: None,
                    relation: m.relation,
                    living_together: Some(m.living_together),
                    excluded: m.excluded,
                    disability: m.disability,
                    serious_illness: m.serious_illness,
                    student: m.student,
                    self_care_unmet: m.self_care_unmet,
                })
                .collect(),
            income: self.income.iter().map(|(m, kind, monthly)| IncomeInput { member: id(*m), kind: *kind, monthly: *monthly }).collect(),
            deductions: self
                .deductions
                .iter()
                .map(|(m, kind, monthly)| DeductionInput { member: id(*m), kind: *kind, monthly: *monthly })
                .collect(),
            expenses: self.expenses.iter().map(|(kind, annual)| ExpenseInput { kind: *kind, annual: *annual }).collect(),
            assets: Some(self.assets.clone()),
            supporters: self.supporters.clone(),
            receiving: self.receiving.clone(),
            emergency: self.emergency,
        }
    }
}

/// `YYYY-MM-DD`, exactly (what `%Y-%m-%d` accepts for four-digit years), without chrono's format
/// machinery, which took a tenth of the parse of a situation.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| if c.is_ascii_digit() { Some(acc * 10 + u32::from(c - b'0')) } else { None })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    NaiveDate::from_ymd_opt(y as i32, m, d)
}
