//! What-if simulation (政策模拟): apply a parameter change from a date to a whole population and
//! report who becomes eligible, who stops, and what it costs a month, by region and programme.
//! The change is a new dated value (history is not edited), assessed with the same rules.

use crate::bulk::{self, Outcome, outcome};
use crate::params::{Confidence, Dated, Kind, Missing, Params, Policies, display_value, spec};
use crate::rate::Rate;
use crate::rules::Facts;
use crate::situation::Situation;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How the parameter changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// By a share of its current value: `Rate(800)` is +8%; negative lowers it.
    Percent(Rate),
    /// To this value (in the parameter's unit: fen, ten-thousandths, count).
    Set(i64),
}

/// A parameter change: `parameter` in `region` becomes … from `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub parameter: &'static str,
    pub adjustment: Adjustment,
    pub region: String,
    pub from: NaiveDate,
}

/// One programme's figures in one region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Line {
    pub households_before: u64,
    pub households_after: u64,
    pub people_before: u64,
    pub people_after: u64,
    /// Households (people) eligible after and not before.
    pub newly_eligible_households: u64,
    pub newly_eligible_people: u64,
    /// Households (people) eligible before and not after.
    pub no_longer_eligible_households: u64,
    pub no_longer_eligible_people: u64,
    /// Monthly amounts (fen); 0 for programmes without a cash amount.
    pub monthly_before: i64,
    pub monthly_after: i64,
}

/// The programmes reported.
pub const PROGRAMMES: [(&str, &str, u8); 4] = [
    ("dibao", "低保", bulk::DIBAO),
    ("tekun", "特困", bulk::TEKUN),
    ("dibao_edge", "低保边缘", bulk::EDGE),
    ("rigid_expense", "刚性支出困难", bulk::RIGID),
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub parameter: &'static str,
    pub region: String,
    pub from: NaiveDate,
    pub date: NaiveDate,
    /// The value before and after, as a person reads them.
    pub value_before: String,
    pub value_after: String,
    pub households: u64,
    /// By region key (as given with each household) then programme.
    pub by_region: BTreeMap<String, BTreeMap<&'static str, Line>>,
    pub total: BTreeMap<&'static str, Line>,
}

/// The people a programme (by its flag bit) covers in a household.
fn people(outcome: &Outcome, bit: u8) -> u64 {
    u64::from(match bit {
        bulk::DIBAO => outcome.dibao_people,
        bulk::TEKUN => outcome.tekun_people,
        _ => outcome.counted,
    })
}

/// What a programme (by its flag bit) pays a household a month.
fn money(outcome: &Outcome, bit: u8) -> i64 {
    match bit {
        bulk::DIBAO => outcome.dibao,
        bulk::TEKUN => outcome.tekun,
        _ => 0,
    }
}

/// Counts one household into a programme's line.
fn tally(line: &mut Line, before: &Outcome, after: &Outcome, bit: u8) {
    let (eligible_before, eligible_after) = (before.flags & bit != 0, after.flags & bit != 0);
    if eligible_before {
        line.households_before += 1;
        line.people_before += people(before, bit);
        line.monthly_before += money(before, bit);
    }
    if eligible_after {
        line.households_after += 1;
        line.people_after += people(after, bit);
        line.monthly_after += money(after, bit);
    }
    if eligible_after && !eligible_before {
        line.newly_eligible_households += 1;
        line.newly_eligible_people += people(after, bit);
    }
    if eligible_before && !eligible_after {
        line.no_longer_eligible_households += 1;
        line.no_longer_eligible_people += people(before, bit);
    }
}

/// The reformed parameter files: the change as a new dated value in `change.region`.
pub fn reform(policies: &Policies, change: &Change) -> Result<(Policies, i64, i64), String> {
    let parameter_spec = spec(change.parameter).ok_or_else(|| format!("未知参数 / unknown parameter {}", change.parameter))?;
    let current = policies.lookup(parameter_spec.name, &change.region, change.from).map_err(|e| e.to_string())?.value;
    let new = match change.adjustment {
        Adjustment::Set(v) => v,
        Adjustment::Percent(share) => {
            if parameter_spec.kind == Kind::Flag {
                return Err(format!("{} 是开关，不能按百分比调整 / is a flag: set it instead", parameter_spec.name));
            }
            // Rounded half up to the unit (fen for money).
            current + share.of(current)
        }
    };
    if new < 0 {
        return Err(format!("{}: 调整后为负数 / the change makes it negative", parameter_spec.name));
    }
    let dated = Dated {
        since: change.from,
        value: new,
        reference: "政策模拟（非正式）/ what-if simulation".into(),
        source: None,
        confidence: Confidence::Official,
    };
    Ok((policies.with_value(&change.region, parameter_spec.name, dated)?, current, new))
}

/// Assesses every (region key, situation) under the current and the changed parameters on `date`.
pub fn simulate(households: &[(String, Situation)], policies: &Policies, change: &Change, date: NaiveDate) -> Result<Report, String> {
    let (changed, before_value, after_value) = reform(policies, change)?;
    let mut cache: HashMap<(String, jiuzhu_domain::Area, bool), Params> = HashMap::new();
    let mut params = |region: &str, area, after: bool| -> Result<Params, Missing> {
        let key = (region.to_string(), area, after);
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let p = Params::resolve(if after { &changed } else { policies }, region, date, area, &[])?;
        cache.insert(key, p.clone());
        Ok(p)
    };
    let mut report = Report {
        parameter: change.parameter,
        region: change.region.clone(),
        from: change.from,
        date,
        value_before: display_value(change.parameter, before_value),
        value_after: display_value(change.parameter, after_value),
        households: households.len() as u64,
        by_region: BTreeMap::new(),
        total: BTreeMap::new(),
    };
    for (key, s) in households {
        let mut s = s.clone();
        s.date = date;
        let params_before = params(&s.region, s.area, false).map_err(|e| e.to_string())?;
        let params_after = params(&s.region, s.area, true).map_err(|e| e.to_string())?;
        let before = outcome(&Facts::of(&s, &params_before), &params_before);
        let after = outcome(&Facts::of(&s, &params_after), &params_after);
        let region = report.by_region.entry(key.clone()).or_default();
        for (name, _, bit) in PROGRAMMES {
            tally(region.entry(name).or_default(), &before, &after, bit);
            tally(report.total.entry(name).or_default(), &before, &after, bit);
        }
    }
    Ok(report)
}
