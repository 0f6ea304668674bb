//! Pages of the security capability: revealing a household's identifiers (with a purpose and
//! the password typed again), the audit trail for auditors (search, a household's 查阅记录, chain
//! verification), and the alert queue.

use crate::AppState;
use crate::audit::{AuditNote, with_note};
use crate::auth::{self, Reauth};
use crate::error::ErrorBody;
use crate::error::WebError;
use crate::i18n::L;
use crate::pages::{Chrome, Page, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use axum::{Form, Router};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use jiuzhu_audit::alerts::Rule;
use jiuzhu_audit::{Action, Denial};
use jiuzhu_domain::FieldError;
use jiuzhu_domain::access::{Field, Guarded};
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_store::Household;
use jiuzhu_store::{AlertNote, AlertOutcome, AlertQuery, AlertState, AuditEntry, AuditQuery, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/reveal", post(reveal))
        .route("/api/v1/households/{id}/reveal", post(api_reveal))
        .route("/households/{id}/access", get(access_page))
        .route("/audit", get(audit_page))
        .route("/audit/verify", post(verify_submit))
        .route("/alerts", get(alerts_page))
        .route("/alerts/{id}", get(alert_page).post(alert_submit))
}

fn beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An audit entry's time (stored as UTC text) in Beijing time.
fn entry_time(at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map(|t| beijing(t.with_timezone(&Utc))).unwrap_or_else(|_| at.to_string())
}

// ---------- reveal (查看完整信息) ----------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealForm {
    /// 查询事由
    purpose: String,
    password: String,
}

pub struct RevealedMember {
    name: String,
    id_number: String,
    phone: String,
    certificate: String,
}

#[derive(Template)]
#[template(path = "reveal.html")]
struct RevealPage {
    c: Chrome,
    household_id: i64,
    head: String,
    purpose: String,
    members: Vec<RevealedMember>,
    phone: String,
    bank_account: String,
    shown_at: String,
}

/// The smallest purpose that says something (e.g. "入户调查核实").
const MIN_PURPOSE_CHARS: usize = 4;

/// Why a reveal was refused.
enum Refused {
    /// Role or scope (403 / 404), or the database.
    Web(WebError),
    /// No purpose worth the name.
    Purpose,
    /// The password typed again was wrong.
    Password,
}

/// The one reveal, for the page and the API: the role may reveal, the household is in scope, a
/// purpose is given and the password typed again (or within five minutes). The audit note says
/// what was shown (field names) and why, or why not.
async fn reveal_checked(
    state: &AppState,
    a: &auth::Authenticated,
    id: i64,
    purpose: &str,
    password: &str,
) -> (Result<(Household, String), Refused>, AuditNote) {
    let fields: Vec<&'static str> = Field::REVEALABLE.iter().map(|f| f.as_str()).collect();
    let note = AuditNote { action: Some(Action::Reveal), household_id: Some(id), fields, ..AuditNote::default() };
    if !a.user.can(Permission::RevealIdentifiers) {
        return (Err(Refused::Web(WebError::Forbidden)), note);
    }
    // Scope first: another region's household is "not found", and the layer records 越权.
    let h = match state.registry.get(&a.user, id).await {
        Ok(h) => h,
        Err(e) => return (Err(Refused::Web(WebError::from(e))), note),
    };
    let purpose: String = purpose.trim().chars().take(200).collect();
    if purpose.chars().count() < MIN_PURPOSE_CHARS {
        return (Err(Refused::Purpose), AuditNote { denied: Some(Denial::Invalid), ..note });
    }
    match auth::reauthenticate(state.store.as_ref(), a, Guarded::Reveal, password).await {
        Ok(Reauth::StillFresh | Reauth::Confirmed) => {}
        Ok(Reauth::Wrong) => return (Err(Refused::Password), AuditNote { denied: Some(Denial::Reauth), purpose, ..note }),
        Err(e) => return (Err(Refused::Web(WebError::from(e))), note),
    }
    let in_caseload = match state.store.in_caseload(id, a.user.account_id, a.user.role).await {
        Ok(b) => b,
        Err(e) => return (Err(Refused::Web(WebError::from(e))), note),
    };
    let reason = if in_caseload { String::new() } else { "outside_caseload".into() };
    let detail = format!("members={}", h.members.len());
    (Ok((h, purpose.clone())), AuditNote { purpose, reason, detail, ..note })
}

const PURPOSE_ZH: &str = "purpose：请填写查询事由（至少 4 个字）。";
const PURPOSE_EN: &str = "purpose: give the reason for looking (at least 4 characters).";
const PASSWORD_ZH: &str = "password：密码不正确，未显示完整信息。";
const PASSWORD_EN: &str = "password: wrong password; nothing was shown.";

async fn reveal(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<RevealForm>) -> Response {
    let (result, note) = reveal_checked(&state, &a, id, &f.purpose, &f.password).await;
    let back = |zh: &str, en: &str| {
        let msg = format!("{} {}", l.t(zh, en), l.t("请返回重试。", "Go back and try again."));
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::response::Html(format!(
                "<!doctype html><meta charset=utf-8><p>{}</p><p><a href=\"/households/{id}\">{}</a></p>",
                crate::error::html_escape(&msg),
                l.t("返回家庭档案", "Back to the household")
            )),
        )
            .into_response()
    };
    let (h, purpose) = match result {
        Ok(x) => x,
        Err(Refused::Web(e)) => return with_note(e.page(l.0), note),
        Err(Refused::Purpose) => return with_note(back(PURPOSE_ZH, PURPOSE_EN), note),
        Err(Refused::Password) => return with_note(back(PASSWORD_ZH, PASSWORD_EN), note),
    };
    let members = h
        .members
        .iter()
        .map(|m| RevealedMember {
            name: m.data.name.clone(),
            id_number: m.data.id_number.as_str().to_string(),
            phone: m.data.phone.clone().unwrap_or_default(),
            certificate: m.data.disability.as_ref().and_then(|d| d.certificate.clone()).unwrap_or_default(),
        })
        .collect();
    let c = Chrome::new(&state, &a, l, &format!("/households/{id}")).await;
    let page = RevealPage {
        c,
        household_id: id,
        head: h.head().data.name.clone(),
        purpose,
        members,
        phone: h.data.phone.clone().unwrap_or_default(),
        bank_account: h.data.bank_account.as_ref().map(|b| format!("{} {}", b.bank, b.account_no)).unwrap_or_default(),
        shown_at: beijing(Utc::now()),
    };
    with_note(render(page), note)
}

/// 查看完整信息 over the API: `{"purpose": "…", "password": "…"}`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct RevealBody {
    /// Why (at least 4 characters); recorded in the audit trail.
    pub purpose: String,
    /// The caller's password again; not needed within five minutes of the last time.
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevealedMemberView {
    pub member_id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub disability_certificate: Option<String>,
}

/// A household's identifiers in full, as shown once to one case worker for one purpose.
#[derive(Serialize, ToSchema)]
pub struct RevealView {
    pub household_id: i64,
    pub purpose: String,
    pub members: Vec<RevealedMemberView>,
    pub phone: Option<String>,
    /// Bank and account number.
    pub bank_account: Option<String>,
}

/// Shows a household's full identifiers to a case worker, with a purpose and the password typed
/// again; audited (fields, purpose, whether the household is in the caller's caseload).
#[utoipa::path(post, path = "/api/v1/households/{id}/reveal", request_body = RevealBody,
    responses((status = 200, body = RevealView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_reveal(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<auth::Authenticated>>,
    Path(id): Path<i64>,
    Json(b): Json<RevealBody>,
) -> Response {
    let Some(a) = auth else { return WebError::Unauthenticated.into_response() };
    let (result, note) = reveal_checked(&state, &a, id, &b.purpose, &b.password).await;
    let field = |name: &str, code: &'static str, zh: &str, en: &str| WebError::Invalid(FieldError::new(name, code, zh, en).into());
    let r = match result {
        Ok((h, purpose)) => Json(RevealView {
            household_id: id,
            purpose,
            members: h
                .members
                .iter()
                .map(|m| RevealedMemberView {
                    member_id: m.id,
                    name: m.data.name.clone(),
                    id_number: m.data.id_number.as_str().to_string(),
                    phone: m.data.phone.clone(),
                    disability_certificate: m.data.disability.as_ref().and_then(|d| d.certificate.clone()),
                })
                .collect(),
            phone: h.data.phone.clone(),
            bank_account: h.data.bank_account.as_ref().map(|b| format!("{} {}", b.bank, b.account_no)),
        })
        .into_response(),
        Err(Refused::Web(e)) => e.into_response(),
        Err(Refused::Purpose) => field("purpose", "reveal.purpose", PURPOSE_ZH, PURPOSE_EN).into_response(),
        Err(Refused::Password) => field("password", "reauth", PASSWORD_ZH, PASSWORD_EN).into_response(),
    };
    with_note(r, note)
}

// ---------- the audit trail ----------

pub struct EntryRow {
    id: i64,
    at: String,
    username: String,
    role: String,
    ip: String,
    action: String,
    object: String,
    household_id: String,
    fields: String,
    purpose: String,
    denied: bool,
    reason: String,
    detail: String,
}

fn entry_row(e: AuditEntry, l: L) -> EntryRow {
    let r = e.record;
    let action = Action::parse(&r.action).map(|a| l.t(a.zh(), a.as_str()).to_string()).unwrap_or(r.action.clone());
    let role = jiuzhu_domain::Role::parse(&r.role).map(|x| l.t(x.zh(), x.en()).to_string()).unwrap_or(r.role);
    EntryRow {
        id: e.id,
        at: entry_time(&r.at),
        username: r.username,
        role,
        ip: r.ip,
        action,
        object: if r.object_id.is_empty() { r.object_kind } else { format!("{} #{}", r.object_kind, r.object_id) },
        household_id: r.household_id.map(|h| h.to_string()).unwrap_or_default(),
        fields: r.fields.replace(',', ", "),
        purpose: r.purpose,
        denied: r.outcome == "denied",
        reason: r.reason,
        detail: r.detail,
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditFilter {
    username: String,
    household: String,
    action: String,
    outcome: String,
    /// YYYY-MM-DD, Beijing time, inclusive.
    from: String,
    /// YYYY-MM-DD, Beijing time, inclusive.
    to: String,
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    f: AuditFilter,
    /// A household's 查阅记录 rather than the whole trail.
    household_view: Option<i64>,
    rows: Vec<EntryRow>,
    next_before: Option<i64>,
    actions: Vec<(&'static str, String)>,
    error: String,
    verification: Option<(bool, String)>,
}

const PAGE_ROWS: i64 = 100;

/// A Beijing date's start as the trail's UTC text (`to`: the next day's start, exclusive).
fn day_start(d: &str, next: bool) -> Result<Option<String>, String> {
    if d.trim().is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| format!("{d}: YYYY-MM-DD"))?;
    let day = if next { day.succ_opt().unwrap_or(day) } else { day };
    let local = day.and_hms_opt(0, 0, 0).expect("midnight").and_local_timezone(FixedOffset::east_opt(8 * 3600).expect("valid")).unwrap();
    Ok(Some(jiuzhu_store::audit_time(local.with_timezone(&Utc))))
}

/// Entries for an auditor: only those of accounts inside the auditor's region.
async fn search(
    state: &AppState,
    a: &auth::Authenticated,
    f: &AuditFilter,
    household: Option<i64>,
) -> Result<(Vec<AuditEntry>, Option<i64>), String> {
    let q = AuditQuery {
        account_id: None,
        username: Some(f.username.trim().to_string()).filter(|s| !s.is_empty()),
        household_id: household,
        action: Some(f.action.clone()).filter(|s| !s.is_empty()),
        outcome: Some(f.outcome.clone()).filter(|s| !s.is_empty()),
        from: day_start(&f.from, false).map_err(|e| format!("from：{e}"))?,
        to: day_start(&f.to, true).map_err(|e| format!("to：{e}"))?,
        before_id: f.before,
        limit: PAGE_ROWS,
    };
    let entries = state.store.search_audit(&q).await.map_err(|e| e.to_string())?;
    let next = (entries.len() as i64 == PAGE_ROWS).then(|| entries.last().map(|e| e.id)).flatten();
    let scope = &a.user.scope;
    // Login failures of unknown names have no region; county-wide auditors still see them.
    let visible = entries
        .into_iter()
        .filter(|e| RegionCode::parse(&e.record.region).map_or(scope.0.as_str().len() <= 6, |r| scope.contains(&r)))
        .collect();
    Ok((visible, next))
}

fn action_options(l: L) -> Vec<(&'static str, String)> {
    Action::ALL.iter().map(|a| (a.as_str(), l.t(a.zh(), a.as_str()).to_string())).collect()
}

async fn audit_page(State(state): State<AppState>, Page { a, l }: Page, Query(f): Query<AuditFilter>) -> Response {
    if !a.user.can(Permission::ReadAudit) {
        return WebError::Forbidden.page(l.0);
    }
    let household = f.household.trim().parse::<i64>().ok();
    let (rows, next_before, error) = match search(&state, &a, &f, household).await {
        Ok((rows, next)) => (rows.into_iter().map(|e| entry_row(e, l)).collect(), next, String::new()),
        Err(e) => (Vec::new(), None, e),
    };
    let c = Chrome::new(&state, &a, l, "/audit").await;
    let note = AuditNote { action: Some(Action::Search), detail: format!("rows={}", rows.len()), ..AuditNote::default() };
    with_note(
        render(AuditPage { c, f, household_view: None, rows, next_before, actions: action_options(l), error, verification: None }),
        note,
    )
}

/// 查阅记录: who looked at one household, for auditors whose region holds it.
async fn access_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Query(f): Query<AuditFilter>) -> Response {
    if !a.user.can(Permission::ReadAudit) {
        return WebError::Forbidden.page(l.0);
    }
    if let Err(e) = state.registry.get(&a.user, id).await {
        return WebError::from(e).page(l.0);
    }
    let (rows, next_before, error) = match search(&state, &a, &f, Some(id)).await {
        Ok((rows, next)) => (rows.into_iter().map(|e| entry_row(e, l)).collect(), next, String::new()),
        Err(e) => (Vec::new(), None, e),
    };
    let c = Chrome::new(&state, &a, l, &format!("/households/{id}/access")).await;
    render(AuditPage { c, f, household_view: Some(id), rows, next_before, actions: action_options(l), error, verification: None })
}

async fn verify_submit(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    if !a.user.can(Permission::ReadAudit) {
        return WebError::Forbidden.page(l.0);
    }
    let v = match jiuzhu_audit::verify(state.store.as_ref(), &state.sealer, |_| {}).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let text = match v.problems.first() {
        None => l
            .t(
                &format!("审计日志完整：{} 条记录、{} 个检查点的封印全部相符。", v.entries, v.checkpoints),
                &format!("The audit trail is whole: {} entries and {} checkpoints, every seal matches.", v.entries, v.checkpoints),
            )
            .to_string(),
        Some(p) => format!(
            "{} {}",
            l.t(
                &format!("审计日志被改动，共 {} 处问题，第一处：", v.problems.len()),
                &format!("The audit trail was tampered with: {} problems; the first: ", v.problems.len())
            ),
            l.t(&p.zh, &p.en)
        ),
    };
    // The newest entries below the result, as on the search page.
    let f = AuditFilter::default();
    let (rows, next_before) = match search(&state, &a, &f, None).await {
        Ok((rows, next)) => (rows.into_iter().map(|e| entry_row(e, l)).collect(), next),
        Err(_) => (Vec::new(), None),
    };
    let c = Chrome::new(&state, &a, l, "/audit").await;
    let note = AuditNote { detail: format!("verify;entries={};problems={}", v.entries, v.problems.len()), ..AuditNote::default() };
    let page = AuditPage {
        c,
        f,
        household_view: None,
        rows,
        next_before,
        actions: action_options(l),
        error: String::new(),
        verification: Some((v.ok(), text)),
    };
    with_note(render(page), note)
}

// ---------- alerts (预警) ----------

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

fn alert_row(x: jiuzhu_store::Alert, l: L) -> AlertRow {
    AlertRow {
        id: x.id,
        rule: Rule::parse(&x.rule).map(|r| l.t(r.zh(), r.en()).to_string()).unwrap_or(x.rule),
        username: x.username,
        region: x.region.to_string(),
        opened_at: beijing(x.opened_at),
        last_at: beijing(x.last_at),
        count: x.count,
        first_entry: x.first_entry,
        last_entry: x.last_entry,
        state: l.t(x.state.zh(), x.state.en()).to_string(),
        state_code: x.state.as_str(),
        outcome: l.t(x.outcome.zh(), x.outcome.en()).to_string(),
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

async fn alerts_page(State(state): State<AppState>, Page { a, l }: Page, Query(f): Query<AlertFilter>) -> Response {
    if !a.user.can(Permission::HandleAlerts) {
        return WebError::Forbidden.page(l.0);
    }
    let wanted = if f.state.is_empty() { Some(AlertState::Open) } else { AlertState::parse(&f.state) };
    let q = AlertQuery { state: wanted, limit: 200, ..AlertQuery::default() };
    let rows = match state.store.alerts(&q).await {
        Ok(r) => r.into_iter().filter(|x| a.user.scope.contains(&x.region)).map(|x| alert_row(x, l)).collect(),
        Err(e) => return WebError::from(e).page(l.0),
    };
    let c = Chrome::new(&state, &a, l, "/alerts").await;
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

async fn load_alert(state: &AppState, a: &auth::Authenticated, id: i64) -> Result<jiuzhu_store::Alert, WebError> {
    match state.store.alert(id).await.map_err(WebError::from)? {
        Some(x) if a.user.scope.contains(&x.region) => Ok(x),
        _ => Err(WebError::NotFound),
    }
}

async fn alert_view(state: &AppState, a: &auth::Authenticated, l: L, id: i64, error: String) -> Response {
    if !a.user.can(Permission::HandleAlerts) {
        return WebError::Forbidden.page(l.0);
    }
    let x = match load_alert(state, a, id).await {
        Ok(x) => x,
        Err(e) => return e.page(l.0),
    };
    let notes = state.store.alert_notes(id).await.unwrap_or_default();
    let notes = notes
        .into_iter()
        .map(|n| NoteRow {
            at: beijing(n.at),
            username: n.username,
            state: l.t(n.state.zh(), n.state.en()).to_string(),
            outcome: l.t(n.outcome.zh(), n.outcome.en()).to_string(),
            note: n.note,
        })
        .collect();
    // The entries the alert covers (at most the last 100).
    let q = AuditQuery { account_id: x.account_id, before_id: Some(x.last_entry + 1), limit: 100, ..AuditQuery::default() };
    let entries = state
        .store
        .search_audit(&q)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.id >= x.first_entry)
        .map(|e| entry_row(e, l))
        .collect();
    let c = Chrome::new(state, a, l, "/alerts").await;
    render(AlertPage { c, x: alert_row(x, l), notes, entries, error })
}

async fn alert_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>) -> Response {
    alert_view(&state, &a, l, id, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandleForm {
    version: i64,
    state: String,
    outcome: String,
    note: String,
}

async fn alert_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<HandleForm>) -> Response {
    let note = AuditNote { action: Some(Action::HandleAlert), ..AuditNote::default() };
    if !a.user.can(Permission::HandleAlerts) {
        return with_note(WebError::Forbidden.page(l.0), note);
    }
    if let Err(e) = load_alert(&state, &a, id).await {
        return with_note(e.page(l.0), note);
    }
    let (Some(next), Some(outcome)) = (AlertState::parse(&f.state), AlertOutcome::parse(&f.outcome)) else {
        return with_note(alert_view(&state, &a, l, id, l.t("state：请选择处理状态", "state: choose a state").into()).await, note);
    };
    let text = f.note.trim();
    if text.chars().count() < 4 {
        return with_note(
            alert_view(
                &state,
                &a,
                l,
                id,
                l.t("note：请写明处理情况（至少 4 个字）", "note: say what was found (at least 4 characters)").into(),
            )
            .await,
            note,
        );
    }
    if next == AlertState::Closed && outcome == AlertOutcome::None {
        return with_note(
            alert_view(
                &state,
                &a,
                l,
                id,
                l.t("outcome：办结时请选择“属实”或“误报”", "outcome: closing needs confirmed or false positive").into(),
            )
            .await,
            note,
        );
    }
    let n = AlertNote {
        at: Utc::now(),
        account_id: Some(a.user.account_id),
        username: a.user.username.clone(),
        state: next,
        outcome,
        note: text.chars().take(2000).collect(),
    };
    match state.store.handle_alert(id, f.version, &n).await {
        Ok(()) => with_note(
            Redirect::to(&format!("/alerts/{id}")).into_response(),
            AuditNote { detail: format!("state={};outcome={}", next.as_str(), outcome.as_str()), ..note },
        ),
        Err(StoreError::VersionMismatch { .. }) => with_note(
            alert_view(
                &state,
                &a,
                l,
                id,
                l.t("该预警刚刚已由他人处理，请查看最新情况后再操作。", "Someone else has just handled this alert; read it again first.")
                    .into(),
            )
            .await,
            note,
        ),
        Err(e) => with_note(WebError::from(e).page(l.0), note),
    }
}
