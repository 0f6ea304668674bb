//! 投诉举报 for the 举报受理 role: the queue of the town or county (soonest due first, overdue
//! marked), one complaint (what was reported; who reported only on asking, with a purpose and
//! the password), 受理 and 办结 with the reply the reporter reads, and hotline work orders entered
//! one by one or imported from the hotline platform's CSV export.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, Errs, beijing_minutes, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintState, Finding};
use jiuzhu_domain::trail::Action;
use jiuzhu_domain::{RegionLevel, ValidationErrors};
use jiuzhu_residents::ResidentsError;
use jiuzhu_residents::complaints::hotline::COLUMNS;
use jiuzhu_residents::complaints::rules::{ReportInput, Reporter, anonymous_choice};
use jiuzhu_residents::complaints::{Entry, HandlerView};
use serde::Deserialize;

/// A hotline export is small: a few hundred orders.
const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list))
        .route("/complaints/new", get(new_form).post(enter))
        .route("/complaints/import", post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)))
        .route("/complaints/{id}", get(one))
        .route("/complaints/{id}/accept", post(accept))
        .route("/complaints/{id}/answer", post(answer))
        .route("/complaints/{id}/reporter", post(reporter))
}

/// One line of the queue.
struct Line {
    id: i64,
    code: String,
    category: &'static str,
    place: String,
    channel: &'static str,
    received: String,
    state: &'static str,
    due: String,
    days_left: u32,
    overdue: bool,
    escalated: bool,
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ListPage {
    c: Chrome,
    lines: Vec<Line>,
    answered: bool,
    /// After an import: what was added and what was there already.
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<ListQuery>) -> Response {
    list_page(&state, &session, lang, q.done.is_some(), String::new()).await
}

async fn list_page(state: &AppState, session: &SignedIn, lang: crate::i18n::PageLang, answered: bool, notice: String) -> Response {
    let views = match state.complaints.queue(&session.user, answered).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let mut lines = Vec::new();
    for v in views {
        let c = &v.complaint;
        lines.push(Line {
            id: c.id,
            code: c.code.clone(),
            category: lang.t(c.category.zh(), c.category.en()),
            place: state.registry.region_names(&c.region).await,
            channel: lang.t(c.channel.zh(), c.channel.en()),
            received: beijing_minutes(c.received_at),
            state: lang.t(c.state.zh(), c.state.en()),
            due: c.due_on.to_string(),
            days_left: v.days_left,
            overdue: v.overdue,
            escalated: c.escalated_at.is_some(),
        });
    }
    let c = Chrome::new(state, session, lang, "/complaints").await;
    render(ListPage { c, lines, answered, notice })
}

#[derive(Template)]
#[template(path = "complaint.html")]
struct OnePage {
    c: Chrome,
    v: HandlerView,
    place: String,
    handled_by: String,
    /// Shown after the identity was asked for.
    reporter: Option<Reporter>,
    error: String,
    errs: Errs,
    typed: AnswerForm,
}

impl OnePage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        beijing_minutes(*at)
    }
    fn category(&self) -> &'static str {
        self.c.lang.t(self.v.complaint.category.zh(), self.v.complaint.category.en())
    }
    fn channel(&self) -> &'static str {
        self.c.lang.t(self.v.complaint.channel.zh(), self.v.complaint.channel.en())
    }
    fn state(&self) -> &'static str {
        self.c.lang.t(self.v.complaint.state.zh(), self.v.complaint.state.en())
    }
    fn finding(&self) -> &'static str {
        self.v.complaint.finding.map(|f| self.c.lang.t(f.zh(), f.en())).unwrap_or("")
    }
    fn findings(&self) -> Vec<(&'static str, &'static str)> {
        Finding::ALL.iter().map(|f| (f.as_str(), self.c.lang.t(f.zh(), f.en()))).collect()
    }
    fn waiting(&self) -> bool {
        self.v.complaint.state == ComplaintState::Received
    }
    fn handling(&self) -> bool {
        self.v.complaint.state == ComplaintState::Handling
    }
}

/// The answer form as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AnswerForm {
    version: Option<i64>,
    finding: String,
    findings: String,
    reply: String,
    purpose: String,
    password: String,
}

struct Shown {
    reporter: Option<Reporter>,
    error: String,
    errs: Errs,
    typed: AnswerForm,
}

async fn one_page(state: &AppState, session: &SignedIn, lang: crate::i18n::PageLang, id: i64, shown: Shown) -> Response {
    let v = match state.complaints.complaint(&session.user, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let place = state.registry.region_names(&v.complaint.region).await;
    let handled_by = state.registry.region_names(&v.complaint.handling_region).await;
    let c = Chrome::new(state, session, lang, "/complaints").await;
    render(OnePage { c, v, place, handled_by, reporter: shown.reporter, error: shown.error, errs: shown.errs, typed: shown.typed })
}

async fn one(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    let shown = Shown { reporter: None, error: String::new(), errs: Errs::default(), typed: AnswerForm::default() };
    one_page(&state, &session, lang, id, shown).await
}

async fn accept(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<AnswerForm>,
) -> Response {
    match state.complaints.accept(&session.user, id, f.version.unwrap_or(0)).await {
        Ok(()) => Redirect::to(&format!("/complaints/{id}")).into_response(),
        Err(e) => refused(&state, &session, lang, id, e, Action::Decide, f).await,
    }
}

async fn answer(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<AnswerForm>,
) -> Response {
    let finding = Finding::parse(&f.finding);
    match state.complaints.answer(&session.user, id, f.version.unwrap_or(0), finding, &f.findings, &f.reply).await {
        Ok(()) => Redirect::to(&format!("/complaints/{id}")).into_response(),
        Err(e) => refused(&state, &session, lang, id, e, Action::Decide, f).await,
    }
}

/// 查看举报人身份: the complaint's page again with who reported (the look is its own entry).
async fn reporter(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<AnswerForm>,
) -> Response {
    match state.complaints.reporter(&session.user, id, &f.purpose, &f.password).await {
        Ok(r) => {
            let shown = Shown { reporter: r, error: String::new(), errs: Errs::default(), typed: AnswerForm::default() };
            let mut page = one_page(&state, &session, lang, id, shown).await;
            // Drawing the page read the complaint again; the entry stays the look at the reporter.
            session.user.trail.action(Action::Reveal);
            session.user.trail.fields(&["reporter_name", "reporter_phone", "reporter_id_number"]);
            page.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            page
        }
        Err(e) => refused(&state, &session, lang, id, e, Action::Reveal, AnswerForm { password: String::new(), ..f }).await,
    }
}

/// A refused step: the complaint again with the reason and what was typed (never the password);
/// the request's entry stays the refused step.
async fn refused(
    state: &AppState,
    session: &SignedIn,
    lang: crate::i18n::PageLang,
    id: i64,
    e: ResidentsError,
    intent: Action,
    typed: AnswerForm,
) -> Response {
    let typed = AnswerForm { password: String::new(), ..typed };
    crate::frame::redraw_refused(WebError::from(e), lang, &session.user.trail, intent, async |error, errs| {
        one_page(state, session, lang, id, Shown { reporter: None, error, errs, typed }).await
    })
    .await
}

#[derive(Template)]
#[template(path = "complaint_new.html")]
struct EntryPage {
    c: Chrome,
    places: Vec<(String, String)>,
    t: EntryForm,
    errs: Errs,
    error: String,
    columns: String,
}

impl EntryPage {
    fn categories(&self) -> Vec<(&'static str, &'static str)> {
        ComplaintCategory::ALL.iter().map(|k| (k.as_str(), self.c.lang.t(k.zh(), k.en()))).collect()
    }
}

/// The entry form as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct EntryForm {
    channel: String,
    external_no: String,
    received_at: String,
    due_on: String,
    category: String,
    region: String,
    content: String,
    named_staff: String,
    anonymous: String,
    name: String,
    phone: String,
}

/// The towns and villages in the user's scope, to choose where the matter lies.
async fn places(state: &AppState, session: &SignedIn) -> Vec<(String, String)> {
    let scope = &session.user.scope.0;
    let towns = match scope.level() {
        RegionLevel::Town => vec![scope.clone()],
        _ => state.registry.public_children(Some(scope)).await.unwrap_or_default().into_iter().map(|d| d.code).collect(),
    };
    let mut out = Vec::new();
    for town in towns {
        let town_name = state.registry.region_names(&town).await;
        out.push((town.to_string(), town_name.clone()));
        for v in state.registry.public_children(Some(&town)).await.unwrap_or_default() {
            out.push((v.code.to_string(), format!("{town_name} / {}", v.name)));
        }
    }
    out
}

async fn entry_page(
    state: &AppState,
    session: &SignedIn,
    lang: crate::i18n::PageLang,
    t: EntryForm,
    refused: Option<&ValidationErrors>,
) -> Response {
    if let Err(e) = state.complaints.may_enter(&session.user) {
        return WebError::from(e).page(lang.0);
    }
    let places = places(state, session).await;
    let c = Chrome::new(state, session, lang, "/complaints").await;
    let (errs, error, status) = match refused {
        Some(v) => (Errs::new(v, lang), crate::frame::form_errors(v, lang), StatusCode::UNPROCESSABLE_ENTITY),
        None => (Errs::default(), String::new(), StatusCode::OK),
    };
    let columns = COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(",");
    (status, render(EntryPage { c, places, t, errs, error, columns })).into_response()
}

async fn new_form(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    entry_page(&state, &session, lang, EntryForm::default(), None).await
}

async fn enter(State(state): State<AppState>, Page { session, lang }: Page, Form(t): Form<EntryForm>) -> Response {
    let entry = Entry {
        channel: t.channel.clone(),
        external_no: t.external_no.clone(),
        received_at: t.received_at.clone(),
        due_on: t.due_on.clone(),
        report: ReportInput {
            category: t.category.clone(),
            region: t.region.clone(),
            content: t.content.clone(),
            named_staff: t.named_staff.clone(),
            anonymous: anonymous_choice(&t.anonymous),
            name: t.name.clone(),
            phone: t.phone.clone(),
            id_number: String::new(),
            form_key: String::new(),
        },
    };
    match state.complaints.enter(&session.user, &entry).await {
        Ok(entered) => {
            let c = Chrome::new(&state, &session, lang, "/complaints").await;
            let pin = entered.receipt.pin.get(..4).map(|a| format!("{a} {}", &entered.receipt.pin[4..])).unwrap_or_default();
            render(EnteredPage { c, entered, pin })
        }
        Err(ResidentsError::Invalid(v)) => again(&state, &session, lang, t, &v).await,
        Err(e) => WebError::from(e).page(lang.0),
    }
}

#[derive(Template)]
#[template(path = "complaint_entered.html")]
struct EnteredPage {
    c: Chrome,
    entered: jiuzhu_residents::complaints::Entered,
    /// The PIN as shown (two groups of four), empty when the user may not see the complaint.
    pin: String,
}

/// The entry page again with what was refused; the request's entry stays the refused creation.
async fn again(state: &AppState, session: &SignedIn, lang: crate::i18n::PageLang, t: EntryForm, v: &ValidationErrors) -> Response {
    let page = entry_page(state, session, lang, t, Some(v)).await;
    session.user.trail.action(Action::Create);
    page
}

/// 导入热线工单: multipart field `file` (the CSRF token in the query, as every upload). A body
/// that is no upload reads as no file, so that the service's role check answers first.
async fn import(State(state): State<AppState>, Page { session, lang }: Page, form: Result<Multipart, MultipartRejection>) -> Response {
    let mut bytes = Vec::new();
    if let Ok(mut form) = form {
        while let Ok(Some(f)) = form.next_field().await {
            if f.name() == Some("file") {
                bytes = f.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            }
        }
    }
    match state.complaints.import_hotline(&session.user, &bytes).await {
        Ok(r) => {
            let mut notice = format!("{}{}{}", lang.t("已导入 ", "Imported "), r.added, lang.t(" 条工单。", " work orders."));
            if !r.already_there.is_empty() {
                notice.push_str(&format!(
                    "{}{}",
                    lang.t("以下工单以前已导入，未重复登记：", "Imported before, left as they were: "),
                    r.already_there.join("、")
                ));
            }
            let page = list_page(&state, &session, lang, false, notice).await;
            // The list drawn after it read the queue; the entry stays the import.
            session.user.trail.action(Action::Create);
            page
        }
        Err(ResidentsError::Invalid(v)) => again(&state, &session, lang, EntryForm::default(), &v).await,
        Err(e) => WebError::from(e).page(lang.0),
    }
}
