//! Steps as users ask for them — a page's form or the JSON API — turned into workflow actions
//! (the service adds who, when, the investigators' names, the policy engine's amounts), and the
//! steps an office may take in bulk.

use super::*;

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
        #[serde(default = "declared_matches_by_default")]
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
    /// 暂停发放 while a review runs.
    HoldPayments {
        reason: String,
    },
    /// 恢复发放 while the review goes on.
    ReleasePayments {
        note: String,
    },
}

/// A survey that does not say otherwise found the declaration matching.
fn declared_matches_by_default() -> bool {
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
                    .staff
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
                let h = self.households.household(case.data.household_id).await?.ok_or(CaseworkError::NotFound)?;
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
                    if self.cases.photo(*pid).await?.is_none_or(|p| p.case_id != id) {
                        return Err(FieldError::new(
                            "photo_ids",
                            "photo.unknown",
                            "有照片已删除或不属于本案：请刷新页面后再提交",
                            "a photo was removed or is not of this case: reload the page and submit again",
                        )
                        .into());
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
            StepInput::HoldPayments { reason } => Action::HoldPayments { reason },
            StepInput::ReleasePayments { note } => Action::ReleasePayments { note },
        };
        let supplied = match &action {
            Action::SupplyMaterials { received } => Some(received.clone()),
            _ => None,
        };
        let done = self.act(user, id, version, action, today).await?;
        if let Some(received) = supplied {
            self.supply_to_intake(user, &done, &received, today).await?;
        }
        Ok(done)
    }

    /// 一门受理: materials brought for one case of an intake count for every case taken with it
    /// that still waits for them. Each sibling records them as its own step (its own timeline
    /// entry, its own clock start when complete); one that moved on meanwhile is left as it is.
    async fn supply_to_intake(&self, user: &User, done: &Case, received: &[String], today: NaiveDate) -> Result<()> {
        for s in self.cases.household_cases(done.data.household_id).await? {
            if s.id == done.id {
                continue;
            }
            let Some(sibling) = self.cases.case(s.id).await? else { continue };
            let d = &sibling.data;
            let waiting = d.state == CaseState::Materials || d.details.emergency.as_ref().is_some_and(|e| e.paperwork_done_on.is_none());
            if sibling.intake_id != done.intake_id || !waiting {
                continue;
            }
            let wanted: Vec<String> =
                d.details.missing_materials().into_iter().map(|m| m.code.clone()).filter(|c| received.contains(c)).collect();
            if wanted.is_empty() {
                continue;
            }
            match self.step(sibling, Action::SupplyMaterials { received: wanted }, &Self::who(user), today).await {
                Ok(_) | Err(CaseworkError::Conflict { .. }) | Err(CaseworkError::Workflow(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The investigators who may survey with `user` (same role, in the user's scope, not disabled).
    pub async fn co_investigators(&self, user: &User) -> Result<Vec<Account>> {
        Ok(self
            .staff
            .list_accounts()
            .await?
            .into_iter()
            .filter(|a| a.role == Role::Investigator && !a.disabled && a.id != user.account_id && a.region.is_within(&user.scope.0))
            .collect())
    }
}

/// What the phone survey form needs: the case, the members whose self-care the survey assesses,
/// who may be the second investigator, and the photos taken so far.
#[derive(Debug, Clone)]
pub struct SurveySheet {
    pub case: CaseView,
    /// (member id, name, self-care items not met as registered).
    pub members: Vec<(i64, String, u8)>,
    pub co_investigators: Vec<Account>,
    pub photos: Vec<PhotoInfo>,
}

impl Casework {
    /// 入户调查 on a phone: only for an investigator while the case is at the survey.
    pub async fn survey_sheet(&self, user: &User, id: i64) -> Result<SurveySheet> {
        let case = self.get(user, id).await?;
        if user.role != Role::Investigator || case.case.data.state != CaseState::Survey {
            user.trail.refuse(Denial::Conflict);
            return Err(CaseworkError::Workflow(WorkflowError::NotNow {
                zh: "该案件不在入户调查环节，或您不是调查人员".into(),
                en: "the case is not at the home survey, or you are not an investigator".into(),
            }));
        }
        let h = self.households.household(case.case.data.household_id).await?.ok_or(CaseworkError::NotFound)?;
        let members = h.members.iter().map(|m| (m.id, m.data.name.clone(), m.data.self_care.unmet())).collect();
        let co_investigators = self.co_investigators(user).await?;
        let photos = self.cases.case_photos(id).await?;
        Ok(SurveySheet { case, members, co_investigators, photos })
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
    /// Approving in bulk asks for the password again (再次验证), as field `password`.
    pub async fn bulk(
        &self,
        user: &User,
        items: &[(i64, i64)],
        input: StepInput,
        password: &str,
        today: NaiveDate,
    ) -> Result<Vec<BulkResult>> {
        user.trail.action(jiuzhu_domain::Action::Decide);
        if !matches!(input, StepInput::Approve | StepInput::EndPublicity) {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                "action",
                "bulk.action",
                "只有批量批准和公示期满报送可以批量办理",
                "only approval and ending notices can be done in bulk",
            )
            .into());
        }
        if items.is_empty() || items.len() > 200 {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new("cases", "bulk.count", "一次批量办理 1–200 件", "1 to 200 cases at a time").into());
        }
        if matches!(input, StepInput::Approve) {
            self.accounts.confirm(user, jiuzhu_domain::access::Guarded::BulkDecision, password, "password").await?;
        }
        user.trail.detail(format!("bulk={}", items.len()));
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
                Err(CaseworkError::Stale) => Some("家庭信息刚被他人修改，请刷新后重试".into()),
                Err(e @ CaseworkError::Store(_)) => return Err(e),
            };
            out.push(BulkResult { case_id: *id, ok: message.is_none(), message: message.unwrap_or_default() });
        }
        Ok(out)
    }
}
