//! A registered household (the registry's checked data) seen as a situation on a date: incomes
//! averaged over the income window, rigid spending over the past 12 months, assets summed.

use crate::situation::{AssetsInput, Member, Situation, SupporterInput, VehicleInput, VehicleKind};
use chrono::NaiveDate;
use jiuzhu_domain::{Asset, AssetKind, Expense, HouseholdData, Income, MemberData, Supporter, income_window};

/// The parts of a registered household the rules read.
pub struct RegistryHousehold<'a> {
    pub data: &'a HouseholdData,
    pub members: Vec<&'a MemberData>,
    pub incomes: &'a [Income],
    pub assets: &'a [Asset],
    pub expenses: &'a [Expense],
    pub supporters: &'a [Supporter],
}

/// The situation of `h` on `date`, averaging incomes over `window_months` months before it
/// (`dibao.income_window_months`).
pub fn situation_of(h: &RegistryHousehold, date: NaiveDate, window_months: u32) -> Situation {
    let (from, to) = income_window(date, window_months.max(1));
    let months = i64::from(window_months.max(1));
    // Sum per (member, kind) in the window, then the monthly average (rounded down to the fen).
    let mut sums: Vec<(Option<usize>, jiuzhu_domain::IncomeKind, i64)> = Vec::new();
    for i in h.incomes.iter().filter(|i| i.month >= from && i.month < to) {
        match sums.iter_mut().find(|s| s.0 == i.member && s.1 == i.kind) {
            Some(s) => s.2 += i.amount.0,
            None => sums.push((i.member, i.kind, i.amount.0)),
        }
    }
    let income = sums.into_iter().map(|(m, k, total)| (m, k, total / months)).collect();
    let (efrom, eto) = income_window(date, 12);
    let mut expenses: Vec<(jiuzhu_domain::ExpenseKind, i64)> = Vec::new();
    for e in h.expenses.iter().filter(|e| e.month >= efrom && e.month < eto) {
        match expenses.iter_mut().find(|x| x.0 == e.kind) {
            Some(x) => x.1 += e.amount.0,
            None => expenses.push((e.kind, e.amount.0)),
        }
    }
    let count = |k: AssetKind| h.assets.iter().filter(|a| a.kind == k).count() as i64;
    let vehicles = h
        .assets
        .iter()
        .filter_map(|a| {
            let kind = match a.kind {
                AssetKind::Car => VehicleKind::Car,
                AssetKind::Truck => VehicleKind::Truck,
                AssetKind::Motorcycle => VehicleKind::Motorcycle,
                AssetKind::EBike => VehicleKind::EBike,
                AssetKind::DisabilityVehicle => VehicleKind::DisabilityVehicle,
                _ => return None,
            };
            Some(VehicleInput { kind, value: a.value.0 })
        })
        .collect();
    let assets = AssetsInput {
        financial: h.assets.iter().filter(|a| a.kind.financial()).map(|a| a.value.0).sum(),
        residential_properties: count(AssetKind::ResidentialProperty),
        non_residential_properties: count(AssetKind::NonResidentialProperty),
        vehicles,
        business_registrations: count(AssetKind::BusinessRegistration),
    };
    let members = h
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| Member {
            id: format!("m{}", i + 1),
            birth_date: m.birth_date,
            relation: m.relation,
            living_together: m.living_together,
            excluded: m.excluded,
            disability: m.disability.as_ref().map(|d| crate::situation::DisabilityInput { kind: d.kind, grade: d.grade }),
            serious_illness: m.serious_illness,
            student: m.student,
            self_care_unmet: m.self_care.unmet(),
        })
        .collect();
    let supporters = h
        .supporters
        .iter()
        .map(|s| SupporterInput {
            relation: Some(s.relation.clone()),
            age: s.birth_date.and_then(|b| date.years_since(b)),
            status: Some(s.status),
            severe_disability: s.severe_disability,
            incapacitated: s.incapacitated,
            missing: s.missing,
            imprisoned: s.imprisoned,
            annual_income_per_capita: s.annual_income_per_capita.map(|f| f.0),
            assets_within_limits: s.assets_within_limits,
        })
        .collect();
    Situation {
        region: h.data.hukou_region.as_str().to_string(),
        date,
        area: h.data.area,
        overrides: Vec::new(),
        members,
        income,
        deductions: Vec::new(),
        expenses,
        assets,
        supporters,
        receiving: Vec::new(),
        emergency: None,
    }
}
