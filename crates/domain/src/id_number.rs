//! 居民身份证号码 (GB 11643-1999).

use crate::error::FieldError;
use crate::region::Division;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// 性别
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// An 18-character resident ID number whose check character, birth date and address code
/// have been verified. Old 15-digit numbers are converted on parse.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

/// The check character (ISO 7064 MOD 11-2) of the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize] as char
}

fn err(code: &'static str, zh: String, en: String) -> FieldError {
    FieldError::new("id_number", code, zh, en)
}

impl IdNumber {
    /// Parses and verifies an ID number as of `today` (a birth date after today is an error).
    pub fn parse(text: &str, today: NaiveDate) -> Result<IdNumber, FieldError> {
        let t = text.trim().to_ascii_uppercase();
        let t = match t.len() {
            18 => t,
            15 => {
                if !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err(
                        "id_number.format",
                        "15 位旧身份证号码只能包含数字".into(),
                        "a 15-digit ID number has digits only".into(),
                    ));
                }
                let first17 = format!("{}19{}", &t[..6], &t[6..]);
                let c = check_char(first17.as_bytes());
                format!("{first17}{c}")
            }
            n => {
                return Err(err(
                    "id_number.length",
                    format!("身份证号码应为 18 位（或 15 位旧号码），现为 {n} 位"),
                    format!("an ID number has 18 characters (or 15 for old numbers), this one has {n}"),
                ));
            }
        };
        let b = t.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(err(
                "id_number.format",
                "身份证号码前 17 位应为数字，最后一位为数字或 X".into(),
                "the first 17 characters are digits, the last a digit or X".into(),
            ));
        }
        let expected = check_char(&b[..17]);
        if b[17] as char != expected {
            return Err(err(
                "id_number.check_digit",
                "身份证号码校验位不正确，请核对是否输错".into(),
                "the check character of the ID number is wrong: please check for a typo".into(),
            ));
        }
        let birth = NaiveDate::parse_from_str(&t[6..14], "%Y%m%d").map_err(|_| {
            err(
                "id_number.birth_date",
                format!("身份证号码中的出生日期 {} 不存在", &t[6..14]),
                format!("the birth date {} in the ID number does not exist", &t[6..14]),
            )
        })?;
        if birth > today || birth.year() < 1880 {
            return Err(err(
                "id_number.birth_date",
                format!("身份证号码中的出生日期 {birth} 不合理"),
                format!("the birth date {birth} in the ID number is not plausible"),
            ));
        }
        if !Division::address_code_known(&t[..6]) {
            return Err(err(
                "id_number.address_code",
                format!("身份证号码的地址码 {} 不是有效的行政区划代码", &t[..6]),
                format!("the address code {} of the ID number is not a known division code", &t[..6]),
            ));
        }
        Ok(IdNumber(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    #[allow(clippy::expect_used, reason = "`parse`, the only way to make one, checked the birth date")]
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked at parse")
    }
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 { Sex::Male } else { Sex::Female }
    }
    /// The address code: the county where the number was issued (may no longer exist).
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }
    /// `620825********1234`: what every screen, export and log shows unless revealing is
    /// authorised (first 6 and last 4 characters).
    pub fn masked(&self) -> String {
        crate::mask::id_number(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    /// Debug output is masked too: ID numbers must not leak into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdNumber {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        IdNumber::parse(&s, crate::clock::beijing_date(chrono::Utc::now()))
    }
}

impl From<IdNumber> for String {
    fn from(i: IdNumber) -> String {
        i.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// Builds a valid number for tests from 17 digits.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()))
    }

    #[test]
    fn the_standard_example_is_valid() {
        // GB 11643-1999 appendix example: 11010519491231002X.
        let id = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    #[test]
    fn converts_fifteen_digit_numbers() {
        let id = IdNumber::parse("110105491231002", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(IdNumber::parse("110105194912310021", today()).unwrap_err().code, "id_number.check_digit");
        assert_eq!(IdNumber::parse("1101051949123100", today()).unwrap_err().code, "id_number.length");
        assert_eq!(IdNumber::parse(&with_check("62082519490231002"), today()).unwrap_err().code, "id_number.birth_date");
        assert_eq!(IdNumber::parse(&with_check("62082520300101002"), today()).unwrap_err().code, "id_number.birth_date");
        assert_eq!(IdNumber::parse(&with_check("99082519500101002"), today()).unwrap_err().code, "id_number.address_code");
        assert_eq!(IdNumber::parse("11010519491231002Y", today()).unwrap_err().code, "id_number.format");
    }

    #[test]
    fn address_codes_are_checked_against_every_code_since_1980() {
        // Retired codes stay valid on old cards: 622701 平凉地区平凉市 (replaced by 620802 in 2002),
        // 622725 庄浪县 before 平凉 became a city, 310103 卢湾区 (merged into 黄浦区 in 2011),
        // 110103 崇文区 (merged in 2010).
        for code in ["622701", "622725", "310103", "110103"] {
            assert!(IdNumber::parse(&with_check(&format!("{code}19700101003")), today()).is_ok(), "{code}");
            assert!(!Division::county_exists(code), "{code} is not in the 2023 list");
        }
        let luwan = Division::historical("310103");
        assert_eq!((luwan[0].name.as_str(), luwan[0].last_year), ("卢湾区", Some(2010)));
        // Current codes, including those created after the history ends (2020), are valid.
        for code in ["620825", "350404", "659011"] {
            assert!(IdNumber::parse(&with_check(&format!("{code}19700101003")), today()).is_ok(), "{code}");
        }
        // A plausible-looking code that never existed: 620899 (no such county in 平凉), 622799.
        for code in ["620899", "622799", "310199"] {
            assert_eq!(
                IdNumber::parse(&with_check(&format!("{code}19700101003")), today()).unwrap_err().code,
                "id_number.address_code",
                "{code}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_single_digit_typo_is_caught(pos in 0usize..17, delta in 1u8..10) {
            let good = with_check("62082519800101003");
            let mut b = good.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(b).unwrap();
            prop_assert!(IdNumber::parse(&typo, today()).is_err());
        }
    }
}
