//! 网上申请 at the town window: the applications residents sent from their phone, waiting in the
//! window clerk's scope; one read in full with its signatures (ID numbers masked, the read
//! audited); taken in (registered and 受理 as the clerk, through the registry's and casework's
//! own doors) or declined with a reason the resident reads in the progress query.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_minutes, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_domain::trail::Action;
use jiuzhu_residents::ApplicationView;
use jiuzhu_store::OnlineApplication;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/online", get(list))
        .route("/online/{id}", get(one))
        .route("/online/{id}/documents/{did}", get(document))
        .route("/online/{id}/take", post(take))
        .route("/online/{id}/decline", post(decline))
}

/// One waiting application in the list.
struct Line {
    id: i64,
    reference: String,
    sent: String,
    village: String,
}

#[derive(Template)]
#[template(path = "online.html")]
struct ListPage {
    c: Chrome,
    lines: Vec<Line>,
}

async fn list(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    let apps: Vec<OnlineApplication> = match state.residents.waiting(&session.user).await {
        Ok(a) => a,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let mut lines = Vec::new();
    for a in apps {
        let village = state.registry.region_names(&a.region).await;
        lines.push(Line { id: a.id, reference: a.reference, sent: beijing_minutes(a.submitted_at), village });
    }
    let c = Chrome::new(&state, &session, lang, "/online").await;
    render(ListPage { c, lines })
}

#[derive(Template)]
#[template(path = "online_one.html")]
struct OnePage {
    c: Chrome,
    v: ApplicationView,
    sent: String,
    error: String,
    /// The reason typed for declining, kept when the decline was refused.
    reason: String,
}

impl OnePage {
    fn kinds(&self) -> String {
        self.v.submission.kinds.iter().map(|k| self.c.lang.t(k.zh(), k.en())).collect::<Vec<_>>().join("、")
    }
    fn area(&self) -> &str {
        match self.v.submission.household.household.area.as_str() {
            "urban" => self.c.lang.t("城镇", "urban"),
            "rural" => self.c.lang.t("农村", "rural"),
            other => other,
        }
    }
    fn state(&self) -> &'static str {
        self.c.lang.t(self.v.application.state.zh(), self.v.application.state.en())
    }
    /// A moment in Beijing time, as 提交时间 is shown.
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        beijing_minutes(*at)
    }
    fn waiting(&self) -> bool {
        self.v.application.state == jiuzhu_store::OnlineState::Submitted
    }
    /// The checklist's words for a document photo's material.
    fn material(&self, code: &str) -> String {
        jiuzhu_residents::documents::choices(&self.v.submission.kinds)
            .into_iter()
            .find(|m| m.code == code)
            .map_or_else(|| code.to_string(), |m| self.c.lang.t(&m.name, &m.name_en).to_string())
    }
}

/// One photo of a document the resident added (each look audited by the service).
async fn document(State(state): State<AppState>, Page { session, lang }: Page, Path((Id(id), Id(did))): Path<(Id, Id)>) -> Response {
    match state.residents.document(&session.user, id, did).await {
        Ok((content_type, bytes)) => {
            ([(axum::http::header::CONTENT_TYPE, content_type), (axum::http::header::CACHE_CONTROL, "private, no-store".into())], bytes)
                .into_response()
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

async fn one_page(
    state: &AppState,
    session: &jiuzhu_accounts::SignedIn,
    lang: crate::i18n::PageLang,
    id: i64,
    error: String,
    reason: String,
) -> Response {
    let v = match state.residents.application(&session.user, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let sent = beijing_minutes(v.application.submitted_at);
    let c = Chrome::new(state, session, lang, "/online").await;
    render(OnePage { c, v, sent, error, reason })
}

async fn one(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    one_page(&state, &session, lang, id, String::new(), String::new()).await
}

/// The version read and the reason; read leniently so that the service's role and scope checks
/// answer first (a missing version is a version no application has).
#[derive(Deserialize)]
struct Handle {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: String,
}

/// 受理: on success, the household's first case opens (the clerk goes on there: materials, track).
async fn take(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>, Form(h): Form<Handle>) -> Response {
    match state.residents.take(&session.user, id, h.version.unwrap_or(0)).await {
        Ok((_, cases)) => match cases.first() {
            Some(case) => Redirect::to(&format!("/cases/{case}?new=1")).into_response(),
            None => Redirect::to("/online").into_response(),
        },
        Err(e) => refused(&state, &session, lang, id, e, Action::Create, String::new()).await,
    }
}

async fn decline(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>, Form(h): Form<Handle>) -> Response {
    match state.residents.decline(&session.user, id, h.version.unwrap_or(0), &h.reason).await {
        Ok(()) => Redirect::to("/online").into_response(),
        Err(e) => refused(&state, &session, lang, id, e, Action::Decide, h.reason).await,
    }
}

/// A refused take or decline: the application's page again with the reason at the top and what
/// was typed. Showing it reads the application again; the request's entry stays the step that
/// was refused (`intent`, denied), with the fields the page showed.
async fn refused(
    state: &AppState,
    session: &jiuzhu_accounts::SignedIn,
    lang: crate::i18n::PageLang,
    id: i64,
    e: jiuzhu_residents::ResidentsError,
    intent: Action,
    reason: String,
) -> Response {
    let e = WebError::from(e);
    if matches!(e, WebError::NotFound | WebError::Forbidden) {
        return e.page(lang.0);
    }
    let status = e.status();
    let b = e.body();
    let mut message = lang.0.pick(&b.message, &b.message_en).to_string();
    for f in &b.errors {
        message.push('；');
        message.push_str(lang.0.pick(&f.message, &f.message_en));
    }
    let mut r = one_page(state, session, lang, id, message, reason).await;
    session.user.trail.action(intent);
    *r.status_mut() = status;
    r
}
