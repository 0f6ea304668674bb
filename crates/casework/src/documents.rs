//! What the printed notices say that is not a plain field: masked names for public notices and
//! document numbers.

use jiuzhu_store::Case;

/// A name as a public notice shows it (SECURITY.md): the first and last character, the middle
/// masked — 张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// The document number printed on a notice: the case's year and id, so a notice can always be
/// traced back to its case (e.g. `救助〔2026〕第 000123 号`).
pub fn document_number(c: &Case) -> String {
    format!("救助〔{}〕第 {:06} 号", c.data.opened_on.format("%Y"), c.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_for_public_notices() {
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(" 李四 "), "李*");
    }
}
