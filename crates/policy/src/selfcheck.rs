//! 自我评估: the resident's short form (who lives in the household, income, property, big
//! costs, an emergency) turned into a [`Situation`] for the rules. Plain questions, plain
//! answers: ages instead of birth dates, household income by kind instead of per member; every
//! answer is required where guessing it would record a fact nobody chose, and every error names
//! its question in words. Nothing here is stored: the form is assessed and shown.

use crate::situation::{
    AssetsInput, DisabilityInput, Emergency, EmergencyKind, Member, Situation, SupporterInput, VehicleInput, VehicleKind,
};
use chrono::{Months, NaiveDate};
use jiuzhu_domain::{Area, DisabilityKind, ExpenseKind, Fen, FieldError, IncomeKind, Lang, Relation, Student, ValidationErrors};

/// At most this many members on the form (a bigger household applies at the window).
pub const MAX_MEMBERS: usize = 8;

/// One member row as typed (`m1_age` …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberAnswer {
    pub relation: String,
    pub age: String,
    pub disability: String,
    pub grade: String,
    pub illness: bool,
    pub student: String,
    pub care: String,
}

impl MemberAnswer {
    /// A row nobody filled in is not a member (its selects still send their first choice:
    /// no disability, not at school, manages alone).
    pub fn is_blank(&self) -> bool {
        let unset = |v: &str| v.is_empty() || v == "none";
        self.relation.is_empty() && self.age.trim().is_empty() && unset(&self.disability) && !self.illness && unset(&self.student)
    }
}

/// The whole form as typed, field by field (kept to show the form again unchanged on an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub area: String,
    pub members: Vec<MemberAnswer>,
    pub income_wage: String,
    pub income_business: String,
    pub income_pension: String,
    pub income_support: String,
    pub income_other: String,
    pub savings: String,
    pub homes: String,
    pub car: bool,
    pub business: bool,
    pub other_property: bool,
    pub expense_medical: String,
    pub expense_education: String,
    pub supporters: String,
    pub emergency: String,
    pub emergency_cost: String,
    pub emergency_covered: String,
}

/// The form's income questions: field, counted kind, label.
pub const INCOMES: [(&str, IncomeKind, &str, &str); 5] = [
    ("income_wage", IncomeKind::Wage, "打工、上班的工资", "wages"),
    ("income_business", IncomeKind::Business, "种地、养殖、做生意的收入", "farming or business income"),
    ("income_pension", IncomeKind::Pension, "退休金（不含城乡居民基础养老金）", "pension (not the basic residents' pension)"),
    ("income_support", IncomeKind::FamilySupport, "子女等给的赡养费、抚养费", "support from children or relatives"),
    ("income_other", IncomeKind::Other, "其他收入（房租、利息等）", "other income (rent, interest …)"),
];

impl Answers {
    /// An empty form: every member row blank.
    pub fn blank() -> Answers {
        Answers { members: vec![MemberAnswer::default(); MAX_MEMBERS], ..Answers::default() }
    }

    /// Reads the form's fields (`name=value` pairs as posted); unknown names are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Answers {
        let mut a = Answers::blank();
        for (k, v) in pairs {
            let v = v.trim().to_string();
            if let Some((row, field)) = k.strip_prefix('m').and_then(|r| r.split_once('_')) {
                let Some(m) = row.parse::<usize>().ok().filter(|i| (1..=MAX_MEMBERS).contains(i)).map(|i| &mut a.members[i - 1]) else {
                    continue;
                };
                match field {
                    "relation" => m.relation = v,
                    "age" => m.age = v,
                    "disability" => m.disability = v,
                    "grade" => m.grade = v,
                    "illness" => m.illness = !v.is_empty(),
                    "student" => m.student = v,
                    "care" => m.care = v,
                    _ => {}
                }
                continue;
            }
            match k.as_str() {
                "area" => a.area = v,
                "income_wage" => a.income_wage = v,
                "income_business" => a.income_business = v,
                "income_pension" => a.income_pension = v,
                "income_support" => a.income_support = v,
                "income_other" => a.income_other = v,
                "savings" => a.savings = v,
                "homes" => a.homes = v,
                "car" => a.car = !v.is_empty(),
                "business" => a.business = !v.is_empty(),
                "other_property" => a.other_property = !v.is_empty(),
                "expense_medical" => a.expense_medical = v,
                "expense_education" => a.expense_education = v,
                "supporters" => a.supporters = v,
                "emergency" => a.emergency = v,
                "emergency_cost" => a.emergency_cost = v,
                "emergency_covered" => a.emergency_covered = v,
                _ => {}
            }
        }
        // The first row is the person filling in the form.
        if a.members[0].relation.is_empty() {
            a.members[0].relation = "head".into();
        }
        a
    }

    /// The income field's value, by field name (the form shows them in [`INCOMES`] order).
    pub fn income(&self, field: &str) -> &str {
        match field {
            "income_wage" => &self.income_wage,
            "income_business" => &self.income_business,
            "income_pension" => &self.income_pension,
            "income_support" => &self.income_support,
            _ => &self.income_other,
        }
    }

    /// The situation in `region` on `date`; every error names its question.
    pub fn situation(&self, region: &str, date: NaiveDate) -> Result<Situation, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let area = match self.area.as_str() {
            "urban" => Some(Area::Urban),
            "rural" => Some(Area::Rural),
            _ => {
                e.push(FieldError::new("area", "required", "住在城镇还是农村：请选择一项", "town or countryside: choose one"));
                None
            }
        };
        let mut members = Vec::new();
        for (i, m) in self.members.iter().enumerate().filter(|(_, m)| !m.is_blank()) {
            if let Some(member) = member(i, m, date, &mut e) {
                members.push(member);
            }
        }
        if members.is_empty() && !e.0.iter().any(|x| x.field.starts_with('m')) {
            e.push(FieldError::new("m1_age", "required", "家里的人：至少填写您本人的年龄", "household: give at least your own age"));
        }
        let mut income = Vec::new();
        for (field, kind, zh, en) in INCOMES {
            if let Some(f) = yuan(&mut e, field, self.income(field), zh, en)
                && f > 0
            {
                income.push((None, kind, f));
            }
        }
        let savings = yuan(&mut e, "savings", &self.savings, "存款、理财等合计", "savings and investments").unwrap_or(0);
        let homes = match self.homes.trim() {
            "" => {
                e.push(FieldError::new(
                    "homes",
                    "required",
                    "家里有几套住房：请填写（没有填 0）",
                    "homes owned: give a number (0 if none)",
                ));
                0
            }
            t => match t.parse::<i64>() {
                Ok(n) if (0..=20).contains(&n) => n,
                _ => {
                    e.push(FieldError::new(
                        "homes",
                        "count",
                        "家里有几套住房：请填写 0 到 20 的整数",
                        "homes owned: a whole number from 0 to 20",
                    ));
                    0
                }
            },
        };
        let mut expenses = Vec::new();
        for (field, text, kind, zh, en) in [
            (
                "expense_medical",
                &self.expense_medical,
                ExpenseKind::Medical,
                "近 12 个月看病自己花的钱",
                "own medical costs in the past 12 months",
            ),
            (
                "expense_education",
                &self.expense_education,
                ExpenseKind::Education,
                "近 12 个月上学花的钱",
                "schooling costs in the past 12 months",
            ),
        ] {
            if let Some(f) = yuan(&mut e, field, text, zh, en)
                && f > 0
            {
                expenses.push((kind, f));
            }
        }
        let supporters = match self.supporters.as_str() {
            "none" => Vec::new(),
            // Someone able to support: the rules treat a supporter given without more as able.
            "able" => vec![SupporterInput::default()],
            // Unable for a reason the office will check (their own 低保/特困, disability, prison …).
            "unable" => vec![SupporterInput { incapacitated: true, ..SupporterInput::default() }],
            _ => {
                e.push(FieldError::new(
                    "supporters",
                    "required",
                    "不在一起住的子女等赡养人：请选择一项",
                    "children or others obliged to support you: choose one",
                ));
                Vec::new()
            }
        };
        let emergency = match self.emergency.as_str() {
            "" | "none" => None,
            k => {
                let kind = match k {
                    "accident" => EmergencyKind::Accident,
                    "serious_illness" => EmergencyKind::SeriousIllness,
                    "disaster" => EmergencyKind::Disaster,
                    "expense" => EmergencyKind::Expense,
                    _ => EmergencyKind::Other,
                };
                let cost =
                    yuan(&mut e, "emergency_cost", &self.emergency_cost, "这次急事一共要花的钱", "what the emergency costs").unwrap_or(0);
                let covered = yuan(
                    &mut e,
                    "emergency_covered",
                    &self.emergency_covered,
                    "保险、报销、捐助已经解决的",
                    "covered by insurance or donations",
                )
                .unwrap_or(0);
                if cost == 0 && !e.0.iter().any(|x| x.field == "emergency_cost") {
                    e.push(FieldError::new(
                        "emergency_cost",
                        "required",
                        "这次急事一共要花的钱：请填写大约的金额",
                        "what the emergency costs: give an approximate amount",
                    ));
                }
                Some(Emergency { kind, cost, covered })
            }
        };
        if !e.0.is_empty() {
            return Err(e);
        }
        let mut vehicles = Vec::new();
        if self.car {
            vehicles.push(VehicleInput { kind: VehicleKind::Car, value: 0 });
        }
        Ok(Situation {
            region: region.to_string(),
            date,
            area: area.unwrap_or(Area::Rural),
            overrides: Vec::new(),
            members,
            income,
            deductions: Vec::new(),
            expenses,
            assets: AssetsInput {
                financial: savings,
                residential_properties: homes,
                non_residential_properties: i64::from(self.other_property),
                vehicles,
                business_registrations: i64::from(self.business),
            },
            supporters,
            receiving: Vec::new(),
            emergency,
        })
    }
}

/// A result's text as the resident reads it: the members this form made (`m1` … `m8`, row
/// by row) named as people — 您本人, 第 2 位家庭成员 — never by the engine's ids.
pub fn in_plain_words(text: &str, lang: Lang) -> String {
    let mut out = text.to_string();
    // Highest first, so that no id is a prefix of one replaced later.
    for n in (1..=MAX_MEMBERS).rev() {
        let who = match (n, lang) {
            (1, Lang::Zh) => "您本人".to_string(),
            (1, Lang::En) => "you".to_string(),
            (n, Lang::Zh) => format!("第 {n} 位家庭成员"),
            (n, Lang::En) => format!("person {n}"),
        };
        out = out.replace(&member_id(n), &who);
    }
    out
}

/// The id the situation gives the member of row `n` (1-based).
fn member_id(n: usize) -> String {
    format!("m{n}")
}

/// An amount in 元 (blank is 0): fen, or an error naming the question.
fn yuan(e: &mut ValidationErrors, field: &str, text: &str, zh: &str, en: &str) -> Option<i64> {
    if text.trim().is_empty() {
        return Some(0);
    }
    match Fen::parse_yuan(field, text) {
        Ok(f) => Some(f.0),
        Err(x) => {
            e.push(FieldError::new(field, x.code, format!("{zh}：{}", x.zh), format!("{en}: {}", x.en)));
            None
        }
    }
}

fn member(i: usize, m: &MemberAnswer, date: NaiveDate, e: &mut ValidationErrors) -> Option<Member> {
    let n = i + 1;
    let field = |f: &str| format!("m{n}_{f}");
    let (zh, en) = (format!("第 {n} 位家庭成员"), format!("household member {n}"));
    let before = e.0.len();
    let relation = Relation::parse(&m.relation);
    if relation.is_none() {
        e.push(FieldError::new(field("relation"), "required", format!("{zh}的关系：请选择"), format!("{en}, relation: choose one")));
    }
    let age = match m.age.trim().parse::<u32>() {
        Ok(a) if a <= 120 => Some(a),
        _ if m.age.trim().is_empty() => {
            e.push(FieldError::new(field("age"), "required", format!("{zh}的年龄：请填写"), format!("{en}, age: required")));
            None
        }
        _ => {
            e.push(FieldError::new(
                field("age"),
                "age",
                format!("{zh}的年龄：请填写 0 到 120 的整数（周岁）"),
                format!("{en}, age: a whole number from 0 to 120"),
            ));
            None
        }
    };
    let disability = match m.disability.as_str() {
        "" | "none" => None,
        k => match (DisabilityKind::parse(k), m.grade.parse::<u8>().ok().filter(|g| (1..=4).contains(g))) {
            (Some(kind), Some(grade)) => Some(DisabilityInput { kind, grade }),
            _ => {
                e.push(FieldError::new(
                    field("grade"),
                    "required",
                    format!("{zh}的残疾等级：请按残疾人证选择一至四级"),
                    format!("{en}, disability grade: choose 1 to 4 as on the certificate"),
                ));
                None
            }
        },
    };
    let student = match m.student.as_str() {
        "" | "none" => None,
        s => Student::parse(s),
    };
    let self_care_unmet = match m.care.as_str() {
        "partial" => 2,
        "full" => 6,
        _ => 0,
    };
    if e.0.len() > before {
        return None;
    }
    let age = age?;
    let birth_date = date.checked_sub_months(Months::new(12 * age))?;
    Some(Member {
        id: member_id(n),
        birth_date,
        relation: relation?,
        living_together: true,
        excluded: None,
        disability,
        serious_illness: m.illness,
        student,
        self_care_unmet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Policies, Programme, Status, assess};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    /// The demo county's rural standard on the date, in fen.
    fn rural_standard() -> i64 {
        Policies::builtin().resolved("620825", date(), Area::Rural).unwrap().standard
    }

    fn yuan_text(fen: i64) -> String {
        Fen(fen).to_string()
    }

    fn answers(income_wage: &str) -> Answers {
        Answers::from_pairs(&pairs(&[
            ("area", "rural"),
            ("m1_age", "45"),
            ("m2_relation", "spouse"),
            ("m2_age", "44"),
            ("income_wage", income_wage),
            ("savings", "1000"),
            ("homes", "1"),
            ("supporters", "none"),
        ]))
    }

    /// 低保 at the boundary, through the form: a household of two exactly at the standard per
    /// person is not eligible; one fen below the standard per person (two fen for two) is.
    #[test]
    fn dibao_at_the_standard_through_the_form() {
        let s = rural_standard();
        let p = Policies::builtin();
        for (income, expected) in [(2 * s, Status::NotEligible), (2 * s - 2, Status::Eligible), (2 * s + 2, Status::NotEligible)] {
            let sit = answers(&yuan_text(income)).situation("620825", date()).unwrap();
            let a = assess(&sit, p).unwrap();
            assert_eq!(a.programme(Programme::Dibao).status, expected, "household income {income} fen");
        }
    }

    /// Ages become birth dates that give exactly that age on the date (60 is elderly, 59 is not).
    #[test]
    fn ages_are_exact_on_the_date() {
        let a = Answers::from_pairs(&pairs(&[("area", "rural"), ("m1_age", "60"), ("m2_relation", "child"), ("m2_age", "17")]));
        let mut a = a;
        a.homes = "1".into();
        a.supporters = "none".into();
        let s = a.situation("620825", date()).unwrap();
        assert_eq!(s.members[0].age_on(date()), 60);
        assert_eq!(s.members[1].age_on(date()), 17);
        assert_eq!(s.members[0].relation, Relation::Head);
    }

    /// Nothing is guessed: no area, no homes, no answer on supporters are errors naming the
    /// question; a disability without its grade too. Blank rows are not members.
    #[test]
    fn unanswered_questions_are_named_not_assumed() {
        let a = Answers::from_pairs(&pairs(&[("m1_age", "70"), ("m1_disability", "physical"), ("savings", "12.345")]));
        let err = a.situation("620825", date()).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|x| x.field.as_str()).collect();
        for f in ["area", "homes", "supporters", "m1_grade", "savings"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        let savings = err.0.iter().find(|x| x.field == "savings").unwrap();
        assert!(savings.zh.starts_with("存款、理财等合计："), "{}", savings.zh);
        assert!(err.0.iter().all(|x| !x.zh.is_empty() && !x.en.is_empty()));
        // Rows left alone as a browser sends them (each select's first choice): not members.
        let mut sent = pairs(&[("area", "rural"), ("m1_age", "40"), ("homes", "1"), ("supporters", "none")]);
        for n in 2..=MAX_MEMBERS {
            for (f, v) in [("relation", ""), ("age", ""), ("disability", "none"), ("grade", ""), ("student", "none"), ("care", "self")] {
                sent.push((format!("m{n}_{f}"), v.to_string()));
            }
        }
        assert_eq!(Answers::from_pairs(&sent).situation("620825", date()).unwrap().members.len(), 1);
        // Two blank rows and one filled: one member.
        let mut ok = answers("0");
        ok.members[1] = MemberAnswer::default();
        assert_eq!(ok.situation("620825", date()).unwrap().members.len(), 1);
    }

    /// A member row with an age but no relation is refused (only the first row is 本人).
    #[test]
    fn a_second_member_needs_a_relation() {
        let a =
            Answers::from_pairs(&pairs(&[("area", "urban"), ("m1_age", "30"), ("m2_age", "3"), ("homes", "0"), ("supporters", "none")]));
        let err = a.situation("620825", date()).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].field, "m2_relation");
        assert!(err.0[0].zh.contains("第 2 位家庭成员"));
    }

    /// An older person alone with no income and no supporter: 特困 may apply; with a supporter
    /// able to pay it does not.
    #[test]
    fn supporters_decide_tekun() {
        let p = Policies::builtin();
        let base = [("area", "rural"), ("m1_age", "75"), ("homes", "1"), ("m1_care", "partial")];
        let mut none = pairs(&base);
        none.push(("supporters".into(), "none".into()));
        let a = assess(&Answers::from_pairs(&none).situation("620825", date()).unwrap(), p).unwrap();
        assert_eq!(a.programme(Programme::Tekun).status, Status::Eligible);
        let mut able = pairs(&base);
        able.push(("supporters".into(), "able".into()));
        let a = assess(&Answers::from_pairs(&able).situation("620825", date()).unwrap(), p).unwrap();
        assert_eq!(a.programme(Programme::Tekun).status, Status::NotEligible);
    }

    /// Reasons name members as people, in the page's language.
    #[test]
    fn reasons_name_members_as_people() {
        let a = Answers::from_pairs(&pairs(&[
            ("area", "rural"),
            ("m1_age", "75"),
            ("m2_relation", "spouse"),
            ("m2_age", "74"),
            ("homes", "1"),
            ("supporters", "none"),
        ]));
        let r = assess(&a.situation("620825", date()).unwrap(), Policies::builtin()).unwrap();
        let tekun: Vec<String> = r.programme(Programme::Tekun).reasons.iter().map(|x| in_plain_words(&x.text, Lang::Zh)).collect();
        let text = tekun.join(" ");
        assert!(text.contains("您本人") && text.contains("第 2 位家庭成员"), "{text}");
        assert!(!text.contains("m1") && !text.contains("m2"), "{text}");
        assert_eq!(in_plain_words("m1 and m2", Lang::En), "you and person 2");
    }

    /// An emergency needs its cost; a car or a business is property the rules read.
    #[test]
    fn emergency_and_property_reach_the_rules() {
        let mut a = answers("0");
        a.emergency = "accident".into();
        let err = a.situation("620825", date()).unwrap_err();
        assert_eq!(err.0[0].field, "emergency_cost");
        a.emergency_cost = "20000".into();
        a.emergency_covered = "5000".into();
        a.car = true;
        let s = a.situation("620825", date()).unwrap();
        assert_eq!(s.emergency.unwrap().cost, 2_000_000);
        let r = assess(&s, Policies::builtin()).unwrap();
        assert_eq!(r.programme(Programme::Dibao).status, Status::NotEligible, "a car is over the limits");
        assert!(!r.household.assets_ok);
    }
}
