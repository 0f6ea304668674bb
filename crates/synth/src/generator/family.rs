//! Who lives together: the household's size and shape (家庭结构), and a sketch of each member
//! (relation, sex, age, surname) before any other attribute is drawn.

use crate::names;
use crate::rng::RngExt;
use jiuzhu_domain::{Relation, Sex};
use rand::Rng;

/// Household shapes (家庭结构).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HouseholdShape {
    /// 独居老人
    SingleElderly,
    /// 单身成年人 (often an unmarried man, more often disabled than average)
    SingleAdult,
    /// 老年夫妻（空巢）
    ElderlyCouple,
    /// 中年夫妻，子女已分户
    MiddleAgedCouple,
    /// 单亲家庭, with this many children
    SingleParent(u8),
    /// 未婚成年人与老年父亲或母亲
    HeadWithParent,
    /// 核心家庭: a couple with this many children
    NuclearFamily(u8),
    /// 夫妻、子女与父母同住 (three generations, the middle one heads)
    WithParents { children: u8, parents: u8 },
    /// 隔代家庭：祖父母与留守孙子女 (the parents work elsewhere)
    SkippedGeneration { grandparents: u8, grandchildren: u8 },
    /// 老人当户主：老夫妻、儿子儿媳、孙子女 (with this many grandchildren)
    ThreeGenerations(u8),
}

/// Household size: roughly rural Gansu (2020 census: average rural household ~3.4 people;
/// shares 1: 12 %, 2: 22 %, 3: 20 %, 4: 20 %, 5: 14 %, 6+: 12 %).
const HOUSEHOLD_SIZES: &[(u8, u32)] = &[(1, 12), (2, 22), (3, 20), (4, 20), (5, 14), (6, 8), (7, 4)];

/// A household size, then a shape of that size.
pub(super) fn draw_shape(r: &mut impl Rng) -> HouseholdShape {
    use HouseholdShape::*;
    let size = r.pick(HOUSEHOLD_SIZES);
    let table: &[(HouseholdShape, u32)] = match size {
        1 => &[(SingleElderly, 55), (SingleAdult, 45)],
        2 => &[(ElderlyCouple, 34), (MiddleAgedCouple, 44), (SingleParent(1), 12), (HeadWithParent, 10)],
        3 => &[
            (NuclearFamily(1), 55),
            (SingleParent(2), 10),
            (SkippedGeneration { grandparents: 2, grandchildren: 1 }, 15),
            (WithParents { children: 0, parents: 1 }, 10),
            (SkippedGeneration { grandparents: 1, grandchildren: 2 }, 10),
        ],
        4 => &[
            (NuclearFamily(2), 60),
            (WithParents { children: 1, parents: 1 }, 25),
            (SkippedGeneration { grandparents: 2, grandchildren: 2 }, 15),
        ],
        5 => &[
            (WithParents { children: 2, parents: 1 }, 40),
            (WithParents { children: 1, parents: 2 }, 14),
            (NuclearFamily(3), 26),
            (ThreeGenerations(1), 20),
        ],
        6 => &[(WithParents { children: 2, parents: 2 }, 50), (ThreeGenerations(2), 50)],
        _ => &[(WithParents { children: 3, parents: 2 }, 50), (ThreeGenerations(3), 50)],
    };
    r.pick(table)
}

/// A household member (家庭成员) before attributes: relation, sex, age and surname.
#[derive(Debug, Clone)]
pub(super) struct MemberSketch {
    pub(super) relation: Relation,
    pub(super) sex: Sex,
    pub(super) age: u32,
    pub(super) surname: &'static str,
}

/// Members, heads first, and the surname of the head's children (for supporters).
pub(super) fn sketch_members(r: &mut impl Rng, shape: HouseholdShape) -> (Vec<MemberSketch>, &'static str) {
    use HouseholdShape::*;
    let members = match shape {
        SingleElderly => return single_elderly(r),
        SkippedGeneration { grandparents, grandchildren } => return skipped_generation(r, grandparents, grandchildren),
        SingleAdult => vec![single_adult(r)],
        ElderlyCouple => {
            let age = older_age(r, 60, 90);
            couple(r, age, 0.92).to_vec()
        }
        MiddleAgedCouple => {
            let age = r.between(42, 62);
            couple(r, age, 0.9).to_vec()
        }
        SingleParent(children) => single_parent(r, children),
        HeadWithParent => head_with_parent(r),
        NuclearFamily(children) => nuclear_family(r, children),
        WithParents { children, parents } => with_parents(r, children, parents),
        ThreeGenerations(grandchildren) => three_generations(r, grandchildren),
    };
    let lineage = fathers_surname(&members);
    (members, lineage)
}

/// Age of an older person in `lo..=hi`, falling with age like the rural age pyramid
/// (each 5-year band above 60 is ~25–45 % smaller than the one before).
fn older_age(r: &mut impl Rng, lo: u32, hi: u32) -> u32 {
    let weight = |a: u32| -> u32 {
        match a {
            ..=64 => 60,
            65..=69 => 54,
            70..=74 => 40,
            75..=79 => 26,
            80..=84 => 14,
            85..=89 => 5,
            _ => 1,
        }
    };
    let total: u32 = (lo..=hi).map(weight).sum();
    let mut x = r.random_range(0..total);
    for a in lo..=hi {
        if x < weight(a) {
            return a;
        }
        x -= weight(a);
    }
    hi
}

fn male_or_female(r: &mut impl Rng, p_male: f64) -> Sex {
    if r.chance(p_male) { Sex::Male } else { Sex::Female }
}

fn opposite_sex(s: Sex) -> Sex {
    match s {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

/// How much older a husband is than his wife: normal around 2 years, σ 3 (callers clamp the
/// resulting age to what the relation allows).
fn wife_gap(r: &mut impl Rng) -> i64 {
    (2.0 + 3.0 * r.normal()).round() as i64
}

/// Head and spouse. Husbands are on average 2 years older (normal, σ 3, clamped −4…+10);
/// nobody is married below the legal ages (women 20, men 22).
fn couple(r: &mut impl Rng, head_age: u32, p_male_head: f64) -> [MemberSketch; 2] {
    let head_sex = male_or_female(r, p_male_head);
    let gap = (2.0 + 3.0 * r.normal()).round().clamp(-4.0, 10.0) as i64;
    let (husband, wife) = if head_sex == Sex::Male {
        let wife = (head_age as i64 - gap).max(20) as u32;
        (head_age.max(22), wife)
    } else {
        let husband = (head_age as i64 + gap).max(22) as u32;
        (husband, head_age.max(20))
    };
    let (head_age, spouse_age) = if head_sex == Sex::Male { (husband, wife) } else { (wife, husband) };
    [
        MemberSketch { relation: Relation::Head, sex: head_sex, age: head_age, surname: names::surname(r) },
        MemberSketch { relation: Relation::Spouse, sex: opposite_sex(head_sex), age: spouse_age, surname: names::surname(r) },
    ]
}

/// Pushes `k` children of parents aged `a` and `b`: each parent is 20–38 years older than each
/// child (so the integer age gap is always within 18–40); siblings 1–5 years apart.
fn push_children(r: &mut impl Rng, a: u32, b: u32, k: u8, relation: Relation, surname: &'static str, out: &mut Vec<MemberSketch>) {
    let lo = a.max(b).saturating_sub(38);
    let hi = a.min(b).saturating_sub(20).max(lo);
    let mut age = r.between(lo, hi);
    for j in 0..k {
        if j > 0 {
            age = age.saturating_sub(r.between(1, 5)).max(lo);
        }
        out.push(MemberSketch { relation, sex: male_or_female(r, 0.52), age, surname });
    }
}

/// The surname children of a couple carry: the father's.
fn fathers_surname(people: &[MemberSketch]) -> &'static str {
    people.iter().find(|p| p.sex == Sex::Male).unwrap_or(&people[0]).surname
}

/// 独居老人. Widows outlive widowers: 55 % of old people living alone are women. The lineage
/// is the head's own surname for a man, his late husband's (drawn) for a woman.
fn single_elderly(r: &mut impl Rng) -> (Vec<MemberSketch>, &'static str) {
    let sex = male_or_female(r, 0.45);
    let head = MemberSketch { relation: Relation::Head, sex, age: older_age(r, 60, 95), surname: names::surname(r) };
    let lineage = if sex == Sex::Male { head.surname } else { names::surname(r) };
    (vec![head], lineage)
}

/// 单身成年人: rural bachelors (光棍) and the divorced, 75 % men.
fn single_adult(r: &mut impl Rng) -> MemberSketch {
    let sex = male_or_female(r, 0.75);
    MemberSketch { relation: Relation::Head, sex, age: r.between(22, 59), surname: names::surname(r) }
}

/// 单亲家庭: children carry a father's surname, or a mother's in three cases of ten.
fn single_parent(r: &mut impl Rng, children: u8) -> Vec<MemberSketch> {
    let sex = male_or_female(r, 0.4);
    let age = r.between(28, 52);
    let mut v = vec![MemberSketch { relation: Relation::Head, sex, age, surname: names::surname(r) }];
    let surname = if sex == Sex::Male || r.chance(0.3) { v[0].surname } else { names::surname(r) };
    push_children(r, age, age, children, Relation::Child, surname, &mut v);
    v
}

/// An unmarried adult (mostly a son) with an old father or, more often, mother.
fn head_with_parent(r: &mut impl Rng) -> Vec<MemberSketch> {
    let sex = male_or_female(r, 0.8);
    let age = r.between(25, 55);
    let surname = names::surname(r);
    let head = MemberSketch { relation: Relation::Head, sex, age, surname };
    let parent_sex = male_or_female(r, 0.3);
    let parent_age = (age + r.between(22, 36)).min(96);
    let parent_surname = if parent_sex == Sex::Male { surname } else { names::surname(r) };
    vec![head, MemberSketch { relation: Relation::Parent, sex: parent_sex, age: parent_age, surname: parent_surname }]
}

fn nuclear_family(r: &mut impl Rng, children: u8) -> Vec<MemberSketch> {
    let age = r.between(24, 55);
    let mut v = couple(r, age, 0.9).to_vec();
    let surname = fathers_surname(&v);
    let (a, b) = (v[0].age, v[1].age);
    push_children(r, a, b, children, Relation::Child, surname, &mut v);
    v
}

/// A couple, their children and one or two of the head's parents (a widowed mother is likelier
/// than a widowed father).
fn with_parents(r: &mut impl Rng, children: u8, parents: u8) -> Vec<MemberSketch> {
    let age = r.between(26, 52);
    let mut v = couple(r, age, 0.92).to_vec();
    let surname = fathers_surname(&v);
    let (a, b) = (v[0].age, v[1].age);
    push_children(r, a, b, children, Relation::Child, surname, &mut v);
    let head_age = v[0].age;
    let head_surname = v[0].surname;
    let father = (head_age + r.between(22, 36)).min(96);
    let mother = (father as i64 - wife_gap(r)).clamp(head_age as i64 + 20, head_age as i64 + 38) as u32;
    let mother = mother.min(96);
    let parent = |sex, age, surname| MemberSketch { relation: Relation::Parent, sex, age, surname };
    if parents >= 2 {
        v.push(parent(Sex::Male, father, head_surname));
        v.push(parent(Sex::Female, mother, names::surname(r)));
    } else if r.chance(0.65) {
        v.push(parent(Sex::Female, mother, names::surname(r)));
    } else {
        v.push(parent(Sex::Male, father, head_surname));
    }
    v
}

/// 隔代家庭: one or two grandparents with left-behind grandchildren (留守儿童). The lineage is the
/// grandfather's surname when there is one.
fn skipped_generation(r: &mut impl Rng, grandparents: u8, grandchildren: u8) -> (Vec<MemberSketch>, &'static str) {
    let mut v = if grandparents >= 2 {
        let age = older_age(r, 58, 78);
        couple(r, age, 0.92).to_vec()
    } else {
        let sex = male_or_female(r, 0.4);
        vec![MemberSketch { relation: Relation::Head, sex, age: older_age(r, 58, 82), surname: names::surname(r) }]
    };
    let lineage = if v[0].sex == Sex::Male {
        v[0].surname
    } else if v.len() > 1 {
        v[1].surname
    } else {
        names::surname(r)
    };
    // Three in four left-behind grandchildren are a son's children (same surname).
    let surname = if r.chance(0.75) { lineage } else { names::surname(r) };
    let mut age = r.between(1, 16);
    for j in 0..grandchildren {
        if j > 0 {
            age = age.saturating_sub(r.between(1, 5));
        }
        v.push(MemberSketch { relation: Relation::Grandchild, sex: male_or_female(r, 0.52), age, surname });
    }
    (v, lineage)
}

/// An old couple heads; their married son, his wife (a daughter-in-law is `other`) and their
/// children live with them.
#[allow(clippy::expect_used, reason = "`push_children` adds exactly the one child asked for")]
fn three_generations(r: &mut impl Rng, grandchildren: u8) -> Vec<MemberSketch> {
    let age = older_age(r, 60, 82);
    let mut v = couple(r, age, 0.95).to_vec();
    let surname = fathers_surname(&v);
    let (a, b) = (v[0].age, v[1].age);
    let mut sons = Vec::with_capacity(1);
    push_children(r, a, b, 1, Relation::Child, surname, &mut sons);
    let mut son = sons.pop().expect("one child");
    son.sex = Sex::Male;
    son.age = son.age.max(22);
    let daughter_in_law_age = (son.age as i64 - wife_gap(r)).clamp(20, a.min(b) as i64 - 18) as u32;
    let daughter_in_law =
        MemberSketch { relation: Relation::Other, sex: Sex::Female, age: daughter_in_law_age, surname: names::surname(r) };
    let (son_age, daughter_in_law_age) = (son.age, daughter_in_law.age);
    v.push(son);
    v.push(daughter_in_law);
    push_children(r, son_age, daughter_in_law_age, grandchildren, Relation::Grandchild, surname, &mut v);
    v
}
