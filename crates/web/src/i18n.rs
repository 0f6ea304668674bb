//! Chinese by default; English when the `lang` cookie says so. Texts sit in the templates
//! as pairs (`l.t("中文", "English")`), so each page reads in one place.

use axum::http::HeaderMap;
use jiuzhu_domain::Lang;

pub const LANG_COOKIE: &str = "lang";

/// The page language, handed to every template.
#[derive(Debug, Clone, Copy, Default)]
pub struct L(pub Lang);

impl L {
    pub fn from_headers(h: &HeaderMap) -> L {
        L(crate::auth::cookie(h, LANG_COOKIE).map(Lang::from_tag).unwrap_or_default())
    }
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
