//! State-machine property test of household membership through the registry service on a
//! real SQLite store: random sequences of registrations, additions, moves and ID corrections
//! are run against a simple model. After every step a person is in at most one household, in
//! the one the model says; and each household's version and history grew by exactly its
//! successful changes.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_domain::*;
use jiuzhu_registry::{NewHouseholdInput, Registry, RegistryError};
use jiuzhu_store::Store;
use jiuzhu_testkit::fixtures::id_number;
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

const PEOPLE: u32 = 10;

#[derive(Debug, Clone)]
enum Op {
    /// Register a household headed by person `head` with person `other` as a child.
    Register { head: u32, other: Option<u32> },
    /// Add person `p` to the `h`-th household registered so far.
    Add { h: usize, p: u32 },
    /// Move person `p` to the `h`-th household.
    Move { p: u32, h: usize },
    /// Correct person `p`'s ID number to person `q`'s.
    Correct { p: u32, q: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..PEOPLE, proptest::option::of(0..PEOPLE)).prop_map(|(head, other)| Op::Register { head, other }),
        (0..4usize, 0..PEOPLE).prop_map(|(h, p)| Op::Add { h, p }),
        (0..PEOPLE, 0..4usize).prop_map(|(p, h)| Op::Move { p, h }),
        (0..PEOPLE, 0..PEOPLE).prop_map(|(p, q)| Op::Correct { p, q }),
    ]
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn person_id(p: u32) -> String {
    id_number("19700101", 100 + p)
}

fn member(p: u32, relation: &str) -> MemberInput {
    MemberInput {
        id_number: person_id(p),
        name: format!("成员{}", ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"][p as usize]),
        relation: relation.into(),
        employment: Some("farming".into()),
        ..Default::default()
    }
}

/// What the registry should hold.
#[derive(Default)]
struct Model {
    /// household id → (version, history entries)
    households: Vec<(i64, i64, usize)>,
    /// person → (household id, is head)
    where_is: HashMap<u32, (i64, bool)>,
}

impl Model {
    fn bump(&mut self, id: i64) {
        let h = self.households.iter_mut().find(|h| h.0 == id).unwrap();
        h.1 += 1;
        h.2 += 1;
    }
}

async fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = jiuzhu_store_sql::connect(
        &format!("sqlite://{}", dir.path().join("m.db").display()),
        std::sync::Arc::new(jiuzhu_crypto::Keyring::for_tests()),
    )
    .await
    .unwrap();
    store.upsert_regions(&jiuzhu_testkit::fixtures::two_towns()).await.unwrap();
    let accounts = jiuzhu_accounts::Accounts::new(store.clone(), store.clone(), Arc::new(SystemClock));
    let registry = Registry::new(&store, accounts);
    let user = jiuzhu_testkit::world::user(1, Role::WindowClerk, "620825100");
    let mut model = Model::default();
    let version = |model: &Model, id: i64| model.households.iter().find(|h| h.0 == id).unwrap().1;

    for op in ops {
        match op {
            Op::Register { head, other } => {
                let mut members = vec![member(head, "head")];
                if let Some(o) = other {
                    members.push(member(o, "child"));
                }
                let input = NewHouseholdInput {
                    household: HouseholdInput { hukou_region: "620825100201".into(), area: "rural".into(), ..Default::default() },
                    members,
                    ..Default::default()
                };
                let ok = !model.where_is.contains_key(&head) && other.is_none_or(|o| o != head && !model.where_is.contains_key(&o));
                match registry.create(&user, &input, today()).await {
                    Ok(id) => {
                        assert!(ok, "registered {head}/{other:?} twice");
                        model.households.push((id, 1, 1));
                        model.where_is.insert(head, (id, true));
                        if let Some(o) = other {
                            model.where_is.insert(o, (id, false));
                        }
                    }
                    Err(RegistryError::Invalid(_)) => assert!(!ok, "refused a valid registration {head}/{other:?}"),
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Add { h, p } => {
                let Some(&(id, _, _)) = model.households.get(h) else { continue };
                let r = registry.add_member(&user, id, version(&model, id), &member(p, "child"), today()).await;
                match r {
                    Ok(_) => {
                        assert!(!model.where_is.contains_key(&p), "person {p} added while registered");
                        model.where_is.insert(p, (id, false));
                        model.bump(id);
                    }
                    Err(RegistryError::Invalid(_)) => assert!(model.where_is.contains_key(&p)),
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Move { p, h } => {
                let (Some(&(to, _, _)), Some(&(from, is_head))) = (model.households.get(h), model.where_is.get(&p)) else { continue };
                let hh = store.household(from).await.unwrap().unwrap();
                let mid = hh.members.iter().find(|m| m.data.id_number.as_str() == person_id(p)).unwrap().id;
                let r = registry.move_member(&user, from, mid, version(&model, from), to).await;
                match r {
                    Ok(()) => {
                        assert!(!is_head && from != to, "moved a head or within one household");
                        model.where_is.insert(p, (to, false));
                        model.bump(from);
                        model.bump(to);
                    }
                    Err(RegistryError::Invalid(_)) => assert!(is_head || from == to),
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Correct { p, q } => {
                let Some(&(hid, is_head)) = model.where_is.get(&p) else { continue };
                let hh = store.household(hid).await.unwrap().unwrap();
                let m = hh.members.iter().find(|m| m.data.id_number.as_str() == person_id(p)).unwrap();
                let mut input = m.data.to_input();
                input.id_number = person_id(q);
                let r = registry.update_member(&user, hid, m.id, version(&model, hid), &input, today()).await;
                match r {
                    Ok(()) => {
                        assert!(p == q || !model.where_is.contains_key(&q), "corrected {p} to a registered number {q}");
                        if p != q {
                            model.where_is.remove(&p);
                            model.where_is.insert(q, (hid, is_head));
                            model.bump(hid);
                        }
                    }
                    Err(RegistryError::Invalid(_)) => assert!(p != q && model.where_is.contains_key(&q)),
                    Err(e) => panic!("{e}"),
                }
            }
        }
        // Invariants after every step.
        for p in 0..PEOPLE {
            assert_eq!(store.household_of_person(&person_id(p)).await.unwrap(), model.where_is.get(&p).map(|w| w.0), "person {p}");
        }
        for &(id, v, hist) in &model.households {
            let h = store.household(id).await.unwrap().unwrap();
            assert_eq!(h.version, v, "household {id} version");
            assert_eq!(store.history(id).await.unwrap().len(), hist, "household {id} history");
            assert_eq!(h.members[0].data.relation, Relation::Head, "household {id} keeps its head first");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn membership_follows_the_model(ops in proptest::collection::vec(op(), 1..25)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(ops));
    }
}
