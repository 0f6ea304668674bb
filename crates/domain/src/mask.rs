//! 脱敏: how identifiers look wherever they are not revealed — pages, lists, edit forms, history,
//! exports, import reports, logs and public notices. One place, so every screen masks alike.

fn tail(chars: &[char], n: usize) -> String {
    chars[chars.len().saturating_sub(n)..].iter().collect()
}

/// `620825********1234`: the first 6 and last 4 characters (enough to tell two rows apart, not
/// enough to identify anyone); anything of 10 characters or fewer is starred whole.
pub fn id_number(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    format!("{head}{}{}", "*".repeat(chars.len() - 10), tail(&chars, 4))
}

/// `139****0000`
pub fn phone(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 7 {
        return "****".into();
    }
    let head: String = chars[..3].iter().collect();
    format!("{head}****{}", tail(&chars, 4))
}

/// `****0017`: a bank account number's last four digits.
pub fn bank_account_no(text: &str) -> String {
    format!("****{}", tail(&text.chars().collect::<Vec<_>>(), 4))
}

/// `****42`: a 残疾人证号 begins with its holder's ID number, so only its last two characters show.
pub fn disability_certificate(text: &str) -> String {
    format!("****{}", tail(&text.chars().collect::<Vec<_>>(), 2))
}

/// A name as a public notice (公示) shows it: the first and last character, the middle masked —
/// 张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜.
pub fn name(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_identifier_keeps_only_what_tells_rows_apart() {
        assert_eq!(id_number("62082519600101011X"), "620825********011X");
        assert_eq!(id_number("1234567890"), "**********");
        assert_eq!(phone("13900001234"), "139****1234");
        assert_eq!(phone("12345"), "****");
        assert_eq!(bank_account_no("6228480000000000017"), "****0017");
        assert_eq!(disability_certificate("62082519620315xxx42"), "****42");
        assert_eq!(name("张三丰"), "张*丰");
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("欧阳娜娜"), "欧**娜");
        assert_eq!(name("张"), "*");
    }
}
