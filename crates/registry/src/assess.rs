//! 研判: the policy engine run on a registered household, with authorisation and the result kept.

use crate::{Registry, RegistryError, Result};
use chrono::NaiveDate;
use jiuzhu_domain::{Action, ObjectKind, User};
use jiuzhu_domain::{FieldError, Permission};
use jiuzhu_policy::registry::{RegistryHousehold, situation_of};
use jiuzhu_policy::{Assessment, Params, Policies, bulk};
use jiuzhu_store::{AssessmentRecord, Household, NewAssessment};

/// A household's parts as the policy engine reads them (member references become indexes).
pub fn situation(h: &Household, date: NaiveDate, window_months: u32) -> jiuzhu_policy::Situation {
    let index = |id: Option<i64>| id.and_then(|id| h.members.iter().position(|m| m.id == id));
    let incomes: Vec<jiuzhu_domain::Income> = h
        .records
        .incomes
        .iter()
        .map(|i| jiuzhu_domain::Income { member: index(i.member_id), kind: i.kind, month: i.month, amount: i.amount })
        .collect();
    let assets: Vec<jiuzhu_domain::Asset> = h
        .records
        .assets
        .iter()
        .map(|a| jiuzhu_domain::Asset { member: index(a.member_id), kind: a.kind, value: a.value, description: a.description.clone() })
        .collect();
    let view = RegistryHousehold {
        data: &h.data,
        members: h.members.iter().map(|m| &m.data).collect(),
        incomes: &incomes,
        assets: &assets,
        expenses: &h.records.expenses,
        supporters: &h.records.supporters,
    };
    let mut s = situation_of(&view, date, window_months);
    // Staff read the result with the members' names (the page and the result are personal data
    // in the user's scope either way); a repeated name gets its position added.
    for (i, m) in h.members.iter().enumerate() {
        let taken = h.members[..i].iter().any(|o| o.data.name == m.data.name);
        s.members[i].id = if taken { format!("{}（{}）", m.data.name, i + 1) } else { m.data.name.clone() };
    }
    s
}

fn missing(m: jiuzhu_policy::Missing) -> RegistryError {
    RegistryError::Invalid(FieldError::new("parameters", "parameter.missing", m.zh(), m.en()).into())
}

/// Assesses `h` on `date` with `policies` (no authorisation: callers check).
pub fn assess_household(h: &Household, date: NaiveDate, policies: &Policies) -> Result<Assessment> {
    let region = h.data.hukou_region.as_str();
    let window = policies.lookup("dibao.income_window_months", region, date).map_err(missing)?.value;
    let s = situation(h, date, u32::try_from(window).unwrap_or(12));
    let p = Params::resolve(policies, region, date, s.area, &[]).map_err(missing)?;
    Ok(jiuzhu_policy::assess_with(&s, &p))
}

/// The stored form of an assessment.
#[allow(clippy::expect_used, reason = "an assessment is plain data with text keys: it always serialises")]
pub fn record_of(h: &Household, date: NaiveDate, a: &Assessment) -> NewAssessment {
    let flag = |p: jiuzhu_policy::Programme, bit: u8| if a.programme(p).status == jiuzhu_policy::Status::Eligible { bit } else { 0 };
    use jiuzhu_policy::Programme as P;
    NewAssessment {
        household_id: h.id,
        region: h.data.hukou_region.clone(),
        as_of: date,
        score: i64::from(a.difficulty_index.score),
        level: a.difficulty_index.level.to_string(),
        dibao: a.programme(P::Dibao).monthly_amount.unwrap_or(0),
        tekun: a.programme(P::Tekun).monthly_amount.unwrap_or(0),
        flags: i64::from(
            flag(P::Dibao, bulk::DIBAO)
                | flag(P::Tekun, bulk::TEKUN)
                | flag(P::DibaoEdge, bulk::EDGE)
                | flag(P::RigidExpense, bulk::RIGID)
                | flag(P::Temporary, bulk::TEMPORARY),
        ),
        result: serde_json::to_string(a).expect("an assessment serialises"),
    }
}

impl Registry {
    /// Assesses a household in the user's scope on `date` and keeps the result; returns the
    /// stored record's id with the result.
    pub async fn assess(&self, user: &User, id: i64, date: NaiveDate, policies: &Policies) -> Result<(i64, Assessment)> {
        self.require(user, Permission::AssessHousehold)?;
        let h = self.household_in_scope(user, id).await?;
        let a = assess_household(&h, date, policies)?;
        let ids = self.assessments.insert_assessments(&[record_of(&h, date, &a)], &user.actor()).await?;
        user.trail.action(Action::Create);
        user.trail.object(ObjectKind::Assessment, ids[0]);
        Ok((ids[0], a))
    }

    /// A household's stored assessments, newest first (for before/after comparison).
    pub async fn assessments(&self, user: &User, id: i64) -> Result<Vec<AssessmentRecord>> {
        self.get(user, id).await?;
        Ok(self.assessments.assessments(id).await?)
    }
}

/// Every household inside `scope` as a situation on `date`, keyed by its town (9-digit code),
/// read in batches. `progress` is told how many households were read so far.
pub async fn situations_in(
    store: &(impl jiuzhu_store::HouseholdStore + ?Sized),
    scope: &jiuzhu_domain::RegionCode,
    date: NaiveDate,
    policies: &Policies,
    mut progress: impl FnMut(usize),
) -> Result<Vec<(String, jiuzhu_policy::Situation)>> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.households_after(after, 2_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for h in batch.iter().filter(|h| h.data.hukou_region.is_within(scope)) {
            let region = h.data.hukou_region.as_str();
            let window = policies.lookup("dibao.income_window_months", region, date).map_err(missing)?.value;
            let town = region.get(..9).unwrap_or(region).to_string();
            out.push((town, situation(h, date, u32::try_from(window).unwrap_or(12))));
        }
        progress(out.len());
    }
    Ok(out)
}

impl Registry {
    /// What-if simulation over the households in the user's scope (aggregates only).
    pub async fn simulate(
        &self,
        user: &User,
        change: &jiuzhu_policy::simulate::Change,
        date: NaiveDate,
        policies: &Policies,
    ) -> Result<jiuzhu_policy::simulate::Report> {
        self.require(user, Permission::Simulate)?;
        let situations = situations_in(self.households.as_ref(), &user.scope.0, date, policies, |_| {}).await?;
        jiuzhu_policy::simulate::simulate(&situations, policies, change, date)
            .map_err(|e| RegistryError::Invalid(FieldError::new("parameter", "simulation", e.clone(), e).into()))
    }
}

/// The stored form of a registry-wide re-assessment: statuses, amounts and the index, without
/// the reasons (a county's or province's run would otherwise store kilobytes per household);
/// the household page runs a full explained assessment on demand.
pub fn compact_record_of(h: &Household, date: NaiveDate, a: &Assessment) -> NewAssessment {
    let programmes: Vec<serde_json::Value> = a
        .programmes
        .iter()
        .map(|p| {
            serde_json::json!({"programme": p.programme, "status": p.status, "monthly_amount": p.monthly_amount,
                               "amount": p.amount, "members": p.members, "receiving": p.receiving, "reasons": []})
        })
        .collect();
    let result = serde_json::json!({
        "region": a.region, "date": a.date, "household": a.household, "programmes": programmes,
        "difficulty_index": a.difficulty_index, "warnings": a.warnings, "batch": true,
    });
    NewAssessment { result: result.to_string(), ..record_of(h, date, a) }
}

/// Re-assesses every household inside `scope` on `date` and stores the results in batches
/// (each batch in one transaction). Returns how many were assessed.
pub async fn reassess_all(
    store: &(impl jiuzhu_store::HouseholdStore + jiuzhu_store::AssessmentStore + ?Sized),
    scope: &jiuzhu_domain::RegionCode,
    date: NaiveDate,
    policies: &Policies,
    actor: &jiuzhu_domain::Actor,
    mut progress: impl FnMut(usize),
) -> Result<usize> {
    let (mut after, mut done) = (0, 0);
    loop {
        let batch = store.households_after(after, 2_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let mut records = Vec::with_capacity(batch.len());
        for h in batch.iter().filter(|h| h.data.hukou_region.is_within(scope)) {
            records.push(compact_record_of(h, date, &assess_household(h, date, policies)?));
        }
        store.insert_assessments(&records, actor).await?;
        done += records.len();
        progress(done);
    }
    Ok(done)
}

impl Registry {
    /// Stored assessments compared between two dates, per town in the user's scope
    /// (aggregates only), with the dates that have assessments.
    pub async fn assessment_comparison(
        &self,
        user: &User,
        before: Option<NaiveDate>,
        after: Option<NaiveDate>,
    ) -> Result<(Vec<NaiveDate>, Vec<jiuzhu_store::AssessmentTotals>, Vec<jiuzhu_store::AssessmentTotals>)> {
        self.require(user, Permission::ReadStatistics)?;
        let dates = self.assessments.assessment_dates(&user.scope.0).await?;
        let after = after.or(dates.first().copied());
        let before = before.or(dates.get(1).copied());
        let totals = |d: Option<NaiveDate>| async move {
            match d {
                Some(d) => self.assessments.assessment_totals(&user.scope.0, d).await,
                None => Ok(Vec::new()),
            }
        };
        Ok((dates.clone(), totals(before).await?, totals(after).await?))
    }
}
