//! The reasons of each programme, in the order results list them: 低保, 特困, 低保边缘,
//! 刚性支出困难 and 临时救助. Each reads the decision the rules already made and says why.

use super::{Reason, reason, yuan};
use crate::params::Params;
use crate::rules::{Dibao, Facts, Status, Supporters, Tekun, TekunMember, Temporary, below_disposable_income, care_level, law};
use crate::situation::Situation;

/// How the 低保 amount is made up, or why a member may (or may not) apply alone as 单人户.
pub(super) fn dibao_reasons(s: &Situation, f: &Facts, p: &Params, dibao: &Dibao, assets_ok: bool) -> Vec<Reason> {
    let mut out = Vec::new();
    if dibao.household {
        out.push(reason(
            "gap_amount",
            law::DIBAO_AMOUNT,
            format!("按差额发放：{}×{}人−{} = {}", yuan(p.standard), f.counted, yuan(f.income), yuan(dibao.gap)),
            format!("the gap: {} × {} − {} = {}", yuan(p.standard), f.counted, yuan(f.income), yuan(dibao.gap)),
            values!["standard" => p.standard, "members_counted" => f.counted, "monthly_income" => f.income, "gap" => dibao.gap],
        ));
        for (member, amount) in &dibao.classified_extras {
            out.push(reason(
                "classified_extra",
                law::DIBAO_CLASSIFIED,
                format!("分类施保：{}增发{}（按最高一项）", s.members[*member].id, yuan(*amount)),
                format!("classified extra for {}: {} (the highest category)", s.members[*member].id, yuan(*amount)),
                values!["member" => s.members[*member].id, "amount" => amount],
            ));
        }
        if dibao.topped_up > 0 {
            out.push(reason(
                "minimum_per_person",
                law::DIBAO_AMOUNT,
                format!("低于最低保障额，按每人{}补足至{}", yuan(p.minimum_per_person), yuan(dibao.amount)),
                format!("raised to the minimum of {} per person: {}", yuan(p.minimum_per_person), yuan(dibao.amount)),
                values!["minimum_per_person" => p.minimum_per_person, "amount" => dibao.amount],
            ));
        }
    } else if !dibao.separate.is_empty() {
        for (member, amount) in &dibao.separate {
            out.push(reason(
                "separate_application",
                law::DIBAO_SEPARATE,
                format!(
                    "家庭属低保边缘家庭，{}为重度残疾或重病，可单独申请（单人户）：{}−本人收入{} = {}",
                    s.members[*member].id,
                    yuan(p.standard),
                    yuan(f.members[*member].own_income),
                    yuan(*amount)
                ),
                format!(
                    "{} (severe disability or serious illness in an edge family) may apply alone: {} − own income {} = {}",
                    s.members[*member].id,
                    yuan(p.standard),
                    yuan(f.members[*member].own_income),
                    yuan(*amount)
                ),
                values!["member" => s.members[*member].id, "standard" => p.standard, "own_income" => f.members[*member].own_income, "amount" => amount],
            ));
        }
    } else if assets_ok && f.members.iter().any(|m| m.counted && m.separate_ground) {
        out.push(reason(
            "separate_not_applicable",
            law::DIBAO_SEPARATE,
            "有重度残疾或重病成员，但家庭人均收入不低于低保边缘标准（或本人收入不低于低保标准），不能单独申请".into(),
            "a member has a severe disability or serious illness, but the household is above the edge line (or their own income is not below the standard)".into(),
            values![],
        ));
    }
    out
}

/// 特困 member by member, the care standard when it is missing, and the supporters.
pub(super) fn tekun_reasons(s: &Situation, f: &Facts, p: &Params, tekun: &Tekun) -> Vec<Reason> {
    let mut out = Vec::new();
    for (i, verdict) in tekun.members.iter().enumerate() {
        let id = &s.members[i].id;
        let member = &f.members[i];
        let member_reason = match verdict {
            TekunMember::NotCounted => continue,
            TekunMember::CanWork => reason(
                "has_capacity_to_work",
                law::TEKUN_NO_WORK,
                format!("{id}（{}岁）不属于无劳动能力（非老年人、未成年人、在校学生或相应等级残疾人）", member.age),
                format!("{id} (age {}) is not without capacity to work", member.age),
                values!["member" => id, "age" => member.age],
            ),
            TekunMember::OwnIncomeTooHigh => reason(
                "own_income_not_below_standard",
                law::TEKUN_NO_MEANS,
                format!("{id}本人收入{}不低于低保标准{}，不属于无生活来源", yuan(member.own_income), yuan(p.standard)),
                format!("{id}'s own income {} is not below the standard {}", yuan(member.own_income), yuan(p.standard)),
                values!["member" => id, "own_income" => member.own_income, "standard" => p.standard],
            ),
            TekunMember::OthersCanWork => reason(
                "household_member_can_work",
                law::TEKUN_CONDITIONS,
                format!("{id}无劳动能力，但共同生活的其他家庭成员有劳动能力（负有赡养、扶养义务）"),
                format!("{id} cannot work, but another member of the household can (and owes support)"),
                values!["member" => id],
            ),
            TekunMember::Covered { basic, .. } if p.care.is_none() => reason(
                "tekun_member_care_unknown",
                law::TEKUN_AMOUNT,
                format!("{id}（{}岁）无劳动能力、无生活来源：基本生活标准{}；照料护理标准未设定，金额待定", member.age, yuan(*basic)),
                format!(
                    "{id} (age {}) cannot work and has no means: basic {}; no care standard is set, so the amount is pending",
                    member.age,
                    yuan(*basic)
                ),
                values!["member" => id, "age" => member.age, "basic" => basic, "self_care_unmet" => member.self_care_unmet],
            ),
            TekunMember::Covered { basic, care } => {
                let level = ["全自理", "半护理", "全护理"][care_level(member.self_care_unmet)];
                reason(
                    "tekun_member",
                    law::TEKUN_AMOUNT,
                    format!(
                        "{id}（{}岁）无劳动能力、无生活来源：基本生活标准{} + 照料护理（{level}，{}项不能自理）{} = {}",
                        member.age,
                        yuan(*basic),
                        member.self_care_unmet,
                        yuan(*care),
                        yuan(basic + care)
                    ),
                    format!(
                        "{id} (age {}) cannot work and has no means: basic {} + care ({} unmet items) {} = {}",
                        member.age,
                        yuan(*basic),
                        member.self_care_unmet,
                        yuan(*care),
                        yuan(basic + care)
                    ),
                    values!["member" => id, "age" => member.age, "basic" => basic, "care" => care, "self_care_unmet" => member.self_care_unmet],
                )
            }
        };
        out.push(member_reason);
    }
    if let Some(missing) = p.care_missing.as_ref().filter(|_| tekun.members.iter().any(|m| matches!(m, TekunMember::Covered { .. }))) {
        out.push(reason(
            "care_standard_missing",
            law::TEKUN_AMOUNT,
            format!("无法计算照料护理金额，需核实：{}", missing.zh()),
            format!("the care amount cannot be computed: {}", missing.en()),
            values![],
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
        values!["disposable_income_last_year" => p.disposable_income_last_year, "supporters" => s.supporters.len()],
    ));
    out
}

/// 低保边缘: covered by 低保 already, property over the limits, or income against the edge line.
pub(super) fn edge_reason(f: &Facts, p: &Params, dibao: &Dibao, assets_ok: bool, edge: bool) -> Reason {
    let line = p.edge_multiplier.of(p.standard * f.counted);
    let (code, text, en) = if dibao.household {
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
    reason(
        code,
        law::EDGE,
        text,
        en,
        values!["monthly_income" => f.income, "standard" => p.standard, "multiplier" => p.edge_multiplier.to_string(), "edge_line" => line, "members_counted" => f.counted],
    )
}

/// 刚性支出困难: not in force yet, covered by another programme, or income and spending against the lines.
pub(super) fn rigid_reasons(f: &Facts, p: &Params, assets_ok: bool, covered: bool) -> Vec<Reason> {
    let annual = f.income * 12;
    let Some(ratio) = p.rigid_ratio else {
        return vec![reason(
            "rigid_expense_not_in_force",
            law::RIGID,
            "《刚性支出困难家庭认定办法》自2025年1月1日起施行，评估日期之前不适用".into(),
            "the rigid-expense rules took effect on 2025-01-01 and do not apply before".into(),
            values![],
        )];
    };
    let figures = values!["annual_income" => annual, "disposable_income_last_year" => p.disposable_income_last_year, "members_counted" => f.counted, "expenses_annual" => f.expenses_annual, "ratio" => ratio.to_string()];
    let (code, text, en) = if covered {
        (
            "covered_by_other_programme",
            "已符合低保、特困或低保边缘条件，不再认定刚性支出困难".to_string(),
            "already qualifies for dibao, tekun or edge".to_string(),
        )
    } else if !assets_ok {
        ("assets_over_limit", "家庭财产不符合规定".to_string(), "property is over the limits".to_string())
    } else if !below_disposable_income(f, p) {
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
    vec![reason(code, law::RIGID, text, en, figures)]
}

/// 临时救助: (status, amount, whether the town may approve it alone, reasons).
pub(super) fn temporary_result(f: &Facts, p: &Params, temporary: Option<Temporary>) -> (Status, i64, Option<bool>, Vec<Reason>) {
    // `temporary` is there exactly when an emergency is.
    let (Some(temporary), Some(emergency)) = (temporary, f.emergency) else {
        return (
            Status::NotEligible,
            0,
            None,
            vec![reason(
                "no_emergency",
                law::TEMPORARY,
                "未申报急难情形或支出型困难".into(),
                "no emergency or exceptional expense given".into(),
                values![],
            )],
        );
    };
    let town_limit = p.town_limit.of(p.standard);
    let figures = values!["kind" => emergency.kind, "cost" => emergency.cost, "covered" => emergency.covered, "need" => temporary.need, "cap" => temporary.cap, "town_limit" => town_limit, "amount" => temporary.amount];
    if !temporary.income_ok {
        return (
            Status::NotEligible,
            0,
            Some(false),
            vec![reason(
                "expense_income_not_below_disposable",
                law::TEMPORARY,
                format!("支出型临时救助要求家庭人均收入低于上年人均可支配收入{}，本户不符合", yuan(p.disposable_income_last_year)),
                format!("expense-type assistance needs per-capita income below {}", yuan(p.disposable_income_last_year)),
                figures,
            )],
        );
    }
    if temporary.amount == 0 {
        return (
            Status::NotEligible,
            0,
            Some(temporary.town_may_approve),
            vec![reason(
                "no_unmet_need",
                law::TEMPORARY,
                "费用已全部由保险或其他救助覆盖".into(),
                "the cost is fully covered".into(),
                figures,
            )],
        );
    }
    let capped = if temporary.need > temporary.cap {
        format!("，超过上限按{}倍月低保标准{}封顶", p.temporary_max, yuan(temporary.cap))
    } else {
        String::new()
    };
    let approver = if temporary.town_may_approve {
        format!("不超过{}（{}倍月标准），乡镇可直接审批", yuan(town_limit), p.town_limit)
    } else {
        format!("超过{}，须报县级审批", yuan(town_limit))
    };
    (
        Status::Eligible,
        temporary.amount,
        Some(temporary.town_may_approve),
        vec![reason(
            "temporary_amount",
            law::TEMPORARY,
            format!(
                "{}：费用{}，已报销或赔付{}，缺口{}{capped}；救助{}，{approver}",
                emergency.kind.zh(),
                yuan(emergency.cost),
                yuan(emergency.covered),
                yuan(temporary.need),
                yuan(temporary.amount)
            ),
            format!(
                "{:?}: cost {} less {} covered = need {}; cap {}; amount {}; town may approve: {}",
                emergency.kind,
                yuan(emergency.cost),
                yuan(emergency.covered),
                yuan(temporary.need),
                yuan(temporary.cap),
                yuan(temporary.amount),
                temporary.town_may_approve
            ),
            figures,
        )],
    )
}
