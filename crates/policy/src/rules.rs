//! The national rules as code. Each function decides one thing from numbers already
//! gathered ([`Facts`]) and resolved parameters ([`Params`]); the explained path
//! (`explain`) and the bulk path (`bulk`) both call these, so there is one rule, not two.

use crate::situation::{Emergency, EmergencyKind, Situation, SupporterInput, VehicleKind};
use chrono::NaiveDate;
use jiuzhu_domain::{DisabilityKind, Student, SupporterStatus};

// Defined with `Policies`, which caches it; other crates name it `rules::Params`.
pub use crate::params::Params;

/// Legal references, quoted in every reason that applies them.
pub mod law {
    pub const DIBAO_MEMBERS: &str = "《最低生活保障审核确认办法》（民发〔2021〕57号）第七条";
    pub const DIBAO_SEPARATE: &str = "《最低生活保障审核确认办法》（民发〔2021〕57号）第八条";
    pub const DIBAO_INCOME: &str = "《最低生活保障审核确认办法》（民发〔2021〕57号）第十三条";
    pub const DIBAO_ASSETS: &str = "《最低生活保障审核确认办法》（民发〔2021〕57号）第十四条";
    pub const DIBAO_AMOUNT: &str = "《社会救助暂行办法》第十二条；《最低生活保障审核确认办法》（民发〔2021〕57号）第二十三条";
    pub const DIBAO_CLASSIFIED: &str = "《国务院关于进一步加强和改进最低生活保障工作的意见》（国发〔2012〕45号）分类施保";
    pub const TEKUN_CONDITIONS: &str = "《特困人员认定办法》（民发〔2021〕43号）第四条";
    pub const TEKUN_NO_WORK: &str =
        "《特困人员认定办法》（民发〔2021〕43号）第五条、第二十四条；《关于改革完善社会救助制度的意见》（2020）";
    pub const TEKUN_NO_MEANS: &str = "《特困人员认定办法》（民发〔2021〕43号）第六条、第七条";
    pub const TEKUN_SUPPORTERS: &str = "《特困人员认定办法》（民发〔2021〕43号）第八条";
    pub const TEKUN_AMOUNT: &str = "《特困人员认定办法》（民发〔2021〕43号）第二十一条至第二十三条；《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）";
    pub const EDGE: &str =
        "《最低生活保障审核确认办法》（民发〔2021〕57号）第八条；《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》（2023）";
    pub const RIGID: &str = "《刚性支出困难家庭认定办法》（民政部 财政部，2025年1月1日施行）";
    pub const TEMPORARY: &str = "《社会救助暂行办法》第四十七条至第五十条；《关于进一步加强和改进临时救助工作的意见》（民发〔2018〕23号）";
}

/// Why a member has no capacity to work (特困 art. 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCapacity {
    Elderly,
    Minor,
    Student,
    Disability,
}

/// 分类施保 category of a member; the highest applicable share is paid, not a sum
/// (local rules commonly say 同时符合多项的按最高标准享受，不重复叠加).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassifiedExtra {
    Elderly = 0,
    SevereDisability = 1,
    SeriousIllness = 2,
    Minor = 3,
}

/// What the rules need to know of one member.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFacts {
    pub counted: bool,
    pub age: u32,
    pub no_capacity: Option<NoCapacity>,
    /// Own counted income minus own deductions, never below 0 (fen/month).
    pub own_income: i64,
    /// May apply alone (办法 art. 8): disability grade 1–2, grade 3 intellectual/mental, or serious illness.
    pub separate_ground: bool,
    pub classified_extras: Vec<ClassifiedExtra>,
    /// Unmet self-care items (0–6).
    pub self_care_unmet: u8,
}

/// Whether the supporters outside the household can pay (特困 art. 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supporters {
    /// None listed, or every one listed is unable.
    Unable,
    /// At least one can pay.
    Able,
    /// A supporter's income or assets are needed and were not given.
    Unknown,
}

/// The numbers the rules read, gathered from a situation.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub date: NaiveDate,
    pub counted: i64,
    /// Counted kinds of counted members and the household, before deductions (fen/month).
    pub gross_income: i64,
    pub deductions: i64,
    /// Counted monthly income: gross − deductions, never below 0.
    pub income: i64,
    pub financial: i64,
    pub residential: i64,
    pub non_residential: i64,
    /// Cars and trucks (the vehicles that count).
    pub vehicles: i64,
    pub business: i64,
    pub expenses_annual: i64,
    pub members: Vec<MemberFacts>,
    pub supporters: Supporters,
    pub emergency: Option<Emergency>,
}

/// Whether a member has no capacity to work (art. 5, 24; 2020 意见).
pub fn no_capacity(age: u32, student: Option<Student>, disability: Option<(DisabilityKind, u8)>) -> Option<NoCapacity> {
    if age >= 60 {
        return Some(NoCapacity::Elderly);
    }
    if age < 18 {
        return Some(NoCapacity::Minor);
    }
    if matches!(student, Some(Student::Compulsory | Student::HighSchool | Student::Vocational)) {
        return Some(NoCapacity::Student);
    }
    match disability {
        Some(
            (DisabilityKind::Physical, 1..=2)
            | (DisabilityKind::Visual, 1)
            | (DisabilityKind::Intellectual | DisabilityKind::Mental, 1..=3),
        ) => Some(NoCapacity::Disability),
        _ => None,
    }
}

/// One supporter's inability to pay (art. 8).
pub fn supporter_unable(supporter: &SupporterInput, disposable_income_last_year: i64) -> Option<bool> {
    if supporter.status == Some(SupporterStatus::Tekun) || supporter.incapacitated || supporter.missing || supporter.imprisoned {
        return Some(true);
    }
    let age = supporter.age.unwrap_or(0);
    if supporter.status == Some(SupporterStatus::Dibao) && age >= 60 {
        return Some(true);
    }
    if age >= 70 || supporter.severe_disability {
        return match (supporter.annual_income_per_capita, supporter.assets_within_limits) {
            (Some(income), Some(assets_ok)) => Some(income < disposable_income_last_year && assets_ok),
            (Some(income), None) if income >= disposable_income_last_year => Some(false),
            (_, Some(false)) => Some(false),
            _ => None,
        };
    }
    Some(false)
}

impl Facts {
    /// Gathers the facts of a checked situation.
    pub fn of(s: &Situation, p: &Params) -> Facts {
        let counted_member = |i: Option<usize>| i.is_none_or(|i| s.members[i].counted());
        let gross: i64 = s.income.iter().filter(|(m, k, _)| k.counted() && counted_member(*m)).map(|x| x.2).sum();
        let deductions: i64 = s.deductions.iter().filter(|(m, _, _)| counted_member(*m)).map(|x| x.2).sum();
        let members = s
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let age = m.age_on(s.date);
                let disability = m.disability.map(|d| (d.kind, d.grade));
                let own_income: i64 = s.income.iter().filter(|(who, k, _)| *who == Some(i) && k.counted()).map(|x| x.2).sum();
                let own_deductions: i64 = s.deductions.iter().filter(|(who, _, _)| *who == Some(i)).map(|x| x.2).sum();
                let severe = matches!(disability, Some((_, 1..=2)));
                let mut classified_extras = Vec::new();
                if age >= 60 {
                    classified_extras.push(ClassifiedExtra::Elderly);
                }
                if severe {
                    classified_extras.push(ClassifiedExtra::SevereDisability);
                }
                if m.serious_illness {
                    classified_extras.push(ClassifiedExtra::SeriousIllness);
                }
                if age < 18 {
                    classified_extras.push(ClassifiedExtra::Minor);
                }
                MemberFacts {
                    counted: m.counted(),
                    age,
                    no_capacity: no_capacity(age, m.student, disability),
                    own_income: (own_income - own_deductions).max(0),
                    separate_ground: severe
                        || matches!(disability, Some((DisabilityKind::Intellectual | DisabilityKind::Mental, 3)))
                        || m.serious_illness,
                    classified_extras,
                    self_care_unmet: m.self_care_unmet,
                }
            })
            .collect::<Vec<_>>();
        let mut supporters = Supporters::Unable;
        for supporter in &s.supporters {
            match supporter_unable(supporter, p.disposable_income_last_year) {
                Some(true) => {}
                Some(false) => {
                    supporters = Supporters::Able;
                    break;
                }
                None => supporters = Supporters::Unknown,
            }
        }
        Facts {
            date: s.date,
            counted: members.iter().filter(|m| m.counted).count() as i64,
            gross_income: gross,
            deductions,
            income: (gross - deductions).max(0),
            financial: s.assets.financial,
            residential: s.assets.residential_properties,
            non_residential: s.assets.non_residential_properties,
            vehicles: s.assets.vehicles.iter().filter(|v| matches!(v.kind, VehicleKind::Car | VehicleKind::Truck)).count() as i64,
            business: s.assets.business_registrations,
            expenses_annual: s.expenses.iter().map(|x| x.1).sum(),
            members,
            supporters,
            emergency: s.emergency,
        }
    }
}

/// The property test (办法 art. 14), item by item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetCheck {
    pub financial: bool,
    pub residential: bool,
    pub non_residential: bool,
    pub vehicles: bool,
    pub business: bool,
}

impl AssetCheck {
    pub fn ok(&self) -> bool {
        self.financial && self.residential && self.non_residential && self.vehicles && self.business
    }
}

/// Financial assets per counted member ≤ months × standard; at most the allowed houses; no
/// non-residential property, car, truck or business registration unless allowed.
pub fn assets(f: &Facts, p: &Params) -> AssetCheck {
    AssetCheck {
        financial: i128::from(f.financial) <= i128::from(p.financial_months) * i128::from(p.standard) * i128::from(f.counted.max(1)),
        residential: f.residential <= p.max_residential,
        non_residential: p.non_residential_allowed || f.non_residential == 0,
        vehicles: p.car_allowed || f.vehicles == 0,
        business: p.business_allowed || f.business == 0,
    }
}

/// The gap (补差): standard × members − income when income is strictly below the line, else 0.
/// The one formula that the bulk kernel and the explained path share.
#[inline(always)]
pub fn dibao_gap(members: i64, income: i64, standard: i64) -> i64 {
    let line = standard * members;
    if income < line { line - income } else { 0 }
}

/// 低保 for a household.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dibao {
    /// The whole household qualifies.
    pub household: bool,
    pub gap: i64,
    /// 分类施保 extras, per member index.
    pub classified_extras: Vec<(usize, i64)>,
    /// Raised to the minimum per person.
    pub topped_up: i64,
    /// Members who qualify alone (单人户), with their amounts, when the household does not.
    pub separate: Vec<(usize, i64)>,
    pub amount: i64,
}

/// 低保 (办法 art. 7, 8, 13, 23): the gap plus extras for the household, else 单人户 members alone.
pub fn dibao(f: &Facts, p: &Params, assets_ok: bool) -> Dibao {
    let gap = dibao_gap(f.counted, f.income, p.standard);
    if assets_ok && gap > 0 {
        let classified_extras: Vec<(usize, i64)> = f
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.counted)
            .filter_map(|(i, m)| {
                m.classified_extras.iter().map(|e| p.classified_extra[*e as usize].of(p.standard)).max().filter(|x| *x > 0).map(|x| (i, x))
            })
            .collect();
        let with_extras = gap + classified_extras.iter().map(|x| x.1).sum::<i64>();
        let floor = p.minimum_per_person * f.counted;
        let amount = with_extras.max(floor);
        return Dibao { household: true, gap, classified_extras, topped_up: amount - with_extras, separate: Vec::new(), amount };
    }
    // 单人户 (art. 8): in an edge family, a member with a severe disability or serious illness
    // may apply alone and gets the standard less their own income.
    let mut separate = Vec::new();
    if assets_ok && p.edge_multiplier.lt_times(f.income, f.counted * p.standard) {
        for (i, m) in f.members.iter().enumerate() {
            if m.counted && m.separate_ground {
                let own_gap = dibao_gap(1, m.own_income, p.standard);
                if own_gap > 0 {
                    separate.push((i, own_gap.max(p.minimum_per_person)));
                }
            }
        }
    }
    let amount = separate.iter().map(|x| x.1).sum();
    Dibao { household: false, gap: 0, classified_extras: Vec::new(), topped_up: 0, separate, amount }
}

/// A programme's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Eligible,
    NotEligible,
    NeedsCheck,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Eligible => "eligible",
            Status::NotEligible => "not_eligible",
            Status::NeedsCheck => "needs_check",
        }
    }
}

/// 特困 verdict for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TekunMember {
    NotCounted,
    CanWork,
    OwnIncomeTooHigh,
    OthersCanWork,
    Covered { basic: i64, care: i64 },
}

/// 特困 for a household: the verdict per member and the monthly total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tekun {
    pub status: Status,
    pub members: Vec<TekunMember>,
    pub amount: i64,
}

/// Care level from unmet self-care items (art. 22): 0 → 全自理, 1–3 → 半护理, ≥ 4 → 全护理.
pub fn care_level(unmet: u8) -> usize {
    match unmet {
        0 => 0,
        1..=3 => 1,
        _ => 2,
    }
}

/// 特困 (认定办法 art. 4–8, 21–23): members without capacity to work or means, when no one else in
/// the household can work and no supporter can pay.
pub fn tekun(f: &Facts, p: &Params, assets_ok: bool) -> Tekun {
    let able_members = f.members.iter().filter(|m| m.counted && m.no_capacity.is_none()).count();
    let mut amount = 0;
    let members: Vec<TekunMember> = f
        .members
        .iter()
        .map(|m| {
            if !m.counted {
                TekunMember::NotCounted
            } else if m.no_capacity.is_none() {
                TekunMember::CanWork
            } else if m.own_income >= p.standard {
                TekunMember::OwnIncomeTooHigh
            } else if able_members > 0 {
                TekunMember::OthersCanWork
            } else {
                let (basic, care) = (p.tekun_basic, p.care.map_or(0, |c| c[care_level(m.self_care_unmet)]));
                amount += basic + care;
                TekunMember::Covered { basic, care }
            }
        })
        .collect();
    let anyone_covered = members.iter().any(|m| matches!(m, TekunMember::Covered { .. }));
    let status = if !anyone_covered || !assets_ok || f.supporters == Supporters::Able {
        Status::NotEligible
    } else if f.supporters == Supporters::Unknown || p.care.is_none() {
        Status::NeedsCheck
    } else {
        Status::Eligible
    };
    if status != Status::Eligible {
        amount = 0;
    }
    Tekun { status, members, amount }
}

/// 低保边缘: not 低保 as a household, income strictly below multiplier × standard, assets within limits.
pub fn dibao_edge(f: &Facts, p: &Params, assets_ok: bool, dibao: &Dibao) -> bool {
    !dibao.household && assets_ok && p.edge_multiplier.lt_times(f.income, f.counted * p.standard)
}

/// Per-capita annual income strictly below last year's per-capita disposable income.
pub fn below_disposable_income(f: &Facts, p: &Params) -> bool {
    i128::from(f.income) * 12 < i128::from(p.disposable_income_last_year) * i128::from(f.counted)
}

/// 刚性支出困难: none of the above; income below disposable; assets within limits; past-12-month
/// rigid expenses strictly above ratio × annual counted income.
pub fn rigid_expense(f: &Facts, p: &Params, assets_ok: bool, covered_already: bool) -> bool {
    p.rigid_ratio.is_some_and(|ratio| {
        !covered_already && assets_ok && below_disposable_income(f, p) && ratio.gt_times(f.expenses_annual, f.income * 12)
    })
}

/// 临时救助 for an emergency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Temporary {
    pub need: i64,
    pub cap: i64,
    pub amount: i64,
    pub income_ok: bool,
    pub town_may_approve: bool,
}

/// 临时救助 (暂行办法 art. 47–50): the unmet need up to the cap; `None` without an emergency.
pub fn temporary(f: &Facts, p: &Params) -> Option<Temporary> {
    let emergency = f.emergency?;
    let need = (emergency.cost - emergency.covered).max(0);
    let cap = p.temporary_max.of(p.standard);
    let income_ok = emergency.kind != EmergencyKind::Expense || below_disposable_income(f, p);
    let amount = if income_ok { need.min(cap) } else { 0 };
    // Nothing to pay is nothing to approve: a not-eligible result never tells the town it may approve.
    Some(Temporary { need, cap, amount, income_ok, town_may_approve: income_ok && amount > 0 && amount <= p.town_limit.of(p.standard) })
}
