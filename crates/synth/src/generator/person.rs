//! Each member's attributes (家庭成员情况): name, ID address code, health, labour capacity,
//! schooling, employment and phone, drawn in that order from the member's sketch; and the
//! member record once the ID number is fixed.

use super::contacts::draw_phone;
use super::draws::birth_for_age;
use super::family::MemberSketch;
use super::places::County;
use crate::ids::{IdRegistry, draw_sequence};
use crate::names;
use crate::rng::RngExt;
use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::{
    Disability, DisabilityKind, Employment, Exclusion, IdNumber, LabourCapacity, MemberData, Relation, SelfCare, Sex, Student,
};
use rand::Rng;

/// A member with every attribute, before its ID number is fixed.
#[derive(Debug, Clone)]
pub(super) struct Person {
    pub(super) relation: Relation,
    pub(super) sex: Sex,
    pub(super) age: u32,
    pub(super) birth: NaiveDate,
    pub(super) name: String,
    /// The ID number's address code (its first six digits).
    address_code: u32,
    /// The drawn ID sequence (digits 15–17); the registry moves it on a collision.
    id_sequence: u16,
    pub(super) phone: Option<String>,
    pub(super) health: Health,
    pub(super) labour: LabourCapacity,
    pub(super) student: Option<Student>,
    pub(super) employment: Employment,
    /// 共同生活
    living_together: bool,
    pub(super) excluded: Option<Exclusion>,
}

/// Disability (残疾), illness (重病, 慢性病) and self-care (生活自理) of one member.
#[derive(Debug, Clone, Copy)]
pub(super) struct Health {
    /// Kind and grade (1 most severe … 4).
    pub(super) disability: Option<(DisabilityKind, u8)>,
    pub(super) serious_illness: bool,
    pub(super) chronic_illness: bool,
    /// How many of the six daily-living items are not met (see `self_care_with_unmet`).
    self_care_unmet: u8,
    /// 重度残疾: grades 1–2, or grade 3 of an intellectual, mental or multiple disability.
    severe: bool,
}

/// Draws every attribute of the member `sketch` of a household in `county`.
pub(super) fn draw_person(
    r: &mut impl Rng,
    as_of: NaiveDate,
    county: &County,
    sketch: &MemberSketch,
    urban: bool,
    single_adult: bool,
) -> Person {
    let age = sketch.age;
    let birth = birth_for_age(r, as_of, age);
    let name = format!("{}{}", sketch.surname, names::given_name(r, sketch.sex, birth.year()));
    let address_code = draw_address_code(r, county, sketch);
    let id_sequence = draw_sequence(r, sketch.sex);
    let health = draw_health(r, age, single_adult);
    let labour = draw_labour_capacity(r, age, &health);
    let student = draw_student(r, sketch.relation, age, health.severe);
    let excluded = draw_exclusion(r, sketch);
    let employment = draw_employment(r, sketch.sex, age, urban, labour, student, excluded);
    // 共同生活: everyone except the excluded and ~5 % of migrant workers settled away.
    let living_together = excluded.is_none() && !(employment == Employment::MigrantWork && r.chance(0.05));
    let phone = draw_member_phone(r, sketch.relation, age);
    Person {
        relation: sketch.relation,
        sex: sketch.sex,
        age,
        birth,
        name,
        address_code,
        id_sequence,
        phone,
        health,
        labour,
        student,
        employment,
        living_together,
        excluded,
    }
}

/// ~10 % of members aged 40+ carry another county's address code: wives married in from
/// elsewhere (20 % of spouses) and people who got their first ID elsewhere (6 %).
fn draw_address_code(r: &mut impl Rng, county: &County, sketch: &MemberSketch) -> u32 {
    let married_in = matches!(sketch.relation, Relation::Spouse | Relation::Other) && sketch.age >= 25;
    let p_other = if married_in {
        0.2
    } else if sketch.age >= 40 {
        0.06
    } else {
        0.0
    };
    if !county.other_address_codes.is_empty() && r.chance(p_other) { r.pick(&county.other_address_codes) } else { county.address_code }
}

fn draw_health(r: &mut impl Rng, age: u32, single_adult: bool) -> Health {
    let disability = draw_disability(r, age, single_adult);
    // Serious illness ~3 %, chronic illness ~12 % of people, mostly the old.
    let serious_illness = r.chance(match age {
        0..18 => 0.005,
        18..45 => 0.012,
        45..60 => 0.035,
        60..80 => 0.06,
        _ => 0.08,
    });
    let chronic_illness = !serious_illness
        && r.chance(match age {
            0..18 => 0.01,
            18..45 => 0.04,
            45..60 => 0.14,
            60..80 => 0.32,
            _ => 0.40,
        });
    let severe = disability.is_some_and(|(k, g)| {
        g <= 2 || (g == 3 && matches!(k, DisabilityKind::Intellectual | DisabilityKind::Mental | DisabilityKind::Multiple))
    });
    let self_care_unmet = draw_self_care_unmet(r, age, disability, serious_illness);
    Health { disability, serious_illness, chronic_illness, self_care_unmet, severe }
}

/// Disability ~6 % of people (China's 2006 sample survey: 6.3 %), rising with age; single
/// adults living alone are 3× as likely (disabled men often stay unmarried).
fn draw_disability(r: &mut impl Rng, age: u32, single_adult: bool) -> Option<(DisabilityKind, u8)> {
    let mut p_disabled = match age {
        0..18 => 0.015,
        18..45 => 0.035,
        45..60 => 0.07,
        60..80 => 0.12,
        _ => 0.20,
    };
    if single_adult {
        p_disabled *= 3.0;
    }
    r.chance(p_disabled).then(|| {
        use DisabilityKind::*;
        let kind = match age {
            0..18 => r.pick(&[(Intellectual, 30), (Physical, 25), (Hearing, 10), (Speech, 10), (Mental, 5), (Multiple, 15), (Visual, 5)]),
            18..60 => r.pick(&[(Physical, 40), (Mental, 12), (Intellectual, 10), (Hearing, 12), (Visual, 12), (Speech, 4), (Multiple, 10)]),
            _ => r.pick(&[(Physical, 38), (Hearing, 24), (Visual, 22), (Multiple, 10), (Mental, 3), (Intellectual, 3)]),
        };
        // Grades 1 (most severe) to 4; severe (1–2) about a third, as in the survey.
        (kind, r.pick(&[(1u8, 10), (2, 22), (3, 30), (4, 38)]))
    })
}

/// Self-care items unmet: mostly the severely disabled and the very old.
fn draw_self_care_unmet(r: &mut impl Rng, age: u32, disability: Option<(DisabilityKind, u8)>, serious_illness: bool) -> u8 {
    let mut unmet = 0u8;
    if let Some((kind, grade)) = disability {
        let body = !matches!(kind, DisabilityKind::Hearing | DisabilityKind::Speech);
        if body && grade == 1 {
            unmet = r.between(3, 6) as u8;
        } else if body && grade == 2 && r.chance(0.7) {
            unmet = r.between(1, 4) as u8;
        }
    }
    if age >= 80 && r.chance(0.35) {
        unmet = unmet.max(r.between(1, 4) as u8);
    } else if age >= 70 && r.chance(0.10) {
        unmet = unmet.max(r.between(1, 3) as u8);
    }
    if serious_illness && r.chance(0.25) {
        unmet = unmet.max(r.between(1, 3) as u8);
    }
    unmet
}

/// Labour capacity (特困认定办法 art. 5 for "none"): children under 16, people 70+, the
/// severely disabled and those needing much care have none; 60–69, the mildly disabled and
/// the chronically or seriously ill have partial capacity.
fn draw_labour_capacity(r: &mut impl Rng, age: u32, health: &Health) -> LabourCapacity {
    let serious = health.serious_illness;
    if !(16..70).contains(&age) || health.severe || health.self_care_unmet >= 3 || (serious && r.chance(0.5)) {
        LabourCapacity::None
    } else if age >= 60 || health.disability.is_some() || serious || (health.chronic_illness && r.chance(0.4)) {
        LabourCapacity::Partial
    } else {
        LabourCapacity::Full
    }
}

/// Students (在校生) among children and grandchildren: compulsory 6–15, high school or
/// vocational 15–18, some undergraduates 18–22, very few postgraduates.
fn draw_student(r: &mut impl Rng, relation: Relation, age: u32, severe: bool) -> Option<Student> {
    let is_young_relative = matches!(relation, Relation::Child | Relation::Grandchild);
    if !is_young_relative || (severe && age >= 16) {
        return None;
    }
    use Student::*;
    match age {
        6..=14 => Some(Compulsory),
        15 => Some(if r.chance(0.5) { Compulsory } else { HighSchool }),
        16..=17 => r.pick(&[(Some(HighSchool), 55), (Some(Vocational), 30), (None, 15)]),
        18 => r.pick(&[(Some(HighSchool), 30), (Some(Vocational), 20), (Some(Undergraduate), 20), (None, 30)]),
        19..=22 => r.pick(&[(Some(Undergraduate), 45), (Some(Vocational), 10), (None, 45)]),
        23..=25 => r.pick(&[(Some(Postgraduate), 3), (None, 97)]),
        _ => None,
    }
}

/// Excluded members (办法 art. 7): a few men in prison, very rarely someone missing.
fn draw_exclusion(r: &mut impl Rng, sketch: &MemberSketch) -> Option<Exclusion> {
    let (age, not_head) = (sketch.age, sketch.relation != Relation::Head);
    if sketch.sex == Sex::Male && (20..=50).contains(&age) && not_head && r.chance(0.004) {
        Some(Exclusion::Prison)
    } else if age >= 18 && not_head && r.chance(0.0005) {
        Some(Exclusion::Missing)
    } else {
        None
    }
}

/// Employment: out-migration of working-age adults (外出务工) is the main source of cash income
/// in 庄浪 — about half of able men and a quarter of able women under 50 work away (fewer above
/// 50, see also `send_a_worker`); the rest farm (apples, potatoes, cattle), a few work locally
/// or keep a shop.
fn draw_employment(
    r: &mut impl Rng,
    sex: Sex,
    age: u32,
    urban: bool,
    labour: LabourCapacity,
    student: Option<Student>,
    excluded: Option<Exclusion>,
) -> Employment {
    use Employment::*;
    if excluded.is_some() {
        Unemployed
    } else if age < 16 || student.is_some() {
        NotWorkingAge
    } else if age >= 60 {
        if urban && r.chance(0.45) {
            Retired
        } else if labour != LabourCapacity::None && !urban && r.chance(0.75) {
            Farming
        } else {
            NotWorkingAge
        }
    } else if labour == LabourCapacity::None {
        Unemployed
    } else if labour == LabourCapacity::Partial {
        if urban { r.pick(&[(Unemployed, 50), (Employed, 25), (SelfEmployed, 25)]) } else { r.pick(&[(Farming, 80), (Unemployed, 20)]) }
    } else {
        draw_able_employment(r, sex, age, urban)
    }
}

/// Employment of a fully able adult under 60.
fn draw_able_employment(r: &mut impl Rng, sex: Sex, age: u32, urban: bool) -> Employment {
    use Employment::*;
    let older = age >= 50;
    match (urban, sex) {
        (true, _) => r.pick(&[(Employed, 40), (SelfEmployed, 22), (MigrantWork, 12), (Unemployed, 18), (Farming, 8)]),
        (false, Sex::Male) => r.pick(&[
            (MigrantWork, if older { 24 } else { 50 }),
            (Farming, if older { 56 } else { 30 }),
            (Employed, 9),
            (SelfEmployed, 5),
            (Unemployed, 6),
        ]),
        (false, Sex::Female) => r.pick(&[
            (MigrantWork, if older { 10 } else { 28 }),
            (Farming, if older { 68 } else { 50 }),
            (Employed, 9),
            (SelfEmployed, 5),
            (Unemployed, 8),
        ]),
    }
}

/// Phones: most heads and working-age adults, few of the very old, no children.
fn draw_member_phone(r: &mut impl Rng, relation: Relation, age: u32) -> Option<String> {
    let p_phone = match age {
        0..16 => 0.0,
        16..70 if relation == Relation::Head => 0.9,
        16..70 => 0.6,
        _ => 0.2,
    };
    r.chance(p_phone).then(|| draw_phone(r))
}

/// Families send someone out to earn: when no member has a cash job but an able adult of
/// 18–50 is at home, in 85 % of such households one of them (men first) works away or, in
/// one case of five, takes a local job. Without this household-level choice, independent
/// draws leave a fifth of young families on farm income alone, far more than the villages
/// show (most rural Gansu families have a 外出务工 member).
pub(super) fn send_a_worker(r: &mut impl Rng, people: &mut [Person]) {
    if people.iter().any(Person::earns_cash) {
        return;
    }
    let able = |p: &Person| p.labour == LabourCapacity::Full && (18..=50).contains(&p.age) && p.student.is_none() && p.excluded.is_none();
    let pick = people.iter().position(|p| able(p) && p.sex == Sex::Male).or_else(|| people.iter().position(able));
    if let Some(i) = pick
        && r.chance(0.85)
    {
        people[i].employment = if r.chance(0.2) { Employment::Employed } else { Employment::MigrantWork };
    }
}

impl Person {
    /// Works away, has a local job or runs a business (farm income is the household's, paid at
    /// harvest, so farming does not count).
    pub(super) fn earns_cash(&self) -> bool {
        matches!(self.employment, Employment::MigrantWork | Employment::Employed | Employment::SelfEmployed)
    }

    /// The member record, with a unique ID number from `ids`.
    #[allow(
        clippy::expect_used,
        reason = "the ID number is built from a listed county and a birth date before `as_of`; the kind is from `DisabilityKind::ALL`"
    )]
    pub(super) fn into_member(self, ids: &mut IdRegistry, as_of: NaiveDate) -> MemberData {
        let (text, _) = ids.assign(self.address_code, self.birth, self.id_sequence);
        let id = IdNumber::parse(&text, as_of).expect("generated ID numbers are valid");
        // 第二代残疾人证号: the ID number, the kind (1 visual … 7 multiple) and the grade.
        let disability = self.health.disability.map(|(kind, grade)| {
            let k = DisabilityKind::ALL.iter().position(|x| *x == kind).expect("kind listed") + 1;
            Disability { kind, grade, certificate: Some(format!("{text}{k}{grade}")) }
        });
        MemberData {
            sex: id.sex(),
            birth_date: id.birth_date(),
            id_number: id,
            name: self.name,
            relation: self.relation,
            phone: self.phone,
            disability,
            serious_illness: self.health.serious_illness,
            chronic_illness: self.health.chronic_illness,
            self_care: self_care_with_unmet(self.health.self_care_unmet),
            labour_capacity: self.labour,
            student: self.student,
            employment: self.employment,
            living_together: self.living_together,
            excluded: self.excluded,
        }
    }
}

/// Self-care items lost in the Katz order (bathing first, eating last), so the number of
/// unmet items determines which ones: the CSV's `self_care_unmet` count is lossless.
fn self_care_with_unmet(k: u8) -> SelfCare {
    let mut s = SelfCare::default();
    let items: [&mut bool; 6] = [&mut s.bathing, &mut s.dressing, &mut s.toilet, &mut s.getting_up, &mut s.walking, &mut s.eating];
    for (i, item) in items.into_iter().enumerate() {
        if i < k as usize {
            *item = false;
        }
    }
    s
}
