//! The queues (待办, 即将到期, 已逾期, 已办), and the steps an office takes in bulk.

use super::views::{CaseRow, CountsView, QueueView, bucket_of};
use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, messages, reauth_fresh, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use jiuzhu_accounts::SignedIn;
use jiuzhu_casework::service::StepInput;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::{FieldError, Permission, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct QueueQueryParams {
    bucket: String,
    page: Option<Id>,
    /// A survey just submitted on this case (the investigator lands back on the queue).
    surveyed: Option<Id>,
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
    surveyed: Option<i64>,
}

pub(super) async fn queue_page(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<QueueQueryParams>) -> Response {
    queue_page_with(&state, &session, lang, q, Vec::new(), String::new()).await
}

async fn queue_page_with(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    q: QueueQueryParams,
    bulk: Vec<jiuzhu_casework::service::BulkResult>,
    error: String,
) -> Response {
    let t = state.clock.today();
    let page = q.page.map_or(0, |p| p.0);
    let (rows, counts) = match state.casework.queue(&session.user, bucket_of(&q.bucket), page, t).await {
        Ok(x) => x,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    let c = Chrome::new(state, session, lang, "/cases").await;
    let more = rows.len() == 50;
    let surveyed = q.surveyed.map(|s| s.0);
    let bulk_state = match session.user.role {
        Role::CountyApprover => "county_review",
        Role::TownReviewer => "publicity",
        _ => "",
    };
    render(QueuePage {
        c,
        bucket: if q.bucket.is_empty() { "todo".into() } else { q.bucket },
        rows: rows.iter().map(|r| CaseRow::new(r, t, soon)).collect(),
        counts: counts.into(),
        page,
        more,
        can_intake: session.user.can(Permission::Intake),
        bulk_state: bulk_state.into(),
        bulk,
        reauth_fresh: reauth_fresh(state, session, Guarded::BulkDecision),
        error,
        surveyed,
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

pub(super) async fn bulk_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default().to_string();
    let step = bulk_step(&field("action"));
    match state.casework.bulk(&session.user, &bulk_items(&pairs), step, &field("password"), state.clock.today()).await {
        Ok(results) => queue_page_with(&state, &session, lang, QueueQueryParams::default(), results, String::new()).await,
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => {
                // A refusal of the whole batch: say that no case was touched.
                let msg = format!("{}{}", messages(&v, lang).join("；"), lang.t("（未办理任何案件）", " (no case was acted on)"));
                let r = queue_page_with(&state, &session, lang, QueueQueryParams::default(), Vec::new(), msg).await;
                (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
            }
            e => e.page(lang.0),
        },
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
    RequireUser(u): RequireUser,
    Json(b): Json<BulkBody>,
) -> Result<Json<Vec<BulkView>>, WebError> {
    if !matches!(b.action.as_str(), "approve" | "end_publicity") {
        u.trail.refuse(jiuzhu_domain::Denial::Invalid);
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
    let items: Vec<(i64, i64)> = b.cases.iter().map(|c| (c.id, c.version)).collect();
    let r = state.casework.bulk(&u, &items, bulk_step(&b.action), &b.password, state.clock.today()).await?;
    Ok(Json(r.into_iter().map(|x| BulkView { case_id: x.case_id, ok: x.ok, message: x.message }).collect()))
}

/// A role's queue: `todo`, `soon` (due within 3 working days), `overdue` or `done` (what the
/// caller acted on), 50 a page.
#[utoipa::path(get, path = "/api/v1/cases", params(("bucket" = Option<String>, Query, description = "todo | soon | overdue | done"), ("page" = Option<i64>, Query, description = "0-based page of 50")),
    responses((status = 200, body = QueueView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_queue(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Query(q): Query<QueueQueryParams>,
) -> Result<Json<QueueView>, WebError> {
    let t = state.clock.today();
    let (rows, counts) = state.casework.queue(&u, bucket_of(&q.bucket), q.page.map_or(0, |p| p.0), t).await?;
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    Ok(Json(QueueView { cases: rows.iter().map(|r| CaseRow::new(r, t, soon)).collect(), counts: counts.into() }))
}
