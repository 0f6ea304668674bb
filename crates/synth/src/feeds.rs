//! The sixteen department feeds about a generated household, and the facts planted in them.
//!
//! **Baseline**: what each department would know if the household declared everything:
//! every member in 公安 户籍; declared formal wages in 人社 contributions (local employees and
//! 60 % of migrant workers), 公积金 deposits for local employees (24 % of the wage), 税务
//! income where a month's wage is over 5,000 元; declared cars, trucks and motorcycles in 车管,
//! houses in 不动产, business registrations in 市场监管 (and a few cancelled ones nobody has to
//! declare), deposits in 银行 (per owner and bank), certificates of declared disabilities
//! issued years ago, enrolment of declared students, outpatient and inpatient bills of the
//! insured (0–5 outpatient visits a year, 2–6 and dearer for the ill, one inpatient stay for
//! the seriously ill) kept under 15,000 元 of self-pay a year per household, open employment records of
//! local employees, and small or old disaster losses below the discovery threshold.
//!
//! **Planted** (each in ~0.6 % of households, independently; listed in `planted.csv` so that
//! a check's recall and precision can be measured): hidden income, vehicle, business,
//! property and deposits; a death (and, if the dead member declared income, the death of an
//! earner); a new severe disability; a large medical bill; job loss; undeclared enrolment;
//! leaving school; a disaster. Each planted fact clears its rule's threshold with margin
//! (`jiuzhu_verify::check::Rules::default`), so a correct check finds every one and nothing else.

use crate::rng::{RngExt, stream_rng};
use chrono::{Datelike, Duration, Months, NaiveDate};
use jiuzhu_domain::{AssetKind, DisabilityKind, Employment, IncomeKind, NewHousehold, RegionCode};
use jiuzhu_verify::FindingKind;
use jiuzhu_verify::schema::Feed;
use jiuzhu_verify::sink::FeedSink;
use rand::Rng;
use std::collections::BTreeMap;
use std::io;

/// Salt of the planted facts' stream (distinct from the households' and the old feeds').
const PLANT_SALT: u64 = 0x6a69_757a_6875_0006;
/// How often each kind is planted.
const PLANT_RATE: f64 = 0.006;

/// One planted fact: household number (index + 1), member position (1-based) or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    pub household_no: usize,
    pub member_seq: Option<usize>,
    pub kind: FindingKind,
}

/// Writes feed rows with their unique serials (plates, credit codes) across the population.
pub struct FeedWriter {
    seed: u64,
    as_of: NaiveDate,
    county: String,
    next_plate: u64,
    next_business: u64,
}

fn text(d: NaiveDate) -> String {
    d.to_string()
}

fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

const SCHOOLS: &[(&str, &str)] = &[
    ("compulsory", "中心小学"),
    ("high_school", "第一中学"),
    ("vocational", "职业教育中心"),
    ("undergraduate", "甘肃农业大学"),
    ("postgraduate", "兰州大学"),
];

const EMPLOYERS: &[&str] = &["县供销合作社", "县建筑工程公司", "县人民医院", "县农产品加工有限公司", "县物流有限公司"];

impl FeedWriter {
    /// `region`: the generated county, city or province (its code goes into credit codes).
    pub fn new(seed: u64, as_of: NaiveDate, region: &str) -> FeedWriter {
        FeedWriter { seed, as_of, county: format!("{region:0<6}"), next_plate: 0, next_business: 0 }
    }

    /// The writer `jiuzhu gen` uses for `cfg`.
    pub fn for_config(cfg: &crate::Config) -> FeedWriter {
        FeedWriter::new(cfg.seed, cfg.as_of, cfg.region.as_str())
    }

    /// The next unique plate with the prefix of the city `region` lies in: `甘L·A1234`, then
    /// `甘L·AB123`; serials are scrambled by an affine bijection so consecutive households do
    /// not get consecutive plates. Beyond 816,000 a third letter keeps plates unique for a
    /// province (serials count over the whole run, so plates are unique across cities too).
    fn plate(&mut self, region: &RegionCode) -> String {
        const L: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
        let n = self.next_plate;
        self.next_plate += 1;
        let tail = if n < 240_000 {
            let m = (n * 7_919 + 12_345) % 240_000;
            format!("{}{:04}", L[(m / 10_000) as usize] as char, m % 10_000)
        } else if n < 816_000 {
            let m = ((n - 240_000) * 7_919 + 777) % 576_000;
            format!("{}{}{:03}", L[(m / 24_000) as usize] as char, L[((m / 1_000) % 24) as usize] as char, m % 1_000)
        } else {
            let m = n - 816_000;
            format!(
                "{}{}{}{:02}",
                L[((m / 57_600) % 24) as usize] as char,
                L[((m / 2_400) % 24) as usize] as char,
                L[((m / 100) % 24) as usize] as char,
                m % 100
            )
        };
        format!("{}·{tail}", crate::files::plate_prefix(region))
    }

    /// A unique synthetic 统一社会信用代码-shaped code (18 characters; not a valid real one).
    fn credit_code(&mut self) -> String {
        self.next_business += 1;
        format!("92{}{:010}", self.county, self.next_business)
    }

    fn ago(&self, r: &mut impl Rng, min_days: u32, max_days: u32) -> NaiveDate {
        self.as_of - Duration::days(i64::from(r.between(min_days, max_days)))
    }

    /// Writes household `index`'s feed rows to `sink`; returns what was planted.
    pub fn write(&mut self, sink: &mut FeedSink, index: usize, h: &NewHousehold) -> io::Result<Vec<Planted>> {
        let mut r = stream_rng(self.seed, PLANT_SALT, index as u64);
        let no = index + 1;
        let as_of = self.as_of;
        let (income_from, income_until) = jiuzhu_domain::household::income_window(as_of, 12);
        let id = |i: usize| h.members[i].id_number.as_str();
        let mut planted = Vec::new();
        let mut plant = |member: Option<usize>, kind| planted.push(Planted { household_no: no, member_seq: member.map(|i| i + 1), kind });
        let chance = |r: &mut rand_chacha::ChaCha8Rng| r.chance(PLANT_RATE);

        // Declared income per member in the window (wage and business), as the check counts it.
        let mut declared_income = vec![0i64; h.members.len()];
        for x in &h.incomes {
            if matches!(x.kind, IncomeKind::Wage | IncomeKind::Business) && x.month >= income_from && x.month < income_until {
                declared_income[x.member.unwrap_or(0)] += x.amount.0;
            }
        }

        // 公安 户籍, 死亡 and 殡葬 火化.
        let died = chance(&mut r).then(|| {
            let weights: Vec<(usize, u32)> =
                h.members.iter().enumerate().map(|(i, m)| (i, if m.age_on(as_of) >= 60 { 10 } else { 1 })).collect();
            (r.pick(&weights), self.ago(&mut r, 5, 300))
        });
        for (i, m) in h.members.iter().enumerate() {
            let dead = died.filter(|(d, _)| *d == i);
            let status = if dead.is_some() { "deceased" } else { "normal" };
            sink.write(Feed::Population, &[id(i), &m.name, m.sex.as_str(), &text(m.birth_date), h.data.hukou_region.as_str(), status])?;
        }
        if let Some((i, on)) = died {
            sink.write(Feed::Deaths, &[id(i), &text(on)])?;
            let cremated = (on + Duration::days(3)).min(as_of);
            sink.write(Feed::Cremations, &[id(i), &text(cremated)])?;
            plant(Some(i), FindingKind::Death);
            if declared_income[i] > 0 {
                plant(Some(i), FindingKind::EarnerDied);
            }
        }

        // 人社 contributions, 公积金, 税务: declared wages month by month; a planted member gets
        // more (or, without declared wages, a job).
        let mut wages: BTreeMap<usize, Vec<(NaiveDate, i64)>> = BTreeMap::new();
        for x in h.incomes.iter().filter(|x| x.kind == IncomeKind::Wage) {
            wages.entry(x.member.unwrap_or(0)).or_default().push((x.month, x.amount.0));
        }
        let hidden_income = chance(&mut r).then(|| {
            let adults: Vec<usize> =
                h.members.iter().enumerate().filter(|(_, m)| (18..60).contains(&m.age_on(as_of))).map(|(i, _)| i).collect();
            if adults.is_empty() { 0 } else { r.one_of(&adults) }
        });
        for (i, m) in h.members.iter().enumerate() {
            let mut rows: BTreeMap<NaiveDate, i64> = wages
                .get(&i)
                .map(|v| v.iter().copied().filter(|(mo, _)| *mo >= income_from && *mo < income_until).collect())
                .unwrap_or_default();
            let formal = m.employment != Employment::MigrantWork || r.chance(0.6);
            if hidden_income == Some(i) {
                // Well past the rule's margin (10 % + 1,200 元): 30–80 % more than all the member
                // declared (wage and business), plus 3,000–6,000 元.
                let target =
                    (declared_income[i] as f64 * (1.3 + 0.5 * r.random::<f64>())) as i64 + 300_000 + i64::from(r.between(0, 300_000));
                let extra = target - rows.values().sum::<i64>();
                let per_month = extra / 12 + 100;
                for k in 0..12 {
                    let mo = income_from.checked_add_months(Months::new(k)).expect("valid");
                    *rows.entry(mo).or_insert(0) += per_month;
                }
                plant(Some(i), FindingKind::HiddenIncome);
            } else if !formal {
                continue;
            }
            let fund = m.employment == Employment::Employed;
            for (mo, wage) in rows {
                // 人社 and 公积金 deliver 24 months of history: the year before the window too
                // (at the same wage), which the check must leave out.
                let year_before = mo.checked_sub_months(Months::new(12)).expect("valid");
                for mo in [year_before, mo] {
                    sink.write(Feed::Contributions, &[id(i), &month(mo), &wage.to_string()])?;
                    if fund {
                        sink.write(Feed::HousingFund, &[id(i), &month(mo), &(wage * 24 / 100).to_string()])?;
                    }
                }
                if wage > 500_000 {
                    sink.write(Feed::TaxIncome, &[id(i), &month(mo), "wage", &wage.to_string()])?;
                }
            }
        }

        // 人社 就业 and 失业: open records for local employees; a planted job loss ends one.
        let job_loss = chance(&mut r).then(|| {
            let workers: Vec<usize> = h
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| (18..56).contains(&m.age_on(as_of)) && m.student.is_none())
                .map(|(i, _)| i)
                .collect();
            (!workers.is_empty()).then(|| r.one_of(&workers))
        });
        for (i, m) in h.members.iter().enumerate() {
            let lost = job_loss.flatten() == Some(i);
            if m.employment != Employment::Employed && !lost {
                continue;
            }
            let employer = r.one_of(EMPLOYERS);
            let started = self.ago(&mut r, 400, 4_000);
            if lost {
                let ended = self.ago(&mut r, 20, 150);
                sink.write(Feed::Employment, &[id(i), employer, &text(started), &text(ended)])?;
                let registered = (ended + Duration::days(i64::from(r.between(1, 15)))).min(as_of);
                sink.write(Feed::Unemployment, &[id(i), &text(registered), &r.between(150_000, 190_000).to_string()])?;
                plant(Some(i), FindingKind::JobLoss);
            } else {
                sink.write(Feed::Employment, &[id(i), employer, &text(started), ""])?;
            }
        }

        // 车管, 不动产, 市场监管, 银行: declared assets, plus planted hidden ones.
        let owner = |member: Option<usize>| member.unwrap_or(0);
        let mut deposits: BTreeMap<(usize, &str), i64> = BTreeMap::new();
        let mut financial = 0i64;
        let banks = ["农村信用社", "中国邮政储蓄银行", "中国农业银行"];
        for (k, a) in h.assets.iter().enumerate() {
            match a.kind {
                AssetKind::Car | AssetKind::Truck | AssetKind::Motorcycle => {
                    let plate = self.plate(&h.data.hukou_region);
                    let kind = match a.kind {
                        AssetKind::Car => "car",
                        AssetKind::Truck => "truck",
                        _ => "motorcycle",
                    };
                    let on = self.ago(&mut r, 200, 4_000);
                    sink.write(Feed::Vehicles, &[id(owner(a.member)), &plate, kind, &text(on), &a.value.0.to_string()])?;
                }
                AssetKind::ResidentialProperty | AssetKind::NonResidentialProperty => {
                    let kind = if a.kind == AssetKind::ResidentialProperty { "residential" } else { "non_residential" };
                    let area = crate::files::floor_area(&a.description).unwrap_or(60);
                    // Distinct days per asset keep two equal houses of one owner distinct rows.
                    let on = as_of - Duration::days(1_000 + 37 * k as i64);
                    sink.write(Feed::Properties, &[id(owner(a.member)), kind, &area.to_string(), &text(on)])?;
                }
                AssetKind::BusinessRegistration => {
                    let code = self.credit_code();
                    let on = self.ago(&mut r, 300, 3_000);
                    sink.write(
                        Feed::Businesses,
                        &[id(owner(a.member)), &code, &format!("{}经营部", h.members[owner(a.member)].name), &text(on), "active"],
                    )?;
                }
                AssetKind::Deposit => {
                    financial += a.value.0;
                    *deposits.entry((owner(a.member), banks[k % banks.len()])).or_insert(0) += a.value.0;
                }
                AssetKind::Securities | AssetKind::Fund | AssetKind::InternetFinance => financial += a.value.0,
                _ => {}
            }
        }
        if r.chance(0.01) {
            // A cancelled business nobody has to declare.
            let code = self.credit_code();
            let on = self.ago(&mut r, 2_000, 5_000);
            sink.write(Feed::Businesses, &[id(0), &code, &format!("{}小卖部", h.members[0].name), &text(on), "cancelled"])?;
        }
        let earner = h
            .members
            .iter()
            .position(|m| matches!(m.employment, Employment::MigrantWork | Employment::Employed | Employment::SelfEmployed))
            .unwrap_or(0);
        if chance(&mut r) {
            let plate = self.plate(&h.data.hukou_region);
            let value = (r.lognormal(70_000.0, 0.4).round() as i64) * 100;
            sink.write(Feed::Vehicles, &[id(earner), &plate, "car", &text(self.ago(&mut r, 30, 900)), &value.to_string()])?;
            plant(None, FindingKind::HiddenVehicle);
        }
        if chance(&mut r) {
            sink.write(Feed::Properties, &[id(0), "residential", &r.between(80, 130).to_string(), &text(self.ago(&mut r, 30, 900))])?;
            plant(None, FindingKind::HiddenProperty);
        }
        if chance(&mut r) {
            let code = self.credit_code();
            sink.write(
                Feed::Businesses,
                &[id(earner), &code, &format!("{}商贸有限公司", h.members[earner].name), &text(self.ago(&mut r, 30, 900)), "active"],
            )?;
            plant(None, FindingKind::HiddenBusiness);
        }
        for ((m, bank), balance) in &deposits {
            sink.write(Feed::Deposits, &[id(*m), bank, &balance.to_string(), &text(as_of)])?;
        }
        if chance(&mut r) {
            // More than all financial assets declared plus the larger of 10 % and 1,000 元, with
            // room: the bank reports deposits only, while funds and securities count as declared
            // too (a 10-million-person run caught a household whose fund hid a smaller planting).
            let extra = financial + financial / 10 + i64::from(r.between(30_000, 200_000)) * 100;
            sink.write(Feed::Deposits, &[id(earner), "中国建设银行", &extra.to_string(), &text(as_of)])?;
            plant(None, FindingKind::HiddenDeposits);
        }

        // 残联: certificates of declared disabilities, issued years ago; a planted new severe one.
        for (i, m) in h.members.iter().enumerate() {
            if let Some(d) = &m.disability
                && let Some(cert) = &d.certificate
            {
                let on = self.ago(&mut r, 800, 5_000).max(m.birth_date);
                sink.write(Feed::Disabilities, &[id(i), cert, d.kind.as_str(), &d.grade.to_string(), &text(on)])?;
            }
        }
        if chance(&mut r) {
            let open: Vec<usize> =
                h.members.iter().enumerate().filter(|(_, m)| m.disability.as_ref().is_none_or(|d| d.grade > 2)).map(|(i, _)| i).collect();
            if !open.is_empty() {
                let i = r.one_of(&open);
                let kind = r.one_of(DisabilityKind::ALL);
                let k = DisabilityKind::ALL.iter().position(|x| *x == kind).expect("listed") + 1;
                let grade = r.between(1, 2);
                let cert = format!("{}{k}{grade}", id(i));
                let declared_same = h.members[i].disability.as_ref().and_then(|d| d.certificate.as_deref()) == Some(cert.as_str());
                if !declared_same {
                    sink.write(
                        Feed::Disabilities,
                        &[id(i), &cert, kind.as_str(), &grade.to_string(), &text(self.ago(&mut r, 10, 330).max(h.members[i].birth_date))],
                    )?;
                    plant(Some(i), FindingKind::NewSevereDisability);
                }
            }
        }

        // 医保: bills of the ill, under 15,000 元 of self-pay a household; a planted large one.
        let mut self_paid = 0i64;
        let window_days = (income_until - income_from).num_days() as u32;
        for (i, m) in h.members.iter().enumerate() {
            // Most insured people see a doctor a few times a year; the ill more often and at more cost.
            let ill = m.serious_illness || m.chronic_illness;
            let visits = if ill { r.between(2, 6) } else { r.between(0, 5) };
            for v in 0..visits {
                let day = income_from + Duration::days(i64::from((v * 53 + r.between(0, 40)) % window_days));
                let pay = if ill { i64::from(r.between(5_000, 80_000)) } else { i64::from(r.between(1_000, 20_000)) };
                if self_paid + pay > 1_500_000 {
                    break;
                }
                self_paid += pay;
                sink.write(Feed::MedicalBills, &[id(i), &text(day), "outpatient", &(pay * 3).to_string(), &pay.to_string()])?;
            }
            if m.serious_illness {
                let pay = i64::from(r.between(200_000, 800_000));
                if self_paid + pay <= 1_500_000 {
                    self_paid += pay;
                    let day = income_from + Duration::days(i64::from(r.between(0, window_days - 1)));
                    sink.write(Feed::MedicalBills, &[id(i), &text(day), "inpatient", &(pay * 4).to_string(), &pay.to_string()])?;
                }
            }
        }
        if chance(&mut r) {
            let i = r.between(0, h.members.len() as u32 - 1) as usize;
            let pay = i64::from(r.between(25_000, 120_000)) * 100;
            let day = (income_until - Duration::days(i64::from(r.between(1, 200)))).max(income_from);
            sink.write(Feed::MedicalBills, &[id(i), &text(day), "inpatient", &(pay * 3).to_string(), &pay.to_string()])?;
            plant(None, FindingKind::LargeMedical);
        }

        // 教育: enrolment of declared students; planted undeclared enrolment and leaving school.
        let left = chance(&mut r).then(|| {
            let students: Vec<usize> =
                h.members.iter().enumerate().filter(|(_, m)| m.student.is_some() && m.age_on(as_of) >= 15).map(|(i, _)| i).collect();
            (!students.is_empty()).then(|| r.one_of(&students))
        });
        for (i, m) in h.members.iter().enumerate() {
            let Some(stage) = m.student else { continue };
            let school = SCHOOLS.iter().find(|(s, _)| *s == stage.as_str()).map_or("中心小学", |(_, n)| n);
            let enrolled = NaiveDate::from_ymd_opt(as_of.year() - r.between(0, 2) as i32, 9, 1).expect("valid").min(as_of);
            if left.flatten() == Some(i) {
                let left_on = self.ago(&mut r, 10, 150).max(enrolled);
                sink.write(Feed::Enrolment, &[id(i), school, stage.as_str(), &text(enrolled), &text(left_on)])?;
                plant(Some(i), FindingKind::LeftSchool);
            } else {
                sink.write(Feed::Enrolment, &[id(i), school, stage.as_str(), &text(enrolled), ""])?;
            }
        }
        if chance(&mut r) {
            let young: Vec<usize> = h
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.student.is_none() && (16..23).contains(&m.age_on(as_of)))
                .map(|(i, _)| i)
                .collect();
            if !young.is_empty() {
                let i = r.one_of(&young);
                let enrolled = NaiveDate::from_ymd_opt(as_of.year() - 1, 9, 1).expect("valid");
                sink.write(Feed::Enrolment, &[id(i), "县职业教育中心", "vocational", &text(enrolled), ""])?;
                plant(Some(i), FindingKind::UndeclaredEnrolment);
            }
        }

        // 应急: small or old losses (below the threshold or outside the window); a planted disaster.
        if r.chance(0.02) {
            let (loss, on) = if r.chance(0.5) {
                (i64::from(r.between(500, 3_000)) * 100, self.ago(&mut r, 5, 150))
            } else {
                (i64::from(r.between(6_000, 30_000)) * 100, self.ago(&mut r, 250, 900))
            };
            sink.write(Feed::DisasterVictims, &[id(0), "暴雨洪涝", &text(on), &loss.to_string()])?;
        }
        if chance(&mut r) {
            let loss = i64::from(r.between(8_000, 80_000)) * 100;
            sink.write(Feed::DisasterVictims, &[id(0), "冰雹", &text(self.ago(&mut r, 5, 150)), &loss.to_string()])?;
            plant(None, FindingKind::Disaster);
        }
        planted.sort();
        Ok(planted)
    }
}
