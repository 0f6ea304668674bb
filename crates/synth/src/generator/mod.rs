//! The household generator: sets up a region's places once, then draws households one by one.
//! Every distribution is documented where it is drawn, with why.
//!
//! A household is drawn in stages, one module each, every stage reading only what the earlier
//! ones produced: where it lives (`places`), who belongs to it (`family`), each member's
//! attributes (`person`), relatives elsewhere who owe support (`supporters`), then money
//! (`incomes`, `assets`, `expenses`). ID numbers are fixed last (`Person::into_member`).
//!
//! The order of the draws is part of the output: one more or one fewer draw shifts everything
//! after it in the household's stream, so `Generator::draft` calls the stages in a fixed order
//! and each stage draws in the order its comments describe.

mod assets;
mod contacts;
mod draws;
mod expenses;
mod family;
mod incomes;
mod person;
mod places;
mod supporters;

pub use incomes::RURAL_DIBAO_LINE_MONTHLY;

use crate::Config;
use crate::error::SynthError;
use crate::ids::IdRegistry;
use crate::rng::{HOUSEHOLD_SALT, RngExt, stream_rng};
use chrono::{Months, NaiveDate};
use jiuzhu_domain::household::income_window;
use jiuzhu_domain::{Area, Asset, Division, Expense, HouseholdData, Income, NewHousehold, RegionCode, RegionLevel, Supporter};
use person::Person;
use places::County;
use rand_chacha::ChaCha8Rng;

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

/// Everything drawn for one household before ID numbers are assigned.
struct Draft {
    data: HouseholdData,
    people: Vec<Person>,
    incomes: Vec<Income>,
    assets: Vec<Asset>,
    expenses: Vec<Expense>,
    supporters: Vec<Supporter>,
}

/// Only provinces, cities and counties can be generated (a town or village has too few places).
fn is_generated_level(region: &RegionCode) -> bool {
    matches!(region.level(), RegionLevel::Province | RegionLevel::City | RegionLevel::County)
}

impl Generator {
    /// Loads the county's divisions (a few hundred milliseconds) and sets up.
    /// Panics when the configuration names no usable county: see [`Generator::try_new`].
    pub fn new(cfg: &Config) -> Generator {
        Generator::try_new(cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_new(cfg: &Config) -> Result<Generator, SynthError> {
        if !is_generated_level(&cfg.region) {
            return Err(SynthError::NotARegion(cfg.region.to_string()));
        }
        if Division::find(&cfg.region).is_none() {
            return Err(SynthError::UnknownCounty(cfg.region.to_string()));
        }
        Generator::with_divisions(cfg, Division::load(&cfg.region))
    }

    /// Sets up from divisions already loaded with `Division::load(&cfg.region)` (tests and
    /// callers that need the list anyway load it once).
    #[allow(clippy::expect_used, reason = "the 12 months before `as_of`, far inside chrono's range")]
    pub fn with_divisions(cfg: &Config, divisions: Vec<Division>) -> Result<Generator, SynthError> {
        let region = &cfg.region;
        if !is_generated_level(region) {
            return Err(SynthError::NotARegion(region.to_string()));
        }
        let region_name = divisions
            .iter()
            .find(|d| &d.code == region)
            .map(|d| d.name.clone())
            .ok_or_else(|| SynthError::UnknownCounty(region.to_string()))?;
        let divisions: Vec<Division> = divisions.into_iter().filter(|d| d.code.is_within(region) || region.is_within(&d.code)).collect();
        let (counties, county_weights) = if region.level() == RegionLevel::County {
            (vec![County::new(cfg.seed, 0, region, &region_name, &divisions)?], Vec::new())
        } else {
            counties_of(cfg.seed, region, &divisions)?
        };
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

    /// Draws one household, stage by stage (the order of the stages is part of the output).
    fn draft(&self, r: &mut ChaCha8Rng) -> Draft {
        let as_of = self.cfg.as_of;
        // The county (only drawn when there are several, so a one-county run is unchanged).
        let county = if self.counties.len() == 1 { &self.counties[0] } else { &self.counties[r.pick(&self.county_weights)] };
        let home = county.draw_home(r);
        let shape = family::draw_shape(r);
        let (sketches, lineage) = family::sketch_members(r, shape);
        let single_adult = shape == family::HouseholdShape::SingleAdult;
        let mut people: Vec<Person> =
            sketches.iter().map(|sketch| person::draw_person(r, as_of, county, sketch, home.urban, single_adult)).collect();
        person::send_a_worker(r, &mut people);
        // The household phone: the head's, else another member's; some have none.
        let phone = people.iter().find_map(|p| p.phone.clone());
        let bank_account = contacts::draw_bank_account(r);
        let data = HouseholdData {
            hukou_region: home.hukou.code.clone(),
            residence_region: home.residence.code.clone(),
            area: if home.urban { Area::Urban } else { Area::Rural },
            address: home.address,
            phone,
            bank_account,
        };
        let supporters = supporters::draw_supporters(r, as_of, &people, shape, lineage);
        let incomes = incomes::draw_incomes(r, &self.months, &people, home.urban, &supporters);
        let counted: i64 = incomes.iter().filter(|i| i.kind.counted()).map(|i| i.amount.0).sum();
        let assets = assets::draw_assets(r, as_of, county, &people, home.urban, counted);
        let expenses = expenses::draw_expenses(r, &self.months, &people);
        Draft { data, people, incomes, assets, expenses, supporters }
    }

    /// Assigns unique ID numbers and builds the checked member records.
    fn finish(&self, draft: Draft, ids: &mut IdRegistry) -> NewHousehold {
        let members = draft.people.into_iter().map(|p| p.into_member(ids, self.cfg.as_of)).collect();
        NewHousehold {
            data: draft.data,
            members,
            incomes: draft.incomes,
            assets: draft.assets,
            expenses: draft.expenses,
            supporters: draft.supporters,
            declaration: None,
        }
        // A generated household's records are its whole declaration: a part without rows was
        // declared empty (on the generation date, by the generator).
        .declared(self.cfg.as_of, DECLARED_BY)
    }
}

/// Who took a generated household's declaration (shown on its page and in its check record).
pub const DECLARED_BY: &str = "演示数据生成";

/// Counties, and each one's index with its weight for the draw of a household's county.
type WeightedCounties = (Vec<County>, Vec<(usize, u32)>);

/// The counties of a city or province that have villages, in code order, with their number of
/// villages as weights. Each county's village weights come from its own stream (numbered by
/// its code), so adding a county does not change the others.
#[allow(clippy::expect_used, reason = "a division code is at most 12 digits: it fits a u64")]
fn counties_of(seed: u64, region: &RegionCode, divisions: &[Division]) -> Result<WeightedCounties, SynthError> {
    let mut counties = Vec::new();
    let mut weights = Vec::new();
    for d in divisions.iter().filter(|d| d.code.level() == RegionLevel::County) {
        let stream: u64 = d.code.as_str().parse().expect("digits");
        let villages = divisions.iter().filter(|v| v.code.level() == RegionLevel::Village && v.code.is_within(&d.code)).count();
        if villages > 0 {
            weights.push((counties.len(), villages as u32));
            counties.push(County::new(seed, stream, &d.code, &d.name, divisions)?);
        }
    }
    if counties.is_empty() {
        return Err(SynthError::NoVillages(region.to_string()));
    }
    Ok((counties, weights))
}
