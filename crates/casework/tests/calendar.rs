//! A holiday year imported, then imported again with a corrected file (issue 14): the deadlines
//! that depend on it move to what a clean import of the corrected file gives, the moved cases are
//! reported and their timelines say so, the first import stays in the history; the same file
//! again changes nothing; a year built into the program or a file with an unknown key is
//! refused. On SQLite and on PostgreSQL (`JIUZHU_TEST_PG`, as the storage conformance suite).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_casework::service::{DeadlineKind, DeadlineMove, IntakeInput};
use jiuzhu_casework::{Casework, CaseworkError};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::*;
use jiuzhu_store::Store;
use jiuzhu_testkit::fixtures::sample_household;
use std::sync::Arc;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 2027 as first imported: New Year's Day, and by mistake the week of 11–15 January.
const WRONG: &str = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1","2027-01-11":"New Year's Day,元旦,1","2027-01-12":"New Year's Day,元旦,1","2027-01-13":"New Year's Day,元旦,1","2027-01-14":"New Year's Day,元旦,1","2027-01-15":"New Year's Day,元旦,1"},"workdays":{}}"#;
/// The corrected file: New Year's Day only.
const CORRECTED: &str = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#;

enum Db {
    Sqlite(#[allow(dead_code, reason = "kept until the test ends")] tempfile::TempDir),
    Postgres,
}

async fn sqlite() -> (Arc<dyn Store>, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    (jiuzhu_store_sql::connect(&url, Arc::new(jiuzhu_crypto::Keyring::for_tests())).await.unwrap(), Db::Sqlite(dir))
}

/// A fresh schema in the database `jiuzhu_test` (left for the next run's clean-up, as in the
/// audit tamper tests); `None` locally when PostgreSQL is not reachable.
async fn postgres() -> Option<(Arc<dyn Store>, Db)> {
    let pg = jiuzhu_testkit::pg::PgSchema::fresh("calendar").await?;
    let store =
        jiuzhu_store_sql::postgres::SqlStore::connect_with(pg.options(), Arc::new(jiuzhu_crypto::Keyring::for_tests())).await.unwrap();
    Some((Arc::new(store), Db::Postgres))
}

struct World {
    cw: Casework,
    store: Arc<dyn Store>,
    households: Vec<i64>,
    _db: Db,
}

async fn world((store, db): (Arc<dyn Store>, Db)) -> World {
    store.upsert_regions(&jiuzhu_testkit::fixtures::two_towns()).await.unwrap();
    let mut households = Vec::new();
    for (name, seq) in [("王建国", 11), ("张富贵", 21), ("孙丽", 31)] {
        households.push(store.insert_households(&[sample_household("620825100201", name, seq)], &Actor::system("test")).await.unwrap()[0]);
    }
    let accounts = jiuzhu_accounts::Accounts::new(store.clone(), store.clone(), Arc::new(SystemClock));
    let registry = jiuzhu_registry::Registry::new(&store, accounts.clone());
    let cw = Casework::new(&store, registry, accounts, Arc::new(SystemClock));
    cw.load_calendar().await.unwrap();
    World { cw, store, households, _db: db }
}

fn clerk() -> User {
    jiuzhu_testkit::world::user(1, Role::WindowClerk, "620825100")
}

fn admin() -> User {
    jiuzhu_testkit::world::user(12, Role::SystemAdmin, "620825")
}

/// 低保 with every material: accepted at once, the legal clock starts.
async fn apply(w: &World, household: usize, on: &str) -> i64 {
    let kinds = [AssistanceKind::Dibao];
    let received = materials_for(AssistanceKind::Dibao, Track::Normal, true, true).into_iter().map(|m| m.code).collect();
    let input = IntakeInput { kinds: kinds.to_vec(), received, request: "家中老人患病，收入低".into(), ..Default::default() };
    w.cw.intake(&clerk(), w.households[household], &input, d(on)).await.unwrap()[0]
}

async fn deadlines(w: &World, id: i64) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let c = w.store.case(id).await.unwrap().unwrap();
    (c.data.step_due, c.data.overall_due)
}

/// The same applications, with only the corrected file ever imported.
async fn clean(db: (Arc<dyn Store>, Db)) -> [(Option<NaiveDate>, Option<NaiveDate>); 2] {
    let w = world(db).await;
    let a = apply(&w, 0, "2026-12-04").await;
    w.cw.import_calendar_year(Some(&admin()), 2027, CORRECTED, "国办发明电〔2026〕12号").await.unwrap();
    let b = apply(&w, 1, "2027-01-07").await;
    [deadlines(&w, a).await, deadlines(&w, b).await]
}

async fn reimport_moves_the_deadlines_that_depend_on_the_year(db: (Arc<dyn Store>, Db), clean_db: (Arc<dyn Store>, Db)) {
    let w = world(db).await;
    // 受理 on Friday 4 December 2026: 30 working days run into 2027, not published yet.
    let a = apply(&w, 0, "2026-12-04").await;
    assert_eq!(deadlines(&w, a).await.1, None);
    let first = w.cw.import_calendar_year(Some(&admin()), 2027, WRONG, "国办发明电〔2026〕11号").await.unwrap();
    assert_eq!((first.unchanged, first.moved(), first.computed()), (false, 0, 1), "{first:?}");
    assert_eq!(
        first.cases[0].moves,
        [DeadlineMove { kind: DeadlineKind::Overall, old: None, new: Some(d("2027-01-25")) }],
        "computed with the wrong week off"
    );
    // 受理 on Thursday 7 January 2027, with the wrong calendar in force.
    let b = apply(&w, 1, "2027-01-07").await;
    let (b_step, _) = deadlines(&w, b).await;

    let second = w.cw.import_calendar_year(Some(&admin()), 2027, CORRECTED, "国办发明电〔2026〕12号").await.unwrap();
    let expected = clean(clean_db).await;
    assert_eq!([deadlines(&w, a).await, deadlines(&w, b).await], expected, "as a clean import of the corrected file");
    assert_eq!(expected[0].1, Some(d("2027-01-18")));
    assert_ne!(b_step, expected[1].0, "the step of the case accepted in 2027 moved too");
    assert_eq!((second.unchanged, second.moved(), second.computed()), (false, 2, 0), "{second:?}");
    let moved: Vec<i64> = second.cases.iter().map(|c| c.case_id).collect();
    assert_eq!(moved, [a, b]);
    assert!(
        second.cases[0].moves.contains(&DeadlineMove {
            kind: DeadlineKind::Overall,
            old: Some(d("2027-01-25")),
            new: Some(d("2027-01-18"))
        }),
        "{second:?}"
    );
    assert_eq!(second.cases[0].household_id, w.households[0]);
    let events = w.store.case_events(a).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!((last.action.as_str(), last.actor_id), ("deadlines", Some(12)));
    assert!(last.note.contains("总期限 2027-01-25 → 2027-01-18"), "{}", last.note);
    // The service's calendar is the corrected one.
    assert!(w.cw.calendar().is_working_day(d("2027-01-11")).unwrap());

    // Both imports are kept, the first one's source and importer untouched.
    let history = w.cw.calendar_imports(&admin(), 10).await.unwrap();
    let seen: Vec<_> = history.iter().map(|i| (i.source.as_str(), i.cases_changed)).collect();
    assert_eq!(seen, [("国办发明电〔2026〕12号", Some(2)), ("国办发明电〔2026〕11号", Some(1))]);
    assert_eq!(history[0].sha256.as_deref(), Some(second.sha256.as_str()));
    assert_eq!(history[1].sha256.as_deref(), Some(first.sha256.as_str()));
    assert!(matches!(w.cw.calendar_imports(&clerk(), 10).await, Err(CaseworkError::Forbidden)));

    // The same file again: nothing changes, nothing is stored.
    let version = w.store.case(a).await.unwrap().unwrap().version;
    let again = w.cw.import_calendar_year(Some(&admin()), 2027, CORRECTED, "again").await.unwrap();
    assert!(again.unchanged && again.cases.is_empty() && again.import_id.is_none(), "{again:?}");
    assert_eq!(w.store.case(a).await.unwrap().unwrap().version, version);
    assert_eq!(w.cw.calendar_imports(&admin(), 10).await.unwrap().len(), 2);

    // A built-in year, an unknown key: refused, naming the year and the key.
    let refused = |r: Result<_, CaseworkError>| match r {
        Err(CaseworkError::Invalid(v)) => v.0[0].clone(),
        other => panic!("{other:?}"),
    };
    let e = refused(w.cw.import_calendar_year(Some(&admin()), 2026, CORRECTED, "x").await);
    assert!(e.code == "calendar.built_in" && e.zh.contains("2026 年的节假日安排已内置于本程序"), "{e:?}");
    let typo = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{},"workday":{"2027-02-06":"Spring Festival,春节,4"}}"#;
    let e = refused(w.cw.import_calendar_year(Some(&admin()), 2027, typo, "x").await);
    assert!(e.zh.contains("未知字段 workday（应为 holidays 或 workdays"), "{e:?}");
    assert_eq!(w.cw.calendar_imports(&admin(), 10).await.unwrap().len(), 2, "nothing stored");
}

#[tokio::test]
async fn reimport_moves_deadlines_on_sqlite() {
    reimport_moves_the_deadlines_that_depend_on_the_year(sqlite().await, sqlite().await).await;
}

#[tokio::test]
async fn reimport_moves_deadlines_on_postgres() {
    let (Some(db), Some(clean)) = (postgres().await, postgres().await) else { return };
    reimport_moves_the_deadlines_that_depend_on_the_year(db, clean).await;
}
