//! 资金发放 JSON endpoints (contracts/payments-v1.md): payrolls in scope, one payroll with its sums and
//! the lines waiting for the officer, review / approval / rejection with the password, and a
//! household's payments. The rules are the payments service's; this module parses and renders.
//! Account numbers are always masked here: in full they appear only in the bank file.

use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, RequireUser};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_domain::payment::{month_label, parse_month};
use jiuzhu_domain::{User, mask};
use jiuzhu_payments::PayrollView;
use jiuzhu_store::{PaymentLine, Payroll};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/payrolls", get(api_payrolls))
        .route("/api/v1/payrolls/{id}", get(api_payroll))
        .route("/api/v1/payrolls/{id}/review", post(api_review))
        .route("/api/v1/payrolls/{id}/approve", post(api_approve))
        .route("/api/v1/payrolls/{id}/reject", post(api_reject))
        .route("/api/v1/households/{id}/payments", get(api_household_payments))
}

/// A payroll (发放清册). Money in integer fen.
#[derive(Serialize, ToSchema)]
pub struct PayrollJson {
    id: i64,
    /// The county's division code.
    region: String,
    /// `dibao`, `tekun`, `temporary`.
    programme: String,
    /// `YYYY-MM`
    month: String,
    /// `generated`, `reviewed`, `approved`, `exported`, `reconciled`, `closed`, `rejected`, `cancelled`.
    state: String,
    state_zh: String,
    /// Send it back with a decision (someone else's step in between is a 409).
    version: i64,
    lines: i64,
    total_fen: i64,
    blocked: i64,
    generated_by: String,
    reviewed_by: Option<String>,
    approved_by: Option<String>,
    note: String,
}

fn payroll_json(p: Payroll) -> PayrollJson {
    PayrollJson {
        id: p.id,
        region: p.region.to_string(),
        programme: p.programme.as_str().into(),
        month: month_label(p.month),
        state: p.state.as_str().into(),
        state_zh: p.state.zh().into(),
        version: p.version,
        lines: p.lines,
        total_fen: p.total.0,
        blocked: p.blocked,
        generated_by: p.generated_by.username,
        reviewed_by: p.reviewed_by.map(|a| a.username),
        approved_by: p.approved_by.map(|a| a.username),
        note: p.note,
    }
}

/// A payment line; the account is masked.
#[derive(Serialize, ToSchema)]
pub struct LineJson {
    id: i64,
    payroll_id: i64,
    /// 流水号 in the bank file.
    reference: String,
    household_id: i64,
    region: String,
    programme: String,
    /// `YYYY-MM`: the month the money is for.
    benefit_month: String,
    /// `regular`, `arrears`, `adjustment`, `one_off`, `reissue`.
    kind: String,
    amount_fen: i64,
    members: i64,
    payee_name: String,
    bank: Option<String>,
    account_masked: Option<String>,
    /// `ready`, `blocked`, `cancelled`, `exported`, `paid`, `failed`, `reissued`.
    state: String,
    state_zh: String,
    block_reason: Option<String>,
    block_zh: Option<String>,
    note: String,
    failure: Option<String>,
    /// 补差: an adjustment line's benefit months and what each is paid (empty for other lines).
    parts: Vec<PartJson>,
    /// 收款安排: `institution` (供养服务机构) or `guardian` (监护人) when the line pays their
    /// account; null when it pays the household's own.
    payee_role: Option<String>,
}

/// One month an adjustment line pays for.
#[derive(Serialize, ToSchema)]
pub struct PartJson {
    /// `YYYY-MM`
    benefit_month: String,
    amount_fen: i64,
}

fn line_json(l: PaymentLine) -> LineJson {
    LineJson {
        id: l.id,
        payroll_id: l.payroll_id,
        reference: l.reference,
        household_id: l.household_id,
        region: l.region.to_string(),
        programme: l.programme.as_str().into(),
        benefit_month: month_label(l.benefit_month),
        kind: l.kind.as_str().into(),
        amount_fen: l.amount.0,
        members: l.members,
        payee_name: l.payee_name,
        bank: l.bank,
        account_masked: l.account.as_deref().map(mask::bank_account_no),
        state: l.state.as_str().into(),
        state_zh: l.state.zh().into(),
        block_reason: l.block.map(|b| b.as_str().into()),
        block_zh: l.block.map(|b| b.zh().into()),
        note: l.note,
        failure: l.failure_text,
        parts: l.parts.iter().map(|(m, f)| PartJson { benefit_month: m.format("%Y-%m").to_string(), amount_fen: f.0 }).collect(),
        payee_role: l.payee_role.map(|r| r.as_str().into()),
    }
}

/// A sum: lines and their total.
#[derive(Serialize, ToSchema)]
pub struct SumJson {
    /// A town code, a line state or a fund source.
    key: String,
    lines: Option<i64>,
    total_fen: i64,
}

/// One payroll with its sums, the lines waiting for the officer and the bank's exceptions.
#[derive(Serialize, ToSchema)]
pub struct PayrollViewJson {
    payroll: PayrollJson,
    by_town: Vec<SumJson>,
    by_state: Vec<SumJson>,
    /// 支付令 per fund source, once approved.
    by_fund: Vec<SumJson>,
    blocked_lines: Vec<LineJson>,
    failed_lines: Vec<LineJson>,
    /// Return-file lines that changed nothing, with the problem in words.
    exceptions: Vec<String>,
    /// 乡镇审核: the towns (in the caller's scope) that have signed off their part.
    town_reviews: Vec<TownReviewJson>,
}

/// One town's sign-off of its part of a payroll.
#[derive(Serialize, ToSchema)]
pub struct TownReviewJson {
    town: String,
    by: String,
    at: chrono::DateTime<chrono::Utc>,
    note: String,
}

fn view_json(v: PayrollView) -> PayrollViewJson {
    let t = v.totals;
    PayrollViewJson {
        payroll: payroll_json(v.payroll),
        by_town: t.by_town.into_iter().map(|(k, n, s)| SumJson { key: k, lines: Some(n), total_fen: s.0 }).collect(),
        by_state: t.by_state.into_iter().map(|(k, n, s)| SumJson { key: k.as_str().into(), lines: Some(n), total_fen: s.0 }).collect(),
        by_fund: t.by_fund.into_iter().map(|(k, s)| SumJson { key: k.as_str().into(), lines: None, total_fen: s.0 }).collect(),
        blocked_lines: v.blocked_lines.into_iter().map(line_json).collect(),
        failed_lines: v.failed_lines.into_iter().map(line_json).collect(),
        exceptions: v
            .exceptions
            .into_iter()
            .map(|e| format!("{} 第 {} 行 {}：{}", &e.file_sha256[..e.file_sha256.len().min(8)], e.line_no, e.reference, e.problem))
            .collect(),
        town_reviews: v
            .town_reviews
            .into_iter()
            .map(|t| TownReviewJson { town: t.town.as_str().into(), by: t.by.username, at: t.at, note: t.note })
            .collect(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM` (default: every month).
    month: Option<String>,
}

/// A decision on a payroll: the password typed again (approval and rejection) and a note (a
/// rejection's reason).
#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    #[serde(default)]
    password: String,
    #[serde(default)]
    note: String,
}

/// Payrolls in the caller's scope, newest month first.
#[utoipa::path(get, path = "/api/v1/payrolls", params(MonthQuery), responses((status = 200, body = [PayrollJson]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_payrolls(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<Vec<PayrollJson>>, WebError> {
    let month = q
        .month
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .map(|m| parse_month("month", m))
        .transpose()
        .map_err(|e| WebError::Invalid(e.into()))?;
    Ok(Json(state.payments.list(&u, month).await?.into_iter().map(payroll_json).collect()))
}

/// One payroll: state, totals by town and fund, blocked and failed lines with reasons.
#[utoipa::path(get, path = "/api/v1/payrolls/{id}", params(Id), responses((status = 200, body = PayrollViewJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_payroll(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<PayrollViewJson>, WebError> {
    Ok(Json(view_json(state.payments.show(&u, id).await?)))
}

async fn decided(state: &AppState, u: &User, id: i64) -> Result<Json<PayrollJson>, WebError> {
    Ok(Json(payroll_json(state.payments.show(u, id).await?.payroll)))
}

/// 乡镇审核: by another account than the one that generated it. 409 when the state does not allow it.
#[utoipa::path(post, path = "/api/v1/payrolls/{id}/review", params(Id), request_body = DecisionBody,
    responses((status = 200, body = PayrollJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_review(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(b): Json<DecisionBody>,
) -> Result<Json<PayrollJson>, WebError> {
    state.payments.review(&u, id, &b.note).await?;
    decided(&state, &u, id).await
}

/// 县级审批: the password again, never the account that generated or reviewed it; refused whole
/// when blocked lines remain or the funds lack the money.
#[utoipa::path(post, path = "/api/v1/payrolls/{id}/approve", params(Id), request_body = DecisionBody,
    responses((status = 200, body = PayrollJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_approve(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(b): Json<DecisionBody>,
) -> Result<Json<PayrollJson>, WebError> {
    state.payments.approve(&u, id, &b.password, &b.note).await?;
    decided(&state, &u, id).await
}

/// 退回: the password again and the reason; the month may then be generated again.
#[utoipa::path(post, path = "/api/v1/payrolls/{id}/reject", params(Id), request_body = DecisionBody,
    responses((status = 200, body = PayrollJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_reject(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(b): Json<DecisionBody>,
) -> Result<Json<PayrollJson>, WebError> {
    state.payments.reject(&u, id, &b.password, &b.note).await?;
    decided(&state, &u, id).await
}

/// A household's payment lines by month, newest first, with their state.
#[utoipa::path(get, path = "/api/v1/households/{id}/payments", params(Id), responses((status = 200, body = [LineJson]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_household_payments(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<Vec<LineJson>>, WebError> {
    Ok(Json(state.payments.household_payments(&u, id).await?.lines.into_iter().map(line_json).collect()))
}
