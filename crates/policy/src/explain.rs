//! The explained assessment (assess-v1.md result): statuses, amounts, and every reason in words
//! a window clerk can read to the applicant, with its legal reference and the values it used.

use crate::index::{DifficultyIndex, difficulty_index};
use crate::params::{Confidence, Found, Missing, Policies};
use crate::rules::{self, Dibao, Facts, Params, Status, Supporters, Tekun, TekunMember, law};
use crate::situation::Situation;
use jiuzhu_domain::Fen;
use serde::Serialize;

/// 救助项目
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Programme {
    Dibao,
    Tekun,
    DibaoEdge,
    RigidExpense,
    Temporary,
}

impl Programme {
    pub const ALL: [Programme; 5] =
        [Programme::Dibao, Programme::Tekun, Programme::DibaoEdge, Programme::RigidExpense, Programme::Temporary];
    pub fn as_str(self) -> &'static str {
        match self {
            Programme::Dibao => "dibao",
            Programme::Tekun => "tekun",
            Programme::DibaoEdge => "dibao_edge",
            Programme::RigidExpense => "rigid_expense",
            Programme::Temporary => "temporary",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Programme::Dibao => "最低生活保障（低保）",
            Programme::Tekun => "特困人员救助供养",
            Programme::DibaoEdge => "低保边缘家庭",
            Programme::RigidExpense => "刚性支出困难家庭",
            Programme::Temporary => "临时救助",
        }
    }
}

/// One reason: what was found, in Chinese (and English), with the rule's reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: &'static str,
    pub text: String,
    pub text_en: String,
    pub reference: &'static str,
    /// The figures the reason used (fen, counts, rates as decimals), by name.
    pub values: Values,
}

/// A reason's figures: a small ordered map serialised as a JSON object, built without
/// allocating keys (a result has a dozen reasons; this is the interactive path).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Values(pub Vec<(&'static str, Figure)>);

#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Int(i64),
    Text(String),
}

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            match v {
                Figure::Int(i) => m.serialize_entry(k, i)?,
                Figure::Text(t) => m.serialize_entry(k, t)?,
            }
        }
        m.end()
    }
}

impl Values {
    pub fn get(&self, key: &str) -> Option<&Figure> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

macro_rules! impl_int_figure {
    ($($t:ty),*) => { $(impl From<&$t> for Figure { fn from(v: &$t) -> Figure { Figure::Int(*v as i64) } })* };
}
impl_int_figure!(i64, u32, u8, usize);
impl From<&&i64> for Figure {
    fn from(v: &&i64) -> Figure {
        Figure::Int(**v)
    }
}
impl From<&String> for Figure {
    fn from(v: &String) -> Figure {
        Figure::Text(v.clone())
    }
}
impl From<&&String> for Figure {
    fn from(v: &&String) -> Figure {
        Figure::Text((*v).clone())
    }
}
impl From<&crate::situation::EmergencyKind> for Figure {
    fn from(v: &crate::situation::EmergencyKind) -> Figure {
        Figure::Text(serde_json::to_value(v).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default())
    }
}

macro_rules! vals {
    ($($k:literal => $v:expr),* $(,)?) => { Values(vec![$(($k, Figure::from(&$v))),*]) };
}

fn reason(code: &'static str, reference: &'static str, text: String, text_en: String, values: Values) -> Reason {
    Reason { code, text, text_en, reference, values }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeResult {
    pub programme: Programme,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    pub members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub town_may_approve: Option<bool>,
    /// Already received (已享受), from the situation's `receiving`.
    pub receiving: bool,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdResult {
    pub members_counted: i64,
    pub monthly_income: i64,
    pub per_capita_monthly_income: i64,
    pub assets_ok: bool,
    pub gross_monthly_income: i64,
    pub deductions: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referral {
    pub to: &'static str,
    pub to_zh: &'static str,
    pub reason: String,
}

/// Which programme to grant when more than one applies (特困 usually takes precedence).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub programme: Programme,
    pub text: String,
}

/// The result of assess-v1.md.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub region: String,
    pub date: String,
    pub area: jiuzhu_domain::Area,
    pub household: HouseholdResult,
    pub programmes: Vec<ProgrammeResult>,
    pub referrals: Vec<Referral>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
    pub difficulty_index: DifficultyIndex,
    /// The regional (and overridden) parameters used, with the notice each came from; the
    /// national defaults are cited by the reasons' references.
    pub parameters: Vec<Found>,
    /// Parameters used that are not from an official notice (shown on every page that shows this).
    pub warnings: Vec<String>,
}

impl Assessment {
    pub fn programme(&self, p: Programme) -> &ProgrammeResult {
        self.programmes.iter().find(|x| x.programme == p).expect("all five are always present")
    }
}

/// An amount shown as 元 without allocating (reasons format many of them).
#[derive(Clone, Copy)]
struct Yuan(i64);

impl std::fmt::Display for Yuan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}元", Fen(self.0))
    }
}

fn yuan(f: i64) -> Yuan {
    Yuan(f)
}

fn names(s: &Situation, idx: impl IntoIterator<Item = usize>) -> Vec<String> {
    idx.into_iter().map(|i| s.members[i].id.clone()).collect()
}

/// Assesses one situation with the given parameter files.
pub fn assess(s: &Situation, policies: &Policies) -> Result<Assessment, Missing> {
    if s.overrides.is_empty() {
        let p = policies.resolved(&s.region, s.date, s.area)?;
        return Ok(assess_with(s, &p));
    }
    let p = Params::resolve(policies, &s.region, s.date, s.area, &s.overrides)?;
    Ok(assess_with(s, &p))
}

/// Assesses one situation with parameters already resolved.
pub fn assess_with(s: &Situation, p: &Params) -> Assessment {
    let f = Facts::of(s, p);
    let a = rules::assets(&f, p);
    let assets_ok = a.ok();
    let d = rules::dibao(&f, p, assets_ok);
    let t = rules::tekun(&f, p, assets_ok);
    let edge = rules::edge(&f, p, assets_ok, &d);
    let dibao_any = d.household || !d.separate.is_empty();
    let rigid = rules::rigid(&f, p, assets_ok, dibao_any || t.status == Status::Eligible || edge);
    let temp = rules::temporary(&f, p);
    let counted_idx: Vec<usize> = (0..s.members.len()).filter(|i| f.members[*i].counted).collect();
    let receiving = |prog: Programme| s.receiving.iter().any(|r| r == prog.as_str());

    let income_reason = income_reason(&f, p);
    let asset_reasons = asset_reasons(&f, p, &a);
    let no_members = f.counted == 0;

    let mut programmes = Vec::with_capacity(5);
    // 低保
    let mut rs = vec![membership_reason(s, &f), income_reason.clone()];
    rs.extend(asset_reasons.iter().cloned());
    rs.extend(dibao_reasons(s, &f, p, &d, assets_ok));
    programmes.push(ProgrammeResult {
        programme: Programme::Dibao,
        status: if no_members {
            Status::NeedsCheck
        } else if dibao_any {
            Status::Eligible
        } else {
            Status::NotEligible
        },
        monthly_amount: Some(d.amount),
        amount: None,
        members: if d.household { names(s, counted_idx.iter().copied()) } else { names(s, d.separate.iter().map(|x| x.0)) },
        town_may_approve: None,
        receiving: receiving(Programme::Dibao),
        reasons: rs,
    });
    // 特困
    let mut rs = tekun_reasons(s, &f, p, &t);
    if !assets_ok {
        rs.extend(asset_reasons.iter().cloned());
    }
    programmes.push(ProgrammeResult {
        programme: Programme::Tekun,
        status: if no_members { Status::NeedsCheck } else { t.status },
        monthly_amount: Some(t.amount),
        amount: None,
        members: if t.status == Status::NotEligible {
            Vec::new()
        } else {
            names(s, t.members.iter().enumerate().filter(|(_, m)| matches!(m, TekunMember::Covered { .. })).map(|x| x.0))
        },
        town_may_approve: None,
        receiving: receiving(Programme::Tekun),
        reasons: rs,
    });
    // 低保边缘
    let line = p.edge_multiplier.of(p.standard * f.counted);
    let (code, text, en) = if d.household {
        (
            "dibao_eligible",
            "家庭符合低保条件，不再认定为低保边缘家庭".to_string(),
            "the household qualifies for dibao, so it is not an edge family".to_string(),
        )
    } else if !assets_ok {
        ("assets_over_limit", "家庭财产不符合规定".to_string(), "property is over the limits".to_string())
    } else if edge {
        (
            "income_below_edge_line",
            format!("家庭月收入{}低于低保标准{}倍之和{}，财产符合规定", yuan(f.income), p.edge_multiplier, yuan(line)),
            format!(
                "monthly income {} is below {}× the standard for {} members ({})",
                yuan(f.income),
                p.edge_multiplier,
                f.counted,
                yuan(line)
            ),
        )
    } else {
        (
            "income_not_below_edge_line",
            format!("家庭月收入{}不低于低保标准{}倍之和{}", yuan(f.income), p.edge_multiplier, yuan(line)),
            format!("monthly income {} is not below {}× the standard ({})", yuan(f.income), p.edge_multiplier, yuan(line)),
        )
    };
    programmes.push(ProgrammeResult {
        programme: Programme::DibaoEdge,
        status: if no_members {
            Status::NeedsCheck
        } else if edge {
            Status::Eligible
        } else {
            Status::NotEligible
        },
        monthly_amount: None,
        amount: None,
        members: if edge { names(s, counted_idx.iter().copied().filter(|i| !d.separate.iter().any(|x| x.0 == *i))) } else { Vec::new() },
        town_may_approve: None,
        receiving: receiving(Programme::DibaoEdge),
        reasons: vec![reason(
            code,
            law::EDGE,
            text,
            en,
            vals!["monthly_income" => f.income, "standard" => p.standard, "multiplier" => p.edge_multiplier.to_string(), "edge_line" => line, "members_counted" => f.counted],
        )],
    });
    // 刚性支出困难
    programmes.push(ProgrammeResult {
        programme: Programme::RigidExpense,
        status: if no_members {
            Status::NeedsCheck
        } else if rigid {
            Status::Eligible
        } else {
            Status::NotEligible
        },
        monthly_amount: None,
        amount: None,
        members: if rigid { names(s, counted_idx.iter().copied()) } else { Vec::new() },
        town_may_approve: None,
        receiving: receiving(Programme::RigidExpense),
        reasons: rigid_reasons(&f, p, assets_ok, dibao_any || t.status == Status::Eligible || edge),
    });
    // 临时救助
    let (status, amount, tma, rs) = temporary_result(&f, p, temp);
    programmes.push(ProgrammeResult {
        programme: Programme::Temporary,
        status,
        monthly_amount: None,
        amount: Some(amount),
        members: if status == Status::Eligible { names(s, counted_idx.iter().copied()) } else { Vec::new() },
        town_may_approve: tma,
        receiving: receiving(Programme::Temporary),
        reasons: rs,
    });

    let recommendation = (t.status == Status::Eligible && dibao_any).then(|| Recommendation {
        programme: Programme::Tekun,
        text: "同时符合特困和低保条件：一般优先认定为特困人员（特困人员不再重复享受低保）；由审批机关结合本人意愿确定".into(),
    });
    let referrals = referrals(s, &f, dibao_any || t.status == Status::Eligible || edge || rigid);
    let difficulty_index = difficulty_index(s, &f, p);
    Assessment {
        region: s.region.clone(),
        date: s.date.to_string(),
        area: s.area,
        household: HouseholdResult {
            members_counted: f.counted,
            monthly_income: f.income,
            per_capita_monthly_income: if f.counted > 0 { f.income / f.counted } else { 0 },
            assets_ok,
            gross_monthly_income: f.gross_income,
            deductions: f.deductions,
        },
        programmes,
        referrals,
        recommendation,
        difficulty_index,
        parameters: p.regional.to_vec(),
        warnings: p.warnings.to_vec(),
    }
}

fn membership_reason(s: &Situation, f: &Facts) -> Reason {
    let out: Vec<String> = s
        .members
        .iter()
        .filter(|m| !m.counted())
        .map(|m| format!("{}（{}）", m.id, m.excluded.map(|x| x.zh()).unwrap_or("不共同生活")))
        .collect();
    let (text, en) = if out.is_empty() {
        (format!("共同生活的家庭成员{}人，全部计入", f.counted), format!("{} members live together and are all counted", f.counted))
    } else {
        (
            format!("计入家庭成员{}人；不计入：{}", f.counted, out.join("、")),
            format!("{} members counted; not counted: {}", f.counted, out.join(", ")),
        )
    };
    reason("members_counted", law::DIBAO_MEMBERS, text, en, vals!["members_counted" => f.counted])
}

fn income_reason(f: &Facts, p: &Params) -> Reason {
    let line = p.standard * f.counted;
    let below = f.income < line;
    let ded = if f.deductions > 0 {
        format!("（收入{}，扣减就业成本及医疗康复支出{}）", yuan(f.gross_income), yuan(f.deductions))
    } else {
        String::new()
    };
    reason(
        if below { "income_below_standard" } else { "income_not_below_standard" },
        law::DIBAO_INCOME,
        format!(
            "家庭月收入{}{ded}，{}人，人均{}；当地{}低保标准{}/人·月，{}",
            yuan(f.income),
            f.counted,
            yuan(if f.counted > 0 { f.income / f.counted } else { 0 }),
            p.area.zh(),
            yuan(p.standard),
            if below { "人均收入低于标准" } else { "人均收入不低于标准" }
        ),
        format!(
            "counted monthly income {} for {} members; the {} standard is {} per person, so income is {} the line of {}",
            yuan(f.income),
            f.counted,
            p.area.as_str(),
            yuan(p.standard),
            if below { "below" } else { "not below" },
            yuan(line)
        ),
        vals!["monthly_income" => f.income, "members_counted" => f.counted, "standard" => p.standard, "line" => line],
    )
}

fn asset_reasons(f: &Facts, p: &Params, a: &rules::AssetCheck) -> Vec<Reason> {
    let limit = p.financial_months * p.standard * f.counted.max(1);
    let mut out = Vec::new();
    if !a.financial {
        out.push(reason(
            "financial_assets_over_limit",
            law::DIBAO_ASSETS,
            format!("金融资产{}超过上限{}（人均{}个月低保标准）", yuan(f.financial), yuan(limit), p.financial_months),
            format!(
                "financial assets {} exceed the limit {} ({} months of the standard per person)",
                yuan(f.financial),
                yuan(limit),
                p.financial_months
            ),
            vals!["financial" => f.financial, "financial_limit" => limit],
        ));
    }
    if !a.residential {
        out.push(reason(
            "too_many_houses",
            law::DIBAO_ASSETS,
            format!("住房{}套，超过{}套", f.residential, p.max_residential),
            format!("{} houses, more than {}", f.residential, p.max_residential),
            vals!["residential" => f.residential, "max_residential" => p.max_residential],
        ));
    }
    if !a.non_residential {
        out.push(reason(
            "non_residential_property",
            law::DIBAO_ASSETS,
            format!("拥有非住宅房产{}处", f.non_residential),
            format!("owns {} non-residential properties", f.non_residential),
            vals!["non_residential" => f.non_residential],
        ));
    }
    if !a.vehicles {
        out.push(reason(
            "motor_vehicle",
            law::DIBAO_ASSETS,
            format!("拥有机动车{}辆（小汽车或货车）", f.vehicles),
            format!("owns {} cars or trucks", f.vehicles),
            vals!["vehicles" => f.vehicles],
        ));
    }
    if !a.business {
        out.push(reason(
            "business_registration",
            law::DIBAO_ASSETS,
            format!("有工商登记{}户", f.business),
            format!("{} business registrations", f.business),
            vals!["business" => f.business],
        ));
    }
    if out.is_empty() {
        out.push(reason(
            "assets_within_limits",
            law::DIBAO_ASSETS,
            format!("财产符合规定：金融资产{}不超过{}，住房{}套", yuan(f.financial), yuan(limit), f.residential),
            format!("property within the limits: financial assets {} ≤ {}, {} houses", yuan(f.financial), yuan(limit), f.residential),
            vals!["financial" => f.financial, "financial_limit" => limit, "residential" => f.residential],
        ));
    }
    out
}

fn dibao_reasons(s: &Situation, f: &Facts, p: &Params, d: &Dibao, assets_ok: bool) -> Vec<Reason> {
    let mut out = Vec::new();
    if d.household {
        out.push(reason(
            "gap_amount",
            law::DIBAO_AMOUNT,
            format!("按差额发放：{}×{}人−{} = {}", yuan(p.standard), f.counted, yuan(f.income), yuan(d.gap)),
            format!("the gap: {} × {} − {} = {}", yuan(p.standard), f.counted, yuan(f.income), yuan(d.gap)),
            vals!["standard" => p.standard, "members_counted" => f.counted, "monthly_income" => f.income, "gap" => d.gap],
        ));
        for (i, x) in &d.extras {
            out.push(reason(
                "classified_extra",
                law::DIBAO_CLASSIFIED,
                format!("分类施保：{}增发{}（按最高一项）", s.members[*i].id, yuan(*x)),
                format!("classified extra for {}: {} (the highest category)", s.members[*i].id, yuan(*x)),
                vals!["member" => s.members[*i].id, "amount" => x],
            ));
        }
        if d.topped_up > 0 {
            out.push(reason(
                "minimum_per_person",
                law::DIBAO_AMOUNT,
                format!("低于最低保障额，按每人{}补足至{}", yuan(p.minimum_per_person), yuan(d.amount)),
                format!("raised to the minimum of {} per person: {}", yuan(p.minimum_per_person), yuan(d.amount)),
                vals!["minimum_per_person" => p.minimum_per_person, "amount" => d.amount],
            ));
        }
    } else if !d.separate.is_empty() {
        for (i, x) in &d.separate {
            out.push(reason(
                "separate_application",
                law::DIBAO_SEPARATE,
                format!(
                    "家庭属低保边缘家庭，{}为重度残疾或重病，可单独申请（单人户）：{}−本人收入{} = {}",
                    s.members[*i].id,
                    yuan(p.standard),
                    yuan(f.members[*i].own_income),
                    yuan(*x)
                ),
                format!(
                    "{} (severe disability or serious illness in an edge family) may apply alone: {} − own income {} = {}",
                    s.members[*i].id,
                    yuan(p.standard),
                    yuan(f.members[*i].own_income),
                    yuan(*x)
                ),
                vals!["member" => s.members[*i].id, "standard" => p.standard, "own_income" => f.members[*i].own_income, "amount" => x],
            ));
        }
    } else if assets_ok && f.members.iter().any(|m| m.counted && m.separate_ground) {
        out.push(reason(
            "separate_not_applicable",
            law::DIBAO_SEPARATE,
            "有重度残疾或重病成员，但家庭人均收入不低于低保边缘标准（或本人收入不低于低保标准），不能单独申请".into(),
            "a member has a severe disability or serious illness, but the household is above the edge line (or their own income is not below the standard)".into(),
            vals![],
        ));
    }
    out
}

fn tekun_reasons(s: &Situation, f: &Facts, p: &Params, t: &Tekun) -> Vec<Reason> {
    let mut out = Vec::new();
    for (i, m) in t.members.iter().enumerate() {
        let id = &s.members[i].id;
        let mf = &f.members[i];
        let r = match m {
            TekunMember::NotCounted => continue,
            TekunMember::CanWork => reason(
                "has_capacity_to_work",
                law::TEKUN_NO_WORK,
                format!("{id}（{}岁）不属于无劳动能力（非老年人、未成年人、在校学生或相应等级残疾人）", mf.age),
                format!("{id} (age {}) is not without capacity to work", mf.age),
                vals!["member" => id, "age" => mf.age],
            ),
            TekunMember::OwnIncomeTooHigh => reason(
                "own_income_not_below_standard",
                law::TEKUN_NO_MEANS,
                format!("{id}本人收入{}不低于低保标准{}，不属于无生活来源", yuan(mf.own_income), yuan(p.standard)),
                format!("{id}'s own income {} is not below the standard {}", yuan(mf.own_income), yuan(p.standard)),
                vals!["member" => id, "own_income" => mf.own_income, "standard" => p.standard],
            ),
            TekunMember::OthersCanWork => reason(
                "household_member_can_work",
                law::TEKUN_CONDITIONS,
                format!("{id}无劳动能力，但共同生活的其他家庭成员有劳动能力（负有赡养、扶养义务）"),
                format!("{id} cannot work, but another member of the household can (and owes support)"),
                vals!["member" => id],
            ),
            TekunMember::Covered { basic, .. } if p.care.is_none() => reason(
                "tekun_member_care_unknown",
                law::TEKUN_AMOUNT,
                format!("{id}（{}岁）无劳动能力、无生活来源：基本生活标准{}；照料护理标准未设定，金额待定", mf.age, yuan(*basic)),
                format!(
                    "{id} (age {}) cannot work and has no means: basic {}; no care standard is set, so the amount is pending",
                    mf.age,
                    yuan(*basic)
                ),
                vals!["member" => id, "age" => mf.age, "basic" => basic, "self_care_unmet" => mf.self_care_unmet],
            ),
            TekunMember::Covered { basic, care } => {
                let level = ["全自理", "半护理", "全护理"][rules::care_level(mf.self_care_unmet)];
                reason(
                    "tekun_member",
                    law::TEKUN_AMOUNT,
                    format!(
                        "{id}（{}岁）无劳动能力、无生活来源：基本生活标准{} + 照料护理（{level}，{}项不能自理）{} = {}",
                        mf.age,
                        yuan(*basic),
                        mf.self_care_unmet,
                        yuan(*care),
                        yuan(basic + care)
                    ),
                    format!(
                        "{id} (age {}) cannot work and has no means: basic {} + care ({} unmet items) {} = {}",
                        mf.age,
                        yuan(*basic),
                        mf.self_care_unmet,
                        yuan(*care),
                        yuan(basic + care)
                    ),
                    vals!["member" => id, "age" => mf.age, "basic" => basic, "care" => care, "self_care_unmet" => mf.self_care_unmet],
                )
            }
        };
        out.push(r);
    }
    if let Some(m) = p.care_missing.as_ref().filter(|_| t.members.iter().any(|m| matches!(m, TekunMember::Covered { .. }))) {
        out.push(reason(
            "care_standard_missing",
            law::TEKUN_AMOUNT,
            format!("无法计算照料护理金额，需核实：{}", m.zh()),
            format!("the care amount cannot be computed: {}", m.en()),
            vals![],
        ));
    }
    let (code, text, en) = match f.supporters {
        Supporters::Unable if s.supporters.is_empty() => {
            ("no_supporter", "无法定赡养、抚养、扶养义务人".to_string(), "no legally obliged supporter".to_string())
        }
        Supporters::Unable => (
            "supporters_unable",
            "法定义务人均无赡养、抚养、扶养能力".to_string(),
            "every legally obliged supporter is unable to pay".to_string(),
        ),
        Supporters::Able => (
            "supporter_able",
            "有具备赡养、抚养、扶养能力的法定义务人".to_string(),
            "a legally obliged supporter is able to pay".to_string(),
        ),
        Supporters::Unknown => (
            "supporter_needs_check",
            "需核实法定义务人（70岁以上或重度残疾）的收入和财产后才能判断其履行能力".to_string(),
            "a supporter aged 70+ or severely disabled: their income and property must be checked".to_string(),
        ),
    };
    out.push(reason(
        code,
        law::TEKUN_SUPPORTERS,
        text,
        en,
        vals!["disposable_income_last_year" => p.disposable_income_last_year, "supporters" => s.supporters.len()],
    ));
    out
}

fn rigid_reasons(f: &Facts, p: &Params, assets_ok: bool, covered: bool) -> Vec<Reason> {
    let annual = f.income * 12;
    let Some(ratio) = p.rigid_ratio else {
        return vec![reason(
            "rigid_expense_not_in_force",
            law::RIGID,
            "《刚性支出困难家庭认定办法》自2025年1月1日起施行，评估日期之前不适用".into(),
            "the rigid-expense rules took effect on 2025-01-01 and do not apply before".into(),
            vals![],
        )];
    };
    let v = vals!["annual_income" => annual, "disposable_income_last_year" => p.disposable_income_last_year, "members_counted" => f.counted, "expenses_annual" => f.expenses_annual, "ratio" => ratio.to_string()];
    let (code, text, en) = if covered {
        (
            "covered_by_other_programme",
            "已符合低保、特困或低保边缘条件，不再认定刚性支出困难".to_string(),
            "already qualifies for dibao, tekun or edge".to_string(),
        )
    } else if !assets_ok {
        ("assets_over_limit", "家庭财产不符合规定".to_string(), "property is over the limits".to_string())
    } else if !rules::below_disposable(f, p) {
        (
            "income_not_below_disposable",
            format!("家庭年收入{}不低于上年人均可支配收入{}×{}人", yuan(annual), yuan(p.disposable_income_last_year), f.counted),
            format!(
                "annual income {} is not below last year's disposable income {} × {}",
                yuan(annual),
                yuan(p.disposable_income_last_year),
                f.counted
            ),
        )
    } else if ratio.gt_times(f.expenses_annual, annual) {
        (
            "rigid_expense_over_ratio",
            format!(
                "近12个月刚性支出{}超过家庭年收入{}的{}，且人均收入低于上年人均可支配收入",
                yuan(f.expenses_annual),
                yuan(annual),
                ratio
            ),
            format!("rigid spending {} exceeds {} of annual income {}", yuan(f.expenses_annual), ratio, yuan(annual)),
        )
    } else {
        (
            "rigid_expense_not_over_ratio",
            format!("近12个月刚性支出{}未超过家庭年收入{}的{}", yuan(f.expenses_annual), yuan(annual), ratio),
            format!("rigid spending {} does not exceed {} of annual income {}", yuan(f.expenses_annual), ratio, yuan(annual)),
        )
    };
    vec![reason(code, law::RIGID, text, en, v)]
}

fn temporary_result(f: &Facts, p: &Params, t: Option<rules::Temporary>) -> (Status, i64, Option<bool>, Vec<Reason>) {
    let Some(t) = t else {
        return (
            Status::NotEligible,
            0,
            None,
            vec![reason(
                "no_emergency",
                law::TEMPORARY,
                "未申报急难情形或支出型困难".into(),
                "no emergency or exceptional expense given".into(),
                vals![],
            )],
        );
    };
    let e = f.emergency.expect("temporary has an emergency");
    let town = p.town_limit.of(p.standard);
    let v = vals!["kind" => e.kind, "cost" => e.cost, "covered" => e.covered, "need" => t.need, "cap" => t.cap, "town_limit" => town, "amount" => t.amount];
    if !t.income_ok {
        return (
            Status::NotEligible,
            0,
            Some(false),
            vec![reason(
                "expense_income_not_below_disposable",
                law::TEMPORARY,
                format!("支出型临时救助要求家庭人均收入低于上年人均可支配收入{}，本户不符合", yuan(p.disposable_income_last_year)),
                format!("expense-type assistance needs per-capita income below {}", yuan(p.disposable_income_last_year)),
                v,
            )],
        );
    }
    if t.amount == 0 {
        return (
            Status::NotEligible,
            0,
            Some(true),
            vec![reason("no_unmet_need", law::TEMPORARY, "费用已全部由保险或其他救助覆盖".into(), "the cost is fully covered".into(), v)],
        );
    }
    let capped = if t.need > t.cap {
        format!("，超过上限按{}倍月低保标准{}封顶", p.temporary_max, yuan(t.cap))
    } else {
        String::new()
    };
    let who = if t.town_may_approve {
        format!("不超过{}（{}倍月标准），乡镇可直接审批", yuan(town), p.town_limit)
    } else {
        format!("超过{}，须报县级审批", yuan(town))
    };
    (
        Status::Eligible,
        t.amount,
        Some(t.town_may_approve),
        vec![reason(
            "temporary_amount",
            law::TEMPORARY,
            format!(
                "{}：费用{}，已报销或赔付{}，缺口{}{capped}；救助{}，{who}",
                e.kind.zh(),
                yuan(e.cost),
                yuan(e.covered),
                yuan(t.need),
                yuan(t.amount)
            ),
            format!(
                "{:?}: cost {} less {} covered = need {}; cap {}; amount {}; town may approve: {}",
                e.kind,
                yuan(e.cost),
                yuan(e.covered),
                yuan(t.need),
                yuan(t.cap),
                yuan(t.amount),
                t.town_may_approve
            ),
            v,
        )],
    )
}

fn referrals(s: &Situation, f: &Facts, low_income: bool) -> Vec<Referral> {
    let mut out = Vec::new();
    let ill = s.members.iter().any(|m| m.counted() && m.serious_illness);
    let medical = f.expenses_annual > 0 && s.expenses_kind_total(jiuzhu_domain::ExpenseKind::Medical) > 0;
    if low_income && (ill || medical) {
        out.push(Referral {
            to: "medical_assistance",
            to_zh: "医疗救助（医保部门）",
            reason: "低收入家庭有重病成员或医疗自付支出，可申请医疗救助（资助参保、门诊和住院救助）".into(),
        });
    }
    if s.emergency.is_some_and(|e| e.kind == crate::situation::EmergencyKind::SeriousIllness)
        && !out.iter().any(|r| r.to == "medical_assistance")
    {
        out.push(Referral {
            to: "medical_assistance", to_zh: "医疗救助（医保部门）", reason: "因重大疾病陷入困难，可申请医疗救助".into()
        });
    }
    if low_income && s.members.iter().any(|m| m.counted() && m.student.is_some()) {
        out.push(Referral {
            to: "education_assistance",
            to_zh: "教育救助（教育部门）",
            reason: "低收入家庭有在校学生，可申请教育资助（学费减免、助学金、生活补助）".into(),
        });
    }
    if low_income && s.assets.residential_properties == 0 {
        out.push(Referral {
            to: "housing_assistance",
            to_zh: "住房救助（住建部门）",
            reason: "低收入家庭无自有住房，可申请公租房或租赁补贴（农村可申请危房改造）".into(),
        });
    }
    let working_age_able = f.members.iter().any(|m| m.counted && m.no_capacity.is_none() && (18..60).contains(&m.age));
    if low_income && working_age_able {
        out.push(Referral {
            to: "employment_assistance",
            to_zh: "就业救助（人社部门）",
            reason: "家庭中有劳动年龄内有劳动能力的成员，可申请就业援助、公益性岗位".into(),
        });
    }
    if s.emergency.is_some_and(|e| e.kind == crate::situation::EmergencyKind::Disaster) {
        out.push(Referral {
            to: "disaster_relief",
            to_zh: "受灾人员救助（应急管理部门）",
            reason: "因自然灾害受灾，可申请受灾人员救助".into(),
        });
    }
    out
}

impl Situation {
    fn expenses_kind_total(&self, kind: jiuzhu_domain::ExpenseKind) -> i64 {
        self.expenses.iter().filter(|x| x.0 == kind).map(|x| x.1).sum()
    }
}

/// The warnings a parameter set brings to every result that uses it: one line per kind of doubt
/// (illustrative, unverified, over two years old), naming every value it covers. Computed once
/// per resolved parameter set.
pub(crate) fn parameter_warnings(found: &[Found], date: chrono::NaiveDate) -> Vec<String> {
    // One line per kind of doubt, naming every value it covers (the notices are in `parameters`).
    let mut warnings = Vec::new();
    for (confidence, zh, en) in [
        (Confidence::Illustrative, "以下参数为示例值，非官方标准，须按当地通知替换", "illustrative values, not official figures"),
        (Confidence::Unverified, "以下参数未对照通知原文核实", "values not verified against the notice"),
    ] {
        let items: Vec<String> = found
            .iter()
            .filter(|x| x.confidence == confidence)
            .map(|x| format!("{} {}", crate::params::spec(x.name).map(|s| s.zh).unwrap_or(x.name), x.display()))
            .collect();
        if !items.is_empty() {
            warnings.push(format!("{zh}：{} / {en}", items.join("；")));
        }
    }
    // Standards are raised about once a year: one in force for over two years is likely stale.
    let old: Vec<String> = found
        .iter()
        .filter(|x| !x.region.is_empty() && x.region.as_ref() != "override")
        .filter(|x| matches!(crate::params::spec(x.name).map(|s| s.kind), Some(crate::params::Kind::Fen)))
        .filter(|x| x.since.is_some_and(|since| since.checked_add_months(chrono::Months::new(24)).is_some_and(|d| d <= date)))
        .map(|x| {
            format!(
                "{} {}（自 {} 起）",
                crate::params::spec(x.name).map(|s| s.zh).unwrap_or(x.name),
                x.display(),
                x.since.map(|d| d.to_string()).unwrap_or_default()
            )
        })
        .collect();
    if !old.is_empty() {
        warnings.push(format!(
            "以下地方标准施行已超过两年，可能已有新标准，请核实：{} / standards in force for over two years, possibly raised since",
            old.join("；")
        ));
    }
    warnings
}
