//! 在线咨询 rules (pure): what a question, a follow-up and an answer must say, and when the
//! answer is due.
//!
//! No national rule sets a deadline for answering a resident's online question about social
//! assistance. The 12345 hotline (国办发〔2020〕53号) answers consultations itself where it can and
//! passes the rest on under local time limits, commonly one or two working days; jiuzhu takes
//! [`ANSWER_WITHIN`] working days of the official calendar, counted again from each follow-up.

use crate::complaints::rules::working_days_after;
use chrono::NaiveDate;
use jiuzhu_domain::question::QuestionTopic;
use jiuzhu_domain::{Calendar, FieldError, ValidationErrors};

/// Working days the town has to answer (each question and each follow-up).
pub const ANSWER_WITHIN: u32 = 2;
/// A question or follow-up says at least this much …
pub const MIN_TEXT: usize = 5;
/// … and at most this much.
pub const MAX_TEXT: usize = 1000;

/// The day an answer is due for a question asked (or asked again) on `asked`.
pub fn due_on(calendar: &Calendar, asked: NaiveDate) -> NaiveDate {
    working_days_after(calendar, asked, ANSWER_WITHIN)
}

/// A text of `field` between [`MIN_TEXT`] and [`MAX_TEXT`] characters (trimmed), or why not.
pub fn check_text(field: &str, text: &str, what_zh: &str, what_en: &str) -> Result<String, FieldError> {
    let t = text.trim().to_string();
    let n = t.chars().count();
    if n < MIN_TEXT {
        return Err(FieldError::new(
            field,
            "question.too_short",
            format!("请写{what_zh}（至少 {MIN_TEXT} 个字）"),
            format!("write {what_en} (at least {MIN_TEXT} characters)"),
        ));
    }
    if n > MAX_TEXT {
        return Err(FieldError::new(
            field,
            "question.too_long",
            format!("{what_zh}最多 {MAX_TEXT} 个字，现在 {n} 个字"),
            format!("{what_en}: at most {MAX_TEXT} characters, now {n}"),
        ));
    }
    Ok(t)
}

/// A question as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedQuestion {
    pub topic: QuestionTopic,
    pub body: String,
}

/// Checks a new question: a topic chosen and the question written; every problem named at once.
pub fn check_question(topic: &str, body: &str) -> Result<CheckedQuestion, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let topic = QuestionTopic::parse(topic.trim());
    if topic.is_none() {
        e.push(FieldError::new("topic", "question.topic", "请选择想问哪方面的事", "choose what the question is about"));
    }
    let body = e.take(check_text("body", body, "您想问的问题", "your question"));
    e.into_result()?;
    #[allow(clippy::unwrap_used, reason = "checked above")]
    Ok(CheckedQuestion { topic: topic.unwrap(), body: body.unwrap() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_question_table() {
        let codes = |topic: &str, body: &str| -> Vec<&'static str> {
            check_question(topic, body).err().map(|e| e.0.iter().map(|f| f.code).collect()).unwrap_or_default()
        };
        assert_eq!(codes("eligibility", "我能申请低保吗"), Vec::<&str>::new());
        assert_eq!(codes("", "我能申请低保吗"), ["question.topic"]);
        assert_eq!(codes("materials", "材料？"), ["question.too_short"]);
        assert_eq!(codes("materials", "要带啥材料"), Vec::<&str>::new());
        assert_eq!(codes("other", &"问".repeat(MAX_TEXT)), Vec::<&str>::new());
        assert_eq!(codes("other", &"问".repeat(MAX_TEXT + 1)), ["question.too_long"]);
        assert_eq!(codes("x", " "), ["question.topic", "question.too_short"]);
        assert_eq!(check_question(" payment ", "  这个月什么时候发钱  ").unwrap().body, "这个月什么时候发钱");
    }

    #[test]
    fn the_answer_is_due_two_working_days_on_skipping_the_holiday() {
        let cal = Calendar::official();
        // Friday 25 Sep 2026 + 2 working days: Tuesday 29 Sep.
        assert_eq!(due_on(cal, day("2026-09-25")), cal.add_working_days(day("2026-09-25"), 2).unwrap());
        // Asked on 30 Sep, the eve of 国庆: not due inside the holiday.
        let due = due_on(cal, day("2026-09-30"));
        assert!(due > day("2026-10-07"), "{due}");
    }
}
