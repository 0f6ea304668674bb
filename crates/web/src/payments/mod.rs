//! 资金发放 in the web layer: the JSON endpoints of contracts/payments-v1.md ([`api`]) and the pages
//! of the finance officer and the approvers ([`pages`]), the 发放名单公示 to post ([`publicity`]), and
//! the receivables (应追回款) with refunds and fraud decisions ([`receivables`]), the towns' standby
//! funds (乡镇临时救助备用金, [`standby`]), a rise of the standard applied to the benefits (提标补差, [`rises`]), where a household's money goes when not to its own account (收款安排, [`payees`]), and the Excel copies of those lists ([`copies`]).

pub(crate) mod api;
mod copies;
pub(crate) mod pages;
mod payees;
mod publicity;
mod receivables;
mod rises;
mod standby;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    api::routes()
        .merge(pages::routes())
        .merge(payees::routes())
        .merge(publicity::routes())
        .merge(receivables::routes())
        .merge(rises::routes())
        .merge(standby::routes())
        .merge(copies::routes())
}

/// A refusal as one line for the top of a form (each field named in words), or — for anything
/// that is not the user's to fix — the error back, to be shown as its own page.
fn refusal_text(e: crate::error::WebError, lang: crate::i18n::PageLang) -> Result<String, crate::error::WebError> {
    use crate::error::WebError;
    match e {
        WebError::Invalid(v) => Ok(crate::frame::form_errors(&v, lang)),
        e @ WebError::Refused { .. } => {
            let b = e.body();
            Ok(lang.t(&b.message, &b.message_en).into())
        }
        e => Err(e),
    }
}

/// An amount typed in 元: the amount, or zero and the reader's error. Forms hand the zero to the
/// service (which checks the role before the fields) and then [`with_parse_errors`] puts the
/// reader's words back for that field.
fn typed_money(field: &str, text: &str) -> (jiuzhu_domain::Fen, Option<jiuzhu_domain::FieldError>) {
    match jiuzhu_domain::Fen::parse_yuan(field, text) {
        Ok(f) => (f, None),
        Err(e) => (jiuzhu_domain::Fen::ZERO, Some(e)),
    }
}

/// The reader's own errors ("not an amount", "two decimals at most") in place of the service's
/// "more than 0" for the same fields.
fn with_parse_errors(e: crate::error::WebError, parse: impl IntoIterator<Item = jiuzhu_domain::FieldError>) -> crate::error::WebError {
    match e {
        crate::error::WebError::Invalid(mut v) => {
            for p in parse {
                for f in v.0.iter_mut().filter(|f| f.field == p.field) {
                    *f = p.clone();
                }
            }
            crate::error::WebError::Invalid(v)
        }
        e => e,
    }
}
