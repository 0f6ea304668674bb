//! Synthetic, reproducible households of a real county, and the department feeds that would
//! describe the same people (MISSION.md capability 1: "synthetic realistic populations for
//! demos, training and load tests"; capability 4: department data for checks).
//!
//! **Nobody here is real.** Names are drawn character by character, ID numbers are built from
//! the county code, a random birth date and a random sequence, phones and bank accounts are
//! random digits (bank numbers start with 99, no card range, or fail the Luhn check). Only the division codes and
//! names are real (the vendored 2023 statistical list).
//!
//! # Determinism
//! The same [`Config`] gives byte-identical output. Every household draws from its own
//! ChaCha8 stream keyed by the seed and numbered by the household index, so household `i` is
//! the same whether 100 or 1,000,000 households are generated. The only link between
//! households is ID-number uniqueness: a colliding draw moves to the next free sequence of
//! the same sex (see [`IdRegistry`]), which depends on households `0..i` only. Log-normal
//! amounts use floating-point `exp`/`ln` from the platform's maths library: output is
//! byte-identical on one platform; across platforms a last-bit difference could, rarely,
//! move an amount by one yuan.
//!
//! # Distributions (and why)
//! - **Places**: households spread over every village and community of the county with
//!   log-normal village weights (σ 0.6): real village populations vary several-fold. About
//!   85 % of households are rural (庄浪县 is a rural county: 293 villages, 12 communities);
//!   the area (城乡类别, which 低保 standard applies, RULES.md) follows the hukou place.
//!   ~5 % live elsewhere than their hukou (人户分离, which lengthens deadlines per RULES.md),
//!   mostly in county-town communities. Addresses: `南湖镇中川村3社17号`, or
//!   `水洛街道东街社区12号楼2单元503室` in communities.
//! - **Household size** roughly rural Gansu: 1: 12 %, 2: 22 %, 3: 20 %, 4: 20 %, 5: 14 %,
//!   6: 8 %, 7: 4 % (mean ≈ 3.4). Shapes: old people living alone, empty-nest couples,
//!   middle-aged couples, single parents, unmarried adults with an old parent, nuclear
//!   families, three generations (either the middle or the old generation heads, with a
//!   daughter-in-law as `other`), and skipped generations (grandparents with left-behind
//!   children, 留守儿童). Spouses: husbands ~2 years older (σ 3); parents are 20–38 years
//!   older than their children; siblings 1–5 years apart.
//! - **Age pyramid**: ~22 % aged 60+ (Gansu 2020 census: 17 % overall, higher in the
//!   countryside), older ages thinning out band by band.
//! - **Work**: out-migration (外出务工, `migrant_work`) for about half of able men and a
//!   quarter of able women under 50, fewer above, and at least one earner sent out by 85 %
//!   of households that would otherwise have none; the rest mostly farm. Labour capacity
//!   follows 特困认定办法 art. 5: none under 16, at 70+, with severe disability or heavy
//!   care needs.
//! - **Health**: disability ~6 % of people (2006 national sample survey 6.3 %), rising with
//!   age, grades 1–4 with severe (1–2) about a third; serious illness ~3 %; chronic illness
//!   ~12 %, mostly after 45. Self-care items unmet mostly for the severely disabled and the
//!   very old (特困 art. 21–22 levels).
//! - **Students**: compulsory 6–15, high school or vocational 15–18, some undergraduates
//!   18–22, very few postgraduates.
//! - **Incomes** (12 months before `as_of`'s month, month = first day): wages of migrants for
//!   the 7–11 months they work, local wages, small-business income, urban pensions monthly;
//!   farm income at two harvests (August, October); the farmland subsidy (transfer) once;
//!   support from children elsewhere (family_support) four times; the basic pension
//!   (`pension_basic`, excluded by 办法 art. 13) 113–193 元 a month for everyone 60+
//!   without a pension; 高龄津贴 quarterly for 80+; 低保 payments (`assistance`, excluded)
//!   quarterly for about half the households under the line. Only members who have an income
//!   get rows, so households average about 20–25 income rows (measured: see the tests).
//!   Calibrated so that ~11 % of households (tests accept 5–15 %) have counted per-capita
//!   income under the rural 低保 line of 5,500 元/年 ([`RURAL_DIBAO_LINE_MONTHLY`]).
//! - **Assets**: deposits for 90 % (log-normal around 40 % of a year's counted income plus
//!   2,000 元, σ 1.0, so the poor have little), a house for almost every rural household and
//!   three in four urban ones, a county-town apartment for a few rural ones (more if richer),
//!   a car for ~15 % (likelier with income), motorcycles and e-bikes common, business
//!   registrations for most of the self-employed; descriptions in Chinese.
//! - **Expenses**: medical costs after reimbursement for the seriously and chronically ill,
//!   school costs per student, rehabilitation for some disabled people.
//! - **Supporters**: old heads without adult children at home have 1–3 children elsewhere
//!   (6 % none), mostly ordinary earners (~16,000 元 per capita a year), ~8 % on 低保.
//! - **Contacts**: a bank account for ~70 % of households (农信社, 邮储, 农行 …); mobile
//!   numbers for most heads and working-age adults.
//!
//! # Files
//! [`write_files`] (or [`FilesWriter`] for streaming) writes the CSV files and feeds
//! listed in [`files`] (columns, formats and the planted discrepancies), plus `README.txt`.

mod error;
pub mod feeds;
pub mod files;
mod formats;
mod generator;
mod ids;
mod names;
mod plates;
mod rng;

pub use error::SynthError;
pub use files::{FILES, FilesWriter, PLANTED, write_files};
pub use generator::{Generator, RURAL_DIBAO_LINE_MONTHLY};
pub use ids::IdRegistry;

use chrono::NaiveDate;
use jiuzhu_domain::{Division, Fen, NewHousehold, RegionCode};
use serde::{Deserialize, Serialize};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The county (6 digits), or a city (4) or province (2) to generate all its counties.
    /// Default 620825 庄浪县 (甘肃省平凉市), a rural county.
    pub region: RegionCode,
    pub households: usize,
    pub seed: u64,
    /// "Today": ages are counted on this day and incomes cover the 12 months before its month.
    pub as_of: NaiveDate,
}

impl Config {
    /// 庄浪县.
    pub const DEFAULT_COUNTY: &'static str = "620825";

    /// The default county with the given size, seed and day.
    #[allow(clippy::expect_used, reason = "a constant, valid county code")]
    pub fn new(households: usize, seed: u64, as_of: NaiveDate) -> Config {
        Config { region: RegionCode::parse(Config::DEFAULT_COUNTY).expect("valid code"), households, seed, as_of }
    }

    /// `region` instead of the default county (a county, city or province code).
    pub fn with_region(self, region: RegionCode) -> Config {
        Config { region, ..self }
    }
}

impl Default for Config {
    /// 庄浪县, 20,000 households, seed 0, as of today (local time): pass an explicit `as_of`
    /// when output must be reproducible across days.
    fn default() -> Config {
        Config::new(20_000, 0, jiuzhu_domain::clock::beijing_date(chrono::Utc::now()))
    }
}

/// A generated population.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// What it was generated from (written into `README.txt`).
    pub config: Config,
    /// The county, its towns and villages, and its ancestors (province, city), outermost first.
    pub divisions: Vec<Division>,
    pub households: Vec<NewHousehold>,
}

/// Generates the whole population in memory. Deterministic for the same [`Config`].
/// Panics when the county is not a county of the vendored list (see [`Generator::try_new`]).
pub fn generate(cfg: &Config) -> Population {
    let g = Generator::new(cfg);
    let mut households = Vec::with_capacity(cfg.households);
    g.each(|_, h| households.push(h));
    Population { config: cfg.clone(), divisions: g.divisions().to_vec(), households }
}

/// Generates households one by one, in index order, without holding them (for 100k+).
/// Household `i` is the same as `generate(cfg).households[i]`.
pub fn generate_each(cfg: &Config, f: impl FnMut(usize, NewHousehold)) {
    Generator::new(cfg).each(f)
}

/// The simplified measure this crate calibrates against: counted income (办法 art. 13 kinds)
/// of all records, divided by 12 months and by the members not excluded (art. 7). The policy
/// engine's own assessment (deductions, windows) is elsewhere; this is only for calibration.
pub fn counted_income_per_capita_monthly(h: &NewHousehold) -> Fen {
    let counted: i64 = h.incomes.iter().filter(|i| i.kind.counted()).map(|i| i.amount.0).sum();
    let n = h.members.iter().filter(|m| m.excluded.is_none()).count().max(1) as i64;
    Fen(counted / 12 / n)
}
