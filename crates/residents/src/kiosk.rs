//! 自助终端读卡: what the service hall's kiosk reads from a resident ID card, checked before it
//! fills a form (pure).
//!
//! The kiosk PC runs a card-reader bridge (读卡器中间件): a small HTTP endpoint on the PC
//! itself that returns the card's text fields (GA/T 490 居民身份证机读信息: 姓名, 性别, 民族,
//! 出生, 住址, 公民身份号码, 签发机关, 有效期限) as JSON. The kiosk page sends those fields, never the
//! photo, to jiuzhu, which answers whether the card can be used: the number must pass GB 11643
//! (check character, birth date, address code), agree with the card's own birth date and sex
//! (else the read was garbled), and the card must be within its validity period (居民身份证法
//! 第五条: 5, 10 or 20 years, or 长期). Nothing of it is stored: it only fills the ID-number box
//! the resident would otherwise type.

use chrono::NaiveDate;
use jiuzhu_domain::{FieldError, IdNumber, Sex, mask};
use serde::Deserialize;

/// A card's text fields as the bridge sends them (names as in docs/operations.md, 自助终端).
/// Only what is checked is read; anything else the bridge adds (the photo above all) is ignored
/// by the page before it is sent, and never reaches this type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CardFields {
    /// 姓名 (GA/T 490 pads it with spaces).
    pub name: String,
    /// 性别: `1`/`2` (GB/T 2261.1) or `男`/`女`; empty when the bridge does not send it.
    pub sex: String,
    /// 出生: `YYYYMMDD`.
    pub birth: String,
    /// 公民身份号码.
    pub id_number: String,
    /// 有效期限 起始日期: `YYYYMMDD`.
    pub valid_from: String,
    /// 有效期限 截止日期: `YYYYMMDD`, or `长期`.
    pub valid_to: String,
}

/// A card the kiosk may use: its holder's number and name, and until when it is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub number: IdNumber,
    pub name: String,
    /// `None`: 长期 (valid for life).
    pub valid_to: Option<NaiveDate>,
}

impl Card {
    /// `张*三`: what the kiosk shows of whose card it read.
    pub fn masked_name(&self) -> String {
        mask::name(&self.name)
    }
}

fn problem(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("card", code, zh, en)
}

/// A date as a card gives it: `20360501`, also `2036.05.01` or `2036-05-01` (bridges differ).
fn card_date(text: &str) -> Option<NaiveDate> {
    let digits: String = text.chars().filter(|c| !matches!(c, '.' | '-' | ' ')).collect();
    (digits.len() == 8).then(|| NaiveDate::parse_from_str(&digits, "%Y%m%d").ok()).flatten()
}

fn card_sex(text: &str) -> Option<Sex> {
    match text.trim() {
        "1" | "男" => Some(Sex::Male),
        "2" | "女" => Some(Sex::Female),
        _ => None,
    }
}

/// Whether the card read can be used on `today`, and if so whose it is.
pub fn read_card(fields: &CardFields, today: NaiveDate) -> Result<Card, FieldError> {
    let garbled = || {
        problem(
            "card.garbled",
            "身份证没有读清楚，请把身份证平放在读卡区，不要移动，再读一次",
            "The card was not read cleanly: lay it flat on the reader, keep it still, and try again",
        )
    };
    let name: String = fields.name.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}').to_string();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(garbled());
    }
    let number = IdNumber::parse(&fields.id_number, today).map_err(|_| garbled())?;
    if card_date(&fields.birth).is_some_and(|b| b != number.birth_date()) || card_sex(&fields.sex).is_some_and(|s| s != number.sex()) {
        return Err(garbled());
    }
    let valid_to = match fields.valid_to.trim() {
        "长期" => None,
        t => Some(card_date(t).ok_or_else(garbled)?),
    };
    let valid_from = match fields.valid_from.trim() {
        "" => None,
        t => Some(card_date(t).ok_or_else(garbled)?),
    };
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && from >= to
    {
        return Err(garbled());
    }
    if let Some(to) = valid_to
        && to < today
    {
        return Err(problem(
            "card.expired",
            format!(
                "这张身份证的有效期限到 {} 已经结束，不能在这里使用。请到派出所换领新证；查询可以用下面的数字键输入身份证号",
                to.format("%Y年%m月%d日")
            ),
            format!("This card expired on {to}: renew it at the police station. To look something up, type the number on the keypad below"),
        ));
    }
    if let Some(from) = valid_from
        && from > today
    {
        return Err(problem(
            "card.not_yet_valid",
            format!("这张身份证从 {} 起才有效，请用原来的证件或输入身份证号", from.format("%Y年%m月%d日")),
            format!("This card is valid only from {from}: use your previous card or type the number"),
        ));
    }
    Ok(Card { number, name, valid_to })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use jiuzhu_testkit::fixtures::id_number;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// 庄浪县, born 12 March 1979, sequence 141 (odd: a man).
    fn card() -> CardFields {
        CardFields {
            name: "王建国      ".into(),
            sex: "1".into(),
            birth: "19790312".into(),
            id_number: id_number("19790312", 141),
            valid_from: "20160501".into(),
            valid_to: "20360501".into(),
        }
    }

    fn code(fields: &CardFields, today: &str) -> &'static str {
        match read_card(fields, day(today)) {
            Ok(_) => "ok",
            Err(e) => e.code,
        }
    }

    #[test]
    fn a_card_within_its_period_is_read_with_its_padding_trimmed() {
        let c = read_card(&card(), day("2026-12-07")).unwrap();
        assert_eq!(c.name, "王建国");
        assert_eq!(c.masked_name(), mask::name("王建国"));
        assert_eq!(c.number.as_str(), id_number("19790312", 141));
        assert_eq!(c.valid_to, Some(day("2036-05-01")));
    }

    #[test]
    fn validity_period_table() {
        // (valid_from, valid_to, today, outcome): the last day is still valid, the day after not.
        let table = [
            ("20160501", "20360501", "2036-05-01", "ok"),
            ("20160501", "20360501", "2036-05-02", "card.expired"),
            ("20060501", "20260501", "2026-12-07", "card.expired"),
            ("20261208", "20461208", "2026-12-07", "card.not_yet_valid"),
            ("20261207", "20461207", "2026-12-07", "ok"),
            ("20160501", "长期", "2099-01-01", "ok"),
            ("2016.05.01", "2036.05.01", "2026-12-07", "ok"),
            ("", "20360501", "2026-12-07", "ok"),
            ("20360501", "20160501", "2026-12-07", "card.garbled"),
            ("20160501", "", "2026-12-07", "card.garbled"),
            ("20160501", "2036051", "2026-12-07", "card.garbled"),
        ];
        for (from, to, today, want) in table {
            let f = CardFields { valid_from: from.into(), valid_to: to.into(), ..card() };
            assert_eq!(code(&f, today), want, "{from}–{to} on {today}");
        }
    }

    #[test]
    fn a_garbled_read_is_refused() {
        let mut wrong_check = id_number("19790312", 141);
        let last = if wrong_check.ends_with('0') { "1" } else { "0" };
        wrong_check.replace_range(17.., last);
        let cases = [
            CardFields { id_number: wrong_check, ..card() },
            CardFields { id_number: id_number("19790312", 141)[..17].to_string(), ..card() },
            CardFields { birth: "19790313".into(), ..card() },
            CardFields { sex: "2".into(), ..card() },
            CardFields { sex: "女".into(), ..card() },
            CardFields { name: "   \u{3000}".into(), ..card() },
            CardFields { name: "名".repeat(31), ..card() },
        ];
        for f in cases {
            assert_eq!(code(&f, "2026-12-07"), "card.garbled", "{f:?}");
        }
        // A bridge that leaves out sex and birth still gives a usable card: the number decides.
        let sparse = CardFields { sex: String::new(), birth: String::new(), ..card() };
        assert_eq!(code(&sparse, "2026-12-07"), "ok");
        assert_eq!(code(&CardFields { sex: "男".into(), ..card() }, "2026-12-07"), "ok");
    }

    #[test]
    fn the_expiry_message_names_the_day_and_offers_typing() {
        let f = CardFields { valid_from: "20060501".into(), valid_to: "20260501".into(), ..card() };
        let e = read_card(&f, day("2026-12-07")).unwrap_err();
        assert!(e.zh.contains("2026年05月01日") && e.zh.contains("输入身份证号"), "{}", e.zh);
        assert!(e.en.contains("2026-05-01"), "{}", e.en);
    }
}
