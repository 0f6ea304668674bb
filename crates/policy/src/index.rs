//! 困难指数 (difficulty index, seed 000): five dimensions scored 0–100 each — income and
//! expenditure, health, education, living conditions, labour capacity — combined with
//! regional weights into a score 0–100 and a level. Higher means harder.

use crate::rules::{Facts, Params};
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifficultyIndex {
    pub score: u8,
    /// `extreme` 特别困难 (≥ 80), `severe` 比较困难 (60–79), `moderate` 一般困难 (40–59), `low` 困难程度较低 (< 40).
    pub level: &'static str,
    pub level_zh: &'static str,
    pub dimensions: Dimensions,
    pub weights: [i64; 5],
}

pub fn level(score: u8) -> (&'static str, &'static str) {
    match score {
        80.. => ("extreme", "特别困难"),
        60..=79 => ("severe", "比较困难"),
        40..=59 => ("moderate", "一般困难"),
        _ => ("low", "困难程度较低"),
    }
}

fn clamp(x: i64) -> u8 {
    x.clamp(0, 100) as u8
}

pub fn difficulty_index(s: &Situation, f: &Facts, p: &Params) -> DifficultyIndex {
    let n = f.counted.max(1);
    // Income: 100 at no income, 0 at twice the standard per head; rigid spending adds up to 30.
    let line2 = 2 * p.standard * n;
    let income_part = if line2 > 0 { 100 - (f.income.min(line2) * 100 / line2) } else { 0 };
    let annual = (f.income * 12).max(1);
    let spend_part = (f.expenses_annual * 30 / annual).min(30);
    let income = clamp(income_part * 7 / 10 + spend_part);
    // Health: the heaviest member counts most, others add.
    let mut per: Vec<i64> = s
        .members
        .iter()
        .zip(&f.members)
        .filter(|(_, m)| m.counted)
        .map(|(m, mf)| {
            let dis = match m.disability.map(|d| d.grade) {
                Some(1) => 60,
                Some(2) => 50,
                Some(3) => 30,
                Some(4) => 15,
                _ => 0,
            };
            let ill = if m.serious_illness { 50 } else { 0 };
            let care = i64::from(mf.self_care_unmet) * 8;
            dis.max(ill) + care
        })
        .collect();
    per.sort_unstable_by(|a, b| b.cmp(a));
    let health = clamp(per.first().copied().unwrap_or(0) + per.iter().skip(1).sum::<i64>() / 2);
    // Education: each student weighs by stage; college costs most.
    let edu: i64 = s
        .members
        .iter()
        .filter(|m| m.counted())
        .filter_map(|m| m.student)
        .map(|st| match st {
            jiuzhu_domain::Student::Compulsory => 20,
            jiuzhu_domain::Student::HighSchool | jiuzhu_domain::Student::Vocational => 35,
            _ => 50,
        })
        .sum();
    let education = clamp(edu);
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
    let living = clamp(living);
    // Labour: share of counted members who cannot work.
    let unable = f.members.iter().filter(|m| m.counted && m.no_capacity.is_some()).count() as i64;
    let labour = clamp(unable * 100 / n);
    let d = Dimensions { income, health, education, living, labour };
    let w = p.weights;
    let total_w: i64 = w.iter().sum::<i64>().max(1);
    let weighted = i64::from(d.income) * w[0]
        + i64::from(d.health) * w[1]
        + i64::from(d.education) * w[2]
        + i64::from(d.living) * w[3]
        + i64::from(d.labour) * w[4];
    let score = clamp((weighted + total_w / 2) / total_w);
    let (lv, lz) = level(score);
    DifficultyIndex { score, level: lv, level_zh: lz, dimensions: d, weights: w }
}
