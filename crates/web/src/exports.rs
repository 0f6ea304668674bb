//! 名册导出: asking for a household roster as CSV or Excel, a county approver's decision when it
//! lists more households than the configured threshold (default
//! [`jiuzhu_domain::access::EXPORT_APPROVAL_ROWS`]), and the one download each request allows,
//! after the password is typed again. Every step leaves an audit entry with the purpose.

use crate::AppState;
use crate::audit::{AuditNote, with_note};
use crate::auth::{self, Reauth};
use crate::error::{WebError, html_escape};
use crate::i18n::L;
use crate::pages::{Chrome, Page, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{FixedOffset, Utc};
use jiuzhu_audit::{Action, Denial};
use jiuzhu_domain::access::{self, Guarded};
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_registry::export::{self, Watermark};
use jiuzhu_store::{ExportFormat, ExportQuery, ExportRequest, ExportState, NewExport, StoreError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exports", get(exports_page).post(request_submit))
        .route("/exports/{id}/decide", post(decide_submit))
        .route("/exports/{id}/download", post(download_submit))
}

/// The most rows one export may hold (a county's roster fits many times over).
pub const MAX_EXPORT_ROWS: i64 = 200_000;

/// The fields a roster holds, as the audit trail names them (the ID number masked).
const ROSTER_FIELDS: [&str; 4] = ["name", "id_number_masked", "member_count", "benefit_amount"];

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

fn beijing(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y-%m-%d %H:%M").to_string()
}

fn export_row(e: ExportRequest, l: L) -> ExportRow {
    ExportRow {
        id: e.id,
        username: e.username,
        region: e.region.to_string(),
        programme: e.programme.map(|p| l.t(p.zh(), p.en()).to_string()).unwrap_or_else(|| l.t("全部家庭", "all households").into()),
        format: if e.format == ExportFormat::Csv { "CSV" } else { "Excel" },
        purpose: e.purpose,
        rows: e.rows,
        state: l.t(e.state.zh(), e.state.en()).to_string(),
        state_code: e.state.as_str(),
        requested_at: beijing(e.requested_at),
        decided: match (e.decided_by, e.decided_at) {
            (Some(by), Some(at)) => format!("{by} {} {}", beijing(at), e.decision_note),
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

async fn view(state: &AppState, a: &auth::Authenticated, l: L, f: RequestForm, error: String, notice: String) -> Response {
    let can_request = a.user.can(Permission::ExportRoster);
    let can_approve = a.user.can(Permission::ApproveExport);
    if !can_request && !can_approve {
        return WebError::Forbidden.page(l.0);
    }
    let mine = match state.store.exports(&ExportQuery { account_id: Some(a.user.account_id), limit: 50, ..ExportQuery::default() }).await {
        Ok(v) => v.into_iter().map(|e| export_row(e, l)).collect(),
        Err(e) => return WebError::from(e).page(l.0),
    };
    let to_decide = if can_approve {
        let q =
            ExportQuery { within: Some(a.user.scope.0.clone()), state: Some(ExportState::Pending), limit: 100, ..ExportQuery::default() };
        match state.store.exports(&q).await {
            Ok(v) => v.into_iter().filter(|e| e.account_id != a.user.account_id).map(|e| export_row(e, l)).collect(),
            Err(e) => return WebError::from(e).page(l.0),
        }
    } else {
        Vec::new()
    };
    let f = if f.region.is_empty() { RequestForm { region: a.user.scope.0.to_string(), ..f } } else { f };
    let programmes = [AssistanceKind::Dibao, AssistanceKind::Tekun, AssistanceKind::DibaoEdge, AssistanceKind::RigidExpense]
        .into_iter()
        .map(|k| (k.as_str(), l.t(k.zh(), k.en()).to_string()))
        .collect();
    let c = Chrome::new(state, a, l, "/exports").await;
    let page = ExportsPage {
        c,
        f,
        error,
        notice,
        programmes,
        mine,
        to_decide,
        can_request,
        can_approve,
        threshold: state.export_approval_rows,
        reauth_fresh: a.reauth_fresh(Guarded::Export),
    };
    let status = if page.error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(page)).into_response()
}

async fn exports_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    view(&state, &a, l, RequestForm::default(), String::new(), String::new()).await
}

async fn request_submit(State(state): State<AppState>, Page { a, l }: Page, Form(f): Form<RequestForm>) -> Response {
    let note = AuditNote { action: Some(Action::Export), fields: ROSTER_FIELDS.to_vec(), ..AuditNote::default() };
    if !a.user.can(Permission::ExportRoster) {
        return with_note(WebError::Forbidden.page(l.0), note);
    }
    let purpose: String = f.purpose.trim().chars().take(200).collect();
    let invalid = |f: RequestForm, zh: &str, en: &str| {
        let state = state.clone();
        let a = a.clone();
        let msg = l.t(zh, en).to_string();
        async move { view(&state, &a, l, f, msg, String::new()).await }
    };
    let Ok(region) = RegionCode::parse(f.region.trim()) else {
        let r = invalid(f, "region：区划代码格式不正确（6、9 或 12 位数字）", "region: not a division code (6, 9 or 12 digits)").await;
        return with_note(r, AuditNote { denied: Some(Denial::Invalid), ..note });
    };
    let programme = match f.programme.as_str() {
        "" => None,
        p => match AssistanceKind::parse(p) {
            Some(k) => Some(k),
            None => {
                let r = invalid(f, "programme：请选择救助类型", "programme: choose a programme").await;
                return with_note(r, AuditNote { denied: Some(Denial::Invalid), ..note });
            }
        },
    };
    let Some(format) = ExportFormat::parse(&f.format) else {
        let r = invalid(f, "format：请选择 CSV 或 Excel", "format: choose CSV or Excel").await;
        return with_note(r, AuditNote { denied: Some(Denial::Invalid), ..note });
    };
    if purpose.chars().count() < 4 {
        let r =
            invalid(f, "purpose：请填写导出事由（至少 4 个字）", "purpose: give the reason for the export (at least 4 characters)").await;
        return with_note(r, AuditNote { denied: Some(Denial::Invalid), ..note });
    }
    let rows = match state.registry.roster_count(&a.user, &region, programme).await {
        Ok(n) => n,
        Err(e) => return with_note(WebError::from(e).page(l.0), AuditNote { purpose, detail: format!("region={region}"), ..note }),
    };
    if rows == 0 {
        let r = invalid(f, "没有符合条件的家庭，未提交导出申请", "no household matches; nothing was requested").await;
        return with_note(r, AuditNote { purpose, detail: format!("region={region};rows=0"), ..note });
    }
    if rows > MAX_EXPORT_ROWS {
        let zh = format!("共 {rows} 户，超过单次导出上限 {MAX_EXPORT_ROWS} 户；请按乡镇分别导出");
        let en = format!("{rows} households is over the limit of {MAX_EXPORT_ROWS} per export; export town by town");
        let r = invalid(f, &zh, &en).await;
        return with_note(r, AuditNote { purpose, detail: format!("region={region};rows={rows}"), ..note });
    }
    let threshold = state.export_approval_rows;
    let needs_approval = rows > threshold;
    let new = NewExport {
        account_id: a.user.account_id,
        username: a.user.username.clone(),
        region: region.clone(),
        programme,
        format,
        purpose: purpose.clone(),
        rows,
        state: if needs_approval { ExportState::Pending } else { ExportState::Approved },
    };
    match state.store.insert_export(&new).await {
        Ok(id) => {
            let notice = if needs_approval {
                l.t(
                    &format!("导出申请 #{id} 已提交：共 {rows} 户，超过 {threshold} 户，需县级审批员批准后方可下载。"),
                    &format!(
                        "Export #{id} requested: {rows} households, more than {threshold}, so a county approver must approve it first."
                    ),
                )
                .to_string()
            } else {
                l.t(
                    &format!("导出申请 #{id} 已生成：共 {rows} 户，可下载一次。"),
                    &format!("Export #{id} is ready: {rows} households, one download."),
                )
                .to_string()
            };
            let r = view(&state, &a, l, RequestForm::default(), String::new(), notice).await;
            with_note(
                r,
                AuditNote { purpose, detail: format!("export={id};region={region};rows={rows};state={}", new.state.as_str()), ..note },
            )
        }
        Err(e) => with_note(WebError::from(e).page(l.0), note),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    /// `approve` or `reject`
    decision: String,
    note: String,
}

async fn load_in_scope(state: &AppState, a: &auth::Authenticated, id: i64) -> Result<ExportRequest, WebError> {
    match state.store.export(id).await.map_err(WebError::from)? {
        Some(e) if a.user.scope.contains(&e.region) => Ok(e),
        _ => Err(WebError::NotFound),
    }
}

async fn decide_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<DecideForm>) -> Response {
    let note = AuditNote { action: Some(Action::Decide), ..AuditNote::default() };
    if !a.user.can(Permission::ApproveExport) {
        return with_note(WebError::Forbidden.page(l.0), note);
    }
    let e = match load_in_scope(&state, &a, id).await {
        Ok(e) => e,
        Err(err) => return with_note(err.page(l.0), note),
    };
    let fail = |zh: &str, en: &str| {
        let (state, a, msg) = (state.clone(), a.clone(), l.t(zh, en).to_string());
        async move { view(&state, &a, l, RequestForm::default(), msg, String::new()).await }
    };
    if !access::may_approve_export(a.user.role, a.user.account_id, e.account_id) {
        let r = fail("不能审批本人提交的导出申请，请由其他审批员审批", "you cannot decide your own export; another approver must").await;
        return with_note(r, AuditNote { denied: Some(Denial::Role), detail: format!("export={id}"), ..note });
    }
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return with_note(fail("decision：请选择批准或不批准", "decision: approve or reject").await, note),
    };
    let text: String = f.note.trim().chars().take(500).collect();
    if !approve && text.chars().count() < 2 {
        return with_note(fail("note：不批准时请写明理由", "note: say why when rejecting").await, note);
    }
    match state.store.decide_export(id, approve, &a.user.username, &text).await {
        Ok(()) => with_note(
            Redirect::to("/exports").into_response(),
            AuditNote { purpose: e.purpose, detail: format!("export={id};approve={approve};rows={}", e.rows), ..note },
        ),
        Err(StoreError::Conflict { .. } | StoreError::NotFound) => {
            with_note(fail("该申请已被他人处理", "someone has already decided this request").await, note)
        }
        Err(err) => with_note(WebError::from(err).page(l.0), note),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DownloadForm {
    password: String,
}

async fn download_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<DownloadForm>) -> Response {
    let note = AuditNote { action: Some(Action::Download), fields: ROSTER_FIELDS.to_vec(), ..AuditNote::default() };
    if !a.user.can(Permission::ExportRoster) {
        return with_note(WebError::Forbidden.page(l.0), note);
    }
    // Only the one who asked may download; for anyone else the request does not exist.
    let e = match state.store.export(id).await {
        Ok(Some(e)) if e.account_id == a.user.account_id && a.user.scope.contains(&e.region) => e,
        Ok(_) => return with_note(WebError::NotFound.page(l.0), note),
        Err(err) => return with_note(WebError::from(err).page(l.0), note),
    };
    let note = AuditNote { purpose: e.purpose.clone(), ..note };
    let refuse = |status: StatusCode, zh: &str, en: &str| {
        let msg = l.t(zh, en);
        let back = l.t("返回导出页", "Back to exports");
        (status, Html(format!("<!doctype html><meta charset=utf-8><p>{}</p><p><a href=\"/exports\">{back}</a></p>", html_escape(msg))))
            .into_response()
    };
    let already_downloaded = || {
        refuse(
            StatusCode::GONE,
            "此导出文件已下载过一次；如需再次导出，请重新申请。",
            "This export was already downloaded once; request a new one.",
        )
    };
    match e.state {
        ExportState::Approved => {}
        ExportState::Downloaded => {
            return with_note(
                already_downloaded(),
                AuditNote { denied: Some(Denial::Invalid), detail: format!("export={id};again"), ..note },
            );
        }
        ExportState::Pending | ExportState::Rejected => {
            let r =
                refuse(StatusCode::CONFLICT, "该导出申请尚未获批准，不能下载。", "This export is not approved; it cannot be downloaded.");
            return with_note(
                r,
                AuditNote { denied: Some(Denial::Invalid), detail: format!("export={id};state={}", e.state.as_str()), ..note },
            );
        }
    }
    match auth::reauthenticate(state.store.as_ref(), &a, Guarded::Export, &f.password).await {
        Ok(Reauth::StillFresh | Reauth::Confirmed) => {}
        Ok(Reauth::Wrong) => {
            let r = refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "password：密码不正确，未下载。",
                "password: wrong password; nothing was downloaded.",
            );
            return with_note(r, AuditNote { denied: Some(Denial::Reauth), detail: format!("export={id}"), ..note });
        }
        Err(err) => return with_note(WebError::from(err).page(l.0), note),
    }
    // Built before it is marked downloaded, so a failure leaves the one download unused.
    let rows = match state.registry.roster(&a.user, &e.region, e.programme, e.rows).await {
        Ok(r) => r,
        Err(err) => return with_note(WebError::from(err).page(l.0), note),
    };
    let mark = Watermark {
        username: a.user.username.clone(),
        display_name: a.user.display_name.clone(),
        at: Utc::now(),
        export_id: id,
        purpose: e.purpose.clone(),
    };
    let (bytes, mime, ext) = match e.format {
        ExportFormat::Csv => (export::csv(&rows, &mark), "text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (export::xlsx(&rows, &mark), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(err) => return with_note(WebError::Internal(err.to_string()).page(l.0), note),
    };
    match state.store.mark_export_downloaded(id).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. } | StoreError::NotFound) => {
            return with_note(
                already_downloaded(),
                AuditNote { denied: Some(Denial::Invalid), detail: format!("export={id};again"), ..note },
            );
        }
        Err(err) => return with_note(WebError::from(err).page(l.0), note),
    }
    let disposition = format!("attachment; filename=\"roster-{id}.{ext}\"; filename*=UTF-8''%E5%90%8D%E5%86%8C-{id}.{ext}");
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    with_note(r, AuditNote { detail: format!("export={id};rows={};format={ext}", rows.len()), ..note })
}
