//! Statistical division codes (统计用区划代码) and the vendored 2023 division list.
//!
//! A full code has 12 digits: province 2 + city 2 + county 2 + town 3 + village 3. jiuzhu keeps
//! codes at their significant length (2, 4, 6, 9 or 12 digits), so "is inside" is a prefix test.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

/// 行政区划级别
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省
    Province,
    /// 市
    City,
    /// 县（区）
    County,
    /// 乡镇（街道）
    Town,
    /// 村（社区）
    Village,
}

impl RegionLevel {
    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Town => 9,
            RegionLevel::Village => 12,
        }
    }
    pub fn of_len(len: usize) -> Option<RegionLevel> {
        Some(match len {
            2 => RegionLevel::Province,
            4 => RegionLevel::City,
            6 => RegionLevel::County,
            9 => RegionLevel::Town,
            12 => RegionLevel::Village,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Town => "town",
            RegionLevel::Village => "village",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县（区）",
            RegionLevel::Town => "乡镇（街道）",
            RegionLevel::Village => "村（社区）",
        }
    }
}

/// A division code at its significant length (2, 4, 6, 9 or 12 digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Accepts 2/4/6/9/12 digits; a 12-digit code padded with zeros (`620825000000`) is
    /// shortened to the level it names. Does not check that the division exists: see
    /// [`Division::find`] for that.
    pub fn parse(text: &str) -> Result<RegionCode, FieldError> {
        let t = text.trim();
        let bad = || {
            FieldError::new(
                "region",
                "region.format",
                format!("区划代码“{t}”格式不正确，应为 6、9 或 12 位数字"),
                format!("region code \"{t}\" is not valid: 6, 9 or 12 digits expected"),
            )
        };
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let t = if t.len() == 12 {
            if t.ends_with("0000000000") {
                &t[..2]
            } else if t.ends_with("00000000") {
                &t[..4]
            } else if t.ends_with("000000") {
                &t[..6]
            } else if t.ends_with("000") {
                &t[..9]
            } else {
                t
            }
        } else {
            t
        };
        if RegionLevel::of_len(t.len()).is_none() {
            return Err(bad());
        }
        Ok(RegionCode(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    #[allow(clippy::expect_used, reason = "every code has one of the five lengths `parse` accepts")]
    pub fn level(&self) -> RegionLevel {
        RegionLevel::of_len(self.0.len()).expect("length checked at parse")
    }
    /// True when `self` is `other` or lies inside it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.0.starts_with(&other.0)
    }
    /// The enclosing division one level up, if any.
    pub fn parent(&self) -> Option<RegionCode> {
        let len = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Town => 6,
            RegionLevel::Village => 9,
        };
        Some(RegionCode(self.0[..len].to_string()))
    }
    /// This code and every enclosing one, outermost first.
    pub fn ancestry(&self) -> Vec<RegionCode> {
        let mut chain = vec![self.clone()];
        while let Some(p) = chain.last().and_then(|c| c.parent()) {
            chain.push(p);
        }
        chain.reverse();
        chain
    }
    /// The county (6 digits) this code lies in, if it is at county level or below.
    pub fn county(&self) -> Option<RegionCode> {
        (self.0.len() >= 6).then(|| RegionCode(self.0[..6].to_string()))
    }
    /// Exclusive upper bound of the codes inside this one, for range scans in SQL:
    /// every code inside `c` satisfies `c <= code < c.upper_bound()` (':' sorts after '9').
    pub fn upper_bound(&self) -> String {
        format!("{}:", self.0)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

/// One division of the vendored 2023 list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub code: RegionCode,
    pub name: String,
}

static PROVINCES: &[u8] = include_bytes!("../../../data/regions/provinces.csv");
static CITIES: &[u8] = include_bytes!("../../../data/regions/cities.csv");
static COUNTIES: &[u8] = include_bytes!("../../../data/regions/areas.csv");
static TOWNS_GZ: &[u8] = include_bytes!("../../../data/regions/streets.csv.gz");
static VILLAGES_GZ: &[u8] = include_bytes!("../../../data/regions/villages.csv.gz");
/// Every GB/T 2260 code 1980–2020 with its names and years (retired ones too), for ID numbers.
static HISTORY_GZ: &[u8] = include_bytes!("../../../data/regions/address-codes-1980-2020.tsv.gz");

/// One name a division code had, and the years it was in use (GB/T 2260 history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricalName {
    pub name: String,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
}

#[allow(clippy::expect_used, reason = "the vendored lists are compiled in and read by the tests")]
fn read_csv(bytes: &[u8]) -> Vec<Division> {
    let mut r = csv::Reader::from_reader(bytes);
    r.records()
        .map(|rec| {
            let rec = rec.expect("vendored division file is valid CSV");
            Division { code: RegionCode::parse(&rec[0]).expect("vendored code is valid"), name: rec[1].to_string() }
        })
        .collect()
}

#[allow(clippy::expect_used, reason = "only the vendored files, compiled in and read by the tests")]
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 8);
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("vendored gzip is valid");
    out
}

fn upper() -> &'static Vec<Division> {
    static UPPER: OnceLock<Vec<Division>> = OnceLock::new();
    UPPER.get_or_init(|| {
        let mut all = read_csv(PROVINCES);
        all.extend(read_csv(CITIES));
        all.extend(read_csv(COUNTIES));
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    })
}

fn towns() -> &'static Vec<Division> {
    static TOWNS: OnceLock<Vec<Division>> = OnceLock::new();
    TOWNS.get_or_init(|| read_csv(&gunzip(TOWNS_GZ)))
}

impl Division {
    /// Every province, city and county (the small part of the list, kept in memory).
    pub fn provinces_cities_counties() -> &'static [Division] {
        upper()
    }

    /// The division with this code in the 2023 list (villages are searched on demand).
    pub fn find(code: &RegionCode) -> Option<Division> {
        match code.level() {
            RegionLevel::Town => towns().iter().find(|d| &d.code == code).cloned(),
            RegionLevel::Village => code.parent().and_then(|town| Division::load(&town).into_iter().find(|d| &d.code == code)),
            _ => upper().binary_search_by(|d| d.code.cmp(code)).ok().map(|i| upper()[i].clone()),
        }
    }

    /// `region` and every division inside it down to villages, outermost first. Loading a
    /// county takes a few hundred milliseconds (the village file is decompressed and filtered).
    #[allow(clippy::expect_used, reason = "the vendored village list is compiled in and read by the tests")]
    pub fn load(region: &RegionCode) -> Vec<Division> {
        let within = |d: &&Division| d.code.is_within(region) || region.is_within(&d.code);
        let mut out: Vec<Division> = upper().iter().filter(within).cloned().collect();
        out.extend(towns().iter().filter(within).cloned());
        let bytes = gunzip(VILLAGES_GZ);
        let mut r = csv::Reader::from_reader(&bytes[..]);
        for rec in r.records() {
            let rec = rec.expect("vendored village file is valid CSV");
            if rec[0].starts_with(region.as_str()) {
                out.push(Division { code: RegionCode::parse(&rec[0]).expect("valid code"), name: rec[1].to_string() });
            }
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out.dedup_by(|a, b| a.code == b.code);
        out
    }

    /// Whether a 6-digit county code is in the current (2023) list.
    pub fn county_exists(code6: &str) -> bool {
        static SET: OnceLock<HashSet<String>> = OnceLock::new();
        SET.get_or_init(|| upper().iter().map(|d| d.code.as_str().to_string()).collect()).contains(code6)
    }

    /// The names a 6-digit code had in GB/T 2260 from 1980 to 2020, with the years each was in use
    /// (`None`: from the 1980 list / still in use at the end of the data). Empty for a code that
    /// never existed in that period.
    #[allow(clippy::expect_used, reason = "the vendored history is compiled in and read by the tests")]
    pub fn historical(code6: &str) -> &'static [HistoricalName] {
        static MAP: OnceLock<HashMap<String, Vec<HistoricalName>>> = OnceLock::new();
        MAP.get_or_init(|| {
            let text = String::from_utf8(gunzip(HISTORY_GZ)).expect("vendored history is UTF-8");
            let mut map: HashMap<String, Vec<HistoricalName>> = HashMap::new();
            for line in text.lines().skip(1) {
                let mut f = line.split('\t');
                let (Some(code), Some(name)) = (f.next(), f.next()) else { continue };
                let year = |x: Option<&str>| x.and_then(|y| y.trim().parse::<i32>().ok());
                let (first_year, last_year) = (year(f.next()), year(f.next()));
                map.entry(code.to_string()).or_default().push(HistoricalName { name: name.to_string(), first_year, last_year });
            }
            map
        })
        .get(code6)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    }

    /// Whether a 6-digit code is a county-level (or higher) division code now (2023 list) or at
    /// any time since 1980: the test for the address code of an ID number, which names the county
    /// where the number was issued, so it may have been retired since.
    pub fn address_code_known(code6: &str) -> bool {
        Division::county_exists(code6) || !Division::historical(code6).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_codes() {
        assert_eq!(RegionCode::parse("620825000000").unwrap().as_str(), "620825");
        assert_eq!(RegionCode::parse("620825100000").unwrap().as_str(), "620825100");
        assert_eq!(RegionCode::parse("620825100201").unwrap().level(), RegionLevel::Village);
        assert_eq!(RegionCode::parse("62082").unwrap_err().code, "region.format");
        assert_eq!(RegionCode::parse("62a825").unwrap_err().code, "region.format");
    }

    #[test]
    fn containment_is_by_prefix_and_upper_bound_brackets_it() {
        let county = RegionCode::parse("620825").unwrap();
        let village = RegionCode::parse("620825100201").unwrap();
        assert!(village.is_within(&county));
        assert!(!county.is_within(&village));
        assert!(village.as_str() < county.upper_bound().as_str());
        assert!("620826" > county.upper_bound().as_str());
        assert_eq!(
            village.ancestry().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            ["62", "6208", "620825", "620825100", "620825100201"]
        );
    }

    #[test]
    fn finds_zhuanglang_county_with_its_towns_and_villages() {
        let county = RegionCode::parse("620825").unwrap();
        assert_eq!(Division::find(&county).unwrap().name, "庄浪县");
        let all = Division::load(&county);
        let towns = all.iter().filter(|d| d.code.level() == RegionLevel::Town).count();
        let villages = all.iter().filter(|d| d.code.level() == RegionLevel::Village).count();
        assert_eq!(towns, 19);
        assert_eq!(villages, 305);
        assert_eq!(all[0].name, "甘肃省");
        assert!(Division::county_exists("110101"));
        assert!(!Division::county_exists("110199"));
    }
}
