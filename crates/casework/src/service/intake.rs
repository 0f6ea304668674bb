//! 受理 at the one window: one case per kind asked for, all or nothing; and 转介 from the monitoring pools.

use super::*;

impl Casework {
    /// 受理: opens one case per kind asked for, all or nothing.
    pub async fn intake(&self, user: &User, household_id: i64, input: &IntakeInput, today: NaiveDate) -> Result<Vec<i64>> {
        user.trail.action(jiuzhu_domain::Action::Create);
        Self::require(user, user.can(Permission::Intake))?;
        let h = self.registry.get(user, household_id).await?;
        if input.kinds.is_empty() {
            user.trail.refuse(Denial::Invalid);
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
        match self.cases.insert_cases(&cases, &event).await {
            Ok(ids) => {
                if let Some(first) = ids.first() {
                    user.trail.detail(format!("cases={}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")));
                    user.trail.detail(format!("case={first}"));
                }
                Ok(ids)
            }
            Err(StoreError::Conflict { constraint }) if constraint == "cases_open_kind" => {
                let open = self.cases.household_cases(household_id).await?;
                let dup: Vec<String> = open
                    .iter()
                    .filter(|c| c.state.is_open() && c.purpose == Purpose::Application && kinds.contains(&c.kind))
                    .map(|c| format!("{}（案件 {}）", c.kind.zh(), c.id))
                    .collect();
                user.trail.refuse(Denial::Conflict);
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

    /// 转介 from the monitoring pools: a window clerk opens a department case (医疗救助, 就业救助,
    /// 受灾人员救助) for a household in the pools, with the reasons it was found as the request;
    /// it goes to that department's liaison like a referral taken at the window. `kind` must be
    /// one the household's findings call for ([`jiuzhu_verify::monitoring::referable`]); one open
    /// case per kind (a second is refused naming the open one).
    pub async fn refer_from_pool(&self, user: &User, household_id: i64, kind: &str, today: NaiveDate) -> Result<(AssistanceKind, i64)> {
        user.trail.action(jiuzhu_domain::Action::Create);
        user.trail.fields(&["referral"]);
        Self::require(user, user.can(Permission::ReadMonitoring) && user.can(Permission::Intake))?;
        let entry = self.monitoring.entry_in_scope(user, household_id).await?;
        let allowed = jiuzhu_verify::monitoring::referable(&entry);
        let Some(kind) = AssistanceKind::parse(kind).filter(|k| allowed.contains(k)) else {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                "kind",
                "referral.kind",
                "该家庭的发现原因不涉及这项转介",
                "this household's findings do not call for that referral",
            )
            .into());
        };
        let input =
            IntakeInput { kinds: vec![kind], request: jiuzhu_verify::monitoring::referral_request(&entry, kind), ..Default::default() };
        let ids = self.intake(user, household_id, &input, today).await?;
        let id = ids.first().copied().ok_or(CaseworkError::NotFound)?;
        user.trail.detail(format!("kind={}", kind.as_str()));
        Ok((kind, id))
    }
}
