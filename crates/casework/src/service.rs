//! The casework service: every step of a case for a signed-in user — role and region scope
//! checked, the economic check run by the policy engine, the step and its benefit written in one
//! transaction — and the periodic tick (publicity periods ending, objection windows closing,
//! reviews falling due, gradual exits ending, deadlines the calendar can now compute).

use crate::rules::Rules;
use crate::workflow::{self, Action, Ctx, Effect, Intake, Who, WorkflowError};
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Calendar, Fen, FieldError, LabourCapacity, Permission, Role, ValidationErrors};
use jiuzhu_policy::{Policies, Programme, Status};
use jiuzhu_registry::User;
use jiuzhu_store::*;
use rand::Rng;
use std::sync::{Arc, RwLock};

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
            R::Stale => CaseworkError::Store(StoreError::VersionMismatch { expected: 0 }),
            R::Store(s) => CaseworkError::Store(s),
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

/// How far ahead of its date a periodic review is opened.
const REVIEW_LEAD_DAYS: u64 = 30;
/// The largest photo accepted from a survey.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

pub struct Casework {
    store: Arc<dyn Store>,
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
    pub fn new(store: Arc<dyn Store>) -> Casework {
        Casework {
            store,
            policies: Policies::builtin(),
            calendar: RwLock::new(Arc::new(Calendar::with_years(&[]).expect("the vendored calendar is valid"))),
            verify_rules: jiuzhu_verify::Rules::default(),
        }
    }

    /// Reads the holiday years imported after the release (call once at start).
    pub async fn load_calendar(&self) -> Result<()> {
        let years = self.store.calendar_years().await?;
        let cal = Calendar::with_years(&years)?;
        *self.calendar.write().expect("calendar lock") = Arc::new(cal);
        Ok(())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().expect("calendar lock").clone()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Imports the next year's official holidays (system administrators), then computes the
    /// deadlines that were waiting for them. Returns how many cases got deadlines.
    pub async fn import_calendar_year(&self, user: Option<&User>, year: i32, text: &str, source: &str) -> Result<usize> {
        if let Some(u) = user
            && !u.can(Permission::ManageCalendar)
        {
            return Err(CaseworkError::Forbidden);
        }
        let mut years = self.store.calendar_years().await?;
        years.retain(|(y, _)| *y != year);
        years.push((year, text.to_string()));
        let cal = Calendar::with_years(&years)?;
        let actor = user.map(User::actor).unwrap_or_else(|| Actor::system("calendar-import"));
        self.store.put_calendar_year(year, text, source, &actor).await?;
        *self.calendar.write().expect("calendar lock") = Arc::new(cal);
        self.fill_deadlines(chrono::Local::now().date_naive()).await
    }

    fn rules(&self, region: &str, date: NaiveDate) -> Result<Rules> {
        Rules::resolve(self.policies, region, date).map_err(|m| FieldError::new("region", "parameter.missing", m.zh(), m.en()).into())
    }

    /// How a user appears on a case's timeline (the account id is kept with it).
    fn actor(user: &User) -> Actor {
        Actor { account_id: Some(user.account_id), username: user.display_name.clone() }
    }

    fn who(user: &User) -> Who {
        Who { account_id: Some(user.account_id), name: user.display_name.clone(), role: Some(user.role) }
    }

    /// Whether `user` may read `c` (role, region, and for liaisons their department).
    fn can_read(user: &User, c: &NewCase) -> bool {
        user.can(Permission::ReadCase)
            && user.scope.contains(&c.region)
            && (user.role != Role::DepartmentLiaison || (c.department.is_some() && c.department == user.department))
    }

    async fn case_in_scope(&self, user: &User, id: i64) -> Result<Case> {
        if !user.can(Permission::ReadCase) {
            return Err(CaseworkError::Forbidden);
        }
        let c = self.store.case(id).await?.ok_or(CaseworkError::NotFound)?;
        if !Self::can_read(user, &c.data) {
            return Err(CaseworkError::NotFound);
        }
        Ok(c)
    }

    /// 受理: opens one case per kind asked for, all or nothing.
    pub async fn intake(&self, user: &User, household_id: i64, input: &IntakeInput, today: NaiveDate) -> Result<Vec<i64>> {
        if !user.can(Permission::Intake) {
            return Err(CaseworkError::Forbidden);
        }
        let registry = jiuzhu_registry::Registry::new(self.store.clone());
        let h = registry.get(user, household_id).await?;
        if input.kinds.is_empty() {
            return Err(FieldError::new("kinds", "intake.kinds", "请至少选择一项救助", "choose at least one kind of assistance").into());
        }
        let mut kinds = input.kinds.clone();
        kinds.dedup();
        let track = input.track.unwrap_or(Track::Normal);
        let region = h.data.hukou_region.clone();
        let rules = self.rules(region.as_str(), today)?;
        let cal = self.calendar();
        let applicant = input.applicant_member_id.and_then(|id| h.member(id)).unwrap_or_else(|| h.head()).data.name.clone();
        let has_disability = h.members.iter().any(|m| m.data.disability.is_some());
        let has_illness = h.members.iter().any(|m| m.data.serious_illness);
        let mut cases = Vec::new();
        for kind in &kinds {
            // Fast tracks apply to the civil-affairs kinds; referrals asked for alongside go normally.
            let t = if kind.route() == Route::CivilAffairs && (track != Track::Emergency || *kind == AssistanceKind::Temporary) {
                track
            } else {
                Track::Normal
            };
            let mut materials = materials_for(*kind, t, has_disability, has_illness);
            for m in &mut materials {
                m.received = input.received.contains(&m.code);
            }
            cases.push(workflow::open(
                Intake {
                    household_id,
                    region: region.clone(),
                    applicant: &applicant,
                    kind: *kind,
                    track: t,
                    materials,
                    request: &input.request,
                    near_relative_note: input.near_relative_note.clone(),
                    commitment_signed: input.commitment_signed,
                    emergency_description: input.emergency_description.clone(),
                },
                today,
                &cal,
                &rules,
            )?);
        }
        let event = NewCaseEvent {
            actor: Self::actor(user),
            role: Some(user.role),
            action: "intake".into(),
            from_state: None,
            to_state: CaseState::Accepted,
            note: format!("登记申请：{}", kinds.iter().map(|k| k.zh()).collect::<Vec<_>>().join("、")),
        };
        match self.store.insert_cases(&cases, &event).await {
            Ok(ids) => Ok(ids),
            Err(StoreError::Conflict { constraint }) if constraint == "cases_open_kind" => {
                let open = self.store.household_cases(household_id).await?;
                let dup: Vec<String> = open
                    .iter()
                    .filter(|c| c.state.is_open() && c.purpose == Purpose::Application && kinds.contains(&c.kind))
                    .map(|c| format!("{}（案件 {}）", c.kind.zh(), c.id))
                    .collect();
                Err(FieldError::new(
                    "kinds",
                    "intake.duplicate",
                    format!("该家庭已有办理中的申请：{}，不能重复受理", dup.join("、")),
                    format!("the household already has an open application: {}", dup.join(", ")),
                )
                .into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get(&self, user: &User, id: i64) -> Result<CaseView> {
        let case = self.case_in_scope(user, id).await?;
        let events = self.store.case_events(id).await?;
        let can = self.possible_steps(user, &case.data);
        Ok(CaseView { case, events, can })
    }

    /// The steps `user` could take on `c` now (what the page offers; the step itself checks again).
    fn possible_steps(&self, user: &User, c: &NewCase) -> Vec<&'static str> {
        use CaseState::*;
        let mine = workflow::due_role(c) == Some(user.role);
        let mut out = Vec::new();
        let mut add = |ok: bool, code: &'static str| {
            if ok {
                out.push(code);
            }
        };
        let clerk = user.role == Role::WindowClerk;
        let paperwork_pending = c.details.emergency.as_ref().is_some_and(|e| e.paperwork_done_on.is_none());
        add(clerk && (c.state == Materials || paperwork_pending), "supply_materials");
        add(mine && c.state == Accepted && c.track != Track::Emergency, "check");
        add(mine && c.state == CheckFailed, "object_to_feedback");
        add(mine && c.state == CheckFailed, "close_after_feedback");
        add(mine && c.state == Survey, "survey");
        add(mine && c.state == Evaluation, "evaluation");
        add(mine && c.state == TownReview, "town_decision");
        add(mine && c.state == TownReview && c.purpose == Purpose::Review, "request_survey");
        add(mine && c.state == Publicity, "objection");
        add(mine && c.state == Publicity && c.details.open_objections() > 0, "resolve_objection");
        add(mine && c.state == Publicity, "end_publicity");
        add(mine && c.state == CountyReview && c.spot_check_required && c.details.spot_check.is_none(), "spot_check");
        add(mine && c.state == CountyReview, "approve");
        add(mine && c.state == CountyReview, "reject");
        add(mine && c.state == CountyReview, "send_back");
        add(
            matches!(user.role, Role::TownReviewer | Role::CountyApprover)
                && c.state.is_open()
                && c.state != Materials
                && !c.extended
                && c.track == Track::Normal
                && matches!(c.kind, AssistanceKind::Dibao | AssistanceKind::DibaoEdge | AssistanceKind::RigidExpense),
            "extend",
        );
        add(mine && c.track == Track::Emergency && matches!(c.state, Materials | Accepted), "grant_emergency");
        add(clerk && c.state == Approved && paperwork_pending, "paperwork_done");
        add(mine && c.state == Referred, "accept_referral");
        add(mine && matches!(c.state, Referred | DepartmentHandling), "answer_referral");
        add(clerk && c.state == NeedOpen, "close_need");
        add(clerk && c.state.is_open() && c.purpose == Purpose::Application && c.state != NeedOpen, "withdraw");
        out
    }

    /// Takes a step on a case. `version` is the version the user's page showed: if someone took
    /// a step since, the user is told what happened instead (two people cannot both win).
    pub async fn act(&self, user: &User, id: i64, version: i64, action: Action, today: NaiveDate) -> Result<Case> {
        let case = self.case_in_scope(user, id).await?;
        if user.role == Role::DepartmentLiaison && case.data.department != user.department {
            return Err(CaseworkError::NotFound);
        }
        if case.version != version {
            return Err(self.conflict(&case).await);
        }
        self.step(case, action, &Self::who(user), today).await
    }

    async fn conflict(&self, case: &Case) -> CaseworkError {
        let by = self.store.case_events(case.id).await.ok().and_then(|e| e.last().map(|e| e.actor.clone())).unwrap_or_default();
        CaseworkError::Conflict { state: case.data.state, by }
    }

    /// Applies `action` to `case` (already checked for scope) and writes it.
    async fn step(&self, case: Case, action: Action, who: &Who, today: NaiveDate) -> Result<Case> {
        let region = case.data.region.as_str().to_string();
        let rules = self.rules(&region, today)?;
        let cal = self.calendar();
        let spot_check_sampled = if case.data.kind == AssistanceKind::Tekun && action == Action::EndPublicity {
            self.sample_spot_check(&case.data.region, &rules, today).await?
        } else {
            false
        };
        let town_limit = self.town_limit(&case.data, today).await?;
        let ctx = Ctx { today, calendar: &cal, rules: &rules, who, spot_check_sampled, town_limit };
        let from = case.data.state;
        let step = workflow::apply(&case.data, action, &ctx)?;
        let benefit = self.benefit_change(&case, &step, &rules, today).await?;
        let updated = Case { data: step.case, ..case.clone() };
        let event = NewCaseEvent {
            actor: Actor { account_id: who.account_id, username: who.name.clone() },
            role: who.role,
            action: step.action.into(),
            from_state: Some(from),
            to_state: updated.data.state,
            note: step.note,
        };
        match self.store.update_case(&updated, &event, benefit.as_ref()).await {
            Ok(_) => {}
            Err(StoreError::VersionMismatch { .. }) => {
                let now = self.store.case(case.id).await?.ok_or(CaseworkError::NotFound)?;
                return Err(self.conflict(&now).await);
            }
            Err(StoreError::Conflict { constraint }) if constraint == "benefits_one_in_force" => {
                return Err(FieldError::new(
                    "kind",
                    "benefit.in_force",
                    format!("该家庭已在享受{}，不能重复批准", case.data.kind.zh()),
                    format!("the household already receives {}", case.data.kind.en()),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        }
        self.store.case(case.id).await?.ok_or(CaseworkError::NotFound)
    }

    /// At least the configured share of 特困 decisions get a county home check: a case is taken
    /// when the share so far this year would fall short without it, and otherwise at random
    /// with the same probability.
    async fn sample_spot_check(&self, region: &jiuzhu_domain::RegionCode, rules: &Rules, today: NaiveDate) -> Result<bool> {
        let county = region.county().unwrap_or_else(|| region.clone());
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("1 January");
        let (all, checked) = self.store.tekun_spot_checks(&county, year_start).await?;
        let share = rules.tekun_spot_check_share;
        // ⌈share × (decisions so far + this one)⌉, exactly (share in ten-thousandths).
        let needed = (share.0 * (all + 1) + 9_999) / 10_000;
        Ok(checked < needed || rand::rng().random_bool(share.as_f64().clamp(0.0, 1.0)))
    }

    /// The most the town may grant alone as temporary assistance: the policy engine's limit for
    /// the household's area (urban or rural standard).
    async fn town_limit(&self, c: &NewCase, today: NaiveDate) -> Result<i64> {
        if c.kind != AssistanceKind::Temporary {
            return Ok(0);
        }
        let area = self.store.household(c.household_id).await?.map(|h| h.data.area).unwrap_or(jiuzhu_domain::Area::Rural);
        let p = jiuzhu_policy::Params::resolve(self.policies, c.region.as_str(), today, area, &[])
            .map_err(|m| FieldError::new("region", "parameter.missing", m.zh(), m.en()))?;
        Ok(p.town_limit.of(p.standard))
    }

    /// How often a household's benefit is reviewed: 特困 yearly; half-yearly where a member of
    /// working age can work; yearly for stable households.
    async fn review_months(&self, c: &NewCase, rules: &Rules, today: NaiveDate) -> Result<u32> {
        if c.kind == AssistanceKind::Tekun {
            return Ok(rules.review_tekun_months);
        }
        let h = self.store.household(c.household_id).await?.ok_or(CaseworkError::NotFound)?;
        let can_work = h.members.iter().any(|m| {
            let age = today.years_since(m.data.birth_date).unwrap_or(0);
            (16..60).contains(&age) && m.data.labour_capacity != LabourCapacity::None && m.data.living_together
        });
        Ok(if can_work { rules.review_can_work_months } else { rules.review_stable_months })
    }

    /// What the step's effect does to the benefit.
    async fn benefit_change(&self, case: &Case, step: &workflow::Step, rules: &Rules, today: NaiveDate) -> Result<Option<BenefitChange>> {
        let Some(effect) = &step.effect else { return Ok(None) };
        let months = self.review_months(&case.data, rules, today).await?;
        let after = |m: u32| today.checked_add_months(Months::new(m.max(1))).expect("date in range");
        if let Effect::Grant { monthly, one_off, effective_month } = *effect {
            let one_off_only = case.data.kind == AssistanceKind::Temporary;
            // 刚性支出困难 holds for 12 months, then the household applies again (认定办法 2025).
            let twelve_months = (case.data.kind == AssistanceKind::RigidExpense)
                .then(|| effective_month.checked_add_months(Months::new(11)).expect("date in range"));
            let (next, reason) = if case.data.track == Track::Commitment {
                (after(rules.commitment_post_check_months), ReviewReason::PostCheck)
            } else {
                (after(months), ReviewReason::Periodic)
            };
            return Ok(Some(BenefitChange::Grant(Benefit {
                id: 0,
                version: 0,
                household_id: case.data.household_id,
                region: case.data.region.clone(),
                kind: case.data.kind,
                case_id: case.id,
                monthly_amount: Fen(monthly),
                one_off_amount: Fen(one_off),
                since_month: effective_month,
                until_month: if one_off_only { Some(effective_month) } else { twelve_months },
                status: if one_off_only { BenefitStatus::Ended } else { BenefitStatus::Active },
                next_review_on: (!one_off_only && twelve_months.is_none()).then_some(next),
                next_review_reason: reason,
                review_months: i64::from(months),
                job_refusals: 0,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            })));
        }
        let Some(bid) = case.data.benefit_id.or(case.data.details.review.as_ref().map(|r| r.benefit_id)) else { return Ok(None) };
        let mut b = self.store.benefit(bid).await?.ok_or(CaseworkError::NotFound)?;
        // After a commitment post-check, a share of households gets a random re-check (seed 003).
        let was_post_check = b.next_review_reason == ReviewReason::PostCheck;
        let random_recheck = was_post_check && rand::rng().random_bool(rules.commitment_recheck_share.as_f64().clamp(0.0, 1.0));
        let (next, reason) = if random_recheck { (after(3), ReviewReason::RandomCheck) } else { (after(months), ReviewReason::Periodic) };
        b.next_review_on = Some(next);
        b.next_review_reason = reason;
        b.review_months = i64::from(months);
        match *effect {
            Effect::Unchanged | Effect::Grant { .. } => {}
            Effect::Adjust { monthly, .. } => b.monthly_amount = Fen(monthly),
            Effect::GradualExit { until_month } => {
                b.status = BenefitStatus::GradualExit;
                b.until_month = Some(until_month);
                b.next_review_on = None;
            }
            Effect::End { from_month } => {
                b.status = BenefitStatus::Ended;
                b.until_month = from_month.checked_sub_months(Months::new(1));
                b.next_review_on = None;
            }
        }
        Ok(Some(BenefitChange::Update(b)))
    }

    /// 核对: runs the policy engine on the household's registered data and compares it with
    /// the department data imported (jiuzhu-verify); keeps the assessment; records the result
    /// with every finding, its evidence and which feeds were used.
    pub async fn run_check(&self, user: &User, id: i64, version: i64, today: NaiveDate) -> Result<Case> {
        let case = self.case_in_scope(user, id).await?;
        if case.version != version {
            return Err(self.conflict(&case).await);
        }
        let check = self.check_record(&case.data, &user.display_name, today).await?;
        self.step(case, Action::RecordCheck(check), &Self::who(user), today).await
    }

    async fn check_record(&self, c: &NewCase, by: &str, today: NaiveDate) -> Result<CheckRecord> {
        let h = self.store.household(c.household_id).await?.ok_or(CaseworkError::NotFound)?;
        let a = jiuzhu_registry::assess::assess_household(&h, today, self.policies)?;
        let record = jiuzhu_registry::assess::record_of(&h, today, &a);
        let assessment_id = self.store.insert_assessments(&[record], &Actor::system("casework-check")).await?.first().copied();
        let programme = programme_of(c.kind).map(|p| a.programme(p));
        let (passed, status, amount, mut findings) = match programme {
            // 临时救助: an emergency needs no income test; the property test still applies.
            Some(p) if c.kind == AssistanceKind::Temporary => {
                let dibao = a.programme(Programme::Dibao);
                let reasons: Vec<String> =
                    dibao.reasons.iter().filter(|r| r.code.starts_with("asset") || r.code == "assets_ok").map(|r| r.text.clone()).collect();
                (a.household.assets_ok, p.status, 0, if reasons.is_empty() { vec!["家庭财产符合规定".to_string()] } else { reasons })
            }
            Some(p) => (
                p.status != Status::NotEligible,
                p.status,
                p.monthly_amount.unwrap_or(0),
                p.reasons.iter().map(|r| r.text.clone()).collect(),
            ),
            None => (true, Status::NeedsCheck, 0, Vec::new()),
        };
        // 部门数据比对: what other departments' data say against the declaration. A finding that
        // bears on eligibility (undeclared income or property, a death) fails the check, so the
        // applicant gets the feedback slip and may object; signs of hardship are noted only.
        let feeds = jiuzhu_verify::service::check_household(self.store.as_ref(), &h, today, &self.verify_rules).await?;
        let passed = passed && !feeds.affects_eligibility();
        for f in &feeds.findings {
            let who = f.member.map(|m| format!("【{}】", h.members[m].data.name)).unwrap_or_default();
            let tag = if f.kind.affects_eligibility() { "部门数据比对不符" } else { "部门数据提示" };
            findings.push(format!("{tag}：{}{who}：{}", f.kind.zh(), f.evidence));
        }
        findings.extend(feeds.evidence.iter().map(|e| format!("依据：{e}")));
        let imported: std::collections::BTreeSet<String> = self.store.feed_imports(1_000).await?.into_iter().map(|i| i.feed).collect();
        let labels = |feeds: &mut dyn Iterator<Item = jiuzhu_verify::Feed>| feeds.map(|f| f.label()).collect::<Vec<_>>().join("、");
        let mut sources = vec!["户籍、家庭成员：本系统登记信息".to_string(), "收入、财产、支出：申请人申报（登记信息）".to_string()];
        if imported.is_empty() {
            sources.push("部门数据：尚未导入任何部门数据，本次核对仅依据申报信息".into());
        } else {
            let with_data = labels(&mut feeds.feeds_with_data.iter().copied());
            let without =
                labels(&mut imported.iter().filter_map(|c| jiuzhu_verify::Feed::parse(c)).filter(|f| !feeds.feeds_with_data.contains(f)));
            if !with_data.is_empty() {
                sources.push(format!("部门数据（有本户记录 {} 条）：{with_data}", feeds.rows));
            }
            if !without.is_empty() {
                sources.push(format!("部门数据（已比对，无本户记录）：{without}"));
            }
        }
        Ok(CheckRecord {
            on: today,
            by: by.to_string(),
            passed,
            status: status.as_str().to_string(),
            per_capita_monthly_income: a.household.per_capita_monthly_income,
            monthly_amount: amount,
            findings,
            sources,
            assessment_id,
        })
    }

    /// 比对复核: every recipient household (an active benefit with a review date) against the
    /// department data; a finding that bears on eligibility (假困难, unreported recovery, a
    /// death) opens a review with the findings as its note. Households with a review already
    /// open are counted, not opened twice.
    pub async fn data_check_recipients(&self, today: NaiveDate) -> Result<DataCheckReport> {
        let mut report = DataCheckReport::default();
        let far = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid");
        for b in self.store.benefits_due_for_review(far, i64::MAX / 2).await? {
            report.checked += 1;
            let Some(h) = self.store.household(b.household_id).await? else { continue };
            let feeds = jiuzhu_verify::service::check_household(self.store.as_ref(), &h, today, &self.verify_rules).await?;
            let bad: Vec<&jiuzhu_verify::Finding> = feeds.findings.iter().filter(|f| f.kind.affects_eligibility()).collect();
            if bad.is_empty() {
                continue;
            }
            report.found += 1;
            let rules = self.rules(b.region.as_str(), today)?;
            let death = bad.iter().find(|f| f.kind == jiuzhu_verify::FindingKind::Death);
            let member = bad.iter().find_map(|f| f.member).map(|m| h.members[m].data.name.clone());
            let (reason, due) = match death {
                Some(_) => (
                    ReviewReason::Death,
                    ReviewDue::On(today.checked_add_months(Months::new(rules.review_after_death_months)).expect("date in range")),
                ),
                None => (ReviewReason::DataCheck, ReviewDue::WorkingDays(rules.overall_days)),
            };
            let note = bad.iter().map(|f| format!("{}：{}", f.kind.zh(), f.evidence)).collect::<Vec<_>>().join("；");
            let review = ReviewRecord { reason, benefit_id: b.id, note, member, due };
            match self.open_review(&b, review, Actor::system("data-check"), None, today).await {
                Ok(_) => report.reviews_opened += 1,
                Err(CaseworkError::Invalid(_)) => report.already_open += 1,
                Err(e) => return Err(e),
            }
        }
        self.data_check_applications(today, &mut report).await?;
        Ok(report)
    }

    /// Applications between the 核对 step and the decision (survey, evaluation, town review,
    /// public notice, decision) against department data imported since their check: a finding
    /// that bears on eligibility goes on the case's timeline for the reviewer and approver
    /// (the check already passed, so the decision is theirs); the same findings only once.
    async fn data_check_applications(&self, today: NaiveDate, report: &mut DataCheckReport) -> Result<()> {
        use CaseState::*;
        for top in self.store.region_children(None).await? {
            for state in [Survey, Evaluation, TownReview, Publicity, CountyReview] {
                for c in self.store.cases_in_state(&top.code, state, i64::MAX / 2).await? {
                    if c.purpose != Purpose::Application || c.kind.route() != Route::CivilAffairs {
                        continue;
                    }
                    report.applications_checked += 1;
                    let Some(h) = self.store.household(c.household_id).await? else { continue };
                    let feeds = jiuzhu_verify::service::check_household(self.store.as_ref(), &h, today, &self.verify_rules).await?;
                    let bad: Vec<String> = feeds
                        .findings
                        .iter()
                        .filter(|f| f.kind.affects_eligibility())
                        .map(|f| format!("{}：{}", f.kind.zh(), f.evidence))
                        .collect();
                    if bad.is_empty() {
                        continue;
                    }
                    let note = format!("部门数据比对发现：{}。请在审核、审批时核实", bad.join("；"));
                    if self.store.case_events(c.id).await?.iter().any(|e| e.action == "data_check" && e.note == note) {
                        report.applications_already_flagged += 1;
                        continue;
                    }
                    let Some(case) = self.store.case(c.id).await? else { continue };
                    let event = NewCaseEvent {
                        actor: Actor::system("data-check"),
                        role: None,
                        action: "data_check".into(),
                        from_state: Some(state),
                        to_state: state,
                        note,
                    };
                    match self.store.update_case(&case, &event, None).await {
                        Ok(_) => report.applications_flagged += 1,
                        // Someone took a step meanwhile: the next run looks again.
                        Err(StoreError::VersionMismatch { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Ok(())
    }

    /// The amounts the town's review starts from: the policy engine on the registered data.
    pub async fn suggestion(&self, user: &User, id: i64, today: NaiveDate) -> Result<Suggestion> {
        let case = self.case_in_scope(user, id).await?;
        let h = self.store.household(case.data.household_id).await?.ok_or(CaseworkError::NotFound)?;
        let a = jiuzhu_registry::assess::assess_household(&h, today, self.policies)?;
        let town_limit = self.town_limit(&case.data, today).await?;
        let Some(p) = programme_of(case.data.kind).map(|p| a.programme(p)) else {
            return Ok(Suggestion {
                monthly_amount: 0,
                one_off_amount: 0,
                members: Vec::new(),
                status: Status::NeedsCheck,
                reasons: Vec::new(),
                town_limit,
            });
        };
        Ok(Suggestion {
            monthly_amount: p.monthly_amount.unwrap_or(0),
            one_off_amount: p.amount.unwrap_or(0),
            members: p.members.clone(),
            status: p.status,
            reasons: p.reasons.iter().map(|r| r.text.clone()).collect(),
            town_limit,
        })
    }

    /// A role's queue in the user's scope.
    pub async fn queue(&self, user: &User, bucket: QueueBucket, page: i64, today: NaiveDate) -> Result<(Vec<CaseSummary>, QueueCounts)> {
        if !user.can(Permission::ReadCase) {
            return Err(CaseworkError::Forbidden);
        }
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
        let (rows, counts) = (self.store.queue(&q).await?, self.store.queue_counts(&q).await?);
        Ok((rows, counts))
    }

    pub async fn household_cases(&self, user: &User, household_id: i64) -> Result<Vec<CaseSummary>> {
        let registry = jiuzhu_registry::Registry::new(self.store.clone());
        registry.get(user, household_id).await?;
        if !user.can(Permission::ReadCase) {
            return Err(CaseworkError::Forbidden);
        }
        Ok(self.store.household_cases(household_id).await?)
    }

    pub async fn household_benefits(&self, user: &User, household_id: i64) -> Result<Vec<Benefit>> {
        let registry = jiuzhu_registry::Registry::new(self.store.clone());
        registry.get(user, household_id).await?;
        Ok(self.store.household_benefits(household_id).await?)
    }

    /// The cases in 公示 in the user's scope (the notice to post; names masked by the page).
    pub async fn in_publicity(&self, user: &User) -> Result<Vec<(CaseSummary, Case)>> {
        if !user.can(Permission::ReadCase) || user.role == Role::DepartmentLiaison {
            return Err(CaseworkError::Forbidden);
        }
        let rows = self.store.cases_in_state(&user.scope.0, CaseState::Publicity, 500).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(c) = self.store.case(r.id).await? {
                out.push((r, c));
            }
        }
        Ok(out)
    }

    /// Keeps a survey photo (investigators, while the case is at the survey).
    pub async fn add_photo(&self, user: &User, id: i64, content_type: &str, bytes: &[u8], caption: &str) -> Result<i64> {
        let case = self.case_in_scope(user, id).await?;
        if user.role != Role::Investigator {
            return Err(CaseworkError::Forbidden);
        }
        if case.data.state != CaseState::Survey {
            return Err(
                FieldError::new("photo", "photo.state", "只能在入户调查阶段上传照片", "photos are taken during the home survey").into()
            );
        }
        if !matches!(content_type, "image/jpeg" | "image/png" | "image/webp") {
            return Err(
                FieldError::new("photo", "photo.type", "照片须为 JPEG、PNG 或 WebP 格式", "a photo must be JPEG, PNG or WebP").into()
            );
        }
        if bytes.is_empty() || bytes.len() > MAX_PHOTO_BYTES {
            return Err(FieldError::new("photo", "photo.size", "照片大小须在 5 MB 以内", "a photo must be at most 5 MB").into());
        }
        Ok(self.store.insert_photo(id, content_type, bytes, caption.trim(), &user.actor()).await?)
    }

    pub async fn photo_ids(&self, user: &User, id: i64) -> Result<Vec<i64>> {
        self.case_in_scope(user, id).await?;
        Ok(self.store.case_photo_ids(id).await?)
    }

    pub async fn photo(&self, user: &User, photo_id: i64) -> Result<Photo> {
        let p = self.store.photo(photo_id).await?.ok_or(CaseworkError::NotFound)?;
        self.case_in_scope(user, p.case_id).await?;
        Ok(p)
    }

    /// 情况变化 or a member's death reported on a granted benefit: opens a review, due within
    /// 3 months of a death, otherwise within the overall time.
    pub async fn report_change(
        &self,
        user: &User,
        benefit_id: i64,
        death: bool,
        member: Option<String>,
        note: &str,
        today: NaiveDate,
    ) -> Result<i64> {
        if !matches!(user.role, Role::WindowClerk | Role::VillageAssistant) {
            return Err(CaseworkError::Forbidden);
        }
        let b = self.benefit_in_scope(user, benefit_id).await?;
        if note.trim().is_empty() {
            return Err(FieldError::new("note", "required", "请说明变化情况", "describe the change").into());
        }
        let rules = self.rules(b.region.as_str(), today)?;
        let due = if death {
            ReviewDue::On(today.checked_add_months(Months::new(rules.review_after_death_months)).expect("date in range"))
        } else {
            ReviewDue::WorkingDays(rules.overall_days)
        };
        let reason = if death { ReviewReason::Death } else { ReviewReason::Change };
        let review = ReviewRecord { reason, benefit_id: b.id, note: note.trim().to_string(), member, due };
        self.open_review(&b, review, Self::actor(user), Some(user.role), today).await
    }

    /// A refused job offer (无正当理由拒绝就业); the third opens a review to cut that member's share.
    pub async fn record_job_refusal(&self, user: &User, benefit_id: i64, member: &str, offer: &str, today: NaiveDate) -> Result<i64> {
        if !matches!(user.role, Role::WindowClerk | Role::VillageAssistant) {
            return Err(CaseworkError::Forbidden);
        }
        let mut b = self.benefit_in_scope(user, benefit_id).await?;
        if member.trim().is_empty() || offer.trim().is_empty() {
            return Err(FieldError::new("offer", "required", "请填写成员和所介绍的工作", "name the member and the job offered").into());
        }
        let rules = self.rules(b.region.as_str(), today)?;
        b.job_refusals += 1;
        let refusals = b.job_refusals;
        // The third refusal in a row opens a review, and the count starts again (连续3次).
        if refusals >= i64::from(rules.job_refusals) {
            b.job_refusals = 0;
        }
        self.store.update_benefit(&b).await?;
        let b = self.store.benefit(benefit_id).await?.ok_or(CaseworkError::NotFound)?;
        if refusals >= i64::from(rules.job_refusals) {
            let note = format!("{}无正当理由连续第{}次拒绝介绍的工作（{}），按规定核减其本人低保金", member.trim(), refusals, offer.trim());
            let review = ReviewRecord {
                reason: ReviewReason::JobRefusals,
                benefit_id: b.id,
                note,
                member: Some(member.trim().to_string()),
                due: ReviewDue::WorkingDays(rules.overall_days),
            };
            match self.open_review(&b, review, Self::actor(user), Some(user.role), today).await {
                // A review already open takes this in: the refusal is recorded either way.
                Ok(_) | Err(CaseworkError::Invalid(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(refusals)
    }

    async fn benefit_in_scope(&self, user: &User, id: i64) -> Result<Benefit> {
        let b = self.store.benefit(id).await?.ok_or(CaseworkError::NotFound)?;
        if !user.scope.contains(&b.region) || !user.can(Permission::ReadCase) {
            return Err(CaseworkError::NotFound);
        }
        if b.status == BenefitStatus::Ended {
            return Err(FieldError::new("benefit", "benefit.ended", "该救助已停止", "this benefit has ended").into());
        }
        Ok(b)
    }

    async fn open_review(&self, b: &Benefit, review: ReviewRecord, actor: Actor, role: Option<Role>, today: NaiveDate) -> Result<i64> {
        let h = self.store.household(b.household_id).await?.ok_or(CaseworkError::NotFound)?;
        let (reason, note) = (review.reason, review.note.clone());
        let c = workflow::open_review(b, &h.head().data.name, review, today, &self.calendar());
        let event = NewCaseEvent {
            actor,
            role,
            action: "review_opened".into(),
            from_state: None,
            to_state: c.state,
            note: format!("{}：{}", reason.zh(), note),
        };
        match self.store.insert_cases(&[c], &event).await {
            Ok(ids) => Ok(ids[0]),
            Err(StoreError::Conflict { .. }) => Err(FieldError::new(
                "benefit",
                "review.open",
                "该救助已有办理中的复核，请在该复核中处理",
                "a review of this benefit is already open: handle it there",
            )
            .into()),
            Err(e) => Err(e.into()),
        }
    }

    /// Computes deadlines that were waiting for the calendar.
    async fn fill_deadlines(&self, today: NaiveDate) -> Result<usize> {
        let cal = self.calendar();
        let mut n = 0;
        for id in self.store.cases_without_deadline(10_000).await? {
            let Some(mut c) = self.store.case(id).await? else { continue };
            let rules = self.rules(c.data.region.as_str(), today)?;
            if workflow::fill_deadlines(&mut c.data, &cal, &rules) {
                let event = NewCaseEvent {
                    actor: Actor::system("calendar"),
                    role: None,
                    action: "deadlines".into(),
                    from_state: Some(c.data.state),
                    to_state: c.data.state,
                    note: "节假日安排已导入，计算办理期限".into(),
                };
                if self.store.update_case(&c, &event, None).await.is_ok() {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// The periodic work nobody has to click: ends publicity periods without objections, closes
    /// feedback slips nobody objected to, opens reviews that fall due (and runs the data
    /// post-check of 承诺制 cases), ends gradual exits, fills deadlines. Safe to run at any time.
    pub async fn tick(&self, today: NaiveDate) -> Result<TickReport> {
        let mut report = TickReport::default();
        // A year imported by the command line while the server runs is picked up here.
        self.load_calendar().await?;
        let all = self.all_regions().await?;
        for scope in &all {
            for s in self.store.cases_in_state(scope, CaseState::Publicity, 10_000).await? {
                let Some(c) = self.store.case(s.id).await? else { continue };
                let ended = c.data.details.publicity.as_ref().is_some_and(|p| today > p.ends_on);
                if ended
                    && c.data.details.open_objections() == 0
                    && self.step(c, Action::EndPublicity, &Who::system("tick"), today).await.is_ok()
                {
                    report.publicity_ended += 1;
                }
            }
            for s in self.store.cases_in_state(scope, CaseState::CheckFailed, 10_000).await? {
                let Some(c) = self.store.case(s.id).await? else { continue };
                let due = c.data.details.feedback.as_ref().and_then(|f| f.objection_due);
                if due.is_some_and(|d| today > d) && self.step(c, Action::CloseAfterFeedback, &Who::system("tick"), today).await.is_ok() {
                    report.feedback_closed += 1;
                }
            }
        }
        let lead = today.checked_add_days(chrono::Days::new(REVIEW_LEAD_DAYS)).expect("date in range");
        for b in self.store.benefits_due_for_review(lead, 10_000).await? {
            let due = b.next_review_on.unwrap_or(today);
            let note = format!("{}（到期 {due}）", b.next_review_reason.zh());
            let review = ReviewRecord { reason: b.next_review_reason, benefit_id: b.id, note, member: None, due: ReviewDue::On(due) };
            let Ok(id) = self.open_review(&b, review, Actor::system("tick"), None, today).await else {
                continue;
            };
            report.reviews_opened += 1;
            // 承诺制 post-checks and random re-checks: the data check runs at once.
            if matches!(b.next_review_reason, ReviewReason::PostCheck | ReviewReason::RandomCheck)
                && let Some(c) = self.store.case(id).await?
            {
                let check = self.check_record(&c.data, "system:post-check", today).await?;
                let passed = check.passed;
                if self.step(c, Action::RecordCheck(check), &Who::system("post-check"), today).await.is_ok() && passed {
                    report.post_checks_passed += 1;
                }
            }
        }
        let month = today.with_day(1).expect("day 1");
        for mut b in self.store.benefits_exit_ended(month, 10_000).await? {
            b.status = BenefitStatus::Ended;
            if self.store.update_benefit(&b).await.is_ok() {
                report.exits_ended += 1;
            }
        }
        report.deadlines_filled = self.fill_deadlines(today).await?;
        Ok(report)
    }

    /// The top-level regions loaded (the tick works through each).
    async fn all_regions(&self) -> Result<Vec<jiuzhu_domain::RegionCode>> {
        Ok(self.store.region_children(None).await?.into_iter().map(|d| d.code).collect())
    }
}

/// A step as a user (a page's form or the JSON API) asks for it; the service adds who, when, the
/// investigators' names, the policy engine's amounts and the check itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StepInput {
    SupplyMaterials {
        received: Vec<String>,
    },
    /// 核对: runs the economic check.
    Check,
    ObjectToFeedback {
        text: String,
    },
    CloseAfterFeedback,
    Survey {
        /// The second investigator (an investigator account of the same town).
        co_investigator_id: i64,
        visited_on: NaiveDate,
        #[serde(default)]
        living_conditions: String,
        findings: String,
        #[serde(default = "yes")]
        declared_matches: bool,
        /// Unmet self-care items (0–6) by member id, where the survey assessed them.
        #[serde(default)]
        self_care: Vec<(i64, u8)>,
        #[serde(default)]
        photo_ids: Vec<i64>,
    },
    RequestSurvey {
        reason: String,
    },
    Evaluation {
        held_on: NaiveDate,
        participants: u32,
        in_favour: u32,
        against: u32,
        conclusion: String,
    },
    TownDecision {
        approve: bool,
        /// Fen; `None`: the policy engine's amount on the registered data.
        #[serde(default)]
        monthly_amount: Option<i64>,
        #[serde(default)]
        one_off_amount: Option<i64>,
        #[serde(default)]
        reasons: Vec<String>,
        #[serde(default)]
        opinion: String,
        #[serde(default)]
        review_outcome: Option<ReviewOutcome>,
    },
    Objection {
        text: String,
    },
    ResolveObjection {
        id: u32,
        reinvestigate: bool,
        note: String,
    },
    EndPublicity,
    SpotCheck {
        findings: String,
    },
    Approve,
    Reject {
        reasons: Vec<String>,
    },
    SendBack {
        reason: String,
    },
    Extend {
        reason: String,
    },
    GrantEmergency {
        amount: i64,
        #[serde(default)]
        description: String,
    },
    PaperworkDone,
    AcceptReferral,
    AnswerReferral {
        granted: bool,
        answer: String,
        #[serde(default)]
        amount: i64,
    },
    CloseNeed {
        note: String,
    },
    Withdraw {
        reason: String,
    },
}

fn yes() -> bool {
    true
}

impl Casework {
    /// Takes a step asked for by a user.
    pub async fn take_step(&self, user: &User, id: i64, version: i64, input: StepInput, today: NaiveDate) -> Result<Case> {
        let action = match input {
            StepInput::Check => return self.run_check(user, id, version, today).await,
            StepInput::SupplyMaterials { received } => Action::SupplyMaterials { received },
            StepInput::ObjectToFeedback { text } => Action::ObjectToFeedback { text },
            StepInput::CloseAfterFeedback => Action::CloseAfterFeedback,
            StepInput::Survey { co_investigator_id, visited_on, living_conditions, findings, declared_matches, self_care, photo_ids } => {
                let case = self.case_in_scope(user, id).await?;
                let co = self
                    .store
                    .account(co_investigator_id)
                    .await?
                    .filter(|a| a.role == Role::Investigator && !a.disabled && user.scope.contains(&a.region) || a_in_case_scope(a, &case))
                    .ok_or_else(|| {
                        FieldError::new(
                            "co_investigator_id",
                            "survey.co_investigator",
                            "第二名调查人员须是本辖区的入户调查员",
                            "the second investigator must be an investigator of this region",
                        )
                    })?;
                let h = self.store.household(case.data.household_id).await?.ok_or(CaseworkError::NotFound)?;
                let mut findings_self_care = Vec::new();
                for (member_id, unmet) in self_care {
                    let m = h
                        .member(member_id)
                        .ok_or_else(|| FieldError::new("self_care", "survey.member", "不是本户成员", "not a member of this household"))?;
                    if unmet > 6 {
                        return Err(
                            FieldError::new("self_care", "self_care.range", "不能自理项目为 0–6 项", "unmet items are 0 to 6").into()
                        );
                    }
                    findings_self_care.push(SelfCareFinding { member_id, name: m.data.name.clone(), unmet });
                }
                for pid in &photo_ids {
                    if self.store.photo(*pid).await?.is_none_or(|p| p.case_id != id) {
                        return Err(FieldError::new("photo_ids", "photo.unknown", "照片不属于本案", "the photo is not of this case").into());
                    }
                }
                Action::SubmitSurvey(SurveyRecord {
                    visited_on,
                    investigators: vec![(user.account_id, user.display_name.clone()), (co.id, co.display_name)],
                    living_conditions: living_conditions.trim().to_string(),
                    findings: findings.trim().to_string(),
                    declared_matches,
                    self_care: findings_self_care,
                    photo_ids,
                })
            }
            StepInput::RequestSurvey { reason } => Action::RequestSurvey { reason },
            StepInput::Evaluation { held_on, participants, in_favour, against, conclusion } => Action::RecordEvaluation(EvaluationRecord {
                held_on,
                participants,
                in_favour,
                against,
                conclusion: conclusion.trim().to_string(),
                by: user.display_name.clone(),
            }),
            StepInput::TownDecision { approve, monthly_amount, one_off_amount, reasons, opinion, review_outcome } => {
                let s = self.suggestion(user, id, today).await?;
                Action::TownDecide(TownDecision {
                    on: today,
                    by_id: user.account_id,
                    by: user.display_name.clone(),
                    approve,
                    monthly_amount: monthly_amount.unwrap_or(if approve { s.monthly_amount } else { 0 }),
                    one_off_amount: one_off_amount.unwrap_or(if approve { s.one_off_amount } else { 0 }),
                    members: s.members,
                    reasons: reasons.into_iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect(),
                    opinion: opinion.trim().to_string(),
                    review_outcome,
                })
            }
            StepInput::Objection { text } => Action::RecordObjection { text },
            StepInput::ResolveObjection { id: oid, reinvestigate, note } => Action::ResolveObjection { id: oid, reinvestigate, note },
            StepInput::EndPublicity => Action::EndPublicity,
            StepInput::SpotCheck { findings } => Action::RecordSpotCheck { findings },
            StepInput::Approve => Action::Decide { approve: true, reasons: Vec::new() },
            StepInput::Reject { reasons } => Action::Decide { approve: false, reasons },
            StepInput::SendBack { reason } => Action::SendBack { reason },
            StepInput::Extend { reason } => Action::Extend { reason },
            StepInput::GrantEmergency { amount, description } => Action::GrantEmergency { amount, description },
            StepInput::PaperworkDone => Action::PaperworkDone,
            StepInput::AcceptReferral => Action::AcceptReferral,
            StepInput::AnswerReferral { granted, answer, amount } => Action::AnswerReferral { granted, answer, amount },
            StepInput::CloseNeed { note } => Action::CloseNeed { note },
            StepInput::Withdraw { reason } => Action::Withdraw { reason },
        };
        self.act(user, id, version, action, today).await
    }

    /// The investigators who may survey with `user` (same role, in the user's scope, not disabled).
    pub async fn co_investigators(&self, user: &User) -> Result<Vec<Account>> {
        Ok(self
            .store
            .list_accounts()
            .await?
            .into_iter()
            .filter(|a| a.role == Role::Investigator && !a.disabled && a.id != user.account_id && a.region.is_within(&user.scope.0))
            .collect())
    }
}

/// An investigator account whose region covers the case (a county-wide investigator).
fn a_in_case_scope(a: &Account, case: &Case) -> bool {
    a.role == Role::Investigator && !a.disabled && case.data.region.is_within(&a.region)
}

/// What a bulk step did to each case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BulkResult {
    pub case_id: i64,
    pub ok: bool,
    /// Why it was not done (Chinese), when not.
    pub message: String,
}

impl Casework {
    /// The steps the law lets an office take for many cases at once: 审核确认 of cases that need
    /// no home check (each still checked one by one, maker ≠ checker included), and sending on
    /// notices that have ended. Each case is its own transaction: one refusal stops no other.
    pub async fn bulk(&self, user: &User, items: &[(i64, i64)], input: StepInput, today: NaiveDate) -> Result<Vec<BulkResult>> {
        if !matches!(input, StepInput::Approve | StepInput::EndPublicity) {
            return Err(FieldError::new(
                "action",
                "bulk.action",
                "只有批量批准和公示期满报送可以批量办理",
                "only approval and ending notices can be done in bulk",
            )
            .into());
        }
        if items.is_empty() || items.len() > 200 {
            return Err(FieldError::new("cases", "bulk.count", "一次批量办理 1–200 件", "1 to 200 cases at a time").into());
        }
        let mut out = Vec::with_capacity(items.len());
        for (id, version) in items {
            let message = match self.take_step(user, *id, *version, input.clone(), today).await {
                Ok(_) => None,
                Err(CaseworkError::Workflow(WorkflowError::NotNow { zh, .. } | WorkflowError::NotYours { zh, .. })) => Some(zh),
                Err(CaseworkError::Conflict { state, by }) => Some(format!("已由{by}办理，当前环节为“{}”", state.zh())),
                Err(CaseworkError::Invalid(v) | CaseworkError::Workflow(WorkflowError::Invalid(v))) => {
                    Some(v.0.iter().map(|e| e.zh.clone()).collect::<Vec<_>>().join("；"))
                }
                Err(CaseworkError::NotFound | CaseworkError::Forbidden) => Some("案件不存在或不在您的辖区".into()),
                Err(e @ CaseworkError::Store(_)) => return Err(e),
            };
            out.push(BulkResult { case_id: *id, ok: message.is_none(), message: message.unwrap_or_default() });
        }
        Ok(out)
    }
}
