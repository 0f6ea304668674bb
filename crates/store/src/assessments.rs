//! 研判记录: the policy engine's results kept per household, and their totals by region.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::Actor;
use jiuzhu_domain::RegionCode;
use serde::Serialize;

/// An assessment to store (研判记录): the policy engine's result for a household on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessment {
    pub household_id: i64,
    /// The household's 户籍 region when assessed (for comparisons by region).
    pub region: RegionCode,
    pub as_of: NaiveDate,
    /// Difficulty index 0–100 and its level code.
    pub score: i64,
    pub level: String,
    /// Monthly 低保 and 特困 amounts (fen).
    pub dibao: i64,
    pub tekun: i64,
    /// Eligibility bits (see `jiuzhu_policy::bulk`).
    pub flags: i64,
    /// The whole result as JSON (assess-v1).
    pub result: String,
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentRecord {
    pub id: i64,
    pub household_id: i64,
    pub region: RegionCode,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub as_of: NaiveDate,
    pub score: i64,
    pub level: String,
    pub dibao: i64,
    pub tekun: i64,
    pub flags: i64,
    pub result: String,
}

/// Stored assessments of one date, summed for one town (or other region prefix).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssessmentTotals {
    pub region: String,
    pub households: i64,
    /// Mean difficulty index, in hundredths (6350 = 63.50).
    pub mean_score_x100: i64,
    /// Households at level `extreme` or `severe` (score ≥ 60).
    pub hard_households: i64,
    pub dibao_households: i64,
    pub dibao_monthly: i64,
    pub tekun_households: i64,
    pub tekun_monthly: i64,
}

#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// Stores assessments in one transaction (all or nothing); returns their ids.
    async fn insert_assessments(&self, assessments: &[NewAssessment], actor: &Actor) -> Result<Vec<i64>>;
    /// A household's assessments, newest first.
    async fn assessments(&self, household_id: i64) -> Result<Vec<AssessmentRecord>>;
    /// Assessments made for `as_of` inside `within`, summed per town (9-digit prefix), the latest
    /// one per household counting.
    async fn assessment_totals(&self, within: &RegionCode, as_of: NaiveDate) -> Result<Vec<AssessmentTotals>>;
    /// The dates that have stored assessments inside `within`, newest first.
    async fn assessment_dates(&self, within: &RegionCode) -> Result<Vec<NaiveDate>>;
}
