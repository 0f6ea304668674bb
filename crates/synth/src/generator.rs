//! The household generator. Every distribution is documented where it is drawn, with why.

use crate::Config;
use crate::ids::{IdRegistry, draw_seq};
use crate::names;
use crate::rng::{HOUSEHOLD_SALT, PLACE_SALT, RngExt, stream_rng};
use chrono::{Datelike, Days, Months, NaiveDate};
use jiuzhu_domain::household::income_window;
use jiuzhu_domain::{
    Area, Asset, AssetKind, BankAccount, Disability, DisabilityKind, Division, Employment, Exclusion, Expense, ExpenseKind, Fen,
    HouseholdData, IdNumber, Income, IncomeKind, LabourCapacity, MemberData, NewHousehold, RegionCode, RegionLevel, Relation, SelfCare,
    Sex, Student, Supporter, SupporterStatus,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// Why a generator could not be set up for a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SynthError {
    /// The code is not a province, city or county code (2, 4 or 6 digits).
    NotARegion(String),
    /// The county is not in the vendored 2023 division list.
    UnknownCounty(String),
    /// The county has no villages or communities in the list.
    NoVillages(String),
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SynthError::NotARegion(c) => {
                write!(f, "区划代码 {c} 不是省、市或县级代码（2、4 或 6 位） / {c} is not a province, city or county code")
            }
            SynthError::UnknownCounty(c) => write!(f, "区划 {c} 不在 2023 年区划表中 / {c} is not in the 2023 division list"),
            SynthError::NoVillages(c) => write!(f, "县 {c} 没有村（社区）/ county {c} has no villages or communities"),
        }
    }
}

impl std::error::Error for SynthError {}

/// A village or community households live in.
#[derive(Debug, Clone)]
struct Place {
    code: RegionCode,
    /// Town + village, e.g. `南湖镇中川村`.
    label: String,
    /// Number of 社 (villager groups) in a village: bigger villages have more.
    she: u32,
}

/// Places with cumulative weights for a weighted draw.
#[derive(Debug, Clone, Default)]
struct Pool {
    places: Vec<Place>,
    cum: Vec<u64>,
}

impl Pool {
    fn push(&mut self, p: Place, weight: u64) {
        let prev = self.cum.last().copied().unwrap_or(0);
        self.cum.push(prev + weight.max(1));
        self.places.push(p);
    }
    fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
    fn pick(&self, r: &mut impl Rng) -> &Place {
        let total = *self.cum.last().expect("non-empty pool");
        let x = r.random_range(0..total);
        &self.places[self.cum.partition_point(|&c| c <= x)]
    }
}

impl County {
    /// The county's places from `divisions` (which hold at least the county's towns and
    /// villages); `stream` seeds the village weights (0 for a one-county run).
    fn new(seed: u64, stream: u64, county: &RegionCode, name: &str, divisions: &[Division]) -> Result<County, SynthError> {
        let town_name = |code: &RegionCode| {
            let t = code.parent().expect("village has a town");
            divisions.iter().find(|d| d.code == t).map(|d| d.name.clone()).unwrap_or_default()
        };
        // Village sizes: log-normal weights (σ = 0.6, so the 95th-percentile village is ~7×
        // the 5th), because village populations in 庄浪 range from a few hundred people to
        // over 3,000. Drawn from the seed so a different seed is a different county-scape.
        let mut pr = stream_rng(seed, PLACE_SALT, stream);
        let (mut rural, mut urban) = (Pool::default(), Pool::default());
        for d in divisions.iter().filter(|d| d.code.level() == RegionLevel::Village && d.code.is_within(county)) {
            let weight = pr.lognormal(1000.0, 0.6);
            let town = town_name(&d.code);
            let short = short_village_name(&d.name);
            let label = if short.starts_with(&town) { short } else { format!("{town}{short}") };
            let place = Place { code: d.code.clone(), label, she: ((weight / 120.0).round() as u32).clamp(3, 16) };
            // 统计用区划代码: village codes 001–199 are 居委会 (urban communities), 200–399 村委会.
            if matches!(d.code.as_str().as_bytes()[9], b'0' | b'1') {
                urban.push(place, weight as u64);
            } else {
                rural.push(place, weight as u64);
            }
        }
        if rural.is_empty() && urban.is_empty() {
            return Err(SynthError::NoVillages(county.to_string()));
        }
        // ~85 % rural households for a rural county (庄浪: 12 communities, 293 villages), but
        // never fewer urban households than the share of communities (urban districts).
        let (nu, nr) = (urban.places.len() as f64, rural.places.len() as f64);
        let urban_share = if urban.is_empty() {
            0.0
        } else if rural.is_empty() {
            1.0
        } else {
            (nu / (nu + nr)).max(0.15)
        };
        let county6: u32 = county.as_str().parse().expect("6 digits");
        let city = &county.as_str()[..4];
        let province = &county.as_str()[..2];
        let others: Vec<(u32, u32)> = Division::provinces_cities_counties()
            .iter()
            .filter(|d| {
                let c = d.code.as_str();
                c.len() == 6 && c.starts_with(province) && c != county.as_str() && !c.ends_with("01")
            })
            .map(|d| (d.code.as_str().parse().expect("digits"), if d.code.as_str().starts_with(city) { 6 } else { 1 }))
            .collect();
        Ok(County { name: name.to_string(), county6, rural, urban, urban_share, others })
    }
}

/// Sets up once per configuration (divisions, village weights), then makes households.
/// A configuration naming a city or a province generates all its counties: each household
/// draws its county (weighted by the county's villages) and then lives there like in a
/// one-county run; one ID registry keeps numbers unique across counties.
#[derive(Debug, Clone)]
pub struct Generator {
    cfg: Config,
    divisions: Vec<Division>,
    region_name: String,
    counties: Vec<County>,
    /// Index into `counties` with the county's number of villages as weight.
    county_weights: Vec<(usize, u32)>,
    months: [NaiveDate; 12],
}

/// One county's places and the ID address codes its people carry.
#[derive(Debug, Clone)]
struct County {
    name: String,
    county6: u32,
    rural: Pool,
    urban: Pool,
    urban_share: f64,
    /// Other counties of the same province with weights (same city weighs more).
    others: Vec<(u32, u32)>,
}

/// 5,500 元/年, the rural 低保 line the income calibration aims at (per month, in fen).
pub const RURAL_DIBAO_LINE_MONTHLY: Fen = Fen(550_000 / 12);

/// Bank names with weights: rural Gansu pays benefits mostly through the rural credit
/// cooperatives (农信社), then the postal savings bank and the agricultural bank.
const BANKS: &[(&str, u32)] =
    &[("甘肃省农村信用社", 50), ("中国邮政储蓄银行", 25), ("中国农业银行", 15), ("中国建设银行", 5), ("甘肃银行", 5)];

/// Mobile number prefixes of the three carriers (1[3-9]x).
const PHONE_PREFIXES: &[&str] =
    &["133", "135", "136", "138", "139", "150", "151", "152", "153", "158", "177", "180", "181", "182", "187", "189", "191", "193", "199"];

impl Generator {
    /// Loads the county's divisions (a few hundred milliseconds) and sets up.
    /// Panics when the configuration names no usable county: see [`Generator::try_new`].
    pub fn new(cfg: &Config) -> Generator {
        Generator::try_new(cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_new(cfg: &Config) -> Result<Generator, SynthError> {
        if !matches!(cfg.region.level(), RegionLevel::Province | RegionLevel::City | RegionLevel::County) {
            return Err(SynthError::NotARegion(cfg.region.to_string()));
        }
        if Division::find(&cfg.region).is_none() {
            return Err(SynthError::UnknownCounty(cfg.region.to_string()));
        }
        Generator::with_divisions(cfg, Division::load(&cfg.region))
    }

    /// Sets up from divisions already loaded with `Division::load(&cfg.region)` (tests and
    /// callers that need the list anyway load it once).
    pub fn with_divisions(cfg: &Config, divisions: Vec<Division>) -> Result<Generator, SynthError> {
        let region = &cfg.region;
        if !matches!(region.level(), RegionLevel::Province | RegionLevel::City | RegionLevel::County) {
            return Err(SynthError::NotARegion(region.to_string()));
        }
        let region_name = divisions
            .iter()
            .find(|d| &d.code == region)
            .map(|d| d.name.clone())
            .ok_or_else(|| SynthError::UnknownCounty(region.to_string()))?;
        let divisions: Vec<Division> = divisions.into_iter().filter(|d| d.code.is_within(region) || region.is_within(&d.code)).collect();
        let mut counties = Vec::new();
        let mut county_weights = Vec::new();
        if region.level() == RegionLevel::County {
            counties.push(County::new(cfg.seed, 0, region, &region_name, &divisions)?);
        } else {
            // Counties with villages, in code order; each one's village weights from its own
            // stream so adding a county does not change the others.
            for d in divisions.iter().filter(|d| d.code.level() == RegionLevel::County) {
                let code6: u64 = d.code.as_str().parse().expect("digits");
                let villages = divisions.iter().filter(|v| v.code.level() == RegionLevel::Village && v.code.is_within(&d.code)).count();
                if villages > 0 {
                    county_weights.push((counties.len(), villages as u32));
                    counties.push(County::new(cfg.seed, code6, &d.code, &d.name, &divisions)?);
                }
            }
            if counties.is_empty() {
                return Err(SynthError::NoVillages(region.to_string()));
            }
        }
        let (start, _) = income_window(cfg.as_of, 12);
        let months = std::array::from_fn(|k| start.checked_add_months(Months::new(k as u32)).expect("valid month"));
        Ok(Generator { cfg: cfg.clone(), divisions, region_name, counties, county_weights, months })
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
    /// The region, its ancestors, counties, towns and villages (outermost first).
    pub fn divisions(&self) -> &[Division] {
        &self.divisions
    }
    /// The name of the configured region (a county's, or a city's or province's).
    pub fn region_name(&self) -> &str {
        &self.region_name
    }
    /// The 12 income months (first days), oldest first, ending the month before `as_of`.
    pub fn months(&self) -> &[NaiveDate; 12] {
        &self.months
    }

    /// Calls `f` with every household `0..cfg.households`, in order, without keeping them.
    pub fn each(&self, mut f: impl FnMut(usize, NewHousehold)) {
        let mut ids = IdRegistry::new();
        for i in 0..self.cfg.households {
            f(i, self.household(i, &mut ids));
        }
    }

    /// Household `i`. Its random draws depend only on (seed, i); its ID numbers also on the
    /// numbers already in `ids` (collisions move to the next free sequence), so generate
    /// households in index order with one registry.
    pub fn household(&self, index: usize, ids: &mut IdRegistry) -> NewHousehold {
        let mut r = stream_rng(self.cfg.seed, HOUSEHOLD_SALT, index as u64);
        let draft = self.draft(&mut r);
        self.finish(draft, ids)
    }
}

/// `中川村委会` → `中川村`, `东街社区居委会` → `东街社区`.
fn short_village_name(name: &str) -> String {
    for (suffix, with) in [("村民委员会", "村"), ("村委会", "村"), ("居民委员会", ""), ("居委会", "")] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return format!("{stem}{with}");
        }
    }
    name.to_string()
}

/// Household shapes (家庭结构).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// 独居老人
    SingleElderly,
    /// 单身成年人 (often an unmarried man, more often disabled than average)
    SingleAdult,
    /// 老年夫妻（空巢）
    ElderlyCouple,
    /// 中年夫妻，子女已分户
    MiddleCouple,
    /// 单亲家庭
    SingleParent(u8),
    /// 未婚成年人与老年父亲或母亲
    HeadWithParent,
    /// 核心家庭
    Couple(u8),
    /// 夫妻、子女与父母同住 (three generations, the middle one heads)
    WithParents { children: u8, parents: u8 },
    /// 隔代家庭：祖父母与留守孙子女 (the parents work elsewhere)
    SkipGen { grandparents: u8, grandchildren: u8 },
    /// 老人当户主：老夫妻、儿子儿媳、孙子女
    ThreeGen(u8),
}

/// Household size: roughly rural Gansu (2020 census: average rural household ~3.4 people;
/// shares 1: 12 %, 2: 22 %, 3: 20 %, 4: 20 %, 5: 14 %, 6+: 12 %).
const SIZES: &[(u8, u32)] = &[(1, 12), (2, 22), (3, 20), (4, 20), (5, 14), (6, 8), (7, 4)];

fn shape(r: &mut impl Rng, size: u8) -> Shape {
    use Shape::*;
    let table: &[(Shape, u32)] = match size {
        1 => &[(SingleElderly, 55), (SingleAdult, 45)],
        2 => &[(ElderlyCouple, 34), (MiddleCouple, 44), (SingleParent(1), 12), (HeadWithParent, 10)],
        3 => &[
            (Couple(1), 55),
            (SingleParent(2), 10),
            (SkipGen { grandparents: 2, grandchildren: 1 }, 15),
            (WithParents { children: 0, parents: 1 }, 10),
            (SkipGen { grandparents: 1, grandchildren: 2 }, 10),
        ],
        4 => &[(Couple(2), 60), (WithParents { children: 1, parents: 1 }, 25), (SkipGen { grandparents: 2, grandchildren: 2 }, 15)],
        5 => &[
            (WithParents { children: 2, parents: 1 }, 40),
            (WithParents { children: 1, parents: 2 }, 14),
            (Couple(3), 26),
            (ThreeGen(1), 20),
        ],
        6 => &[(WithParents { children: 2, parents: 2 }, 50), (ThreeGen(2), 50)],
        _ => &[(WithParents { children: 3, parents: 2 }, 50), (ThreeGen(3), 50)],
    };
    r.pick(table)
}

/// Age of an older person in `lo..=hi`, falling with age like the rural age pyramid
/// (each 5-year band above 60 is ~25–45 % smaller than the one before).
fn older_age(r: &mut impl Rng, lo: u32, hi: u32) -> u32 {
    let w = |a: u32| -> u32 {
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
    let total: u32 = (lo..=hi).map(w).sum();
    let mut x = r.random_range(0..total);
    for a in lo..=hi {
        if x < w(a) {
            return a;
        }
        x -= w(a);
    }
    hi
}

/// A member before attributes: relation, sex, age and surname.
#[derive(Debug, Clone)]
struct Sk {
    rel: Relation,
    sex: Sex,
    age: u32,
    surname: &'static str,
}

fn male_or_female(r: &mut impl Rng, p_male: f64) -> Sex {
    if r.chance(p_male) { Sex::Male } else { Sex::Female }
}

fn other(s: Sex) -> Sex {
    match s {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

/// Head and spouse. Husbands are on average 2 years older (normal, σ 3, clamped −4…+10);
/// nobody is married below the legal ages (women 20, men 22).
fn couple(r: &mut impl Rng, head_age: u32, p_male_head: f64) -> [Sk; 2] {
    let hs = male_or_female(r, p_male_head);
    let diff = (2.0 + 3.0 * r.normal()).round().clamp(-4.0, 10.0) as i64;
    let (husband, wife) = if hs == Sex::Male {
        let wife = (head_age as i64 - diff).max(20) as u32;
        (head_age.max(22), wife)
    } else {
        let husband = (head_age as i64 + diff).max(22) as u32;
        (husband, head_age.max(20))
    };
    let (ha, sa) = if hs == Sex::Male { (husband, wife) } else { (wife, husband) };
    [
        Sk { rel: Relation::Head, sex: hs, age: ha, surname: names::surname(r) },
        Sk { rel: Relation::Spouse, sex: other(hs), age: sa, surname: names::surname(r) },
    ]
}

/// `k` children of parents aged `a` and `b`: each parent is 20–38 years older than each
/// child (so the integer age gap is always within 18–40); siblings 1–5 years apart.
fn children(r: &mut impl Rng, a: u32, b: u32, k: u8, rel: Relation, surname: &'static str, out: &mut Vec<Sk>) {
    let lo = a.max(b).saturating_sub(38);
    let hi = a.min(b).saturating_sub(20).max(lo);
    let mut age = r.between(lo, hi);
    for j in 0..k {
        if j > 0 {
            age = age.saturating_sub(r.between(1, 5)).max(lo);
        }
        out.push(Sk { rel, sex: male_or_female(r, 0.52), age, surname });
    }
}

/// The surname children of a couple carry: the father's.
fn fathers(people: &[Sk]) -> &'static str {
    people.iter().find(|p| p.sex == Sex::Male).unwrap_or(&people[0]).surname
}

/// Members, heads first, and the surname of the head's children (for supporters).
fn skeleton(r: &mut impl Rng, shape: Shape) -> (Vec<Sk>, &'static str) {
    let mut v: Vec<Sk> = Vec::with_capacity(7);
    match shape {
        Shape::SingleElderly => {
            // Widows outlive widowers: 55 % of old people living alone are women.
            let sex = male_or_female(r, 0.45);
            v.push(Sk { rel: Relation::Head, sex, age: older_age(r, 60, 95), surname: names::surname(r) });
            let lineage = if sex == Sex::Male { v[0].surname } else { names::surname(r) };
            return (v, lineage);
        }
        Shape::SingleAdult => {
            // Rural bachelors (光棍) and the divorced: 75 % men.
            let sex = male_or_female(r, 0.75);
            v.push(Sk { rel: Relation::Head, sex, age: r.between(22, 59), surname: names::surname(r) });
        }
        Shape::ElderlyCouple => {
            let age = older_age(r, 60, 90);
            v.extend(couple(r, age, 0.92));
        }
        Shape::MiddleCouple => {
            let age = r.between(42, 62);
            v.extend(couple(r, age, 0.9));
        }
        Shape::SingleParent(k) => {
            let sex = male_or_female(r, 0.4);
            let age = r.between(28, 52);
            v.push(Sk { rel: Relation::Head, sex, age, surname: names::surname(r) });
            let s = if sex == Sex::Male || r.chance(0.3) { v[0].surname } else { names::surname(r) };
            children(r, age, age, k, Relation::Child, s, &mut v);
        }
        Shape::HeadWithParent => {
            let sex = male_or_female(r, 0.8);
            let age = r.between(25, 55);
            let s = names::surname(r);
            v.push(Sk { rel: Relation::Head, sex, age, surname: s });
            let psex = male_or_female(r, 0.3);
            let page = (age + r.between(22, 36)).min(96);
            let ps = if psex == Sex::Male { s } else { names::surname(r) };
            v.push(Sk { rel: Relation::Parent, sex: psex, age: page, surname: ps });
        }
        Shape::Couple(k) => {
            let age = r.between(24, 55);
            v.extend(couple(r, age, 0.9));
            let s = fathers(&v);
            let (a, b) = (v[0].age, v[1].age);
            children(r, a, b, k, Relation::Child, s, &mut v);
        }
        Shape::WithParents { children: k, parents } => {
            let age = r.between(26, 52);
            v.extend(couple(r, age, 0.92));
            let s = fathers(&v);
            let (a, b) = (v[0].age, v[1].age);
            children(r, a, b, k, Relation::Child, s, &mut v);
            let head_age = v[0].age;
            let head_surname = v[0].surname;
            let father = (head_age + r.between(22, 36)).min(96);
            let mother = (father as i64 - (2.0 + 3.0 * r.normal()).round() as i64).clamp(head_age as i64 + 20, head_age as i64 + 38) as u32;
            let mother = mother.min(96);
            if parents >= 2 {
                v.push(Sk { rel: Relation::Parent, sex: Sex::Male, age: father, surname: head_surname });
                v.push(Sk { rel: Relation::Parent, sex: Sex::Female, age: mother, surname: names::surname(r) });
            } else if r.chance(0.65) {
                v.push(Sk { rel: Relation::Parent, sex: Sex::Female, age: mother, surname: names::surname(r) });
            } else {
                v.push(Sk { rel: Relation::Parent, sex: Sex::Male, age: father, surname: head_surname });
            }
        }
        Shape::SkipGen { grandparents, grandchildren } => {
            if grandparents >= 2 {
                let age = older_age(r, 58, 78);
                v.extend(couple(r, age, 0.92));
            } else {
                let sex = male_or_female(r, 0.4);
                v.push(Sk { rel: Relation::Head, sex, age: older_age(r, 58, 82), surname: names::surname(r) });
            }
            let lineage = if v[0].sex == Sex::Male {
                v[0].surname
            } else if v.len() > 1 {
                v[1].surname
            } else {
                names::surname(r)
            };
            // Three in four left-behind grandchildren are a son's children (same surname).
            let s = if r.chance(0.75) { lineage } else { names::surname(r) };
            let mut age = r.between(1, 16);
            for j in 0..grandchildren {
                if j > 0 {
                    age = age.saturating_sub(r.between(1, 5));
                }
                v.push(Sk { rel: Relation::Grandchild, sex: male_or_female(r, 0.52), age, surname: s });
            }
            return (v, lineage);
        }
        Shape::ThreeGen(k) => {
            let age = older_age(r, 60, 82);
            v.extend(couple(r, age, 0.95));
            let s = fathers(&v);
            let (a, b) = (v[0].age, v[1].age);
            let mut son = Vec::with_capacity(1);
            children(r, a, b, 1, Relation::Child, s, &mut son);
            let mut son = son.pop().expect("one child");
            son.sex = Sex::Male;
            son.age = son.age.max(22);
            let dil_age = (son.age as i64 - (2.0 + 3.0 * r.normal()).round() as i64).clamp(20, a.min(b) as i64 - 18) as u32;
            let dil = Sk { rel: Relation::Other, sex: Sex::Female, age: dil_age, surname: names::surname(r) };
            let (sa, da) = (son.age, dil.age);
            v.push(son);
            v.push(dil);
            children(r, sa, da, k, Relation::Grandchild, s, &mut v);
        }
    }
    let lineage = fathers(&v);
    (v, lineage)
}

/// A member with every attribute, before its ID number is fixed.
#[derive(Debug, Clone)]
struct Person {
    rel: Relation,
    sex: Sex,
    age: u32,
    birth: NaiveDate,
    name: String,
    code6: u32,
    seq: u16,
    phone: Option<String>,
    disability: Option<(DisabilityKind, u8)>,
    serious: bool,
    chronic: bool,
    unmet: u8,
    labour: LabourCapacity,
    student: Option<Student>,
    employment: Employment,
    living_together: bool,
    excluded: Option<Exclusion>,
}

/// Everything drawn for one household before ID numbers are assigned.
struct Draft {
    data: HouseholdData,
    people: Vec<Person>,
    incomes: Vec<Income>,
    assets: Vec<Asset>,
    expenses: Vec<Expense>,
    supporters: Vec<Supporter>,
}

/// Families send someone out to earn: when no member has a cash job but an able adult of
/// 18–50 is at home, in 85 % of such households one of them (men first) works away or, in
/// one case of five, takes a local job. Without this household-level choice, independent
/// draws leave a fifth of young families on farm income alone, far more than the villages
/// show (most rural Gansu families have a 外出务工 member).
fn send_a_worker(r: &mut impl Rng, people: &mut [Person]) {
    let earns = |p: &Person| matches!(p.employment, Employment::MigrantWork | Employment::Employed | Employment::SelfEmployed);
    if people.iter().any(earns) {
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

/// A birth date that makes the person exactly `age` on `as_of`.
fn birth_for_age(r: &mut impl Rng, as_of: NaiveDate, age: u32) -> NaiveDate {
    let hi = as_of.checked_sub_months(Months::new(12 * age)).expect("date in range");
    let lo = as_of.checked_sub_months(Months::new(12 * (age + 1))).expect("date in range") + Days::new(1);
    let span = (hi - lo).num_days().max(0) as u64;
    lo + Days::new(r.random_range(0..=span))
}

fn phone(r: &mut impl Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(r.one_of(PHONE_PREFIXES));
    for _ in 0..8 {
        s.push(char::from(b'0' + r.random_range(0..10u8)));
    }
    s
}

fn yuan(x: f64) -> Fen {
    Fen::yuan(x.round().max(1.0) as i64)
}

/// Self-care items lost in the Katz order (bathing first, eating last), so the number of
/// unmet items determines which ones: the CSV's `self_care_unmet` count is lossless.
pub(crate) fn self_care_with_unmet(k: u8) -> SelfCare {
    let mut s = SelfCare::default();
    let items: [&mut bool; 6] = [&mut s.bathing, &mut s.dressing, &mut s.toilet, &mut s.getting_up, &mut s.walking, &mut s.eating];
    for (i, item) in items.into_iter().enumerate() {
        if i < k as usize {
            *item = false;
        }
    }
    s
}

impl Generator {
    fn draft(&self, r: &mut ChaCha8Rng) -> Draft {
        // The county (only drawn when there are several, so a one-county run is unchanged).
        let c = if self.counties.len() == 1 { &self.counties[0] } else { &self.counties[r.pick(&self.county_weights)] };
        // Area and place: ~85 % rural (see `County::new`); village sizes weighted.
        let urban = !c.urban.is_empty() && (c.rural.is_empty() || r.chance(c.urban_share));
        let hukou = if urban { c.urban.pick(r) } else { c.rural.pick(r) };
        // 人户分离 in ~5 %: most move to the county-town communities, the rest to another village.
        let mut residence = hukou;
        if r.chance(0.05) {
            for _ in 0..4 {
                let cand = if !c.urban.is_empty() && r.chance(0.6) { c.urban.pick(r) } else { c.rural.pick(r) };
                if cand.code != hukou.code {
                    residence = cand;
                    break;
                }
            }
        }
        let is_urban_place = |p: &Place| matches!(p.code.as_str().as_bytes()[9], b'0' | b'1');
        let address = if is_urban_place(residence) {
            format!("{}{}号楼{}单元{}0{}室", residence.label, r.between(1, 30), r.between(1, 4), r.between(1, 18), r.between(1, 4))
        } else {
            format!("{}{}社{}号", residence.label, r.between(1, residence.she), r.between(1, 80))
        };

        let size = r.pick(SIZES);
        let shape = shape(r, size);
        let (sk, lineage) = skeleton(r, shape);
        let mut people: Vec<Person> = sk.iter().map(|s| self.person(r, c, s, urban, shape == Shape::SingleAdult)).collect();
        send_a_worker(r, &mut people);
        // The household phone: the head's, else another member's; some have none.
        let hh_phone = people.iter().find_map(|p| p.phone.clone());
        // A bank account for benefit payments in ~70 % of households.
        let bank_account = r.chance(0.7).then(|| {
            let bank = r.pick(BANKS);
            BankAccount { bank: bank.to_string(), account_no: account_no(r) }
        });
        let data = HouseholdData {
            hukou_region: hukou.code.clone(),
            residence_region: residence.code.clone(),
            area: if urban { Area::Urban } else { Area::Rural },
            address,
            phone: hh_phone,
            bank_account,
        };
        let supporters = self.supporters(r, &people, shape, lineage);
        let mut incomes = Vec::with_capacity(32);
        self.incomes(r, &people, urban, &supporters, &mut incomes);
        let counted: i64 = incomes.iter().filter(|i| i.kind.counted()).map(|i| i.amount.0).sum();
        let assets = self.assets(r, c, &people, urban, counted);
        let expenses = self.expenses(r, &people);
        Draft { data, people, incomes, assets, expenses, supporters }
    }

    fn person(&self, r: &mut ChaCha8Rng, c: &County, s: &Sk, urban: bool, single_adult: bool) -> Person {
        let age = s.age;
        let birth = birth_for_age(r, self.cfg.as_of, age);
        let name = format!("{}{}", s.surname, names::given(r, s.sex, birth.year()));
        // ~10 % of members aged 40+ carry another county's address code: wives married in
        // from elsewhere (20 % of spouses) and people who got their first ID elsewhere (6 %).
        let married_in = matches!(s.rel, Relation::Spouse | Relation::Other) && age >= 25;
        let p_other = if married_in {
            0.2
        } else if age >= 40 {
            0.06
        } else {
            0.0
        };
        let code6 = if !c.others.is_empty() && r.chance(p_other) { r.pick(&c.others) } else { c.county6 };
        let seq = draw_seq(r, s.sex);

        // Disability ~6 % of people (China's 2006 sample survey: 6.3 %), rising with age;
        // single adults living alone are 3× as likely (disabled men often stay unmarried).
        let mut p_dis = match age {
            0..18 => 0.015,
            18..45 => 0.035,
            45..60 => 0.07,
            60..80 => 0.12,
            _ => 0.20,
        };
        if single_adult {
            p_dis *= 3.0;
        }
        let disability = r.chance(p_dis).then(|| {
            use DisabilityKind::*;
            let kind = match age {
                0..18 => {
                    r.pick(&[(Intellectual, 30), (Physical, 25), (Hearing, 10), (Speech, 10), (Mental, 5), (Multiple, 15), (Visual, 5)])
                }
                18..60 => {
                    r.pick(&[(Physical, 40), (Mental, 12), (Intellectual, 10), (Hearing, 12), (Visual, 12), (Speech, 4), (Multiple, 10)])
                }
                _ => r.pick(&[(Physical, 38), (Hearing, 24), (Visual, 22), (Multiple, 10), (Mental, 3), (Intellectual, 3)]),
            };
            // Grades 1 (most severe) to 4; severe (1–2) about a third, as in the survey.
            (kind, r.pick(&[(1u8, 10), (2, 22), (3, 30), (4, 38)]))
        });
        // Serious illness ~3 %, chronic illness ~12 % of people, mostly the old.
        let serious = r.chance(match age {
            0..18 => 0.005,
            18..45 => 0.012,
            45..60 => 0.035,
            60..80 => 0.06,
            _ => 0.08,
        });
        let chronic = !serious
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
        // Self-care items unmet: mostly the severely disabled and the very old.
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
        if serious && r.chance(0.25) {
            unmet = unmet.max(r.between(1, 3) as u8);
        }
        // Labour capacity (特困认定办法 art. 5 for "none"): children under 16, people 70+,
        // the severely disabled and those needing much care have none; 60–69, the mildly
        // disabled and the chronically or seriously ill have partial capacity.
        let labour = if !(16..70).contains(&age) || severe || unmet >= 3 || (serious && r.chance(0.5)) {
            LabourCapacity::None
        } else if age >= 60 || disability.is_some() || serious || (chronic && r.chance(0.4)) {
            LabourCapacity::Partial
        } else {
            LabourCapacity::Full
        };
        // Students: compulsory 6–15, high school or vocational 15–18, some undergraduates 18–22.
        let is_young_relative = matches!(s.rel, Relation::Child | Relation::Grandchild);
        let student = if !is_young_relative || (severe && age >= 16) {
            None
        } else {
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
        };
        // Excluded members (办法 art. 7): a few men in prison, very rarely someone missing.
        let excluded = if s.sex == Sex::Male && (20..=50).contains(&age) && s.rel != Relation::Head && r.chance(0.004) {
            Some(Exclusion::Prison)
        } else if age >= 18 && s.rel != Relation::Head && r.chance(0.0005) {
            Some(Exclusion::Missing)
        } else {
            None
        };
        // Employment: out-migration of working-age adults (外出务工) is the main source of
        // cash income in 庄浪 — about half of able men and a quarter of able women under 50
        // work away (fewer above 50, see also `send_a_worker`); the rest farm (apples,
        // potatoes, cattle), a few work locally or keep a shop.
        let employment = if excluded.is_some() {
            Employment::Unemployed
        } else if age < 16 || student.is_some() {
            Employment::NotWorkingAge
        } else if age >= 60 {
            if urban && r.chance(0.45) {
                Employment::Retired
            } else if labour != LabourCapacity::None && !urban && r.chance(0.75) {
                Employment::Farming
            } else {
                Employment::NotWorkingAge
            }
        } else if labour == LabourCapacity::None {
            Employment::Unemployed
        } else if labour == LabourCapacity::Partial {
            use Employment::*;
            if urban { r.pick(&[(Unemployed, 50), (Employed, 25), (SelfEmployed, 25)]) } else { r.pick(&[(Farming, 80), (Unemployed, 20)]) }
        } else {
            use Employment::*;
            let older = age >= 50;
            match (urban, s.sex) {
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
        };
        // 共同生活: everyone except the excluded and ~5 % of migrant workers settled away.
        let living_together = excluded.is_none() && !(employment == Employment::MigrantWork && r.chance(0.05));
        // Phones: most heads and working-age adults, few of the very old, no children.
        let p_phone = match age {
            0..16 => 0.0,
            16..70 if s.rel == Relation::Head => 0.9,
            16..70 => 0.6,
            _ => 0.2,
        };
        let phone = r.chance(p_phone).then(|| phone(r));
        Person {
            rel: s.rel,
            sex: s.sex,
            age,
            birth,
            name,
            code6,
            seq,
            phone,
            disability,
            serious,
            chronic,
            unmet,
            labour,
            student,
            employment,
            living_together,
            excluded,
        }
    }

    /// 赡养义务人 outside the household: old heads without adult children at home have 1–3
    /// children living elsewhere (6 % have none: the childless, 五保-like); skipped-generation
    /// households list the grandchildren's parents; 30 % of single parents the other parent.
    fn supporters(&self, r: &mut ChaCha8Rng, people: &[Person], shape: Shape, lineage: &'static str) -> Vec<Supporter> {
        let head = &people[0];
        let adult_child_home = people.iter().any(|p| p.rel == Relation::Child && p.age >= 18);
        let (n, base_age, rel_son, rel_daughter) = match shape {
            Shape::SingleParent(_) => {
                if !r.chance(0.3) {
                    return Vec::new();
                }
                let rel = if head.sex == Sex::Male { "mother" } else { "father" };
                let age = (head.age as i64 + r.between(0, 6) as i64 - 3).max(22) as u32;
                let birth = birth_for_age(r, self.cfg.as_of, age);
                let name = names_for(r, rel, lineage, birth.year());
                return vec![self.supporter(r, name, rel, birth)];
            }
            Shape::SkipGen { .. } => (r.between(1, 2), head.age, "son", "daughter"),
            _ if head.age >= 60 && !adult_child_home => {
                if r.chance(0.06) {
                    return Vec::new();
                }
                (r.pick(&[(1u32, 30), (2, 40), (3, 30)]), head.age, "son", "daughter")
            }
            _ => return Vec::new(),
        };
        let mut out = Vec::with_capacity(n as usize);
        let mut age = base_age.saturating_sub(r.between(22, 34)).max(20);
        for j in 0..n {
            if j > 0 {
                age = age.saturating_sub(r.between(1, 5)).max(20);
            }
            let rel = if r.chance(0.55) { rel_son } else { rel_daughter };
            let birth = birth_for_age(r, self.cfg.as_of, age);
            let name = names_for(r, rel, lineage, birth.year());
            out.push(self.supporter(r, name, rel, birth));
        }
        out
    }

    fn supporter(&self, r: &mut ChaCha8Rng, name: String, rel: &str, birth: NaiveDate) -> Supporter {
        // Mostly ordinary earners; ~8 % on 低保 themselves (特困 art. 8 makes that matter).
        let status = r.pick(&[(SupporterStatus::None, 915), (SupporterStatus::Dibao, 80), (SupporterStatus::Tekun, 5)]);
        // Per-capita income of the supporter's own household: log-normal around 16,000 元/年
        // (above 庄浪's rural ~12,000 because children who left work in towns and cities).
        let income = match status {
            SupporterStatus::None => r.lognormal(16_000.0, 0.6),
            _ => r.between(2_500, 6_000) as f64,
        };
        Supporter {
            name,
            relation: rel.to_string(),
            birth_date: Some(birth),
            status,
            severe_disability: r.chance(0.02),
            incapacitated: r.chance(0.005),
            missing: r.chance(0.005),
            imprisoned: r.chance(0.005),
            annual_income_per_capita: Some(yuan(income)),
            assets_within_limits: r.pick(&[(Some(true), 75), (Some(false), 15), (None, 10)]),
        }
    }

    /// Incomes for the 12 months before `as_of` (see the crate docs for the row budget).
    fn incomes(&self, r: &mut ChaCha8Rng, people: &[Person], urban: bool, supporters: &[Supporter], out: &mut Vec<Income>) {
        let months = &self.months;
        let at = |cal_month: u32| *months.iter().find(|m| m.month() == cal_month).expect("every calendar month is in the window");
        let push = |out: &mut Vec<Income>, member: Option<usize>, kind: IncomeKind, month: NaiveDate, amount: Fen| {
            out.push(Income { member, kind, month, amount });
        };
        let mut farm_units = 0.0;
        for (i, p) in people.iter().enumerate() {
            if p.excluded.is_some() {
                continue;
            }
            // Nobody earns a wage before 16 (the legal working age): a 16-year-old's first
            // months in the window may fall before the birthday.
            let of_age = |m: NaiveDate| m.years_since(p.birth).unwrap_or(0) >= 16;
            match p.employment {
                Employment::MigrantWork => {
                    // Migrants leave after the Spring Festival and work 7–11 months a year;
                    // monthly pay log-normal around 4,200 元 for men, 3,300 for women (below
                    // the national migrant average of ~4,800: western, often unskilled work).
                    let median = if p.sex == Sex::Male { 4_200.0 } else { 3_300.0 };
                    let wage = r.lognormal(median, 0.3);
                    let start = r.between(2, 4);
                    let len = r.between(7, 11);
                    for k in 0..len {
                        let month = at((start + k - 1) % 12 + 1);
                        let amount = yuan(wage * r.lognormal(1.0, 0.08));
                        if of_age(month) {
                            push(out, Some(i), IncomeKind::Wage, month, amount);
                        }
                    }
                }
                Employment::Employed => {
                    // Local jobs (public-welfare posts, factories, shops): ~3,000 元 rural, 3,400 urban.
                    let wage = r.lognormal(if urban { 3_400.0 } else { 3_000.0 }, 0.3);
                    for m in months.iter().filter(|m| of_age(**m)) {
                        push(out, Some(i), IncomeKind::Wage, *m, yuan(wage));
                    }
                }
                Employment::SelfEmployed => {
                    // Small shops and workshops: net ~2,200 元 a month rural, 3,000 urban, varying.
                    let net = r.lognormal(if urban { 3_000.0 } else { 2_200.0 }, 0.5);
                    for m in months {
                        let amount = yuan(net * r.lognormal(1.0, 0.2));
                        if of_age(*m) {
                            push(out, Some(i), IncomeKind::Business, *m, amount);
                        }
                    }
                }
                Employment::Retired => {
                    // Urban retirees (teachers, workers): enterprise/public pensions ~3,100 元.
                    let pension = r.lognormal(3_100.0, 0.2);
                    for m in months {
                        push(out, Some(i), IncomeKind::Pension, *m, yuan(pension));
                    }
                }
                Employment::Farming => {
                    farm_units += if p.labour == LabourCapacity::Full { 1.0 } else { 0.6 };
                }
                _ => {}
            }
            // 城乡居民基础养老金 (excluded kind) for everyone 60+ without a pension: the
            // basic amount (113 元 in Gansu) plus age top-ups and a small personal account.
            if p.employment != Employment::Retired && p.age >= 60 {
                let top = match p.age {
                    ..65 => 0,
                    65..75 => 10,
                    75..80 => 20,
                    _ => 30,
                };
                let amount = Fen::yuan(113 + top + r.between(0, 50) as i64);
                for m in months {
                    if m.years_since(p.birth).unwrap_or(0) >= 60 {
                        push(out, Some(i), IncomeKind::PensionBasic, *m, amount);
                    }
                }
            }
            // 高龄津贴 (excluded) for 80+, paid quarterly: 100 元/month at 80–89, 200 at 90–99.
            if p.age >= 80 {
                let monthly = if p.age >= 90 { 200 } else { 100 };
                for cal in [3, 6, 9, 12] {
                    push(out, Some(i), IncomeKind::OldAgeAllowance, at(cal), Fen::yuan(monthly * 3));
                }
            }
            // Scholarships and 国家助学金 (excluded) for some students.
            if matches!(p.student, Some(Student::Undergraduate | Student::HighSchool | Student::Vocational)) && r.chance(0.15) {
                push(out, Some(i), IncomeKind::Scholarship, at(12), Fen::yuan(r.between(1_000, 5_000) as i64));
            }
        }
        if !urban {
            // Net farm income (apples, potatoes, maize, cattle) ~11,000 元/yr per full worker
            // (60 % for the partly able), sold at two harvests: August 40 %, October 60 %.
            if farm_units > 0.0 {
                let annual = farm_units * r.lognormal(11_000.0, 0.6);
                push(out, None, IncomeKind::Business, at(8), yuan(annual * 0.4));
                push(out, None, IncomeKind::Business, at(10), yuan(annual * 0.6));
            }
            // 耕地地力保护补贴 (counted transfer income): ~105 元 per mu, 2–12 mu, paid in May.
            if r.chance(0.9) {
                push(out, None, IncomeKind::Transfer, at(5), Fen::yuan(105 * r.between(2, 12) as i64));
            }
            // 土地流转 rent for 8 %, paid in December.
            if r.chance(0.08) {
                push(out, None, IncomeKind::Property, at(12), Fen::yuan(r.between(500, 3_000) as i64));
            }
        } else if r.chance(0.06) {
            push(out, None, IncomeKind::Property, at(1), Fen::yuan(r.between(3_000, 9_000) as i64));
        }
        // 赡养费 from children elsewhere: 18–48 % of each able supporter's per-capita income
        // (30 % more for each further old person or child at home, up to four: grandparents
        // raising left-behind children get more), given mostly at the Spring Festival
        // (February 40 %) and three smaller times. Support is the main cash income of the
        // rural old (the basic pension is small and excluded), so it decides whether an
        // empty-nest household falls under the line.
        let dependants = people.iter().filter(|p| p.age >= 60 || p.age < 16).count().clamp(1, 4) as f64;
        let support: f64 = supporters
            .iter()
            .filter(|s| s.status == SupporterStatus::None && !s.missing && !s.imprisoned && !s.incapacitated)
            .map(|s| {
                let income = s.annual_income_per_capita.map_or(0.0, |f| f.0 as f64 / 100.0);
                income * (0.18 + 0.30 * r.random::<f64>()) * (0.7 + 0.3 * dependants)
            })
            .sum();
        if support >= 100.0 {
            for (cal, share) in [(2, 0.4), (5, 0.2), (8, 0.2), (11, 0.2)] {
                push(out, Some(0), IncomeKind::FamilySupport, at(cal), yuan(support * share));
            }
        }
        if r.chance(0.02) {
            push(out, None, IncomeKind::Other, at(r.between(1, 12)), Fen::yuan(r.between(300, 3_000) as i64));
        }
        // Excluded kinds that show up now and then.
        if people.iter().any(|p| p.age >= 60) && r.chance(0.06) {
            push(out, Some(0), IncomeKind::FamilyPlanningReward, at(12), Fen::yuan(r.between(960, 1_200) as i64));
        }
        if people.iter().any(|p| p.age >= 60) && r.chance(0.003) {
            for cal in [3, 6, 9, 12] {
                push(out, Some(0), IncomeKind::MartyrPension, at(cal), Fen::yuan(r.between(1_500, 4_000) as i64));
            }
        }
        // Households already on 低保 (about half of those under the line) receive it
        // quarterly as `assistance` (excluded); 2 % of all had one 临时救助 payment.
        let counted: i64 = out.iter().filter(|x| x.kind.counted()).map(|x| x.amount.0).sum();
        let n = people.iter().filter(|p| p.excluded.is_none()).count().max(1) as i64;
        let pc = counted / 12 / n;
        if pc < RURAL_DIBAO_LINE_MONTHLY.0 && r.chance(0.5) {
            let gap = (RURAL_DIBAO_LINE_MONTHLY.0 - pc).max(6_000);
            let q = (gap * n * 3 / 100) * 100;
            for cal in [3, 6, 9, 12] {
                push(out, None, IncomeKind::Assistance, at(cal), Fen(q));
            }
        }
        if r.chance(0.02) {
            push(out, None, IncomeKind::Assistance, at(r.between(1, 12)), Fen::yuan(r.between(1_000, 5_000) as i64));
        }
        out.sort_by_key(|x| (x.month, x.member.map_or(0, |m| m + 1), x.kind as u8));
    }

    /// Assets, correlated with counted annual income so poor households own little.
    fn assets(&self, r: &mut ChaCha8Rng, c: &County, people: &[Person], urban: bool, counted_fen: i64) -> Vec<Asset> {
        let mut out = Vec::with_capacity(8);
        let income = counted_fen as f64 / 100.0;
        // Owner of vehicles and the registration: the highest earner of working age, else the head.
        let owner = people
            .iter()
            .position(|p| matches!(p.employment, Employment::MigrantWork | Employment::Employed | Employment::SelfEmployed))
            .unwrap_or(0);
        // Deposits (90 %): log-normal around 40 % of a year's counted income plus 2,000 元,
        // σ 1.0 — most rural savings are small, a few households have much more.
        if r.chance(0.9) {
            let v = (r.lognormal(0.4 * income + 2_000.0, 1.0)).min(800_000.0);
            let bank = r.pick(BANKS);
            let kind = if r.chance(0.3) { "定期存款" } else { "活期存款" };
            out.push(Asset { member: Some(0), kind: AssetKind::Deposit, value: yuan(v), description: format!("{bank}{kind}") });
        }
        if owner != 0 && r.chance(0.3) {
            let v = r.lognormal(0.15 * income + 1_000.0, 0.8).min(300_000.0);
            out.push(Asset {
                member: Some(owner),
                kind: AssetKind::Deposit,
                value: yuan(v),
                description: "中国邮政储蓄银行工资卡活期存款".into(),
            });
        }
        // Home: 96 % of rural households own a self-built house on their 宅基地; 75 % of
        // urban ones an apartment. Floor area is stated in the description (the 不动产 feed
        // reads it back). 2 % of rural households, up to 25 % of the better-off, also bought a
        // county-town apartment (for schooling or a son's marriage).
        if !urban && r.chance(0.96) {
            let area = r.between(60, 180);
            out.push(Asset {
                member: Some(0),
                kind: AssetKind::ResidentialProperty,
                value: Fen::yuan(area as i64 * 800),
                description: format!("宅基地自建砖木结构住房，建筑面积 {area} 平方米"),
            });
        }
        let p_flat = if urban { 0.75 } else { (0.02 + income / 600_000.0).min(0.25) };
        if r.chance(p_flat) {
            let area = r.between(60, 130);
            out.push(Asset {
                member: Some(0),
                kind: AssetKind::ResidentialProperty,
                value: Fen::yuan(area as i64 * r.between(3_200, 4_500) as i64),
                description: format!("{}县城商品房，建筑面积 {area} 平方米", c.name),
            });
        }
        if r.chance(0.01) {
            let area = r.between(20, 120);
            out.push(Asset {
                member: Some(0),
                kind: AssetKind::NonResidentialProperty,
                value: Fen::yuan(area as i64 * 5_000),
                description: format!("临街商铺，建筑面积 {area} 平方米"),
            });
        }
        // Car ~15 %, likelier with income; light truck 3 %; motorcycles and e-bikes common.
        let p_car = (0.03 + income / 400_000.0).min(0.6);
        if r.chance(p_car) {
            let brand = r.one_of(&["五菱宏光", "长安", "吉利", "比亚迪", "大众捷达", "哈弗", "奇瑞", "宝骏"]);
            let year = self.cfg.as_of.year() - r.between(0, 10) as i32;
            out.push(Asset {
                member: Some(owner),
                kind: AssetKind::Car,
                value: yuan(r.lognormal(60_000.0, 0.4)),
                description: format!("小型轿车（{brand}），{year} 年购置"),
            });
        }
        if !urban && r.chance(0.03) {
            out.push(Asset {
                member: Some(owner),
                kind: AssetKind::Truck,
                value: yuan(r.lognormal(35_000.0, 0.4)),
                description: "轻型载货汽车（农用运输）".into(),
            });
        }
        if r.chance(if urban { 0.1 } else { 0.35 }) {
            out.push(Asset {
                member: Some(owner),
                kind: AssetKind::Motorcycle,
                value: Fen::yuan(r.between(2_000, 8_000) as i64),
                description: "两轮摩托车（125cc）".into(),
            });
        }
        if r.chance(0.35) {
            out.push(Asset {
                member: Some(0),
                kind: AssetKind::EBike,
                value: Fen::yuan(r.between(800, 4_000) as i64),
                description: "电动自行车".into(),
            });
        }
        for (i, p) in people.iter().enumerate() {
            if let Some((DisabilityKind::Physical, g)) = p.disability
                && g <= 3
                && r.chance(0.2)
            {
                out.push(Asset {
                    member: Some(i),
                    kind: AssetKind::DisabilityVehicle,
                    value: Fen::yuan(r.between(3_000, 8_000) as i64),
                    description: "残疾人机动轮椅车".into(),
                });
            }
            // 个体工商户 registration for 60 % of the self-employed.
            if p.employment == Employment::SelfEmployed && r.chance(0.6) {
                let what = r.one_of(&["小卖部", "农资店", "小吃店", "摩托车修理铺", "肉牛养殖场", "理发店"]);
                out.push(Asset {
                    member: Some(i),
                    kind: AssetKind::BusinessRegistration,
                    value: Fen::ZERO,
                    description: format!("个体工商户（{what}）"),
                });
            }
        }
        if r.chance(0.06) {
            out.push(Asset {
                member: Some(0),
                kind: AssetKind::CommercialInsurance,
                value: Fen::yuan(r.between(2_000, 30_000) as i64),
                description: "商业养老保险现金价值".into(),
            });
        }
        if owner != 0 && r.chance(0.1) {
            out.push(Asset {
                member: Some(owner),
                kind: AssetKind::InternetFinance,
                value: Fen::yuan(r.between(500, 20_000) as i64),
                description: "余额宝/零钱通余额".into(),
            });
        }
        if r.chance(0.008) {
            out.push(Asset {
                member: Some(0),
                kind: AssetKind::Fund,
                value: Fen::yuan(r.between(5_000, 80_000) as i64),
                description: "银行代销基金".into(),
            });
        }
        out
    }

    /// Rigid expenses: medical costs after reimbursement for the ill, school costs for
    /// students, rehabilitation for some disabled; a few month-level records each.
    fn expenses(&self, r: &mut ChaCha8Rng, people: &[Person]) -> Vec<Expense> {
        let mut out = Vec::new();
        let month = |r: &mut ChaCha8Rng| self.months[r.random_range(0..12)];
        let at = |cal: u32| *self.months.iter().find(|m| m.month() == cal).expect("in window");
        for p in people {
            if p.serious {
                let what = r.one_of(&["恶性肿瘤", "尿毒症透析", "脑梗死", "心脏病介入治疗", "重度精神障碍", "白血病"]);
                for _ in 0..r.between(3, 6) {
                    out.push(Expense {
                        kind: ExpenseKind::Medical,
                        month: month(r),
                        amount: yuan(r.lognormal(4_000.0, 0.8)),
                        description: format!("{}：{what}住院治疗，医保报销后自付", p.name),
                    });
                }
            } else if p.chronic {
                let what = r.one_of(&["高血压", "糖尿病", "慢阻肺", "类风湿关节炎", "冠心病", "慢性胃炎"]);
                for _ in 0..r.between(1, 3) {
                    out.push(Expense {
                        kind: ExpenseKind::Medical,
                        month: month(r),
                        amount: yuan(r.lognormal(500.0, 0.6)),
                        description: format!("{}：{what}门诊购药自付", p.name),
                    });
                }
            }
            match p.student {
                Some(Student::Compulsory) if r.chance(0.25) => out.push(Expense {
                    kind: ExpenseKind::Education,
                    month: at(9),
                    amount: Fen::yuan(r.between(200, 800) as i64),
                    description: format!("{}：义务教育阶段校服、资料费", p.name),
                }),
                Some(Student::HighSchool) => {
                    for cal in [3, 9] {
                        out.push(Expense {
                            kind: ExpenseKind::Education,
                            month: at(cal),
                            amount: Fen::yuan(r.between(1_500, 3_500) as i64),
                            description: format!("{}：普通高中学杂费、住宿费", p.name),
                        });
                    }
                }
                Some(Student::Vocational) => out.push(Expense {
                    kind: ExpenseKind::Education,
                    month: at(9),
                    amount: Fen::yuan(r.between(1_000, 3_000) as i64),
                    description: format!("{}：职业学校住宿费、生活费", p.name),
                }),
                Some(Student::Undergraduate | Student::Postgraduate) => out.push(Expense {
                    kind: ExpenseKind::Education,
                    month: at(9),
                    amount: Fen::yuan(r.between(5_000, 9_000) as i64),
                    description: format!("{}：大学学费、住宿费", p.name),
                }),
                _ => {}
            }
            if let Some((_, g)) = p.disability
                && (p.age < 18 || g <= 2)
                && r.chance(if p.age < 18 { 0.5 } else { 0.2 })
            {
                for _ in 0..r.between(2, 4) {
                    out.push(Expense {
                        kind: ExpenseKind::Rehabilitation,
                        month: month(r),
                        amount: Fen::yuan(r.between(300, 2_000) as i64),
                        description: format!("{}：康复训练、辅具", p.name),
                    });
                }
            }
        }
        out.sort_by_key(|e| e.month);
        out
    }

    /// Assigns unique ID numbers and builds the checked member records.
    fn finish(&self, d: Draft, ids: &mut IdRegistry) -> NewHousehold {
        let as_of = self.cfg.as_of;
        let members = d
            .people
            .into_iter()
            .map(|p| {
                let (text, _) = ids.assign(p.code6, p.birth, p.seq);
                let id = IdNumber::parse(&text, as_of).expect("generated ID numbers are valid");
                // 第二代残疾人证号: the ID number, the kind (1 visual … 7 multiple) and the grade.
                let disability = p.disability.map(|(kind, grade)| {
                    let k = DisabilityKind::ALL.iter().position(|x| *x == kind).expect("kind listed") + 1;
                    Disability { kind, grade, certificate: Some(format!("{text}{k}{grade}")) }
                });
                MemberData {
                    sex: id.sex(),
                    birth_date: id.birth_date(),
                    id_number: id,
                    name: p.name,
                    relation: p.rel,
                    phone: p.phone,
                    disability,
                    serious_illness: p.serious,
                    chronic_illness: p.chronic,
                    self_care: self_care_with_unmet(p.unmet),
                    labour_capacity: p.labour,
                    student: p.student,
                    employment: p.employment,
                    living_together: p.living_together,
                    excluded: p.excluded,
                }
            })
            .collect();
        NewHousehold { data: d.data, members, incomes: d.incomes, assets: d.assets, expenses: d.expenses, supporters: d.supporters }
    }
}

/// A supporter's name: sons and fathers carry the family surname, daughters too (they are
/// the head's children); a mother (for single fathers' children) her own.
fn names_for(r: &mut ChaCha8Rng, rel: &str, lineage: &'static str, birth_year: i32) -> String {
    let (surname, sex) = match rel {
        "son" => (lineage, Sex::Male),
        "daughter" => (lineage, Sex::Female),
        "father" => (names::surname(r), Sex::Male),
        _ => (names::surname(r), Sex::Female),
    };
    format!("{surname}{}", names::given(r, sex, birth_year))
}

/// A 16–19 digit account number that deliberately fails the Luhn check, so it can never be a
/// real bank card (and still looks like one: UnionPay cards start with 62).
fn account_no(r: &mut ChaCha8Rng) -> String {
    let len = r.pick(&[(16usize, 1), (17, 1), (18, 1), (19, 5)]);
    let mut d: Vec<u8> = vec![6, 2];
    while d.len() < len - 1 {
        d.push(r.random_range(0..10u8));
    }
    let valid = luhn_check_digit(&d);
    d.push((valid + 1 + r.random_range(0..9u8)) % 10);
    d.into_iter().map(|x| char::from(b'0' + x)).collect()
}

/// The digit that would make `digits + [check]` pass the Luhn test.
pub(crate) fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 0 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}
