//! The check of one household over the database (casework's 核对 step): its members' stored
//! rows gathered and compared, every finding with the rows it rests on, and where a finding is
//! referred. The comparison itself is [`crate::check`]; this module only gathers what it
//! compares. Also 检出率 (detection rates) from the checks recorded on cases.

use crate::check::{self, Declared, Finding, FindingKind, MemberFacts, Observation, Rules, Window};
use crate::schema::{ColumnType, Feed};
use chrono::NaiveDate;
use jiuzhu_store::{FeedStore, Household, StoreError, StoredFeedRecord};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What the check found for one household, with the rows it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdCheck {
    pub findings: Vec<Finding>,
    /// One line per department row behind a finding: `车管·机动车登记（2020-05-01）：号牌号码 甘L·A0001，…`.
    pub evidence: Vec<String>,
    /// Feeds that had any row about the household.
    pub feeds_with_data: BTreeSet<Feed>,
    pub rows: usize,
    /// 医保 self-pay in the income window, all members (fen): discovery adds it to the
    /// household's expenses before the policy engine assesses it (支出型困难).
    pub medical_self_pay: i64,
}

impl HouseholdCheck {
    pub fn affects_eligibility(&self) -> bool {
        self.findings.iter().any(|f| f.kind.affects_eligibility())
    }
}

fn observation<'a>(feed: Feed, on: NaiveDate, detail: &'a serde_json::Value) -> Observation<'a> {
    let date = |c: &str| detail.get(c).and_then(|v| v.as_str()).and_then(|s| s.parse().ok());
    Observation {
        feed,
        on,
        amount: feed.amount_column().and_then(|c| detail.get(c)).and_then(|v| v.as_i64()).unwrap_or(0),
        code: feed.code_column().and_then(|c| detail.get(c)).and_then(|v| v.as_str()).unwrap_or(""),
        until: feed.until_column().and_then(date),
    }
}

fn describe(feed: Feed, on: Option<NaiveDate>, detail: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for c in feed.columns().iter().skip(1) {
        let Some(v) = detail.get(c.name) else { continue };
        let text = match (c.kind, v) {
            (_, serde_json::Value::Null) => continue,
            (ColumnType::Fen, serde_json::Value::Number(n)) => format!("{:.2} 元", n.as_i64().unwrap_or(0) as f64 / 100.0),
            (_, serde_json::Value::String(s)) if s.is_empty() => continue,
            (_, serde_json::Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        parts.push(format!("{} {text}", c.zh));
    }
    let on = on.map(|d| format!("（{d}）")).unwrap_or_default();
    format!("{}{on}：{}", feed.label(), parts.join("，"))
}

/// The household as declared, in the check's terms.
pub fn declared(h: &Household, w: &Window) -> Declared {
    let mut d = Declared::new(h.members.iter().map(|m| &m.data));
    let position: HashMap<i64, usize> = h.members.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for x in &h.records.incomes {
        d.add_income(x.member_id.and_then(|id| position.get(&id).copied()), x.kind, x.month, x.amount.0, w);
    }
    for a in &h.records.assets {
        d.add_asset(a.kind, a.value.0);
    }
    d
}

/// The check of one household against rows already fetched (pure).
pub fn check_with_records(h: &Household, records: &[StoredFeedRecord], today: NaiveDate, rules: &Rules) -> HouseholdCheck {
    let w = Window::new(today, rules);
    let index: HashMap<&str, usize> = h.members.iter().enumerate().map(|(i, m)| (m.data.id_number.as_str(), i)).collect();
    let mut facts = vec![MemberFacts::default(); h.members.len()];
    let mut parsed = Vec::with_capacity(records.len());
    let mut feeds_with_data = BTreeSet::new();
    for (r, detail) in current_records(records, today) {
        let (Some(feed), Some(&i)) = (Feed::parse(&r.feed), index.get(r.id_number.as_str())) else { continue };
        feeds_with_data.insert(feed);
        if let Some(on) = r.on
            && let Some(u) = check::observe(&observation(feed, on, &detail), &w)
        {
            facts[i].apply(u);
        }
        parsed.push((feed, i, r.on, detail));
    }
    let findings = check::assess(&declared(h, &w), &facts, rules);
    let mut evidence = Vec::new();
    for f in &findings {
        let mut shown = 0;
        for (feed, i, on, detail) in &parsed {
            if f.kind.feeds().contains(feed) && f.member.is_none_or(|m| m == *i) && shown < 5 {
                // Only rows that counted for this finding's rule (e.g. not motorcycles for vehicles).
                let counted = on.and_then(|d| check::observe(&observation(*feed, d, detail), &w)).is_some();
                if counted {
                    let who = &h.members[*i].data.name;
                    evidence.push(format!("{}【{who}】{}", f.kind.zh(), describe(*feed, *on, detail)));
                    shown += 1;
                }
            }
        }
    }
    let medical_self_pay = facts.iter().map(|f| f.sum(check::Sum::MedicalSelfPay)).sum();
    HouseholdCheck { findings, evidence, feeds_with_data, rows: parsed.len(), medical_self_pay }
}

/// The stored rows that are current facts on `today` ([`check::current`]: of the rows that share
/// a feed and natural key, the latest in force, on a tie the later import), with their detail.
/// A changed fact is stored as a new row; the earlier ones are its history.
pub fn current_records(records: &[StoredFeedRecord], today: NaiveDate) -> Vec<(&StoredFeedRecord, serde_json::Value)> {
    let parsed: Vec<(&StoredFeedRecord, serde_json::Value)> =
        records.iter().map(|r| (r, serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null))).collect();
    let facts: Vec<((&str, String), check::Standing)> = parsed
        .iter()
        .map(|(r, detail)| {
            let (key, valid_on) = match Feed::parse(&r.feed) {
                Some(feed) => {
                    let texts = crate::import::stored_texts(feed, &r.id_number, detail);
                    (crate::import::natural_key_of(feed, &texts), crate::import::stored_valid_on(feed, detail))
                }
                None => (String::new(), None),
            };
            ((r.feed.as_str(), key), check::Standing::new(valid_on, r.import_id, today))
        })
        .collect();
    parsed.into_iter().zip(check::current(&facts)).filter_map(|(p, current)| current.then_some(p)).collect()
}

/// The check of one household: its members' rows from the store, then [`check_with_records`].
pub async fn check_household(
    store: &(impl FeedStore + ?Sized),
    h: &Household,
    today: NaiveDate,
    rules: &Rules,
) -> Result<HouseholdCheck, StoreError> {
    let ids: Vec<String> = h.members.iter().map(|m| m.data.id_number.as_str().to_string()).collect();
    let records = store.feed_records_of(&ids).await?;
    Ok(check_with_records(h, &records, today, rules))
}

/// Where a discovery is referred (专项救助及时转介, seed 003).
pub fn referral(kind: FindingKind) -> Option<&'static str> {
    match kind {
        FindingKind::LargeMedical => Some("医疗救助（医保部门）"),
        FindingKind::NewSevereDisability => Some("困难残疾人生活补贴和重度残疾人护理补贴（残联）"),
        FindingKind::JobLoss => Some("就业援助、失业保险金（人社部门）"),
        FindingKind::LeftSchool => Some("就业帮扶、教育资助（人社、教育部门）"),
        FindingKind::Disaster => Some("受灾人员救助（应急管理部门）"),
        FindingKind::EarnerDied => Some("临时救助（民政部门）"),
        _ => None,
    }
}

/// The department case a discovery can be referred as from the monitoring page (转介): the
/// kinds a department handles in casework. 残联 subsidies and 临时救助 are not department
/// cases here: the first has no liaison in casework yet, the second is civil affairs' own intake.
pub fn referral_case(kind: FindingKind) -> Option<jiuzhu_domain::casework::AssistanceKind> {
    use jiuzhu_domain::casework::AssistanceKind;
    match kind {
        FindingKind::LargeMedical => Some(AssistanceKind::Medical),
        FindingKind::JobLoss | FindingKind::LeftSchool => Some(AssistanceKind::Employment),
        FindingKind::Disaster => Some(AssistanceKind::Disaster),
        _ => None,
    }
}

/// 检出率 of one town in one month (seed 002): of the applications checked, the share the
/// check found not eligible. 低保 counts 低保 applications; 低收入 counts 低保边缘 and 刚性支出.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionRate {
    /// The town (乡镇) code, or the case's region when it is above town level.
    pub region: String,
    /// `YYYY-MM` (Beijing time).
    pub month: String,
    /// `dibao` (低保检出率) or `low_income` (低收入检出率).
    pub programme: &'static str,
    pub checked: u64,
    pub failed: u64,
    pub rate: f64,
}

/// Groups check outcomes into 检出率 by town and month, sorted.
pub fn detection_rates(outcomes: &[jiuzhu_store::CheckOutcome]) -> Vec<DetectionRate> {
    let mut groups: std::collections::BTreeMap<(String, String, &'static str), (u64, u64)> = std::collections::BTreeMap::new();
    for o in outcomes {
        let programme = match o.kind.as_str() {
            "dibao" => "dibao",
            "dibao_edge" | "rigid_expense" => "low_income",
            _ => continue,
        };
        let code = o.region.as_str();
        let town = code.get(..9).unwrap_or(code).to_string();
        let month = o.at.with_timezone(&jiuzhu_domain::clock::BEIJING).format("%Y-%m").to_string();
        let g = groups.entry((town, month, programme)).or_default();
        g.0 += 1;
        g.1 += u64::from(o.failed);
    }
    groups
        .into_iter()
        .map(|((region, month, programme), (checked, failed))| DetectionRate {
            region,
            month,
            programme,
            checked,
            failed,
            rate: failed as f64 / checked as f64,
        })
        .collect()
}
