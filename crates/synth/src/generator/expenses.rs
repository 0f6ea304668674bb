//! Rigid expenses (刚性支出): medical costs after reimbursement for the ill, school costs for
//! students, rehabilitation for some disabled people; a few month-level records each.

use super::draws::{whole_yuan, window_month};
use super::person::Person;
use crate::rng::RngExt;
use chrono::NaiveDate;
use jiuzhu_domain::{Expense, ExpenseKind, Fen, Student};
use rand::Rng;

/// Every expense of the household, sorted by month.
pub(super) fn draw_expenses(r: &mut impl Rng, months: &[NaiveDate; 12], people: &[Person]) -> Vec<Expense> {
    let mut out = Vec::new();
    for p in people {
        medical(r, &mut out, months, p);
        education(r, &mut out, months, p);
        rehabilitation(r, &mut out, months, p);
    }
    out.sort_by_key(|e| e.month);
    out
}

/// A month of the window, uniformly.
fn any_month(r: &mut impl Rng, months: &[NaiveDate; 12]) -> NaiveDate {
    months[r.random_range(0..12)]
}

/// Self-paid hospital stays (3–6) of the seriously ill, outpatient drugs (1–3) of the
/// chronically ill.
fn medical(r: &mut impl Rng, out: &mut Vec<Expense>, months: &[NaiveDate; 12], p: &Person) {
    if p.health.serious_illness {
        let what = r.one_of(&["恶性肿瘤", "尿毒症透析", "脑梗死", "心脏病介入治疗", "重度精神障碍", "白血病"]);
        for _ in 0..r.between(3, 6) {
            out.push(Expense {
                kind: ExpenseKind::Medical,
                month: any_month(r, months),
                amount: whole_yuan(r.lognormal(4_000.0, 0.8)),
                description: format!("{}：{what}住院治疗，医保报销后自付", p.name),
            });
        }
    } else if p.health.chronic_illness {
        let what = r.one_of(&["高血压", "糖尿病", "慢阻肺", "类风湿关节炎", "冠心病", "慢性胃炎"]);
        for _ in 0..r.between(1, 3) {
            out.push(Expense {
                kind: ExpenseKind::Medical,
                month: any_month(r, months),
                amount: whole_yuan(r.lognormal(500.0, 0.6)),
                description: format!("{}：{what}门诊购药自付", p.name),
            });
        }
    }
}

/// School costs by stage, paid at the start of term (September, and March for high school).
fn education(r: &mut impl Rng, out: &mut Vec<Expense>, months: &[NaiveDate; 12], p: &Person) {
    let mut push = |month: u32, amount: u32, what: &str| {
        out.push(Expense {
            kind: ExpenseKind::Education,
            month: window_month(months, month),
            amount: Fen::yuan(amount as i64),
            description: format!("{}：{what}", p.name),
        });
    };
    match p.student {
        Some(Student::Compulsory) if r.chance(0.25) => push(9, r.between(200, 800), "义务教育阶段校服、资料费"),
        Some(Student::HighSchool) => {
            for month in [3, 9] {
                push(month, r.between(1_500, 3_500), "普通高中学杂费、住宿费");
            }
        }
        Some(Student::Vocational) => push(9, r.between(1_000, 3_000), "职业学校住宿费、生活费"),
        Some(Student::Undergraduate | Student::Postgraduate) => push(9, r.between(5_000, 9_000), "大学学费、住宿费"),
        _ => {}
    }
}

/// Rehabilitation (2–4 records) for half of disabled children and a fifth of severely
/// disabled adults.
fn rehabilitation(r: &mut impl Rng, out: &mut Vec<Expense>, months: &[NaiveDate; 12], p: &Person) {
    if let Some((_, grade)) = p.health.disability
        && (p.age < 18 || grade <= 2)
        && r.chance(if p.age < 18 { 0.5 } else { 0.2 })
    {
        for _ in 0..r.between(2, 4) {
            out.push(Expense {
                kind: ExpenseKind::Rehabilitation,
                month: any_month(r, months),
                amount: Fen::yuan(r.between(300, 2_000) as i64),
                description: format!("{}：康复训练、辅具", p.name),
            });
        }
    }
}
