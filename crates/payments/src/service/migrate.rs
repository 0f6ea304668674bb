//! 存量对象迁移: the households already receiving 低保/特困 when jiuzhu is installed, taken over
//! from the system the county used before: each becomes a closed, approved case recording the
//! old decision and a benefit in force from its start month, so the month's payroll pays it.
//! Whole or nothing: one problem in the list and nothing is taken over.

use super::*;
use crate::recipients::{RecipientRow, RowProblem};
use chrono::{Months, NaiveDate, Utc};
use jiuzhu_domain::BankAccount;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::payment::{Programme, month_label};
use jiuzhu_domain::{Fen, Role};
use std::collections::HashSet;

/// One recipient to take over, as the registry knows the household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub household_id: i64,
    /// The household's village (户籍).
    pub region: RegionCode,
    /// The head's name, as the case names its applicant.
    pub applicant: String,
    pub programme: Programme,
    /// The first month the old system paid.
    pub since: NaiveDate,
    pub amount: Fen,
    /// The account the old system paid to (replaces the registry's when it differs).
    pub account: Option<BankAccount>,
}

/// The first periodic review after `today`: a whole number of years after the start.
fn next_review(since: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let mut next = since.checked_add_months(Months::new(12))?;
    while next <= today {
        next = next.checked_add_months(Months::new(12))?;
    }
    Some(next)
}

impl Payments {
    /// Finds each row's household in the registry by the ID number and checks the name, that
    /// the household has no benefit of that programme in force, and that the list names it
    /// once (across all the files the rows came from). Returns what to take over, or every
    /// problem found, each with the index of its row in `rows` (the caller knows the files).
    pub async fn resolve_recipients(&self, rows: &[RecipientRow]) -> Result<std::result::Result<Vec<Migration>, Vec<(usize, RowProblem)>>> {
        let mut problems = Vec::new();
        let mut out = Vec::with_capacity(rows.len());
        let mut seen = HashSet::new();
        for (i, r) in rows.iter().enumerate() {
            let mut problem = |p: RowProblem| problems.push((i, p));
            let Some(household_id) = self.households.household_of_person(&r.id_number).await? else {
                problem(RowProblem::new(
                    r.row,
                    "id_number",
                    "该身份证号不在户籍登记中：请先登记该户（家庭信息）再导入",
                    "no one with this ID number is registered: register the household first",
                ));
                continue;
            };
            let Some(h) = self.households.household(household_id).await? else { continue };
            let Some(person) = h.members.iter().find(|m| m.data.id_number.as_str() == r.id_number) else { continue };
            if person.data.name.trim() != r.name {
                problem(RowProblem::new(
                    r.row,
                    "name",
                    format!("姓名与户籍登记不符（登记为“{}”）", jiuzhu_domain::mask::name(&person.data.name)),
                    "the name differs from the registry's for this ID number",
                ));
                continue;
            }
            if !seen.insert((household_id, r.programme)) {
                problem(RowProblem::new(
                    r.row,
                    "id_number",
                    format!("同一户的{}在名单中出现了两次", r.programme.zh()),
                    "the household appears twice in the list for this programme",
                ));
                continue;
            }
            let in_force = self.cases.household_benefits(household_id).await?;
            if in_force.iter().any(|b| b.kind == r.programme.kind() && b.status != BenefitStatus::Ended) {
                problem(RowProblem::new(
                    r.row,
                    "programme",
                    format!("该户已有在保的{}记录，不重复迁移", r.programme.zh()),
                    "the household already has this benefit in force",
                ));
                continue;
            }
            let applicant = h.members.first().map(|m| m.data.name.clone()).unwrap_or_default();
            out.push(Migration {
                household_id,
                region: h.data.hukou_region.clone(),
                applicant,
                programme: r.programme,
                since: r.since,
                amount: r.amount,
                account: r.account.clone(),
            });
        }
        Ok(if problems.is_empty() { Ok(out) } else { Err(problems) })
    }

    /// Takes the recipients over in one transaction (`source` names where the list came
    /// from, e.g. the file); returns how many.
    pub async fn migrate_recipients(&self, rows: &[Migration], source: &str) -> Result<usize> {
        let today = self.clock.today();
        let actor = Actor { account_id: None, username: format!("存量迁移：{source}") };
        let migrated: Vec<MigratedBenefit> = rows
            .iter()
            .map(|m| {
                let note = format!("迁移存量在保对象：自 {} 起每月 {} 元（来源：{source}）", month_label(m.since), m.amount);
                MigratedBenefit {
                    case: NewCase {
                        household_id: m.household_id,
                        region: m.region.clone(),
                        kind: m.programme.kind(),
                        purpose: Purpose::Application,
                        track: Track::Normal,
                        state: CaseState::Approved,
                        applicant: m.applicant.clone(),
                        opened_on: m.since,
                        accepted_on: Some(m.since),
                        step_started_on: m.since,
                        step_due: None,
                        overall_due: None,
                        due_role: None,
                        department: None,
                        contested: false,
                        near_relative: false,
                        extended: false,
                        spot_check_required: false,
                        benefit_id: None,
                        details: CaseDetails { request: note, ..Default::default() },
                    },
                    benefit: Benefit {
                        id: 0,
                        version: 0,
                        household_id: m.household_id,
                        region: m.region.clone(),
                        kind: m.programme.kind(),
                        case_id: 0,
                        monthly_amount: m.amount,
                        amount_from: m.since,
                        one_off_amount: Fen::ZERO,
                        since_month: m.since,
                        until_month: None,
                        status: BenefitStatus::Active,
                        next_review_on: next_review(m.since, today),
                        next_review_reason: ReviewReason::Periodic,
                        review_months: 12,
                        job_refusals: 0,
                        held_from: None,
                        created_at: Utc::now(),
                        updated_at: Utc::now(),
                    },
                    account: m.account.clone(),
                }
            })
            .collect();
        let event = NewCaseEvent {
            actor,
            role: Some(Role::CountyApprover),
            action: "migrate".into(),
            from_state: None,
            to_state: CaseState::Approved,
            note: format!("迁移存量在保对象（来源：{source}）"),
        };
        match self.cases.migrate_benefits(&migrated, &event).await {
            Ok(ids) => Ok(ids.len()),
            Err(StoreError::Conflict { constraint }) if constraint == "benefits_one_in_force" => Err(FieldError::new(
                "programme",
                "recipients.in_force",
                "名单中有的家庭已有在保记录（可能刚刚审批），未迁移任何对象，请重新导入以查看是哪一行",
                "a household in the list has a benefit in force already (perhaps just approved); nothing was taken over: import again to see which row",
            )
            .into()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_next_review_is_the_first_anniversary_after_today() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(next_review(d(2019, 3, 1), d(2027, 1, 15)), Some(d(2027, 3, 1)));
        assert_eq!(next_review(d(2019, 3, 1), d(2027, 3, 1)), Some(d(2028, 3, 1)), "on the day itself: the next year");
        assert_eq!(next_review(d(2026, 12, 1), d(2027, 1, 15)), Some(d(2027, 12, 1)));
    }
}
