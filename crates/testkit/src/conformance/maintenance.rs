//! Conformance: leases and the keys stored values carry ([`MaintenanceStore`]). Rotation under
//! other keys needs the database reopened with them: `crates/store-sql/tests/keys.rs`.

use super::*;

fn lease(token: &str, purpose: LeasePurpose, at: chrono::DateTime<Utc>) -> Lease {
    Lease { token: token.into(), purpose, host: "county-server".into(), pid: 4242, since: at, expires_at: at + Duration::seconds(30) }
}

pub async fn a_rotation_and_a_server_never_hold_the_database_at_once(s: &dyn Store) {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
    assert_eq!(s.take_lease(&lease("server-a", LeasePurpose::Server, t0), t0).await.unwrap(), None);
    // Several servers may share a database (PostgreSQL behind a balancer).
    assert_eq!(s.take_lease(&lease("server-b", LeasePurpose::Server, t0), t0).await.unwrap(), None);
    // A rotation is refused while one lives, and is told which.
    let refused = s.take_lease(&lease("rotate-1", LeasePurpose::Rotation, t0), t0 + Duration::seconds(5)).await.unwrap().unwrap();
    assert_eq!((refused.purpose, refused.host.as_str(), refused.pid, refused.since), (LeasePurpose::Server, "county-server", 4242, t0));
    // Renewed, a lease lives on; released, it is gone.
    assert!(s.renew_lease("server-a", t0 + Duration::seconds(60)).await.unwrap());
    s.release_lease("server-b").await.unwrap();
    assert!(!s.renew_lease("server-b", t0 + Duration::seconds(60)).await.unwrap(), "a released lease cannot be renewed");
    let at_40 = t0 + Duration::seconds(40);
    assert_eq!(
        s.take_lease(&lease("rotate-2", LeasePurpose::Rotation, at_40), at_40).await.unwrap().map(|l| l.token),
        Some("server-a".into())
    );
    // A server killed without releasing: its lease dies 30 s after its last renewal, and is removed.
    let at_61 = t0 + Duration::seconds(61);
    assert_eq!(s.take_lease(&lease("rotate-3", LeasePurpose::Rotation, at_61), at_61).await.unwrap(), None);
    let held: Vec<(String, LeasePurpose)> = s.leases().await.unwrap().into_iter().map(|l| (l.token, l.purpose)).collect();
    assert_eq!(held, vec![("rotate-3".to_string(), LeasePurpose::Rotation)]);
    // While a rotation runs, neither a server nor another rotation gets in.
    for (token, purpose) in [("server-c", LeasePurpose::Server), ("rotate-4", LeasePurpose::Rotation)] {
        let refused = s.take_lease(&lease(token, purpose, at_61), at_61).await.unwrap();
        assert_eq!(refused.map(|l| l.token), Some("rotate-3".into()), "{token}");
    }
    s.release_lease("rotate-3").await.unwrap();
    assert_eq!(s.take_lease(&lease("server-c", LeasePurpose::Server, at_61), at_61).await.unwrap(), None);
    assert_eq!(s.leases().await.unwrap().len(), 1);
}

pub async fn every_key_stored_values_carry_is_counted(s: &dyn Store) {
    let empty = s.key_usage().await.unwrap();
    assert!(empty.iter().all(|u| u.values == 0), "{empty:?}");
    s.upsert_regions(&two_towns()).await.unwrap();
    s.insert_households(&[sample_household("620825100201", "王建国", 11), sample_household("620825100201", "李平", 13)], &actor())
        .await
        .unwrap();
    let import = match s
        .begin_feed_import(&NewFeedImport {
            feed: "deaths".into(),
            file_name: "d.csv".into(),
            sha256: "dd".into(),
            rows: 1,
            imported_by: "t".into(),
        })
        .await
        .unwrap()
    {
        ImportStart::Staged { import_id } => import_id,
        other => panic!("{other:?}"),
    };
    let record = NewFeedRecord { id_number: id_number("19600101", 11), key: "k".into(), on: None, detail: "{}".into() };
    s.stage_feed_records(import, "deaths", &[record]).await.unwrap();
    s.complete_feed_imports(&[(import, 1)]).await.unwrap();
    let usage = s.key_usage().await.unwrap();
    let count = |family: KeyFamily, column: &str| {
        usage.iter().filter(|u| u.family == family && u.column == column).map(|u| (u.key_id, u.values, u.stuck)).collect::<Vec<_>>()
    };
    // The test keys are #1 of each family.
    assert_eq!(count(KeyFamily::Data, "persons.id_number_enc"), [(1, 4, 0)]);
    assert_eq!(count(KeyFamily::Index, "persons.id_number_bidx"), [(1, 4, 0)]);
    assert_eq!(count(KeyFamily::Data, "persons.disability_certificate_enc"), [(1, 2, 0)]);
    assert_eq!(count(KeyFamily::Data, "households.bank_account_enc"), [(1, 2, 0)]);
    for column in ["feed_records.detail_enc", "feed_records.id_number_enc", "feed_records.row_key_enc"] {
        assert_eq!(count(KeyFamily::Data, column), [(1, 1, 0)], "{column}");
    }
    assert_eq!(count(KeyFamily::Index, "feed_records.person_bidx"), [(1, 1, 0)]);
    assert_eq!(count(KeyFamily::Index, "feed_records.row_key"), [(1, 1, 0)]);
    // Everything is under the active keys: a rotation pass rewrites nothing.
    let pass = rekey_all(s, 1, &|_, _| {}).await.unwrap();
    assert_eq!((pass.rows, pass.rewritten, pass.stuck), (2 + 4 + 1, 0, 0), "two households, four persons, one department row");
}
