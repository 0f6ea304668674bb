//! 监测预警: the monitoring pools (一类库, 二类库) found by proactive discovery as the people who
//! work them see them — inside their region, with why each household was found, where it is
//! referred and when the next quarterly visit (一季度一访问) is due — and 检出率.

use crate::service::{DetectionRate, detection_rates};
use chrono::{Months, NaiveDate};
use jiuzhu_domain::{Action, Clock, Denial, FieldError, ObjectKind, Permission, Role, User, ValidationErrors};
use jiuzhu_store::{FeedStore, MonitoringEntry, MonitoringPool, MonitoringQuery, MonitoringRow, Store, StoreError};
use std::sync::Arc;

/// Entries per page.
pub const PAGE: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, MonitoringError>;

/// One page of a pool.
#[derive(Debug, Clone, Default)]
pub struct PoolPage {
    pub rows: Vec<MonitoringRow>,
    /// Households in 一类库 and 二类库 in the user's region.
    pub likely: i64,
    pub watch: i64,
    /// Another page follows.
    pub more: bool,
}

#[derive(Clone)]
pub struct Monitoring {
    feeds: Arc<dyn FeedStore>,
    clock: Arc<dyn Clock>,
}

/// Who records visits: the village assistant who goes, the town reviewer who answers for it.
pub fn may_visit(user: &User) -> bool {
    user.can(Permission::ReadMonitoring) && matches!(user.role, Role::VillageAssistant | Role::TownReviewer)
}

impl Monitoring {
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>) -> Monitoring {
        Monitoring { feeds: store.clone(), clock }
    }

    fn require(user: &User, allowed: bool) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            user.trail.refuse(Denial::Role);
            Err(MonitoringError::Forbidden)
        }
    }

    /// A page of the pools in the user's region: one pool or both, only visits due when asked.
    /// The heads' names come with the rows (one query a page).
    pub async fn pools(&self, user: &User, pool: Option<MonitoringPool>, due_only: bool, page: i64) -> Result<PoolPage> {
        user.trail.action(Action::Search);
        user.trail.fields(&["name", "monitoring_reasons"]);
        Self::require(user, user.can(Permission::ReadMonitoring))?;
        let page = page.clamp(0, 10_000);
        let today = self.clock.today();
        let q = MonitoringQuery {
            within: user.scope.0.clone(),
            pool,
            visit_due_by: due_only.then_some(today),
            limit: PAGE + 1,
            offset: page * PAGE,
        };
        let mut rows = self.feeds.monitoring(&q).await?;
        let (likely, watch) = self.feeds.monitoring_counts(&user.scope.0).await?;
        let more = rows.len() as i64 > PAGE;
        rows.truncate(PAGE as usize);
        user.trail.detail(format!("pool={};due={due_only};rows={}", pool.map_or("all", |p| p.as_str()), rows.len()));
        Ok(PoolPage { rows, likely, watch, more })
    }

    /// The household's entry when it lies in the user's region; otherwise "not found", recorded
    /// as 越权 when it is in another region's pool.
    pub async fn entry_in_scope(&self, user: &User, household_id: i64) -> Result<MonitoringEntry> {
        user.trail.object(ObjectKind::Household, household_id);
        match self.feeds.monitoring_entry(household_id).await? {
            Some(e) if user.scope.contains(&e.region) => {
                user.trail.household(household_id);
                Ok(e)
            }
            Some(_) => {
                user.trail.household(household_id);
                user.trail.refuse(Denial::OutOfScope);
                Err(MonitoringError::NotFound)
            }
            None => {
                user.trail.refuse(Denial::NotFound);
                Err(MonitoringError::NotFound)
            }
        }
    }

    /// A quarterly visit done: the next one is due three months from today. Returns that day.
    pub async fn record_visit(&self, user: &User, household_id: i64, note: &str) -> Result<NaiveDate> {
        user.trail.action(Action::Update);
        user.trail.fields(&["monitoring_visit"]);
        Self::require(user, may_visit(user))?;
        let mut entry = self.entry_in_scope(user, household_id).await?;
        let text: String = jiuzhu_domain::text::clean(note).chars().take(500).collect();
        if text.chars().count() < 2 {
            user.trail.refuse(Denial::Invalid);
            return Err(MonitoringError::Invalid(FieldError::new("note", "required", "请填写走访情况", "describe the visit").into()));
        }
        let today = self.clock.today();
        entry.next_visit_on = today.checked_add_months(Months::new(3)).unwrap_or(today);
        entry.updated_at = self.clock.now();
        self.feeds.put_monitoring(std::slice::from_ref(&entry)).await?;
        user.trail.detail(format!("next_visit={}", entry.next_visit_on));
        Ok(entry.next_visit_on)
    }

    /// 检出率 by town and month over the last twelve months (statistics readers).
    pub async fn rates(&self, user: &User) -> Result<Vec<DetectionRate>> {
        Self::require(user, user.can(Permission::ReadStatistics))?;
        let since = self.clock.now() - chrono::Duration::days(366);
        Ok(detection_rates(&self.feeds.check_outcomes(&user.scope.0, since).await?))
    }
}

/// The department cases an entry's reasons can be referred as (转介), in order, once each.
pub fn referable(entry: &MonitoringEntry) -> Vec<jiuzhu_domain::casework::AssistanceKind> {
    let mut out = Vec::new();
    for kind in entry.reasons.iter().filter_map(|r| crate::FindingKind::parse(&r.kind)).filter_map(crate::service::referral_case) {
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    out
}

/// Why the household is referred as `kind`: the findings behind it, in words, for the case's
/// request.
pub fn referral_request(entry: &MonitoringEntry, kind: jiuzhu_domain::casework::AssistanceKind) -> String {
    let why: Vec<String> = entry
        .reasons
        .iter()
        .filter(|r| crate::FindingKind::parse(&r.kind).and_then(crate::service::referral_case) == Some(kind))
        .map(|r| format!("{}：{}", r.zh, r.evidence))
        .collect();
    format!("主动发现转介（{}，{}）：{}", entry.pool.zh(), entry.found_on, why.join("；"))
}
