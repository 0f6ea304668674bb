//! Names as people type them: one form for what looks the same (Unicode NFC), and nothing
//! invisible. A zero-width space or a bidi override inside 张三 would otherwise make a second,
//! unfindable 张三 (a search for 张三 would not find `张\u{200b}三`) or show text reversed.

use unicode_normalization::UnicodeNormalization;

/// Characters that take no space or reorder text: zero-width spaces and joiners, bidi marks,
/// embeddings, overrides and isolates, the word joiner, the byte-order mark, the soft hyphen.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The stored form of a typed name or search text: NFC, invisible characters removed, trimmed.
/// Control characters (line breaks, NUL …) are kept for [`has_control`] to refuse.
pub fn clean(text: &str) -> String {
    text.nfc().filter(|c| !invisible(*c)).collect::<String>().trim().to_string()
}

/// Whether a name holds a control character (a name is one line of text).
pub fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_go_and_composed_forms_become_one() {
        assert_eq!(clean("张\u{200b}三"), "张三");
        assert_eq!(clean("\u{202e}三张\u{202c}"), "三张");
        assert_eq!(clean(" 王\u{feff}五 "), "王五");
        // e + combining acute → é (one code point).
        assert_eq!(clean("Ze\u{301}"), "Z\u{e9}");
        assert!(has_control("张\n三"));
        assert!(!has_control(&clean("张\u{200d}三")));
    }
}
