//! Why a generator could not be set up. Its own module so that the setup code (the generator
//! and its places) and callers name it without depending on each other.

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
