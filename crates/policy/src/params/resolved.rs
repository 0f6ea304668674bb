//! The parameter set for one assessment: every value the rules read, resolved once for a
//! region, date and area (with where each came from), and the warnings it brings to every
//! result that uses it.

use super::{Confidence, Found, Kind, Missing, Policies, spec};
use crate::rate::Rate;
use chrono::NaiveDate;
use jiuzhu_domain::Area;

/// Parameters resolved for one region, date and area, with where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// The 低保 standard of the household's area (fen per person per month).
    pub standard: i64,
    pub area: Area,
    /// Financial assets allowed per counted member, in months of the standard.
    pub financial_months: i64,
    /// Residential properties allowed.
    pub max_residential: i64,
    pub non_residential_allowed: bool,
    pub car_allowed: bool,
    pub business_allowed: bool,
    /// 低保 paid is at least this per counted member (fen per month).
    pub minimum_per_person: i64,
    /// 分类施保 shares: elderly, severe disability, serious illness, minor.
    pub classified_extra: [Rate; 4],
    /// The 低保边缘 line as a multiple of the standard.
    pub edge_multiplier: Rate,
    /// 特困 basic living per person per month (fen), from the multiplier or an amount.
    pub tekun_basic: i64,
    /// Care per month by level: self-care, partial, full. `None` when the region sets no care
    /// standard: 特困 is then `needs_check` (with the missing parameter named), never a zero.
    pub care: Option<[i64; 3]>,
    /// Why `care` is `None`.
    pub care_missing: Option<Missing>,
    /// 上年居民人均可支配收入 (fen per person per year).
    pub disposable_income_last_year: i64,
    /// `None` before the 刚性支出困难 rules took effect.
    pub rigid_ratio: Option<Rate>,
    /// The 临时救助 cap, as a multiple of the monthly standard.
    pub temporary_max: Rate,
    /// The 临时救助 amount a town may approve alone, as a multiple of the monthly standard.
    pub town_limit: Rate,
    /// 渐退期 (months).
    pub gradual_exit_months: i64,
    /// Difficulty-index weights: income, health, education, living, labour.
    pub weights: [i64; 5],
    /// Every value used, for the reasons.
    pub found: Vec<Found>,
    /// The regional (non-national) values used, as results list them.
    pub regional: Vec<Found>,
    /// The warnings every result using these parameters carries (illustrative, unverified, old).
    pub warnings: Vec<String>,
}

impl Params {
    /// Resolves every parameter for `region` on `date` for `area`; `overrides` win.
    pub fn resolve(
        policies: &Policies,
        region: &str,
        date: NaiveDate,
        area: Area,
        overrides: &[(&'static str, i64)],
    ) -> Result<Params, Missing> {
        let mut found = Vec::with_capacity(32);
        let mut get = |name: &'static str| -> Result<i64, Missing> {
            let value_found = match overrides.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => Found {
                    name,
                    value: *value,
                    region: "override".into(),
                    since: None,
                    reference: "评估请求中给定的参数 / given in the request".into(),
                    confidence: Confidence::Official,
                },
                // A statistic a region records only for recent years: the enclosing figure before.
                None if name == "disposable_income_last_year" => policies.lookup_inherited(name, region, date)?,
                None => policies.lookup(name, region, date)?,
            };
            let value = value_found.value;
            found.push(value_found);
            Ok(value)
        };
        let standard = get(match area {
            Area::Urban => "dibao.standard.urban",
            Area::Rural => "dibao.standard.rural",
        })?;
        let financial_months = get("dibao.assets.financial_months_per_capita")?;
        let max_residential = get("dibao.assets.max_residential_properties")?;
        let non_residential_allowed = get("dibao.assets.non_residential_allowed")? != 0;
        let car_allowed = get("dibao.assets.car_allowed")? != 0;
        let business_allowed = get("dibao.assets.business_allowed")? != 0;
        let minimum_per_person = get("dibao.minimum_per_person")?;
        let classified_extra = [
            Rate(get("dibao.classified_extra.elderly")?),
            Rate(get("dibao.classified_extra.severe_disability")?),
            Rate(get("dibao.classified_extra.serious_illness")?),
            Rate(get("dibao.classified_extra.minor")?),
        ];
        let edge_multiplier = Rate(get("dibao_edge.multiplier")?);
        // An amount for the area, then an amount for both areas, where the region sets one, wins
        // over the multiplier.
        let area_basic = match area {
            Area::Urban => "tekun.basic_monthly.urban",
            Area::Rural => "tekun.basic_monthly.rural",
        };
        // A value given in the request wins over region data, whichever of the three it is.
        let overridden =
            [area_basic, "tekun.basic_monthly", "tekun.basic_multiplier"].into_iter().find(|name| overrides.iter().any(|(n, _)| n == name));
        let tekun_basic = match overridden {
            Some("tekun.basic_multiplier") => Rate(get("tekun.basic_multiplier")?).of(standard),
            Some(name) => get(name)?,
            None => match get(area_basic) {
                Ok(amount) => amount,
                Err(Missing { earliest: None, .. }) => match get("tekun.basic_monthly") {
                    Ok(amount) => amount,
                    Err(Missing { earliest: None, .. }) => Rate(get("tekun.basic_multiplier")?).of(standard),
                    Err(m) => return Err(m),
                },
                Err(m) => return Err(m),
            },
        };
        // Care standards are local and have no national default. A region without them can still
        // assess every other programme; 特困 says which value is missing.
        let (care, care_missing) = match (get("tekun.care.self_care"), get("tekun.care.partial"), get("tekun.care.full")) {
            (Ok(self_care), Ok(partial), Ok(full)) => (Some([self_care, partial, full]), None),
            (self_care, partial, full) => (None, [self_care.err(), partial.err(), full.err()].into_iter().flatten().next()),
        };
        let disposable_income_last_year = get("disposable_income_last_year")?;
        // 刚性支出困难 exists from the day its 办法 took effect (2025-01-01); before that the
        // programme does not apply (`None`), which is not the same as a missing standard.
        let rigid_ratio = match get("rigid_expense.ratio") {
            Ok(ratio) => Some(Rate(ratio)),
            Err(Missing { earliest: Some(first), .. }) if first > date => None,
            Err(m) => return Err(m),
        };
        let temporary_max = Rate(get("temporary.max_multiple")?);
        let town_limit = Rate(get("temporary.town_limit_multiple")?);
        let gradual_exit_months = get("gradual_exit.months")?;
        let weights = [
            get("difficulty.weight.income")?,
            get("difficulty.weight.health")?,
            get("difficulty.weight.education")?,
            get("difficulty.weight.living")?,
            get("difficulty.weight.labour")?,
        ];
        Ok(Params {
            standard,
            area,
            financial_months,
            max_residential,
            non_residential_allowed,
            car_allowed,
            business_allowed,
            minimum_per_person,
            classified_extra,
            edge_multiplier,
            tekun_basic,
            care,
            care_missing,
            disposable_income_last_year,
            rigid_ratio,
            temporary_max,
            town_limit,
            gradual_exit_months,
            weights,
            regional: found.iter().filter(|f| !f.region.is_empty()).cloned().collect(),
            warnings: parameter_warnings(&found, date),
            found,
        })
    }

    /// Where a value came from (for the reasons).
    pub fn source(&self, name: &str) -> Option<&Found> {
        self.found.iter().find(|f| f.name == name)
    }
}

/// The warnings a parameter set brings to every result that uses it: one line per kind of doubt
/// (illustrative, unverified, over two years old), naming every value it covers. Computed once
/// per resolved parameter set.
fn parameter_warnings(found: &[Found], date: NaiveDate) -> Vec<String> {
    // One line per kind of doubt, naming every value it covers (the notices are in `parameters`).
    let mut warnings = Vec::new();
    for (confidence, zh, en) in [
        (Confidence::Illustrative, "以下参数为示例值，非官方标准，须按当地通知替换", "illustrative values, not official figures"),
        (Confidence::Unverified, "以下参数未对照通知原文核实", "values not verified against the notice"),
    ] {
        let items: Vec<String> = found
            .iter()
            .filter(|x| x.confidence == confidence)
            .map(|x| format!("{} {}", spec(x.name).map(|s| s.zh).unwrap_or(x.name), x.display()))
            .collect();
        if !items.is_empty() {
            warnings.push(format!("{zh}：{} / {en}", items.join("；")));
        }
    }
    // Standards are raised about once a year: one in force for over two years is likely stale.
    let old: Vec<String> = found
        .iter()
        .filter(|x| !x.region.is_empty() && x.region.as_ref() != "override")
        .filter(|x| matches!(spec(x.name).map(|s| s.kind), Some(Kind::Fen)))
        .filter(|x| x.since.is_some_and(|since| since.checked_add_months(chrono::Months::new(24)).is_some_and(|d| d <= date)))
        .map(|x| {
            format!(
                "{} {}（自 {} 起）",
                spec(x.name).map(|s| s.zh).unwrap_or(x.name),
                x.display(),
                x.since.map(|d| d.to_string()).unwrap_or_default()
            )
        })
        .collect();
    if !old.is_empty() {
        warnings.push(format!(
            "以下地方标准施行已超过两年，可能已有新标准，请核实：{} / standards in force for over two years, possibly raised since",
            old.join("；")
        ));
    }
    warnings
}
