//! 资金发放 in the web layer: the JSON endpoints of contracts/payments-v1.md ([`api`]) and the pages
//! of the finance officer and the approvers ([`pages`]).

pub(crate) mod api;
pub(crate) mod pages;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    api::routes().merge(pages::routes())
}
