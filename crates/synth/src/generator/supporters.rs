//! 赡养义务人 (supporters) outside the household: relatives who owe the household support and
//! whose own circumstances the 特困 rules look at.

use super::draws::{birth_for_age, whole_yuan};
use super::family::HouseholdShape;
use super::person::Person;
use crate::names;
use crate::rng::RngExt;
use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::{Relation, Sex, Supporter, SupporterStatus};
use rand::Rng;

/// Old heads without adult children at home have 1–3 children living elsewhere (6 % have none:
/// the childless, 五保-like); skipped-generation households list the grandchildren's parents;
/// 30 % of single parents the other parent.
pub(super) fn draw_supporters(
    r: &mut impl Rng,
    as_of: NaiveDate,
    people: &[Person],
    shape: HouseholdShape,
    lineage: &'static str,
) -> Vec<Supporter> {
    let head = &people[0];
    let adult_child_home = people.iter().any(|p| p.relation == Relation::Child && p.age >= 18);
    let count = match shape {
        HouseholdShape::SingleParent(_) => return other_parent(r, as_of, head, lineage),
        HouseholdShape::SkippedGeneration { .. } => r.between(1, 2),
        _ if head.age >= 60 && !adult_child_home => {
            if r.chance(0.06) {
                return Vec::new();
            }
            r.pick(&[(1u32, 30), (2, 40), (3, 30)])
        }
        _ => return Vec::new(),
    };
    children_elsewhere(r, as_of, head.age, count, lineage)
}

/// The children's other parent, listed by 30 % of single parents, about the head's age.
fn other_parent(r: &mut impl Rng, as_of: NaiveDate, head: &Person, lineage: &'static str) -> Vec<Supporter> {
    if !r.chance(0.3) {
        return Vec::new();
    }
    let relation = if head.sex == Sex::Male { "mother" } else { "father" };
    let age = (head.age as i64 + r.between(0, 6) as i64 - 3).max(22) as u32;
    let birth = birth_for_age(r, as_of, age);
    let name = supporter_name(r, relation, lineage, birth.year());
    vec![draw_supporter(r, name, relation, birth)]
}

/// `count` sons and daughters of a parent aged `parent_age`, 22–34 years younger, siblings 1–5
/// years apart, at least 20.
fn children_elsewhere(r: &mut impl Rng, as_of: NaiveDate, parent_age: u32, count: u32, lineage: &'static str) -> Vec<Supporter> {
    let mut out = Vec::with_capacity(count as usize);
    let mut age = parent_age.saturating_sub(r.between(22, 34)).max(20);
    for j in 0..count {
        if j > 0 {
            age = age.saturating_sub(r.between(1, 5)).max(20);
        }
        let relation = if r.chance(0.55) { "son" } else { "daughter" };
        let birth = birth_for_age(r, as_of, age);
        let name = supporter_name(r, relation, lineage, birth.year());
        out.push(draw_supporter(r, name, relation, birth));
    }
    out
}

fn draw_supporter(r: &mut impl Rng, name: String, relation: &str, birth: NaiveDate) -> Supporter {
    // Mostly ordinary earners; ~8 % on 低保 themselves (特困 art. 8 makes that matter).
    let status = r.pick(&[(SupporterStatus::None, 915), (SupporterStatus::Dibao, 80), (SupporterStatus::Tekun, 5)]);
    // Per-capita income of the supporter's own household: log-normal around 16,000 元/年
    // (above 庄浪's rural ~12,000 because children who left work in towns and cities).
    let income = match status {
        SupporterStatus::None => r.lognormal(16_000.0, 0.6),
        _ => r.between(2_500, 6_000) as f64,
    };
    Supporter {
        name,
        relation: relation.to_string(),
        birth_date: Some(birth),
        status,
        severe_disability: r.chance(0.02),
        incapacitated: r.chance(0.005),
        missing: r.chance(0.005),
        imprisoned: r.chance(0.005),
        annual_income_per_capita: Some(whole_yuan(income)),
        assets_within_limits: r.pick(&[(Some(true), 75), (Some(false), 15), (None, 10)]),
    }
}

/// A supporter's name: sons and daughters carry the family surname (they are the head's
/// children); the other parent of a single parent's children has a surname of their own.
fn supporter_name(r: &mut impl Rng, relation: &str, lineage: &'static str, birth_year: i32) -> String {
    let (surname, sex) = match relation {
        "son" => (lineage, Sex::Male),
        "daughter" => (lineage, Sex::Female),
        "father" => (names::surname(r), Sex::Male),
        _ => (names::surname(r), Sex::Female),
    };
    format!("{surname}{}", names::given_name(r, sex, birth_year))
}
