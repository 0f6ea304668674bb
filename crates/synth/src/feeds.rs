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

use crate::formats::{floor_area, month_text};
use crate::plates::plate;
use crate::rng::{RngExt, stream_rng};
use chrono::{Datelike, Duration, Months, NaiveDate};
use jiuzhu_domain::{AssetKind, DisabilityKind, Employment, IncomeKind, MemberData, NewHousehold};
use jiuzhu_verify::FindingKind;
use jiuzhu_verify::schema::Feed;
use jiuzhu_verify::sink::FeedSink;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
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

/// A day as `YYYY-MM-DD`.
fn date_text(d: NaiveDate) -> String {
    d.to_string()
}

const SCHOOLS: &[(&str, &str)] = &[
    ("compulsory", "中心小学"),
    ("high_school", "第一中学"),
    ("vocational", "职业教育中心"),
    ("undergraduate", "甘肃农业大学"),
    ("postgraduate", "兰州大学"),
];

const EMPLOYERS: &[&str] = &["县供销合作社", "县建筑工程公司", "县人民医院", "县农产品加工有限公司", "县物流有限公司"];

/// Declared financial assets: deposits per (owner, bank) for the 银行 feed, and the total of
/// every financial asset (deposits, funds, securities, internet finance).
struct DeclaredFinance {
    deposits: BTreeMap<(usize, &'static str), i64>,
    total: i64,
}

/// The household being written: its records and what every section needs to read about it.
struct Household<'h> {
    /// The household's records, as generated (or loaded).
    h: &'h NewHousehold,
    /// Household number: index + 1.
    no: usize,
    as_of: NaiveDate,
    income_from: NaiveDate,
    income_until: NaiveDate,
    /// Declared income per member in the window (wage and business), as the check counts it.
    declared_income: Vec<i64>,
}

impl<'h> Household<'h> {
    fn new(index: usize, h: &'h NewHousehold, as_of: NaiveDate) -> Household<'h> {
        let (income_from, income_until) = jiuzhu_domain::household::income_window(as_of, 12);
        let mut declared_income = vec![0i64; h.members.len()];
        for x in &h.incomes {
            if matches!(x.kind, IncomeKind::Wage | IncomeKind::Business) && x.month >= income_from && x.month < income_until {
                declared_income[x.member.unwrap_or(0)] += x.amount.0;
            }
        }
        Household { h, no: index + 1, as_of, income_from, income_until, declared_income }
    }

    /// Member `i`'s ID number.
    fn id(&self, i: usize) -> &'h str {
        self.h.members[i].id_number.as_str()
    }

    /// Positions of the members that satisfy `keep`.
    fn members_where(&self, keep: impl Fn(&MemberData) -> bool) -> Vec<usize> {
        self.h.members.iter().enumerate().filter(|(_, m)| keep(m)).map(|(i, _)| i).collect()
    }
}

/// Where one household's sections write: the sink, the household's random stream and the facts
/// planted so far.
struct Output<'s> {
    sink: &'s mut FeedSink,
    r: ChaCha8Rng,
    household_no: usize,
    planted: Vec<Planted>,
}

impl Output<'_> {
    /// Whether to plant the next kind in this household (each kind independently).
    fn plant_here(&mut self) -> bool {
        self.r.chance(PLANT_RATE)
    }

    fn plant(&mut self, member: Option<usize>, kind: FindingKind) {
        self.planted.push(Planted { household_no: self.household_no, member_seq: member.map(|i| i + 1), kind });
    }
}

impl FeedWriter {
    /// `region`: the generated county, city or province (its code goes into credit codes).
    pub fn new(seed: u64, as_of: NaiveDate, region: &str) -> FeedWriter {
        FeedWriter { seed, as_of, county: format!("{region:0<6}"), next_plate: 0, next_business: 0 }
    }

    /// The writer `jiuzhu gen` uses for `cfg`.
    pub fn for_config(cfg: &crate::Config) -> FeedWriter {
        FeedWriter::new(cfg.seed, cfg.as_of, cfg.region.as_str())
    }

    /// The next unique plate of the city the household's hukou place lies in (see `plates`).
    fn next_plate(&mut self, hh: &Household) -> String {
        let serial = self.next_plate;
        self.next_plate += 1;
        plate(serial, &hh.h.data.hukou_region)
    }

    /// A unique synthetic 统一社会信用代码-shaped code (18 characters; not a valid real one).
    fn credit_code(&mut self) -> String {
        self.next_business += 1;
        format!("92{}{:010}", self.county, self.next_business)
    }

    /// A day `min_days` to `max_days` before `as_of`.
    fn days_ago(&self, r: &mut impl Rng, min_days: u32, max_days: u32) -> NaiveDate {
        self.as_of - Duration::days(i64::from(r.between(min_days, max_days)))
    }

    /// Writes household `index`'s feed rows to `sink`; returns what was planted. The sections
    /// run in a fixed order because they share the household's random stream.
    pub fn write(&mut self, sink: &mut FeedSink, index: usize, h: &NewHousehold) -> io::Result<Vec<Planted>> {
        let hh = Household::new(index, h, self.as_of);
        let r = stream_rng(self.seed, PLANT_SALT, index as u64);
        let mut out = Output { sink, r, household_no: hh.no, planted: Vec::new() };
        self.write_population(&hh, &mut out)?;
        self.write_wages(&hh, &mut out)?;
        self.write_employment(&hh, &mut out)?;
        self.write_assets(&hh, &mut out)?;
        self.write_disabilities(&hh, &mut out)?;
        self.write_medical_bills(&hh, &mut out)?;
        self.write_enrolment(&hh, &mut out)?;
        self.write_disasters(&hh, &mut out)?;
        let mut planted = out.planted;
        planted.sort();
        Ok(planted)
    }

    /// 公安 户籍, 死亡 and 殡葬 火化; a planted death (and, with declared income, an earner's).
    fn write_population(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let (h, as_of) = (hh.h, hh.as_of);
        let died = out.plant_here().then(|| {
            // The old are ten times likelier to be the one who died.
            let weights: Vec<(usize, u32)> =
                h.members.iter().enumerate().map(|(i, m)| (i, if m.age_on(as_of) >= 60 { 10 } else { 1 })).collect();
            (out.r.pick(&weights), self.days_ago(&mut out.r, 5, 300))
        });
        for (i, m) in h.members.iter().enumerate() {
            let dead = died.filter(|(d, _)| *d == i);
            let status = if dead.is_some() { "deceased" } else { "normal" };
            let row = [hh.id(i), &m.name, m.sex.as_str(), &date_text(m.birth_date), h.data.hukou_region.as_str(), status];
            out.sink.write(Feed::Population, &row)?;
        }
        if let Some((i, on)) = died {
            out.sink.write(Feed::Deaths, &[hh.id(i), &date_text(on)])?;
            let cremated = (on + Duration::days(3)).min(as_of);
            out.sink.write(Feed::Cremations, &[hh.id(i), &date_text(cremated)])?;
            out.plant(Some(i), FindingKind::Death);
            if hh.declared_income[i] > 0 {
                out.plant(Some(i), FindingKind::EarnerDied);
            }
        }
        Ok(())
    }

    /// 人社 contributions, 公积金, 税务: declared wages month by month; a planted member gets
    /// more (or, without declared wages, a job).
    #[allow(clippy::expect_used, reason = "dates a few years around `as_of`, far inside chrono's range")]
    fn write_wages(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let (h, as_of) = (hh.h, hh.as_of);
        let mut wages: BTreeMap<usize, Vec<(NaiveDate, i64)>> = BTreeMap::new();
        for w in h.incomes.iter().filter(|w| w.kind == IncomeKind::Wage) {
            wages.entry(w.member.unwrap_or(0)).or_default().push((w.month, w.amount.0));
        }
        let hidden_income = out.plant_here().then(|| {
            let adults = hh.members_where(|m| (18..60).contains(&m.age_on(as_of)));
            if adults.is_empty() { 0 } else { out.r.one_of(&adults) }
        });
        for (i, m) in h.members.iter().enumerate() {
            let mut rows: BTreeMap<NaiveDate, i64> = wages
                .get(&i)
                .map(|v| v.iter().copied().filter(|(mo, _)| *mo >= hh.income_from && *mo < hh.income_until).collect())
                .unwrap_or_default();
            // 60 % of migrant workers have a formal (contributing) job.
            let formal = m.employment != Employment::MigrantWork || out.r.chance(0.6);
            if hidden_income == Some(i) {
                self.add_hidden_income(hh, out, i, &mut rows);
            } else if !formal {
                continue;
            }
            let fund = m.employment == Employment::Employed;
            for (mo, wage) in rows {
                // 人社 and 公积金 deliver 24 months of history: the year before the window too
                // (at the same wage), which the check must leave out.
                let year_before = mo.checked_sub_months(Months::new(12)).expect("valid");
                for mo in [year_before, mo] {
                    out.sink.write(Feed::Contributions, &[hh.id(i), &month_text(mo), &wage.to_string()])?;
                    if fund {
                        out.sink.write(Feed::HousingFund, &[hh.id(i), &month_text(mo), &(wage * 24 / 100).to_string()])?;
                    }
                }
                if wage > 500_000 {
                    out.sink.write(Feed::TaxIncome, &[hh.id(i), &month_text(mo), "wage", &wage.to_string()])?;
                }
            }
        }
        Ok(())
    }

    /// Raises member `i`'s monthly wages well past the rule's margin (10 % + 1,200 元): to
    /// 30–80 % more than all the member declared (wage and business), plus 3,000–6,000 元.
    #[allow(clippy::expect_used, reason = "dates a few years around `as_of`, far inside chrono's range")]
    fn add_hidden_income(&self, hh: &Household, out: &mut Output, i: usize, rows: &mut BTreeMap<NaiveDate, i64>) {
        let target =
            (hh.declared_income[i] as f64 * (1.3 + 0.5 * out.r.random::<f64>())) as i64 + 300_000 + i64::from(out.r.between(0, 300_000));
        let extra = target - rows.values().sum::<i64>();
        let per_month = extra / 12 + 100;
        for k in 0..12 {
            let mo = hh.income_from.checked_add_months(Months::new(k)).expect("valid");
            *rows.entry(mo).or_insert(0) += per_month;
        }
        out.plant(Some(i), FindingKind::HiddenIncome);
    }

    /// 人社 就业 and 失业: open records for local employees; a planted job loss ends one.
    fn write_employment(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let (h, as_of) = (hh.h, hh.as_of);
        let job_loss = out.plant_here().then(|| {
            let workers = hh.members_where(|m| (18..56).contains(&m.age_on(as_of)) && m.student.is_none());
            (!workers.is_empty()).then(|| out.r.one_of(&workers))
        });
        for (i, m) in h.members.iter().enumerate() {
            let lost = job_loss.flatten() == Some(i);
            if m.employment != Employment::Employed && !lost {
                continue;
            }
            let employer = out.r.one_of(EMPLOYERS);
            let started = self.days_ago(&mut out.r, 400, 4_000);
            if lost {
                let ended = self.days_ago(&mut out.r, 20, 150);
                out.sink.write(Feed::Employment, &[hh.id(i), employer, &date_text(started), &date_text(ended)])?;
                let registered = (ended + Duration::days(i64::from(out.r.between(1, 15)))).min(as_of);
                let benefit = out.r.between(150_000, 190_000).to_string();
                out.sink.write(Feed::Unemployment, &[hh.id(i), &date_text(registered), &benefit])?;
                out.plant(Some(i), FindingKind::JobLoss);
            } else {
                out.sink.write(Feed::Employment, &[hh.id(i), employer, &date_text(started), ""])?;
            }
        }
        Ok(())
    }

    /// 车管, 不动产, 市场监管, 银行: declared assets, plus planted hidden ones.
    fn write_assets(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let declared = self.write_declared_assets(hh, out)?;
        if out.r.chance(0.01) {
            // A cancelled business nobody has to declare.
            let code = self.credit_code();
            let on = self.days_ago(&mut out.r, 2_000, 5_000);
            let name = format!("{}小卖部", hh.h.members[0].name);
            out.sink.write(Feed::Businesses, &[hh.id(0), &code, &name, &date_text(on), "cancelled"])?;
        }
        self.write_hidden_assets(hh, out, &declared)
    }

    /// Vehicles, properties and businesses as declared, row by row; returns the declared
    /// deposits per (owner, bank) and the total of financial assets, which the bank rows and the
    /// planted deposits need.
    fn write_declared_assets(&mut self, hh: &Household, out: &mut Output) -> io::Result<DeclaredFinance> {
        let (h, as_of) = (hh.h, hh.as_of);
        let owner = |member: Option<usize>| member.unwrap_or(0);
        let mut deposits: BTreeMap<(usize, &'static str), i64> = BTreeMap::new();
        let mut financial = 0i64;
        let banks = ["农村信用社", "中国邮政储蓄银行", "中国农业银行"];
        for (k, a) in h.assets.iter().enumerate() {
            match a.kind {
                AssetKind::Car | AssetKind::Truck | AssetKind::Motorcycle => {
                    let plate = self.next_plate(hh);
                    let kind = match a.kind {
                        AssetKind::Car => "car",
                        AssetKind::Truck => "truck",
                        _ => "motorcycle",
                    };
                    let on = self.days_ago(&mut out.r, 200, 4_000);
                    out.sink.write(Feed::Vehicles, &[hh.id(owner(a.member)), &plate, kind, &date_text(on), &a.value.0.to_string()])?;
                }
                AssetKind::ResidentialProperty | AssetKind::NonResidentialProperty => {
                    let kind = if a.kind == AssetKind::ResidentialProperty { "residential" } else { "non_residential" };
                    let area = floor_area(&a.description).unwrap_or(60);
                    // Distinct days per asset keep two equal houses of one owner distinct rows.
                    let on = as_of - Duration::days(1_000 + 37 * k as i64);
                    out.sink.write(Feed::Properties, &[hh.id(owner(a.member)), kind, &area.to_string(), &date_text(on)])?;
                }
                AssetKind::BusinessRegistration => {
                    let code = self.credit_code();
                    let on = self.days_ago(&mut out.r, 300, 3_000);
                    let name = format!("{}经营部", h.members[owner(a.member)].name);
                    out.sink.write(Feed::Businesses, &[hh.id(owner(a.member)), &code, &name, &date_text(on), "active"])?;
                }
                AssetKind::Deposit => {
                    financial += a.value.0;
                    *deposits.entry((owner(a.member), banks[k % banks.len()])).or_insert(0) += a.value.0;
                }
                AssetKind::Securities | AssetKind::Fund | AssetKind::InternetFinance => financial += a.value.0,
                _ => {}
            }
        }
        Ok(DeclaredFinance { deposits, total: financial })
    }

    /// Planted hidden vehicle, property and business (in the first cash earner's name, else the
    /// head's), the declared deposits' bank rows, and planted hidden deposits.
    fn write_hidden_assets(&mut self, hh: &Household, out: &mut Output, declared: &DeclaredFinance) -> io::Result<()> {
        let (h, as_of) = (hh.h, hh.as_of);
        let earner = h
            .members
            .iter()
            .position(|m| matches!(m.employment, Employment::MigrantWork | Employment::Employed | Employment::SelfEmployed))
            .unwrap_or(0);
        if out.plant_here() {
            let plate = self.next_plate(hh);
            let value = (out.r.lognormal(70_000.0, 0.4).round() as i64) * 100;
            let on = self.days_ago(&mut out.r, 30, 900);
            out.sink.write(Feed::Vehicles, &[hh.id(earner), &plate, "car", &date_text(on), &value.to_string()])?;
            out.plant(None, FindingKind::HiddenVehicle);
        }
        if out.plant_here() {
            let area = out.r.between(80, 130).to_string();
            let on = self.days_ago(&mut out.r, 30, 900);
            out.sink.write(Feed::Properties, &[hh.id(0), "residential", &area, &date_text(on)])?;
            out.plant(None, FindingKind::HiddenProperty);
        }
        if out.plant_here() {
            let code = self.credit_code();
            let name = format!("{}商贸有限公司", h.members[earner].name);
            let on = self.days_ago(&mut out.r, 30, 900);
            out.sink.write(Feed::Businesses, &[hh.id(earner), &code, &name, &date_text(on), "active"])?;
            out.plant(None, FindingKind::HiddenBusiness);
        }
        for ((m, bank), balance) in &declared.deposits {
            out.sink.write(Feed::Deposits, &[hh.id(*m), bank, &balance.to_string(), &date_text(as_of)])?;
        }
        if out.plant_here() {
            // More than all financial assets declared plus the larger of 10 % and 1,000 元, with
            // room: the bank reports deposits only, while funds and securities count as declared
            // too (a 10-million-person run caught a household whose fund hid a smaller planting).
            let extra = declared.total + declared.total / 10 + i64::from(out.r.between(30_000, 200_000)) * 100;
            out.sink.write(Feed::Deposits, &[hh.id(earner), "中国建设银行", &extra.to_string(), &date_text(as_of)])?;
            out.plant(None, FindingKind::HiddenDeposits);
        }
        Ok(())
    }

    /// 残联: certificates of declared disabilities, issued years ago; a planted new severe one.
    #[allow(clippy::expect_used, reason = "the kind was drawn from `DisabilityKind::ALL`")]
    fn write_disabilities(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let h = hh.h;
        for (i, m) in h.members.iter().enumerate() {
            if let Some(d) = &m.disability
                && let Some(cert) = &d.certificate
            {
                let on = self.days_ago(&mut out.r, 800, 5_000).max(m.birth_date);
                out.sink.write(Feed::Disabilities, &[hh.id(i), cert, d.kind.as_str(), &d.grade.to_string(), &date_text(on)])?;
            }
        }
        if !out.plant_here() {
            return Ok(());
        }
        // Only a member without a severe disability can newly get one.
        let open = hh.members_where(|m| m.disability.as_ref().is_none_or(|d| d.grade > 2));
        if open.is_empty() {
            return Ok(());
        }
        let i = out.r.one_of(&open);
        let kind = out.r.one_of(DisabilityKind::ALL);
        let k = DisabilityKind::ALL.iter().position(|x| *x == kind).expect("listed") + 1;
        let grade = out.r.between(1, 2);
        let cert = format!("{}{k}{grade}", hh.id(i));
        let declared_same = h.members[i].disability.as_ref().and_then(|d| d.certificate.as_deref()) == Some(cert.as_str());
        if !declared_same {
            let on = self.days_ago(&mut out.r, 10, 330).max(h.members[i].birth_date);
            out.sink.write(Feed::Disabilities, &[hh.id(i), &cert, kind.as_str(), &grade.to_string(), &date_text(on)])?;
            out.plant(Some(i), FindingKind::NewSevereDisability);
        }
        Ok(())
    }

    /// 医保: bills of the ill, under 15,000 元 of self-pay a household; a planted large one.
    fn write_medical_bills(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let (from, until) = (hh.income_from, hh.income_until);
        let mut self_paid = 0i64;
        let window_days = (until - from).num_days() as u32;
        for (i, m) in hh.h.members.iter().enumerate() {
            // Most insured people see a doctor a few times a year; the ill more often and at more cost.
            let ill = m.serious_illness || m.chronic_illness;
            let visits = if ill { out.r.between(2, 6) } else { out.r.between(0, 5) };
            for v in 0..visits {
                let day = from + Duration::days(i64::from((v * 53 + out.r.between(0, 40)) % window_days));
                let pay = if ill { i64::from(out.r.between(5_000, 80_000)) } else { i64::from(out.r.between(1_000, 20_000)) };
                if self_paid + pay > 1_500_000 {
                    break;
                }
                self_paid += pay;
                out.sink.write(Feed::MedicalBills, &[hh.id(i), &date_text(day), "outpatient", &(pay * 3).to_string(), &pay.to_string()])?;
            }
            if m.serious_illness {
                let pay = i64::from(out.r.between(200_000, 800_000));
                if self_paid + pay <= 1_500_000 {
                    self_paid += pay;
                    let day = from + Duration::days(i64::from(out.r.between(0, window_days - 1)));
                    out.sink
                        .write(Feed::MedicalBills, &[hh.id(i), &date_text(day), "inpatient", &(pay * 4).to_string(), &pay.to_string()])?;
                }
            }
        }
        if out.plant_here() {
            let i = out.r.between(0, hh.h.members.len() as u32 - 1) as usize;
            let pay = i64::from(out.r.between(25_000, 120_000)) * 100;
            let day = (until - Duration::days(i64::from(out.r.between(1, 200)))).max(from);
            out.sink.write(Feed::MedicalBills, &[hh.id(i), &date_text(day), "inpatient", &(pay * 3).to_string(), &pay.to_string()])?;
            out.plant(None, FindingKind::LargeMedical);
        }
        Ok(())
    }

    /// 教育: enrolment of declared students; planted undeclared enrolment and leaving school.
    #[allow(clippy::expect_used, reason = "1 September of a year or two before `as_of` exists")]
    fn write_enrolment(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        let as_of = hh.as_of;
        let left = out.plant_here().then(|| {
            let students = hh.members_where(|m| m.student.is_some() && m.age_on(as_of) >= 15);
            (!students.is_empty()).then(|| out.r.one_of(&students))
        });
        for (i, m) in hh.h.members.iter().enumerate() {
            let Some(stage) = m.student else { continue };
            let school = SCHOOLS.iter().find(|(s, _)| *s == stage.as_str()).map_or("中心小学", |(_, n)| n);
            let enrolled = NaiveDate::from_ymd_opt(as_of.year() - out.r.between(0, 2) as i32, 9, 1).expect("valid").min(as_of);
            if left.flatten() == Some(i) {
                let left_on = self.days_ago(&mut out.r, 10, 150).max(enrolled);
                out.sink.write(Feed::Enrolment, &[hh.id(i), school, stage.as_str(), &date_text(enrolled), &date_text(left_on)])?;
                out.plant(Some(i), FindingKind::LeftSchool);
            } else {
                out.sink.write(Feed::Enrolment, &[hh.id(i), school, stage.as_str(), &date_text(enrolled), ""])?;
            }
        }
        if out.plant_here() {
            let young = hh.members_where(|m| m.student.is_none() && (16..23).contains(&m.age_on(as_of)));
            if !young.is_empty() {
                let i = out.r.one_of(&young);
                let enrolled = NaiveDate::from_ymd_opt(as_of.year() - 1, 9, 1).expect("valid");
                out.sink.write(Feed::Enrolment, &[hh.id(i), "县职业教育中心", "vocational", &date_text(enrolled), ""])?;
                out.plant(Some(i), FindingKind::UndeclaredEnrolment);
            }
        }
        Ok(())
    }

    /// 应急: small or old losses (below the threshold or outside the window); a planted disaster.
    fn write_disasters(&mut self, hh: &Household, out: &mut Output) -> io::Result<()> {
        if out.r.chance(0.02) {
            let (loss, on) = if out.r.chance(0.5) {
                (i64::from(out.r.between(500, 3_000)) * 100, self.days_ago(&mut out.r, 5, 150))
            } else {
                (i64::from(out.r.between(6_000, 30_000)) * 100, self.days_ago(&mut out.r, 250, 900))
            };
            out.sink.write(Feed::DisasterVictims, &[hh.id(0), "暴雨洪涝", &date_text(on), &loss.to_string()])?;
        }
        if out.plant_here() {
            let loss = i64::from(out.r.between(8_000, 80_000)) * 100;
            let on = self.days_ago(&mut out.r, 5, 150);
            out.sink.write(Feed::DisasterVictims, &[hh.id(0), "冰雹", &date_text(on), &loss.to_string()])?;
            out.plant(None, FindingKind::Disaster);
        }
        Ok(())
    }
}
