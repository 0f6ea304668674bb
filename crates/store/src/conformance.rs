//! The storage conformance suite: every backend runs every check here against a fresh, empty,
//! migrated database. Use [`conformance_tests!`](crate::conformance_tests) to generate one test
//! per check.

use crate::*;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::id_number::check_char;
use jiuzhu_domain::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}
fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}
fn actor() -> Actor {
    Actor { account_id: None, username: "conformance".into() }
}

/// A valid ID number in 庄浪县 for birth date `yyyymmdd` and sequence `seq` (3 digits).
pub fn id_number(yyyymmdd: &str, seq: u32) -> String {
    let first17 = format!("620825{yyyymmdd}{seq:03}");
    format!("{first17}{}", check_char(first17.as_bytes()))
}

fn member(id: &str, name: &str, relation: Relation) -> MemberData {
    let id = IdNumber::parse(id, today()).unwrap();
    MemberData {
        sex: id.sex(),
        birth_date: id.birth_date(),
        id_number: id,
        name: name.into(),
        relation,
        phone: Some("13900000000".into()),
        disability: None,
        serious_illness: false,
        chronic_illness: false,
        self_care: SelfCare::default(),
        labour_capacity: LabourCapacity::Full,
        student: None,
        employment: Employment::Farming,
        living_together: true,
        excluded: None,
    }
}

/// A two-person household in `village` whose members' ID sequences start at `seq`.
pub fn sample_household(village: &str, head_name: &str, seq: u32) -> NewHousehold {
    let mut spouse = member(&id_number("19620315", seq + 1), "李秀英", Relation::Spouse);
    spouse.disability = Some(Disability { kind: DisabilityKind::Physical, grade: 2, certificate: Some("62082519620315xxx42".into()) });
    spouse.self_care.bathing = false;
    spouse.labour_capacity = LabourCapacity::None;
    spouse.excluded = None;
    let month = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    NewHousehold {
        data: HouseholdData {
            hukou_region: code(village),
            residence_region: code(village),
            area: Area::Rural,
            address: "朱店村三社 12 号".into(),
            phone: None,
            bank_account: Some(BankAccount { bank: "甘肃省农村信用社".into(), account_no: "6228480000000000017".into() }),
        },
        members: vec![member(&id_number("19600101", seq), head_name, Relation::Head), spouse],
        incomes: vec![
            Income { member: Some(0), kind: IncomeKind::Business, month, amount: Fen(45_050) },
            Income { member: Some(1), kind: IncomeKind::PensionBasic, month, amount: Fen(15_300) },
            Income { member: None, kind: IncomeKind::Property, month, amount: Fen(9_000_000_000_000_000) },
        ],
        assets: vec![
            Asset { member: None, kind: AssetKind::ResidentialProperty, value: Fen(0), description: "自建房 90㎡".into() },
            Asset { member: Some(0), kind: AssetKind::Deposit, value: Fen(1_200_001), description: "定期存款".into() },
        ],
        expenses: vec![Expense { kind: ExpenseKind::Medical, month, amount: Fen(321_000), description: "住院自付".into() }],
        supporters: vec![Supporter {
            name: "王小军".into(),
            relation: "son".into(),
            birth_date: NaiveDate::from_ymd_opt(1985, 6, 1),
            status: SupporterStatus::None,
            severe_disability: false,
            incapacitated: false,
            missing: false,
            imprisoned: false,
            annual_income_per_capita: Some(Fen(1_500_000)),
            assets_within_limits: Some(true),
        }],
    }
}

fn divisions() -> Vec<Division> {
    [
        "62/甘肃省",
        "6208/平凉市",
        "620825/庄浪县",
        "620825100/朱店镇",
        "620825100201/朱店村",
        "620825100202/吊街村",
        "620825101/万泉镇",
        "620825101201/万泉村",
    ]
    .iter()
    .map(|s| {
        let (c, n) = s.split_once('/').unwrap();
        Division { code: code(c), name: n.into() }
    })
    .collect()
}

pub async fn regions_load_and_navigate(s: &dyn Store) {
    assert_eq!(s.upsert_regions(&divisions()).await.unwrap(), 8);
    // Loading again is harmless (idempotent).
    s.upsert_regions(&divisions()).await.unwrap();
    assert_eq!(s.region(&code("620825100")).await.unwrap().unwrap().name, "朱店镇");
    assert!(s.region(&code("620825199")).await.unwrap().is_none());
    let top = s.region_children(None).await.unwrap();
    assert_eq!(top.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["甘肃省"]);
    let towns = s.region_children(Some(&code("620825"))).await.unwrap();
    assert_eq!(towns.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["620825100", "620825101"]);
    let found = s.find_regions(&code("620825100"), "村", 10).await.unwrap();
    assert_eq!(found.len(), 2, "only villages inside the town: {found:?}");
}

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

pub async fn accounts_lock_out_and_disabling_ends_sessions(s: &dyn Store) {
    let new = NewAccount {
        username: "clerk1".into(),
        display_name: "受理员一".into(),
        role: Role::WindowClerk,
        region: code("620825100"),
        password_hash: "$argon2id$x".into(),
    };
    let id = s.create_account(&new).await.unwrap();
    assert!(matches!(s.create_account(&new).await, Err(StoreError::Conflict { .. })));
    let a = s.account_by_username("clerk1").await.unwrap().unwrap();
    assert_eq!((a.id, a.role, a.region.as_str(), a.disabled, a.failed_logins), (id, Role::WindowClerk, "620825100", false, 0));
    let until = Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap();
    for _ in 0..4 {
        s.record_login_failure(id, 5, until).await.unwrap();
    }
    assert_eq!(s.account(id).await.unwrap().unwrap().locked_until, None);
    s.record_login_failure(id, 5, until).await.unwrap();
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (5, Some(until)));
    s.record_login_success(id).await.unwrap();
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (0, None));

    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let session = Session { token_hash: "abc".into(), account_id: id, csrf_token: "csrf".into(), created_at: now, last_seen_at: now };
    s.create_session(&session).await.unwrap();
    assert_eq!(s.session("abc").await.unwrap(), Some(session.clone()));
    s.touch_session("abc", now + Duration::minutes(5)).await.unwrap();
    assert_eq!(s.session("abc").await.unwrap().unwrap().last_seen_at, now + Duration::minutes(5));
    s.set_account_disabled(id, true).await.unwrap();
    assert!(s.session("abc").await.unwrap().is_none(), "disabling kills sessions at once");
    assert!(s.account(id).await.unwrap().unwrap().disabled);
    s.create_session(&Session { token_hash: "def".into(), ..session }).await.unwrap();
    s.delete_session("def").await.unwrap();
    assert!(s.session("def").await.unwrap().is_none());
    assert_eq!(s.list_accounts().await.unwrap().len(), 1);
}

pub async fn assessments_are_kept_newest_first(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let ids = s.insert_households(&[sample_household("620825100201", "赵一", 41)], &actor()).await.unwrap();
    let item = |score: i64, as_of: &str| NewAssessment {
        household_id: ids[0],
        region: code("620825100201"),
        as_of: as_of.parse().unwrap(),
        score,
        level: "moderate".into(),
        dibao: 36_000,
        tekun: 0,
        flags: 1,
        result: "{\"programmes\":[]}".into(),
    };
    let made = s.insert_assessments(&[item(58, "2026-10-01"), item(61, "2026-11-01")], &actor()).await.unwrap();
    assert_eq!(made.len(), 2);
    let list = s.assessments(ids[0]).await.unwrap();
    assert_eq!(list.iter().map(|a| a.score).collect::<Vec<_>>(), [61, 58], "newest first");
    assert_eq!(
        (list[0].as_of, list[0].dibao, &list[0].result[..14], list[0].actor.as_str()),
        ("2026-11-01".parse().unwrap(), 36_000, "{\"programmes\":", "conformance")
    );
    // A bad row fails the whole batch.
    let bad = NewAssessment { score: 101, ..item(0, "2026-11-02") };
    assert!(s.insert_assessments(&[item(70, "2026-11-02"), bad], &actor()).await.is_err());
    assert_eq!(s.assessments(ids[0]).await.unwrap().len(), 2, "nothing of a failed batch is kept");
    assert!(s.assessments(ids[0] + 999).await.unwrap().is_empty());
    // Totals per town for a date: the latest assessment of each household counts once.
    let t = s.assessment_totals(&code("620825"), "2026-11-01".parse().unwrap()).await.unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].region.as_str(), t[0].households, t[0].mean_score_x100, t[0].dibao_households, t[0].dibao_monthly),
        ("620825100", 1, 6100, 1, 36_000)
    );
    s.insert_assessments(&[NewAssessment { score: 40, dibao: 0, flags: 0, ..item(0, "2026-11-01") }], &actor()).await.unwrap();
    let t = s.assessment_totals(&code("620825100"), "2026-11-01".parse().unwrap()).await.unwrap();
    assert_eq!(
        (t[0].households, t[0].mean_score_x100, t[0].hard_households, t[0].dibao_households),
        (1, 4000, 0, 0),
        "only the latest counts"
    );
    assert!(s.assessment_totals(&code("620825101"), "2026-11-01".parse().unwrap()).await.unwrap().is_empty(), "another town sees none");
    assert_eq!(
        s.assessment_dates(&code("620825")).await.unwrap(),
        ["2026-11-01".parse::<NaiveDate>().unwrap(), "2026-10-01".parse().unwrap()]
    );
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

/// Generates one `#[tokio::test]` per conformance check. `$make` is an async expression
/// returning a fresh, empty, migrated store (an `impl Store`), or `None` to skip with a message.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            regions_load_and_navigate,
            household_round_trips_every_field,
            a_person_is_in_one_household_and_batches_are_all_or_nothing,
            search_stays_in_scope,
            edits_need_the_current_version_and_leave_history,
            moving_a_person_is_explicit_and_recorded,
            records_are_replaced_as_a_unit,
            accounts_lock_out_and_disabling_ends_sessions,
            assessments_are_kept_newest_first,
            households_are_read_in_batches_whole);
    };
    (@each $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test]
            async fn $name() {
                if let Some(store) = $make.await {
                    $crate::conformance::$name(&*store).await;
                }
            }
        )*
    };
}
