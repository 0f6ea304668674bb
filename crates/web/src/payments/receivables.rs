//! 应追回款: the receivables in scope — months paid after a death or an end, and fraud decisions
//! — with what was withheld, refunded and is still owed; the finance officer records a refund,
//! the county approver records a fraud decision's amount (password again). Each handler parses,
//! calls one service method and renders.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::payment::Programme;
use jiuzhu_domain::{Fen, Permission};
use jiuzhu_payments::FraudDecision;
use jiuzhu_store::Receivable;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/receivables", get(list_page).post(fraud_submit)).route("/receivables/{id}/refund", post(refund_submit))
}

pub struct ReceivableRow {
    id: i64,
    version: i64,
    household_id: i64,
    programme: String,
    reason: String,
    amount: String,
    refunded: String,
    offset: String,
    outstanding: String,
    open: bool,
    note: String,
    created: String,
}

fn row(r: &Receivable, lang: PageLang) -> ReceivableRow {
    ReceivableRow {
        id: r.id,
        version: r.version,
        household_id: r.household_id,
        programme: lang.t(r.programme.zh(), r.programme.en()).into(),
        reason: lang.t(r.reason.zh(), r.reason.en()).into(),
        amount: r.amount.to_string(),
        refunded: r.refunded.to_string(),
        offset: r.offset.to_string(),
        outstanding: r.outstanding.to_string(),
        open: r.outstanding.0 > 0,
        // A note written by the rules names months and amounts, never an identifier; a person's
        // typed note is shown as typed to those who may read payments.
        note: r.note.clone(),
        created: format!("{} {}", r.created_by.username, crate::frame::beijing_minutes(r.created_at)),
    }
}

/// What was typed in the fraud form (kept after a refusal).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FraudForm {
    household_id: String,
    programme: String,
    amount: String,
    note: String,
    password: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RefundForm {
    version: i64,
    amount: String,
    memo: String,
}

#[derive(Template)]
#[template(path = "receivables.html")]
struct ReceivablesPage {
    c: Chrome,
    rows: Vec<ReceivableRow>,
    error: String,
    /// The row a refusal was about, and what was typed there.
    error_row: i64,
    refund: RefundForm,
    fraud: FraudForm,
    can_refund: bool,
    can_record: bool,
    total_outstanding: String,
}

async fn view(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    error: String,
    error_row: i64,
    refund: RefundForm,
    fraud: FraudForm,
) -> Response {
    let list = match state.payments.receivables(&session.user, None).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let u = &session.user;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ReceivablesPage {
        c: Chrome::new(state, session, lang, "/receivables").await,
        total_outstanding: list.iter().map(|r| r.outstanding).sum::<Fen>().to_string(),
        rows: list.iter().map(|r| row(r, lang)).collect(),
        error,
        error_row,
        refund,
        fraud: FraudForm { password: String::new(), ..fraud },
        can_refund: u.can(Permission::ManagePayments),
        can_record: u.can(Permission::ApprovePayroll),
    };
    (status, render(page)).into_response()
}

async fn list_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    view(&state, &session, lang, String::new(), 0, RefundForm::default(), FraudForm::default()).await
}

async fn refund_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<RefundForm>,
) -> Response {
    // An amount that cannot be read goes in as zero: the service checks the role first, then the
    // reader's own words replace the service's for that field.
    let (amount, bad) = super::typed_money("amount", &f.amount);
    let result = state.payments.refund(&session.user, id, f.version, amount, &f.memo).await;
    let result = result.map_err(|e| super::with_parse_errors(e.into(), bad));
    match result {
        Ok(_) => Redirect::to("/receivables").into_response(),
        Err(e) => match super::refusal_text(e, lang) {
            Ok(m) => view(&state, &session, lang, m, id, f, FraudForm::default()).await,
            Err(e) => e.page(lang.0),
        },
    }
}

async fn fraud_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<FraudForm>) -> Response {
    // What cannot be read goes in empty: the service checks the role first, then names each field.
    let (amount, bad) = super::typed_money("amount", &f.amount);
    let d = FraudDecision {
        household_id: f.household_id.trim().trim_start_matches('#').parse().unwrap_or(0),
        programme: Programme::parse(&f.programme),
        amount,
        note: f.note.clone(),
    };
    let result = state.payments.record_fraud(&session.user, &f.password, &d).await;
    let result = result.map_err(|e| super::with_parse_errors(e.into(), bad));
    match result {
        Ok(_) => Redirect::to("/receivables").into_response(),
        Err(e) => match super::refusal_text(e, lang) {
            Ok(m) => view(&state, &session, lang, m, 0, RefundForm::default(), f).await,
            Err(e) => e.page(lang.0),
        },
    }
}
