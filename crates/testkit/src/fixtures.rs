//! Sample data every test starts from: valid ID numbers, a two-person household with records of
//! every kind, the divisions of two towns of 庄浪县. All synthetic.

use chrono::NaiveDate;
use jiuzhu_domain::id_number::check_char;
use jiuzhu_domain::*;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

pub fn actor() -> Actor {
    Actor { account_id: None, username: "conformance".into() }
}

/// A valid ID number in 庄浪县 for birth date `yyyymmdd` and sequence `seq` (3 digits).
pub fn id_number(yyyymmdd: &str, seq: u32) -> String {
    let first17 = format!("620825{yyyymmdd}{seq:03}");
    format!("{first17}{}", check_char(first17.as_bytes()))
}

pub fn member(id: &str, name: &str, relation: Relation) -> MemberData {
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
        // Every part has rows, so every part is declared; a test that empties one says so.
        declaration: None,
    }
}

/// Two towns of 庄浪县 with a village each (水洛镇 何马村, 南湖镇 南湖村): the test world's.
pub fn two_towns() -> Vec<Division> {
    ["62/甘肃省", "6208/平凉市", "620825/庄浪县", "620825100/水洛镇", "620825100201/何马村", "620825101/南湖镇", "620825101201/南湖村"]
        .iter()
        .filter_map(|s| s.split_once('/'))
        .map(|(c, n)| Division { code: code(c), name: n.into() })
        .collect()
}

/// Two towns, the first with two villages (the storage suite's registry tests).
pub fn divisions() -> Vec<Division> {
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
