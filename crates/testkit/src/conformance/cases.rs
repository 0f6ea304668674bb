//! Conformance: cases, queues, benefits, photos, calendar years and caseloads ([`CaseStore`], [`CalendarStore`]).

use super::*;

pub async fn cases_keep_one_open_per_kind_and_steps_need_the_current_version(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let due = Some(today() + Duration::days(3));
    let ids = s
        .insert_cases(
            &[new_case(h, "620825100201", AssistanceKind::Dibao, due), new_case(h, "620825100201", AssistanceKind::Medical, due)],
            &opened(Role::WindowClerk),
        )
        .await
        .unwrap();
    let c = s.case(ids[0]).await.unwrap().unwrap();
    assert_eq!((c.intake_id, c.version), (ids[0], 1));
    assert_eq!(c.data, new_case(h, "620825100201", AssistanceKind::Dibao, due), "every field round-trips");
    assert_eq!(s.case(ids[1]).await.unwrap().unwrap().intake_id, ids[0], "one intake");
    // A second open dibao case for the household is refused, and nothing of that intake is kept.
    let again = s
        .insert_cases(
            &[new_case(h, "620825100201", AssistanceKind::Housing, due), new_case(h, "620825100201", AssistanceKind::Dibao, due)],
            &opened(Role::WindowClerk),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict { ref constraint }) if constraint == "cases_open_kind"), "{again:?}");
    assert_eq!(s.household_cases(h).await.unwrap().len(), 2);
    // A step from version 1 wins; a second one from version 1 is refused.
    let mut next = c.clone();
    next.data.state = CaseState::Survey;
    next.data.due_role = Some(Role::Investigator);
    next.data.details.request = "已核对".into();
    let step = NewCaseEvent {
        action: "check".into(),
        from_state: Some(CaseState::Accepted),
        to_state: CaseState::Survey,
        ..opened(Role::WindowClerk)
    };
    s.update_case(&next, &step, None).await.unwrap();
    assert!(matches!(s.update_case(&next, &step, None).await, Err(StoreError::VersionMismatch { .. })));
    let now = s.case(c.id).await.unwrap().unwrap();
    assert_eq!((now.version, now.data.state, now.data.details.request.as_str()), (2, CaseState::Survey, "已核对"));
    let events = s.case_events(c.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["intake", "check"]);
    assert_eq!(
        (events[1].from_state, events[1].to_state, events[1].role),
        (Some(CaseState::Accepted), CaseState::Survey, Some(Role::WindowClerk))
    );
    // Closing the case frees the kind for a new application.
    let mut closed = now.clone();
    closed.data.state = CaseState::Closed;
    closed.data.due_role = None;
    s.update_case(&closed, &NewCaseEvent { action: "withdraw".into(), to_state: CaseState::Closed, ..step.clone() }, None).await.unwrap();
    s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Dibao, due)], &opened(Role::WindowClerk)).await.unwrap();
}

pub async fn queues_stay_in_scope_and_sort_by_deadline(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let a = one_household(s, "620825100201", 11).await;
    let b = s.insert_households(&[sample_household("620825101201", "赵明", 21)], &actor()).await.unwrap()[0];
    let c2 = s.insert_households(&[sample_household("620825100201", "孙丽", 31)], &actor()).await.unwrap()[0];
    let d = |n: i64| Some(today() + Duration::days(n));
    s.insert_cases(&[new_case(a, "620825100201", AssistanceKind::Dibao, d(-2))], &opened(Role::WindowClerk)).await.unwrap();
    s.insert_cases(&[new_case(c2, "620825100201", AssistanceKind::Tekun, d(2))], &opened(Role::WindowClerk)).await.unwrap();
    s.insert_cases(&[new_case(a, "620825100201", AssistanceKind::Temporary, None)], &opened(Role::WindowClerk)).await.unwrap();
    let other = s.insert_cases(&[new_case(b, "620825101201", AssistanceKind::Dibao, d(1))], &opened(Role::WindowClerk)).await.unwrap()[0];
    let q = |scope: &str, bucket| QueueQuery {
        scope: code(scope),
        role: Role::WindowClerk,
        department: None,
        bucket,
        today: today(),
        soon_until: today() + Duration::days(3),
        account_id: 7,
        limit: 50,
        offset: 0,
    };
    let todo = s.queue(&q("620825100", QueueBucket::Todo)).await.unwrap();
    assert_eq!(
        todo.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [AssistanceKind::Dibao, AssistanceKind::Tekun, AssistanceKind::Temporary],
        "soonest first, no deadline last"
    );
    assert!(todo.iter().all(|c| c.region.as_str().starts_with("620825100") && c.village_name.as_deref() == Some("何马村")));
    assert_eq!(s.queue(&q("620825100", QueueBucket::Overdue)).await.unwrap().len(), 1);
    assert_eq!(s.queue(&q("620825100", QueueBucket::SoonDue)).await.unwrap()[0].kind, AssistanceKind::Tekun);
    assert_eq!(
        s.queue_counts(&q("620825100", QueueBucket::Todo)).await.unwrap(),
        QueueCounts { todo: 3, soon_due: 1, overdue: 1, done: 3 }
    );
    assert_eq!(s.queue_counts(&q("620825", QueueBucket::Todo)).await.unwrap().todo, 4);
    assert!(s.queue(&q("620825101", QueueBucket::Todo)).await.unwrap().iter().all(|c| c.id == other));
    // Another role's queue is empty; the page size and offset are kept.
    assert!(s.queue(&QueueQuery { role: Role::Investigator, ..q("620825", QueueBucket::Todo) }).await.unwrap().is_empty());
    assert_eq!(s.queue(&QueueQuery { limit: 2, offset: 2, ..q("620825", QueueBucket::Todo) }).await.unwrap().len(), 2);
    // Done: what account 7 acted on, latest first, inside the scope.
    let done = s.queue(&q("620825100", QueueBucket::Done)).await.unwrap();
    assert_eq!(done.len(), 3);
    assert!(s.queue(&QueueQuery { account_id: 8, ..q("620825", QueueBucket::Done) }).await.unwrap().is_empty());
    // Department liaisons see only their department's referrals.
    let mut referral = new_case(b, "620825101201", AssistanceKind::Medical, d(5));
    referral.state = CaseState::Referred;
    referral.due_role = Some(Role::DepartmentLiaison);
    referral.department = Some(Department::MedicalSecurity);
    s.insert_cases(&[referral], &opened(Role::WindowClerk)).await.unwrap();
    let liaison = |dep| QueueQuery { role: Role::DepartmentLiaison, department: Some(dep), ..q("620825", QueueBucket::Todo) };
    assert_eq!(s.queue(&liaison(Department::MedicalSecurity)).await.unwrap().len(), 1);
    assert!(s.queue(&liaison(Department::Education)).await.unwrap().is_empty());
    assert_eq!(s.cases_in_state(&code("620825"), CaseState::Referred, 10).await.unwrap().len(), 1);
    assert_eq!(s.cases_without_deadline(10).await.unwrap().len(), 1, "the temporary case has no deadline yet");
}

pub async fn benefits_are_granted_with_the_step_and_come_up_for_review(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let id = s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Dibao, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let c = s.case(id).await.unwrap().unwrap();
    let month = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let grant = Benefit {
        id: 0,
        version: 0,
        household_id: h,
        region: code("620825100201"),
        kind: AssistanceKind::Dibao,
        case_id: id,
        monthly_amount: Fen(46_500),
        amount_from: month,
        one_off_amount: Fen(0),
        since_month: month,
        until_month: None,
        status: BenefitStatus::Active,
        next_review_on: Some(NaiveDate::from_ymd_opt(2027, 11, 1).unwrap()),
        next_review_reason: ReviewReason::Periodic,
        review_months: 12,
        job_refusals: 0,
        held_from: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    let mut approved = c.clone();
    approved.data.state = CaseState::Approved;
    approved.data.due_role = None;
    let step = NewCaseEvent {
        action: "approve".into(),
        from_state: Some(CaseState::CountyReview),
        to_state: CaseState::Approved,
        ..opened(Role::CountyApprover)
    };
    let bid = s.update_case(&approved, &step, Some(&BenefitChange::Grant(grant.clone()))).await.unwrap().unwrap();
    assert_eq!(s.case(id).await.unwrap().unwrap().data.benefit_id, Some(bid), "the case points at its benefit");
    let b = s.benefit(bid).await.unwrap().unwrap();
    assert_eq!((b.version, b.monthly_amount, b.status, b.since_month), (1, Fen(46_500), BenefitStatus::Active, month));
    assert_eq!(s.household_benefits(h).await.unwrap().len(), 1);
    // A second dibao in force for the same household is refused, with nothing of that step kept.
    let c2 = s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Dibao, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let mut second = s.case(c2).await.unwrap().unwrap();
    second.data.state = CaseState::Approved;
    let r = s.update_case(&second, &step, Some(&BenefitChange::Grant(grant.clone()))).await;
    assert!(matches!(r, Err(StoreError::Conflict { ref constraint }) if constraint == "benefits_one_in_force"), "{r:?}");
    assert_eq!(s.case(c2).await.unwrap().unwrap().data.state, CaseState::Accepted, "the refused step left the case as it was");
    // Due for review: not before its date; not while a review is open.
    assert!(s.benefits_due_for_review(NaiveDate::from_ymd_opt(2027, 10, 31).unwrap(), 10).await.unwrap().is_empty());
    assert_eq!(s.benefits_due_for_review(NaiveDate::from_ymd_opt(2027, 11, 1).unwrap(), 10).await.unwrap()[0].id, bid);
    let mut review = new_case(h, "620825100201", AssistanceKind::Dibao, None);
    review.purpose = Purpose::Review;
    s.insert_cases(&[review], &opened(Role::WindowClerk)).await.unwrap();
    assert!(s.benefits_due_for_review(NaiveDate::from_ymd_opt(2027, 11, 1).unwrap(), 10).await.unwrap().is_empty());
    // 暂停发放 is kept and lifted with the benefit's version.
    let held_from = NaiveDate::from_ymd_opt(2027, 2, 1);
    s.update_benefit(&Benefit { held_from, ..b.clone() }).await.unwrap();
    let held = s.benefit(bid).await.unwrap().unwrap();
    assert_eq!((held.version, held.held_from), (2, held_from));
    s.update_benefit(&Benefit { held_from: None, ..held }).await.unwrap();
    let b = s.benefit(bid).await.unwrap().unwrap();
    assert_eq!((b.version, b.held_from), (3, None));
    // Updates need the version read; a gradual exit ends after its last month.
    let mut exit = b.clone();
    exit.status = BenefitStatus::GradualExit;
    exit.until_month = Some(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
    s.update_benefit(&exit).await.unwrap();
    assert!(matches!(s.update_benefit(&exit).await, Err(StoreError::VersionMismatch { .. })));
    assert!(s.benefits_exit_ended(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), 10).await.unwrap().is_empty());
    assert_eq!(s.benefits_exit_ended(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(), 10).await.unwrap().len(), 1);
}

pub async fn photos_calendar_years_and_spot_check_counts(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let id = s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Tekun, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let pid = s.insert_photo(id, "image/jpeg", &bytes, "厨房", &actor()).await.unwrap();
    let p = s.photo(pid).await.unwrap().unwrap();
    assert_eq!((p.case_id, p.content_type.as_str(), p.caption.as_str(), p.bytes.len()), (id, "image/jpeg", "厨房", 70_000));
    assert_eq!(p.bytes, bytes);
    assert!(s.photo(pid + 1).await.unwrap().is_none());
    let second = s.insert_photo(id, "image/png", b"png", "", &actor()).await.unwrap();
    let ids = |v: Vec<PhotoInfo>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(s.case_photos(id).await.unwrap()), [pid, second]);
    assert_eq!(s.case_photos(id).await.unwrap()[0].caption, "厨房");
    assert!(s.case_photos(id + 1).await.unwrap().is_empty());
    // Removing: only the case's own photo, once; it is then neither listed nor served.
    assert!(matches!(s.remove_photo(id + 1, pid, "拍错", &actor()).await, Err(StoreError::NotFound)));
    s.remove_photo(id, pid, "拍到了身份证", &actor()).await.unwrap();
    assert!(matches!(s.remove_photo(id, pid, "again", &actor()).await, Err(StoreError::NotFound)));
    assert_eq!(ids(s.case_photos(id).await.unwrap()), [second]);
    assert!(s.photo(pid).await.unwrap().is_none());
    // Calendar years: conformance/calendar.rs.
    assert_eq!(s.tekun_spot_checks(&code("620825"), today()).await.unwrap(), (0, 0));
    let mut c = s.case(id).await.unwrap().unwrap();
    c.data.state = CaseState::CountyReview;
    c.data.spot_check_required = true;
    let step = NewCaseEvent { action: "end_publicity".into(), to_state: CaseState::CountyReview, ..opened(Role::TownReviewer) };
    s.update_case(&c, &step, None).await.unwrap();
    assert_eq!(s.tekun_spot_checks(&code("620825"), today()).await.unwrap(), (1, 1));
    assert_eq!(s.tekun_spot_checks(&code("620826"), today()).await.unwrap(), (0, 0));
}

pub async fn caseload_is_cases_waiting_for_the_role_or_acted_on(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let other = s.insert_households(&[sample_household("620825100201", "孙丽", 31)], &actor()).await.unwrap()[0];
    let mut case = new_case(h, "620825100201", AssistanceKind::Dibao, None);
    case.due_role = Some(Role::Investigator);
    s.insert_cases(&[case], &NewCaseEvent { actor: Actor { account_id: Some(5), username: "clerk".into() }, ..opened(Role::WindowClerk) })
        .await
        .unwrap();
    assert!(s.in_caseload(h, 42, Role::Investigator).await.unwrap(), "waits for investigators");
    assert!(!s.in_caseload(h, 42, Role::TownReviewer).await.unwrap());
    assert!(s.in_caseload(h, 5, Role::WindowClerk).await.unwrap(), "the clerk who took it acted on it");
    assert!(!s.in_caseload(other, 5, Role::Investigator).await.unwrap(), "no case");
}
