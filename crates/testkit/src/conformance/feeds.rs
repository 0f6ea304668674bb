//! Conformance: feed imports and monitoring pools ([`FeedStore`]).

use super::*;

pub async fn feed_imports_land_whole_once_and_rows_are_not_stored_twice(s: &dyn Store) {
    let a = id_number("19800101", 11);
    let b = id_number("19850202", 22);
    let rec = |id: &str, key: &str, on: &str| NewFeedRecord {
        id_number: id.to_string(),
        key: key.to_string(),
        on: Some(on.parse().unwrap()),
        detail: format!("{{\"plate\":\"{key}\"}}"),
    };
    let file = |sha: &str, rows: i64| NewFeedImport {
        feed: "vehicles".into(),
        file_name: "v.csv".into(),
        sha256: sha.into(),
        rows,
        imported_by: "tester".into(),
    };
    let staged = |start: ImportStart| match start {
        ImportStart::Staged { import_id } => import_id,
        other => panic!("expected a staged import, got {other:?}"),
    };
    let first = staged(s.begin_feed_import(&file("aa", 2)).await.unwrap());
    // Rows come in batches, each its own transaction, and stay invisible while staged.
    assert_eq!(s.stage_feed_records(first, "vehicles", &[rec(&a, "甘L·A0001", "2020-01-01")]).await.unwrap(), 1);
    assert_eq!(s.stage_feed_records(first, "vehicles", &[rec(&b, "甘L·A0002", "2021-01-01")]).await.unwrap(), 1);
    assert!(s.feed_records_of(std::slice::from_ref(&a)).await.unwrap().is_empty(), "staged rows are invisible");
    assert!(s.feed_imports(10).await.unwrap().is_empty());
    s.complete_feed_imports(&[(first, 2)]).await.unwrap();
    assert!(matches!(s.stage_feed_records(first, "vehicles", &[]).await, Err(StoreError::NotFound)), "a completed import takes no rows");
    // The same file again: nothing changes.
    assert_eq!(s.begin_feed_import(&file("aa", 2)).await.unwrap(), ImportStart::AlreadyImported { import_id: first });
    // Another file repeating one fact and adding one: only the new one is stored.
    let next = staged(s.begin_feed_import(&file("bb", 2)).await.unwrap());
    let new_rows =
        s.stage_feed_records(next, "vehicles", &[rec(&a, "甘L·A0001", "2020-01-01"), rec(&a, "甘L·A0003", "2022-01-01")]).await.unwrap();
    assert_eq!(new_rows, 1);
    // The same key in another feed is another fact; two imports complete together.
    let other = staged(s.begin_feed_import(&NewFeedImport { feed: "deaths".into(), ..file("aa", 1) }).await.unwrap());
    assert_eq!(s.stage_feed_records(other, "deaths", &[rec(&a, "甘L·A0001", "2026-01-01")]).await.unwrap(), 1);
    s.complete_feed_imports(&[(next, 1), (other, 1)]).await.unwrap();
    // A run that was killed leaves a staged import: found as stale, abandoned, its rows gone.
    let killed = staged(s.begin_feed_import(&file("cc", 1)).await.unwrap());
    s.stage_feed_records(killed, "vehicles", &[rec(&b, "甘L·A0009", "2023-01-01")]).await.unwrap();
    assert_eq!(s.stale_feed_imports(Utc::now() + Duration::hours(1)).await.unwrap(), vec![killed]);
    assert!(s.stale_feed_imports(Utc::now() - Duration::hours(1)).await.unwrap().is_empty());
    s.abandon_feed_import(killed).await.unwrap();
    assert!(s.stale_feed_imports(Utc::now() + Duration::hours(1)).await.unwrap().is_empty());
    // The same file can then be imported afresh.
    let retried = staged(s.begin_feed_import(&file("cc", 1)).await.unwrap());
    assert_eq!(s.stage_feed_records(retried, "vehicles", &[rec(&b, "甘L·A0009", "2023-01-01")]).await.unwrap(), 1);
    s.abandon_feed_import(retried).await.unwrap();

    let mut got = s.feed_records_of(std::slice::from_ref(&a)).await.unwrap();
    got.sort_by(|x, y| (&x.feed, &x.detail).cmp(&(&y.feed, &y.detail)));
    let seen: Vec<(&str, &str, &str)> = got.iter().map(|r| (r.feed.as_str(), r.id_number.as_str(), r.detail.as_str())).collect();
    assert_eq!(
        seen,
        vec![
            ("deaths", a.as_str(), "{\"plate\":\"甘L·A0001\"}"),
            ("vehicles", a.as_str(), "{\"plate\":\"甘L·A0001\"}"),
            ("vehicles", a.as_str(), "{\"plate\":\"甘L·A0003\"}"),
        ]
    );
    assert_eq!(got[1].on, Some("2020-01-01".parse().unwrap()));
    assert_eq!(s.feed_records_of(std::slice::from_ref(&b)).await.unwrap().len(), 1);
    assert!(s.feed_records_of(&[id_number("19900303", 33)]).await.unwrap().is_empty());
    let imports = s.feed_imports(10).await.unwrap();
    assert_eq!(imports.len(), 3, "the repeated file made no import");
    assert_eq!((imports[0].feed.as_str(), imports[2].new_rows, imports[1].new_rows), ("deaths", 2, 1));
}

pub async fn monitoring_pools_upsert_and_stay_in_scope(s: &dyn Store) {
    let h1 = one_household(s, "620825100201", 41).await;
    let h2 = s.insert_households(&[sample_household("620825101201", "赵明", 42)], &actor()).await.unwrap()[0];
    let day = |d: &str| -> NaiveDate { d.parse().unwrap() };
    let entry = |h: i64, region: &str, pool, visit: &str| MonitoringEntry {
        household_id: h,
        region: code(region),
        pool,
        reasons: vec![MonitoringReason {
            kind: "large_medical_self_pay".into(),
            zh: "大额医疗自付".into(),
            member: Some("王建国".into()),
            evidence: "医保结算 2026-05-10 自付 30000.00 元".into(),
            on: Some(day("2026-05-10")),
        }],
        referrals: vec!["医疗救助（医保部门）".into()],
        assessment: "x".into(),
        found_on: day("2026-12-01"),
        next_visit_on: day(visit),
        updated_at: Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap(),
    };
    s.put_monitoring(&[
        entry(h1, "620825100201", MonitoringPool::Likely, "2027-03-01"),
        entry(h2, "620825101201", MonitoringPool::Watch, "2027-01-01"),
    ])
    .await
    .unwrap();
    assert_eq!(s.monitoring_counts(&code("620825")).await.unwrap(), (1, 1));
    assert_eq!(s.monitoring_counts(&code("620825100")).await.unwrap(), (1, 0));
    let q = |within: &str, pool, due: Option<&str>| MonitoringQuery {
        within: code(within),
        pool,
        visit_due_by: due.map(day),
        limit: 50,
        offset: 0,
    };
    let all = s.monitoring(&q("620825", None, None)).await.unwrap();
    assert_eq!(all.iter().map(|e| e.entry.household_id).collect::<Vec<_>>(), vec![h2, h1], "soonest visit first");
    assert_eq!((all[0].head_name.as_str(), all[1].head_name.as_str()), ("赵明", "王建国"), "with the head's name");
    assert_eq!(all[1].entry, entry(h1, "620825100201", MonitoringPool::Likely, "2027-03-01"), "reasons and referrals round-trip");
    assert_eq!(s.monitoring(&q("620825", None, Some("2027-02-01"))).await.unwrap().len(), 1);
    assert!(s.monitoring(&q("620825101", Some(MonitoringPool::Likely), None)).await.unwrap().is_empty());
    // A second run moves h2 into 一类库, keeping the day it was first found.
    let mut moved = entry(h2, "620825101201", MonitoringPool::Likely, "2027-04-01");
    moved.found_on = day("2026-12-31");
    s.put_monitoring(&[moved]).await.unwrap();
    let got = s.monitoring(&q("620825101", None, None)).await.unwrap();
    let got = &got[0].entry;
    assert_eq!((got.pool, got.found_on, got.next_visit_on), (MonitoringPool::Likely, day("2026-12-01"), day("2027-04-01")));
    assert_eq!(s.monitoring_entry(h2).await.unwrap().map(|e| e.pool), Some(MonitoringPool::Likely));
    s.remove_monitoring(&[h1]).await.unwrap();
    assert_eq!(s.monitoring_counts(&code("620825")).await.unwrap(), (1, 0));
    assert_eq!(s.monitoring_entry(h1).await.unwrap(), None);
}
