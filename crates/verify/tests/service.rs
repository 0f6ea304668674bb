//! The checks over a real database: discovery puts unprotected households with a signal into
//! a pool with the reasons and a visit in three months; a signal gone takes them out.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_domain::Actor;
use jiuzhu_store::{FeedStore, MonitoringPool};
use jiuzhu_testkit::fixtures::sample_household;
use jiuzhu_verify::Feed;
use jiuzhu_verify::discovery::discover;
use jiuzhu_verify::feeds::import_files;
use std::sync::Arc;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn discovery_pools_unprotected_households_with_reasons_and_lets_them_go_when_the_signal_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = jiuzhu_store_sql::connect(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        std::sync::Arc::new(jiuzhu_crypto::Keyring::for_tests()),
    )
    .await
    .unwrap();
    store.upsert_regions(&jiuzhu_testkit::fixtures::two_towns()).await.unwrap();
    let ids = store
        .insert_households(
            &[sample_household("620825100201", "王建国", 11), sample_household("620825100201", "李平", 12)],
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let h = store.household(ids[0]).await.unwrap().unwrap();
    let (head, child) = (h.members[0].data.id_number.as_str().to_string(), h.members[1].data.id_number.as_str().to_string());
    let medical = dir.path().join("medical.csv");
    std::fs::write(
        &medical,
        format!("id_number,settled_on,kind,total_fen,self_pay_fen\n{head},2026-05-10,inpatient,9000000,3000000\n{child},2026-06-01,outpatient,20000,5000\n"),
    )
    .unwrap();
    let feeds: Arc<dyn FeedStore> = store.clone();
    let mut outcomes = import_files(&feeds, &[(medical, Feed::MedicalBills)], d("2026-12-02"), "test", &|_| {}).await.unwrap();
    let (report, outcome) = outcomes.remove(0);
    assert!(report.ok() && outcome.unwrap().new_rows == 2, "{}", report.to_text());

    let rules = jiuzhu_verify::Rules::default();
    let policies = jiuzhu_policy::Policies::builtin();
    let r = discover(store.as_ref(), policies, d("2026-12-02"), &rules, None, &|_| {}).await.unwrap();
    assert_eq!((r.households, r.signalled, r.protected, r.likely + r.watch), (2, 1, 0, 1), "{r:?}");
    let e = store.monitoring_entry(ids[0]).await.unwrap().expect("pooled");
    let medical = e.reasons.iter().find(|r| r.zh.contains("大额医疗费用自付")).expect("the medical finding is a reason");
    assert!(medical.evidence.contains("30,050.00 元"), "{medical:?}");
    assert!(e.referrals.iter().any(|r| r.contains("医疗救助")), "{:?}", e.referrals);
    assert_eq!((e.found_on, e.next_visit_on), (d("2026-12-02"), d("2027-03-02")));
    assert!(e.assessment.contains("最低生活保障"), "{}", e.assessment);
    let pool = e.pool;
    assert!(store.monitoring_entry(ids[1]).await.unwrap().is_none());

    // The same run again keeps the household where it is and the day it was found.
    discover(store.as_ref(), policies, d("2026-12-20"), &rules, None, &|_| {}).await.unwrap();
    let again = store.monitoring_entry(ids[0]).await.unwrap().unwrap();
    assert_eq!((again.pool, again.found_on), (pool, d("2026-12-02")));
    assert!(matches!(again.pool, MonitoringPool::Likely | MonitoringPool::Watch));

    // Two years on the bills are outside the window: the household leaves the pool.
    let later = discover(store.as_ref(), policies, d("2028-01-10"), &rules, None, &|_| {}).await.unwrap();
    assert_eq!((later.signalled, later.removed), (0, 1));
    assert!(store.monitoring_entry(ids[0]).await.unwrap().is_none());
}
