//! The table's arithmetic at its boundaries, and its invariants on a generated county: totals are
//! the sum of the rows, 上月 + 新增 − 退出 = 当月 (户 and 人), the spending splits add up, a town
//! is the sum of its villages, 人均补助 is spending over people to the fen.

use super::*;
use crate::counts::by_village;
use crate::facts::{DibaoHousehold, MemberFacts, Paid};
use chrono::NaiveDate;
use jiuzhu_domain::{LabourCapacity, Sex};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn member(birth: &str, sex: Sex) -> MemberFacts {
    MemberFacts { birth_date: day(birth), sex, disabled: false, ill: false, student: false, labour: LabourCapacity::Full }
}

fn household(village: &str, members: Vec<MemberFacts>, last: Option<u32>, this: bool, paid: i64) -> DibaoHousehold {
    DibaoHousehold {
        village: code(village),
        area: Area::Rural,
        members,
        this_month: this,
        last_month: last.is_some(),
        last_month_members: last.unwrap_or(0),
        paid: Paid { base: paid, classified: 0, other: 0 },
    }
}

#[test]
fn cells_show_money_and_changes_as_the_official_table_does() {
    let table = [
        (Cell::Wan(1_234_567), "1.23"),
        (Cell::Wan(1_235_000), "1.24"),
        (Cell::Wan(4_999), "0.00"),
        (Cell::Wan(5_000), "0.01"),
        (Cell::Yuan(81_050), "810.50"),
        (Cell::Change(Some((1010, 1000))), "1.0%"),
        (Cell::Change(Some((995, 1000))), "-0.5%"),
        (Cell::Change(Some((1, 3))), "-66.7%"),
        (Cell::Change(None), "—"),
        (Cell::Blank, "—"),
    ];
    for (cell, shown) in table {
        assert_eq!(cell.to_string(), shown, "{cell:?}");
    }
    // 人均补助 to the fen, half up; none for no one.
    assert_eq!(per_person(100, 3), Some(33));
    assert_eq!(per_person(101, 2), Some(51));
    assert_eq!(per_person(0, 0), None);
}

#[test]
fn people_are_counted_by_age_on_the_months_last_day_and_households_by_main_cause() {
    let end = day("2026-11-30");
    let mut ill = member("1990-01-01", Sex::Male);
    ill.ill = true;
    let mut disabled = member("2010-12-01", Sex::Female);
    disabled.disabled = true;
    let villages = by_village(
        [
            // 60 on the month's last day: elderly; 60 the day after: adult. 18 today: adult.
            household(
                "620825100201",
                vec![member("1966-11-30", Sex::Female), member("1966-12-01", Sex::Male), member("2008-11-30", Sex::Male)],
                Some(3),
                true,
                90_000,
            ),
            household("620825100201", vec![ill, disabled], None, true, 60_000),
        ]
        .iter(),
        end,
    );
    let c = within(&villages, &code("620825100"), Area::Rural);
    assert_eq!((c.elderly, c.adults, c.minors, c.female, c.disabled), (1, 3, 1, 2, 1));
    let cause = |k: Cause| c.causes[Cause::ALL.iter().position(|x| *x == k).unwrap()];
    assert_eq!((cause(Cause::Illness), cause(Cause::Other), cause(Cause::Disability)), (1, 1, 0), "illness comes before disability");
    assert_eq!((c.new_households, c.new_persons), (1, 2));
    assert_eq!(within(&villages, &code("620825100"), Area::Urban), DibaoCounts::default(), "城市 and 农村 apart");
}

/// A county of two towns and six villages, 600 households over a month: coming on, going off,
/// staying with a member more or fewer, paid with the three parts.
fn county() -> VillageCounts {
    let villages = ["620825100201", "620825100202", "620825100203", "620825101201", "620825101202", "620825101203"];
    let mut seed: u64 = 20261130;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut households = Vec::new();
    for i in 0..600 {
        let size = 1 + next(5) as usize;
        let members: Vec<MemberFacts> = (0..size)
            .map(|_| MemberFacts {
                birth_date: day("1940-01-01") + chrono::Days::new(next(30_000)),
                sex: if next(2) == 0 { Sex::Female } else { Sex::Male },
                disabled: next(8) == 0,
                ill: next(6) == 0,
                student: next(7) == 0,
                labour: [LabourCapacity::Full, LabourCapacity::Partial, LabourCapacity::None][next(3) as usize],
            })
            .collect();
        let (last, this) = match next(10) {
            0 => (None, true),
            1 => (Some(size as u32), false),
            2 => (Some(size as u32 + 1), true),
            3 if size > 1 => (Some(size as u32 - 1), true),
            _ => (Some(size as u32), true),
        };
        let paid = if this {
            Paid { base: 30_000 + next(50_000) as i64, classified: next(3) as i64 * 7_650, other: next(2) as i64 * 1_001 }
        } else {
            Paid::default()
        };
        let mut h = household(villages[i % villages.len()], members, last, this, 0);
        h.paid = paid;
        h.area = if next(5) == 0 { Area::Urban } else { Area::Rural };
        households.push(h);
    }
    by_village(households.iter(), day("2026-11-30"))
}

#[test]
fn the_tables_invariants_hold_on_a_generated_county() {
    let villages = county();
    let towns = [(code("620825100"), "水洛镇".to_string(), Some(60_500)), (code("620825101"), "南湖镇".to_string(), Some(60_500))];
    for area in [Area::Rural, Area::Urban] {
        let t = table("农村最低生活保障情况月报", &villages, area, &towns);
        // 合计 is the sum of the rows, cell by cell (every count and every fen).
        let mut sum = DibaoCounts::default();
        for r in &t.rows {
            sum += r.counts;
        }
        assert_eq!(t.total.counts, sum);
        assert_eq!(t.total.counts, within(&villages, &code("620825"), area), "the county is the sum of its towns");
        for r in t.rows.iter().chain([&t.total]) {
            let c = &r.counts;
            assert!(c.households > 0, "the generated county has households in each row");
            assert_eq!(c.last_households + c.new_households - c.exited_households, c.households, "户: 上月 + 新增 − 退出 = 当月");
            assert_eq!(c.last_persons + c.new_persons - c.exited_persons, c.persons, "人: 上月 + 新增 − 退出 = 当月");
            assert_eq!(c.paid_base + c.paid_classified + c.paid_other, c.paid(), "the splits add up");
            assert_eq!(c.elderly + c.adults + c.minors, c.persons, "every person in one age group");
            assert_eq!(c.labour_full + c.labour_partial + c.labour_none, c.persons);
            assert_eq!(c.causes.iter().sum::<i64>(), c.households, "every household one main cause");
            assert_eq!(r.cells.len(), COLUMNS.len());
            assert_eq!(r.cells[28], Cell::Yuan(per_person(c.paid(), c.persons).unwrap()), "人均 = 支出 ÷ 人数");
        }
        // A town is the sum of its villages.
        for (town, _, _) in &towns {
            let mut villages_sum = DibaoCounts::default();
            for ((v, a), c) in &villages {
                if *a == area.as_str() && v.parent().as_ref() == Some(town) {
                    villages_sum += *c;
                }
            }
            assert_eq!(within(&villages, town, area), villages_sum);
        }
        assert_eq!(t.total.cells[29], Cell::Yuan(60_500), "one standard for all rows: shown on 合计");
    }
    let mixed = [(code("620825100"), "水洛镇".to_string(), Some(60_500)), (code("620825101"), "南湖镇".to_string(), Some(58_000))];
    assert_eq!(table("t", &villages, Area::Rural, &mixed).total.cells[29], Cell::Blank, "rows differ: none on 合计");
}
