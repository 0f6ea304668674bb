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
        department: None,
        password_hash: "$argon2id$x".into(),
        disabled: false,
        must_change_password: false,
    };
    let id = s.create_account(&new).await.unwrap();
    assert!(matches!(s.create_account(&new).await, Err(StoreError::Conflict { .. })));
    let pending = s
        .create_account(&NewAccount { username: "clerk_pending".into(), disabled: true, must_change_password: true, ..new.clone() })
        .await
        .unwrap();
    let p = s.account(pending).await.unwrap().unwrap();
    assert!(p.disabled && p.must_change_password, "created disabled (待授权), to change its password");
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
    let session = Session {
        token_hash: "abc".into(),
        account_id: id,
        csrf_token: "csrf".into(),
        created_at: now,
        last_seen_at: now,
        reauth_at: None,
    };
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
    assert_eq!(s.list_accounts().await.unwrap().len(), 2, "clerk1 and clerk_pending");
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

// ---- casework ----

fn new_case(household_id: i64, village: &str, kind: jiuzhu_domain::casework::AssistanceKind, due: Option<NaiveDate>) -> NewCase {
    use jiuzhu_domain::casework::*;
    NewCase {
        household_id,
        region: code(village),
        kind,
        purpose: Purpose::Application,
        track: Track::Normal,
        state: CaseState::Accepted,
        applicant: "王建国".into(),
        opened_on: today(),
        accepted_on: Some(today()),
        step_started_on: today(),
        step_due: due,
        overall_due: due,
        due_role: Some(Role::WindowClerk),
        department: None,
        contested: false,
        near_relative: true,
        extended: false,
        spot_check_required: false,
        benefit_id: None,
        details: CaseDetails {
            materials: materials_for(kind, Track::Normal, true, false),
            request: "因病致贫，申请低保".into(),
            ..Default::default()
        },
    }
}

fn opened(role: Role) -> NewCaseEvent {
    NewCaseEvent {
        actor: Actor { account_id: Some(7), username: "clerk".into() },
        role: Some(role),
        action: "intake".into(),
        from_state: None,
        to_state: jiuzhu_domain::casework::CaseState::Accepted,
        note: "受理".into(),
    }
}

async fn one_household(s: &dyn Store, village: &str, seq: u32) -> i64 {
    let regions: Vec<Division> =
        ["62/甘肃省", "6208/平凉市", "620825/庄浪县", "620825100/水洛镇", "620825100201/何马村", "620825101/南湖镇", "620825101201/南湖村"]
            .iter()
            .map(|x| {
                let (c, n) = x.split_once('/').unwrap();
                Division { code: code(c), name: n.into() }
            })
            .collect();
    s.upsert_regions(&regions).await.unwrap();
    s.insert_households(&[sample_household(village, "王建国", seq)], &actor()).await.unwrap()[0]
}

pub async fn cases_keep_one_open_per_kind_and_steps_need_the_current_version(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let due = Some(today() + Duration::days(3));
    let ids = s
        .insert_cases(
            &[new_case(h, "620825100201", AssistanceKind::Dibao, due), new_case(h, "620825100201", AssistanceKind::Medical, due)],
            &opened(Role::WindowClerk),
        )
        .await
        .unwrap();
    let c = s.case(ids[0]).await.unwrap().unwrap();
    assert_eq!((c.intake_id, c.version), (ids[0], 1));
    assert_eq!(c.data, new_case(h, "620825100201", AssistanceKind::Dibao, due), "every field round-trips");
    assert_eq!(s.case(ids[1]).await.unwrap().unwrap().intake_id, ids[0], "one intake");
    // A second open dibao case for the household is refused, and nothing of that intake is kept.
    let again = s
        .insert_cases(
            &[new_case(h, "620825100201", AssistanceKind::Housing, due), new_case(h, "620825100201", AssistanceKind::Dibao, due)],
            &opened(Role::WindowClerk),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict { ref constraint }) if constraint == "cases_open_kind"), "{again:?}");
    assert_eq!(s.household_cases(h).await.unwrap().len(), 2);
    // A step from version 1 wins; a second one from version 1 is refused.
    let mut next = c.clone();
    next.data.state = CaseState::Survey;
    next.data.due_role = Some(Role::Investigator);
    next.data.details.request = "已核对".into();
    let step = NewCaseEvent {
        action: "check".into(),
        from_state: Some(CaseState::Accepted),
        to_state: CaseState::Survey,
        ..opened(Role::WindowClerk)
    };
    s.update_case(&next, &step, None).await.unwrap();
    assert!(matches!(s.update_case(&next, &step, None).await, Err(StoreError::VersionMismatch { .. })));
    let now = s.case(c.id).await.unwrap().unwrap();
    assert_eq!((now.version, now.data.state, now.data.details.request.as_str()), (2, CaseState::Survey, "已核对"));
    let events = s.case_events(c.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["intake", "check"]);
    assert_eq!(
        (events[1].from_state, events[1].to_state, events[1].role),
        (Some(CaseState::Accepted), CaseState::Survey, Some(Role::WindowClerk))
    );
    // Closing the case frees the kind for a new application.
    let mut closed = now.clone();
    closed.data.state = CaseState::Closed;
    closed.data.due_role = None;
    s.update_case(&closed, &NewCaseEvent { action: "withdraw".into(), to_state: CaseState::Closed, ..step.clone() }, None).await.unwrap();
    s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Dibao, due)], &opened(Role::WindowClerk)).await.unwrap();
}

pub async fn queues_stay_in_scope_and_sort_by_deadline(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let a = one_household(s, "620825100201", 11).await;
    let b = s.insert_households(&[sample_household("620825101201", "赵明", 21)], &actor()).await.unwrap()[0];
    let c2 = s.insert_households(&[sample_household("620825100201", "孙丽", 31)], &actor()).await.unwrap()[0];
    let d = |n: i64| Some(today() + Duration::days(n));
    s.insert_cases(&[new_case(a, "620825100201", AssistanceKind::Dibao, d(-2))], &opened(Role::WindowClerk)).await.unwrap();
    s.insert_cases(&[new_case(c2, "620825100201", AssistanceKind::Tekun, d(2))], &opened(Role::WindowClerk)).await.unwrap();
    s.insert_cases(&[new_case(a, "620825100201", AssistanceKind::Temporary, None)], &opened(Role::WindowClerk)).await.unwrap();
    let other = s.insert_cases(&[new_case(b, "620825101201", AssistanceKind::Dibao, d(1))], &opened(Role::WindowClerk)).await.unwrap()[0];
    let q = |scope: &str, bucket| QueueQuery {
        scope: code(scope),
        role: Role::WindowClerk,
        department: None,
        bucket,
        today: today(),
        soon_until: today() + Duration::days(3),
        account_id: 7,
        limit: 50,
        offset: 0,
    };
    let todo = s.queue(&q("620825100", QueueBucket::Todo)).await.unwrap();
    assert_eq!(
        todo.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [AssistanceKind::Dibao, AssistanceKind::Tekun, AssistanceKind::Temporary],
        "soonest first, no deadline last"
    );
    assert!(todo.iter().all(|c| c.region.as_str().starts_with("620825100") && c.village_name.as_deref() == Some("何马村")));
    assert_eq!(s.queue(&q("620825100", QueueBucket::Overdue)).await.unwrap().len(), 1);
    assert_eq!(s.queue(&q("620825100", QueueBucket::SoonDue)).await.unwrap()[0].kind, AssistanceKind::Tekun);
    assert_eq!(
        s.queue_counts(&q("620825100", QueueBucket::Todo)).await.unwrap(),
        QueueCounts { todo: 3, soon_due: 1, overdue: 1, done: 3 }
    );
    assert_eq!(s.queue_counts(&q("620825", QueueBucket::Todo)).await.unwrap().todo, 4);
    assert!(s.queue(&q("620825101", QueueBucket::Todo)).await.unwrap().iter().all(|c| c.id == other));
    // Another role's queue is empty; the page size and offset are kept.
    assert!(s.queue(&QueueQuery { role: Role::Investigator, ..q("620825", QueueBucket::Todo) }).await.unwrap().is_empty());
    assert_eq!(s.queue(&QueueQuery { limit: 2, offset: 2, ..q("620825", QueueBucket::Todo) }).await.unwrap().len(), 2);
    // Done: what account 7 acted on, latest first, inside the scope.
    let done = s.queue(&q("620825100", QueueBucket::Done)).await.unwrap();
    assert_eq!(done.len(), 3);
    assert!(s.queue(&QueueQuery { account_id: 8, ..q("620825", QueueBucket::Done) }).await.unwrap().is_empty());
    // Department liaisons see only their department's referrals.
    let mut referral = new_case(b, "620825101201", AssistanceKind::Medical, d(5));
    referral.state = CaseState::Referred;
    referral.due_role = Some(Role::DepartmentLiaison);
    referral.department = Some(Department::MedicalSecurity);
    s.insert_cases(&[referral], &opened(Role::WindowClerk)).await.unwrap();
    let liaison = |dep| QueueQuery { role: Role::DepartmentLiaison, department: Some(dep), ..q("620825", QueueBucket::Todo) };
    assert_eq!(s.queue(&liaison(Department::MedicalSecurity)).await.unwrap().len(), 1);
    assert!(s.queue(&liaison(Department::Education)).await.unwrap().is_empty());
    assert_eq!(s.cases_in_state(&code("620825"), CaseState::Referred, 10).await.unwrap().len(), 1);
    assert_eq!(s.cases_without_deadline(10).await.unwrap().len(), 1, "the temporary case has no deadline yet");
}

pub async fn benefits_are_granted_with_the_step_and_come_up_for_review(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let id = s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Dibao, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let c = s.case(id).await.unwrap().unwrap();
    let month = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let grant = Benefit {
        id: 0,
        version: 0,
        household_id: h,
        region: code("620825100201"),
        kind: AssistanceKind::Dibao,
        case_id: id,
        monthly_amount: Fen(46_500),
        one_off_amount: Fen(0),
        since_month: month,
        until_month: None,
        status: BenefitStatus::Active,
        next_review_on: Some(NaiveDate::from_ymd_opt(2027, 11, 1).unwrap()),
        next_review_reason: ReviewReason::Periodic,
        review_months: 12,
        job_refusals: 0,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    let mut approved = c.clone();
    approved.data.state = CaseState::Approved;
    approved.data.due_role = None;
    let step = NewCaseEvent {
        action: "approve".into(),
        from_state: Some(CaseState::CountyReview),
        to_state: CaseState::Approved,
        ..opened(Role::CountyApprover)
    };
    let bid = s.update_case(&approved, &step, Some(&BenefitChange::Grant(grant.clone()))).await.unwrap().unwrap();
    assert_eq!(s.case(id).await.unwrap().unwrap().data.benefit_id, Some(bid), "the case points at its benefit");
    let b = s.benefit(bid).await.unwrap().unwrap();
    assert_eq!((b.version, b.monthly_amount, b.status, b.since_month), (1, Fen(46_500), BenefitStatus::Active, month));
    assert_eq!(s.household_benefits(h).await.unwrap().len(), 1);
    // A second dibao in force for the same household is refused, with nothing of that step kept.
    let c2 = s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Dibao, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let mut second = s.case(c2).await.unwrap().unwrap();
    second.data.state = CaseState::Approved;
    let r = s.update_case(&second, &step, Some(&BenefitChange::Grant(grant.clone()))).await;
    assert!(matches!(r, Err(StoreError::Conflict { ref constraint }) if constraint == "benefits_one_in_force"), "{r:?}");
    assert_eq!(s.case(c2).await.unwrap().unwrap().data.state, CaseState::Accepted, "the refused step left the case as it was");
    // Due for review: not before its date; not while a review is open.
    assert!(s.benefits_due_for_review(NaiveDate::from_ymd_opt(2027, 10, 31).unwrap(), 10).await.unwrap().is_empty());
    assert_eq!(s.benefits_due_for_review(NaiveDate::from_ymd_opt(2027, 11, 1).unwrap(), 10).await.unwrap()[0].id, bid);
    let mut review = new_case(h, "620825100201", AssistanceKind::Dibao, None);
    review.purpose = Purpose::Review;
    s.insert_cases(&[review], &opened(Role::WindowClerk)).await.unwrap();
    assert!(s.benefits_due_for_review(NaiveDate::from_ymd_opt(2027, 11, 1).unwrap(), 10).await.unwrap().is_empty());
    // Updates need the version read; a gradual exit ends after its last month.
    let mut exit = b.clone();
    exit.status = BenefitStatus::GradualExit;
    exit.until_month = Some(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
    s.update_benefit(&exit).await.unwrap();
    assert!(matches!(s.update_benefit(&exit).await, Err(StoreError::VersionMismatch { .. })));
    assert!(s.benefits_exit_ended(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), 10).await.unwrap().is_empty());
    assert_eq!(s.benefits_exit_ended(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(), 10).await.unwrap().len(), 1);
}

pub async fn photos_calendar_years_and_spot_check_counts(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let id = s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Tekun, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let pid = s.insert_photo(id, "image/jpeg", &bytes, "厨房", &actor()).await.unwrap();
    let p = s.photo(pid).await.unwrap().unwrap();
    assert_eq!((p.case_id, p.content_type.as_str(), p.caption.as_str(), p.bytes.len()), (id, "image/jpeg", "厨房", 70_000));
    assert_eq!(p.bytes, bytes);
    assert!(s.photo(pid + 1).await.unwrap().is_none());
    let second = s.insert_photo(id, "image/png", b"png", "", &actor()).await.unwrap();
    assert_eq!(s.case_photo_ids(id).await.unwrap(), [pid, second]);
    assert!(s.case_photo_ids(id + 1).await.unwrap().is_empty());
    assert!(s.calendar_years().await.unwrap().is_empty());
    s.put_calendar_year(2027, "{\"holidays\":{}}", "国办发明电", &actor()).await.unwrap();
    s.put_calendar_year(2027, "{\"holidays\":{\"2027-01-01\":\"x\"}}", "国办发明电", &actor()).await.unwrap();
    assert_eq!(s.calendar_years().await.unwrap(), [(2027, "{\"holidays\":{\"2027-01-01\":\"x\"}}".to_string())]);
    assert_eq!(s.tekun_spot_checks(&code("620825"), today()).await.unwrap(), (0, 0));
    let mut c = s.case(id).await.unwrap().unwrap();
    c.data.state = CaseState::CountyReview;
    c.data.spot_check_required = true;
    let step = NewCaseEvent { action: "end_publicity".into(), to_state: CaseState::CountyReview, ..opened(Role::TownReviewer) };
    s.update_case(&c, &step, None).await.unwrap();
    assert_eq!(s.tekun_spot_checks(&code("620825"), today()).await.unwrap(), (1, 1));
    assert_eq!(s.tekun_spot_checks(&code("620826"), today()).await.unwrap(), (0, 0));
}

/// Generates one `#[tokio::test]` per conformance check. `$make` is an async expression
/// returning a fresh, empty, migrated store (an `impl Store`), or `None` to skip with a message.
/// A sealer for the suite: not cryptographic, but every seal depends on the previous one and on
/// every field, which is all the store may rely on.
pub struct TestSealer;

fn mix(parts: &[&[u8]]) -> Vec<u8> {
    // FNV-1a over length-prefixed parts, spread to 32 bytes.
    let mut out = Vec::with_capacity(32);
    for lane in 0u64..4 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ lane;
        for p in parts {
            for b in (p.len() as u64).to_be_bytes().iter().chain(p.iter()) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        out.extend_from_slice(&h.to_be_bytes());
    }
    out
}

impl AuditSealer for TestSealer {
    fn seal_entry(&self, prev: &[u8], id: i64, r: &AuditRecord) -> (i64, Vec<u8>) {
        let fields = [&r.at, &r.username, &r.action, &r.object_id, &r.fields, &r.outcome, &r.detail];
        let mut parts: Vec<&[u8]> = vec![prev];
        let id_bytes = id.to_be_bytes();
        parts.push(&id_bytes);
        parts.extend(fields.iter().map(|f| f.as_bytes()));
        (1, mix(&parts))
    }
    fn seal_marker(&self, kind: &str, entry_id: i64, entry_seal: &[u8], at: &str) -> (i64, Vec<u8>) {
        (1, mix(&[kind.as_bytes(), &entry_id.to_be_bytes(), entry_seal, at.as_bytes()]))
    }
}

fn audit_record(n: usize, user: &str, household: Option<i64>, action: &str) -> AuditRecord {
    AuditRecord {
        at: audit_time(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::seconds(n as i64)),
        account_id: Some(if user == "clerk" { 1 } else { 2 }),
        username: user.into(),
        role: "window_clerk".into(),
        region: "620825100".into(),
        ip: "127.0.0.1".into(),
        action: action.into(),
        object_kind: "household".into(),
        object_id: household.map(|h| h.to_string()).unwrap_or_default(),
        household_id: household,
        fields: "name,id_number".into(),
        purpose: String::new(),
        outcome: "allowed".into(),
        reason: String::new(),
        detail: format!("n={n}"),
    }
}

pub async fn audit_entries_chain_in_order_with_a_head_and_checkpoints(s: &dyn Store) {
    assert_eq!(s.audit_head().await.unwrap(), None);
    // 1,001 entries in three appends: ids 1…1001 without gaps, each sealed over the previous.
    let mut all: Vec<AuditRecord> =
        (0..1001).map(|n| audit_record(n, if n % 3 == 0 { "clerk" } else { "other" }, Some(n as i64 % 7), "view")).collect();
    all[500].action = "search".into();
    all[500].household_id = None;
    let ids_a = s.append_audit(&all[..1], &TestSealer).await.unwrap();
    let ids_b = s.append_audit(&all[1..600], &TestSealer).await.unwrap();
    let ids_c = s.append_audit(&all[600..], &TestSealer).await.unwrap();
    assert_eq!(ids_a, vec![1]);
    assert_eq!(ids_b, (2..=600).collect::<Vec<i64>>());
    assert_eq!(*ids_c.last().unwrap(), 1001);
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page = s.audit_after(after, 400).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        stored.extend(page);
    }
    assert_eq!(stored.len(), 1001);
    let mut prev = vec![0u8; 32];
    for (e, r) in stored.iter().zip(&all) {
        assert_eq!(&e.record, r, "entry {} round-trips every field", e.id);
        assert_eq!(e.seal, TestSealer.seal_entry(&prev, e.id, r).1, "entry {} sealed over the previous seal", e.id);
        prev = e.seal.clone();
    }
    let head = s.audit_head().await.unwrap().unwrap();
    assert_eq!((head.entry_id, &head.entry_seal), (1001, &prev));
    assert_eq!(head.seal, TestSealer.seal_marker("head", 1001, &prev, &all[1000].at).1);
    let checkpoints = s.audit_checkpoints().await.unwrap();
    assert_eq!(checkpoints.len(), 1);
    assert_eq!((checkpoints[0].entry_id, &checkpoints[0].entry_seal), (1000, &stored[999].seal));

    // Auditors' search: by user, household, action, time; newest first; keyset pages.
    let q = AuditQuery { limit: 10, ..AuditQuery::default() };
    let newest = s.search_audit(&q).await.unwrap();
    assert_eq!(newest.iter().map(|e| e.id).collect::<Vec<_>>(), (992..=1001).rev().collect::<Vec<i64>>());
    let page2 = s.search_audit(&AuditQuery { before_id: Some(992), ..q.clone() }).await.unwrap();
    assert_eq!(page2[0].id, 991);
    let by_user = s.search_audit(&AuditQuery { username: Some("clerk".into()), limit: 2000, ..q.clone() }).await.unwrap();
    assert_eq!(by_user.len(), 334);
    assert!(by_user.iter().all(|e| e.record.username == "clerk"));
    let by_account = s.search_audit(&AuditQuery { account_id: Some(1), limit: 2000, ..q.clone() }).await.unwrap();
    assert_eq!(by_account.len(), 334);
    let by_household = s.search_audit(&AuditQuery { household_id: Some(3), limit: 2000, ..q.clone() }).await.unwrap();
    // n % 7 == 3 for 143 of them, less entry 501 (n = 500), a search with no household.
    assert_eq!(by_household.len(), 142);
    let searches = s.search_audit(&AuditQuery { action: Some("search".into()), ..q.clone() }).await.unwrap();
    assert_eq!(searches.iter().map(|e| e.id).collect::<Vec<_>>(), [501]);
    let window = s
        .search_audit(&AuditQuery { from: Some(all[10].at.clone()), to: Some(all[20].at.clone()), limit: 100, ..q.clone() })
        .await
        .unwrap();
    assert_eq!(window.iter().map(|e| e.id).collect::<Vec<_>>(), (11..=20).rev().collect::<Vec<i64>>(), "from inclusive, to exclusive");
    let denied = s.search_audit(&AuditQuery { outcome: Some("denied".into()), ..q }).await.unwrap();
    assert!(denied.is_empty());
}

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

pub async fn account_changes_take_effect_and_reauthentication_is_kept(s: &dyn Store) {
    let id = s
        .create_account(&NewAccount {
            username: "clerk".into(),
            display_name: "受理员".into(),
            role: Role::WindowClerk,
            region: code("620825100"),
            department: None,
            password_hash: "old".into(),
            disabled: false,
            must_change_password: false,
        })
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let session =
        Session { token_hash: "t".into(), account_id: id, csrf_token: "c".into(), created_at: now, last_seen_at: now, reauth_at: None };
    s.create_session(&session).await.unwrap();
    s.set_session_reauth("t", now + Duration::minutes(1)).await.unwrap();
    assert_eq!(s.session("t").await.unwrap().unwrap().reauth_at, Some(now + Duration::minutes(1)));
    s.update_account_access(id, Role::Investigator, &code("620825101"), None).await.unwrap();
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.role, a.region.as_str()), (Role::Investigator, "620825101"));
    assert!(matches!(s.update_account_access(999, Role::Investigator, &code("620825101"), None).await, Err(StoreError::NotFound)));
    s.record_login_failure(id, 1, now + Duration::hours(1)).await.unwrap();
    s.set_password(id, "new", true).await.unwrap();
    assert!(s.account(id).await.unwrap().unwrap().must_change_password, "a reset asks for a new password");
    s.set_password(id, "newer", false).await.unwrap();
    assert!(!s.account(id).await.unwrap().unwrap().must_change_password);
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.password_hash.as_str(), a.failed_logins, a.locked_until), ("newer", 0, None));
    assert!(s.session("t").await.unwrap().is_none(), "a new password ends the sessions");
}

pub async fn caseload_is_cases_waiting_for_the_role_or_acted_on(s: &dyn Store) {
    use jiuzhu_domain::casework::*;
    let h = one_household(s, "620825100201", 11).await;
    let other = s.insert_households(&[sample_household("620825100201", "孙丽", 31)], &actor()).await.unwrap()[0];
    let mut case = new_case(h, "620825100201", AssistanceKind::Dibao, None);
    case.due_role = Some(Role::Investigator);
    s.insert_cases(&[case], &NewCaseEvent { actor: Actor { account_id: Some(5), username: "clerk".into() }, ..opened(Role::WindowClerk) })
        .await
        .unwrap();
    assert!(s.in_caseload(h, 42, Role::Investigator).await.unwrap(), "waits for investigators");
    assert!(!s.in_caseload(h, 42, Role::TownReviewer).await.unwrap());
    assert!(s.in_caseload(h, 5, Role::WindowClerk).await.unwrap(), "the clerk who took it acted on it");
    assert!(!s.in_caseload(other, 5, Role::Investigator).await.unwrap(), "no case");
}

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
    let first = s.import_feed(&file("aa", 2), &[rec(&a, "甘L·A0001", "2020-01-01"), rec(&b, "甘L·A0002", "2021-01-01")]).await.unwrap();
    assert_eq!((first.new_rows, first.already_imported), (2, false));
    // The same file again: nothing changes.
    let again = s.import_feed(&file("aa", 2), &[rec(&a, "甘L·A0001", "2020-01-01"), rec(&b, "甘L·A0002", "2021-01-01")]).await.unwrap();
    assert_eq!((again.import_id, again.new_rows, again.already_imported), (first.import_id, 0, true));
    // Another file repeating one fact and adding one: only the new one is stored.
    let next = s.import_feed(&file("bb", 2), &[rec(&a, "甘L·A0001", "2020-01-01"), rec(&a, "甘L·A0003", "2022-01-01")]).await.unwrap();
    assert_eq!((next.new_rows, next.already_imported), (1, false));
    // The same key in another feed is another fact.
    let other = NewFeedImport { feed: "deaths".into(), ..file("aa", 1) };
    assert_eq!(s.import_feed(&other, &[rec(&a, "甘L·A0001", "2026-01-01")]).await.unwrap().new_rows, 1);

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
        reasons: "[]".into(),
        referrals: "[]".into(),
        assessment: "x".into(),
        found_on: day("2026-12-01"),
        next_visit_on: day(visit),
        updated_at: Utc::now(),
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
    assert_eq!(all.iter().map(|e| e.household_id).collect::<Vec<_>>(), vec![h2, h1], "soonest visit first");
    assert_eq!(s.monitoring(&q("620825", None, Some("2027-02-01"))).await.unwrap().len(), 1);
    assert!(s.monitoring(&q("620825101", Some(MonitoringPool::Likely), None)).await.unwrap().is_empty());
    // A second run moves h2 into 一类库, keeping the day it was first found.
    let mut moved = entry(h2, "620825101201", MonitoringPool::Likely, "2027-04-01");
    moved.found_on = day("2026-12-31");
    s.put_monitoring(&[moved]).await.unwrap();
    let got = s.monitoring(&q("620825101", None, None)).await.unwrap();
    assert_eq!((got[0].pool, got[0].found_on, got[0].next_visit_on), (MonitoringPool::Likely, day("2026-12-01"), day("2027-04-01")));
    assert_eq!(s.monitoring_entry(h2).await.unwrap().map(|e| e.pool), Some(MonitoringPool::Likely));
    s.remove_monitoring(&[h1]).await.unwrap();
    assert_eq!(s.monitoring_counts(&code("620825")).await.unwrap(), (1, 0));
    assert_eq!(s.monitoring_entry(h1).await.unwrap(), None);
}

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
            households_are_read_in_batches_whole,
            cases_keep_one_open_per_kind_and_steps_need_the_current_version,
            queues_stay_in_scope_and_sort_by_deadline,
            benefits_are_granted_with_the_step_and_come_up_for_review,
            photos_calendar_years_and_spot_check_counts,
            audit_entries_chain_in_order_with_a_head_and_checkpoints,
            alerts_merge_while_open_and_are_handled_once,
            exports_are_decided_once_and_downloaded_once,
            account_changes_take_effect_and_reauthentication_is_kept,
            caseload_is_cases_waiting_for_the_role_or_acted_on,
            feed_imports_land_whole_once_and_rows_are_not_stored_twice,
            monitoring_pools_upsert_and_stay_in_scope);
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
