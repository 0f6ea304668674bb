//! The reasons about the household as a whole, which several programmes share: who is counted,
//! the counted income against the 低保 line, and the property test.

use super::{Reason, reason, yuan};
use crate::params::Params;
use crate::rules::{AssetCheck, Facts, law};
use crate::situation::Situation;

/// Who is counted (办法 art. 7), naming those who are not and why.
pub(super) fn membership_reason(s: &Situation, f: &Facts) -> Reason {
    let not_counted: Vec<String> = s
        .members
        .iter()
        .filter(|m| !m.counted())
        .map(|m| format!("{}（{}）", m.id, m.excluded.map(|x| x.zh()).unwrap_or("不共同生活")))
        .collect();
    let (text, en) = if not_counted.is_empty() {
        (format!("共同生活的家庭成员{}人，全部计入", f.counted), format!("{} members live together and are all counted", f.counted))
    } else {
        (
            format!("计入家庭成员{}人；不计入：{}", f.counted, not_counted.join("、")),
            format!("{} members counted; not counted: {}", f.counted, not_counted.join(", ")),
        )
    };
    reason("members_counted", law::DIBAO_MEMBERS, text, en, values!["members_counted" => f.counted])
}

/// Counted income against the 低保 line (办法 art. 13).
pub(super) fn income_reason(f: &Facts, p: &Params) -> Reason {
    let line = p.standard * f.counted;
    let below = f.income < line;
    let deductions_note = if f.deductions > 0 {
        format!("（收入{}，扣减就业成本及医疗康复支出{}）", yuan(f.gross_income), yuan(f.deductions))
    } else {
        String::new()
    };
    reason(
        if below { "income_below_standard" } else { "income_not_below_standard" },
        law::DIBAO_INCOME,
        format!(
            "家庭月收入{}{deductions_note}，{}人，人均{}；当地{}低保标准{}/人·月，{}",
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
        values!["monthly_income" => f.income, "members_counted" => f.counted, "standard" => p.standard, "line" => line],
    )
}

/// Each property limit exceeded, or one reason saying all are met (办法 art. 14).
pub(super) fn asset_reasons(f: &Facts, p: &Params, check: &AssetCheck) -> Vec<Reason> {
    let limit = p.financial_months * p.standard * f.counted.max(1);
    let mut out = Vec::new();
    if !check.financial {
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
            values!["financial" => f.financial, "financial_limit" => limit],
        ));
    }
    if !check.residential {
        out.push(reason(
            "too_many_houses",
            law::DIBAO_ASSETS,
            format!("住房{}套，超过{}套", f.residential, p.max_residential),
            format!("{} houses, more than {}", f.residential, p.max_residential),
            values!["residential" => f.residential, "max_residential" => p.max_residential],
        ));
    }
    if !check.non_residential {
        out.push(reason(
            "non_residential_property",
            law::DIBAO_ASSETS,
            format!("拥有非住宅房产{}处", f.non_residential),
            format!("owns {} non-residential properties", f.non_residential),
            values!["non_residential" => f.non_residential],
        ));
    }
    if !check.vehicles {
        out.push(reason(
            "motor_vehicle",
            law::DIBAO_ASSETS,
            format!("拥有机动车{}辆（小汽车或货车）", f.vehicles),
            format!("owns {} cars or trucks", f.vehicles),
            values!["vehicles" => f.vehicles],
        ));
    }
    if !check.business {
        out.push(reason(
            "business_registration",
            law::DIBAO_ASSETS,
            format!("有工商登记{}户", f.business),
            format!("{} business registrations", f.business),
            values!["business" => f.business],
        ));
    }
    if out.is_empty() {
        out.push(reason(
            "assets_within_limits",
            law::DIBAO_ASSETS,
            format!("财产符合规定：金融资产{}不超过{}，住房{}套", yuan(f.financial), yuan(limit), f.residential),
            format!("property within the limits: financial assets {} ≤ {}, {} houses", yuan(f.financial), yuan(limit), f.residential),
            values!["financial" => f.financial, "financial_limit" => limit, "residential" => f.residential],
        ));
    }
    out
}
