//! 提标补差: the county approver enters a rise of the standard (programme, first month, 元 per
//! person, the notice's 文号), sees what it would do, and applies it with the password again. The
//! months already paid get the difference in the next payroll. Each handler parses, calls one
//! service method and renders.

use crate::error::WebError;
use crate::extract::Page;
use crate::frame::{Chrome, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::payment::{Programme, parse_month};
use jiuzhu_payments::RiseRequest;
use jiuzhu_store::Rise;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/rises", get(list_page).post(submit))
}

/// What was typed (kept after a refusal and between the preview and the confirmation).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RiseForm {
    programme: String,
    from_month: String,
    per_person: String,
    notice: String,
    password: String,
    /// Set by the confirmation's button: apply, not preview.
    confirm: String,
}

pub struct RiseRow {
    programme: String,
    from_month: String,
    per_person: String,
    notice: String,
    benefits: i64,
    members: i64,
    monthly_increase: String,
    by: String,
}

fn row(r: &Rise, lang: PageLang) -> RiseRow {
    RiseRow {
        programme: Programme::of_kind(r.kind).map_or_else(|| lang.t(r.kind.zh(), r.kind.en()).into(), |p| lang.t(p.zh(), p.en()).into()),
        from_month: r.from_month.format("%Y-%m").to_string(),
        per_person: r.per_person.to_string(),
        notice: r.notice.clone(),
        benefits: r.benefits,
        members: r.members,
        monthly_increase: r.monthly_increase.to_string(),
        by: format!("{} {}", r.by.username, crate::frame::beijing_minutes(r.at)),
    }
}

#[derive(Template)]
#[template(path = "rises.html")]
struct RisesPage {
    c: Chrome,
    rows: Vec<RiseRow>,
    form: RiseForm,
    error: String,
    /// What the rise would do, before it is confirmed.
    preview: Option<RiseRow>,
    /// The rise just applied.
    done: Option<RiseRow>,
}

async fn view(state: &AppState, session: &SignedIn, lang: PageLang, form: RiseForm, outcome: Outcome) -> Response {
    let list = match state.payments.rises(&session.user).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let (error, preview, done) = match outcome {
        Outcome::None => (String::new(), None, None),
        Outcome::Refused(m) => (m, None, None),
        Outcome::Preview(r) => (String::new(), Some(row(&r, lang)), None),
        Outcome::Done(r) => (String::new(), None, Some(row(&r, lang))),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let form = if done.is_some() { RiseForm::default() } else { RiseForm { password: String::new(), confirm: String::new(), ..form } };
    let page = RisesPage {
        c: Chrome::new(state, session, lang, "/rises").await,
        rows: list.iter().map(|r| row(r, lang)).collect(),
        form,
        error,
        preview,
        done,
    };
    (status, render(page)).into_response()
}

enum Outcome {
    None,
    Refused(String),
    Preview(Rise),
    Done(Rise),
}

async fn list_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    view(&state, &session, lang, RiseForm::default(), Outcome::None).await
}

async fn submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<RiseForm>) -> Response {
    // What cannot be read goes in empty: the service checks the role first, then names each
    // field; the readers' own words replace its words for the month and the amount.
    let (per_person, bad_amount) = super::typed_money("per_person", &f.per_person);
    let month = parse_month("from_month", &f.from_month);
    let req = RiseRequest {
        programme: Programme::parse(&f.programme),
        from_month: month.as_ref().ok().copied(),
        per_person,
        notice: f.notice.clone(),
    };
    let bad = bad_amount.into_iter().chain(month.err().filter(|_| !f.from_month.trim().is_empty()));
    let result = if f.confirm.is_empty() {
        state.payments.preview_rise(&session.user, &req).await.map(Outcome::Preview)
    } else {
        state.payments.apply_rise(&session.user, &f.password, &req).await.map(Outcome::Done)
    };
    match result.map_err(|e| super::with_parse_errors(e.into(), bad)) {
        Ok(outcome) => view(&state, &session, lang, f, outcome).await,
        Err(e) => match super::refusal_text(e, lang) {
            Ok(m) => view(&state, &session, lang, f, Outcome::Refused(m)).await,
            Err(e) => e.page(lang.0),
        },
    }
}
