//! 核对: the policy engine and department data against the declaration; and the data checks that run over recipients and open applications.

use super::*;

impl Casework {
    /// 核对: runs the policy engine on the household's registered data and compares it with
    /// the department data imported (jiuzhu-verify); keeps the assessment; records the result
    /// with every finding, its evidence and which feeds were used.
    pub async fn run_check(&self, user: &User, id: i64, version: i64, today: NaiveDate) -> Result<Case> {
        let case = self.case_in_scope(user, id).await?;
        if case.version != version {
            user.trail.refuse(Denial::Conflict);
            return Err(self.conflict(&case).await);
        }
        let check = self.check_record(&case.data, &user.display_name, today).await.inspect_err(|e| {
            if matches!(e, CaseworkError::Invalid(_)) {
                user.trail.refuse(Denial::Invalid);
            }
        })?;
        self.act(user, id, version, Action::RecordCheck(check), today).await
    }

    pub(super) async fn check_record(&self, c: &NewCase, by: &str, today: NaiveDate) -> Result<CheckRecord> {
        let h = self.households.household(c.household_id).await?.ok_or(CaseworkError::NotFound)?;
        require_declared(&h, c.kind, "核对", "the check")?;
        let a = jiuzhu_registry::assess::assess_household(&h, today, self.policies)?;
        let record = jiuzhu_registry::assess::record_of(&h, today, &a);
        let assessment_id = self.assessments.insert_assessments(&[record], &Actor::system("casework-check")).await?.first().copied();
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
        let feeds = jiuzhu_verify::service::check_household(self.feeds.as_ref(), &h, today, &self.verify_rules).await?;
        let passed = passed && !feeds.affects_eligibility();
        for f in &feeds.findings {
            let who = f.member.map(|m| format!("【{}】", h.members[m].data.name)).unwrap_or_default();
            let tag = if f.kind.affects_eligibility() { "部门数据比对不符" } else { "部门数据提示" };
            findings.push(format!("{tag}：{}{who}：{}", f.kind.zh(), f.evidence));
        }
        findings.extend(feeds.evidence.iter().map(|e| format!("依据：{e}")));
        let imported: std::collections::BTreeSet<String> = self.feeds.feed_imports(1_000).await?.into_iter().map(|i| i.feed).collect();
        let labels = |feeds: &mut dyn Iterator<Item = jiuzhu_verify::Feed>| feeds.map(|f| f.label()).collect::<Vec<_>>().join("、");
        let declared = match &h.records.declaration {
            Some(d) => format!("收入、财产、支出：申请人申报（{} {} 录入）", d.on, d.by),
            None => "收入、财产、支出：登记信息（未记录申报日期和录入人）".to_string(),
        };
        let mut sources = vec!["户籍、家庭成员：本系统登记信息".to_string(), declared];
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
        // Later than any review date: every benefit that has one. (A const: an invalid date
        // would fail the build, not a run.)
        const FAR: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid");
        for b in self.cases.benefits_due_for_review(FAR, i64::MAX / 2).await? {
            report.checked += 1;
            let Some(h) = self.households.household(b.household_id).await? else { continue };
            let feeds = jiuzhu_verify::service::check_household(self.feeds.as_ref(), &h, today, &self.verify_rules).await?;
            let bad: Vec<&jiuzhu_verify::Finding> = feeds.findings.iter().filter(|f| f.kind.affects_eligibility()).collect();
            if bad.is_empty() {
                continue;
            }
            report.found += 1;
            let rules = self.rules(b.region.as_str(), today)?;
            let death = bad.iter().find(|f| f.kind == jiuzhu_verify::FindingKind::Death);
            let member = bad.iter().find_map(|f| f.member).map(|m| h.members[m].data.name.clone());
            let (reason, due) = match death {
                Some(_) => (ReviewReason::Death, ReviewDue::On(add_months(today, rules.review_after_death_months)?)),
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
    pub(super) async fn data_check_applications(&self, today: NaiveDate, report: &mut DataCheckReport) -> Result<()> {
        use CaseState::*;
        for top in self.regions.region_children(None).await? {
            for state in [Survey, Evaluation, TownReview, Publicity, CountyReview] {
                for c in self.cases.cases_in_state(&top.code, state, i64::MAX / 2).await? {
                    if c.purpose != Purpose::Application || c.kind.route() != Route::CivilAffairs {
                        continue;
                    }
                    report.applications_checked += 1;
                    let Some(h) = self.households.household(c.household_id).await? else { continue };
                    let feeds = jiuzhu_verify::service::check_household(self.feeds.as_ref(), &h, today, &self.verify_rules).await?;
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
                    if self.cases.case_events(c.id).await?.iter().any(|e| e.action == "data_check" && e.note == note) {
                        report.applications_already_flagged += 1;
                        continue;
                    }
                    let Some(case) = self.cases.case(c.id).await? else { continue };
                    let event = NewCaseEvent {
                        actor: Actor::system("data-check"),
                        role: None,
                        action: "data_check".into(),
                        from_state: Some(state),
                        to_state: state,
                        note,
                    };
                    match self.cases.update_case(&case, &event, None).await {
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
        let h = self.households.household(case.data.household_id).await?.ok_or(CaseworkError::NotFound)?;
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
}

/// 申报 before 核对 and approval: refuses, naming each missing part, when the household never
/// declared a part `kind` stands on (rows, or an explicit "none"; silence is not a declaration).
pub(super) fn require_declared(h: &Household, kind: AssistanceKind, step_zh: &str, step_en: &str) -> Result<()> {
    let missing = h.records.undeclared(kind.declarations_needed());
    if missing.is_empty() {
        return Ok(());
    }
    let zh: Vec<&str> = missing.iter().map(|p| p.zh()).collect();
    let en: Vec<&str> = missing.iter().map(|p| p.en()).collect();
    Err(FieldError::new(
        "declaration",
        "declaration.missing",
        format!(
            "本户尚未申报{}，不能{step_zh}：请在家庭页“录入申报”中填写；确实没有的，勾选“无”（没有填写不等于没有）",
            zh.join("、")
        ),
        format!(
            "the household has not declared its {} yet, so {step_en} cannot proceed: enter them under \"Declaration\" on the household page, or tick \"none\" where there is none (silence is not a declaration)",
            en.join(", ")
        ),
    )
    .into())
}
