//! Referrals (转介) to the other departments' assistance: medical, education, housing,
//! employment and disaster relief, suggested from the situation beside the five programmes.

use super::Referral;
use crate::rules::Facts;
use crate::situation::{EmergencyKind, Situation};
use jiuzhu_domain::ExpenseKind;

/// The referrals for a household; `low_income` when it qualifies for any of the first four
/// programmes.
pub(super) fn suggest(s: &Situation, f: &Facts, low_income: bool) -> Vec<Referral> {
    let mut out = Vec::new();
    let seriously_ill = s.members.iter().any(|m| m.counted() && m.serious_illness);
    let medical_spending = f.expenses_annual > 0 && s.expense_total(ExpenseKind::Medical) > 0;
    if low_income && (seriously_ill || medical_spending) {
        out.push(Referral {
            to: "medical_assistance",
            to_zh: "医疗救助（医保部门）",
            reason: "低收入家庭有重病成员或医疗自付支出，可申请医疗救助（资助参保、门诊和住院救助）".into(),
        });
    }
    if s.emergency.is_some_and(|e| e.kind == EmergencyKind::SeriousIllness) && !out.iter().any(|r| r.to == "medical_assistance") {
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
    if s.emergency.is_some_and(|e| e.kind == EmergencyKind::Disaster) {
        out.push(Referral {
            to: "disaster_relief",
            to_zh: "受灾人员救助（应急管理部门）",
            reason: "因自然灾害受灾，可申请受灾人员救助".into(),
        });
    }
    out
}
