//! Where households live: a county's villages (村) and communities (社区) weighted by size, and
//! each household's hukou place, residence and address.

use crate::error::SynthError;
use crate::rng::{PLACE_SALT, RngExt, stream_rng};
use jiuzhu_domain::{Division, RegionCode, RegionLevel};
use rand::Rng;

/// A village (村) or community (社区) households live in.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) code: RegionCode,
    /// Town + village, e.g. `南湖镇中川村`.
    label: String,
    /// Number of 社 (villager groups, 村民小组) in a village: bigger villages have more.
    villager_groups: u32,
}

/// 统计用区划代码: village codes 001–199 are 居委会 (urban communities), 200–399 村委会.
fn is_community(code: &RegionCode) -> bool {
    matches!(code.as_str().as_bytes()[9], b'0' | b'1')
}

impl Place {
    /// `南湖镇中川村3社17号` in a village, `水洛街道东街社区12号楼2单元503室` in a community.
    fn draw_address(&self, r: &mut impl Rng) -> String {
        if is_community(&self.code) {
            format!("{}{}号楼{}单元{}0{}室", self.label, r.between(1, 30), r.between(1, 4), r.between(1, 18), r.between(1, 4))
        } else {
            format!("{}{}社{}号", self.label, r.between(1, self.villager_groups), r.between(1, 80))
        }
    }
}

/// Places with cumulative weights for a weighted draw.
#[derive(Debug, Clone, Default)]
struct PlacePool {
    places: Vec<Place>,
    cumulative_weights: Vec<u64>,
}

impl PlacePool {
    fn push(&mut self, p: Place, weight: u64) {
        let prev = self.cumulative_weights.last().copied().unwrap_or(0);
        self.cumulative_weights.push(prev + weight.max(1));
        self.places.push(p);
    }
    fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
    fn len(&self) -> usize {
        self.places.len()
    }
    #[allow(clippy::expect_used, reason = "callers pick only from a pool that has places")]
    fn pick(&self, r: &mut impl Rng) -> &Place {
        let total = *self.cumulative_weights.last().expect("non-empty pool");
        let x = r.random_range(0..total);
        &self.places[self.cumulative_weights.partition_point(|&c| c <= x)]
    }
}

/// One county's (县) places and the ID address codes its people carry.
#[derive(Debug, Clone)]
pub(super) struct County {
    pub(super) name: String,
    /// The county's code as a number: the address code of most of its people's ID numbers.
    pub(super) address_code: u32,
    rural: PlacePool,
    urban: PlacePool,
    urban_share: f64,
    /// Other counties of the same province with weights (same city weighs more): address codes
    /// of people who married in or got their first ID elsewhere.
    pub(super) other_address_codes: Vec<(u32, u32)>,
}

/// Where a household is registered (户籍地) and lives (居住地), and its address.
pub(super) struct Home<'a> {
    pub(super) urban: bool,
    pub(super) hukou: &'a Place,
    pub(super) residence: &'a Place,
    pub(super) address: String,
}

impl County {
    /// The county's places from `divisions` (which hold at least the county's towns and
    /// villages); `stream` seeds the village weights (0 for a one-county run).
    #[allow(clippy::expect_used, reason = "a county code is 6 digits")]
    pub(super) fn new(seed: u64, stream: u64, county: &RegionCode, name: &str, divisions: &[Division]) -> Result<County, SynthError> {
        let (rural, urban) = place_pools(seed, stream, county, divisions);
        if rural.is_empty() && urban.is_empty() {
            return Err(SynthError::NoVillages(county.to_string()));
        }
        let urban_share = urban_share(&rural, &urban);
        let address_code: u32 = county.as_str().parse().expect("6 digits");
        let other_address_codes = other_counties(county);
        Ok(County { name: name.to_string(), address_code, rural, urban, urban_share, other_address_codes })
    }

    /// The household's area, hukou place, residence and address, in that order of draws.
    pub(super) fn draw_home(&self, r: &mut impl Rng) -> Home<'_> {
        // Area and place: ~85 % rural (see `urban_share`); village sizes weighted.
        let urban = !self.urban.is_empty() && (self.rural.is_empty() || r.chance(self.urban_share));
        let hukou = if urban { self.urban.pick(r) } else { self.rural.pick(r) };
        let residence = self.draw_residence(r, hukou);
        let address = residence.draw_address(r);
        Home { urban, hukou, residence, address }
    }

    /// 人户分离 in ~5 %: most move to the county-town communities, the rest to another village.
    fn draw_residence<'a>(&'a self, r: &mut impl Rng, hukou: &'a Place) -> &'a Place {
        if r.chance(0.05) {
            for _ in 0..4 {
                // An urban district has no villages: its households move between communities.
                let to_town = !self.urban.is_empty() && (self.rural.is_empty() || r.chance(0.6));
                let candidate = if to_town { self.urban.pick(r) } else { self.rural.pick(r) };
                if candidate.code != hukou.code {
                    return candidate;
                }
            }
        }
        hukou
    }
}

/// The county's villages (rural) and communities (urban) with their weights.
fn place_pools(seed: u64, stream: u64, county: &RegionCode, divisions: &[Division]) -> (PlacePool, PlacePool) {
    let town_name =
        |code: &RegionCode| code.parent().and_then(|t| divisions.iter().find(|d| d.code == t)).map(|d| d.name.clone()).unwrap_or_default();
    // Village sizes: log-normal weights (σ = 0.6, so the 95th-percentile village is ~7×
    // the 5th), because village populations in 庄浪 range from a few hundred people to
    // over 3,000. Drawn from the seed so a different seed is a different county-scape.
    let mut r = stream_rng(seed, PLACE_SALT, stream);
    let (mut rural, mut urban) = (PlacePool::default(), PlacePool::default());
    for d in divisions.iter().filter(|d| d.code.level() == RegionLevel::Village && d.code.is_within(county)) {
        let weight = r.lognormal(1000.0, 0.6);
        let town = town_name(&d.code);
        let short = short_village_name(&d.name);
        let label = if short.starts_with(&town) { short } else { format!("{town}{short}") };
        let villager_groups = ((weight / 120.0).round() as u32).clamp(3, 16);
        let place = Place { code: d.code.clone(), label, villager_groups };
        if is_community(&d.code) {
            urban.push(place, weight as u64);
        } else {
            rural.push(place, weight as u64);
        }
    }
    (rural, urban)
}

/// ~85 % rural households for a rural county (庄浪: 12 communities, 293 villages), but never
/// fewer urban households than the share of communities (urban districts).
fn urban_share(rural: &PlacePool, urban: &PlacePool) -> f64 {
    let (communities, villages) = (urban.len() as f64, rural.len() as f64);
    if urban.is_empty() {
        0.0
    } else if rural.is_empty() {
        1.0
    } else {
        (communities / (communities + villages)).max(0.15)
    }
}

/// The province's other counties as address codes, six times as likely in the same city
/// (codes ending `01`, the 市辖区 placeholders, are left out).
#[allow(clippy::expect_used, reason = "county codes are 6 digits")]
fn other_counties(county: &RegionCode) -> Vec<(u32, u32)> {
    let city = &county.as_str()[..4];
    let province = &county.as_str()[..2];
    Division::provinces_cities_counties()
        .iter()
        .filter(|d| {
            let c = d.code.as_str();
            c.len() == 6 && c.starts_with(province) && c != county.as_str() && !c.ends_with("01")
        })
        .map(|d| (d.code.as_str().parse().expect("digits"), if d.code.as_str().starts_with(city) { 6 } else { 1 }))
        .collect()
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
