//! 联系电话: a mainland mobile number or a landline with its area code, in one stored form.
//!
//! A mobile is 11 digits, `1` then `3`–`9` (13x … 19x), optionally written with `+86`/`0086`,
//! spaces or hyphens; it is stored as the 11 digits. A landline needs its area code (`0` then 2
//! or 3 digits: `010` and `02x` have three, every other has four) and a local number of 7 or 8
//! digits that starts with 2–9; it is stored as `0933-6621234`. Anything else is refused with a
//! message that shows both forms: a number a clerk cannot call back is worse than none.

use crate::error::FieldError;

/// Checks and normalises a phone number; `field` names the form field in the error.
pub fn parse_phone(field: &str, text: &str) -> Result<String, FieldError> {
    let refuse = |code: &'static str, zh: &str, en: &str| Err(FieldError::new(field, code, zh, en));
    let compact: String = text.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}')).collect();
    let digits = compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")).unwrap_or(&compact);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(
            "phone.format",
            "只能填数字，手机号 11 位（如 13912345678），固定电话带区号（如 0933-6621234）",
            "digits only: an 11-digit mobile (13912345678) or a landline with its area code (0933-6621234)",
        );
    }
    let b = digits.as_bytes();
    if b[0] == b'1' {
        if b.len() != 11 {
            return refuse("phone.mobile_length", "手机号应为 11 位数字", "a mobile number has 11 digits");
        }
        if !(b'3'..=b'9').contains(&b[1]) {
            return refuse("phone.mobile_prefix", "手机号第二位应为 3–9（如 139、188）", "a mobile number starts 13–19");
        }
        return Ok(digits.to_string());
    }
    if b[0] != b'0' {
        return refuse("phone.area_code", "固定电话请带区号（如 0933-6621234）", "a landline needs its area code (e.g. 0933-6621234)");
    }
    let area_len = if b.len() > 2 && ((b[1] == b'1' && b[2] == b'0') || b[1] == b'2') { 3 } else { 4 };
    let (area, local) = digits.split_at(area_len.min(digits.len()));
    if !(7..=8).contains(&local.len()) || !matches!(local.as_bytes()[0], b'2'..=b'9') {
        return refuse(
            "phone.landline",
            "固定电话应为区号加 7 或 8 位号码（如 0933-6621234、010-62345678）",
            "a landline is the area code and a 7- or 8-digit number (0933-6621234, 010-62345678)",
        );
    }
    Ok(format!("{area}-{local}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_at_every_edge() {
        let ok = |t: &str| parse_phone("phone", t).unwrap_or_else(|e| panic!("{t}: {}", e.zh));
        let err = |t: &str| parse_phone("phone", t).expect_err(t).code;
        assert_eq!(ok("13912345678"), "13912345678");
        assert_eq!(ok(" +86 139-1234-5678 "), "13912345678");
        assert_eq!(ok("0086 13912345678"), "13912345678");
        assert_eq!(ok("19912345678"), "19912345678");
        assert_eq!(err("12912345678"), "phone.mobile_prefix");
        assert_eq!(err("1391234567"), "phone.mobile_length", "10 digits");
        assert_eq!(err("139123456789"), "phone.mobile_length", "12 digits");
        assert_eq!(ok("0933-6621234"), "0933-6621234");
        assert_eq!(ok("09336621234"), "0933-6621234");
        assert_eq!(ok("010-62345678"), "010-62345678");
        assert_eq!(ok("02087654321"), "020-87654321");
        assert_eq!(ok("0933 66212345"), "0933-66212345", "8-digit local number");
        assert_eq!(err("0933-662123"), "phone.landline", "6 digits");
        assert_eq!(err("0933-662123456"), "phone.landline", "9 digits");
        assert_eq!(err("010-12345678"), "phone.landline", "a local number never starts with 1");
        assert_eq!(err("6621234"), "phone.area_code");
        assert_eq!(err("139一二三"), "phone.format");
        assert_eq!(err("+1 415 555 0100"), "phone.format");
    }
}
