//! The check rules as a table (`rules.yaml`), OpenFisca style: each case gives what a household
//! declared and what the feeds say, and the findings expected.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::{Datelike, NaiveDate};
use jiuzhu_verify::check::{Count, Latest, Sum, assess};
use jiuzhu_verify::{Declared, DeclaredMember, MemberFacts, Rules};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    declared: DeclaredIn,
    facts: Vec<FactsIn>,
    expect: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct DeclaredIn {
    members: Vec<MemberIn>,
    vehicles: u32,
    businesses: u32,
    properties: u32,
    financial: i64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct MemberIn {
    income: i64,
    disability_grade: Option<u8>,
    student: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FactsIn {
    contributions: i64,
    tax: i64,
    fund: i64,
    deposits: i64,
    medical: i64,
    loss: i64,
    vehicles: u32,
    businesses: u32,
    properties: u32,
    enrolled: u32,
    died: Option<NaiveDate>,
    severe: Option<NaiveDate>,
    left: Option<NaiveDate>,
    jobloss: Option<NaiveDate>,
}

impl FactsIn {
    fn facts(&self) -> MemberFacts {
        let mut f = MemberFacts::default();
        f.sums[Sum::Contributions as usize] = self.contributions;
        f.sums[Sum::TaxIncome as usize] = self.tax;
        f.sums[Sum::HousingFund as usize] = self.fund;
        f.sums[Sum::Deposits as usize] = self.deposits;
        f.sums[Sum::MedicalSelfPay as usize] = self.medical;
        f.sums[Sum::DisasterLoss as usize] = self.loss;
        f.counts[Count::Vehicles as usize] = self.vehicles;
        f.counts[Count::Businesses as usize] = self.businesses;
        f.counts[Count::Properties as usize] = self.properties;
        f.counts[Count::Enrolled as usize] = self.enrolled;
        let day = |d: Option<NaiveDate>| d.map_or(0, |d| d.num_days_from_ce());
        f.latest[Latest::Died as usize] = day(self.died);
        f.latest[Latest::SevereDisability as usize] = day(self.severe);
        f.latest[Latest::LeftSchool as usize] = day(self.left);
        f.latest[Latest::JobLoss as usize] = day(self.jobloss);
        f
    }
}

#[test]
fn every_rule_at_its_boundaries() {
    let cases: Vec<Case> = serde_norway::from_str(include_str!("rules.yaml")).unwrap();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let rules = Rules::default();
    let mut failures = Vec::new();
    for c in &cases {
        let declared = Declared {
            members: c
                .declared
                .members
                .iter()
                .map(|m| DeclaredMember { income: m.income, disability_grade: m.disability_grade, student: m.student })
                .collect(),
            vehicles: c.declared.vehicles,
            businesses: c.declared.businesses,
            properties: c.declared.properties,
            financial: c.declared.financial,
        };
        let facts: Vec<MemberFacts> = c.facts.iter().map(FactsIn::facts).collect();
        let got: Vec<String> = assess(&declared, &facts, &rules)
            .iter()
            .map(|f| match f.member {
                Some(m) => format!("{}@{m}", f.kind.as_str()),
                None => f.kind.as_str().to_string(),
            })
            .collect();
        if got != c.expect {
            failures.push(format!("{}: expected {:?}, got {:?}", c.name, c.expect, got));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
