//! Parameters as dated data (政策参数): national defaults and regional standards, each value
//! with the date it took effect and the legal reference or notice it came from.
//!
//! Files live in `policies/` (YAML, one per region) and are compiled into the binary, so the
//! engine does no I/O. Lookup takes the nearest enclosing region that sets a parameter, then
//! the national defaults; within that region, the latest value whose `since` is on or before the
//! date. History is never edited: a change of standard is a new dated value.

use crate::rate::Rate;
use chrono::NaiveDate;
use jiuzhu_domain::Area;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

// The resolved set lives here, not in `rules`: `Policies` caches it and it is built from `Policies`.
mod resolved;
pub use resolved::Params;

/// How a parameter's value is read and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Money in fen (per month unless the name says otherwise).
    Fen,
    /// A multiplier or share, held exactly in ten-thousandths (1.5 → 15000).
    Rate,
    /// A whole number (months, properties).
    Count,
    /// Allowed or not.
    Flag,
}

/// One parameter the engine knows.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub zh: &'static str,
    pub en: &'static str,
}

macro_rules! specs {
    ($($name:literal : $kind:ident = $zh:literal / $en:literal),* $(,)?) => {
        /// Every parameter name the engine reads (assess-v1.md names them; more may be added).
        pub const SPECS: &[Spec] = &[$(Spec { name: $name, kind: Kind::$kind, zh: $zh, en: $en }),*];
    };
}

specs! {
    "dibao.standard.urban": Fen = "城市低保标准（元/人·月）" / "urban dibao standard (yuan per person a month)",
    "dibao.standard.rural": Fen = "农村低保标准（元/人·月）" / "rural dibao standard (yuan per person a month)",
    "dibao.income_window_months": Count = "收入计算期（月）" / "income averaged over (months)",
    "dibao.assets.financial_months_per_capita": Count = "人均金融资产上限（低保标准的月数）" / "financial assets limit per person (months of the standard)",
    "dibao.assets.max_residential_properties": Count = "住房套数上限" / "homes allowed",
    "dibao.assets.non_residential_allowed": Flag = "允许拥有非住宅房产" / "non-residential property allowed",
    "dibao.assets.car_allowed": Flag = "允许拥有机动车（小汽车、货车）" / "motor vehicle (car, truck) allowed",
    "dibao.assets.business_allowed": Flag = "允许有工商登记" / "business registration allowed",
    "dibao.minimum_per_person": Fen = "低保金最低保障额（元/人·月）" / "minimum dibao payment (yuan per person a month)",
    "dibao.classified_extra.elderly": Rate = "分类施保：老年人（标准的比例）" / "extra for the elderly (share of the standard)",
    "dibao.classified_extra.severe_disability": Rate = "分类施保：重度残疾人（标准的比例）" / "extra for the severely disabled (share of the standard)",
    "dibao.classified_extra.serious_illness": Rate = "分类施保：重病患者（标准的比例）" / "extra for the seriously ill (share of the standard)",
    "dibao.classified_extra.minor": Rate = "分类施保：未成年人（标准的比例）" / "extra for minors (share of the standard)",
    "dibao_edge.multiplier": Rate = "低保边缘：低保标准的倍数" / "near-dibao line (times the dibao standard)",
    "tekun.basic_multiplier": Rate = "特困基本生活标准：低保标准的倍数" / "tekun basic living standard (times the dibao standard)",
    "tekun.basic_monthly": Fen = "特困基本生活标准（元/人·月，设定时优先于倍数）" / "tekun basic living standard (yuan per person a month, overrides the multiple)",
    "tekun.basic_monthly.urban": Fen = "城市特困基本生活标准（元/人·月，设定时优先）" / "urban tekun basic living standard (yuan per person a month)",
    "tekun.basic_monthly.rural": Fen = "农村特困基本生活标准（元/人·月，设定时优先）" / "rural tekun basic living standard (yuan per person a month)",
    "tekun.care.self_care": Fen = "特困照料护理标准：全自理（元/人·月）" / "tekun care standard: self-caring (yuan per person a month)",
    "tekun.care.partial": Fen = "特困照料护理标准：半护理（元/人·月）" / "tekun care standard: partly dependent (yuan per person a month)",
    "tekun.care.full": Fen = "特困照料护理标准：全护理（元/人·月）" / "tekun care standard: fully dependent (yuan per person a month)",
    "disposable_income_last_year": Fen = "上年居民人均可支配收入（元/人·年）" / "last year's disposable income per person (yuan a year)",
    "rigid_expense.ratio": Rate = "刚性支出占家庭收入比例" / "rigid expenses as a share of income",
    "temporary.max_multiple": Rate = "临时救助上限：月低保标准的倍数" / "temporary assistance cap (months of the dibao standard)",
    "temporary.town_limit_multiple": Rate = "乡镇可直接审批：月低保标准的倍数" / "town may approve up to (months of the dibao standard)",
    "gradual_exit.months": Count = "渐退期（月）" / "gradual exit (months)",
    "casework.check_start_days": Count = "受理后启动家庭经济状况核对和调查（工作日）" / "check and survey start after acceptance (working days)",
    "casework.survey_days": Count = "入户调查期限（工作日）" / "home survey (working days)",
    "casework.evaluation_days": Count = "民主评议期限（工作日）" / "democratic evaluation (working days)",
    "casework.town_review_days": Count = "乡镇审核期限（工作日）" / "town review (working days)",
    "casework.publicity_days": Count = "公示期（日）" / "public notice (days)",
    "casework.county_decision_days": Count = "县级审核确认期限（工作日）" / "county decision (working days)",
    "casework.overall_days": Count = "办理总时限（工作日）" / "overall time limit (working days)",
    "casework.overall_days_extended": Count = "延长后的办理总时限（工作日）" / "extended overall time limit (working days)",
    "casework.town_approves": Flag = "低保由乡镇（街道）审核确认（权限下放）" / "dibao decided by the town (delegated)",
    "casework.town_overall_days": Count = "乡镇审核确认时的办理总时限（工作日）" / "overall time limit when the town decides (working days)",
    "casework.rejection_notice_days": Count = "不予批准书面告知期限（工作日）" / "written rejection within (working days)",
    "casework.tekun.town_days": Count = "特困：乡镇调查审核期限（工作日）" / "tekun: town survey and review (working days)",
    "casework.tekun.county_days": Count = "特困：县级审核确认期限（工作日）" / "tekun: county decision (working days)",
    "casework.tekun.spot_check_share": Rate = "特困：县级抽查比例" / "tekun: county spot-check share",
    "casework.commitment.overall_days": Count = "告知承诺制办理时限（工作日）" / "commitment track time limit (working days)",
    "casework.commitment.post_check_months": Count = "告知承诺制事后核查期限（月）" / "commitment track post-check within (months)",
    "casework.commitment.recheck_share": Rate = "告知承诺制随机抽查比例" / "commitment track random re-check share",
    "casework.temporary.overall_days": Count = "临时救助办理时限（工作日）" / "temporary assistance time limit (working days)",
    "casework.feedback_objection_days": Count = "核对反馈单异议期限（工作日）" / "objection to the feedback slip within (working days)",
    "casework.materials_days": Count = "补正材料期限（工作日，自登记之日起）" / "missing materials asked for within (working days from the intake)",
    "casework.referral_answer_days": Count = "部门答复转介期限（工作日）" / "department answers a referral within (working days)",
    "casework.emergency.paperwork_days": Count = "先行救助补齐手续期限（工作日）" / "paperwork after emergency help within (working days)",
    "review.stable_months": Count = "定期复核间隔：收入稳定家庭（月）" / "periodic review: stable households (months)",
    "review.can_work_months": Count = "定期复核间隔：有劳动能力成员的家庭（月）" / "periodic review: households with members able to work (months)",
    "review.tekun_months": Count = "定期复核间隔：特困人员（月）" / "periodic review: tekun (months)",
    "review.after_death_months": Count = "家庭成员死亡后复核期限（月）" / "review after a member's death within (months)",
    "review.job_refusals": Count = "无正当理由拒绝就业次数上限" / "refused jobs before a review",
    "difficulty.weight.income": Count = "困难指数权重：收支" / "difficulty index weight: income and spending",
    "difficulty.weight.health": Count = "困难指数权重：健康" / "difficulty index weight: health",
    "difficulty.weight.education": Count = "困难指数权重：教育" / "difficulty index weight: education",
    "difficulty.weight.living": Count = "困难指数权重：居住与生活" / "difficulty index weight: housing and living",
    "difficulty.weight.labour": Count = "困难指数权重：劳动能力" / "difficulty index weight: capacity to work",
}

pub fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

/// One dated value as loaded (`value` in fen, ten-thousandths, a count, or 0/1).
#[derive(Debug, Clone, PartialEq)]
pub struct Dated {
    pub since: NaiveDate,
    pub value: i64,
    pub reference: Arc<str>,
    pub source: Option<Arc<str>>,
    pub confidence: Confidence,
}

/// How far a value can be relied on. Anything but `Official` is shown as a warning on every
/// result that uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Taken from the law or the official notice named in `reference`.
    #[default]
    Official,
    /// Found quoted second-hand; the notice itself was not read.
    Unverified,
    /// A stand-in of the right order (demo county); not an official figure.
    Illustrative,
}

/// A value found for a region and date, with where it came from (for the reasons).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub name: &'static str,
    pub value: i64,
    /// The region whose file set it (`""` for the national defaults, `"override"` for a
    /// value given in the situation).
    #[serde(serialize_with = "arc_str")]
    pub region: Arc<str>,
    pub since: Option<NaiveDate>,
    #[serde(serialize_with = "arc_str")]
    pub reference: Arc<str>,
    pub confidence: Confidence,
}

fn arc_str<S: serde::Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

impl Found {
    /// The value as a person reads it: 元 for money, a decimal for rates.
    pub fn display(&self) -> String {
        display_value(self.name, self.value)
    }
}

/// A parameter's value as a person reads it: 元 for money, a decimal for rates.
pub fn display_value(name: &str, value: i64) -> String {
    match spec(name).map(|s| s.kind) {
        Some(Kind::Fen) => format!("{}元", jiuzhu_domain::Fen(value)),
        Some(Kind::Rate) => Rate(value).to_string(),
        Some(Kind::Flag) => (if value != 0 { "是" } else { "否" }).to_string(),
        _ => value.to_string(),
    }
}

/// A parameter with no value for a region and date: an error, never a silent zero.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Missing {
    pub name: &'static str,
    pub region: String,
    pub date: NaiveDate,
    /// The earliest value that region has, when the date is before it.
    pub earliest: Option<NaiveDate>,
}

impl Missing {
    /// The message in Chinese.
    pub fn zh(&self) -> String {
        self.to_string().split(" / ").next().unwrap_or_default().to_string()
    }
    /// The message in English.
    pub fn en(&self) -> String {
        self.to_string().split(" / ").nth(1).unwrap_or_default().to_string()
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zh = spec(self.name).map(|s| s.zh).unwrap_or(self.name);
        match self.earliest {
            Some(e) => write!(
                f,
                "{} 在 {} 没有 {zh}：最早的数值自 {e} 起施行 / no {} for {} on {} (the earliest value is from {e})",
                self.region, self.date, self.name, self.region, self.date
            ),
            None => write!(
                f,
                "{} 在 {} 没有 {zh}：本地区和全国默认值均未设定 / no {} for {} on {}",
                self.region, self.date, self.name, self.region, self.date
            ),
        }
    }
}

/// A problem in a parameter file (file name, parameter and entry named).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FileError {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    region: String,
    name: String,
    #[serde(default)]
    parameters: BTreeMap<String, Vec<DatedIn>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatedIn {
    since: String,
    value: serde_norway::Value,
    reference: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    confidence: Confidence,
}

/// The parameters of one region (or the national defaults).
#[derive(Debug, Clone, Default)]
pub struct RegionParameters {
    pub name: String,
    pub values: HashMap<&'static str, Vec<Dated>>,
}

/// Every parameter file, by region code at its significant length (`""` = national).
#[derive(Debug, Default)]
pub struct Policies {
    regions: HashMap<String, RegionParameters>,
    /// Parameters already resolved for a (region, date, area): the interactive path resolves
    /// the same few combinations over and over. Only a cache: a lock poisoned by a panic
    /// elsewhere is simply taken over.
    resolved: RwLock<HashMap<(String, NaiveDate, Area), Arc<Params>>>,
}

impl Clone for Policies {
    fn clone(&self) -> Policies {
        Policies { regions: self.regions.clone(), resolved: RwLock::default() }
    }
}

/// A division code at its significant length: `620800` → `6208`, `310000` → `31`, and `""`
/// for the national level (`000000` or `""`).
pub fn significant(code: &str) -> String {
    let mut c = code.trim();
    if c.len() == 12 && c.ends_with("000") {
        c = &c[..9];
        if c.ends_with("000") {
            c = &c[..6];
        }
    }
    if c.len() == 9 && c.ends_with("000") {
        c = &c[..6];
    }
    while (c.len() == 6 || c.len() == 4) && c.ends_with("00") {
        c = &c[..c.len() - 2];
    }
    if c == "00" { String::new() } else { c.to_string() }
}

/// A value in a parameter's unit, from a file entry or a situation's override; `None` when it does
/// not fit the kind (negative, a rate with more than four decimals, a flag that is not a boolean).
pub(crate) fn read_value(kind: Kind, v: &serde_norway::Value) -> Option<i64> {
    use serde_norway::Value as V;
    match (kind, v) {
        (Kind::Flag, V::Bool(b)) => Some(i64::from(*b)),
        (Kind::Fen | Kind::Count, V::Number(n)) => n.as_i64().filter(|x| *x >= 0),
        (Kind::Rate, V::Number(n)) => n.as_f64().and_then(Rate::from_decimal).map(|r| r.0).filter(|x| *x >= 0),
        _ => None,
    }
}

impl Policies {
    /// The files shipped in `policies/` (national defaults and the regions we have notices for).
    pub fn builtin() -> &'static Policies {
        static BUILTIN: OnceLock<Policies> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut policies = Policies::default();
            for (file, text) in crate::builtin::FILES {
                policies.add_file(file, text).unwrap_or_else(|e| panic!("shipped parameter file is invalid: {e}"));
            }
            policies
        })
    }

    /// Adds one YAML parameter file; on any error nothing of it is added.
    pub fn add_file(&mut self, file: &str, text: &str) -> Result<(), FileError> {
        let err = |message: String| FileError { file: file.to_string(), message };
        let parsed: FileIn = serde_norway::from_str(text).map_err(|e| err(e.to_string()))?;
        let code = significant(&parsed.region);
        if !(code.is_empty() || matches!(code.len(), 2 | 4 | 6 | 9 | 12)) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(format!("region: “{}” 不是区划代码 / is not a division code", parsed.region)));
        }
        let mut values: HashMap<&'static str, Vec<Dated>> = HashMap::new();
        for (name, entries) in parsed.parameters {
            let spec = spec(&name).ok_or_else(|| err(format!("parameters.{name}: 未知参数 / unknown parameter")))?;
            let mut list = Vec::with_capacity(entries.len());
            for (i, e) in entries.into_iter().enumerate() {
                let at = format!("parameters.{name}[{i}]");
                let since = NaiveDate::parse_from_str(e.since.trim(), "%Y-%m-%d")
                    .map_err(|_| err(format!("{at}.since: “{}” 不是日期 YYYY-MM-DD / is not a date", e.since)))?;
                let value = read_value(spec.kind, &e.value).ok_or_else(|| {
                    err(format!("{at}.value: {:?} 不是有效的{:?}值 / is not a valid {:?} value", e.value, spec.kind, spec.kind))
                })?;
                if e.reference.trim().is_empty() {
                    return Err(err(format!("{at}.reference: 必须注明依据 / a legal reference or notice is required")));
                }
                if list.last().is_some_and(|d: &Dated| d.since >= since) {
                    return Err(err(format!("{at}.since: 日期须递增 / dates must increase")));
                }
                list.push(Dated {
                    since,
                    value,
                    reference: e.reference.trim().into(),
                    source: e.source.map(Into::into),
                    confidence: e.confidence,
                });
            }
            values.insert(spec.name, list);
        }
        self.resolved.write().unwrap_or_else(PoisonError::into_inner).clear();
        if self.regions.contains_key(&code) {
            return Err(err(format!("region {}: 重复的参数文件 / a second file for the same region", parsed.region)));
        }
        self.regions.insert(code, RegionParameters { name: parsed.name, values });
        Ok(())
    }

    /// [`Params::resolve`] without overrides, remembered (a bounded cache: cleared when full).
    pub fn resolved(&self, region: &str, date: NaiveDate, area: Area) -> Result<Arc<Params>, Missing> {
        let key = (region.to_string(), date, area);
        if let Some(p) = self.resolved.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(p.clone());
        }
        let p = Arc::new(Params::resolve(self, region, date, area, &[])?);
        let mut cache = self.resolved.write().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(key, p.clone());
        Ok(p)
    }

    /// The regions that have a parameter file, with their names (`""` = national).
    pub fn regions(&self) -> impl Iterator<Item = (&str, &RegionParameters)> {
        self.regions.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn region(&self, code: &str) -> Option<&RegionParameters> {
        self.regions.get(&significant(code))
    }

    /// The value of `name` for `region` on `date`: nearest enclosing region that sets it, then
    /// the national defaults.
    pub fn lookup(&self, name: &'static str, region: &str, date: NaiveDate) -> Result<Found, Missing> {
        self.lookup_from(name, region, date, false)
    }

    /// Like [`Policies::lookup`], but a region whose values all start after `date` passes the
    /// question to its enclosing regions. For statistics (last year's disposable income), where
    /// a file records only recent years and the enclosing figure is the best one published; never
    /// for standards, where it would silently apply another region's standard.
    pub fn lookup_inherited(&self, name: &'static str, region: &str, date: NaiveDate) -> Result<Found, Missing> {
        self.lookup_from(name, region, date, true)
    }

    fn lookup_from(&self, name: &'static str, region: &str, date: NaiveDate, inherit: bool) -> Result<Found, Missing> {
        let code = significant(region);
        let mut earliest = None;
        for len in [12, 9, 6, 4, 2, 0] {
            if len > code.len() {
                continue;
            }
            let Some(r) = self.regions.get(&code[..len]) else { continue };
            let Some(list) = r.values.get(name) else { continue };
            match list.iter().rev().find(|d| d.since <= date) {
                Some(d) => {
                    return Ok(Found {
                        name,
                        value: d.value,
                        region: code[..len].into(),
                        since: Some(d.since),
                        reference: d.reference.clone(),
                        confidence: d.confidence,
                    });
                }
                None if inherit => earliest = earliest.or(list.first().map(|d| d.since)),
                None => return Err(Missing { name, region: region.trim().to_string(), date, earliest: list.first().map(|d| d.since) }),
            }
        }
        Err(Missing { name, region: region.trim().to_string(), date, earliest })
    }

    /// A copy with one more dated value (what-if simulation: "standard +8% from a date").
    /// History is kept: the new value is appended after the existing ones.
    pub fn with_value(&self, region: &str, name: &'static str, dated: Dated) -> Result<Policies, String> {
        let mut p = self.clone();
        p.resolved.get_mut().unwrap_or_else(PoisonError::into_inner).clear();
        let code = significant(region);
        // A region that inherits the parameter keeps inheriting it before the new date: it starts
        // from the enclosing region's history (else earlier dates would have no value at all).
        let inherited = (0..code.len())
            .rev()
            .filter(|len| matches!(len, 0 | 2 | 4 | 6 | 9))
            .find_map(|len| self.regions.get(&code[..len]).and_then(|r| r.values.get(name)))
            .cloned()
            .unwrap_or_default();
        let entry = p.regions.entry(code).or_default();
        let list = entry.values.entry(name).or_insert(inherited);
        if list.last().is_some_and(|d| d.since >= dated.since) {
            return Err(format!(
                "{name}: {} 之后已有数值，只能追加更晚的数值 / a value from {} or later already exists",
                dated.since, dated.since
            ));
        }
        list.push(dated);
        Ok(p)
    }
}
