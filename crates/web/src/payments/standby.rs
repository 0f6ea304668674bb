//! 乡镇临时救助备用金 pages: each town's imprest, cash and vouchers; the town pays 先行救助 out of
//! it, the county's finance officer sets the imprest and replenishes the vouchers. Each handler
//! parses, calls one service method and renders.

use crate::error::WebError;
use crate::extract::Page;
use crate::frame::{Chrome, beijing_minutes, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::{Division, Permission};
use jiuzhu_payments::Advance;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/standby", get(page).post(advance_submit))
        .route("/standby/imprest", post(imprest_submit))
        .route("/standby/replenish", post(replenish_submit))
}

pub struct VoucherRow {
    id: i64,
    household_id: i64,
    amount: String,
    reason: String,
    paid: String,
    replenished: String,
    /// The 临时救助 case it pays, when named.
    case_id: Option<i64>,
}

pub struct FundRow {
    town: String,
    town_name: String,
    version: i64,
    imprest: String,
    limit: String,
    cash: String,
    outstanding: i64,
    outstanding_total: String,
    vouchers: Vec<VoucherRow>,
}

/// What was typed (kept after a refusal).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StandbyForm {
    household_id: String,
    amount: String,
    reason: String,
    /// 先行救助案件编号 (optional).
    case_id: String,
    town: String,
    version: String,
    imprest: String,
    payment_limit: String,
    password: String,
}

#[derive(Template)]
#[template(path = "standby.html")]
struct StandbyPage {
    c: Chrome,
    funds: Vec<FundRow>,
    error: String,
    form: StandbyForm,
    can_pay: bool,
    can_manage: bool,
}

async fn view(state: &AppState, session: &SignedIn, lang: PageLang, error: String, form: StandbyForm) -> Response {
    let funds = match state.payments.standby(&session.user).await {
        Ok(f) => f,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = StandbyPage {
        c: Chrome::new(state, session, lang, "/standby").await,
        funds: funds
            .iter()
            .map(|(a, vs)| FundRow {
                town: a.town.to_string(),
                town_name: Division::find(&a.town).map(|d| d.name).unwrap_or_default(),
                version: a.version,
                imprest: a.imprest.to_string(),
                limit: a.payment_limit.to_string(),
                cash: a.cash.to_string(),
                outstanding: a.outstanding,
                outstanding_total: a.outstanding_total.to_string(),
                vouchers: vs
                    .iter()
                    .map(|v| VoucherRow {
                        case_id: v.case_id,
                        id: v.id,
                        household_id: v.household_id,
                        amount: v.amount.to_string(),
                        reason: v.reason.clone(),
                        paid: format!("{} {}", v.paid_on, v.paid_by),
                        replenished: match (&v.replenished_at, &v.replenished_by) {
                            (Some(at), Some(by)) => format!("{} {by}", beijing_minutes(*at)),
                            _ => String::new(),
                        },
                    })
                    .collect(),
            })
            .collect(),
        error,
        form: StandbyForm { password: String::new(), ..form },
        can_pay: session.user.can(Permission::PayAdvance),
        can_manage: session.user.can(Permission::ManagePayments),
    };
    (status, render(page)).into_response()
}

async fn page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    view(&state, &session, lang, String::new(), StandbyForm::default()).await
}

/// A refusal shown at the top of the page with what was typed; anything else is its own page.
async fn refused(state: &AppState, session: &SignedIn, lang: PageLang, e: WebError, form: StandbyForm) -> Response {
    match super::refusal_text(e, lang) {
        Ok(m) => view(state, session, lang, m, form).await,
        Err(e) => e.page(lang.0),
    }
}

async fn advance_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<StandbyForm>) -> Response {
    let (amount, bad) = super::typed_money("amount", &f.amount);
    // A case number that cannot be read goes in as 0 (named by the service); empty is none.
    let case = f.case_id.trim().trim_start_matches('#');
    let a = Advance {
        household_id: f.household_id.trim().trim_start_matches('#').parse().unwrap_or(0),
        amount,
        reason: f.reason.clone(),
        case_id: (!case.is_empty()).then(|| case.parse().unwrap_or(0)),
    };
    match state.payments.pay_advance(&session.user, &a).await {
        Ok(_) => Redirect::to("/standby").into_response(),
        Err(e) => refused(&state, &session, lang, super::with_parse_errors(e.into(), bad), f).await,
    }
}

async fn imprest_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<StandbyForm>) -> Response {
    let (imprest, bad_imprest) = super::typed_money("imprest", &f.imprest);
    let (limit, bad_limit) = super::typed_money("payment_limit", &f.payment_limit);
    let version = f.version.trim().parse().ok();
    match state.payments.set_standby(Some(&session.user), &f.town, version, imprest, limit).await {
        Ok(_) => Redirect::to("/standby").into_response(),
        Err(e) => refused(&state, &session, lang, super::with_parse_errors(e.into(), bad_imprest.into_iter().chain(bad_limit)), f).await,
    }
}

async fn replenish_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<StandbyForm>) -> Response {
    match state.payments.replenish_standby(&session.user, &f.password, &f.town).await {
        Ok(_) => Redirect::to("/standby").into_response(),
        Err(e) => refused(&state, &session, lang, e.into(), f).await,
    }
}
