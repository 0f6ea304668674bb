//! Key rotation loses nothing that discovery reads (issue 14): department rows imported under the
//! old keys are re-encrypted and re-indexed, so `verify discover` finds the same households
//! before and after `jiuzhu keys rotate --index`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_crypto::{KeyKind, Keyring};
use jiuzhu_domain::Actor;
use jiuzhu_store::{FeedStore, KeyFamily, Store, rekey_all};
use jiuzhu_testkit::fixtures::sample_household;
use jiuzhu_verify::Feed;
use jiuzhu_verify::discovery::discover;
use jiuzhu_verify::feeds::import_files;
use std::sync::Arc;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn open(url: &str, keys: &Keyring) -> Arc<dyn Store> {
    jiuzhu_store_sql::connect(url, Arc::new(keys.clone())).await.unwrap()
}

#[tokio::test]
async fn discovery_finds_the_same_households_after_rotating_data_and_index_keys() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut keys = Keyring::generate("before");
    let store = open(&url, &keys).await;
    store.upsert_regions(&jiuzhu_testkit::fixtures::two_towns()).await.unwrap();
    let new: Vec<_> = (0..6).map(|i| sample_household("620825100201", "王建国", 11 + 2 * i)).collect();
    let ids = store.insert_households(&new, &Actor::system("test")).await.unwrap();
    // Large medical bills for the heads of the first four households: a discovery signal.
    let mut csv = String::from("id_number,settled_on,kind,total_fen,self_pay_fen\n");
    for id in &ids[..4] {
        let head = store.household(*id).await.unwrap().unwrap().members[0].data.id_number.as_str().to_string();
        csv.push_str(&format!("{head},2026-05-10,inpatient,9000000,3000000\n"));
    }
    let medical = dir.path().join("medical.csv");
    std::fs::write(&medical, csv).unwrap();
    let feeds: Arc<dyn FeedStore> = store.clone();
    let (report, outcome) =
        import_files(&feeds, &[(medical.clone(), Feed::MedicalBills)], d("2026-12-02"), "test", &|_| {}).await.unwrap().remove(0);
    assert!(report.ok() && outcome.unwrap().new_rows == 4, "{}", report.to_text());
    let rules = jiuzhu_verify::Rules::default();
    let policies = jiuzhu_policy::Policies::builtin();
    let before = discover(store.as_ref(), policies, d("2026-12-02"), &rules, None, &|_| {}).await.unwrap();
    assert_eq!((before.households, before.signalled), (6, 4), "{before:?}");
    drop(store);

    // What `jiuzhu keys rotate --index` does (crates/cli/src/keys.rs): new keys, every registered
    // column rewritten, then the old keys retired unless a value still carries them.
    keys.rotate(KeyKind::Data, "after").unwrap();
    keys.rotate(KeyKind::Index, "after").unwrap();
    let store = open(&url, &keys).await;
    let pass = rekey_all(store.as_ref(), 3, &|_, _| {}).await.unwrap();
    assert_eq!(pass.stuck, 0);
    let usage = store.key_usage().await.unwrap();
    let used = |family| usage.iter().filter(|u| u.family == family).map(|u| u8::try_from(u.key_id).unwrap()).collect::<Vec<_>>();
    assert_eq!(keys.retire_unused(KeyKind::Data, &used(KeyFamily::Data)), [1]);
    assert_eq!(keys.retire_unused(KeyKind::Index, &used(KeyFamily::Index)), [1]);
    drop(store);

    let store = open(&url, &keys).await;
    let after = discover(store.as_ref(), policies, d("2026-12-02"), &rules, None, &|_| {}).await.unwrap();
    assert_eq!((after.households, after.signalled, after.likely, after.watch), (6, 4, before.likely, before.watch), "{after:?}");
    assert_eq!(after.removed, 0, "nobody silently left the pools: {after:?}");
}
