//! The alert queue (预警) for auditors: open alerts in their region, one alert with its notes and
//! the entries it covers, and handling it. The rules are the auditors' service's.

use crate::audit_pages::{EntryRow, entry_row};
use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_seconds, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_audit::alerts::Rule;
use jiuzhu_audit::service::Handling;
use jiuzhu_store::AlertState;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/alerts", get(alerts_page)).route("/alerts/{id}", get(alert_page).post(alert_submit))
}

pub struct AlertRow {
    id: i64,
    rule: String,
    username: String,
    region: String,
    opened_at: String,
    last_at: String,
    count: i64,
    first_entry: i64,
    last_entry: i64,
    state: String,
    state_code: &'static str,
    outcome: String,
    version: i64,
}

fn alert_row(x: jiuzhu_store::Alert, lang: PageLang) -> AlertRow {
    AlertRow {
        id: x.id,
        rule: Rule::parse(&x.rule).map(|r| lang.t(r.zh(), r.en()).to_string()).unwrap_or(x.rule),
        username: x.username,
        region: x.region.to_string(),
        opened_at: beijing_seconds(x.opened_at),
        last_at: beijing_seconds(x.last_at),
        count: x.count,
        first_entry: x.first_entry,
        last_entry: x.last_entry,
        state: lang.t(x.state.zh(), x.state.en()).to_string(),
        state_code: x.state.as_str(),
        outcome: lang.t(x.outcome.zh(), x.outcome.en()).to_string(),
        version: x.version,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AlertFilter {
    state: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Chrome,
    state: String,
    rows: Vec<AlertRow>,
}

async fn alerts_page(State(state): State<AppState>, Page { session, lang }: Page, Query(f): Query<AlertFilter>) -> Response {
    let wanted = if f.state.is_empty() { Some(AlertState::Open) } else { AlertState::parse(&f.state) };
    let rows = match state.auditing.alerts(&session.user, wanted).await {
        Ok(r) => r.into_iter().map(|x| alert_row(x, lang)).collect(),
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let c = Chrome::new(&state, &session, lang, "/alerts").await;
    render(AlertsPage { c, state: wanted.map(|s| s.as_str()).unwrap_or("all").to_string(), rows })
}

pub struct NoteRow {
    at: String,
    username: String,
    state: String,
    outcome: String,
    note: String,
}

#[derive(Template)]
#[template(path = "alert.html")]
struct AlertPage {
    c: Chrome,
    x: AlertRow,
    notes: Vec<NoteRow>,
    entries: Vec<EntryRow>,
    error: String,
}

async fn alert_view(state: &AppState, session: &SignedIn, lang: PageLang, id: i64, error: String) -> Response {
    let v = match state.auditing.alert(&session.user, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let notes = v
        .notes
        .into_iter()
        .map(|n| NoteRow {
            at: beijing_seconds(n.at),
            username: n.username,
            state: lang.t(n.state.zh(), n.state.en()).to_string(),
            outcome: lang.t(n.outcome.zh(), n.outcome.en()).to_string(),
            note: n.note,
        })
        .collect();
    let entries = v.entries.into_iter().map(|e| entry_row(e, &Default::default(), lang)).collect();
    let c = Chrome::new(state, session, lang, "/alerts").await;
    let status = if error.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(AlertPage { c, x: alert_row(v.alert, lang), notes, entries, error })).into_response()
}

async fn alert_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    alert_view(&state, &session, lang, id, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandleForm {
    version: i64,
    state: String,
    outcome: String,
    note: String,
}

async fn alert_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<HandleForm>,
) -> Response {
    let handling = Handling { version: f.version, state: f.state, outcome: f.outcome, note: f.note };
    match state.auditing.handle_alert(&session.user, id, &handling).await.map_err(WebError::from) {
        Ok(()) => Redirect::to(&format!("/alerts/{}", id)).into_response(),
        Err(WebError::Invalid(v)) => {
            let msg = crate::frame::form_errors(&v, lang);
            alert_view(&state, &session, lang, id, msg).await
        }
        Err(e @ WebError::Refused { .. }) => {
            let b = e.body();
            alert_view(&state, &session, lang, id, lang.t(&b.message, &b.message_en).to_string()).await
        }
        Err(e) => e.page(lang.0),
    }
}
