//! Reviews opened on a granted benefit: a change or a death reported, refused job offers.

use super::*;

impl Casework {
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
        Self::require(user, matches!(user.role, Role::WindowClerk | Role::VillageAssistant))?;
        let b = self.benefit_in_scope(user, benefit_id).await?;
        if note.trim().is_empty() {
            return Err(FieldError::new("note", "required", "请说明变化情况", "describe the change").into());
        }
        let rules = self.rules(b.region.as_str(), today)?;
        let due = if death {
            ReviewDue::On(add_months(today, rules.review_after_death_months)?)
        } else {
            ReviewDue::WorkingDays(rules.overall_days)
        };
        let reason = if death { ReviewReason::Death } else { ReviewReason::Change };
        let review = ReviewRecord { reason, benefit_id: b.id, note: note.trim().to_string(), member, due };
        self.open_review(&b, review, Self::actor(user), Some(user.role), today).await
    }

    /// A refused job offer (无正当理由拒绝就业); the third opens a review to cut that member's share.
    pub async fn record_job_refusal(&self, user: &User, benefit_id: i64, member: &str, offer: &str, today: NaiveDate) -> Result<i64> {
        Self::require(user, matches!(user.role, Role::WindowClerk | Role::VillageAssistant))?;
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
        self.cases.update_benefit(&b).await?;
        let b = self.cases.benefit(benefit_id).await?.ok_or(CaseworkError::NotFound)?;
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

    /// A benefit in the user's region that has not ended; another region's is "not found" (越权
    /// on the trail).
    pub(super) async fn benefit_in_scope(&self, user: &User, id: i64) -> Result<Benefit> {
        Self::require(user, user.can(Permission::ReadCase))?;
        user.trail.object(ObjectKind::Benefit, id);
        let Some(b) = self.cases.benefit(id).await? else {
            user.trail.refuse(Denial::NotFound);
            return Err(CaseworkError::NotFound);
        };
        user.trail.household(b.household_id);
        if !user.scope.contains(&b.region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(CaseworkError::NotFound);
        }
        if b.status == BenefitStatus::Ended {
            user.trail.refuse(Denial::Conflict);
            return Err(FieldError::new("benefit", "benefit.ended", "该救助已停止", "this benefit has ended").into());
        }
        Ok(b)
    }

    pub(super) async fn open_review(
        &self,
        b: &Benefit,
        review: ReviewRecord,
        actor: Actor,
        role: Option<Role>,
        today: NaiveDate,
    ) -> Result<i64> {
        let h = self.households.household(b.household_id).await?.ok_or(CaseworkError::NotFound)?;
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
        match self.cases.insert_cases(&[c], &event).await {
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
}
