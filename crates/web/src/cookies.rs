//! The cookies the server sets and reads: the session (HttpOnly, SameSite=Strict) and the page
//! language.

use axum::http::{HeaderMap, header};

pub const SESSION_COOKIE: &str = "jiuzhu_session";
pub const LANG_COOKIE: &str = "lang";

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// `Set-Cookie` for a new session. `Secure` is added when the server is told it runs behind TLS.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// `Set-Cookie` for the page language (a year).
pub fn lang_cookie(lang: &str) -> String {
    format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000")
}

/// A field of an `application/x-www-form-urlencoded` body or query.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_form_fields() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "lang=en; jiuzhu_session=abc123".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc123"));
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(form_field(b"a=1&csrf_token=xyz&b=2", "csrf_token").as_deref(), Some("xyz"));
    }
}
