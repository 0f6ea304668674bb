//! Chinese by default; English when the `lang` cookie says so. Texts sit in the templates
//! as pairs (`lang.t("中文", "English")`), so each page reads in one place.

use crate::cookies::{LANG_COOKIE, cookie};
use axum::http::HeaderMap;
use jiuzhu_domain::Lang;

/// The page language, handed to every template.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageLang(pub Lang);

impl PageLang {
    pub fn from_headers(h: &HeaderMap) -> PageLang {
        PageLang(cookie(h, LANG_COOKIE).map(Lang::from_tag).unwrap_or_default())
    }
    /// The text in this language.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.0.pick(zh, en)
    }
    /// How an actor appears on a page: a person as recorded, the system's own jobs in words
    /// (never `system:tick` or `system:calendar-import`).
    pub fn who(&self, actor: &str) -> String {
        let Some(job) = actor.strip_prefix("system:") else { return actor.to_string() };
        let (zh, en) = match job {
            "tick" => ("系统（每日业务定时任务）", "system (daily casework job)"),
            "calendar" | "calendar-import" => ("系统（节假日安排导入）", "system (holiday import)"),
            "casework-check" | "data-check" => ("系统（部门数据比对）", "system (department data check)"),
            "reassess" => ("系统（批量重新研判）", "system (batch reassessment)"),
            "synthetic-population" => ("系统（演示数据生成）", "system (demo data)"),
            "bench" => ("系统（性能测试）", "system (benchmark)"),
            _ => ("系统", "system"),
        };
        self.t(zh, en).to_string()
    }
    /// One language's half of a bilingual message (`中文…… / English…`, as the policy engine
    /// writes warnings for the API): a page shows only its own language.
    pub fn half(&self, text: &str) -> String {
        match text.rsplit_once(" / ") {
            Some((zh, en)) => if self.is_en() { en } else { zh }.trim().to_string(),
            None => text.to_string(),
        }
    }
    /// An enumeration's label function in this language (`Relation::zh` or `Relation::en`).
    pub fn label<T>(&self, zh: fn(T) -> &'static str, en: fn(T) -> &'static str) -> fn(T) -> &'static str {
        if self.is_en() { en } else { zh }
    }
    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }
    pub fn html_lang(&self) -> &'static str {
        if self.is_en() { "en" } else { "zh-CN" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bilingual_warning_shows_one_language() {
        let w = "以下地方标准施行已超过两年，可能已有新标准，请核实：农村低保标准 465.00元（自 2023-01-01 起） / standards in force for over two years, possibly raised since";
        assert_eq!(
            PageLang(Lang::Zh).half(w),
            "以下地方标准施行已超过两年，可能已有新标准，请核实：农村低保标准 465.00元（自 2023-01-01 起）"
        );
        assert_eq!(PageLang(Lang::En).half(w), "standards in force for over two years, possibly raised since");
        assert_eq!(PageLang(Lang::Zh).half("只有中文"), "只有中文");
    }

    #[test]
    fn system_actors_are_named_in_words_people_as_recorded() {
        let (zh, en) = (PageLang(Lang::Zh), PageLang(Lang::En));
        assert_eq!(zh.who("system:tick"), "系统（每日业务定时任务）");
        assert_eq!(en.who("system:tick"), "system (daily casework job)");
        assert_eq!(zh.who("system:calendar-import"), "系统（节假日安排导入）");
        assert_eq!(zh.who("system:something-new"), "系统");
        assert_eq!(zh.who("王建国"), "王建国");
    }
}
