//! 困难指数 (difficulty index, seed 000): five dimensions scored 0–100 each — income and
//! expenditure, health, education, living conditions, labour capacity — combined with
//! regional weights into a score 0–100 and a level. Higher means harder.

use crate::params::Params;
use crate::rules::Facts;
use crate::situation::Situation;
use serde::Serialize;

/// The five dimensions' scores, 0–100 each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dimensions {
    /// 收支: per-capita income against the standard, and rigid spending against income.
    pub income: u8,
    /// 健康: disability, serious and chronic illness, self-care.
    pub health: u8,
    /// 教育: students in the household.
    pub education: u8,
    /// 居住与生活: housing, people living alone, household size.
    pub living: u8,
    /// 劳动能力: share of members who cannot work.
    pub labour: u8,
}

/// 困难指数: the weighted score, its level and the parts it was made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifficultyIndex {
    pub score: u8,
    /// `extreme` 特别困难 (≥ 80), `severe` 比较困难 (60–79), `moderate` 一般困难 (40–59), `low` 困难程度较低 (< 40).
    pub level: &'static str,
    pub level_zh: &'static str,
    pub dimensions: Dimensions,
    pub weights: [i64; 5],
}

/// The level of a score: (code, Chinese name).
pub fn level(score: u8) -> (&'static str, &'static str) {
    match score {
        80.. => ("extreme", "特别困难"),
        60..=79 => ("severe", "比较困难"),
        40..=59 => ("moderate", "一般困难"),
        _ => ("low", "困难程度较低"),
    }
}

/// Points capped to a 0–100 score.
fn score(points: i64) -> u8 {
    points.clamp(0, 100) as u8
}

/// The index of a household from its situation and facts, weighted by the region's parameters.
pub fn difficulty_index(s: &Situation, f: &Facts, p: &Params) -> DifficultyIndex {
    let members = f.counted.max(1);
    // Income: 100 at no income, 0 at twice the standard per head; rigid spending adds up to 30.
    let twice_line = 2 * p.standard * members;
    let income_part = if twice_line > 0 { 100 - (f.income.min(twice_line) * 100 / twice_line) } else { 0 };
    let annual_income = (f.income * 12).max(1);
    let spending_part = (f.expenses_annual * 30 / annual_income).min(30);
    let income = score(income_part * 7 / 10 + spending_part);
    // Health: the heaviest member counts most, others add.
    let mut member_health: Vec<i64> = s
        .members
        .iter()
        .zip(&f.members)
        .filter(|(_, m)| m.counted)
        .map(|(m, member_facts)| {
            let disability = match m.disability.map(|d| d.grade) {
                Some(1) => 60,
                Some(2) => 50,
                Some(3) => 30,
                Some(4) => 15,
                _ => 0,
            };
            let illness = if m.serious_illness { 50 } else { 0 };
            let care = i64::from(member_facts.self_care_unmet) * 8;
            disability.max(illness) + care
        })
        .collect();
    member_health.sort_unstable_by(|a, b| b.cmp(a));
    let health = score(member_health.first().copied().unwrap_or(0) + member_health.iter().skip(1).sum::<i64>() / 2);
    // Education: each student weighs by stage; college costs most.
    let education_points: i64 = s
        .members
        .iter()
        .filter(|m| m.counted())
        .filter_map(|m| m.student)
        .map(|student| match student {
            jiuzhu_domain::Student::Compulsory => 20,
            jiuzhu_domain::Student::HighSchool | jiuzhu_domain::Student::Vocational => 35,
            _ => 50,
        })
        .sum();
    let education = score(education_points);
    // Living: no house, living alone while old or disabled, large households.
    let mut living = 0;
    if f.residential == 0 {
        living += 50;
    }
    if f.counted == 1 && f.members.iter().any(|m| m.counted && m.no_capacity.is_some()) {
        living += 30;
    }
    if f.counted >= 5 {
        living += 20;
    }
    let living = score(living);
    // Labour: share of counted members who cannot work.
    let unable = f.members.iter().filter(|m| m.counted && m.no_capacity.is_some()).count() as i64;
    let labour = score(unable * 100 / members);
    let dimensions = Dimensions { income, health, education, living, labour };
    let weights = p.weights;
    let total_weight: i64 = weights.iter().sum::<i64>().max(1);
    let weighted = i64::from(dimensions.income) * weights[0]
        + i64::from(dimensions.health) * weights[1]
        + i64::from(dimensions.education) * weights[2]
        + i64::from(dimensions.living) * weights[3]
        + i64::from(dimensions.labour) * weights[4];
    // Rounded half up to a whole point.
    let total = score((weighted + total_weight / 2) / total_weight);
    let (level_code, level_zh) = level(total);
    DifficultyIndex { score: total, level: level_code, level_zh, dimensions, weights }
}
