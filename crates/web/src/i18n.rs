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
    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }
    pub fn html_lang(&self) -> &'static str {
        if self.is_en() { "en" } else { "zh-CN" }
    }
}
