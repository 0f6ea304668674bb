//! Conformance: holiday years imported after the release, the history of their imports, and the
//! deadlines an import moves in the same transaction ([`CalendarStore`]).

use super::*;
use jiuzhu_domain::casework::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn file(extra: &str) -> String {
    format!(r#"{{"holidays":{{"2027-01-01":"New Year's Day,元旦,1"{extra}}},"workdays":{{}}}}"#)
}

fn import(content: &str, source: &str, who: &str) -> NewCalendarImport {
    NewCalendarImport {
        year: 2027,
        content: content.to_string(),
        source: source.to_string(),
        sha256: format!("sha-of-{}", content.len()),
        actor: Actor { account_id: Some(12), username: who.to_string() },
    }
}

fn moved(to: CaseState) -> NewCaseEvent {
    NewCaseEvent {
        actor: Actor { account_id: Some(12), username: "admin".into() },
        role: Some(Role::SystemAdmin),
        action: "deadlines".into(),
        from_state: Some(to),
        to_state: to,
        note: "期限随节假日安排重新计算".into(),
    }
}

/// Each import is kept (who, when, source, SHA-256, cases changed), the year's current file is
/// the last one, and the cases' new deadlines land with it or not at all.
pub async fn imports_are_kept_and_move_deadlines_in_one_transaction(s: &dyn Store) {
    let h = one_household(s, "620825100201", 11).await;
    let other = s.insert_households(&[sample_household("620825100201", "孙丽", 31)], &actor()).await.unwrap()[0];
    assert!(s.calendar_years().await.unwrap().is_empty());
    assert!(s.calendar_imports(10).await.unwrap().is_empty());
    let ids = s
        .insert_cases(
            &[
                new_case(h, "620825100201", AssistanceKind::Dibao, Some(d("2027-01-25"))),
                new_case(other, "620825100201", AssistanceKind::Dibao, None),
            ],
            &opened(Role::WindowClerk),
        )
        .await
        .unwrap();
    let wrong = file(r#","2027-01-11":"x,元旦,1""#);
    let first = s.import_calendar_year(&import(&wrong, "国办发明电〔2026〕1号", "admin"), &[]).await.unwrap();

    // A corrected file: the first case's deadlines move, with a timeline entry; the case read
    // at an old version rolls everything back (neither the file nor the other case is stored).
    let mut a = s.case(ids[0]).await.unwrap().unwrap();
    a.data.step_due = Some(d("2027-01-18"));
    a.data.overall_due = Some(d("2027-01-18"));
    a.data.details.decision = None;
    a.data.details.feedback = Some(Feedback { issued_on: d("2027-01-04"), reasons: vec![], objection_due: Some(d("2027-01-11")) });
    let mut b = s.case(ids[1]).await.unwrap().unwrap();
    b.data.step_due = Some(d("2027-01-06"));
    let mut stale = b.clone();
    stale.version -= 1;
    let corrected = file("");
    let refused = s
        .import_calendar_year(&import(&corrected, "更正", "admin2"), &[(a.clone(), moved(a.data.state)), (stale, moved(b.data.state))])
        .await;
    assert!(matches!(refused, Err(StoreError::VersionMismatch { .. })), "{refused:?}");
    assert_eq!(s.calendar_years().await.unwrap(), [(2027, wrong.clone())], "the file is not stored without its deadlines");
    assert_eq!(s.calendar_imports(10).await.unwrap().len(), 1);
    assert_eq!(s.case(ids[0]).await.unwrap().unwrap().data.step_due, Some(d("2027-01-25")), "nor is any case's deadline");
    assert_eq!(s.case_events(ids[0]).await.unwrap().len(), 1);

    let second = s
        .import_calendar_year(&import(&corrected, "更正", "admin2"), &[(a.clone(), moved(a.data.state)), (b.clone(), moved(b.data.state))])
        .await
        .unwrap();
    assert!(second > first);
    let now = s.case(ids[0]).await.unwrap().unwrap();
    assert_eq!(now.version, a.version + 1);
    assert_eq!(now.data, a.data, "the deadlines and the details' deadlines are stored, the rest as it was");
    assert_eq!(s.case(ids[1]).await.unwrap().unwrap().data.step_due, Some(d("2027-01-06")));
    let events = s.case_events(ids[0]).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!((last.action.as_str(), last.actor.as_str(), last.note.as_str()), ("deadlines", "admin", "期限随节假日安排重新计算"));
    // A case changed after it was read is refused (optimistic concurrency, as every step).
    let again = s.import_calendar_year(&import(&corrected, "x", "admin"), &[(a.clone(), moved(a.data.state))]).await;
    assert!(matches!(again, Err(StoreError::VersionMismatch { .. })), "{again:?}");

    assert_eq!(s.calendar_years().await.unwrap(), [(2027, corrected.clone())], "the last import is the year's file");
    let history = s.calendar_imports(10).await.unwrap();
    let seen: Vec<_> = history.iter().map(|i| (i.id, i.year, i.source.as_str(), i.imported_by.as_str(), i.cases_changed)).collect();
    assert_eq!(seen, [(second, 2027, "更正", "admin2", Some(2)), (first, 2027, "国办发明电〔2026〕1号", "admin", Some(0))], "newest first");
    assert_eq!(history[0].sha256.as_deref(), Some(format!("sha-of-{}", corrected.len()).as_str()));
    assert_eq!(history[1].sha256.as_deref(), Some(format!("sha-of-{}", wrong.len()).as_str()), "the first import is not overwritten");
    assert!(history[0].imported_at >= history[1].imported_at && (Utc::now() - history[0].imported_at) < Duration::minutes(5));
    assert_eq!(s.calendar_imports(1).await.unwrap().len(), 1);
}

/// The cases an import of a year may move: a step due in it (whatever the state), an open case's
/// overall deadline in it, a rejection's notice due in it; in id order from `after_id`.
pub async fn cases_with_deadlines_from_a_year(s: &dyn Store) {
    let h = one_household(s, "620825100201", 11).await;
    let mut households = vec![h];
    for seq in 31..36 {
        households.push(s.insert_households(&[sample_household("620825100201", "孙丽", seq)], &actor()).await.unwrap()[0]);
    }
    let case = |i: usize, step: Option<&str>, overall: Option<&str>| {
        let mut c = new_case(households[i], "620825100201", AssistanceKind::Dibao, None);
        c.step_due = step.map(d);
        c.overall_due = overall.map(d);
        c
    };
    let mut rejected = case(3, None, Some("2026-12-20"));
    rejected.state = CaseState::Rejected;
    rejected.details.decision = Some(Decision {
        on: d("2026-12-30"),
        by_id: 6,
        by: "审批员".into(),
        approved: false,
        monthly_amount: 0,
        one_off_amount: 0,
        effective_month: None,
        reasons: vec!["收入超标".into()],
        notice_due: Some(d("2027-01-05")),
    });
    let mut closed = case(4, None, Some("2027-02-01"));
    closed.state = CaseState::Closed;
    let mut paperwork = case(5, Some("2027-01-08"), None);
    paperwork.state = CaseState::Approved;
    let cases = [
        case(0, Some("2026-12-30"), Some("2027-01-25")),
        case(1, Some("2027-01-04"), None),
        case(2, Some("2026-12-01"), Some("2026-12-20")),
    ];
    let mut ids = Vec::new();
    for c in cases.into_iter().chain([rejected, closed, paperwork]) {
        ids.extend(s.insert_cases(&[c], &opened(Role::WindowClerk)).await.unwrap());
    }
    let from = d("2027-01-01");
    assert_eq!(
        s.cases_with_deadlines_from(from, 0, 100).await.unwrap(),
        [ids[0], ids[1], ids[3], ids[5]],
        "not the case due in 2026 nor the closed one"
    );
    assert_eq!(s.cases_with_deadlines_from(from, ids[0], 2).await.unwrap(), [ids[1], ids[3]], "paged by id");
    assert_eq!(s.cases_with_deadlines_from(d("2027-01-06"), 0, 100).await.unwrap(), [ids[0], ids[5]]);
    assert!(s.cases_with_deadlines_from(d("2028-01-01"), 0, 100).await.unwrap().is_empty());
}
