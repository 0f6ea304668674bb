//! Conformance: households, members, records and history ([`HouseholdStore`]).

use super::*;

pub async fn household_round_trips_every_field(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let new = sample_household("620825100201", "王建国", 11);
    let ids = s.insert_households(std::slice::from_ref(&new), &actor()).await.unwrap();
    let h = s.household(ids[0]).await.unwrap().expect("stored");
    assert_eq!(h.version, 1);
    assert_eq!(h.data, new.data);
    assert_eq!(h.members.iter().map(|m| m.data.clone()).collect::<Vec<_>>(), new.members);
    assert_eq!(h.head().data.name, "王建国");
    let (m0, m1) = (h.members[0].id, h.members[1].id);
    assert_eq!(
        h.records.incomes.iter().map(|i| (i.member_id, i.kind, i.amount)).collect::<Vec<_>>(),
        [
            (Some(m0), IncomeKind::Business, Fen(45_050)),
            (Some(m1), IncomeKind::PensionBasic, Fen(15_300)),
            (None, IncomeKind::Property, Fen(9_000_000_000_000_000)),
        ]
    );
    assert_eq!(h.records.assets[1].member_id, Some(m0));
    assert_eq!(h.records.expenses, new.expenses);
    assert_eq!(h.records.supporters, new.supporters);
    assert_eq!(s.household_region(ids[0]).await.unwrap(), Some(code("620825100201")));
    assert_eq!(s.household_of_person(&id_number("19620315", 12)).await.unwrap(), Some(ids[0]));
    let hist = s.history(ids[0]).await.unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!((hist[0].entity.as_str(), hist[0].field.as_str(), hist[0].actor.as_str()), ("household", "created", "conformance"));
    assert!(s.household(ids[0] + 1000).await.unwrap().is_none());
}

pub async fn a_person_is_in_one_household_and_batches_are_all_or_nothing(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    s.insert_households(&[sample_household("620825100201", "王建国", 11)], &actor()).await.unwrap();
    // The second household of this batch reuses a person of the first stored one.
    let batch = [sample_household("620825100202", "赵明", 21), sample_household("620825100202", "孙力", 11)];
    match s.insert_households(&batch, &actor()).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "persons_id_number"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(s.count_households(&code("620825")).await.unwrap(), 1, "nothing of the failed batch is written");
    assert!(s.household_of_person(&id_number("19600101", 21)).await.unwrap().is_none());
}

pub async fn search_stays_in_scope(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let batch = [
        sample_household("620825100201", "王建国", 11),
        sample_household("620825100202", "王建军", 21),
        sample_household("620825101201", "王五", 31),
        sample_household("620825101201", "张三", 41),
    ];
    let ids = s.insert_households(&batch, &actor()).await.unwrap();
    let q = |scope: &str, filter: HouseholdFilter| HouseholdQuery { scope: code(scope), filter, after_id: 0, limit: 50 };
    let names = |r: Vec<HouseholdSummary>| r.into_iter().map(|h| h.head_name).collect::<Vec<_>>();

    assert_eq!(names(s.search_households(&q("620825", HouseholdFilter::All)).await.unwrap()).len(), 4);
    assert_eq!(names(s.search_households(&q("620825100", HouseholdFilter::NamePrefix("王".into()))).await.unwrap()), ["王建国", "王建军"]);
    assert_eq!(names(s.search_households(&q("620825100", HouseholdFilter::NamePrefix("王建国".into()))).await.unwrap()), ["王建国"]);
    assert_eq!(names(s.search_households(&q("620825", HouseholdFilter::NamePrefix("李秀".into()))).await.unwrap()).len(), 4);
    // A town clerk never finds another town's household, even by exact ID number.
    let other_town_id = id_number("19600101", 41);
    assert!(s.search_households(&q("620825100", HouseholdFilter::IdNumber(other_town_id.clone()))).await.unwrap().is_empty());
    assert_eq!(names(s.search_households(&q("620825101", HouseholdFilter::IdNumber(other_town_id))).await.unwrap()), ["张三"]);
    assert_eq!(names(s.search_households(&q("620825", HouseholdFilter::Region(code("620825101201")))).await.unwrap()), ["王五", "张三"]);
    // The last digits of an ID number (any member's), inside the scope only.
    let spouse_of_zhang = id_number("19620315", 42);
    let tail = |n: usize| spouse_of_zhang[18 - n..].to_string();
    assert_eq!(names(s.search_households(&q("620825101", HouseholdFilter::IdSuffix(tail(6)))).await.unwrap()), ["张三"]);
    assert_eq!(names(s.search_households(&q("620825101", HouseholdFilter::IdSuffix(tail(4)))).await.unwrap()), ["张三"]);
    assert!(s.search_households(&q("620825100", HouseholdFilter::IdSuffix(tail(6)))).await.unwrap().is_empty(), "not another town's");
    assert!(s.search_households(&q("620825", HouseholdFilter::IdSuffix("9999X".into()))).await.unwrap().is_empty());
    // A region filter outside the scope finds nothing.
    assert!(s.search_households(&q("620825100", HouseholdFilter::Region(code("620825101")))).await.unwrap().is_empty());
    let first = &s.search_households(&q("620825", HouseholdFilter::All)).await.unwrap()[0];
    assert_eq!((first.member_count, first.village_name.as_deref(), first.town_name.as_deref()), (2, Some("朱店村"), Some("朱店镇")));
    // Keyset pagination.
    let page = s
        .search_households(&HouseholdQuery { scope: code("620825"), filter: HouseholdFilter::All, after_id: ids[1], limit: 1 })
        .await
        .unwrap();
    assert_eq!(page.iter().map(|h| h.id).collect::<Vec<_>>(), [ids[2]]);
    assert_eq!(s.count_households(&code("620825101")).await.unwrap(), 2);
}

pub async fn edits_need_the_current_version_and_leave_history(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let id = s.insert_households(&[sample_household("620825100201", "王建国", 11)], &actor()).await.unwrap()[0];
    let h = s.household(id).await.unwrap().unwrap();
    let mut data = h.data.clone();
    data.address = "朱店村四社 3 号".into();
    let change = Change { entity: "household".into(), field: "address".into(), old: h.data.address.clone(), new: data.address.clone() };
    s.update_household(id, 1, &data, std::slice::from_ref(&change), &actor()).await.unwrap();
    match s.update_household(id, 1, &data, &[], &actor()).await {
        Err(StoreError::VersionMismatch { expected: 1 }) => {}
        other => panic!("a stale edit must be refused, got {other:?}"),
    }
    let h = s.household(id).await.unwrap().unwrap();
    assert_eq!((h.version, h.data.address.as_str()), (2, "朱店村四社 3 号"));
    let hist = s.history(id).await.unwrap();
    assert_eq!((hist[1].field.as_str(), hist[1].old.as_str(), hist[1].new.as_str()), ("address", "朱店村三社 12 号", "朱店村四社 3 号"));
    assert!(matches!(s.update_household(id + 99, 1, &data, &[], &actor()).await, Err(StoreError::NotFound)));

    // Members: edit, conflict with another household's person, add.
    let other = s.insert_households(&[sample_household("620825100202", "赵明", 21)], &actor()).await.unwrap()[0];
    let mut m = h.members[1].data.clone();
    m.name = "李秀兰".into();
    s.update_member(id, h.members[1].id, 2, &m, &[], &actor()).await.unwrap();
    m.id_number = IdNumber::parse(&id_number("19600101", 21), today()).unwrap();
    assert!(matches!(s.update_member(id, h.members[1].id, 3, &m, &[], &actor()).await, Err(StoreError::Conflict { .. })));
    assert!(
        matches!(s.update_member(other, h.members[1].id, 1, &m, &[], &actor()).await, Err(StoreError::NotFound)),
        "member of another household"
    );
    let child = member(&id_number("20100505", 14), "王小明", Relation::Child);
    let child_id = s.add_member(id, 3, &child, &actor()).await.unwrap();
    let h = s.household(id).await.unwrap().unwrap();
    assert_eq!((h.version, h.members.len(), h.members[2].id), (4, 3, child_id));
    assert_eq!(h.members[1].data.name, "李秀兰");
    assert!(matches!(s.add_member(id, 4, &child, &actor()).await, Err(StoreError::Conflict { .. })), "same person twice");
}

pub async fn moving_a_person_is_explicit_and_recorded(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let ids = s
        .insert_households(&[sample_household("620825100201", "王建国", 11), sample_household("620825100202", "赵明", 21)], &actor())
        .await
        .unwrap();
    let a = s.household(ids[0]).await.unwrap().unwrap();
    let spouse = a.members[1].id;
    assert!(matches!(s.move_member(spouse, ids[0], 9, ids[1], &actor()).await, Err(StoreError::VersionMismatch { .. })));
    s.move_member(spouse, ids[0], 1, ids[1], &actor()).await.unwrap();
    let (a, b) = (s.household(ids[0]).await.unwrap().unwrap(), s.household(ids[1]).await.unwrap().unwrap());
    assert_eq!((a.members.len(), b.members.len()), (1, 3));
    assert_eq!((a.version, b.version), (2, 2));
    // Her own income record moved with her; the household-level one stayed.
    assert_eq!(a.records.incomes.len(), 2);
    assert!(b.records.incomes.iter().any(|i| i.member_id == Some(spouse) && i.kind == IncomeKind::PensionBasic));
    assert_eq!(s.household_of_person(&id_number("19620315", 12)).await.unwrap(), Some(ids[1]));
    assert!(s.history(ids[0]).await.unwrap().iter().any(|e| e.entity == "membership" && e.field == "moved_out"));
    assert!(s.history(ids[1]).await.unwrap().iter().any(|e| e.entity == "membership" && e.field == "moved_in"));
    // The head cannot be moved out (the household would have none).
    assert!(matches!(s.move_member(a.members[0].id, ids[0], 2, ids[1], &actor()).await, Err(StoreError::Conflict { .. })));
}

pub async fn records_are_replaced_as_a_unit(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let id = s.insert_households(&[sample_household("620825100201", "王建国", 11)], &actor()).await.unwrap()[0];
    let h = s.household(id).await.unwrap().unwrap();
    let mut records = h.records.clone();
    records.incomes.retain(|i| i.kind != IncomeKind::Property);
    records.assets.push(AssetRecord {
        member_id: Some(h.members[1].id),
        kind: AssetKind::EBike,
        value: Fen(150_000),
        description: "电动车".into(),
    });
    records.supporters.clear();
    let changes = [Change { entity: "records".into(), field: "incomes".into(), old: "3".into(), new: "2".into() }];
    s.replace_records(id, 1, &records, &changes, &actor()).await.unwrap();
    let h = s.household(id).await.unwrap().unwrap();
    assert_eq!(h.records, records);
    assert_eq!(h.version, 2);
    assert!(matches!(s.replace_records(id, 1, &records, &[], &actor()).await, Err(StoreError::VersionMismatch { .. })));
}

/// 申报: a declaration made with the household, and each later one, is kept; the newest is the
/// household's current one, with its date, taker and the parts declared empty.
pub async fn declarations_are_kept_and_the_newest_counts(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let mut empty = sample_household("620825100201", "孙", 70);
    empty.assets.clear();
    empty.supporters.clear();
    let on = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let ids = s.insert_households(&[empty.declared(on, "窗口甲"), sample_household("620825100201", "周", 72)], &actor()).await.unwrap();
    let h = s.household(ids[0]).await.unwrap().unwrap();
    let d = h.records.declaration.clone().expect("declared with the household");
    assert_eq!((d.on, d.by.as_str(), d.none.as_slice()), (on, "窗口甲", &[Section::Assets, Section::Supporters][..]));
    assert!(h.records.declared(Section::Assets) && h.records.declared(Section::Incomes));
    // A household registered without a declaration: parts with rows count, nothing else does.
    let other = s.household(ids[1]).await.unwrap().unwrap();
    assert_eq!(other.records.declaration, None);
    let mut records = other.records.clone();
    records.expenses.clear();
    assert_eq!(records.undeclared(&[Section::Incomes, Section::Expenses]), vec![Section::Expenses]);
    // A later declaration: assets now declared with a row; the earlier one stays in the table.
    let mut records = h.records.clone();
    records.assets.push(AssetRecord { member_id: None, kind: AssetKind::Deposit, value: Fen(100), description: String::new() });
    records.declaration = Some(Declaration { on: on.succ_opt().unwrap(), by: "调查乙".into(), none: vec![Section::Supporters] });
    s.replace_records(ids[0], h.version, &records, &[], &actor()).await.unwrap();
    let h = s.household(ids[0]).await.unwrap().unwrap();
    assert_eq!(h.records, records);
    assert_eq!(h.records.declaration.unwrap().by, "调查乙");
}

pub async fn households_are_read_in_batches_whole(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let batch: Vec<NewHousehold> = (0..5).map(|i| sample_household("620825100201", "钱", 50 + i)).collect();
    let ids = s.insert_households(&batch, &actor()).await.unwrap();
    let first = s.households_after(0, 3).await.unwrap();
    assert_eq!(first.iter().map(|h| h.id).collect::<Vec<_>>(), ids[..3]);
    let rest = s.households_after(first[2].id, 10).await.unwrap();
    assert_eq!(rest.iter().map(|h| h.id).collect::<Vec<_>>(), ids[3..]);
    for h in first.iter().chain(&rest) {
        assert_eq!(Some(h), s.household(h.id).await.unwrap().as_ref(), "a batch reads each household exactly as one read does");
        assert!(!h.members.is_empty() && !h.records.incomes.is_empty());
    }
    assert!(s.households_after(ids[4], 10).await.unwrap().is_empty());
}
