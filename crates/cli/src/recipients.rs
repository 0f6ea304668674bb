//! 存量对象: the households already receiving 低保/特困 when jiuzhu is installed in the demo county,
//! as if migrated from the provincial system: about 6 % of households, each with a closed case
//! that records the old decision (迁移自省级系统), its start month and amount, and the fund
//! budgets of the year so the demo's payrolls can be approved. All synthetic.

use crate::Failure;
use chrono::{Datelike, Months, NaiveDate, Utc};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{FundSource, Programme};
use jiuzhu_domain::{Actor, Fen, RegionCode, Role};
use jiuzhu_store::*;

/// Per mille of households chosen (the issue: 5–8 %).
const SHARE_PER_MILLE: u64 = 60;

fn chosen(household_id: i64, seed: u64) -> bool {
    // A fixed mix (SplitMix64) of id and seed: the same households for the same seed.
    let mut z = (household_id as u64) ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 1000 < SHARE_PER_MILLE
}

/// Grants the migrated benefits; returns how many.
pub async fn seed_existing_recipients(
    store: &dyn Store,
    county: &RegionCode,
    seed: u64,
    as_of: NaiveDate,
) -> std::result::Result<usize, Failure> {
    let actor = Actor { account_id: None, username: "迁移自省级系统（演示）".into() };
    let mut after_id = 0;
    let mut granted = 0;
    loop {
        let page = store
            .search_households(&HouseholdQuery { scope: county.clone(), filter: HouseholdFilter::All, after_id, limit: 2_000 })
            .await?;
        let Some(last) = page.last() else { break };
        after_id = last.id;
        for s in page.iter().filter(|s| chosen(s.id, seed)) {
            let Some(h) = store.household(s.id).await? else { continue };
            let members = h.members.len() as i64;
            let oldest = h.members.iter().map(|m| m.data.birth_date).min().unwrap_or(as_of);
            // A single person of 60 or more: 特困 (分散供养); others 低保, 450 元 a member a month.
            let (kind, amount) = if members == 1 && as_of.year() - oldest.year() >= 60 {
                (AssistanceKind::Tekun, Fen::yuan(780))
            } else {
                (AssistanceKind::Dibao, Fen::yuan(450 * members))
            };
            let since = month_start(as_of).checked_sub_months(Months::new(1 + (s.id % 60) as u32)).unwrap_or(as_of);
            let village = h.data.hukou_region.clone();
            let head = h.members.first().map(|m| m.data.name.clone()).unwrap_or_default();
            let case = NewCase {
                household_id: s.id,
                region: village.clone(),
                kind,
                purpose: Purpose::Application,
                track: Track::Normal,
                state: CaseState::Approved,
                applicant: head,
                opened_on: since,
                accepted_on: Some(since),
                step_started_on: since,
                step_due: None,
                overall_due: None,
                due_role: None,
                department: None,
                contested: false,
                near_relative: false,
                extended: false,
                spot_check_required: false,
                benefit_id: None,
                details: CaseDetails { request: "迁移自省级系统的在保对象（演示数据）".into(), ..Default::default() },
            };
            let event = NewCaseEvent {
                actor: actor.clone(),
                role: Some(Role::CountyApprover),
                action: "migrate".into(),
                from_state: None,
                to_state: CaseState::Approved,
                note: format!("迁移存量在保对象：自 {} 起每月 {} 元", since.format("%Y-%m"), amount),
            };
            let id = store.insert_cases(&[case], &event).await?[0];
            let Some(c) = store.case(id).await? else { continue };
            let benefit = Benefit {
                id: 0,
                version: 0,
                household_id: s.id,
                region: village,
                kind,
                case_id: id,
                monthly_amount: amount,
                one_off_amount: Fen::ZERO,
                since_month: since,
                until_month: None,
                status: BenefitStatus::Active,
                next_review_on: since.checked_add_months(Months::new(12 * (1 + (as_of.year() - since.year()) as u32))),
                next_review_reason: ReviewReason::Periodic,
                review_months: 12,
                job_refusals: 0,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            };
            let step = NewCaseEvent { action: "migrate_benefit".into(), note: "在保记录".into(), ..event };
            // A household with a benefit in force already (a demo application) keeps that one.
            match store.update_case(&c, &step, Some(&BenefitChange::Grant(benefit))).await {
                Ok(_) => granted += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(granted)
}

/// The year's budgets of the demo county (made-up amounts, marked 演示).
pub async fn seed_budgets(store: &dyn Store, year: i32) -> std::result::Result<(), Failure> {
    let by = Actor { account_id: None, username: "演示数据生成".into() };
    for (programme, central, provincial, local) in [
        (Programme::Dibao, 60_000_000, 12_000_000, 8_000_000),
        (Programme::Tekun, 12_000_000, 3_000_000, 2_000_000),
        (Programme::Temporary, 3_000_000, 1_000_000, 1_000_000),
    ] {
        for (fund, yuan) in [(FundSource::Central, central), (FundSource::Provincial, provincial), (FundSource::Local, local)] {
            let memo = format!("{year} 年 {} 预算（演示文号）", programme.zh());
            store.add_budget(fund, programme, year, Fen::yuan(yuan), &memo, &by).await?;
        }
    }
    Ok(())
}
