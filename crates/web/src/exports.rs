//! 名册导出 pages: asking for a roster, a county approver's decision, the one download after the
//! password. The rules — threshold per requester per day, one download, the watermark — are the
//! exports service's ([`jiuzhu_registry::exports`]); this module parses and renders.

use crate::error::{WebError, html_escape};
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_minutes, reauth_fresh, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::Permission;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_registry::exports::ExportInput;
use jiuzhu_store::{ExportFormat, ExportRequest};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exports", get(exports_page).post(request_submit))
        .route("/exports/{id}/decide", post(decide_submit))
        .route("/exports/{id}/download", post(download_submit))
}

pub struct ExportRow {
    id: i64,
    username: String,
    region: String,
    programme: String,
    format: &'static str,
    purpose: String,
    rows: i64,
    state: String,
    state_code: &'static str,
    requested_at: String,
    decided: String,
}

fn export_row(e: ExportRequest, lang: PageLang) -> ExportRow {
    ExportRow {
        id: e.id,
        username: e.username,
        region: e.region.to_string(),
        programme: e.programme.map(|p| lang.t(p.zh(), p.en()).to_string()).unwrap_or_else(|| lang.t("全部家庭", "all households").into()),
        format: if e.format == ExportFormat::Csv { "CSV" } else { "Excel" },
        purpose: e.purpose,
        rows: e.rows,
        state: lang.t(e.state.zh(), e.state.en()).to_string(),
        state_code: e.state.as_str(),
        requested_at: beijing_minutes(e.requested_at),
        decided: match (e.decided_by, e.decided_at) {
            (Some(by), Some(at)) => format!("{by} {} {}", beijing_minutes(at), e.decision_note),
            _ => String::new(),
        },
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RequestForm {
    region: String,
    programme: String,
    format: String,
    /// 导出事由
    purpose: String,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    c: Chrome,
    f: RequestForm,
    error: String,
    notice: String,
    programmes: Vec<(&'static str, String)>,
    mine: Vec<ExportRow>,
    to_decide: Vec<ExportRow>,
    can_request: bool,
    can_approve: bool,
    threshold: i64,
    reauth_fresh: bool,
}

/// The page: the user's requests, those waiting for them, and the form (kept as typed after a
/// refusal, with the message).
async fn view(state: &AppState, session: &SignedIn, lang: PageLang, f: RequestForm, error: String, notice: String) -> Response {
    let user = &session.user;
    let lists = match state.exports.lists(user).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let f = if f.region.is_empty() { RequestForm { region: user.scope.0.to_string(), ..f } } else { f };
    let programmes = [AssistanceKind::Dibao, AssistanceKind::Tekun, AssistanceKind::DibaoEdge, AssistanceKind::RigidExpense]
        .into_iter()
        .map(|k| (k.as_str(), lang.t(k.zh(), k.en()).to_string()))
        .collect();
    let page = ExportsPage {
        c: Chrome::new(state, session, lang, "/exports").await,
        f,
        error,
        notice,
        programmes,
        mine: lists.mine.into_iter().map(|e| export_row(e, lang)).collect(),
        to_decide: lists.to_decide.into_iter().map(|e| export_row(e, lang)).collect(),
        can_request: user.can(Permission::ExportRoster),
        can_approve: user.can(Permission::ApproveExport),
        threshold: state.exports.approval_rows(),
        reauth_fresh: reauth_fresh(state, session, Guarded::Export),
    };
    let status = if page.error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(page)).into_response()
}

async fn exports_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    view(&state, &session, lang, RequestForm::default(), String::new(), String::new()).await
}

async fn request_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<RequestForm>) -> Response {
    let input =
        ExportInput { region: f.region.clone(), programme: f.programme.clone(), format: f.format.clone(), purpose: f.purpose.clone() };
    match state.exports.request(&session.user, &input).await {
        Ok(r) => {
            let threshold = state.exports.approval_rows();
            let notice = if r.needs_approval {
                lang.t(
                    &format!("导出申请 #{} 已提交：共 {} 户；您今天导出的家庭合计超过 {threshold} 户，需县级审批员批准后方可下载。", r.id, r.rows),
                    &format!(
                        "Export #{} requested: {} households; what you exported today comes to more than {threshold}, so a county approver must approve it first.",
                        r.id, r.rows
                    ),
                )
                .to_string()
            } else {
                lang.t(
                    &format!("导出申请 #{} 已生成：共 {} 户，可下载一次。", r.id, r.rows),
                    &format!("Export #{} is ready: {} households, one download.", r.id, r.rows),
                )
                .to_string()
            };
            view(&state, &session, lang, RequestForm::default(), String::new(), notice).await
        }
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => view(&state, &session, lang, f, crate::frame::form_errors(&v, lang), String::new()).await,
            e => e.page(lang.0),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    /// `approve` or `reject`
    decision: String,
    note: String,
}

async fn decide_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<DecideForm>,
) -> Response {
    match state.exports.decide(&session.user, id, &f.decision, &f.note).await {
        Ok(()) => Redirect::to("/exports").into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => {
                view(&state, &session, lang, RequestForm::default(), crate::frame::form_errors(&v, lang), String::new()).await
            }
            WebError::Refused { zh, en, .. } => {
                view(&state, &session, lang, RequestForm::default(), lang.t(&zh, &en).into(), String::new()).await
            }
            e => e.page(lang.0),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DownloadForm {
    password: String,
}

/// A refusal of a download as a small page with the way back.
fn refusal_page(status: StatusCode, msg: &str, lang: PageLang) -> Response {
    let back = lang.t("返回导出页", "Back to exports");
    (status, Html(format!("<!doctype html><meta charset=utf-8><p>{}</p><p><a href=\"/exports\">{back}</a></p>", html_escape(msg))))
        .into_response()
}

async fn download_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<DownloadForm>,
) -> Response {
    let file = match state.exports.download(&session.user, id, &f.password).await {
        Ok(file) => file,
        Err(e) => {
            return match WebError::from(e) {
                WebError::Invalid(_) => refusal_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    lang.t("password：密码不正确，未下载。", "password: wrong password; nothing was downloaded."),
                    lang,
                ),
                e @ WebError::Refused { .. } => {
                    let body = e.body();
                    refusal_page(e.status(), lang.t(&body.message, &body.message_en), lang)
                }
                e => e.page(lang.0),
            };
        }
    };
    let disposition = format!(
        "attachment; filename=\"roster-{id}.{ext}\"; filename*=UTF-8''%E5%90%8D%E5%86%8C-{id}.{ext}",
        id = file.id,
        ext = file.extension
    );
    let mut r = (StatusCode::OK, file.bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(file.mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
