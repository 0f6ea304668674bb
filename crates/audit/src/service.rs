//! The auditors' service (审计): the trail searched, a household's 查阅记录, the chain verified and
//! the alert queue worked — always inside the auditor's own region, and itself recorded.

use crate::{KeySealer, Verification};
use chrono::{NaiveDate, Utc};
use jiuzhu_domain::clock::BEIJING;
use jiuzhu_domain::{Action, Clock, Denial, FieldError, ObjectKind, Permission, RegionCode, User, ValidationErrors};
use jiuzhu_store::{
    AccountStore, Alert, AlertNote, AlertOutcome, AlertQuery, AlertState, AlertStore, AuditEntry, AuditQuery, AuditStore, HouseholdStore,
    RegionStore, Store, StoreError, audit_time,
};
use std::sync::Arc;

/// Entries shown per page.
pub const PAGE_ROWS: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum AuditingError {
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(ValidationErrors),
    /// Someone else handled the alert meanwhile.
    #[error("handled by someone else")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for AuditingError {
    fn from(e: FieldError) -> Self {
        AuditingError::Invalid(e.into())
    }
}

pub type Result<T> = std::result::Result<T, AuditingError>;

/// What an auditor looks for; every field may be empty.
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    pub username: String,
    pub action: String,
    pub outcome: String,
    /// `YYYY-MM-DD`, Beijing time, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, Beijing time, inclusive.
    pub to: String,
    /// Keyset pagination: entries before this id.
    pub before: Option<i64>,
}

/// A page of entries, newest first, with where the next page starts.
#[derive(Debug, Clone, Default)]
pub struct TrailPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
    /// The people the entries name, by username: their name as shown and where they work, so an
    /// auditor reads 张三（水洛镇受理员）, not an account code (unknown names are absent).
    pub people: std::collections::HashMap<String, Person>,
}

/// An account named in the trail, in words.
#[derive(Debug, Clone)]
pub struct Person {
    pub display_name: String,
    /// The account's region by name (水洛镇), the code when it has no name on record.
    pub region_name: String,
}

/// How an auditor handles an alert, as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct Handling {
    /// The alert's version as the page showed it.
    pub version: i64,
    pub state: String,
    pub outcome: String,
    pub note: String,
}

/// An alert with its handling notes and the entries it covers.
#[derive(Debug, Clone)]
pub struct AlertView {
    pub alert: Alert,
    pub notes: Vec<AlertNote>,
    pub entries: Vec<AuditEntry>,
}

#[derive(Clone)]
pub struct Auditing {
    trail: Arc<dyn AuditStore>,
    alerts: Arc<dyn AlertStore>,
    /// Only to tell whether a household lies in the auditor's region.
    households: Arc<dyn HouseholdStore>,
    /// Only to name the people and places the entries mention.
    accounts: Arc<dyn AccountStore>,
    regions: Arc<dyn RegionStore>,
    sealer: KeySealer,
    clock: Arc<dyn Clock>,
}

/// A Beijing date's start as the trail's UTC text (`next`: the next day's start, exclusive).
fn day_start(field: &str, text: &str, next: bool) -> std::result::Result<Option<String>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "date.format", "日期格式为 YYYY-MM-DD", "a date is written YYYY-MM-DD");
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    let day = if next { day.succ_opt().ok_or_else(bad)? } else { day };
    let start = day.and_time(chrono::NaiveTime::MIN).and_local_timezone(BEIJING).single().ok_or_else(bad)?;
    Ok(Some(audit_time(start.with_timezone(&Utc))))
}

impl Auditing {
    pub fn new(store: &Arc<dyn Store>, sealer: KeySealer, clock: Arc<dyn Clock>) -> Auditing {
        Auditing {
            trail: store.clone(),
            alerts: store.clone(),
            households: store.clone(),
            accounts: store.clone(),
            regions: store.clone(),
            sealer,
            clock,
        }
    }

    fn require(user: &User, p: Permission) -> Result<()> {
        if user.can(p) {
            Ok(())
        } else {
            user.trail.refuse(Denial::Role);
            Err(AuditingError::Forbidden)
        }
    }

    /// Entries matching the filter, of accounts inside the auditor's region. Failed sign-ins of
    /// unknown names have no region: county-wide auditors and above still see them.
    async fn search(&self, user: &User, f: &TrailFilter, household: Option<i64>) -> Result<TrailPage> {
        let (from, to) = match (day_start("from", &f.from, false), day_start("to", &f.to, true)) {
            (Ok(from), Ok(to)) => (from, to),
            (Err(e), _) | (_, Err(e)) => {
                user.trail.refuse(Denial::Invalid);
                return Err(e.into());
            }
        };
        let q = AuditQuery {
            account_id: None,
            username: Some(f.username.trim().to_string()).filter(|s| !s.is_empty()),
            household_id: household,
            action: Some(f.action.clone()).filter(|s| !s.is_empty()),
            outcome: Some(f.outcome.clone()).filter(|s| !s.is_empty()),
            from,
            to,
            before_id: f.before,
            limit: PAGE_ROWS,
        };
        let entries = self.trail.search_audit(&q).await?;
        let next_before = (entries.len() as i64 == PAGE_ROWS).then(|| entries.last().map(|e| e.id)).flatten();
        let scope = &user.scope;
        let entries: Vec<AuditEntry> = entries
            .into_iter()
            .filter(|e| RegionCode::parse(&e.record.region).map_or(scope.0.as_str().len() <= 6, |r| scope.contains(&r)))
            .collect();
        user.trail.action(Action::Search);
        user.trail.detail(format!("rows={}", entries.len()));
        let mut people = std::collections::HashMap::new();
        for e in &entries {
            if people.contains_key(&e.record.username) {
                continue;
            }
            if let Some(a) = self.accounts.account_by_username(&e.record.username).await? {
                let region_name = self.regions.region(&a.region).await?.map(|d| d.name).unwrap_or_else(|| a.region.to_string());
                people.insert(a.username.clone(), Person { display_name: a.display_name, region_name });
            }
        }
        Ok(TrailPage { entries, next_before, people })
    }

    /// 审计日志: the trail, searched.
    pub async fn entries(&self, user: &User, f: &TrailFilter) -> Result<TrailPage> {
        Self::require(user, Permission::ReadAudit)?;
        self.search(user, f, None).await
    }

    /// 查阅记录: who looked at one household, for auditors whose region holds it.
    pub async fn household_log(&self, user: &User, household_id: i64, f: &TrailFilter) -> Result<TrailPage> {
        // Named before the role check: a refused look at a household's log is in that log.
        user.trail.object(ObjectKind::Household, household_id);
        let region = self.households.household_region(household_id).await?;
        if region.is_some() {
            user.trail.household(household_id);
        }
        Self::require(user, Permission::ReadAudit)?;
        // The household's log names who looked at whom: only for those who may read households
        // (审计/纪检人员), not the audit administrator, who keeps the log without reading the registry.
        Self::require(user, Permission::ReadHousehold)?;
        match region {
            Some(r) if user.scope.contains(&r) => {}
            Some(_) => {
                user.trail.refuse(Denial::OutOfScope);
                return Err(AuditingError::NotFound);
            }
            None => {
                user.trail.refuse(Denial::NotFound);
                return Err(AuditingError::NotFound);
            }
        }
        self.search(user, f, Some(household_id)).await
    }

    /// 校验: walks the whole chain and names the first broken entry.
    pub async fn verify(&self, user: &User) -> Result<Verification> {
        Self::require(user, Permission::ReadAudit)?;
        let v = crate::verify(self.trail.as_ref(), &self.sealer, |_| {}).await?;
        user.trail.detail(format!("verify;entries={};problems={}", v.entries, v.problems.len()));
        Ok(v)
    }

    /// 预警: alerts in the auditor's region, in one state (open when `None`).
    pub async fn alerts(&self, user: &User, state: Option<AlertState>) -> Result<Vec<Alert>> {
        Self::require(user, Permission::HandleAlerts)?;
        let q = AlertQuery { state, limit: 200, ..AlertQuery::default() };
        Ok(self.alerts.alerts(&q).await?.into_iter().filter(|x| user.scope.contains(&x.region)).collect())
    }

    async fn alert_in_scope(&self, user: &User, id: i64) -> Result<Alert> {
        user.trail.object(ObjectKind::Alert, id);
        match self.alerts.alert(id).await? {
            Some(x) if user.scope.contains(&x.region) => Ok(x),
            Some(_) => {
                user.trail.refuse(Denial::OutOfScope);
                Err(AuditingError::NotFound)
            }
            None => {
                user.trail.refuse(Denial::NotFound);
                Err(AuditingError::NotFound)
            }
        }
    }

    /// One alert with its notes and the entries it covers (at most the last 100).
    pub async fn alert(&self, user: &User, id: i64) -> Result<AlertView> {
        Self::require(user, Permission::HandleAlerts)?;
        let alert = self.alert_in_scope(user, id).await?;
        let notes = self.alerts.alert_notes(id).await?;
        let q = AuditQuery { account_id: alert.account_id, before_id: Some(alert.last_entry + 1), limit: 100, ..AuditQuery::default() };
        let entries = self.trail.search_audit(&q).await?.into_iter().filter(|e| e.id >= alert.first_entry).collect();
        Ok(AlertView { alert, notes, entries })
    }

    /// 处理预警: moves an alert on with a note; closing it says whether it was confirmed.
    pub async fn handle_alert(&self, user: &User, id: i64, handling: &Handling) -> Result<()> {
        user.trail.action(Action::HandleAlert);
        Self::require(user, Permission::HandleAlerts)?;
        self.alert_in_scope(user, id).await?;
        let refuse = |e: FieldError| {
            user.trail.refuse(Denial::Invalid);
            Err(AuditingError::Invalid(e.into()))
        };
        let (Some(next), Some(outcome)) = (AlertState::parse(&handling.state), AlertOutcome::parse(&handling.outcome)) else {
            return refuse(FieldError::new("state", "alert.state", "请选择处理状态", "choose a state"));
        };
        let text = jiuzhu_domain::text::clean(&handling.note);
        if text.chars().count() < 4 {
            return refuse(FieldError::new(
                "note",
                "alert.note",
                "请写明处理情况（至少 4 个字）",
                "say what was found (at least 4 characters)",
            ));
        }
        if next == AlertState::Closed && outcome == AlertOutcome::None {
            return refuse(FieldError::new(
                "outcome",
                "alert.outcome",
                "办结时请选择“属实”或“误报”",
                "closing needs confirmed or false positive",
            ));
        }
        let n = AlertNote {
            at: self.clock.now(),
            account_id: Some(user.account_id),
            username: user.username.clone(),
            state: next,
            outcome,
            note: text.chars().take(2000).collect(),
        };
        match self.alerts.handle_alert(id, handling.version, &n).await {
            Ok(()) => {
                user.trail.detail(format!("state={};outcome={}", next.as_str(), outcome.as_str()));
                Ok(())
            }
            Err(StoreError::VersionMismatch { .. }) => {
                user.trail.refuse(Denial::Conflict);
                Err(AuditingError::Conflict)
            }
            Err(e) => Err(e.into()),
        }
    }
}
