//! Income records (收入) for the 12 months before `as_of`: wages, business and farm income,
//! pensions, transfers, support from children elsewhere and the benefits excluded from the
//! means test. See the crate docs for the row budget and the calibration.

use super::draws::{whole_yuan, window_month};
use super::person::Person;
use crate::rng::RngExt;
use chrono::NaiveDate;
use jiuzhu_domain::{Employment, Fen, Income, IncomeKind, LabourCapacity, Sex, Student, Supporter, SupporterStatus};
use rand::Rng;

/// 5,500 元/年, the rural 低保 line the income calibration aims at (per month, in fen).
pub const RURAL_DIBAO_LINE_MONTHLY: Fen = Fen(550_000 / 12);

/// The records drawn so far and the window they fall in.
struct IncomeRecords<'a> {
    months: &'a [NaiveDate; 12],
    rows: Vec<Income>,
}

impl IncomeRecords<'_> {
    /// The window's month with calendar number `month` (1–12).
    fn at(&self, month: u32) -> NaiveDate {
        window_month(self.months, month)
    }
    fn push(&mut self, member: Option<usize>, kind: IncomeKind, month: NaiveDate, amount: Fen) {
        self.rows.push(Income { member, kind, month, amount });
    }
    /// Counted income (办法 art. 13 kinds) of the records so far.
    fn counted(&self) -> i64 {
        self.rows.iter().filter(|x| x.kind.counted()).map(|x| x.amount.0).sum()
    }
}

/// Every income record of the household, sorted by month, member (household first) and kind.
pub(super) fn draw_incomes(
    r: &mut impl Rng,
    months: &[NaiveDate; 12],
    people: &[Person],
    urban: bool,
    supporters: &[Supporter],
) -> Vec<Income> {
    let mut out = IncomeRecords { months, rows: Vec::with_capacity(32) };
    let mut farm_units = 0.0;
    for (i, p) in people.iter().enumerate() {
        if p.excluded.is_some() {
            continue;
        }
        farm_units += earnings(r, &mut out, i, p, urban);
        old_age_benefits(r, &mut out, i, p);
        // Scholarships and 国家助学金 (excluded) for some students.
        if matches!(p.student, Some(Student::Undergraduate | Student::HighSchool | Student::Vocational)) && r.chance(0.15) {
            out.push(Some(i), IncomeKind::Scholarship, out.at(12), Fen::yuan(r.between(1_000, 5_000) as i64));
        }
    }
    land_and_property(r, &mut out, urban, farm_units);
    family_support(r, &mut out, people, supporters);
    occasional(r, &mut out, people);
    assistance(r, &mut out, people);
    let mut rows = out.rows;
    rows.sort_by_key(|x| (x.month, x.member.map_or(0, |m| m + 1), x.kind as u8));
    rows
}

/// Member `i`'s wage, business or pension records; returns the member's share of the farm
/// work (1 for a fully able farmer, 0.6 for a partly able one, else 0), paid at harvest.
fn earnings(r: &mut impl Rng, out: &mut IncomeRecords, i: usize, p: &Person, urban: bool) -> f64 {
    // Nobody earns a wage before 16 (the legal working age): a 16-year-old's first months in
    // the window may fall before the birthday.
    let of_age = |m: NaiveDate| m.years_since(p.birth).unwrap_or(0) >= 16;
    let months = out.months;
    match p.employment {
        Employment::MigrantWork => {
            // Migrants leave after the Spring Festival and work 7–11 months a year; monthly
            // pay log-normal around 4,200 元 for men, 3,300 for women (below the national
            // migrant average of ~4,800: western, often unskilled work).
            let median = if p.sex == Sex::Male { 4_200.0 } else { 3_300.0 };
            let wage = r.lognormal(median, 0.3);
            let start = r.between(2, 4);
            let len = r.between(7, 11);
            for k in 0..len {
                let month = out.at((start + k - 1) % 12 + 1);
                let amount = whole_yuan(wage * r.lognormal(1.0, 0.08));
                if of_age(month) {
                    out.push(Some(i), IncomeKind::Wage, month, amount);
                }
            }
        }
        Employment::Employed => {
            // Local jobs (public-welfare posts, factories, shops): ~3,000 元 rural, 3,400 urban.
            let wage = r.lognormal(if urban { 3_400.0 } else { 3_000.0 }, 0.3);
            for m in months.iter().filter(|m| of_age(**m)) {
                out.push(Some(i), IncomeKind::Wage, *m, whole_yuan(wage));
            }
        }
        Employment::SelfEmployed => {
            // Small shops and workshops: net ~2,200 元 a month rural, 3,000 urban, varying.
            let net = r.lognormal(if urban { 3_000.0 } else { 2_200.0 }, 0.5);
            for m in months {
                let amount = whole_yuan(net * r.lognormal(1.0, 0.2));
                if of_age(*m) {
                    out.push(Some(i), IncomeKind::Business, *m, amount);
                }
            }
        }
        Employment::Retired => {
            // Urban retirees (teachers, workers): enterprise/public pensions ~3,100 元.
            let pension = r.lognormal(3_100.0, 0.2);
            for m in months {
                out.push(Some(i), IncomeKind::Pension, *m, whole_yuan(pension));
            }
        }
        Employment::Farming => return if p.labour == LabourCapacity::Full { 1.0 } else { 0.6 },
        _ => {}
    }
    0.0
}

/// The excluded old-age benefits of member `i`.
fn old_age_benefits(r: &mut impl Rng, out: &mut IncomeRecords, i: usize, p: &Person) {
    // 城乡居民基础养老金 for everyone 60+ without a pension: the basic amount (113 元 in Gansu)
    // plus age top-ups and a small personal account.
    if p.employment != Employment::Retired && p.age >= 60 {
        let top_up = match p.age {
            ..65 => 0,
            65..75 => 10,
            75..80 => 20,
            _ => 30,
        };
        let amount = Fen::yuan(113 + top_up + r.between(0, 50) as i64);
        for m in out.months {
            if m.years_since(p.birth).unwrap_or(0) >= 60 {
                out.push(Some(i), IncomeKind::PensionBasic, *m, amount);
            }
        }
    }
    // 高龄津贴 for 80+, paid quarterly: 100 元/month at 80–89, 200 at 90–99.
    if p.age >= 80 {
        let monthly = if p.age >= 90 { 200 } else { 100 };
        for cal in [3, 6, 9, 12] {
            out.push(Some(i), IncomeKind::OldAgeAllowance, out.at(cal), Fen::yuan(monthly * 3));
        }
    }
}

/// The household's farm income, land subsidy and rents.
fn land_and_property(r: &mut impl Rng, out: &mut IncomeRecords, urban: bool, farm_units: f64) {
    if urban {
        if r.chance(0.06) {
            out.push(None, IncomeKind::Property, out.at(1), Fen::yuan(r.between(3_000, 9_000) as i64));
        }
        return;
    }
    // Net farm income (apples, potatoes, maize, cattle) ~11,000 元/yr per full worker (60 % for
    // the partly able), sold at two harvests: August 40 %, October 60 %.
    if farm_units > 0.0 {
        let annual = farm_units * r.lognormal(11_000.0, 0.6);
        out.push(None, IncomeKind::Business, out.at(8), whole_yuan(annual * 0.4));
        out.push(None, IncomeKind::Business, out.at(10), whole_yuan(annual * 0.6));
    }
    // 耕地地力保护补贴 (counted transfer income): ~105 元 per mu, 2–12 mu, paid in May.
    if r.chance(0.9) {
        out.push(None, IncomeKind::Transfer, out.at(5), Fen::yuan(105 * r.between(2, 12) as i64));
    }
    // 土地流转 rent for 8 %, paid in December.
    if r.chance(0.08) {
        out.push(None, IncomeKind::Property, out.at(12), Fen::yuan(r.between(500, 3_000) as i64));
    }
}

/// 赡养费 from children elsewhere: 18–48 % of each able supporter's per-capita income (30 %
/// more for each further old person or child at home, up to four: grandparents raising
/// left-behind children get more), given mostly at the Spring Festival (February 40 %) and
/// three smaller times. Support is the main cash income of the rural old (the basic pension is
/// small and excluded), so it decides whether an empty-nest household falls under the line.
fn family_support(r: &mut impl Rng, out: &mut IncomeRecords, people: &[Person], supporters: &[Supporter]) {
    let dependants = people.iter().filter(|p| p.age >= 60 || p.age < 16).count().clamp(1, 4) as f64;
    let support: f64 = supporters
        .iter()
        .filter(|s| s.status == SupporterStatus::None && !s.missing && !s.imprisoned && !s.incapacitated)
        .map(|s| {
            let income = s.annual_income_per_capita.map_or(0.0, |f| f.0 as f64 / 100.0);
            income * (0.18 + 0.30 * r.random::<f64>()) * (0.7 + 0.3 * dependants)
        })
        .sum();
    if support >= 100.0 {
        for (cal, share) in [(2, 0.4), (5, 0.2), (8, 0.2), (11, 0.2)] {
            out.push(Some(0), IncomeKind::FamilySupport, out.at(cal), whole_yuan(support * share));
        }
    }
}

/// Rare records: other income, and excluded kinds that show up now and then.
fn occasional(r: &mut impl Rng, out: &mut IncomeRecords, people: &[Person]) {
    if r.chance(0.02) {
        out.push(None, IncomeKind::Other, out.at(r.between(1, 12)), Fen::yuan(r.between(300, 3_000) as i64));
    }
    let has_elderly = people.iter().any(|p| p.age >= 60);
    if has_elderly && r.chance(0.06) {
        out.push(Some(0), IncomeKind::FamilyPlanningReward, out.at(12), Fen::yuan(r.between(960, 1_200) as i64));
    }
    if has_elderly && r.chance(0.003) {
        for cal in [3, 6, 9, 12] {
            out.push(Some(0), IncomeKind::MartyrPension, out.at(cal), Fen::yuan(r.between(1_500, 4_000) as i64));
        }
    }
}

/// Households already on 低保 (about half of those under the line) receive it quarterly as
/// `assistance` (excluded); 2 % of all had one 临时救助 payment.
fn assistance(r: &mut impl Rng, out: &mut IncomeRecords, people: &[Person]) {
    let members = people.iter().filter(|p| p.excluded.is_none()).count().max(1) as i64;
    let per_capita = out.counted() / 12 / members;
    if per_capita < RURAL_DIBAO_LINE_MONTHLY.0 && r.chance(0.5) {
        let gap = (RURAL_DIBAO_LINE_MONTHLY.0 - per_capita).max(6_000);
        let quarterly = (gap * members * 3 / 100) * 100;
        for cal in [3, 6, 9, 12] {
            out.push(None, IncomeKind::Assistance, out.at(cal), Fen(quarterly));
        }
    }
    if r.chance(0.02) {
        out.push(None, IncomeKind::Assistance, out.at(r.between(1, 12)), Fen::yuan(r.between(1_000, 5_000) as i64));
    }
}
