//! Casework over HTTP: the queues, intake at the one window, the case page with the steps the
//! user may take, the phone survey form with photos, the print-ready notices, the public notice
//! list (names masked), the holiday calendar import — and the JSON API for the same operations.
//! Every handler goes through the casework service, which checks role and region scope.

use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::{Authenticated, Reauth};
use crate::error::{ErrorBody, WebError};
use crate::i18n::L;
use crate::pages::{Chrome, Page, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use chrono::{Local, NaiveDate};
use jiuzhu_casework::documents::mask_name;
use jiuzhu_casework::service::{CaseView, IntakeInput, StepInput};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{Fen, FieldError, Permission, Role, ValidationErrors};
use jiuzhu_registry::User;
use jiuzhu_store::{Case, CaseEvent, CaseSummary, QueueBucket, QueueCounts};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(queue_page))
        .route("/households/{id}/intake", get(intake_page).post(intake_submit))
        .route("/cases/bulk", post(bulk_submit))
        .route("/api/v1/cases/bulk", post(api_bulk))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/step", post(step_submit))
        .route("/cases/{id}/survey", get(survey_page))
        // A photo is up to 5 MB; axum's default limit for a body read whole is 2 MB.
        .route(
            "/cases/{id}/photos",
            post(photo_upload).layer(axum::extract::DefaultBodyLimit::max(jiuzhu_casework::service::MAX_PHOTO_BYTES + 64 * 1024)),
        )
        .route("/cases/{id}/photos/{pid}", get(photo_get))
        .route("/cases/{id}/documents/{doc}", get(document_page))
        .route("/publicity", get(publicity_page))
        .route("/admin/calendar", get(calendar_page).post(calendar_submit))
        .route("/api/v1/households/{id}/intakes", post(api_intake))
        .route("/api/v1/households/{id}/cases", get(api_household_cases))
        .route("/api/v1/cases", get(api_queue))
        .route("/api/v1/cases/{id}", get(api_case))
        .route("/api/v1/cases/{id}/steps", post(api_step))
        .route(
            "/api/v1/cases/{id}/photos",
            get(api_photos)
                .post(api_photo_upload)
                .layer(axum::extract::DefaultBodyLimit::max(jiuzhu_casework::service::MAX_PHOTO_BYTES + 64 * 1024)),
        )
        .route("/api/v1/investigators", get(api_investigators))
        .route("/api/v1/publicity", get(api_publicity))
        .merge(benefit_routes())
}

fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn user(auth: Option<Authenticated>) -> Result<User, WebError> {
    auth.map(|a| a.user).ok_or(WebError::Unauthenticated)
}

fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

/// A deadline as shown: the date, or why there is none yet.
fn due(d: Option<NaiveDate>, l: L) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| l.t("—", "—").to_string())
}

fn bucket_of(s: &str) -> QueueBucket {
    match s {
        "soon" => QueueBucket::SoonDue,
        "overdue" => QueueBucket::Overdue,
        "done" => QueueBucket::Done,
        _ => QueueBucket::Todo,
    }
}

// ---------- views ----------

/// One line of a queue.
#[derive(Serialize, ToSchema)]
pub struct CaseRow {
    pub id: i64,
    /// The version a step (or a bulk step) names.
    pub version: i64,
    pub household_id: i64,
    pub kind: String,
    pub kind_zh: String,
    pub purpose: String,
    pub track: String,
    pub track_zh: String,
    pub state: String,
    pub state_zh: String,
    pub state_en: String,
    pub applicant: String,
    pub village: String,
    pub opened_on: String,
    /// The current step's deadline (`null` when none, or the calendar does not reach it yet).
    pub step_due: Option<String>,
    pub overall_due: Option<String>,
    /// `overdue`, `soon` (within 3 working days) or empty.
    pub urgency: String,
    pub contested: bool,
    pub near_relative: bool,
}

impl CaseRow {
    fn new(s: &CaseSummary, today: NaiveDate, soon_until: NaiveDate) -> CaseRow {
        let urgency = match s.step_due {
            Some(d) if d < today => "overdue",
            Some(d) if d <= soon_until => "soon",
            _ => "",
        };
        CaseRow {
            id: s.id,
            version: s.version,
            household_id: s.household_id,
            kind: s.kind.as_str().into(),
            kind_zh: s.kind.zh().into(),
            purpose: s.purpose.as_str().into(),
            track: s.track.as_str().into(),
            track_zh: s.track.zh().into(),
            state: s.state.as_str().into(),
            // Approved but still in a queue: 先行救助 whose paperwork follows.
            state_zh: if s.state == CaseState::Approved && s.due_role.is_some() {
                "已先行救助，待补手续".into()
            } else {
                s.state.zh().into()
            },
            state_en: if s.state == CaseState::Approved && s.due_role.is_some() {
                "helped; paperwork to follow".into()
            } else {
                s.state.en().into()
            },
            applicant: s.applicant.clone(),
            village: s.village_name.clone().unwrap_or_default(),
            opened_on: s.opened_on.to_string(),
            step_due: s.step_due.map(|d| d.to_string()),
            overall_due: s.overall_due.map(|d| d.to_string()),
            urgency: urgency.into(),
            contested: s.contested,
            near_relative: s.near_relative,
        }
    }
    pub fn kind_label(&self, l: &L) -> String {
        let k = AssistanceKind::parse(&self.kind).map(|k| l.t(k.zh(), k.en()).to_string()).unwrap_or_default();
        if self.purpose == "review" { format!("{k} · {}", l.t("复核", "review")) } else { k }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueueView {
    pub cases: Vec<CaseRow>,
    pub counts: CountsView,
}

#[derive(Serialize, ToSchema)]
pub struct CountsView {
    pub todo: i64,
    pub soon_due: i64,
    pub overdue: i64,
    pub done: i64,
}

impl From<QueueCounts> for CountsView {
    fn from(c: QueueCounts) -> Self {
        CountsView { todo: c.todo, soon_due: c.soon_due, overdue: c.overdue, done: c.done }
    }
}

/// A step on a case's timeline.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub to_state_zh: String,
    pub note: String,
}

impl From<&CaseEvent> for EventView {
    fn from(e: &CaseEvent) -> Self {
        EventView {
            at: e.at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y-%m-%d %H:%M").to_string(),
            actor: e.actor.clone(),
            role: e.role.map(|r| r.zh().to_string()).unwrap_or_else(|| "系统".into()),
            action: e.action.clone(),
            from_state: e.from_state.map(|s| s.as_str().to_string()),
            to_state: e.to_state.as_str().into(),
            to_state_zh: e.to_state.zh().into(),
            note: e.note.clone(),
        }
    }
}

/// A case as the API returns it: the stored record (all that each step recorded) with its timeline.
#[derive(Serialize, ToSchema)]
pub struct CaseJson {
    #[schema(value_type = Object)]
    pub case: Case,
    pub events: Vec<EventView>,
    /// The steps the caller may take now.
    pub can: Vec<String>,
}

fn case_json(v: CaseView) -> CaseJson {
    CaseJson { events: v.events.iter().map(EventView::from).collect(), can: v.can.iter().map(|s| s.to_string()).collect(), case: v.case }
}

// ---------- queues ----------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct QueueQueryParams {
    bucket: String,
    page: i64,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct QueuePage {
    c: Chrome,
    bucket: String,
    rows: Vec<CaseRow>,
    counts: CountsView,
    page: i64,
    more: bool,
    can_intake: bool,
    /// The state whose cases this role may take in bulk from this page (`county_review` for
    /// deciders, `publicity` for town reviewers), or empty.
    bulk_state: String,
    bulk: Vec<jiuzhu_casework::service::BulkResult>,
    /// Bulk approval asks for the password unless it was typed within five minutes.
    reauth_fresh: bool,
    error: String,
}

async fn queue_page(State(state): State<AppState>, Page { a, l }: Page, Query(q): Query<QueueQueryParams>) -> Response {
    queue_page_with(&state, &a, l, q, Vec::new(), String::new()).await
}

async fn queue_page_with(
    state: &AppState,
    a: &Authenticated,
    l: L,
    q: QueueQueryParams,
    bulk: Vec<jiuzhu_casework::service::BulkResult>,
    error: String,
) -> Response {
    let t = today();
    let (rows, counts) = match state.casework.queue(&a.user, bucket_of(&q.bucket), q.page, t).await {
        Ok(x) => x,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    tracing::info!(target: "access", user = %a.user.username, action = "queue", count = rows.len(), "case queue");
    let c = Chrome::new(state, a, l, "/cases").await;
    let more = rows.len() == 50;
    let bulk_state = match a.user.role {
        Role::CountyApprover => "county_review",
        Role::TownReviewer => "publicity",
        _ => "",
    };
    render(QueuePage {
        c,
        bucket: if q.bucket.is_empty() { "todo".into() } else { q.bucket },
        rows: rows.iter().map(|r| CaseRow::new(r, t, soon)).collect(),
        counts: counts.into(),
        page: q.page,
        more,
        can_intake: a.user.can(Permission::Intake),
        bulk_state: bulk_state.into(),
        bulk,
        reauth_fresh: a.reauth_fresh(Guarded::BulkDecision),
        error,
    })
}

/// Parses `id:version` pairs of a bulk form or request.
fn bulk_items(pairs: &[(String, String)]) -> Vec<(i64, i64)> {
    pairs
        .iter()
        .filter(|(n, _)| n == "case")
        .filter_map(|(_, v)| v.split_once(':').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))))
        .collect()
}

fn bulk_step(action: &str) -> StepInput {
    if action == "end_publicity" { StepInput::EndPublicity } else { StepInput::Approve }
}

async fn bulk_submit(State(state): State<AppState>, Page { a, l }: Page, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let field = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default().to_string();
    let step = bulk_step(&field("action"));
    if matches!(step, StepInput::Approve) {
        match crate::auth::reauthenticate(state.store.as_ref(), &a, Guarded::BulkDecision, &field("password")).await {
            Ok(Reauth::StillFresh | Reauth::Confirmed) => {}
            Ok(Reauth::Wrong) => {
                let msg = l.t(
                    "password：批量批准前请再次输入密码（密码不正确，未办理任何案件）",
                    "password: type your password again to approve in bulk (wrong; nothing was done)",
                );
                let r = queue_page_with(&state, &a, l, QueueQueryParams::default(), Vec::new(), msg.to_string()).await;
                let r = (StatusCode::UNPROCESSABLE_ENTITY, r).into_response();
                return crate::audit::with_note(r, AuditNote { denied: Some(jiuzhu_audit::Denial::Reauth), ..AuditNote::default() });
            }
            Err(e) => return WebError::Internal(e.to_string()).page(l.0),
        }
    }
    match state.casework.bulk(&a.user, &bulk_items(&pairs), step, today()).await {
        Ok(results) => queue_page_with(&state, &a, l, QueueQueryParams::default(), results, String::new()).await,
        Err(e) => WebError::from(e).page(l.0),
    }
}

/// Many cases at once: `{"action": "approve" | "end_publicity", "cases": [{"id": 1, "version": 5}],
/// "password": "…"}`.
#[derive(Deserialize, ToSchema)]
pub struct BulkBody {
    pub action: String,
    pub cases: Vec<BulkItem>,
    /// The caller's password, typed again: bulk approval needs it unless it was typed within the
    /// last five minutes (再次验证).
    #[serde(default)]
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct BulkItem {
    pub id: i64,
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BulkView {
    pub case_id: i64,
    pub ok: bool,
    pub message: String,
}

/// 批量办理: approve many cases at the decision, or send on many ended notices; each case is
/// checked and written on its own (maker ≠ checker, home checks), and the answer says which
/// were done and why the others were not.
#[utoipa::path(post, path = "/api/v1/cases/bulk", request_body = BulkBody,
    responses((status = 200, body = [BulkView]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_bulk(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Json(b): Json<BulkBody>,
) -> Result<Json<Vec<BulkView>>, WebError> {
    let u = user(auth.clone())?;
    if !matches!(b.action.as_str(), "approve" | "end_publicity") {
        return Err(WebError::Invalid(
            FieldError::new(
                "action",
                "bulk.action",
                "只有批量批准和公示期满报送可以批量办理",
                "only approve and end_publicity can be done in bulk",
            )
            .into(),
        ));
    }
    if b.action == "approve" {
        let a = auth.as_ref().ok_or(WebError::Unauthenticated)?;
        match crate::auth::reauthenticate(state.store.as_ref(), a, Guarded::BulkDecision, &b.password).await {
            Ok(Reauth::StillFresh | Reauth::Confirmed) => {}
            Ok(Reauth::Wrong) => {
                return Err(WebError::Invalid(
                    FieldError::new(
                        "password",
                        "reauth",
                        "批量批准前请再次输入密码（密码不正确）",
                        "bulk approval needs your password again (wrong)",
                    )
                    .into(),
                ));
            }
            Err(e) => return Err(WebError::Internal(e.to_string())),
        }
    }
    let items: Vec<(i64, i64)> = b.cases.iter().map(|c| (c.id, c.version)).collect();
    let r = state.casework.bulk(&u, &items, bulk_step(&b.action), today()).await?;
    Ok(Json(r.into_iter().map(|x| BulkView { case_id: x.case_id, ok: x.ok, message: x.message }).collect()))
}

/// A role's queue: `todo`, `soon` (due within 3 working days), `overdue` or `done` (what the
/// caller acted on), 50 a page.
#[utoipa::path(get, path = "/api/v1/cases", params(("bucket" = Option<String>, Query, description = "todo | soon | overdue | done"), ("page" = Option<i64>, Query, description = "0-based page of 50")),
    responses((status = 200, body = QueueView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_queue(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Query(q): Query<QueueQueryParams>,
) -> Result<Json<QueueView>, WebError> {
    let u = user(auth)?;
    let t = today();
    let (rows, counts) = state.casework.queue(&u, bucket_of(&q.bucket), q.page, t).await?;
    tracing::info!(target: "access", user = %u.username, action = "queue", count = rows.len(), "case queue api");
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    Ok(Json(QueueView { cases: rows.iter().map(|r| CaseRow::new(r, t, soon)).collect(), counts: counts.into() }))
}

// ---------- intake ----------

pub struct KindChoice {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub checked: bool,
    pub group: &'static str,
}

pub struct MaterialChoice {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub checked: bool,
    /// The kinds that ask for it.
    pub for_kinds: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    c: Chrome,
    household_id: i64,
    head: String,
    kinds: Vec<KindChoice>,
    materials: Vec<MaterialChoice>,
    track: String,
    request: String,
    near_relative_note: String,
    emergency_description: String,
    commitment_signed: bool,
    errors: Vec<String>,
    open_cases: Vec<CaseRow>,
}

fn kind_choices(checked: &[AssistanceKind]) -> Vec<KindChoice> {
    AssistanceKind::ALL
        .iter()
        .map(|k| KindChoice {
            code: k.as_str().into(),
            zh: k.zh().into(),
            en: k.en().into(),
            checked: checked.contains(k),
            group: match k.route() {
                Route::CivilAffairs => "civil",
                Route::Department(_) => "referral",
                Route::Needs => "needs",
            },
        })
        .collect()
}

/// The union of every kind's checklist, each item once, saying which kinds ask for it.
fn material_choices(received: &[String], has_disability: bool, has_illness: bool) -> Vec<MaterialChoice> {
    let mut out: Vec<MaterialChoice> = Vec::new();
    for k in AssistanceKind::ALL {
        for track in [Track::Normal, Track::Commitment] {
            for m in materials_for(*k, track, has_disability, has_illness) {
                match out.iter_mut().find(|x| x.code == m.code) {
                    Some(x) if !x.for_kinds.contains(k.zh()) => x.for_kinds = format!("{}、{}", x.for_kinds, k.zh()),
                    Some(_) => {}
                    None => out.push(MaterialChoice {
                        checked: received.contains(&m.code),
                        code: m.code,
                        name: m.name,
                        name_en: m.name_en,
                        for_kinds: k.zh().to_string(),
                    }),
                }
            }
        }
    }
    out
}

async fn intake_view(
    state: &AppState,
    a: &Authenticated,
    l: L,
    id: i64,
    form: &IntakeForm,
    errors: Vec<String>,
) -> Result<IntakePage, WebError> {
    if !a.user.can(Permission::Intake) {
        return Err(WebError::Forbidden);
    }
    let h = state.registry.get(&a.user, id).await?;
    let t = today();
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    let open_cases =
        state.casework.household_cases(&a.user, id).await?.iter().filter(|c| c.state.is_open()).map(|c| CaseRow::new(c, t, soon)).collect();
    let has_disability = h.members.iter().any(|m| m.data.disability.is_some());
    let has_illness = h.members.iter().any(|m| m.data.serious_illness);
    Ok(IntakePage {
        c: Chrome::new(state, a, l, &format!("/households/{id}/intake")).await,
        household_id: id,
        head: h.head().data.name.clone(),
        kinds: kind_choices(&form.kinds()),
        materials: material_choices(&form.received(), has_disability, has_illness),
        track: if form.track.is_empty() { "normal".into() } else { form.track.clone() },
        request: form.request.clone(),
        near_relative_note: form.near_relative_note.clone(),
        emergency_description: form.emergency_description.clone(),
        commitment_signed: form.commitment_signed.is_some(),
        errors,
        open_cases,
    })
}

/// The intake form as posted: repeated `kind` and `received` fields.
#[derive(Default)]
struct IntakeForm {
    pairs: Vec<(String, String)>,
    track: String,
    request: String,
    near_relative_note: String,
    emergency_description: String,
    commitment_signed: Option<String>,
}

impl IntakeForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> IntakeForm {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        IntakeForm {
            track: get("track"),
            request: get("request"),
            near_relative_note: get("near_relative_note"),
            emergency_description: get("emergency_description"),
            commitment_signed: pairs.iter().any(|(n, _)| n == "commitment_signed").then(|| "on".to_string()),
            pairs,
        }
    }
    fn kinds(&self) -> Vec<AssistanceKind> {
        self.pairs.iter().filter(|(n, _)| n == "kind").filter_map(|(_, v)| AssistanceKind::parse(v)).collect()
    }
    fn received(&self) -> Vec<String> {
        self.pairs.iter().filter(|(n, _)| n == "received").map(|(_, v)| v.clone()).collect()
    }
    fn input(&self) -> IntakeInput {
        IntakeInput {
            kinds: self.kinds(),
            track: Track::parse(&self.track),
            received: self.received(),
            request: self.request.clone(),
            near_relative_note: Some(self.near_relative_note.clone()).filter(|s| !s.trim().is_empty()),
            commitment_signed: self.commitment_signed.is_some(),
            emergency_description: Some(self.emergency_description.clone()).filter(|s| !s.trim().is_empty()),
            applicant_member_id: None,
        }
    }
}

async fn intake_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>) -> Response {
    match intake_view(&state, &a, l, id, &IntakeForm::default(), Vec::new()).await {
        Ok(p) => render(p),
        Err(e) => e.page(l.0),
    }
}

fn messages(v: &ValidationErrors, l: L) -> Vec<String> {
    v.0.iter().map(|e| e.message(l.0).to_string()).collect()
}

async fn intake_submit(
    State(state): State<AppState>,
    Page { a, l }: Page,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = IntakeForm::from_pairs(pairs);
    match state.casework.intake(&a.user, id, &form.input(), today()).await {
        Ok(ids) => Redirect::to(&format!("/cases/{}?new={}", ids[0], ids.len())).into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => match intake_view(&state, &a, l, id, &form, messages(&v, l)).await {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(p)).into_response(),
                Err(e) => e.page(l.0),
            },
            e => e.page(l.0),
        },
    }
}

/// What is asked for at one intake (the JSON form of the window's form).
#[derive(Deserialize, ToSchema)]
pub struct IntakeBody {
    /// `dibao`, `tekun`, `dibao_edge`, `rigid_expense`, `temporary`, `medical`, `education`,
    /// `housing`, `employment`, `disaster`, `social_forces`.
    pub kinds: Vec<String>,
    /// `normal` (default), `commitment` (告知承诺制), `emergency` (先行救助, temporary only).
    #[serde(default)]
    pub track: Option<String>,
    /// Materials received (checklist codes, e.g. `application`, `id_cards`, `hukou`, `authorisation`, `declaration`).
    #[serde(default)]
    pub received: Vec<String>,
    #[serde(default)]
    pub request: String,
    /// 近亲属备案: which member is a close relative of staff or village cadres, and how.
    #[serde(default)]
    pub near_relative_note: Option<String>,
    #[serde(default)]
    pub commitment_signed: bool,
    #[serde(default)]
    pub emergency_description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IntakeCreated {
    pub case_ids: Vec<i64>,
}

/// 受理: opens one case per kind asked for (all or nothing); window clerks only.
#[utoipa::path(post, path = "/api/v1/households/{id}/intakes", request_body = IntakeBody,
    responses((status = 201, body = IntakeCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_intake(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
    Json(b): Json<IntakeBody>,
) -> Result<Response, WebError> {
    let u = user(auth)?;
    let mut kinds = Vec::new();
    for (i, k) in b.kinds.iter().enumerate() {
        kinds.push(AssistanceKind::parse(k).ok_or_else(|| {
            WebError::Invalid(
                FieldError::new(
                    format!("kinds[{i}]"),
                    "enum.unknown",
                    format!("“{k}”不是救助类型"),
                    format!("\"{k}\" is not a kind of assistance"),
                )
                .into(),
            )
        })?);
    }
    let track = match b.track.as_deref() {
        None | Some("") => None,
        Some(t) => Some(Track::parse(t).ok_or_else(|| {
            WebError::Invalid(
                FieldError::new("track", "enum.unknown", format!("“{t}”不是办理方式"), format!("\"{t}\" is not a track")).into(),
            )
        })?),
    };
    let input = IntakeInput {
        kinds,
        track,
        received: b.received,
        request: b.request,
        near_relative_note: b.near_relative_note,
        commitment_signed: b.commitment_signed,
        emergency_description: b.emergency_description,
        applicant_member_id: None,
    };
    let ids = state.casework.intake(&u, id, &input, today()).await?;
    Ok((StatusCode::CREATED, Json(IntakeCreated { case_ids: ids })).into_response())
}

/// A household's applications and reviews, newest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/cases", responses((status = 200, body = [CaseRow]), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_household_cases(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CaseRow>>, WebError> {
    let u = user(auth)?;
    let t = today();
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    Ok(Json(state.casework.household_cases(&u, id).await?.iter().map(|c| CaseRow::new(c, t, soon)).collect()))
}

// ---------- one case ----------

pub struct Line {
    pub label: String,
    pub value: String,
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    case: Case,
    /// Facts at the top: kind, track, state, deadlines …
    facts: Vec<Line>,
    events: Vec<EventView>,
    can: Vec<&'static str>,
    error: String,
    created: i64,
    region: String,
    suggestion: Option<jiuzhu_casework::service::Suggestion>,
    docs: Vec<Opt>,
    today: String,
    outcomes: Vec<Opt>,
}

impl CasePage {
    fn can(&self, code: &str) -> bool {
        self.can.contains(&code)
    }
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn received_count(&self) -> usize {
        self.case.data.details.materials.iter().filter(|m| m.received).count()
    }
}

/// The print-ready notices a case in this state has.
fn documents_of(c: &Case) -> Vec<(&'static str, &'static str)> {
    let d = &c.data.details;
    let mut out = Vec::new();
    if c.data.accepted_on.is_some() && c.data.kind.route() == Route::CivilAffairs {
        out.push(("acceptance", "受理通知书"));
    }
    if !d.missing_materials().is_empty() {
        out.push(("materials", "补正材料告知书"));
    }
    if d.feedback.is_some() {
        out.push(("feedback", "核对反馈单"));
    }
    if d.town.is_some() {
        out.push(("approval_form", "审核审批表"));
    }
    if d.decision.as_ref().is_some_and(|x| !x.approved) {
        out.push(("rejection", "不予批准通知书"));
    }
    out
}

async fn case_page_view(state: &AppState, a: &Authenticated, l: L, id: i64, error: String, created: i64) -> Result<CasePage, WebError> {
    let v = state.casework.get(&a.user, id).await?;
    tracing::info!(target: "access", user = %a.user.username, action = "view_case", case = id, household = v.case.data.household_id, "case page");
    let c = &v.case.data;
    let suggestion = if v.can.contains(&"town_decision") || v.can.contains(&"grant_emergency") {
        state.casework.suggestion(&a.user, id, today()).await.ok()
    } else {
        None
    };
    let region = crate::view::region_names(&state.registry, &c.region).await;
    let mut facts = vec![
        Line { label: l.t("救助类型", "Assistance").into(), value: l.t(c.kind.zh(), c.kind.en()).into() },
        Line { label: l.t("案件性质", "Purpose").into(), value: l.t(c.purpose.zh(), c.purpose.en()).into() },
        Line { label: l.t("办理方式", "Track").into(), value: l.t(c.track.zh(), c.track.en()).into() },
        Line { label: l.t("当前环节", "Step").into(), value: l.t(c.state.zh(), c.state.en()).into() },
        Line {
            label: l.t("待办岗位", "Waiting for").into(),
            value: c.due_role.map(|r| l.t(r.zh(), r.en()).to_string()).unwrap_or_else(|| l.t("无（已办结）", "nobody (closed)").into()),
        },
        Line { label: l.t("申请人", "Applicant").into(), value: c.applicant.clone() },
        Line { label: l.t("登记日期", "Opened").into(), value: c.opened_on.to_string() },
        Line {
            label: l.t("受理日期", "Accepted").into(),
            value: c.accepted_on.map(|d| d.to_string()).unwrap_or_else(|| l.t("材料未齐，尚未受理", "not yet: materials missing").into()),
        },
        Line { label: l.t("本环节期限", "Step due").into(), value: due(c.step_due, l) },
        Line { label: l.t("办理总期限", "Overall due").into(), value: due(c.overall_due, l) },
    ];
    if c.state.is_open() && c.accepted_on.is_some() && (c.step_due.is_none() || c.overall_due.is_none()) && c.due_role.is_some() {
        facts.push(Line {
            label: l.t("期限说明", "About the deadlines").into(),
            value: l
                .t(
                    "期限超出已收录的法定节假日安排，待系统管理员导入次年安排后自动计算",
                    "a deadline runs past the holidays on record: it is computed once next year's holidays are imported",
                )
                .into(),
        });
    }
    if let Some(d) = c.department {
        facts.push(Line { label: l.t("承办部门", "Department").into(), value: l.t(d.zh(), d.en()).into() });
    }
    if c.extended {
        facts.push(Line {
            label: l.t("延期", "Extended").into(),
            value: c.details.extension.as_ref().map(|e| e.reason.clone()).unwrap_or_default(),
        });
    }
    Ok(CasePage {
        c: Chrome::new(state, a, l, &format!("/cases/{id}")).await,
        facts,
        events: v.events.iter().map(EventView::from).collect(),
        can: v.can,
        error,
        created,
        region,
        suggestion,
        docs: documents_of(&v.case).into_iter().map(|(v, label)| Opt { value: v.into(), label: label.into() }).collect(),
        today: today().to_string(),
        outcomes: ReviewOutcome::ALL.iter().map(|o| Opt { value: o.as_str().into(), label: l.t(o.zh(), o.en()).into() }).collect(),
        case: v.case,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CaseQuery {
    new: i64,
}

async fn case_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Query(q): Query<CaseQuery>) -> Response {
    match case_page_view(&state, &a, l, id, String::new(), q.new).await {
        Ok(p) => render(p),
        Err(e) => e.page(l.0),
    }
}

/// A step from a page's form: fields by name, repeated ones (materials) as repeated pairs.
fn step_from_form(pairs: &[(String, String)]) -> Result<(i64, StepInput), ValidationErrors> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let all = |k: &str| pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let lines = |k: &str| get(k).lines().map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>();
    let mut errs = Vec::new();
    let mut num = |k: &str| -> i64 {
        match get(k).parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                errs.push(FieldError::new(k, "number", "请填写数字", "enter a number"));
                0
            }
        }
    };
    let version = num("version");
    let money = |k: &str, errs: &mut Vec<FieldError>| -> Option<i64> {
        let t = get(k);
        if t.is_empty() {
            return None;
        }
        match Fen::parse_yuan(k, &t) {
            Ok(f) => Some(f.0),
            Err(e) => {
                errs.push(e);
                None
            }
        }
    };
    let date = |k: &str, errs: &mut Vec<FieldError>| -> NaiveDate {
        get(k).parse().unwrap_or_else(|_| {
            errs.push(FieldError::new(k, "date", "日期格式应为 YYYY-MM-DD", "a date is YYYY-MM-DD"));
            today()
        })
    };
    let count = |k: &str, errs: &mut Vec<FieldError>| -> u32 {
        get(k).parse().unwrap_or_else(|_| {
            errs.push(FieldError::new(k, "number", "请填写人数", "enter a count"));
            0
        })
    };
    let action = get("action");
    let step = match action.as_str() {
        "supply_materials" => StepInput::SupplyMaterials { received: all("received") },
        "check" => StepInput::Check,
        "object_to_feedback" => StepInput::ObjectToFeedback { text: get("text") },
        "close_after_feedback" => StepInput::CloseAfterFeedback,
        "survey" => {
            let self_care = pairs
                .iter()
                .filter_map(|(n, v)| n.strip_prefix("self_care_").and_then(|id| Some((id.parse::<i64>().ok()?, v.parse::<u8>().ok()?))))
                .collect();
            StepInput::Survey {
                co_investigator_id: get("co_investigator_id").parse().unwrap_or_else(|_| {
                    errs.push(FieldError::new(
                        "co_investigator_id",
                        "survey.co_investigator",
                        "请选择第二名调查人员",
                        "choose the second investigator",
                    ));
                    0
                }),
                visited_on: date("visited_on", &mut errs),
                living_conditions: get("living_conditions"),
                findings: get("findings"),
                declared_matches: get("declared_matches") != "no",
                self_care,
                photo_ids: all("photo_id").iter().filter_map(|p| p.parse().ok()).collect(),
            }
        }
        "request_survey" => StepInput::RequestSurvey { reason: get("reason") },
        "evaluation" => StepInput::Evaluation {
            held_on: date("held_on", &mut errs),
            participants: count("participants", &mut errs),
            in_favour: count("in_favour", &mut errs),
            against: count("against", &mut errs),
            conclusion: get("conclusion"),
        },
        "town_decision" => StepInput::TownDecision {
            approve: get("approve") != "no",
            monthly_amount: money("monthly_amount", &mut errs),
            one_off_amount: money("one_off_amount", &mut errs),
            reasons: lines("reasons"),
            opinion: get("opinion"),
            review_outcome: ReviewOutcome::parse(&get("review_outcome")),
        },
        "objection" => StepInput::Objection { text: get("text") },
        "resolve_objection" => StepInput::ResolveObjection {
            id: get("objection_id").parse().unwrap_or(0),
            reinvestigate: get("reinvestigate") == "yes",
            note: get("note"),
        },
        "end_publicity" => StepInput::EndPublicity,
        "spot_check" => StepInput::SpotCheck { findings: get("findings") },
        "approve" => StepInput::Approve,
        "reject" => StepInput::Reject { reasons: lines("reasons") },
        "send_back" => StepInput::SendBack { reason: get("reason") },
        "extend" => StepInput::Extend { reason: get("reason") },
        "grant_emergency" => StepInput::GrantEmergency {
            amount: money("amount", &mut errs).unwrap_or_else(|| {
                errs.push(FieldError::new("amount", "required", "请填写金额", "enter the amount"));
                0
            }),
            description: get("description"),
        },
        "paperwork_done" => StepInput::PaperworkDone,
        "accept_referral" => StepInput::AcceptReferral,
        "answer_referral" => StepInput::AnswerReferral {
            granted: get("granted") == "yes",
            answer: get("answer"),
            amount: money("amount", &mut errs).unwrap_or(0),
        },
        "close_need" => StepInput::CloseNeed { note: get("note") },
        "withdraw" => StepInput::Withdraw { reason: get("reason") },
        other => {
            errs.push(FieldError::new("action", "action.unknown", format!("未知操作“{other}”"), format!("unknown step \"{other}\"")));
            StepInput::Check
        }
    };
    if errs.is_empty() { Ok((version, step)) } else { Err(ValidationErrors(errs)) }
}

async fn step_submit(
    State(state): State<AppState>,
    Page { a, l }: Page,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let back = pairs.iter().find(|(n, _)| n == "back").map(|(_, v)| v.clone()).filter(|b| b.starts_with("/cases/"));
    let result = match step_from_form(&pairs) {
        Ok((version, step)) => state.casework.take_step(&a.user, id, version, step, today()).await.map_err(WebError::from),
        Err(v) => Err(WebError::Invalid(v)),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(WebError::NotFound) => WebError::NotFound.page(l.0),
        Err(WebError::Forbidden) => WebError::Forbidden.page(l.0),
        Err(e) => {
            let status = e.status();
            let body = e.body();
            let msg = match &e {
                WebError::Invalid(v) => messages(v, l).join("；"),
                _ => l.t(&body.message, &body.message_en).to_string(),
            };
            if back.is_some_and(|b| b.ends_with("/survey")) {
                return match survey_view(&state, &a, l, id, msg).await {
                    Ok(p) => (status, render(p)).into_response(),
                    Err(e) => e.page(l.0),
                };
            }
            match case_page_view(&state, &a, l, id, msg, 0).await {
                Ok(p) => (status, render(p)).into_response(),
                Err(e) => e.page(l.0),
            }
        }
    }
}

/// A step on a case: `{"version": 3, "action": "survey", …fields}`.
#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    /// The version of the case the caller last read (someone else's step in between is a 409).
    pub version: i64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub step: StepInput,
}

/// One case with its timeline and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/cases/{id}", responses((status = 200, body = CaseJson), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_case(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
) -> Result<Json<CaseJson>, WebError> {
    let u = user(auth)?;
    let v = state.casework.get(&u, id).await?;
    tracing::info!(target: "access", user = %u.username, action = "view_case", case = id, household = v.case.data.household_id, "case api");
    Ok(Json(case_json(v)))
}

/// Takes a step: `action` is one of `supply_materials`, `check`, `object_to_feedback`,
/// `close_after_feedback`, `survey`, `request_survey`, `evaluation`, `town_decision`, `objection`,
/// `resolve_objection`, `end_publicity`, `spot_check`, `approve`, `reject`, `send_back`, `extend`,
/// `grant_emergency`, `paperwork_done`, `accept_referral`, `answer_referral`, `close_need`,
/// `withdraw`. 409 when someone else acted first or the step is not possible now.
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", request_body = StepBody,
    responses((status = 200, body = CaseJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_step(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
    Json(b): Json<StepBody>,
) -> Result<Json<CaseJson>, WebError> {
    let u = user(auth)?;
    state.casework.take_step(&u, id, b.version, b.step, today()).await?;
    Ok(Json(case_json(state.casework.get(&u, id).await?)))
}

/// A survey photo's id (fetch it at `/cases/{case}/photos/{id}`).
#[derive(Serialize, ToSchema)]
pub struct PhotoId {
    pub id: i64,
}

/// The photos of a case (investigators add them during the survey).
#[utoipa::path(get, path = "/api/v1/cases/{id}/photos", responses((status = 200, body = [PhotoId]), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_photos(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<PhotoId>>, WebError> {
    let u = user(auth)?;
    Ok(Json(state.casework.photo_ids(&u, id).await?.into_iter().map(|id| PhotoId { id }).collect()))
}

/// Adds a survey photo: multipart field `photo` (JPEG, PNG or WebP, at most 5 MB) and `caption`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/photos", request_body(content = String, content_type = "multipart/form-data"),
    responses((status = 201, body = PhotoId), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_photo_upload(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let u = user(auth)?;
    let (ct, bytes, caption) =
        read_photo(mp).await.map_err(|(zh, en)| WebError::Invalid(FieldError::new("photo", "photo.upload", zh, en).into()))?;
    let pid = state.casework.add_photo(&u, id, &ct, &bytes, &caption).await?;
    Ok((StatusCode::CREATED, Json(PhotoId { id: pid })).into_response())
}

/// An investigator who may survey with the caller.
#[derive(Serialize, ToSchema)]
pub struct InvestigatorView {
    pub id: i64,
    pub display_name: String,
}

/// The investigators the caller may name as the second investigator of a survey.
#[utoipa::path(get, path = "/api/v1/investigators", responses((status = 200, body = [InvestigatorView])))]
pub(crate) async fn api_investigators(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
) -> Result<Json<Vec<InvestigatorView>>, WebError> {
    let u = user(auth)?;
    if u.role != Role::Investigator {
        return Err(WebError::Forbidden);
    }
    Ok(Json(
        state
            .casework
            .co_investigators(&u)
            .await?
            .into_iter()
            .map(|a| InvestigatorView { id: a.id, display_name: a.display_name })
            .collect(),
    ))
}

/// The photo and caption of an upload form.
async fn read_photo(mut mp: Multipart) -> Result<(String, Vec<u8>, String), (&'static str, &'static str)> {
    let failed = ("照片上传失败，请重试（单张不超过 5 MB）", "the upload failed: try again (at most 5 MB)");
    let (mut caption, mut photo) = (String::new(), None);
    while let Some(f) = mp.next_field().await.map_err(|_| failed)? {
        let name = f.name().unwrap_or_default().to_string();
        let ct = f.content_type().unwrap_or_default().to_string();
        let bytes = f.bytes().await.map_err(|_| failed)?;
        match name.as_str() {
            "photo" => photo = Some((ct, bytes.to_vec())),
            "caption" => caption = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let (ct, bytes) = photo.ok_or(("请选择照片", "choose a photo"))?;
    Ok((ct, bytes, caption))
}

// ---------- survey (phone) ----------

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    c: Chrome,
    case: Case,
    members: Vec<(i64, String, u8)>,
    co_investigators: Vec<Opt>,
    photos: Vec<i64>,
    error: String,
    today: String,
}

async fn survey_view(state: &AppState, a: &Authenticated, l: L, id: i64, error: String) -> Result<SurveyPage, WebError> {
    let v = state.casework.get(&a.user, id).await?;
    if a.user.role != Role::Investigator || v.case.data.state != CaseState::Survey {
        return Err(WebError::Step {
            status: StatusCode::CONFLICT,
            code: "not_now",
            zh: "该案件不在入户调查环节，或您不是调查人员".into(),
            en: "the case is not at the home survey, or you are not an investigator".into(),
        });
    }
    let h = state.store.household(v.case.data.household_id).await?.ok_or(WebError::NotFound)?;
    let members = h.members.iter().map(|m| (m.id, m.data.name.clone(), m.data.self_care.unmet())).collect();
    let co_investigators = state
        .casework
        .co_investigators(&a.user)
        .await?
        .into_iter()
        .map(|x| Opt { value: x.id.to_string(), label: x.display_name })
        .collect();
    let photos = state.casework.photo_ids(&a.user, id).await?;
    Ok(SurveyPage {
        c: Chrome::new(state, a, l, &format!("/cases/{id}/survey")).await,
        case: v.case,
        members,
        co_investigators,
        photos,
        error,
        today: today().to_string(),
    })
}

async fn survey_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>) -> Response {
    match survey_view(&state, &a, l, id, String::new()).await {
        Ok(p) => render(p),
        Err(e) => e.page(l.0),
    }
}

async fn photo_upload(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, mp: Multipart) -> Response {
    let (ct, bytes, caption) = match read_photo(mp).await {
        Ok(x) => x,
        Err((zh, en)) => return survey_error(&state, &a, l, id, l.t(zh, en)).await,
    };
    match state.casework.add_photo(&a.user, id, &ct, &bytes, &caption).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}/survey")).into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => survey_error(&state, &a, l, id, &messages(&v, l).join("；")).await,
            e => e.page(l.0),
        },
    }
}

async fn survey_error(state: &AppState, a: &Authenticated, l: L, id: i64, msg: &str) -> Response {
    match survey_view(state, a, l, id, msg.to_string()).await {
        Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(p)).into_response(),
        Err(e) => e.page(l.0),
    }
}

async fn photo_get(State(state): State<AppState>, Page { a, l }: Page, Path((id, pid)): Path<(i64, i64)>) -> Response {
    match state.casework.photo(&a.user, pid).await {
        Ok(p) if p.case_id == id => {
            tracing::info!(target: "access", user = %a.user.username, action = "view_photo", case = id, photo = pid, "survey photo");
            ([(header::CONTENT_TYPE, p.content_type), (header::CACHE_CONTROL, "private, no-store".into())], p.bytes).into_response()
        }
        Ok(_) => WebError::NotFound.page(l.0),
        Err(e) => WebError::from(e).page(l.0),
    }
}

// ---------- documents ----------

#[derive(Template)]
#[template(path = "case_document.html")]
struct DocumentPage {
    c: Chrome,
    doc: String,
    title: String,
    number: String,
    case: Case,
    region: String,
    town: String,
    county: String,
    today: String,
    missing: Vec<String>,
}

impl DocumentPage {
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
}

async fn document_page(State(state): State<AppState>, Page { a, l }: Page, Path((id, doc)): Path<(i64, String)>) -> Response {
    let v = match state.casework.get(&a.user, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let Some((_, title)) = documents_of(&v.case).into_iter().find(|(d, _)| *d == doc) else { return WebError::NotFound.page(l.0) };
    tracing::info!(target: "access", user = %a.user.username, action = "print", case = id, document = %doc, "case document");
    let c = &v.case.data;
    let name = |code: Option<jiuzhu_domain::RegionCode>| async {
        match code {
            Some(code) => state.registry.region_name(&code).await.ok().flatten().unwrap_or_default(),
            None => String::new(),
        }
    };
    // One notice for the whole intake: every item still missing for any kind asked for, once.
    let mut missing: Vec<(String, Vec<&'static str>)> = Vec::new();
    if doc == "materials" {
        let mut siblings = state.casework.household_cases(&a.user, c.household_id).await.unwrap_or_default();
        siblings.sort_by_key(|x| x.id);
        for sib in siblings.iter().filter(|x| x.state.is_open() || x.id == id) {
            let Ok(sv) = state.casework.get(&a.user, sib.id).await else { continue };
            if sv.case.intake_id != v.case.intake_id {
                continue;
            }
            for m in sv.case.data.details.missing_materials() {
                match missing.iter_mut().find(|(name, _)| *name == m.name) {
                    Some((_, kinds)) => kinds.push(sv.case.data.kind.zh()),
                    None => missing.push((m.name.clone(), vec![sv.case.data.kind.zh()])),
                }
            }
        }
    }
    let town = name(c.region.as_str().get(..9).and_then(|t| jiuzhu_domain::RegionCode::parse(t).ok())).await;
    let county = name(c.region.county()).await;
    render(DocumentPage {
        c: Chrome::new(&state, &a, l, &format!("/cases/{id}/documents/{doc}")).await,
        title: title.into(),
        number: jiuzhu_casework::documents::document_number(&v.case),
        region: crate::view::region_names(&state.registry, &c.region).await,
        town,
        county,
        today: today().to_string(),
        missing: missing.into_iter().map(|(name, kinds)| format!("{name}（{}）", kinds.join("、"))).collect(),
        doc,
        case: v.case,
    })
}

// ---------- public notice ----------

/// One line of the public notice: name masked, household size, programme, amount — never an
/// identifier, phone, bank or health detail (SECURITY.md).
#[derive(Serialize, ToSchema)]
pub struct PublicLine {
    pub case_id: i64,
    pub village: String,
    /// Masked: first and last character kept (张*丰, 欧**娜; two characters: 张*).
    pub applicant: String,
    pub household_size: usize,
    pub programme: String,
    pub monthly_amount_yuan: String,
    pub one_off_amount_yuan: String,
    pub starts_on: String,
    pub ends_on: String,
}

async fn public_lines(state: &AppState, u: &User) -> Result<Vec<PublicLine>, WebError> {
    let mut out = Vec::new();
    for (s, c) in state.casework.in_publicity(u).await? {
        let town = c.data.details.town.clone();
        let p = c.data.details.publicity.clone();
        out.push(PublicLine {
            case_id: c.id,
            village: s.village_name.unwrap_or_default(),
            applicant: mask_name(&c.data.applicant),
            household_size: town.as_ref().map(|t| t.members.len()).unwrap_or(0),
            programme: if c.data.purpose == Purpose::Review {
                format!("{}（停止）", c.data.kind.zh())
            } else {
                c.data.kind.zh().into()
            },
            monthly_amount_yuan: town.as_ref().map(|t| yuan(t.monthly_amount)).unwrap_or_default(),
            one_off_amount_yuan: town.as_ref().map(|t| yuan(t.one_off_amount)).unwrap_or_default(),
            starts_on: p.as_ref().map(|p| p.starts_on.to_string()).unwrap_or_default(),
            ends_on: p.as_ref().map(|p| p.ends_on.to_string()).unwrap_or_default(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "publicity.html")]
struct PublicityPage {
    c: Chrome,
    lines: Vec<PublicLine>,
    region: String,
    today: String,
}

async fn publicity_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    match public_lines(&state, &a.user).await {
        Ok(lines) => render(PublicityPage {
            region: state.registry.region_name(&a.user.scope.0).await.ok().flatten().unwrap_or_default(),
            c: Chrome::new(&state, &a, l, "/publicity").await,
            lines,
            today: today().to_string(),
        }),
        Err(e) => e.page(l.0),
    }
}

/// The cases in 公示 in the caller's region, as the notice posts them (names masked).
#[utoipa::path(get, path = "/api/v1/publicity", responses((status = 200, body = [PublicLine]), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_publicity(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
) -> Result<Json<Vec<PublicLine>>, WebError> {
    let u = user(auth)?;
    Ok(Json(public_lines(&state, &u).await?))
}

// ---------- holiday calendar (system administrators) ----------

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    last_year: i32,
    message: String,
    error: String,
}

async fn calendar_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    if !a.user.can(Permission::ManageCalendar) {
        return WebError::Forbidden.page(l.0);
    }
    render(CalendarPage {
        last_year: state.casework.calendar().last_year(),
        c: Chrome::new(&state, &a, l, "/admin/calendar").await,
        message: String::new(),
        error: String::new(),
    })
}

#[derive(Deserialize)]
struct CalendarForm {
    year: String,
    content: String,
    source: String,
}

async fn calendar_submit(State(state): State<AppState>, Page { a, l }: Page, Form(f): Form<CalendarForm>) -> Response {
    if !a.user.can(Permission::ManageCalendar) {
        return WebError::Forbidden.page(l.0);
    }
    let (message, error) = match f.year.trim().parse::<i32>() {
        Err(_) => (String::new(), l.t("年份应为四位数字", "the year is four digits").to_string()),
        Ok(_) if f.source.trim().is_empty() => (String::new(), l.t("请填写来源（通知名称）", "name the source (the notice)").to_string()),
        Ok(year) => match state.casework.import_calendar_year(Some(&a.user), year, &f.content, f.source.trim()).await {
            Ok(n) => (
                if l.is_en() {
                    format!("{year} imported; deadlines computed for {n} cases")
                } else {
                    format!("已导入 {year} 年节假日安排，{n} 个案件的期限已计算")
                },
                String::new(),
            ),
            Err(e) => match WebError::from(e) {
                WebError::Invalid(v) => (String::new(), messages(&v, l).join("；")),
                e => return e.page(l.0),
            },
        },
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (
        status,
        render(CalendarPage {
            last_year: state.casework.calendar().last_year(),
            c: Chrome::new(&state, &a, l, "/admin/calendar").await,
            message,
            error,
        }),
    )
        .into_response()
}

// ---------- on the household page ----------

/// A benefit granted, as the household page lists it.
pub struct BenefitRow {
    pub id: i64,
    pub kind_zh: String,
    pub kind_en: String,
    pub monthly_yuan: String,
    pub one_off_yuan: String,
    pub since: String,
    pub until: String,
    pub status_zh: String,
    pub status_en: String,
    pub next_review: String,
    pub next_review_reason: String,
    pub job_refusals: i64,
    pub open: bool,
}

/// The household's cases and benefits (empty for roles that read no cases).
pub(crate) async fn household_casework(state: &AppState, u: &User, household_id: i64) -> (Vec<CaseRow>, Vec<BenefitRow>) {
    if !u.can(Permission::ReadCase) {
        return (Vec::new(), Vec::new());
    }
    let t = today();
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    let cases =
        state.casework.household_cases(u, household_id).await.unwrap_or_default().iter().map(|c| CaseRow::new(c, t, soon)).collect();
    let benefits = state
        .casework
        .household_benefits(u, household_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|b| BenefitRow {
            id: b.id,
            kind_zh: b.kind.zh().into(),
            kind_en: b.kind.en().into(),
            monthly_yuan: b.monthly_amount.to_string(),
            one_off_yuan: b.one_off_amount.to_string(),
            since: b.since_month.format("%Y-%m").to_string(),
            until: b.until_month.map(|m| m.format("%Y-%m").to_string()).unwrap_or_default(),
            status_zh: b.status.zh().into(),
            status_en: b.status.en().into(),
            next_review: b.next_review_on.map(|d| d.to_string()).unwrap_or_default(),
            next_review_reason: b.next_review_reason.zh().into(),
            job_refusals: b.job_refusals,
            open: b.status != BenefitStatus::Ended,
        })
        .collect();
    (cases, benefits)
}

#[derive(Deserialize)]
struct ReportForm {
    /// `change` or `death`.
    kind: String,
    #[serde(default)]
    member: String,
    note: String,
}

/// 情况变化 or a death reported on a benefit: opens a review and shows it.
async fn report_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<ReportForm>) -> Response {
    let member = Some(f.member.trim().to_string()).filter(|m| !m.is_empty());
    match state.casework.report_change(&a.user, id, f.kind == "death", member, &f.note, today()).await {
        Ok(case_id) => Redirect::to(&format!("/cases/{case_id}")).into_response(),
        Err(e) => WebError::from(e).page(l.0),
    }
}

#[derive(Deserialize)]
struct RefusalForm {
    member: String,
    offer: String,
    household_id: i64,
}

async fn refusal_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<RefusalForm>) -> Response {
    match state.casework.record_job_refusal(&a.user, id, &f.member, &f.offer, today()).await {
        Ok(_) => Redirect::to(&format!("/households/{}", f.household_id)).into_response(),
        Err(e) => WebError::from(e).page(l.0),
    }
}

pub fn benefit_routes() -> Router<AppState> {
    Router::new().route("/benefits/{id}/report", post(report_submit)).route("/benefits/{id}/job-refusal", post(refusal_submit))
}
