//! Conformance: export requests and the roster ([`ExportStore`]).

use super::*;

fn clerk_account() -> NewAccount {
    NewAccount {
        username: "clerk".into(),
        display_name: "受理员".into(),
        role: Role::WindowClerk,
        region: code("620825100"),
        department: None,
        password_hash: "x".into(),
        disabled: false,
        must_change_password: false,
    }
}

pub async fn exports_are_decided_once_and_downloaded_once(s: &dyn Store) {
    let clerk = s.create_account(&clerk_account()).await.unwrap();
    let h1 = one_household(s, "620825100201", 11).await;
    let h2 = s.insert_households(&[sample_household("620825101201", "赵明", 21)], &actor()).await.unwrap()[0];
    let new = NewExport {
        account_id: clerk,
        username: "clerk".into(),
        region: code("620825100"),
        programme: None,
        format: ExportFormat::Csv,
        purpose: "年度复核".into(),
        rows: 1,
    };
    let hour_ago = Utc::now() - Duration::hours(1);
    // A line of 0: every request waits for an approver.
    let stored = s.request_export(&new, hour_ago, 0).await.unwrap();
    assert_eq!((stored.state, stored.rows_today), (ExportState::Pending, 1));
    let id = stored.id;
    let e = s.export(id).await.unwrap().unwrap();
    assert_eq!((e.state, e.rows, e.purpose.as_str(), e.decided_by.clone()), (ExportState::Pending, 1, "年度复核", None));
    assert!(matches!(s.mark_export_downloaded(id).await, Err(StoreError::Conflict { .. })), "not approved yet");
    s.decide_export(id, true, "approver", "同意").await.unwrap();
    assert!(matches!(s.decide_export(id, false, "approver", "x").await, Err(StoreError::Conflict { .. })), "decided once");
    s.mark_export_downloaded(id).await.unwrap();
    assert!(matches!(s.mark_export_downloaded(id).await, Err(StoreError::Conflict { .. })), "handed out once");
    assert!(matches!(s.mark_export_downloaded(9999).await, Err(StoreError::NotFound)));
    let e = s.export(id).await.unwrap().unwrap();
    assert_eq!((e.state, e.decided_by.as_deref(), e.decision_note.as_str()), (ExportState::Downloaded, Some("approver"), "同意"));
    assert!(e.downloaded_at.is_some());
    let other = s.request_export(&NewExport { region: code("620825101"), ..new.clone() }, hour_ago, 0).await.unwrap().id;
    let town = s.exports(&ExportQuery { within: Some(code("620825100")), limit: 10, ..ExportQuery::default() }).await.unwrap();
    assert_eq!(town.iter().map(|e| e.id).collect::<Vec<_>>(), [id]);
    let mine = s.exports(&ExportQuery { account_id: Some(clerk), limit: 10, ..ExportQuery::default() }).await.unwrap();
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [other, id]);
    let pending = s.exports(&ExportQuery { state: Some(ExportState::Pending), limit: 10, ..ExportQuery::default() }).await.unwrap();
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [other]);
    // The day's total decides, however split (rejected requests do not count).
    let refused = s.request_export(&NewExport { rows: 5, ..new.clone() }, hour_ago, 0).await.unwrap().id;
    s.decide_export(refused, false, "approver", "不予批准").await.unwrap();
    let small = s.request_export(&new, hour_ago, 3).await.unwrap();
    assert_eq!((small.state, small.rows_today), (ExportState::Approved, 3), "2 before, 1 now: within a line of 3");
    let over = s.request_export(&new, hour_ago, 3).await.unwrap();
    assert_eq!((over.state, over.rows_today), (ExportState::Pending, 4), "the fourth household needs the approver");
    let tomorrow = s.request_export(&new, Utc::now() + Duration::hours(1), 3).await.unwrap();
    assert_eq!((tomorrow.state, tomorrow.rows_today), (ExportState::Approved, 1), "counted from `since`");
    // Ten requests of one household each, sent at once by someone with none yet today, against a
    // line of 3: exactly three pass without the approver.
    let other_clerk =
        s.create_account(&NewAccount { username: "clerk2".into(), password_hash: "x".into(), ..clerk_account() }).await.unwrap();
    let one = NewExport { account_id: other_clerk, username: "clerk2".into(), ..new.clone() };
    let at_once: Vec<_> = (0..10).map(|_| s.request_export(&one, hour_ago, 3)).collect();
    let stored: Vec<RequestedExport> = futures_util::future::join_all(at_once).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(stored.iter().filter(|r| r.state == ExportState::Approved).count(), 3, "{stored:?}");
    let mut totals: Vec<i64> = stored.iter().map(|r| r.rows_today).collect();
    totals.sort();
    assert_eq!(totals, (1..=10).collect::<Vec<_>>(), "each counted the ones before it");

    // The roster: households inside the region, identifiers masked.
    assert_eq!(s.roster_count(&code("620825"), None).await.unwrap(), 2);
    assert_eq!(s.roster_count(&code("620825100"), None).await.unwrap(), 1);
    let rows = s.roster(&code("620825"), None, 0, 10).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.household_id).collect::<Vec<_>>(), [h1, h2]);
    assert_eq!(rows[0].head_name, "王建国");
    assert_eq!(rows[0].head_id_number, IdNumber::parse(&id_number("19600101", 11), today()).unwrap().masked());
    assert_eq!((rows[0].member_count, rows[0].village_name.as_deref(), rows[0].town_name.as_deref()), (2, Some("何马村"), Some("水洛镇")));
    assert_eq!(s.roster(&code("620825"), None, h1, 10).await.unwrap().len(), 1, "keyset pages");
    assert_eq!(s.roster_count(&code("620825"), Some(jiuzhu_domain::casework::AssistanceKind::Dibao)).await.unwrap(), 0);
}
