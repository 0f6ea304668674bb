//! 存量对象: the households already receiving 低保/特困 when jiuzhu is installed in the demo county,
//! as if migrated from the provincial system: about 6 % of households, each with a closed case
//! that records the old decision (迁移自省级系统), its start month and amount, and the fund
//! budgets of the year so the demo's payrolls can be approved. About a quarter of the 特困 live in
//! the county's welfare centre (集中供养): their money is routed to its account (收款安排). All
//! synthetic.

use crate::Failure;
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::payee::{CareTerms, PayeeDetails, PayeeRole};
use jiuzhu_domain::payment::{FundSource, Programme};
use jiuzhu_domain::{Actor, Fen, RegionCode};
use jiuzhu_payments::{Migration, Payments};
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

/// Takes over the demo county's existing recipients the way a county's list is taken over
/// (`jiuzhu import recipients`: the payments service, one transaction); returns how many, how
/// many of them are 特困 in 集中供养 (paid to the welfare centre's account) and how many are
/// cared for at home by a 照料护理人 (their care allowance paid to the carer).
pub async fn seed_existing_recipients(
    store: &std::sync::Arc<dyn Store>,
    county: &RegionCode,
    seed: u64,
    as_of: NaiveDate,
) -> std::result::Result<Seeded, Failure> {
    let mut after_id = 0;
    let mut chosen_rows = Vec::new();
    loop {
        let page = store
            .search_households(&HouseholdQuery { scope: county.clone(), filter: HouseholdFilter::All, after_id, limit: 2_000 })
            .await?;
        let Some(last) = page.last() else { break };
        after_id = last.id;
        for s in page.iter().filter(|s| chosen(s.id, seed)) {
            // A household with a benefit in force already (a demo application) keeps that one.
            if !store.household_benefits(s.id).await?.is_empty() {
                continue;
            }
            let Some(h) = store.household(s.id).await? else { continue };
            let members = h.members.len() as i64;
            let oldest = h.members.iter().map(|m| m.data.birth_date).min().unwrap_or(as_of);
            // A single person of 60 or more: 特困; others 低保, 450 元 a member a month.
            let (programme, amount) = if members == 1 && as_of.year() - oldest.year() >= 60 {
                (Programme::Tekun, Fen::yuan(780))
            } else {
                (Programme::Dibao, Fen::yuan(450 * members))
            };
            chosen_rows.push(Migration {
                household_id: s.id,
                region: h.data.hukou_region.clone(),
                applicant: h.members.first().map(|m| m.data.name.clone()).unwrap_or_default(),
                programme,
                since: month_start(as_of).checked_sub_months(Months::new(1 + (s.id % 60) as u32)).unwrap_or(as_of),
                amount,
                account: None,
            });
        }
    }
    let payments = Payments::new(store, crate::services::accounts(store), std::sync::Arc::new(jiuzhu_domain::SystemClock));
    let taken = payments.migrate_recipients(&chosen_rows, "省级系统（演示）").await.map_err(|e| Failure::other(e.to_string()))?;
    let by = Actor { account_id: None, username: "演示数据生成".into() };
    let (mut in_care, mut cared_at_home) = (0, 0);
    let next_month = month_start(as_of).checked_add_months(Months::new(1)).unwrap_or(as_of);
    for r in chosen_rows.iter().filter(|r| r.programme == Programme::Tekun) {
        if r.household_id % 4 == 0 {
            store.set_payee(r.household_id, &welfare_centre(), &by, as_of).await?;
            in_care += 1;
        } else if r.household_id % 8 == 1 {
            store.set_payee(r.household_id, &village_carer(r.household_id, next_month), &by, as_of).await?;
            cared_at_home += 1;
        }
    }
    Ok(Seeded { taken, in_care, cared_at_home })
}

/// What the demo's recipients came to.
pub struct Seeded {
    pub taken: usize,
    /// 集中供养: paid to the welfare centre.
    pub in_care: usize,
    /// 分散供养 with a 照料护理人 from next month.
    pub cared_at_home: usize,
}

/// One of two made-up village carers (their ID numbers and cards only pass their check digits)
/// under a 委托照料服务协议 from `from`, paid 甘肃's 半护理 standard, 280 元 a month
/// (policies/regions/620000.yaml, `tekun.care.partial`).
fn village_carer(household_id: i64, from: NaiveDate) -> PayeeDetails {
    let (name, code, account_no) = if household_id % 16 == 1 {
        ("马秀兰（演示）", "620825196804120029", "6228480099000000036")
    } else {
        ("李春花（演示）", "620825197209150041", "6228480099000000044")
    };
    PayeeDetails {
        role: PayeeRole::Carer,
        name: name.into(),
        code: code.into(),
        bank: "农村商业银行".into(),
        account_no: account_no.into(),
        basis: format!("委托照料服务协议（演示）第 {household_id} 号"),
        care: Some(CareTerms { monthly: Fen::yuan(280), from_month: from }),
    }
}

/// The demo county's 特困人员供养服务机构 (a made-up unit: its credit code and card only pass
/// their check digits).
fn welfare_centre() -> PayeeDetails {
    PayeeDetails {
        role: PayeeRole::Institution,
        name: "县社会福利中心（演示）".into(),
        code: "12620825MB00000012".into(),
        bank: "农村商业银行".into(),
        account_no: "6228480099000000010".into(),
        basis: "集中供养协议（演示）".into(),
        care: None,
    }
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
