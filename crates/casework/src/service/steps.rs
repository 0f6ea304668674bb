//! A case as its page shows it, the steps a user may take, and a step applied and written in one transaction with what it does to the benefit.

use super::*;

impl Casework {
    pub async fn get(&self, user: &User, id: i64) -> Result<CaseView> {
        let case = self.case_in_scope(user, id).await?;
        let events = self.cases.case_events(id).await?;
        let can = self.possible_steps(user, &case.data);
        let undeclared = match case.data.state.is_open() {
            true => self
                .households
                .household(case.data.household_id)
                .await?
                .map(|h| h.records.undeclared(case.data.kind.declarations_needed()))
                .unwrap_or_default(),
            false => Vec::new(),
        };
        Ok(CaseView { case, events, can, undeclared })
    }

    /// The steps `user` could take on `c` now (what the page offers; the step itself checks again).
    pub(super) fn possible_steps(&self, user: &User, c: &NewCase) -> Vec<&'static str> {
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
        let holder = matches!(user.role, Role::TownReviewer | Role::CountyApprover);
        let held = c.details.hold.as_ref().is_some_and(PaymentHold::is_on);
        add(holder && c.purpose == Purpose::Review && c.state.is_open() && !held, "hold_payments");
        add(holder && held, "release_payments");
        out
    }

    /// Takes a step on a case. `version` is the version the user's page showed: if someone took
    /// a step since, the user is told what happened instead (two people cannot both win).
    pub async fn act(&self, user: &User, id: i64, version: i64, action: Action, today: NaiveDate) -> Result<Case> {
        user.trail.action(jiuzhu_domain::Action::Decide);
        let case = self.case_in_scope(user, id).await?;
        if case.version != version {
            user.trail.refuse(Denial::Conflict);
            return Err(self.conflict(&case).await);
        }
        let done = self.step(case, action, &Self::who(user), today).await;
        if let Err(e) = &done {
            user.trail.refuse(match e {
                CaseworkError::Workflow(WorkflowError::NotYours { .. }) | CaseworkError::Forbidden => Denial::Role,
                CaseworkError::Conflict { .. } | CaseworkError::Workflow(WorkflowError::NotNow { .. }) => Denial::Conflict,
                _ => Denial::Invalid,
            });
        }
        done
    }

    pub(super) async fn conflict(&self, case: &Case) -> CaseworkError {
        let by = self.cases.case_events(case.id).await.ok().and_then(|e| e.last().map(|e| e.actor.clone())).unwrap_or_default();
        CaseworkError::Conflict { state: case.data.state, by }
    }

    /// Applies `action` to `case` (already checked for scope) and writes it.
    pub(super) async fn step(&self, case: Case, action: Action, who: &Who, today: NaiveDate) -> Result<Case> {
        let region = case.data.region.as_str().to_string();
        let rules = self.rules(&region, today)?;
        let cal = self.calendar();
        let spot_check_sampled = if case.data.kind == AssistanceKind::Tekun && action == Action::EndPublicity {
            self.sample_spot_check(&case.data.region, &rules, today).await?
        } else {
            false
        };
        if matches!(action, Action::Decide { approve: true, .. }) {
            let h = self.households.household(case.data.household_id).await?.ok_or(CaseworkError::NotFound)?;
            checks::require_declared(&h, case.data.kind, "批准", "approval")?;
        }
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
        match self.cases.update_case(&updated, &event, benefit.as_ref()).await {
            Ok(_) => {}
            Err(StoreError::VersionMismatch { .. }) => {
                let now = self.cases.case(case.id).await?.ok_or(CaseworkError::NotFound)?;
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
        self.cases.case(case.id).await?.ok_or(CaseworkError::NotFound)
    }

    /// At least the configured share of 特困 decisions get a county home check: a case is taken
    /// when the share so far this year would fall short without it, and otherwise at random
    /// with the same probability.
    #[allow(clippy::expect_used, reason = "every year has a 1 January")]
    pub(super) async fn sample_spot_check(&self, region: &jiuzhu_domain::RegionCode, rules: &Rules, today: NaiveDate) -> Result<bool> {
        let county = region.county().unwrap_or_else(|| region.clone());
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("1 January");
        let (all, checked) = self.cases.tekun_spot_checks(&county, year_start).await?;
        let share = rules.tekun_spot_check_share;
        // ⌈share × (decisions so far + this one)⌉, exactly (share in ten-thousandths).
        let needed = (share.0 * (all + 1) + 9_999) / 10_000;
        Ok(checked < needed || rand::rng().random_bool(share.as_f64().clamp(0.0, 1.0)))
    }

    /// The most the town may grant alone as temporary assistance: the policy engine's limit for
    /// the household's area (urban or rural standard).
    pub(super) async fn town_limit(&self, c: &NewCase, today: NaiveDate) -> Result<i64> {
        if c.kind != AssistanceKind::Temporary {
            return Ok(0);
        }
        let area = self.households.household(c.household_id).await?.map(|h| h.data.area).unwrap_or(jiuzhu_domain::Area::Rural);
        let p = jiuzhu_policy::Params::resolve(self.policies, c.region.as_str(), today, area, &[])
            .map_err(|m| FieldError::new("region", "parameter.missing", m.zh(), m.en()))?;
        Ok(p.town_limit.of(p.standard))
    }

    /// How often a household's benefit is reviewed: 特困 yearly; half-yearly where a member of
    /// working age can work; yearly for stable households.
    pub(super) async fn review_months(&self, c: &NewCase, rules: &Rules, today: NaiveDate) -> Result<u32> {
        if c.kind == AssistanceKind::Tekun {
            return Ok(rules.review_tekun_months);
        }
        let h = self.households.household(c.household_id).await?.ok_or(CaseworkError::NotFound)?;
        let can_work = h.members.iter().any(|m| {
            let age = today.years_since(m.data.birth_date).unwrap_or(0);
            (16..60).contains(&age) && m.data.labour_capacity != LabourCapacity::None && m.data.living_together
        });
        Ok(if can_work { rules.review_can_work_months } else { rules.review_stable_months })
    }

    /// What the step's effect does to the benefit.
    pub(super) async fn benefit_change(
        &self,
        case: &Case,
        step: &workflow::Step,
        rules: &Rules,
        today: NaiveDate,
    ) -> Result<Option<BenefitChange>> {
        let Some(effect) = &step.effect else { return Ok(None) };
        let months = self.review_months(&case.data, rules, today).await?;
        let after = |m: u32| add_months(today, m.max(1));
        if let Effect::Grant { monthly, one_off, effective_month } = *effect {
            let one_off_only = case.data.kind == AssistanceKind::Temporary;
            // 刚性支出困难 holds for 12 months, then the household applies again (认定办法 2025).
            let twelve_months = (case.data.kind == AssistanceKind::RigidExpense).then(|| add_months(effective_month, 11)).transpose()?;
            let (next, reason) = if case.data.track == Track::Commitment {
                (after(rules.commitment_post_check_months)?, ReviewReason::PostCheck)
            } else {
                (after(months)?, ReviewReason::Periodic)
            };
            return Ok(Some(BenefitChange::Grant(Benefit {
                id: 0,
                version: 0,
                household_id: case.data.household_id,
                region: case.data.region.clone(),
                kind: case.data.kind,
                case_id: case.id,
                monthly_amount: Fen(monthly),
                amount_from: effective_month,
                one_off_amount: Fen(one_off),
                since_month: effective_month,
                until_month: if one_off_only { Some(effective_month) } else { twelve_months },
                status: if one_off_only { BenefitStatus::Ended } else { BenefitStatus::Active },
                next_review_on: (!one_off_only && twelve_months.is_none()).then_some(next),
                next_review_reason: reason,
                review_months: i64::from(months),
                job_refusals: 0,
                held_from: None,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            })));
        }
        let Some(bid) = case.data.benefit_id.or(case.data.details.review.as_ref().map(|r| r.benefit_id)) else { return Ok(None) };
        let mut b = self.cases.benefit(bid).await?.ok_or(CaseworkError::NotFound)?;
        // A hold or its release changes nothing else (the review goes on); any outcome ends it.
        match *effect {
            Effect::Hold { from_month } => return Ok(Some(BenefitChange::Update(Benefit { held_from: Some(from_month), ..b }))),
            Effect::Release => return Ok(Some(BenefitChange::Update(Benefit { held_from: None, ..b }))),
            _ => b.held_from = None,
        }
        // After a commitment post-check, a share of households gets a random re-check (seed 003).
        let was_post_check = b.next_review_reason == ReviewReason::PostCheck;
        let random_recheck = was_post_check && rand::rng().random_bool(rules.commitment_recheck_share.as_f64().clamp(0.0, 1.0));
        let (next, reason) = if random_recheck { (after(3)?, ReviewReason::RandomCheck) } else { (after(months)?, ReviewReason::Periodic) };
        b.next_review_on = Some(next);
        b.next_review_reason = reason;
        b.review_months = i64::from(months);
        match *effect {
            Effect::Unchanged | Effect::Grant { .. } | Effect::Hold { .. } | Effect::Release => {}
            Effect::Adjust { monthly, from_month } => {
                b.monthly_amount = Fen(monthly);
                b.amount_from = from_month;
            }
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
}
