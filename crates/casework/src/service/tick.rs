//! The periodic work nobody has to click: publicity periods ending, feedback closed, reviews falling due, gradual exits ending, deadlines filled.

use super::*;

impl Casework {
    /// Computes deadlines that were waiting for the calendar.
    pub(super) async fn fill_deadlines(&self, today: NaiveDate) -> Result<usize> {
        let cal = self.calendar();
        let mut n = 0;
        for id in self.cases.cases_without_deadline(10_000).await? {
            let Some(mut c) = self.cases.case(id).await? else { continue };
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
                if self.cases.update_case(&c, &event, None).await.is_ok() {
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
            for s in self.cases.cases_in_state(scope, CaseState::Publicity, 10_000).await? {
                let Some(c) = self.cases.case(s.id).await? else { continue };
                let ended = c.data.details.publicity.as_ref().is_some_and(|p| today > p.ends_on);
                if ended
                    && c.data.details.open_objections() == 0
                    && self.step(c, Action::EndPublicity, &Who::system("tick"), today).await.is_ok()
                {
                    report.publicity_ended += 1;
                }
            }
            for s in self.cases.cases_in_state(scope, CaseState::CheckFailed, 10_000).await? {
                let Some(c) = self.cases.case(s.id).await? else { continue };
                let due = c.data.details.feedback.as_ref().and_then(|f| f.objection_due);
                if due.is_some_and(|d| today > d) && self.step(c, Action::CloseAfterFeedback, &Who::system("tick"), today).await.is_ok() {
                    report.feedback_closed += 1;
                }
            }
        }
        let lead = add_days(today, REVIEW_LEAD_DAYS)?;
        for b in self.cases.benefits_due_for_review(lead, 10_000).await? {
            let due = b.next_review_on.unwrap_or(today);
            let note = format!("{}（到期 {due}）", b.next_review_reason.zh());
            let review = ReviewRecord { reason: b.next_review_reason, benefit_id: b.id, note, member: None, due: ReviewDue::On(due) };
            let Ok(id) = self.open_review(&b, review, Actor::system("tick"), None, today).await else {
                continue;
            };
            report.reviews_opened += 1;
            // 承诺制 post-checks and random re-checks: the data check runs at once.
            if matches!(b.next_review_reason, ReviewReason::PostCheck | ReviewReason::RandomCheck)
                && let Some(c) = self.cases.case(id).await?
            {
                let check = match self.check_record(&c.data, "system:post-check", today).await {
                    Ok(check) => check,
                    // Nothing declared to check against: the review waits for a clerk.
                    Err(CaseworkError::Invalid(_)) => continue,
                    Err(e) => return Err(e),
                };
                let passed = check.passed;
                if self.step(c, Action::RecordCheck(check), &Who::system("post-check"), today).await.is_ok() && passed {
                    report.post_checks_passed += 1;
                }
            }
        }
        let month = month_start(today);
        for mut b in self.cases.benefits_exit_ended(month, 10_000).await? {
            b.status = BenefitStatus::Ended;
            if self.cases.update_benefit(&b).await.is_ok() {
                report.exits_ended += 1;
            }
        }
        report.deadlines_filled = self.fill_deadlines(today).await?;
        Ok(report)
    }

    /// The top-level regions loaded (the tick works through each).
    pub(super) async fn all_regions(&self) -> Result<Vec<jiuzhu_domain::RegionCode>> {
        Ok(self.regions.region_children(None).await?.into_iter().map(|d| d.code).collect())
    }
}
