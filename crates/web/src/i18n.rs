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
    fn system_actors_are_named_in_words_people_as_recorded() {
        let (zh, en) = (PageLang(Lang::Zh), PageLang(Lang::En));
        assert_eq!(zh.who("system:tick"), "系统（每日业务定时任务）");
        assert_eq!(en.who("system:tick"), "system (daily casework job)");
        assert_eq!(zh.who("system:calendar-import"), "系统（节假日安排导入）");
        assert_eq!(zh.who("system:something-new"), "系统");
        assert_eq!(zh.who("王建国"), "王建国");
    }
}
