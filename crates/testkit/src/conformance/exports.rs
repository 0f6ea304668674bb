//! Conformance: export requests and the roster ([`ExportStore`]).

use super::*;

pub async fn exports_are_decided_once_and_downloaded_once(s: &dyn Store) {
    let clerk = s
        .create_account(&NewAccount {
            username: "clerk".into(),
            display_name: "受理员".into(),
            role: Role::WindowClerk,
            region: code("620825100"),
            department: None,
            password_hash: "x".into(),
            disabled: false,
            must_change_password: false,
        })
        .await
        .unwrap();
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
        state: ExportState::Pending,
    };
    let id = s.insert_export(&new).await.unwrap();
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
    let other = s.insert_export(&NewExport { region: code("620825101"), ..new.clone() }).await.unwrap();
    let town = s.exports(&ExportQuery { within: Some(code("620825100")), limit: 10, ..ExportQuery::default() }).await.unwrap();
    assert_eq!(town.iter().map(|e| e.id).collect::<Vec<_>>(), [id]);
    let mine = s.exports(&ExportQuery { account_id: Some(clerk), limit: 10, ..ExportQuery::default() }).await.unwrap();
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [other, id]);
    let pending = s.exports(&ExportQuery { state: Some(ExportState::Pending), limit: 10, ..ExportQuery::default() }).await.unwrap();
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [other]);
    // What one person took out since a time, however split (rejected requests do not count).
    let refused = s.insert_export(&NewExport { rows: 5, ..new.clone() }).await.unwrap();
    s.decide_export(refused, false, "approver", "不予批准").await.unwrap();
    let hour_ago = Utc::now() - Duration::hours(1);
    assert_eq!(s.exported_rows_since(clerk, hour_ago).await.unwrap(), 2);
    assert_eq!(s.exported_rows_since(clerk, Utc::now() + Duration::hours(1)).await.unwrap(), 0);
    assert_eq!(s.exported_rows_since(clerk + 1, hour_ago).await.unwrap(), 0);

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
