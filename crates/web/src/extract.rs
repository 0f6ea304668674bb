//! What handlers take from a request: the signed-in user ([`RequireUser`] for the API, [`Page`]
//! for pages) and ids in their one canonical form ([`Id`]).
//!
//! An id is written one way: decimal digits, no sign, no leading zero. `GET /households/+6` and
//! `/households/06` used to read household 6 while the audit layer, reading the raw path, named
//! no household; now they are refused (400) before any handler runs, and a path that
//! percent-encodes a letter or digit (`/households/%36`) is refused likewise. What the audit
//! trail names comes from the services in any case (see [`crate::audit`]).

use crate::error::WebError;
use crate::i18n::PageLang;
use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::User;
use serde::{Deserialize, Deserializer};

/// The signed-in user of an API request; without a session the answer is 401 (JSON).
pub struct RequireUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for RequireUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<RequireUser, WebError> {
        signed_in(parts).map(|s| RequireUser(s.user)).ok_or(WebError::Unauthenticated)
    }
}

/// A page request by a signed-in user, with the page language. Without a session the browser
/// goes to the login page.
pub struct Page {
    pub session: SignedIn,
    pub lang: PageLang,
}

impl Page {
    pub fn user(&self) -> &User {
        &self.session.user
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Page, Response> {
        let lang = PageLang::from_headers(&parts.headers);
        signed_in(parts).map(|session| Page { session, lang }).ok_or_else(|| Redirect::to(&login_then_back(parts)).into_response())
    }
}

/// Where a page request without a session goes: the login page, then back to the page (for a
/// form sent after the session ended, the page the form was on, from `Referer`), saying the
/// session ended when the browser still had one (what was typed is kept by the page's draft).
fn login_then_back(parts: &Parts) -> String {
    let expired = crate::cookies::cookie(&parts.headers, crate::cookies::SESSION_COOKIE).is_some();
    let back = if parts.method == axum::http::Method::GET {
        parts.uri.path_and_query().map(|p| p.as_str().to_string())
    } else {
        parts
            .headers
            .get(axum::http::header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| url::Url::parse(r).ok())
            .map(|u| u.path().to_string() + u.query().map(|q| format!("?{q}")).as_deref().unwrap_or(""))
    };
    let mut to = url::form_urlencoded::Serializer::new(String::new());
    if let Some(b) = back.as_deref().and_then(crate::frame::same_site_path).filter(|b| *b != "/login") {
        to.append_pair("next", b);
    }
    if expired {
        to.append_pair("expired", "1");
    }
    let q = to.finish();
    if q.is_empty() { "/login".into() } else { format!("/login?{q}") }
}

/// The session the session layer found (none for anonymous requests).
pub fn signed_in(parts: &Parts) -> Option<SignedIn> {
    parts.extensions.get::<Option<SignedIn>>().cloned().flatten()
}

/// An id from a path or query in its one form: `0` or digits without a leading zero, within `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Id(pub i64);

impl Id {
    pub fn parse(text: &str) -> Option<Id> {
        let canonical = text == "0" || (!text.is_empty() && !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit()));
        canonical.then(|| text.parse().ok().map(Id)).flatten()
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let text = String::deserialize(d)?;
        Id::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("“{text}”不是编号（只写数字）/ not an id (digits only)")))
    }
}

/// In the API's description an id is a plain integer.
impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <i64 as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Id {}

/// A path of one id (`/api/v1/households/{id}`): the parameter `id`, a plain integer.
impl utoipa::IntoParams for Id {
    fn into_params(parameter_in: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        vec![
            ParameterBuilder::new()
                .name("id")
                .parameter_in(parameter_in().unwrap_or(ParameterIn::Path))
                .required(utoipa::openapi::Required::True)
                .description(Some("decimal digits only: no sign, no leading zero"))
                .schema(Some(<i64 as utoipa::PartialSchema>::schema()))
                .build(),
        ]
    }
}

/// Whether a path percent-encodes a letter or digit: never needed, and a way to write the same
/// path twice.
fn encodes_unreserved(path: &str) -> bool {
    let b = path.as_bytes();
    (0..b.len().saturating_sub(2)).any(|i| {
        b[i] == b'%'
            && std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'))
    })
}

/// Refuses paths not in their one form before anything reads them.
pub async fn canonical_paths(request: Request, next: Next) -> Response {
    if encodes_unreserved(request.uri().path()) {
        let e = WebError::Invalid(
            jiuzhu_domain::FieldError::new(
                "path",
                "request.path",
                "地址格式不正确：字母和数字不应编码",
                "malformed address: letters and digits are never percent-encoded",
            )
            .into(),
        );
        return if request.uri().path().starts_with("/api/") {
            (StatusCode::BAD_REQUEST, axum::Json(e.body())).into_response()
        } else {
            (StatusCode::BAD_REQUEST, e.page(PageLang::from_headers(request.headers()).0)).into_response()
        };
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_one_form() {
        assert_eq!(Id::parse("6"), Some(Id(6)));
        assert_eq!(Id::parse("0"), Some(Id(0)));
        assert_eq!(Id::parse("9223372036854775807"), Some(Id(i64::MAX)));
        for bad in ["+6", "06", "-6", " 6", "6 ", "6.0", "", "9223372036854775808", "٦"] {
            assert_eq!(Id::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn encoded_letters_and_digits_are_refused() {
        assert!(encodes_unreserved("/households/%36"));
        assert!(encodes_unreserved("/api/v1/households/%36/history"));
        assert!(encodes_unreserved("/%68ouseholds"));
        assert!(!encodes_unreserved("/households/6"));
        assert!(!encodes_unreserved("/lang/en%2F"));
        assert!(!encodes_unreserved("/search/%E7%8E%8B"));
    }
}
