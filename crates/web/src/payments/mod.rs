//! 资金发放 in the web layer: the JSON endpoints of contracts/payments-v1.md ([`api`]) and the pages
//! of the finance officer and the approvers ([`pages`]), the 发放名单公示 to post ([`publicity`]), and
//! the receivables (应追回款) with refunds and fraud decisions ([`receivables`]), the towns' standby
//! funds (乡镇临时救助备用金, [`standby`]), and the Excel copies of those lists ([`copies`]).

pub(crate) mod api;
mod copies;
pub(crate) mod pages;
mod publicity;
mod receivables;
mod standby;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    api::routes()
        .merge(pages::routes())
        .merge(publicity::routes())
        .merge(receivables::routes())
        .merge(standby::routes())
        .merge(copies::routes())
}
