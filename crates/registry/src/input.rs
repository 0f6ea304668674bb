//! What forms and the API send to create a household or replace its records, and how it is
//! checked. Every error names its field path (`incomes[3].amount`).

use chrono::NaiveDate;
use jiuzhu_domain::*;
use jiuzhu_store::{AssetRecord, IncomeRecord, Records};
use serde::{Deserialize, Serialize};

/// A whole new household: household facts, members (head first) and records. In
/// `incomes[].member` and `assets[].member` the number is the member's index in `members`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NewHouseholdInput {
    #[serde(flatten)]
    pub household: HouseholdInput,
    pub members: Vec<MemberInput>,
    #[serde(flatten)]
    pub records: RecordsInput,
}

/// Income, asset, expense and supporter records. For an existing household, `member` is the
/// member's id; for a new one, the member's index in the list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RecordsInput {
    pub incomes: Vec<IncomeInput>,
    pub assets: Vec<AssetInput>,
    pub expenses: Vec<ExpenseInput>,
    pub supporters: Vec<SupporterInput>,
    /// 申报"无": the parts (`incomes`, `assets`, `expenses`, `supporters`) the household declared
    /// empty. A part with no rows that is not listed here stays undeclared.
    pub declared_none: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct IncomeInput {
    pub member: Option<i64>,
    pub kind: String,
    /// `YYYY-MM`
    pub month: String,
    /// Fen.
    pub amount: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AssetInput {
    pub member: Option<i64>,
    pub kind: String,
    /// Fen.
    pub value: i64,
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ExpenseInput {
    pub kind: String,
    pub month: String,
    pub amount: i64,
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SupporterInput {
    pub name: String,
    pub relation: String,
    pub birth_date: Option<NaiveDate>,
    pub status: Option<String>,
    pub severe_disability: bool,
    pub incapacitated: bool,
    pub missing: bool,
    pub imprisoned: bool,
    /// Fen per year.
    pub annual_income_per_capita: Option<i64>,
    pub assets_within_limits: Option<bool>,
}

fn member_ref<T>(e: &mut ValidationErrors, field: &str, member: Option<i64>, resolve: &dyn Fn(i64) -> Option<T>) -> Option<Option<T>> {
    match member {
        None => Some(None),
        Some(m) => match resolve(m) {
            Some(t) => Some(Some(t)),
            None => {
                e.push(FieldError::new(
                    field,
                    "member.unknown",
                    format!("成员 {m} 不属于本户"),
                    format!("member {m} is not in this household"),
                ));
                None
            }
        },
    }
}

impl RecordsInput {
    fn check<T: Copy>(&self, today: NaiveDate, resolve: &dyn Fn(i64) -> Option<T>) -> Result<Checked<T>, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let mut out = Checked { incomes: vec![], assets: vec![], expenses: vec![], supporters: vec![], none: vec![] };
        for (i, code) in self.declared_none.iter().enumerate() {
            if let Some(part) = e.take(Section::parse_field(&format!("declared_none[{i}]"), code))
                && !out.none.contains(&part)
            {
                let rows = match part {
                    Section::Incomes => self.incomes.len(),
                    Section::Assets => self.assets.len(),
                    Section::Expenses => self.expenses.len(),
                    Section::Supporters => self.supporters.len(),
                };
                if rows > 0 {
                    e.push(FieldError::new(
                        part.as_str(),
                        "declaration.none_with_rows",
                        format!("已勾选“{}”，却又填写了 {rows} 条{}：请删去这些记录或取消勾选", part.none_zh(), part.zh()),
                        format!("\"{}\" is ticked but {rows} {} rows are filled in: remove them or untick it", part.none_en(), part.en()),
                    ));
                }
                out.none.push(part);
            }
        }
        for (i, x) in self.incomes.iter().enumerate() {
            let f = |n: &str| format!("incomes[{i}].{n}");
            let member = member_ref(&mut e, &f("member"), x.member, resolve);
            let kind = e.take(IncomeKind::parse_field(&f("kind"), &x.kind));
            let month = e.take(parse_month(&f("month"), &x.month, today));
            let amount = e.take(Fen(x.amount).non_negative(&f("amount")));
            if let (Some(member), Some(kind), Some(month), Some(amount)) = (member, kind, month, amount) {
                out.incomes.push((member, kind, month, amount));
            }
        }
        for (i, x) in self.assets.iter().enumerate() {
            let f = |n: &str| format!("assets[{i}].{n}");
            let member = member_ref(&mut e, &f("member"), x.member, resolve);
            let kind = e.take(AssetKind::parse_field(&f("kind"), &x.kind));
            let value = e.take(Fen(x.value).non_negative(&f("value")));
            if let (Some(member), Some(kind), Some(value)) = (member, kind, value) {
                out.assets.push((member, kind, value, x.description.trim().to_string()));
            }
        }
        for (i, x) in self.expenses.iter().enumerate() {
            let f = |n: &str| format!("expenses[{i}].{n}");
            let kind = e.take(ExpenseKind::parse_field(&f("kind"), &x.kind));
            let month = e.take(parse_month(&f("month"), &x.month, today));
            let amount = e.take(Fen(x.amount).non_negative(&f("amount")));
            if let (Some(kind), Some(month), Some(amount)) = (kind, month, amount) {
                out.expenses.push(Expense { kind, month, amount, description: x.description.trim().to_string() });
            }
        }
        for (i, x) in self.supporters.iter().enumerate() {
            let f = |n: &str| format!("supporters[{i}].{n}");
            if x.name.trim().is_empty() {
                e.push(FieldError::new(f("name"), "required", "姓名不能为空", "name is required"));
            }
            if x.birth_date.is_some_and(|d| d > today) {
                e.push(FieldError::new(f("birth_date"), "date.future", "出生日期不能晚于今天", "birth date cannot be in the future"));
            }
            let status = match x.status.as_deref() {
                None | Some("") => Some(SupporterStatus::None),
                Some(s) => e.take(SupporterStatus::parse_field(&f("status"), s)),
            };
            let income = match x.annual_income_per_capita {
                None => Some(None),
                Some(v) => e.take(Fen(v).non_negative(&f("annual_income_per_capita"))).map(Some),
            };
            if let (Some(status), Some(income)) = (status, income) {
                out.supporters.push(Supporter {
                    name: x.name.trim().to_string(),
                    relation: x.relation.trim().to_string(),
                    birth_date: x.birth_date,
                    status,
                    severe_disability: x.severe_disability,
                    incapacitated: x.incapacitated,
                    missing: x.missing,
                    imprisoned: x.imprisoned,
                    annual_income_per_capita: income,
                    assets_within_limits: x.assets_within_limits,
                });
            }
        }
        e.into_result()?;
        Ok(out)
    }

    /// Checks records of an existing household whose member ids are `member_ids`, declared
    /// today and taken by `by` (a display name).
    pub fn validate(&self, member_ids: &[i64], today: NaiveDate, by: &str) -> Result<Records, ValidationErrors> {
        let c = self.check(today, &|m| member_ids.contains(&m).then_some(m))?;
        Ok(Records {
            declaration: Some(Declaration { on: today, by: by.to_string(), none: c.none }),
            incomes: c
                .incomes
                .into_iter()
                .map(|(member_id, kind, month, amount)| IncomeRecord { member_id, kind, month, amount })
                .collect(),
            assets: c
                .assets
                .into_iter()
                .map(|(member_id, kind, value, description)| AssetRecord { member_id, kind, value, description })
                .collect(),
            expenses: c.expenses,
            supporters: c.supporters,
        })
    }
}

struct Checked<T> {
    incomes: Vec<(Option<T>, IncomeKind, NaiveDate, Fen)>,
    assets: Vec<(Option<T>, AssetKind, Fen, String)>,
    expenses: Vec<Expense>,
    supporters: Vec<Supporter>,
    none: Vec<Section>,
}

impl RecordsInput {
    /// Whether anything was declared at all (rows, or a part declared empty).
    pub fn is_empty(&self) -> bool {
        self.incomes.is_empty()
            && self.assets.is_empty()
            && self.expenses.is_empty()
            && self.supporters.is_empty()
            && self.declared_none.is_empty()
    }
}

impl NewHouseholdInput {
    /// Checks a new household registered today by `by` (a display name); it carries a
    /// declaration only when its records or "none" parts were sent.
    pub fn validate(&self, today: NaiveDate, by: &str) -> Result<NewHousehold, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let data = match self.household.validate() {
            Ok(d) => Some(d),
            Err(x) => {
                e.0.extend(x.0);
                None
            }
        };
        let mut members = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            match m.validate(&format!("members[{i}]"), today) {
                Ok(m) => members.push(m),
                Err(x) => e.0.extend(x.0),
            }
        }
        if e.is_empty()
            && let Err(x) = check_members(&members)
        {
            e.0.extend(x.0);
        }
        let n = self.members.len();
        let records = match self.records.check(today, &|m| usize::try_from(m).ok().filter(|i| *i < n)) {
            Ok(r) => Some(r),
            Err(x) => {
                e.0.extend(x.0);
                None
            }
        };
        // A part is missing only where its errors are in `e`.
        let (Some(data), Some(r)) = (data, records) else {
            return Err(e);
        };
        e.into_result()?;
        Ok(NewHousehold {
            data,
            members,
            incomes: r.incomes.into_iter().map(|(member, kind, month, amount)| Income { member, kind, month, amount }).collect(),
            assets: r.assets.into_iter().map(|(member, kind, value, description)| Asset { member, kind, value, description }).collect(),
            expenses: r.expenses,
            supporters: r.supporters,
            declaration: (!self.records.is_empty()).then(|| Declaration { on: today, by: by.to_string(), none: r.none }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// 申报"无" is a declaration of its own: a part ticked "none" that also has rows is refused by
    /// name; unknown parts are named; the declaration records who and when.
    #[test]
    fn a_part_declared_none_has_no_rows() {
        let income = IncomeInput { member: None, kind: "wage".into(), month: "2026-10".into(), amount: 100 };
        let both = RecordsInput { incomes: vec![income.clone()], declared_none: vec!["incomes".into()], ..Default::default() };
        let e = both.validate(&[], d("2026-11-30"), "窗口").unwrap_err();
        assert_eq!((e.0[0].field.as_str(), e.0[0].code), ("incomes", "declaration.none_with_rows"));
        let odd = RecordsInput { declared_none: vec!["pets".into()], ..Default::default() };
        assert_eq!(odd.validate(&[], d("2026-11-30"), "窗口").unwrap_err().0[0].field, "declared_none[0]");
        let ok = RecordsInput { incomes: vec![income], declared_none: vec!["assets".into(), "assets".into()], ..Default::default() };
        let r = ok.validate(&[], d("2026-11-30"), "窗口").unwrap();
        assert_eq!(r.declaration, Some(Declaration { on: d("2026-11-30"), by: "窗口".into(), none: vec![Section::Assets] }));
        assert!(r.declared(Section::Incomes) && r.declared(Section::Assets) && !r.declared(Section::Expenses));
    }
}
