//! The national rules as code. Each function decides one thing from numbers already
//! gathered ([`Facts`]) and resolved parameters ([`Params`]); the explained path
//! (`explain`) and the bulk path (`bulk`) both call these, so there is one rule, not two.

use crate::params::{Found, Missing, Policies};
use crate::rate::Rate;
use crate::situation::{Emergency, EmergencyKind, Situation, VehicleKind};
use chrono::NaiveDate;
use jiuzhu_domain::{Area, DisabilityKind, Student, SupporterStatus};

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

/// Parameters resolved for one region, date and area, with where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// The 低保 standard of the household's area (fen per person per month).
    pub standard: i64,
    pub area: Area,
    pub financial_months: i64,
    pub max_residential: i64,
    pub non_residential_allowed: bool,
    pub car_allowed: bool,
    pub business_allowed: bool,
    pub minimum_per_person: i64,
    /// 分类施保 shares: elderly, severe disability, serious illness, minor.
    pub extra: [Rate; 4],
    pub edge_multiplier: Rate,
    /// 特困 basic living per person per month (fen), from the multiplier or an amount.
    pub tekun_basic: i64,
    /// Care per month by level: self-care, partial, full. `None` when the region sets no care
    /// standard: 特困 is then `needs_check` (with the missing parameter named), never a zero.
    pub care: Option<[i64; 3]>,
    /// Why `care` is `None`.
    pub care_missing: Option<Missing>,
    pub disposable_income_last_year: i64,
    /// `None` before the 刚性支出困难 rules took effect.
    pub rigid_ratio: Option<Rate>,
    pub temporary_max: Rate,
    pub town_limit: Rate,
    pub gradual_exit_months: i64,
    /// Difficulty-index weights: income, health, education, living, labour.
    pub weights: [i64; 5],
    /// Every value used, for the reasons.
    pub found: Vec<Found>,
    /// The regional (non-national) values used, as results list them.
    pub regional: Vec<Found>,
    /// The warnings every result using these parameters carries (illustrative, unverified, old).
    pub warnings: Vec<String>,
}

impl Params {
    /// Resolves every parameter for `region` on `date` for `area`; `overrides` win.
    pub fn resolve(
        policies: &Policies,
        region: &str,
        date: NaiveDate,
        area: Area,
        overrides: &[(&'static str, i64)],
    ) -> Result<Params, Missing> {
        let mut found = Vec::with_capacity(32);
        let mut get = |name: &'static str| -> Result<i64, Missing> {
            let f = match overrides.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => Found {
                    name,
                    value: *v,
                    region: "override".into(),
                    since: None,
                    reference: "评估请求中给定的参数 / given in the request".into(),
                    confidence: crate::params::Confidence::Official,
                },
                // A statistic a region records only for recent years: the enclosing figure before.
                None if name == "disposable_income_last_year" => policies.lookup_inherited(name, region, date)?,
                None => policies.lookup(name, region, date)?,
            };
            let v = f.value;
            found.push(f);
            Ok(v)
        };
        let standard = get(match area {
            Area::Urban => "dibao.standard.urban",
            Area::Rural => "dibao.standard.rural",
        })?;
        let financial_months = get("dibao.assets.financial_months_per_capita")?;
        let max_residential = get("dibao.assets.max_residential_properties")?;
        let non_residential_allowed = get("dibao.assets.non_residential_allowed")? != 0;
        let car_allowed = get("dibao.assets.car_allowed")? != 0;
        let business_allowed = get("dibao.assets.business_allowed")? != 0;
        let minimum_per_person = get("dibao.minimum_per_person")?;
        let extra = [
            Rate(get("dibao.classified_extra.elderly")?),
            Rate(get("dibao.classified_extra.severe_disability")?),
            Rate(get("dibao.classified_extra.serious_illness")?),
            Rate(get("dibao.classified_extra.minor")?),
        ];
        let edge_multiplier = Rate(get("dibao_edge.multiplier")?);
        // An amount for the area, then an amount for both areas, where the region sets one, wins
        // over the multiplier.
        let area_basic = match area {
            Area::Urban => "tekun.basic_monthly.urban",
            Area::Rural => "tekun.basic_monthly.rural",
        };
        // A value given in the request wins over region data, whichever of the three it is.
        let overridden =
            [area_basic, "tekun.basic_monthly", "tekun.basic_multiplier"].into_iter().find(|name| overrides.iter().any(|(n, _)| n == name));
        let tekun_basic = match overridden {
            Some("tekun.basic_multiplier") => Rate(get("tekun.basic_multiplier")?).of(standard),
            Some(name) => get(name)?,
            None => match get(area_basic) {
                Ok(v) => v,
                Err(Missing { earliest: None, .. }) => match get("tekun.basic_monthly") {
                    Ok(v) => v,
                    Err(Missing { earliest: None, .. }) => Rate(get("tekun.basic_multiplier")?).of(standard),
                    Err(m) => return Err(m),
                },
                Err(m) => return Err(m),
            },
        };
        // Care standards are local and have no national default. A region without them can still
        // assess every other programme; 特困 says which value is missing.
        let (care, care_missing) = match (get("tekun.care.self_care"), get("tekun.care.partial"), get("tekun.care.full")) {
            (Ok(a), Ok(b), Ok(c)) => (Some([a, b, c]), None),
            (a, b, c) => (None, [a.err(), b.err(), c.err()].into_iter().flatten().next()),
        };
        let disposable_income_last_year = get("disposable_income_last_year")?;
        // 刚性支出困难 exists from the day its 办法 took effect (2025-01-01); before that the
        // programme does not apply (`None`), which is not the same as a missing standard.
        let rigid_ratio = match get("rigid_expense.ratio") {
            Ok(v) => Some(Rate(v)),
            Err(Missing { earliest: Some(first), .. }) if first > date => None,
            Err(m) => return Err(m),
        };
        let temporary_max = Rate(get("temporary.max_multiple")?);
        let town_limit = Rate(get("temporary.town_limit_multiple")?);
        let gradual_exit_months = get("gradual_exit.months")?;
        let weights = [
            get("difficulty.weight.income")?,
            get("difficulty.weight.health")?,
            get("difficulty.weight.education")?,
            get("difficulty.weight.living")?,
            get("difficulty.weight.labour")?,
        ];
        Ok(Params {
            standard,
            area,
            financial_months,
            max_residential,
            non_residential_allowed,
            car_allowed,
            business_allowed,
            minimum_per_person,
            extra,
            edge_multiplier,
            tekun_basic,
            care,
            care_missing,
            disposable_income_last_year,
            rigid_ratio,
            temporary_max,
            town_limit,
            gradual_exit_months,
            weights,
            regional: found.iter().filter(|f| !f.region.is_empty()).cloned().collect(),
            warnings: crate::explain::parameter_warnings(&found, date),
            found,
        })
    }

    /// Where a value came from (for the reasons).
    pub fn source(&self, name: &str) -> Option<&Found> {
        self.found.iter().find(|f| f.name == name)
    }
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
pub enum Extra {
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
    pub extras: Vec<Extra>,
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
pub fn supporter_unable(s: &crate::situation::SupporterInput, disposable_income_last_year: i64) -> Option<bool> {
    if s.status == Some(SupporterStatus::Tekun) || s.incapacitated || s.missing || s.imprisoned {
        return Some(true);
    }
    let age = s.age.unwrap_or(0);
    if s.status == Some(SupporterStatus::Dibao) && age >= 60 {
        return Some(true);
    }
    if age >= 70 || s.severe_disability {
        return match (s.annual_income_per_capita, s.assets_within_limits) {
            (Some(inc), Some(assets)) => Some(inc < disposable_income_last_year && assets),
            (Some(inc), None) if inc >= disposable_income_last_year => Some(false),
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
                let d = m.disability.map(|d| (d.kind, d.grade));
                let own_in: i64 = s.income.iter().filter(|(w, k, _)| *w == Some(i) && k.counted()).map(|x| x.2).sum();
                let own_out: i64 = s.deductions.iter().filter(|(w, _, _)| *w == Some(i)).map(|x| x.2).sum();
                let severe = matches!(d, Some((_, 1..=2)));
                let mut extras = Vec::new();
                if age >= 60 {
                    extras.push(Extra::Elderly);
                }
                if severe {
                    extras.push(Extra::SevereDisability);
                }
                if m.serious_illness {
                    extras.push(Extra::SeriousIllness);
                }
                if age < 18 {
                    extras.push(Extra::Minor);
                }
                MemberFacts {
                    counted: m.counted(),
                    age,
                    no_capacity: no_capacity(age, m.student, d),
                    own_income: (own_in - own_out).max(0),
                    separate_ground: severe
                        || matches!(d, Some((DisabilityKind::Intellectual | DisabilityKind::Mental, 3)))
                        || m.serious_illness,
                    extras,
                    self_care_unmet: m.self_care_unmet,
                }
            })
            .collect::<Vec<_>>();
        let mut supporters = Supporters::Unable;
        for sup in &s.supporters {
            match supporter_unable(sup, p.disposable_income_last_year) {
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
    pub extras: Vec<(usize, i64)>,
    /// Raised to the minimum per person.
    pub topped_up: i64,
    /// Members who qualify alone (单人户), with their amounts, when the household does not.
    pub separate: Vec<(usize, i64)>,
    pub amount: i64,
}

pub fn dibao(f: &Facts, p: &Params, assets_ok: bool) -> Dibao {
    let gap = dibao_gap(f.counted, f.income, p.standard);
    if assets_ok && gap > 0 {
        let extras: Vec<(usize, i64)> = f
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.counted)
            .filter_map(|(i, m)| m.extras.iter().map(|e| p.extra[*e as usize].of(p.standard)).max().filter(|x| *x > 0).map(|x| (i, x)))
            .collect();
        let with_extras = gap + extras.iter().map(|x| x.1).sum::<i64>();
        let floor = p.minimum_per_person * f.counted;
        let amount = with_extras.max(floor);
        return Dibao { household: true, gap, extras, topped_up: amount - with_extras, separate: Vec::new(), amount };
    }
    // 单人户 (art. 8): in an edge family, a member with a severe disability or serious illness
    // may apply alone and gets the standard less their own income.
    let mut separate = Vec::new();
    if assets_ok && p.edge_multiplier.lt_times(f.income, f.counted * p.standard) {
        for (i, m) in f.members.iter().enumerate() {
            if m.counted && m.separate_ground {
                let own = dibao_gap(1, m.own_income, p.standard);
                if own > 0 {
                    separate.push((i, own.max(p.minimum_per_person)));
                }
            }
        }
    }
    let amount = separate.iter().map(|x| x.1).sum();
    Dibao { household: false, gap: 0, extras: Vec::new(), topped_up: 0, separate, amount }
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
    let any = members.iter().any(|m| matches!(m, TekunMember::Covered { .. }));
    let status = if !any || !assets_ok || f.supporters == Supporters::Able {
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
pub fn edge(f: &Facts, p: &Params, assets_ok: bool, d: &Dibao) -> bool {
    !d.household && assets_ok && p.edge_multiplier.lt_times(f.income, f.counted * p.standard)
}

/// Per-capita annual income strictly below last year's per-capita disposable income.
pub fn below_disposable(f: &Facts, p: &Params) -> bool {
    i128::from(f.income) * 12 < i128::from(p.disposable_income_last_year) * i128::from(f.counted)
}

/// 刚性支出困难: none of the above; income below disposable; assets within limits; past-12-month
/// rigid expenses strictly above ratio × annual counted income.
pub fn rigid(f: &Facts, p: &Params, assets_ok: bool, covered_already: bool) -> bool {
    p.rigid_ratio
        .is_some_and(|ratio| !covered_already && assets_ok && below_disposable(f, p) && ratio.gt_times(f.expenses_annual, f.income * 12))
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

pub fn temporary(f: &Facts, p: &Params) -> Option<Temporary> {
    let e = f.emergency?;
    let need = (e.cost - e.covered).max(0);
    let cap = p.temporary_max.of(p.standard);
    let income_ok = e.kind != EmergencyKind::Expense || below_disposable(f, p);
    let amount = if income_ok { need.min(cap) } else { 0 };
    Some(Temporary { need, cap, amount, income_ok, town_may_approve: amount <= p.town_limit.of(p.standard) })
}
