//! 发放名单公示: the approved payroll as a notice to print and post (names masked, no ID number,
//! account or phone), with where to object. One handler: parse, call the service, render.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use jiuzhu_domain::{Division, Fen};
use jiuzhu_payments::PublicPayment;

pub fn routes() -> Router<AppState> {
    Router::new().route("/payrolls/{id}/publicity", get(publicity_page))
}

#[derive(Template)]
#[template(path = "payroll_publicity.html")]
struct PayrollPublicityPage {
    c: Chrome,
    id: i64,
    /// 庄浪县 (or the town's name for a town's account).
    region: String,
    month: String,
    programme: String,
    lines: Vec<PublicPayment>,
    kinds: Vec<String>,
    total: String,
    today: String,
    contacts: crate::offices::Contacts,
}

async fn publicity_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    let u = &session.user;
    let (p, lines) = match state.payments.publicity(u, id).await {
        Ok(r) => r,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let place = if p.region.is_within(&u.scope.0) { p.region.clone() } else { u.scope.0.clone() };
    let total: Fen = lines.iter().map(|l| l.amount).sum();
    render(PayrollPublicityPage {
        region: Division::find(&place).map(|d| d.name).unwrap_or_else(|| place.to_string()),
        month: p.month.format("%Y年%-m月").to_string(),
        programme: lang.t(p.programme.zh(), p.programme.en()).into(),
        kinds: lines.iter().map(|l| lang.t(l.kind.zh(), l.kind.en()).to_string()).collect(),
        total: total.to_string(),
        today: state.clock.today().to_string(),
        contacts: state.offices.contacts(&place),
        c: Chrome::new(&state, &session, lang, "/payrolls").await,
        id,
        lines,
    })
}
