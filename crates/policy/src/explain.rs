//! The explained assessment (assess-v1.md result): statuses, amounts, and every reason in words
//! a window clerk can read to the applicant, with its legal reference and the values it used.
//!
//! This module holds the result's types and puts it together from the same rule calls as the
//! bulk path; the text of the reasons is in its children: `household` (members, income,
//! property), `programmes` (one function per programme) and `referrals`.

use crate::index::{DifficultyIndex, difficulty_index};
use crate::params::{Found, Missing, Params, Policies};
use crate::rules::{self, Facts, Status, TekunMember};
use crate::situation::{EmergencyKind, Situation};
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
    /// The kind of assistance a household applies for to get this programme (申请的救助类型).
    pub fn kind(self) -> jiuzhu_domain::casework::AssistanceKind {
        use jiuzhu_domain::casework::AssistanceKind;
        match self {
            Programme::Dibao => AssistanceKind::Dibao,
            Programme::Tekun => AssistanceKind::Tekun,
            Programme::DibaoEdge => AssistanceKind::DibaoEdge,
            Programme::RigidExpense => AssistanceKind::RigidExpense,
            Programme::Temporary => AssistanceKind::Temporary,
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
impl From<&EmergencyKind> for Figure {
    fn from(v: &EmergencyKind) -> Figure {
        Figure::Text(serde_json::to_value(v).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default())
    }
}

/// A reason's figures by name: `values!["standard" => p.standard, "members_counted" => f.counted]`.
macro_rules! values {
    ($($name:literal => $figure:expr),* $(,)?) => { $crate::explain::Values(vec![$(($name, $crate::explain::Figure::from(&$figure))),*]) };
}

// Declared after `values!`, which they use (a `macro_rules!` is in scope only below it).
mod household;
mod programmes;
mod referrals;

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
    #[allow(clippy::expect_used, reason = "an assessment lists a result for every programme")]
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

fn yuan(fen: i64) -> Yuan {
    Yuan(fen)
}

/// The ids of the members at these indices, as results list them.
fn member_ids(s: &Situation, indices: impl IntoIterator<Item = usize>) -> Vec<String> {
    indices.into_iter().map(|i| s.members[i].id.clone()).collect()
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
    let asset_check = rules::assets(&f, p);
    let assets_ok = asset_check.ok();
    let dibao = rules::dibao(&f, p, assets_ok);
    let tekun = rules::tekun(&f, p, assets_ok);
    let edge = rules::dibao_edge(&f, p, assets_ok, &dibao);
    let dibao_any = dibao.household || !dibao.separate.is_empty();
    let rigid = rules::rigid_expense(&f, p, assets_ok, dibao_any || tekun.status == Status::Eligible || edge);
    let temporary = rules::temporary(&f, p);
    let counted_members: Vec<usize> = (0..s.members.len()).filter(|i| f.members[*i].counted).collect();
    let receiving = |programme: Programme| s.receiving.iter().any(|r| r == programme.as_str());

    let income_reason = household::income_reason(&f, p);
    let asset_reasons = household::asset_reasons(&f, p, &asset_check);
    let no_members = f.counted == 0;

    let mut results = Vec::with_capacity(5);
    // 低保
    let mut reasons = vec![household::membership_reason(s, &f), income_reason];
    reasons.extend(asset_reasons.iter().cloned());
    reasons.extend(programmes::dibao_reasons(s, &f, p, &dibao, assets_ok));
    results.push(ProgrammeResult {
        programme: Programme::Dibao,
        status: if no_members {
            Status::NeedsCheck
        } else if dibao_any {
            Status::Eligible
        } else {
            Status::NotEligible
        },
        monthly_amount: Some(dibao.amount),
        amount: None,
        members: if dibao.household {
            member_ids(s, counted_members.iter().copied())
        } else {
            member_ids(s, dibao.separate.iter().map(|x| x.0))
        },
        town_may_approve: None,
        receiving: receiving(Programme::Dibao),
        reasons,
    });
    // 特困
    let mut reasons = programmes::tekun_reasons(s, &f, p, &tekun);
    if !assets_ok {
        reasons.extend(asset_reasons.iter().cloned());
    }
    results.push(ProgrammeResult {
        programme: Programme::Tekun,
        status: if no_members { Status::NeedsCheck } else { tekun.status },
        monthly_amount: Some(tekun.amount),
        amount: None,
        members: if tekun.status == Status::NotEligible {
            Vec::new()
        } else {
            member_ids(s, tekun.members.iter().enumerate().filter(|(_, m)| matches!(m, TekunMember::Covered { .. })).map(|x| x.0))
        },
        town_may_approve: None,
        receiving: receiving(Programme::Tekun),
        reasons,
    });
    // 低保边缘
    results.push(ProgrammeResult {
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
        members: if edge {
            member_ids(s, counted_members.iter().copied().filter(|i| !dibao.separate.iter().any(|x| x.0 == *i)))
        } else {
            Vec::new()
        },
        town_may_approve: None,
        receiving: receiving(Programme::DibaoEdge),
        reasons: vec![programmes::edge_reason(&f, p, &dibao, assets_ok, edge)],
    });
    // 刚性支出困难
    results.push(ProgrammeResult {
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
        members: if rigid { member_ids(s, counted_members.iter().copied()) } else { Vec::new() },
        town_may_approve: None,
        receiving: receiving(Programme::RigidExpense),
        reasons: programmes::rigid_reasons(&f, p, assets_ok, dibao_any || tekun.status == Status::Eligible || edge),
    });
    // 临时救助
    let (status, amount, town_may_approve, reasons) = programmes::temporary_result(&f, p, temporary);
    results.push(ProgrammeResult {
        programme: Programme::Temporary,
        status,
        monthly_amount: None,
        amount: Some(amount),
        members: if status == Status::Eligible { member_ids(s, counted_members.iter().copied()) } else { Vec::new() },
        town_may_approve,
        receiving: receiving(Programme::Temporary),
        reasons,
    });

    let recommendation = (tekun.status == Status::Eligible && dibao_any).then(|| Recommendation {
        programme: Programme::Tekun,
        text: "同时符合特困和低保条件：一般优先认定为特困人员（特困人员不再重复享受低保）；由审批机关结合本人意愿确定".into(),
    });
    let referrals = referrals::suggest(s, &f, dibao_any || tekun.status == Status::Eligible || edge || rigid);
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
        programmes: results,
        referrals,
        recommendation,
        difficulty_index,
        parameters: p.regional.to_vec(),
        warnings: p.warnings.to_vec(),
    }
}
