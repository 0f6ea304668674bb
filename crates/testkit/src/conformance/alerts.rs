//! Conformance: alerts ([`AlertStore`]).

use super::*;

pub async fn alerts_merge_while_open_and_are_handled_once(s: &dyn Store) {
    let t = |m: i64| Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(m);
    let fire = |m: i64, first: i64, last: i64| NewAlert {
        rule: "out_of_scope".into(),
        account_id: Some(7),
        username: "clerk".into(),
        region: code("620825100"),
        at: t(m),
        count: last - first + 1,
        first_entry: first,
        last_entry: last,
        merge_since: t(m - 60),
    };
    let a = s.raise_alert(&fire(0, 1, 3)).await.unwrap();
    assert_eq!(s.raise_alert(&fire(30, 4, 4)).await.unwrap(), a, "merged into the open alert");
    let alert = s.alert(a).await.unwrap().unwrap();
    assert_eq!((alert.count, alert.first_entry, alert.last_entry, alert.state, alert.version), (4, 1, 4, AlertState::Open, 2));
    assert_eq!((alert.opened_at, alert.last_at), (t(0), t(30)));
    let other_rule = s.raise_alert(&NewAlert { rule: "off_hours".into(), ..fire(31, 5, 5) }).await.unwrap();
    assert_ne!(other_rule, a);
    let later = s.raise_alert(&fire(200, 9, 9)).await.unwrap();
    assert_ne!(later, a, "too long after the last entry: a new alert");
    let note = AlertNote {
        at: t(300),
        account_id: Some(99),
        username: "auditor".into(),
        state: AlertState::Closed,
        outcome: AlertOutcome::FalsePositive,
        note: "受委托跨镇核查".into(),
    };
    s.handle_alert(a, 2, &note).await.unwrap();
    assert!(matches!(s.handle_alert(a, 2, &note).await, Err(StoreError::VersionMismatch { .. })), "someone handled it meanwhile");
    assert!(matches!(s.handle_alert(12345, 1, &note).await, Err(StoreError::NotFound)));
    let closed = s.alert(a).await.unwrap().unwrap();
    assert_eq!((closed.state, closed.outcome, closed.version), (AlertState::Closed, AlertOutcome::FalsePositive, 3));
    assert_eq!(s.alert_notes(a).await.unwrap(), vec![note]);
    let open = s.alerts(&AlertQuery { state: Some(AlertState::Open), limit: 10, ..AlertQuery::default() }).await.unwrap();
    assert_eq!(open.iter().map(|x| x.id).collect::<Vec<_>>(), [later, other_rule], "newest first, closed left out");
    // A closed alert is not merged into: the same account's next entries open a new one.
    // Entries long after the newest alert's last one open another.
    let after_close = s.raise_alert(&fire(301, 10, 10)).await.unwrap();
    assert!(![a, later, other_rule].contains(&after_close));
    assert_eq!(s.alerts(&AlertQuery { account_id: Some(7), limit: 10, ..AlertQuery::default() }).await.unwrap().len(), 4);
}
