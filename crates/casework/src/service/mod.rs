//! The casework service: every step of a case for a signed-in user — role and region scope
//! checked, the economic check run by the policy engine, the step and its benefit written in one
//! transaction — and the periodic tick (publicity periods ending, objection windows closing,
//! reviews falling due, gradual exits ending, deadlines the calendar can now compute). Every
//! case, household and benefit it resolves for a user goes on the user's trail, 越权 included.
//!
//! - [`intake`]: 受理 at the window, and 转介 from the monitoring pools;
//! - [`steps`]: a case's page, its possible steps, a step applied and written;
//! - [`requests`]: steps as users ask for them ([`StepInput`]), and in bulk;
//! - [`checks`]: 核对 and the data checks of recipients and open applications;
//! - [`reviews`]: changes, deaths and refused jobs reported on a benefit;
//! - [`photos`]: survey photos;
//! - [`tick`]: the periodic work nobody has to click;
//! - [`calendar`]: a holiday year imported, and the deadlines it computes or moves.

pub mod calendar;
mod checks;
mod intake;
pub mod photos;
mod requests;
mod reviews;
mod steps;
mod tick;

pub use calendar::{CalendarImportReport, CaseDeadlines, DeadlineKind, DeadlineMove};
pub use requests::{BulkResult, StepInput, SurveySheet};

use crate::rules::Rules;
use crate::workflow::{self, Action, Ctx, Effect, Intake, Who, WorkflowError, add_days, add_months};
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_accounts::{AccountError, Accounts};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{
    Actor, Calendar, Clock, Denial, Fen, FieldError, LabourCapacity, ObjectKind, Permission, Role, User, ValidationErrors, month_start,
};
use jiuzhu_policy::{Policies, Programme, Status};
use jiuzhu_registry::Registry;
use jiuzhu_store::*;
use jiuzhu_verify::monitoring::Monitoring;
use rand::Rng;
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum CaseworkError {
    /// The role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// Does not exist, or lies outside the user's scope (not told apart).
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// Someone else took a step first: the case is now at `state`.
    #[error("the case was changed by someone else")]
    Conflict { state: CaseState, by: String },
    #[error("{0}")]
    Workflow(WorkflowError),
    /// The household changed under a registry write (reload and redo).
    #[error("stale")]
    Stale,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CaseworkError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CaseworkError::NotFound,
            e => CaseworkError::Store(e),
        }
    }
}

impl From<WorkflowError> for CaseworkError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Invalid(v) => CaseworkError::Invalid(v),
            e => CaseworkError::Workflow(e),
        }
    }
}

impl From<FieldError> for CaseworkError {
    fn from(e: FieldError) -> Self {
        CaseworkError::Invalid(e.into())
    }
}

impl From<jiuzhu_registry::RegistryError> for CaseworkError {
    fn from(e: jiuzhu_registry::RegistryError) -> Self {
        use jiuzhu_registry::RegistryError as R;
        match e {
            R::Forbidden => CaseworkError::Forbidden,
            R::NotFound => CaseworkError::NotFound,
            R::Invalid(v) => CaseworkError::Invalid(v),
            R::Stale => CaseworkError::Stale,
            R::Store(s) => CaseworkError::Store(s),
        }
    }
}

impl From<AccountError> for CaseworkError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Forbidden => CaseworkError::Forbidden,
            AccountError::NotFound => CaseworkError::NotFound,
            AccountError::Invalid(v) => CaseworkError::Invalid(v),
            AccountError::Store(s) => CaseworkError::from(s),
        }
    }
}

impl From<jiuzhu_verify::monitoring::MonitoringError> for CaseworkError {
    fn from(e: jiuzhu_verify::monitoring::MonitoringError) -> Self {
        use jiuzhu_verify::monitoring::MonitoringError as M;
        match e {
            M::Forbidden => CaseworkError::Forbidden,
            M::NotFound => CaseworkError::NotFound,
            M::Invalid(v) => CaseworkError::Invalid(v),
            M::Store(s) => CaseworkError::from(s),
        }
    }
}

pub type Result<T> = std::result::Result<T, CaseworkError>;

/// A case with its timeline, as its page shows it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    /// The steps this user may take now (codes), for the page's buttons.
    pub can: Vec<&'static str>,
    /// 申报: the parts the case's kind stands on that the household never declared (the check
    /// and approval refuse until they are).
    pub undeclared: Vec<jiuzhu_domain::Section>,
}

/// What was asked for at one intake.
#[derive(Debug, Clone, Default)]
pub struct IntakeInput {
    pub kinds: Vec<AssistanceKind>,
    pub track: Option<Track>,
    /// Materials received at the window (checklist codes; a code counts for every kind asking for it).
    pub received: Vec<String>,
    pub request: String,
    pub near_relative_note: Option<String>,
    pub commitment_signed: bool,
    pub emergency_description: Option<String>,
    /// The member who applies (defaults to the head).
    pub applicant_member_id: Option<i64>,
}

/// What the periodic tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    pub publicity_ended: usize,
    pub feedback_closed: usize,
    pub reviews_opened: usize,
    pub post_checks_passed: usize,
    pub exits_ended: usize,
    pub deadlines_filled: usize,
}

/// What a data check over recipients did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DataCheckReport {
    pub checked: usize,
    /// Households with a finding that bears on eligibility.
    pub found: usize,
    pub reviews_opened: usize,
    pub already_open: usize,
    /// Open applications past the 核对 step that were checked again.
    pub applications_checked: usize,
    /// Of them, noted on the timeline for the reviewer and approver (new findings).
    pub applications_flagged: usize,
    /// Of them, with the same findings noted before.
    pub applications_already_flagged: usize,
}

/// What the town's review proposes by default: the policy engine's amounts for the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub monthly_amount: i64,
    pub one_off_amount: i64,
    pub members: Vec<String>,
    pub status: Status,
    pub reasons: Vec<String>,
    pub town_limit: i64,
}

/// Everything the household page shows, read for one user in one call.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub household: Household,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    /// Stored assessments, newest first.
    pub assessments: Vec<AssessmentRecord>,
    /// The household's cases and benefits (empty for roles that read no cases).
    pub cases: Vec<CaseSummary>,
    pub benefits: Vec<Benefit>,
}

/// How far ahead of its date a periodic review is opened.
const REVIEW_LEAD_DAYS: u64 = 30;
/// The largest photo accepted from a survey.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// The casework service. It holds each storage it needs by its capability, and the services
/// whose checks it relies on (the registry's scope, re-authentication, the monitoring pools).
pub struct Casework {
    cases: Arc<dyn CaseStore>,
    households: Arc<dyn HouseholdStore>,
    regions: Arc<dyn RegionStore>,
    /// Holiday years imported after the release.
    holidays: Arc<dyn CalendarStore>,
    /// Accounts, to choose the second investigator.
    staff: Arc<dyn AccountStore>,
    /// Department data, for 核对.
    feeds: Arc<dyn FeedStore>,
    assessments: Arc<dyn AssessmentStore>,
    registry: Registry,
    accounts: Accounts,
    monitoring: Monitoring,
    clock: Arc<dyn Clock>,
    policies: &'static Policies,
    calendar: RwLock<Arc<Calendar>>,
    /// Thresholds of the department-data check (核对).
    verify_rules: jiuzhu_verify::Rules,
}

fn programme_of(kind: AssistanceKind) -> Option<Programme> {
    match kind {
        AssistanceKind::Dibao => Some(Programme::Dibao),
        AssistanceKind::Tekun => Some(Programme::Tekun),
        AssistanceKind::DibaoEdge => Some(Programme::DibaoEdge),
        AssistanceKind::RigidExpense => Some(Programme::RigidExpense),
        AssistanceKind::Temporary => Some(Programme::Temporary),
        _ => None,
    }
}

impl Casework {
    pub fn new(store: &Arc<dyn Store>, registry: Registry, accounts: Accounts, clock: Arc<dyn Clock>) -> Casework {
        Casework {
            cases: store.clone(),
            households: store.clone(),
            regions: store.clone(),
            holidays: store.clone(),
            staff: store.clone(),
            feeds: store.clone(),
            assessments: store.clone(),
            registry,
            accounts,
            monitoring: Monitoring::new(store, clock.clone()),
            clock,
            policies: Policies::builtin(),
            calendar: RwLock::new(Arc::new(Calendar::official().clone())),
            verify_rules: jiuzhu_verify::Rules::default(),
        }
    }

    /// Reads the holiday years imported after the release (call once at start).
    pub async fn load_calendar(&self) -> Result<()> {
        let years = self.holidays.calendar_years().await?;
        let cal = Calendar::with_years(&years)?;
        *self.calendar.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(cal);
        Ok(())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// 补正材料告知书: the date by which the missing materials are asked for (the region's
    /// `casework.materials_days` working days from the intake); `None` past the calendar's years.
    pub fn materials_due(&self, c: &NewCase) -> Result<Option<NaiveDate>> {
        let rules = self.rules(c.region.as_str(), c.opened_on)?;
        Ok(workflow::working_days(&self.calendar(), c.opened_on, rules.materials_days))
    }

    pub(super) fn rules(&self, region: &str, date: NaiveDate) -> Result<Rules> {
        Rules::resolve(self.policies, region, date).map_err(|m| FieldError::new("region", "parameter.missing", m.zh(), m.en()).into())
    }

    /// How a user appears on a case's timeline (the account id is kept with it).
    pub(super) fn actor(user: &User) -> Actor {
        Actor { account_id: Some(user.account_id), username: user.display_name.clone() }
    }

    pub(super) fn who(user: &User) -> Who {
        Who { account_id: Some(user.account_id), name: user.display_name.clone(), role: Some(user.role) }
    }

    /// Whether `user` may read `c` (role, region, and for liaisons their department).
    pub(super) fn can_read(user: &User, c: &NewCase) -> bool {
        user.can(Permission::ReadCase)
            && user.scope.contains(&c.region)
            && (user.role != Role::DepartmentLiaison || (c.department.is_some() && c.department == user.department))
    }

    pub(super) fn require(user: &User, allowed: bool) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            user.trail.refuse(Denial::Role);
            Err(CaseworkError::Forbidden)
        }
    }

    /// A case the user may read. The trail names it and its household; another region's case
    /// is "not found" to the user and 越权 on the trail.
    pub(super) async fn case_in_scope(&self, user: &User, id: i64) -> Result<Case> {
        Self::require(user, user.can(Permission::ReadCase))?;
        user.trail.object(ObjectKind::Case, id);
        let Some(c) = self.cases.case(id).await? else {
            user.trail.refuse(Denial::NotFound);
            return Err(CaseworkError::NotFound);
        };
        user.trail.household(c.data.household_id);
        if !user.scope.contains(&c.data.region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(CaseworkError::NotFound);
        }
        if !Self::can_read(user, &c.data) {
            // Another department's referral: in the region, but not this liaison's.
            user.trail.refuse(Denial::Role);
            return Err(CaseworkError::NotFound);
        }
        Ok(c)
    }
    /// A role's queue in the user's scope.
    pub async fn queue(&self, user: &User, bucket: QueueBucket, page: i64, today: NaiveDate) -> Result<(Vec<CaseSummary>, QueueCounts)> {
        Self::require(user, user.can(Permission::ReadCase))?;
        let cal = self.calendar();
        let soon_until = workflow::working_days(&cal, today, 3).unwrap_or(today + chrono::Duration::days(3));
        let q = QueueQuery {
            scope: user.scope.0.clone(),
            role: user.role,
            department: if user.role == Role::DepartmentLiaison {
                Some(user.department.unwrap_or(Department::MedicalSecurity))
            } else {
                None
            },
            bucket,
            today,
            soon_until,
            account_id: user.account_id,
            limit: 50,
            // Saturating: a page number from a URL must not overflow (schemathesis sent i64::MAX - 1).
            offset: page.max(0).saturating_mul(50),
        };
        // A liaison without a department sees nothing rather than another department's cases.
        if user.role == Role::DepartmentLiaison && user.department.is_none() {
            return Ok((Vec::new(), QueueCounts::default()));
        }
        let (rows, counts) = (self.cases.queue(&q).await?, self.cases.queue_counts(&q).await?);
        Ok((rows, counts))
    }

    pub async fn household_cases(&self, user: &User, household_id: i64) -> Result<Vec<CaseSummary>> {
        self.registry.get(user, household_id).await?;
        Self::require(user, user.can(Permission::ReadCase))?;
        Ok(self.cases.household_cases(household_id).await?)
    }

    pub async fn household_benefits(&self, user: &User, household_id: i64) -> Result<Vec<Benefit>> {
        self.registry.get(user, household_id).await?;
        Ok(self.cases.household_benefits(household_id).await?)
    }

    /// The cases in 公示 in the user's scope (the notice to post; names masked by the page).
    pub async fn in_publicity(&self, user: &User) -> Result<Vec<(CaseSummary, Case)>> {
        Self::require(user, user.can(Permission::ReadCase) && user.role != Role::DepartmentLiaison)?;
        let rows = self.cases.cases_in_state(&user.scope.0, CaseState::Publicity, 500).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(c) = self.cases.case(r.id).await? {
                out.push((r, c));
            }
        }
        Ok(out)
    }

    /// 公示 for residents: the applications of `town` on notice `today`, as posted (no user: what
    /// the village notice board shows anyone; the caller audits the read). A notice is down after
    /// its last day even before the tick moves the case on.
    pub async fn public_notice(&self, town: &jiuzhu_domain::RegionCode, today: NaiveDate) -> Result<Vec<crate::notice::NoticeLine>> {
        let mut out = Vec::new();
        for r in self.cases.cases_in_state(town, CaseState::Publicity, 500).await? {
            if let Some(c) = self.cases.case(r.id).await? {
                let line = crate::notice::NoticeLine::of(&r, &c);
                if line.posted_on(today) {
                    out.push(line);
                }
            }
        }
        out.sort_by(|a, b| (&a.village, &a.applicant, a.case_id).cmp(&(&b.village, &b.applicant, b.case_id)));
        Ok(out)
    }

    /// 家庭档案: a household with its history, assessments, cases and benefits.
    pub async fn dossier(&self, user: &User, household_id: i64) -> Result<Dossier> {
        let household = self.registry.get(user, household_id).await?;
        let mut history = self.registry.history(user, household_id).await?;
        history.reverse();
        let assessments = self.registry.assessments(user, household_id).await?;
        let (cases, benefits) = if user.can(Permission::ReadCase) {
            (self.cases.household_cases(household_id).await?, self.cases.household_benefits(household_id).await?)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Dossier { household, history, assessments, cases, benefits })
    }
}
