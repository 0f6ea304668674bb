//! Properties of the rules over generated situations: amounts are never negative; more counted
//! income never raises the 低保 amount (household route); splitting an income item changes
//! nothing; the bulk path decides exactly what the explained path decides.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_domain::{Area, DisabilityKind, IncomeKind, Relation, Student};
use jiuzhu_policy::bulk::{self, outcome};
use jiuzhu_policy::rules::{Facts, Params};
use jiuzhu_policy::situation::{AssetsInput, DisabilityInput, Emergency, EmergencyKind, Member, Situation, SupporterInput};
use jiuzhu_policy::{Policies, Programme, Status, assess_with};
use proptest::prelude::*;

fn params(area: Area) -> Params {
    let overrides =
        [("dibao.classified_extra.elderly", 1000), ("dibao.classified_extra.severe_disability", 2000), ("dibao.minimum_per_person", 5000)];
    Params::resolve(Policies::builtin(), "620825", NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), area, &overrides)
        .expect("demo county parameters")
}

prop_compose! {
    fn member()(age in 0u32..95, dis in prop::option::of((0usize..7, 1u8..=4)), ill in any::<bool>(),
                student in prop::option::of(0usize..5), unmet in 0u8..=6, together in prop::bool::weighted(0.9)) -> Member {
        let kinds = [DisabilityKind::Visual, DisabilityKind::Hearing, DisabilityKind::Speech, DisabilityKind::Physical,
                     DisabilityKind::Intellectual, DisabilityKind::Mental, DisabilityKind::Multiple];
        let students = [Student::Compulsory, Student::HighSchool, Student::Vocational, Student::Undergraduate, Student::Postgraduate];
        Member {
            id: String::new(),
            birth_date: NaiveDate::from_ymd_opt(2026 - age as i32, 6, 1).unwrap(),
            relation: Relation::Other,
            living_together: together,
            excluded: None,
            disability: dis.map(|(k, g)| DisabilityInput { kind: kinds[k], grade: g }),
            serious_illness: ill,
            student: student.map(|s| students[s]),
            self_care_unmet: unmet,
        }
    }
}

prop_compose! {
    fn situation()(members in prop::collection::vec(member(), 1..6),
                   incomes in prop::collection::vec((0usize..6, 0usize..9, 0i64..150_000), 0..6),
                   financial in 0i64..3_000_000, houses in 0i64..3, cars in 0i64..2,
                   emergency in prop::option::of((0i64..1_000_000, 0i64..500_000)),
                   supporters in prop::collection::vec((40u32..90, any::<bool>(), 0i64..3_000_000), 0..2),
                   urban in any::<bool>()) -> Situation {
        let kinds = [IncomeKind::Wage, IncomeKind::Business, IncomeKind::Property, IncomeKind::Transfer, IncomeKind::Pension,
                     IncomeKind::FamilySupport, IncomeKind::Other, IncomeKind::PensionBasic, IncomeKind::Assistance];
        let n = members.len();
        let mut members = members;
        for (i, m) in members.iter_mut().enumerate() {
            m.id = format!("m{}", i + 1);
            if i == 0 { m.relation = Relation::Head; m.living_together = true; }
        }
        Situation {
            region: "620825".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            area: if urban { Area::Urban } else { Area::Rural },
            overrides: Vec::new(),
            members,
            income: incomes.into_iter().map(|(m, k, a)| (Some(m % n), kinds[k], a)).collect(),
            deductions: Vec::new(),
            expenses: Vec::new(),
            assets: AssetsInput { financial, residential_properties: houses, non_residential_properties: 0,
                                  vehicles: (0..cars).map(|_| jiuzhu_policy::situation::VehicleInput { kind: jiuzhu_policy::situation::VehicleKind::Car, value: 1 }).collect(),
                                  business_registrations: 0 },
            supporters: supporters.into_iter().map(|(age, sd, inc)| SupporterInput { age: Some(age), severe_disability: sd,
                annual_income_per_capita: Some(inc), assets_within_limits: Some(true), ..Default::default() }).collect(),
            receiving: Vec::new(),
            emergency: emergency.map(|(cost, covered)| Emergency { kind: EmergencyKind::Accident, cost, covered }),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn amounts_are_never_negative(s in situation()) {
        let r = assess_with(&s, &params(s.area));
        for p in &r.programmes {
            prop_assert!(p.monthly_amount.unwrap_or(0) >= 0 && p.amount.unwrap_or(0) >= 0, "{:?}", p);
            if p.status != Status::Eligible {
                prop_assert_eq!(p.monthly_amount.unwrap_or(0) + p.amount.unwrap_or(0), 0, "{:?} pays while not eligible", p.programme);
            }
        }
        prop_assert!(r.household.monthly_income >= 0);
    }

    /// The household route only: the 单人户 rule (办法 art. 8) has a real cliff — a household one
    /// fen over the line may leave a severely disabled member to apply alone for more.
    #[test]
    fn more_income_never_raises_dibao(mut s in situation(), extra in 1i64..50_000) {
        for m in &mut s.members { m.disability = None; m.serious_illness = false; }
        let p = params(s.area);
        let before = assess_with(&s, &p).programme(Programme::Dibao).monthly_amount.unwrap();
        s.income.push((Some(0), IncomeKind::Wage, extra));
        let after = assess_with(&s, &p).programme(Programme::Dibao).monthly_amount.unwrap();
        prop_assert!(after <= before, "income +{extra} raised dibao from {before} to {after}");
    }

    #[test]
    fn splitting_an_income_item_changes_nothing(mut s in situation(), at in 0usize..6, share in 0.0f64..1.0) {
        let p = params(s.area);
        let before = assess_with(&s, &p);
        if s.income.is_empty() { return Ok(()); }
        let i = at % s.income.len();
        let (m, k, a) = s.income[i];
        let part = (a as f64 * share) as i64;
        s.income[i] = (m, k, part);
        s.income.push((m, k, a - part));
        let after = assess_with(&s, &p);
        prop_assert_eq!(before.programmes, after.programmes);
        prop_assert_eq!(before.household, after.household);
    }

    /// The direct JSON writer of the interactive path writes exactly what serde_json writes, for
    /// member ids with quotes, backslashes and control characters too.
    #[test]
    fn the_direct_json_writer_equals_serde_json(mut s in situation(), odd in r#"[a-z"\\\n\t\x01é低]{0,12}"#, region_area in 0usize..4) {
        if let Some(m) = s.members.first_mut() { m.id = odd.clone(); }
        let (region, area) = [("620825", s.area), ("310000", Area::Urban), ("110000", Area::Rural), ("430621", Area::Rural)][region_area];
        s.region = region.into();
        s.area = area;
        let p = Params::resolve(Policies::builtin(), region, s.date, area, &[]).expect("parameters");
        let r = assess_with(&s, &p);
        let mut fast = Vec::new();
        jiuzhu_policy::json::write_assessment(&r, &mut fast);
        prop_assert_eq!(String::from_utf8(fast).unwrap(), serde_json::to_string(&r).unwrap());
    }

    #[test]
    fn bulk_decides_what_the_explained_path_decides(s in situation()) {
        let p = params(s.area);
        let r = assess_with(&s, &p);
        let o = outcome(&Facts::of(&s, &p), &p);
        prop_assert_eq!(o.dibao, r.programme(Programme::Dibao).monthly_amount.unwrap());
        prop_assert_eq!(o.tekun, r.programme(Programme::Tekun).monthly_amount.unwrap());
        prop_assert_eq!(o.temporary, r.programme(Programme::Temporary).amount.unwrap());
        let flag = |b: u8, prog: Programme| (o.flags & b != 0) == (r.programme(prog).status == Status::Eligible);
        prop_assert!(flag(bulk::DIBAO, Programme::Dibao) && flag(bulk::TEKUN, Programme::Tekun) && flag(bulk::EDGE, Programme::DibaoEdge)
            && flag(bulk::RIGID, Programme::RigidExpense) && flag(bulk::TEMPORARY, Programme::Temporary), "flags {:b} vs {:?}", o.flags, r.programmes);
    }
}

#[test]
fn a_missing_standard_is_an_error_that_names_region_and_date() {
    let e = Params::resolve(Policies::builtin(), "620825", NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(), Area::Rural, &[]).unwrap_err();
    assert_eq!(e.name, "dibao.standard.rural");
    let text = e.to_string();
    assert!(text.contains("no dibao.standard.rural for 620825 on 2019-01-01"), "{text}");
    assert_eq!(e.earliest, NaiveDate::from_ymd_opt(2023, 1, 1), "平凉市's first standard");
    // 乌鲁木齐 (and 新疆) has no file at all: the error says neither it nor the national defaults set it.
    let e = Params::resolve(Policies::builtin(), "650100", NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), Area::Urban, &[]).unwrap_err();
    assert!(e.to_string().contains("no dibao.standard.urban for 650100 on 2026-01-01"), "{e}");
    assert_eq!(e.earliest, None);
}

#[test]
fn lookup_takes_the_nearest_region_and_the_value_in_force() {
    let mut p = Policies::builtin().clone();
    p.add_file("city.yaml", "region: \"620100\"\nname: 兰州市\nparameters:\n  dibao_edge.multiplier:\n    - since: 2025-01-01\n      value: 2\n      reference: test\n").unwrap();
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    // The county does not set it, the city does (from 2025): the city's value, from its date.
    let f = p.lookup("dibao_edge.multiplier", "620102001001", d(2025, 1, 1)).unwrap();
    assert_eq!((f.value, &*f.region), (20_000, "6201"));
    // Before the city's first value: an error naming the earliest date, not the national default.
    let e = p.lookup("dibao_edge.multiplier", "620102", d(2024, 12, 31)).unwrap_err();
    assert_eq!(e.earliest, Some(d(2025, 1, 1)));
    // Another city falls back to the national default.
    assert_eq!(p.lookup("dibao_edge.multiplier", "620200", d(2025, 1, 1)).unwrap().value, 15_000);
    // A later value is appended, never edited.
    let later = p
        .with_value(
            "620100",
            "dibao_edge.multiplier",
            jiuzhu_policy::params::Dated {
                since: d(2026, 1, 1),
                value: 25_000,
                reference: "t".into(),
                source: None,
                confidence: Default::default(),
            },
        )
        .unwrap();
    assert_eq!(later.lookup("dibao_edge.multiplier", "620102", d(2025, 6, 1)).unwrap().value, 20_000);
    assert_eq!(later.lookup("dibao_edge.multiplier", "620102", d(2026, 6, 1)).unwrap().value, 25_000);
    assert!(
        later
            .with_value(
                "620100",
                "dibao_edge.multiplier",
                jiuzhu_policy::params::Dated {
                    since: d(2025, 6, 1),
                    value: 1,
                    reference: "t".into(),
                    source: None,
                    confidence: Default::default()
                }
            )
            .is_err()
    );
}

#[test]
fn parameter_files_with_mistakes_are_refused_whole() {
    let mut p = Policies::default();
    let bad = [
        (
            "region: \"620825\"\nname: x\nparameters:\n  dibao.standard.urban:\n    - since: 2025-01-01\n      value: 100\n      reference: \"\"\n",
            "reference",
        ),
        (
            "region: \"620825\"\nname: x\nparameters:\n  dibao.standard.urbn:\n    - since: 2025-01-01\n      value: 100\n      reference: r\n",
            "unknown parameter",
        ),
        (
            "region: \"620825\"\nname: x\nparameters:\n  dibao.standard.urban:\n    - since: 2025-01-01\n      value: -5\n      reference: r\n",
            "value",
        ),
        (
            "region: \"620825\"\nname: x\nparameters:\n  dibao.standard.urban:\n    - since: 2025-01-01\n      value: 1\n      reference: r\n    - since: 2024-01-01\n      value: 2\n      reference: r\n",
            "increase",
        ),
        (
            "region: \"620825\"\nname: x\nparameters:\n  dibao_edge.multiplier:\n    - since: 2025-01-01\n      value: 1.23456\n      reference: r\n",
            "value",
        ),
    ];
    for (text, what) in bad {
        let e = p.add_file("f.yaml", text).unwrap_err();
        assert!(e.to_string().contains(what), "{e} should mention {what}");
    }
    assert_eq!(p.regions().count(), 0, "nothing of a bad file is added");
}

#[test]
fn simulating_a_higher_standard_adds_households_and_cost_and_drops_none() {
    use jiuzhu_policy::rate::Rate;
    use jiuzhu_policy::simulate::{Adjustment, Change, simulate};
    let date = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let one = |income: i64| {
        let mut s = Situation {
            region: "620825100201".into(),
            date,
            area: Area::Rural,
            overrides: Vec::new(),
            members: vec![Member {
                id: "m1".into(),
                birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
                relation: Relation::Head,
                living_together: true,
                excluded: None,
                disability: None,
                serious_illness: false,
                student: None,
                self_care_unmet: 0,
            }],
            income: vec![(Some(0), IncomeKind::Wage, income)],
            deductions: Vec::new(),
            expenses: Vec::new(),
            assets: AssetsInput::default(),
            supporters: Vec::new(),
            receiving: Vec::new(),
            emergency: None,
        };
        s.date = date;
        s
    };
    // The demo county takes 平凉市's rural standard, 465 元: +8% makes it 502.20 元.
    let people =
        vec![("620825100".to_string(), one(40_000)), ("620825100".to_string(), one(47_000)), ("620825101".to_string(), one(60_000))];
    let change =
        Change { parameter: "dibao.standard.rural", adjustment: Adjustment::Percent(Rate(800)), region: "620825".into(), from: date };
    let r = simulate(&people, Policies::builtin(), &change, date).unwrap();
    assert_eq!((r.value_before.as_str(), r.value_after.as_str()), ("465.00元", "502.20元"));
    let d = &r.total["dibao"];
    assert_eq!((d.households_before, d.households_after, d.newly_eligible_households, d.no_longer_eligible_households), (1, 2, 1, 0));
    assert_eq!(d.monthly_before, 6_500);
    assert_eq!(d.monthly_after, (50_220 - 40_000) + (50_220 - 47_000));
    assert_eq!(r.by_region["620825100"]["dibao"].newly_eligible_people, 1);
    assert_eq!(r.by_region["620825101"]["dibao"].households_after, 0);
    // The history is kept: the change is a new value from its date, not an edit.
    let before =
        simulate(&people, Policies::builtin(), &Change { from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), ..change.clone() }, date)
            .unwrap();
    assert_eq!(before.total["dibao"].households_after, 1, "a change from a later date does not apply on an earlier one");
}
