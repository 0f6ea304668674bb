//! The check itself, one logic for one application and for a province in batch: what a feed
//! row says about a person ([`observe`]), what a household's rows add up to ([`MemberFacts`]),
//! and how that compares with what the household declared ([`assess`]).
//!
//! Pure: no I/O, no clock. The per-application check (casework 核对), the batch check over
//! the database and the file-based batch engine ([`crate::batch`]) all call these functions,
//! so they cannot disagree; `docs/scale.md` gives the same logic as SQL for a cluster engine.

use crate::schema::Feed;
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_domain::{AssetKind, IncomeKind, MemberData, NewHousehold, month_start};
use serde::{Deserialize, Serialize};

/// Thresholds of the checks and of proactive discovery (configurable: `policies/verify.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Income window in months before the check month (审核确认办法 art. 10: 申请前 12 个月).
    pub income_months: u32,
    /// Department income above the declared by more than this share (percent) and ...
    pub wage_tolerance_percent: i64,
    /// ... by more than this many fen over the window is an undeclared income (隐瞒收入).
    pub wage_tolerance_fen: i64,
    /// Deposits above the declared financial assets by more than this many fen, or by more than
    /// `deposit_tolerance_percent`, whichever is more, are undeclared (隐瞒存款).
    pub deposit_tolerance_fen: i64,
    pub deposit_tolerance_percent: i64,
    /// 主动发现: medical self-pay over the income window at or above this (大额医疗自付).
    pub large_medical_fen: i64,
    /// 主动发现: a grade 1–2 certificate issued within this many months is a new severe disability.
    pub new_disability_months: u32,
    /// 主动发现: job loss, disaster and leaving school count within this many months.
    pub recent_months: u32,
    /// 主动发现: a disaster loss at or above this (fen).
    pub disaster_loss_fen: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            income_months: 12,
            wage_tolerance_percent: 10,
            wage_tolerance_fen: 120_000,
            deposit_tolerance_fen: 100_000,
            deposit_tolerance_percent: 10,
            large_medical_fen: 2_000_000,
            new_disability_months: 12,
            recent_months: 6,
            disaster_loss_fen: 500_000,
        }
    }
}

/// The days a check looks at, from the check day and the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub today: NaiveDate,
    /// First day of the income window (inclusive) …
    pub income_from: NaiveDate,
    /// … and the first day of the check month (exclusive).
    pub income_until: NaiveDate,
    pub recent_from: NaiveDate,
    pub disability_from: NaiveDate,
}

impl Window {
    pub fn new(today: NaiveDate, rules: &Rules) -> Window {
        let month = month_start(today);
        // A period (set in the rules file) longer than the calendar reaches back takes in everything.
        let back = |from: NaiveDate, m: u32| from.checked_sub_months(Months::new(m)).unwrap_or(NaiveDate::MIN);
        Window {
            today,
            income_from: back(month, rules.income_months),
            income_until: month,
            recent_from: back(today, rules.recent_months),
            disability_from: back(today, rules.new_disability_months),
        }
    }
    fn income(&self, d: NaiveDate) -> bool {
        d >= self.income_from && d < self.income_until
    }
    fn recent(&self, d: NaiveDate) -> bool {
        d >= self.recent_from && d <= self.today
    }
}

/// A sum kept per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sum {
    /// 人社 contribution bases in the window (a formal wage).
    Contributions = 0,
    /// 税务 wage and business income in the window.
    TaxIncome,
    /// 公积金 deposits in the window (employer and employee, 24 % of the wage between them).
    HousingFund,
    /// 银行 balances.
    Deposits,
    /// 医保 self-pay in the window.
    MedicalSelfPay,
    /// 应急 losses in the recent months.
    DisasterLoss,
}

/// A count kept per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Cars and trucks (motorcycles are not counted against 低保).
    Vehicles = 0,
    /// Active business registrations.
    Businesses,
    Properties,
    /// Current enrolments (no leaving date).
    Enrolled,
}

/// A latest date kept per person (days from CE; 0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latest {
    Died = 0,
    /// Issue day of a grade 1–2 certificate within the disability window.
    SevereDisability,
    /// Leaving day within the recent months.
    LeftSchool,
    /// Unemployment registration or end of employment within the recent months.
    JobLoss,
}

pub const SUMS: usize = 6;
pub const COUNTS: usize = 4;
pub const LATEST: usize = 4;

/// Where a fact stands among the facts that share its natural key (one person's 户籍状态, one
/// plate, one month's contribution): in force on the check day or not yet, from when, and the
/// order it arrived in. Ordered so that the greatest in force is the current fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Standing {
    /// Its validity date is on or before the check day (or it has none).
    pub in_force: bool,
    /// From when it holds ([`Feed::valid_from`]).
    pub valid_on: Option<NaiveDate>,
    /// The import it came with: a later import has a greater id.
    pub arrived: i64,
}

impl Standing {
    pub fn new(valid_on: Option<NaiveDate>, arrived: i64, today: NaiveDate) -> Standing {
        Standing { in_force: valid_on.is_none_or(|d| d <= today), valid_on, arrived }
    }
}

/// 现行事实: of the facts that share a natural key, the current one is the one in force on the
/// check day with the latest validity date, on a tie the later import (on a full tie the later
/// in `facts`); earlier ones are history, and a fact dated after the check day is not in force
/// yet: neither counts. `normal` then `deceased` → dead; a plate of A's, then B's from the sale
/// → A's before the sale, B's from that day. Returns whether each fact is current.
pub fn current<K: Eq + std::hash::Hash>(facts: &[(K, Standing)]) -> Vec<bool> {
    let mut best: std::collections::HashMap<&K, usize> = std::collections::HashMap::with_capacity(facts.len());
    for (i, (key, standing)) in facts.iter().enumerate().filter(|(_, (_, s))| s.in_force) {
        best.entry(key)
            .and_modify(|b| {
                if *standing >= facts[*b].1 {
                    *b = i
                }
            })
            .or_insert(i);
    }
    let mut out = vec![false; facts.len()];
    for i in best.into_values() {
        out[i] = true;
    }
    out
}

/// What one feed row adds to a person's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Add(Sum, i64),
    Count(Count),
    Latest(Latest, NaiveDate),
}

/// The parts of a feed row the check reads (any format: database, CSV, Parquet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation<'a> {
    pub feed: Feed,
    /// The row's date column.
    pub on: NaiveDate,
    /// Its money, area or grade column (0 when it has none).
    pub amount: i64,
    /// Its code column (`status`, `kind`, `grade`), or "".
    pub code: &'a str,
    /// `ended_on` / `left_on`.
    pub until: Option<NaiveDate>,
}

/// What a feed row means for the check — the one place that says so.
pub fn observe(o: &Observation<'_>, w: &Window) -> Option<Update> {
    match o.feed {
        Feed::Population => (o.code == "deceased").then_some(Update::Latest(Latest::Died, w.today)),
        Feed::Deaths | Feed::Cremations => Some(Update::Latest(Latest::Died, o.on)),
        Feed::Contributions => w.income(o.on).then_some(Update::Add(Sum::Contributions, o.amount)),
        Feed::TaxIncome => (w.income(o.on) && matches!(o.code, "wage" | "business")).then_some(Update::Add(Sum::TaxIncome, o.amount)),
        Feed::HousingFund => w.income(o.on).then_some(Update::Add(Sum::HousingFund, o.amount)),
        Feed::Deposits => Some(Update::Add(Sum::Deposits, o.amount)),
        Feed::MedicalBills => w.income(o.on).then_some(Update::Add(Sum::MedicalSelfPay, o.amount)),
        Feed::DisasterVictims => w.recent(o.on).then_some(Update::Add(Sum::DisasterLoss, o.amount)),
        Feed::Vehicles => matches!(o.code, "car" | "truck").then_some(Update::Count(Count::Vehicles)),
        Feed::Businesses => (o.code == "active").then_some(Update::Count(Count::Businesses)),
        Feed::Properties => Some(Update::Count(Count::Properties)),
        Feed::Enrolment => match o.until {
            None => Some(Update::Count(Count::Enrolled)),
            Some(left) if w.recent(left) => Some(Update::Latest(Latest::LeftSchool, left)),
            Some(_) => None,
        },
        Feed::Unemployment => w.recent(o.on).then_some(Update::Latest(Latest::JobLoss, o.on)),
        Feed::Employment => o.until.filter(|d| w.recent(*d)).map(|d| Update::Latest(Latest::JobLoss, d)),
        Feed::Disabilities => {
            (matches!(o.code, "1" | "2") && o.on >= w.disability_from).then_some(Update::Latest(Latest::SevereDisability, o.on))
        }
    }
}

/// What the feeds say about one person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberFacts {
    pub sums: [i64; SUMS],
    pub counts: [u32; COUNTS],
    /// Days from CE, 0 = none.
    pub latest: [i32; LATEST],
}

impl MemberFacts {
    pub fn apply(&mut self, u: Update) {
        match u {
            Update::Add(s, v) => self.sums[s as usize] += v,
            Update::Count(c) => self.counts[c as usize] += 1,
            Update::Latest(l, d) => {
                let days = d.num_days_from_ce();
                let slot = &mut self.latest[l as usize];
                *slot = (*slot).max(days);
            }
        }
    }
    pub fn sum(&self, s: Sum) -> i64 {
        self.sums[s as usize]
    }
    pub fn count(&self, c: Count) -> u32 {
        self.counts[c as usize]
    }
    pub fn latest(&self, l: Latest) -> Option<NaiveDate> {
        let d = self.latest[l as usize];
        // Days were stored from a date (0: none), so they convert back.
        if d == 0 { None } else { NaiveDate::from_num_days_from_ce_opt(d) }
    }
    /// The person's income in the window by the strongest source: 社保 bases, 税务 income, or
    /// the wage implied by 公积金 deposits (24 % of it between employer and employee).
    pub fn income(&self) -> i64 {
        let fund_wage = self.sum(Sum::HousingFund) * 100 / 24;
        self.sum(Sum::Contributions).max(self.sum(Sum::TaxIncome)).max(fund_wage)
    }
}

/// What a household declared, as far as the check compares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub members: Vec<DeclaredMember>,
    /// Cars and trucks.
    pub vehicles: u32,
    pub businesses: u32,
    pub properties: u32,
    /// Deposits, securities, funds and other financial assets (fen).
    pub financial: i64,
}

impl Declared {
    /// Members as registered (head first); incomes and assets are added after.
    pub fn new<'a>(members: impl IntoIterator<Item = &'a MemberData>) -> Declared {
        Declared {
            members: members
                .into_iter()
                .map(|m| DeclaredMember {
                    income: 0,
                    disability_grade: m.disability.as_ref().map(|d| d.grade),
                    student: m.student.is_some(),
                })
                .collect(),
            ..Default::default()
        }
    }

    /// An income record (`member` 0-based; a household-level income counts for the head).
    pub fn add_income(&mut self, member: Option<usize>, kind: IncomeKind, month: NaiveDate, amount: i64, w: &Window) {
        if matches!(kind, IncomeKind::Wage | IncomeKind::Business)
            && w.income(month)
            && let Some(m) = self.members.get_mut(member.unwrap_or(0))
        {
            m.income += amount;
        }
    }

    /// An asset record.
    pub fn add_asset(&mut self, kind: AssetKind, value: i64) {
        match kind {
            AssetKind::Car | AssetKind::Truck => self.vehicles += 1,
            AssetKind::BusinessRegistration => self.businesses += 1,
            AssetKind::ResidentialProperty | AssetKind::NonResidentialProperty => self.properties += 1,
            AssetKind::Deposit | AssetKind::Securities | AssetKind::Fund | AssetKind::InternetFinance => self.financial += value,
            _ => {}
        }
    }

    /// A household as generated or entered (`NewHousehold`).
    pub fn of(h: &NewHousehold, w: &Window) -> Declared {
        let mut d = Declared::new(&h.members);
        for x in &h.incomes {
            d.add_income(x.member, x.kind, x.month, x.amount.0, w);
        }
        for a in &h.assets {
            d.add_asset(a.kind, a.value.0);
        }
        d
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredMember {
    /// Wage and business income in the window (fen).
    pub income: i64,
    pub disability_grade: Option<u8>,
    pub student: bool,
}

/// What a check can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// 死亡未注销：a member is dead by 公安 or 殡葬 records.
    Death,
    /// 隐瞒收入
    HiddenIncome,
    /// 隐瞒车辆
    HiddenVehicle,
    /// 隐瞒经营主体
    HiddenBusiness,
    /// 隐瞒房产
    HiddenProperty,
    /// 隐瞒存款
    HiddenDeposits,
    /// 在读未申报：enrolled by 教育 but not declared a student.
    UndeclaredEnrolment,
    /// 主动发现：大额医疗自付
    LargeMedical,
    /// 主动发现：新增重度残疾
    NewSevereDisability,
    /// 主动发现：主要劳动力死亡
    EarnerDied,
    /// 主动发现：失业
    JobLoss,
    /// 主动发现：受灾
    Disaster,
    /// 主动发现：离校未就业
    LeftSchool,
}

impl FindingKind {
    pub const ALL: [FindingKind; 13] = [
        FindingKind::Death,
        FindingKind::HiddenIncome,
        FindingKind::HiddenVehicle,
        FindingKind::HiddenBusiness,
        FindingKind::HiddenProperty,
        FindingKind::HiddenDeposits,
        FindingKind::UndeclaredEnrolment,
        FindingKind::LargeMedical,
        FindingKind::NewSevereDisability,
        FindingKind::EarnerDied,
        FindingKind::JobLoss,
        FindingKind::Disaster,
        FindingKind::LeftSchool,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Death => "death",
            FindingKind::HiddenIncome => "hidden_income",
            FindingKind::HiddenVehicle => "hidden_vehicle",
            FindingKind::HiddenBusiness => "hidden_business",
            FindingKind::HiddenProperty => "hidden_property",
            FindingKind::HiddenDeposits => "hidden_deposits",
            FindingKind::UndeclaredEnrolment => "undeclared_enrolment",
            FindingKind::LargeMedical => "large_medical",
            FindingKind::NewSevereDisability => "new_severe_disability",
            FindingKind::EarnerDied => "earner_died",
            FindingKind::JobLoss => "job_loss",
            FindingKind::Disaster => "disaster",
            FindingKind::LeftSchool => "left_school",
        }
    }

    pub fn parse(s: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            FindingKind::Death => "家庭成员已死亡",
            FindingKind::HiddenIncome => "收入高于申报",
            FindingKind::HiddenVehicle => "有未申报的机动车",
            FindingKind::HiddenBusiness => "有未申报的经营主体",
            FindingKind::HiddenProperty => "有未申报的房产",
            FindingKind::HiddenDeposits => "存款高于申报",
            FindingKind::UndeclaredEnrolment => "家庭成员在读未申报",
            FindingKind::LargeMedical => "大额医疗费用自付",
            FindingKind::NewSevereDisability => "新增重度残疾",
            FindingKind::EarnerDied => "主要劳动力死亡",
            FindingKind::JobLoss => "失业",
            FindingKind::Disaster => "遭受灾害",
            FindingKind::LeftSchool => "离校",
        }
    }

    /// A change that can end or reduce assistance (核对 / 复核), as opposed to a sign of new
    /// hardship (主动发现).
    pub fn affects_eligibility(self) -> bool {
        matches!(
            self,
            FindingKind::Death
                | FindingKind::HiddenIncome
                | FindingKind::HiddenVehicle
                | FindingKind::HiddenBusiness
                | FindingKind::HiddenProperty
                | FindingKind::HiddenDeposits
                | FindingKind::UndeclaredEnrolment
        )
    }

    /// The feeds that evidence it.
    pub fn feeds(self) -> &'static [Feed] {
        match self {
            FindingKind::Death | FindingKind::EarnerDied => &[Feed::Deaths, Feed::Cremations, Feed::Population],
            FindingKind::HiddenIncome => &[Feed::Contributions, Feed::TaxIncome, Feed::HousingFund],
            FindingKind::HiddenVehicle => &[Feed::Vehicles],
            FindingKind::HiddenBusiness => &[Feed::Businesses],
            FindingKind::HiddenProperty => &[Feed::Properties],
            FindingKind::HiddenDeposits => &[Feed::Deposits],
            FindingKind::UndeclaredEnrolment | FindingKind::LeftSchool => &[Feed::Enrolment],
            FindingKind::LargeMedical => &[Feed::MedicalBills],
            FindingKind::NewSevereDisability => &[Feed::Disabilities],
            FindingKind::JobLoss => &[Feed::Unemployment, Feed::Employment],
            FindingKind::Disaster => &[Feed::DisasterVictims],
        }
    }
}

/// One thing a check found, with its evidence in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The member (0-based position in the household), when it is about one person.
    pub member: Option<usize>,
    /// `人社·社会保险缴费：近12个月 48,000.00 元，申报 30,000.00 元`
    pub evidence: String,
    /// The day the evidence dates from, when there is one.
    pub on: Option<NaiveDate>,
}

fn yuan(fen: i64) -> String {
    let (y, f) = (fen / 100, (fen % 100).abs());
    let digits = y.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{f:02} 元", if fen < 0 { "-" } else { "" })
}

/// Compares a household's facts (one [`MemberFacts`] per declared member, in order) with its
/// declaration. Findings come in a stable order: by kind, then member.
pub fn assess(declared: &Declared, facts: &[MemberFacts], rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    let months = rules.income_months;
    for (i, (d, f)) in declared.members.iter().zip(facts).enumerate() {
        if let Some(on) = f.latest(Latest::Died) {
            out.push(Finding {
                kind: FindingKind::Death, member: Some(i), evidence: format!("公安/殡葬：{on} 死亡或火化"), on: Some(on)
            });
            if d.income > 0 {
                out.push(Finding {
                    kind: FindingKind::EarnerDied,
                    member: Some(i),
                    evidence: format!("死亡成员近{months}个月申报收入 {}", yuan(d.income)),
                    on: Some(on),
                });
            }
        }
        let income = f.income();
        let margin = (d.income * rules.wage_tolerance_percent / 100).max(0) + rules.wage_tolerance_fen;
        if income > d.income + margin {
            out.push(Finding {
                kind: FindingKind::HiddenIncome,
                member: Some(i),
                evidence: format!(
                    "人社/税务/公积金：近{months}个月收入 {}（社保缴费基数 {}，个税 {}，公积金折算 {}），申报 {}",
                    yuan(income),
                    yuan(f.sum(Sum::Contributions)),
                    yuan(f.sum(Sum::TaxIncome)),
                    yuan(f.sum(Sum::HousingFund) * 100 / 24),
                    yuan(d.income)
                ),
                on: None,
            });
        }
        if f.count(Count::Enrolled) > 0 && !d.student {
            out.push(Finding {
                kind: FindingKind::UndeclaredEnrolment,
                member: Some(i),
                evidence: "教育·学籍：在读，申报为非在校生".into(),
                on: None,
            });
        }
        if let Some(on) = f.latest(Latest::SevereDisability)
            && d.disability_grade.is_none_or(|g| g > 2)
        {
            let was = d.disability_grade.map_or("未登记残疾".to_string(), |g| format!("登记为{g}级"));
            out.push(Finding {
                kind: FindingKind::NewSevereDisability,
                member: Some(i),
                evidence: format!("残联：{on} 核发一、二级残疾人证，{was}"),
                on: Some(on),
            });
        }
        if let Some(on) = f.latest(Latest::JobLoss) {
            out.push(Finding {
                kind: FindingKind::JobLoss,
                member: Some(i),
                evidence: format!("人社：{on} 失业登记或劳动关系终止"),
                on: Some(on),
            });
        }
        if let Some(on) = f.latest(Latest::LeftSchool)
            && f.count(Count::Enrolled) == 0
        {
            out.push(Finding {
                kind: FindingKind::LeftSchool, member: Some(i), evidence: format!("教育·学籍：{on} 离校"), on: Some(on)
            });
        }
    }
    let total = |s: Sum| facts.iter().map(|f| f.sum(s)).sum::<i64>();
    let count = |c: Count| facts.iter().map(|f| f.count(c)).sum::<u32>();
    let mut household = |kind: FindingKind, evidence: String| out.push(Finding { kind, member: None, evidence, on: None });
    if count(Count::Vehicles) > declared.vehicles {
        household(
            FindingKind::HiddenVehicle,
            format!("车管：登记小汽车/货车 {} 辆，申报 {} 辆", count(Count::Vehicles), declared.vehicles),
        );
    }
    if count(Count::Businesses) > declared.businesses {
        household(
            FindingKind::HiddenBusiness,
            format!("市场监管：在业经营主体 {} 个，申报 {} 个", count(Count::Businesses), declared.businesses),
        );
    }
    if count(Count::Properties) > declared.properties {
        household(
            FindingKind::HiddenProperty,
            format!("不动产：登记房产 {} 处，申报 {} 处", count(Count::Properties), declared.properties),
        );
    }
    let deposits = total(Sum::Deposits);
    let margin = (declared.financial * rules.deposit_tolerance_percent / 100).max(rules.deposit_tolerance_fen);
    if deposits > declared.financial + margin {
        household(FindingKind::HiddenDeposits, format!("银行：存款余额合计 {}，申报金融资产 {}", yuan(deposits), yuan(declared.financial)));
    }
    let medical = total(Sum::MedicalSelfPay);
    if medical >= rules.large_medical_fen {
        household(FindingKind::LargeMedical, format!("医保：近{months}个月个人自付医疗费用 {}", yuan(medical)));
    }
    let loss = total(Sum::DisasterLoss);
    if loss >= rules.disaster_loss_fen {
        household(FindingKind::Disaster, format!("应急：近{}个月受灾，直接经济损失 {}", rules.recent_months, yuan(loss)));
    }
    out.sort_by_key(|f| (f.kind, f.member));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn windows_follow_the_check_month() {
        let w = Window::new(day("2026-12-02"), &Rules::default());
        assert_eq!(w.income_from, day("2025-12-01"));
        assert_eq!(w.income_until, day("2026-12-01"));
        assert_eq!(w.recent_from, day("2026-06-02"));
    }

    #[test]
    fn income_exactly_at_the_tolerance_is_not_a_finding_one_fen_above_is() {
        let rules = Rules::default();
        let declared = Declared { members: vec![DeclaredMember { income: 1_000_000, ..Default::default() }], ..Default::default() };
        // 10 % of 10,000 元 + 1,200 元 = 2,200 元 margin.
        let at = MemberFacts { sums: [1_000_000 + 220_000, 0, 0, 0, 0, 0], ..Default::default() };
        assert!(assess(&declared, &[at], &rules).is_empty());
        let above = MemberFacts { sums: [1_000_000 + 220_001, 0, 0, 0, 0, 0], ..Default::default() };
        let f = assess(&declared, &[above], &rules);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::HiddenIncome);
        assert_eq!(f[0].member, Some(0));
        assert!(f[0].evidence.contains("12,200.01 元"), "{}", f[0].evidence);
    }

    #[test]
    fn large_medical_at_the_threshold_is_found_one_fen_below_is_not() {
        let rules = Rules::default();
        let declared = Declared { members: vec![DeclaredMember::default()], ..Default::default() };
        let mut f = MemberFacts::default();
        f.sums[Sum::MedicalSelfPay as usize] = rules.large_medical_fen - 1;
        assert!(assess(&declared, &[f], &rules).is_empty());
        f.sums[Sum::MedicalSelfPay as usize] = rules.large_medical_fen;
        assert_eq!(assess(&declared, &[f], &rules)[0].kind, FindingKind::LargeMedical);
    }

    #[test]
    fn observations_outside_their_window_count_for_nothing() {
        let rules = Rules::default();
        let w = Window::new(day("2026-12-02"), &rules);
        let o = |feed, on: &str, code| Observation { feed, on: day(on), amount: 100, code, until: None };
        assert_eq!(observe(&o(Feed::Contributions, "2025-11-01", ""), &w), None);
        assert_eq!(observe(&o(Feed::Contributions, "2025-12-01", ""), &w), Some(Update::Add(Sum::Contributions, 100)));
        assert_eq!(observe(&o(Feed::Contributions, "2026-12-01", ""), &w), None);
        assert_eq!(observe(&o(Feed::Vehicles, "2020-01-01", "motorcycle"), &w), None);
        assert_eq!(
            observe(&o(Feed::Disabilities, "2025-12-02", "2"), &w),
            Some(Update::Latest(Latest::SevereDisability, day("2025-12-02")))
        );
        assert_eq!(observe(&o(Feed::Disabilities, "2025-12-01", "2"), &w), None);
        assert_eq!(observe(&o(Feed::Disabilities, "2026-01-01", "3"), &w), None);
        assert_eq!(observe(&o(Feed::TaxIncome, "2026-01-01", "property"), &w), None);
    }

    #[test]
    fn deposits_within_the_larger_tolerance_pass() {
        let rules = Rules::default();
        let mut f = MemberFacts::default();
        let declared = Declared { members: vec![DeclaredMember::default()], financial: 5_000_000, ..Default::default() };
        f.sums[Sum::Deposits as usize] = 5_500_000;
        assert!(assess(&declared, &[f], &rules).is_empty(), "10 % of 50,000 元 is above the 1,000 元 floor");
        f.sums[Sum::Deposits as usize] = 5_500_001;
        assert_eq!(assess(&declared, &[f], &rules)[0].kind, FindingKind::HiddenDeposits);
    }

    #[test]
    fn the_current_fact_is_the_latest_in_force_then_the_later_import() {
        let today = day("2026-06-15");
        let at = |on: Option<&str>, import: i64| Standing::new(on.map(day), import, today);
        // (what, facts as (natural key, validity date, import), the current ones)
        /// A natural key, its fact's validity date and its import.
        type Fact = (&'static str, Option<&'static str>, i64);
        let table: &[(&str, &[Fact], &[bool])] = &[
            ("one fact is current", &[("p", None, 1)], &[true]),
            ("no date: the later import (normal, then deceased)", &[("p", None, 1), ("p", None, 2)], &[false, true]),
            ("no date: a later correction wins whatever came before", &[("p", None, 7), ("p", None, 3)], &[true, false]),
            ("the later date wins", &[("甘L·A0001", Some("2020-05-01"), 1), ("甘L·A0001", Some("2026-03-01"), 2)], &[false, true]),
            (
                "an older fact imported later does not replace a newer one",
                &[("甘L·A0001", Some("2026-03-01"), 1), ("甘L·A0001", Some("2020-05-01"), 2)],
                &[true, false],
            ),
            ("a tie on the date: the later import", &[("k", Some("2026-01-01"), 5), ("k", Some("2026-01-01"), 4)], &[true, false]),
            ("a full tie: the later row", &[("k", Some("2026-01-01"), 5), ("k", Some("2026-01-01"), 5)], &[false, true]),
            (
                "a fact dated after the check day is not in force yet",
                &[("k", Some("2026-01-01"), 1), ("k", Some("2026-07-01"), 2)],
                &[true, false],
            ),
            ("nothing in force yet: nothing current", &[("k", Some("2026-08-01"), 1), ("j", Some("2026-06-16"), 2)], &[false, false]),
            ("in force on the check day itself", &[("k", Some("2026-06-15"), 1)], &[true]),
            ("keys are independent", &[("a", Some("2026-01-01"), 2), ("b", Some("2025-01-01"), 1)], &[true, true]),
        ];
        for (what, facts, want) in table {
            let facts: Vec<(&str, Standing)> = facts.iter().map(|(k, on, import)| (*k, at(*on, *import))).collect();
            assert_eq!(current(&facts).as_slice(), *want, "{what}");
        }
    }

    #[test]
    fn a_plate_sold_on_counts_for_its_owner_of_the_check_day() {
        let facts = |today| {
            let a = Standing::new(Some(day("2020-05-01")), 1, today);
            let b = Standing::new(Some(day("2026-03-01")), 2, today);
            current(&[("甘L·A0001", a), ("甘L·A0001", b)])
        };
        assert_eq!(facts(day("2026-02-28")), [true, false], "the day before the sale: A's");
        assert_eq!(facts(day("2026-03-01")), [false, true], "from the sale: B's");
    }

    #[test]
    fn death_of_an_earner_is_both_a_death_and_a_discovery() {
        let rules = Rules::default();
        let mut f = MemberFacts::default();
        f.apply(Update::Latest(Latest::Died, day("2026-03-04")));
        let declared = Declared { members: vec![DeclaredMember { income: 1, ..Default::default() }], ..Default::default() };
        let kinds: Vec<_> = assess(&declared, &[f], &rules).iter().map(|f| f.kind).collect();
        assert_eq!(kinds, vec![FindingKind::Death, FindingKind::EarnerDied]);
    }
}
