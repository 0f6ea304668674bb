//! A synthetic county loaded into a database: its divisions, households in batches, and an
//! account of every role (the demo, the seed command and the benchmarks share it).

use crate::Failure;
use crate::progress::progress;
use jiuzhu_domain::casework::Department;
use jiuzhu_domain::{Actor, Division, RegionCode, Role};
use jiuzhu_store::{HouseholdFilter, HouseholdQuery, NewAccount, Store};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// One line of `demo-accounts.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoAccount {
    pub role: String,
    pub username: String,
    pub password: String,
    pub region: String,
}

pub const ACCOUNTS_FILE: &str = "demo-accounts.json";

/// Households per insert transaction: large enough to amortise commits, small enough that
/// progress moves and memory stays flat.
const BATCH: usize = 1_000;

/// Loads regions for `county`, then `n` generated households, in batches, generation running
/// on another thread while the previous batch is written. Returns the time taken.
pub async fn load_population(
    store: &dyn Store,
    county: &RegionCode,
    n: usize,
    seed: u64,
    as_of: chrono::NaiveDate,
) -> Result<std::time::Duration, Failure> {
    load_population_with(store, county, n, seed, as_of, |_, _| {}).await
}

/// [`load_population`], each generated household passed through `edit` (with its number)
/// before it is stored: a benchmark gives every household an account, for one.
#[allow(clippy::expect_used, reason = "the county was checked above")]
pub async fn load_population_with(
    store: &dyn Store,
    county: &RegionCode,
    n: usize,
    seed: u64,
    as_of: chrono::NaiveDate,
    edit: fn(usize, &mut jiuzhu_domain::NewHousehold),
) -> Result<std::time::Duration, Failure> {
    let started = std::time::Instant::now();
    let divisions: Vec<Division> = Division::load(county);
    if divisions.is_empty() {
        return Err(Failure::input(format!("region {county}: not in the division list / 区划代码不存在")));
    }
    store.upsert_regions(&divisions).await?;
    let mut cfg = jiuzhu_synth::Config::new(n, seed, as_of);
    cfg.region = county.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<jiuzhu_domain::NewHousehold>>(4);
    let generator = tokio::task::spawn_blocking(move || {
        let g = jiuzhu_synth::Generator::with_divisions(&cfg, divisions).expect("county checked above");
        let mut batch = Vec::with_capacity(BATCH);
        g.each(|i, mut h| {
            edit(i, &mut h);
            batch.push(h);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let _ = tx.blocking_send(full);
            }
        });
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
    });
    let bar = progress(n as u64, "载入家庭 loading households");
    let actor = Actor::system("synthetic-population");
    while let Some(batch) = rx.recv().await {
        store.insert_households(&batch, &actor).await?;
        bar.inc(batch.len() as u64);
    }
    generator.await?;
    store.analyze().await?;
    bar.finish_and_clear();
    Ok(started.elapsed())
}

pub fn password() -> String {
    const ALNUM: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut r = rand::rng();
    let body: String = (0..8).map(|_| ALNUM[r.random_range(0..ALNUM.len())] as char).collect();
    format!("Jz{body}#{:02}", r.random_range(0..100))
}

/// The village of `town` with the most households (so a village account has work to see).
async fn busiest_village(store: &dyn Store, town: &RegionCode) -> Result<Option<RegionCode>, Failure> {
    let mut best: Option<(i64, RegionCode)> = None;
    for v in store.region_children(Some(town)).await? {
        let n = store.count_households(&v.code).await?;
        if best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, v.code));
        }
    }
    Ok(best.map(|(_, c)| c))
}

/// Demo accounts: county-wide roles (a department liaison for each department that answers
/// referrals), and for two towns a clerk, two investigators (a home survey needs two), two
/// reviewers (maker and checker where the town decides), and a village assistant for one village
/// of each.
pub async fn create_demo_accounts(store: &dyn Store, county: &RegionCode) -> Result<Vec<DemoAccount>, Failure> {
    let mut plan: Vec<(Role, String, RegionCode, Option<Department>)> = [
        Role::CountyApprover,
        Role::WindowClerk,
        Role::Leader,
        Role::Auditor,
        Role::DepartmentLiaison,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ]
    .into_iter()
    .map(|r| (r, format!("{}_county", r.as_str()), county.clone(), (r == Role::DepartmentLiaison).then_some(Department::MedicalSecurity)))
    .collect();
    // 举报受理员: two at the county, so that a report naming one still has the other.
    for username in ["complaint_handler_county", "complaint_handler_county_2"] {
        plan.push((Role::ComplaintHandler, username.to_string(), county.clone(), None));
    }
    // 资金管理员: two, so that one generates a payroll and the other reviews it (maker ≠ checker).
    for username in ["finance_officer_county", "finance_officer_county_2"] {
        plan.push((Role::FinanceOfficer, username.to_string(), county.clone(), None));
    }
    for d in &Department::ALL[1..] {
        plan.push((Role::DepartmentLiaison, format!("department_liaison_{}", d.as_str()), county.clone(), Some(*d)));
    }
    let towns = store.region_children(Some(county)).await?;
    for town in towns.iter().take(2) {
        let suffix = &town.code.as_str()[6..];
        for r in [Role::WindowClerk, Role::Investigator, Role::TownReviewer, Role::ComplaintHandler] {
            plan.push((r, format!("{}_{suffix}", r.as_str()), town.code.clone(), None));
        }
        for r in [Role::Investigator, Role::TownReviewer] {
            plan.push((r, format!("{}_{suffix}_2", r.as_str()), town.code.clone(), None));
        }
        if let Some(v) = busiest_village(store, &town.code).await? {
            plan.push((Role::VillageAssistant, format!("village_assistant_{}", &v.as_str()[6..]), v, None));
        }
    }
    let mut out = Vec::new();
    for (role, username, region, department) in plan {
        let pw = password();
        let name = store.region(&region).await?.map(|d| d.name).unwrap_or_default();
        let display = match department {
            Some(d) => format!("{}{}联络员", name, d.zh()),
            None if username.ends_with("_2") => format!("{}{}（二）", name, role.zh()),
            None => format!("{}{}", name, role.zh()),
        };
        store
            .create_account(&NewAccount {
                username: username.clone(),
                display_name: display,
                role,
                region: region.clone(),
                department,
                password_hash: jiuzhu_accounts::password::hash(&pw).await,
                disabled: false,
                must_change_password: false,
            })
            .await?;
        out.push(DemoAccount { role: role.as_str().into(), username, password: pw, region: region.to_string() });
    }
    Ok(out)
}

/// Search queries a clerk would type, taken from the loaded data: surnames, full ID numbers
/// of heads, village codes and names.
pub async fn sample_queries(store: &dyn Store, county: &RegionCode, n: usize) -> Result<Vec<String>, Failure> {
    let rows = store
        .search_households(&HouseholdQuery { scope: county.clone(), filter: HouseholdFilter::All, after_id: 0, limit: (n as i64).max(50) })
        .await?;
    let mut q = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        q.push(match i % 4 {
            0 => r.head_name.chars().take(1).collect(),
            1 => r.head_id_number.as_str().to_string(),
            2 => r.head_name.clone(),
            _ => r.hukou_region.to_string(),
        });
    }
    Ok(q)
}
