//! 主动发现: every household through the discovery rules; the unprotected ones with a signal are
//! assessed by the policy engine and put into 一类库 (likely eligible) or 二类库 (watch) with their
//! reasons, referrals and the next quarterly visit; entries whose signal went away leave.

use crate::check::{Finding, Rules, Window};
use crate::service::{check_with_records, referral};
use chrono::{Datelike, Months, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::casework::BenefitStatus;
use jiuzhu_policy::{Policies, Programme, Status};
use jiuzhu_store::{
    CaseStore, FeedStore, Household, HouseholdStore, MonitoringEntry, MonitoringPool, MonitoringQuery, MonitoringReason, StoreError,
    StoredFeedRecord,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What a discovery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiscoveryReport {
    pub households: u64,
    /// Households with a discovery signal.
    pub signalled: u64,
    /// Of them, already protected (an active benefit): left to their caseworker.
    pub protected: u64,
    pub likely: u64,
    pub watch: u64,
    /// Entries removed because the signal went away or the household became protected.
    pub removed: u64,
}

/// 主动发现: every household in `within` (all when `None`) through the discovery rules; the
/// unprotected ones with a signal are assessed by the policy engine and put into 一类库 or
/// 二类库 with their reasons, referrals and the next quarterly visit.
pub async fn discover(
    store: &(impl HouseholdStore + FeedStore + CaseStore + ?Sized),
    policies: &Policies,
    today: NaiveDate,
    rules: &Rules,
    within: Option<&RegionCode>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DiscoveryReport, StoreError> {
    let mut report = DiscoveryReport::default();
    let mut after = 0;
    let mut found: HashSet<i64> = HashSet::new();
    let mut scopes: BTreeSet<String> = within.map(|w| w.as_str().to_string()).into_iter().collect();
    let next_visit = today.checked_add_months(Months::new(3)).unwrap_or(today);
    loop {
        let batch = store.households_after(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let batch: Vec<Household> = batch.into_iter().filter(|h| within.is_none_or(|w| h.data.hukou_region.is_within(w))).collect();
        let ids: Vec<String> = batch.iter().flat_map(|h| h.members.iter().map(|m| m.data.id_number.as_str().to_string())).collect();
        let records = store.feed_records_of(&ids).await?;
        let mut by_person: HashMap<&str, Vec<StoredFeedRecord>> = HashMap::new();
        for r in &records {
            by_person.entry(r.id_number.as_str()).or_default().push(r.clone());
        }
        let mut entries = Vec::new();
        for h in &batch {
            report.households += 1;
            if within.is_none() {
                scopes.insert(h.data.hukou_region.as_str()[..2].to_string());
            }
            let mine: Vec<StoredFeedRecord> =
                h.members.iter().flat_map(|m| by_person.get(m.data.id_number.as_str()).cloned().unwrap_or_default()).collect();
            if mine.is_empty() {
                continue;
            }
            let check = check_with_records(h, &mine, today, rules);
            let signals: Vec<&Finding> = check.findings.iter().filter(|f| !f.kind.affects_eligibility()).collect();
            if signals.is_empty() {
                continue;
            }
            report.signalled += 1;
            let protected = store.household_benefits(h.id).await?.iter().any(|b| b.status != BenefitStatus::Ended);
            if protected {
                report.protected += 1;
                continue;
            }
            // What the feeds show the household spent on medical care counts as its rigid
            // expense (the registry may not have it yet: nobody has applied).
            let mut assessed = h.clone();
            let w = Window::new(today, rules);
            let declared_medical: i64 = h
                .records
                .expenses
                .iter()
                .filter(|e| e.kind == jiuzhu_domain::ExpenseKind::Medical && e.month >= w.income_from && e.month < w.income_until)
                .map(|e| e.amount.0)
                .sum();
            // Only what the registry does not have yet, so nothing counts twice.
            let extra = check.medical_self_pay - declared_medical;
            if extra > 0 {
                let month = today.checked_sub_months(Months::new(1)).and_then(|d| d.with_day(1)).unwrap_or(today);
                assessed.records.expenses.push(jiuzhu_domain::Expense {
                    kind: jiuzhu_domain::ExpenseKind::Medical,
                    month,
                    amount: jiuzhu_domain::Fen(extra),
                    description: "医保结算个人自付高于登记的部分（部门数据）".into(),
                });
            }
            let (pool, assessment) = match jiuzhu_registry::assess::assess_household(&assessed, today, policies) {
                Ok(a) => {
                    let status = |p: Programme| a.programme(p).status;
                    let likely = [Programme::Dibao, Programme::Tekun, Programme::DibaoEdge, Programme::RigidExpense]
                        .iter()
                        .any(|p| status(*p) == Status::Eligible)
                        || status(Programme::Dibao) == Status::NeedsCheck;
                    let words: Vec<String> = [Programme::Dibao, Programme::Tekun, Programme::DibaoEdge, Programme::RigidExpense]
                        .iter()
                        .map(|p| format!("{}：{}", p.zh(), status_zh(status(*p))))
                        .collect();
                    (if likely { MonitoringPool::Likely } else { MonitoringPool::Watch }, words.join("；"))
                }
                Err(e) => (MonitoringPool::Likely, format!("无法自动评估（{e}），请入户核实")),
            };
            match pool {
                MonitoringPool::Likely => report.likely += 1,
                MonitoringPool::Watch => report.watch += 1,
            }
            let reasons: Vec<MonitoringReason> = signals
                .iter()
                .map(|f| MonitoringReason {
                    kind: f.kind.as_str().into(),
                    zh: f.kind.zh().into(),
                    member: f.member.and_then(|m| h.members.get(m)).map(|m| m.data.name.clone()),
                    evidence: f.evidence.clone(),
                    on: f.on,
                })
                .collect();
            let referrals: BTreeSet<&str> = signals.iter().filter_map(|f| referral(f.kind)).collect();
            found.insert(h.id);
            entries.push(MonitoringEntry {
                household_id: h.id,
                region: h.data.hukou_region.clone(),
                pool,
                reasons,
                referrals: referrals.into_iter().map(str::to_string).collect(),
                assessment,
                found_on: today,
                next_visit_on: next_visit,
                updated_at: Utc::now(),
            });
        }
        store.put_monitoring(&entries).await?;
        progress(report.households);
    }
    // Entries whose signal went away (or who are now protected) leave the pools.
    let mut stale = Vec::new();
    for scope in scopes.iter().filter_map(|s| RegionCode::parse(s).ok()) {
        let mut offset = 0;
        loop {
            let page =
                store.monitoring(&MonitoringQuery { within: scope.clone(), pool: None, visit_due_by: None, limit: 1000, offset }).await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            stale.extend(page.iter().map(|row| row.entry.household_id).filter(|h| !found.contains(h)));
        }
    }
    report.removed = stale.len() as u64;
    store.remove_monitoring(&stale).await?;
    Ok(report)
}

fn status_zh(s: Status) -> &'static str {
    match s {
        Status::Eligible => "初步符合",
        Status::NotEligible => "不符合",
        Status::NeedsCheck => "需核实",
    }
}
