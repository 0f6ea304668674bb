//! 资金发放 pages: this month's payrolls with their totals and the generation of a month (资金管理员),
//! one payroll with its sums by town and fund, the blocked lines to clear, review and approval
//! with the password, the bank file download and the bank's return file. Each handler parses,
//! calls one service method and renders; the rules are the payments service's.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_minutes, form_errors, reauth_fresh, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, Months};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{LineState, PayrollState, month_label, parse_month};
use jiuzhu_domain::{Division, Fen, Permission, RegionCode, mask};
use jiuzhu_payments::bankfile;
use jiuzhu_store::{PaymentLine, Payroll};
use serde::Deserialize;

/// A return file uploaded through the page; larger ones with `jiuzhu payroll reconcile`.
const MAX_RETURN_BYTES: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/payrolls", get(list_page).post(generate_submit))
        .route("/payrolls/{id}", get(payroll_page))
        .route("/payrolls/{id}/decide", post(decide_submit))
        .route("/payrolls/{id}/lines/{line}", post(clear_submit))
        .route("/payrolls/{id}/export", post(export_submit))
        .route("/payrolls/{id}/returns", post(returns_submit).layer(DefaultBodyLimit::max(MAX_RETURN_BYTES + 64 * 1024)))
}

/// A payroll as a row.
pub struct PayrollRow {
    id: i64,
    programme: String,
    month: String,
    state: String,
    state_code: &'static str,
    lines: i64,
    total: String,
    blocked: i64,
    /// 每月 10 日前未报盘: flagged (the money is late).
    late: bool,
    generated: String,
    reviewed: String,
    approved: String,
    note: String,
}

fn payroll_row(p: &Payroll, lang: PageLang, today: chrono::NaiveDate) -> PayrollRow {
    let who = |a: &Option<jiuzhu_domain::Actor>, at: Option<chrono::DateTime<chrono::Utc>>| match (a, at) {
        (Some(a), Some(at)) => format!("{} {}", a.username, beijing_minutes(at)),
        _ => String::new(),
    };
    let due = p.month.with_day(10).unwrap_or(p.month);
    PayrollRow {
        id: p.id,
        programme: lang.t(p.programme.zh(), p.programme.en()).into(),
        month: month_label(p.month),
        state: lang.t(p.state.zh(), p.state.en()).into(),
        state_code: p.state.as_str(),
        lines: p.lines,
        total: p.total.to_string(),
        blocked: p.blocked,
        late: today > due && matches!(p.state, PayrollState::Generated | PayrollState::Reviewed | PayrollState::Approved) && p.lines > 0,
        generated: format!("{} {}", p.generated_by.username, beijing_minutes(p.generated_at)),
        reviewed: who(&p.reviewed_by, p.reviewed_at),
        approved: who(&p.approved_by, p.approved_at),
        note: p.note.clone(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthForm {
    /// `YYYY-MM`
    month: String,
}

#[derive(Template)]
#[template(path = "payrolls.html")]
struct PayrollsPage {
    c: Chrome,
    month: String,
    error: String,
    rows: Vec<PayrollRow>,
    can_generate: bool,
}

async fn list_view(state: &AppState, session: &SignedIn, lang: PageLang, month: String, error: String) -> Response {
    let parsed = if month.trim().is_empty() { None } else { parse_month("month", &month).ok() };
    let payrolls = match state.payments.list(&session.user, parsed).await {
        Ok(p) => p,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let today = state.clock.today();
    let page = PayrollsPage {
        c: Chrome::new(state, session, lang, "/payrolls").await,
        month: if month.is_empty() { month_label(month_start(today).checked_add_months(Months::new(1)).unwrap_or(today)) } else { month },
        rows: payrolls.iter().map(|p| payroll_row(p, lang, today)).collect(),
        can_generate: session.user.can(Permission::ManagePayments),
        error,
    };
    let status = if page.error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(page)).into_response()
}

async fn list_page(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<MonthForm>) -> Response {
    list_view(&state, &session, lang, q.month, String::new()).await
}

/// 生成清册 for the user's county and the month typed.
async fn generate_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<MonthForm>) -> Response {
    let result = match (parse_month("month", &f.month), session.user.scope.0.county()) {
        (Ok(month), Some(county)) => state.payments.generate(Some(&session.user), &county, month).await.map_err(WebError::from),
        (Err(e), _) => Err(WebError::Invalid(e.into())),
        (_, None) => Err(WebError::Forbidden),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/payrolls?month={}", f.month.trim())).into_response(),
        Err(WebError::Invalid(v)) => list_view(&state, &session, lang, f.month, form_errors(&v, lang)).await,
        Err(e @ WebError::Refused { .. }) => {
            let b = e.body();
            list_view(&state, &session, lang, f.month, lang.t(&b.message, &b.message_en).into()).await
        }
        Err(e) => e.page(lang.0),
    }
}

/// A line as the officer sees it (account masked).
pub struct LineRow {
    id: i64,
    reference: String,
    household_id: i64,
    benefit_month: String,
    kind: String,
    amount: String,
    payee: String,
    account: String,
    reason: String,
    confirmable: bool,
    note: String,
}

fn line_row(l: &PaymentLine, lang: PageLang) -> LineRow {
    LineRow {
        id: l.id,
        reference: l.reference.clone(),
        household_id: l.household_id,
        benefit_month: month_label(l.benefit_month),
        kind: lang.t(l.kind.zh(), l.kind.en()).into(),
        // 实发, and what was withheld (扣回) when anything was.
        amount: if l.withheld.0 > 0 {
            format!("{}（{} {}）", l.amount, lang.t("扣回", "withheld"), l.withheld)
        } else {
            l.amount.to_string()
        },
        payee: mask::name(&l.payee_name),
        account: l.account.as_deref().map(mask::bank_account_no).unwrap_or_else(|| lang.t("（无）", "(none)").into()),
        reason: match (l.block, &l.failure_text) {
            (Some(b), _) => lang.t(b.zh(), b.en()).into(),
            (None, Some(f)) => f.clone(),
            _ => String::new(),
        },
        confirmable: l.block.is_some_and(|b| b.confirmable()),
        note: l.note.clone(),
    }
}

/// One line of a household's 发放记录 (its page), account masked.
pub(crate) struct HouseholdPaymentRow {
    pub payroll_id: i64,
    pub month: String,
    pub programme: String,
    pub kind: String,
    pub amount: String,
    pub state: String,
    /// Paid, or still on its way: not a problem to show.
    pub settled_or_pending: bool,
    pub account: String,
    pub reason: String,
}

pub(crate) fn household_payment_rows(lines: &[PaymentLine], lang: PageLang) -> Vec<HouseholdPaymentRow> {
    lines
        .iter()
        .map(|l| {
            let row = line_row(l, lang);
            HouseholdPaymentRow {
                payroll_id: l.payroll_id,
                month: row.benefit_month,
                programme: lang.t(l.programme.zh(), l.programme.en()).into(),
                kind: row.kind,
                amount: row.amount,
                state: lang.t(l.state.zh(), l.state.en()).into(),
                settled_or_pending: !matches!(l.state, LineState::Failed | LineState::Blocked),
                account: row.account,
                // An adjustment says which months it makes up (the household asks "why this sum?").
                reason: if row.reason.is_empty() && !l.parts.is_empty() { parts_text(&l.parts, lang) } else { row.reason },
            }
        })
        .collect()
}

/// 补差 2027-01 25.00 元；2027-02 25.00 元
fn parts_text(parts: &[(chrono::NaiveDate, jiuzhu_domain::Fen)], lang: PageLang) -> String {
    let each: Vec<String> = parts.iter().map(|(m, f)| format!("{} {f} {}", m.format("%Y-%m"), lang.t("元", "yuan"))).collect();
    format!("{} {}", lang.t("补差", "making up"), each.join(lang.t("；", "; ")))
}

/// A household's receivables as (reason, amount owed back, withheld and refunded, still owed).
pub(crate) fn household_receivable_rows(list: &[jiuzhu_store::Receivable], lang: PageLang) -> Vec<(String, String, String, String)> {
    list.iter()
        .map(|r| {
            let back = format!("{} {} / {} {}", lang.t("扣回", "withheld"), r.offset, lang.t("退回", "refunded"), r.refunded);
            (format!("{}：{}", lang.t(r.reason.zh(), r.reason.en()), r.note), r.amount.to_string(), back, r.outstanding.to_string())
        })
        .collect()
}

#[derive(Template)]
#[template(path = "payroll.html")]
struct PayrollPage {
    c: Chrome,
    p: PayrollRow,
    error: String,
    notice: String,
    /// The decision's note as typed (kept after a refusal).
    note: String,
    /// Town, lines, amount, and its 乡镇审核 (who and when, or still to review).
    by_town: Vec<(String, i64, String, String)>,
    /// The user reviews its own town's part (a town's account).
    town_part: bool,
    by_state: Vec<(String, i64, String)>,
    by_fund: Vec<(String, String)>,
    blocked: Vec<LineRow>,
    failed: Vec<LineRow>,
    exceptions: Vec<String>,
    layouts: Vec<(String, String)>,
    can_manage: bool,
    /// Link lines to their households (roles that read them).
    can_households: bool,
    can_review: bool,
    can_approve: bool,
    /// 作废 before the money left (the finance officer).
    can_cancel: bool,
    reauth_fresh: bool,
}

async fn payroll_view(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    id: i64,
    error: String,
    notice: String,
    note: String,
) -> Response {
    let v = match state.payments.show(&session.user, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let u = &session.user;
    let s = v.payroll.state;
    let sum = |f: Fen| f.to_string();
    let signed = &v.town_reviews;
    let town_part = !v.payroll.region.is_within(&u.scope.0);
    let mine_signed = signed.iter().any(|t| t.town == u.scope.0);
    let page = PayrollPage {
        c: Chrome::new(state, session, lang, "/payrolls").await,
        p: payroll_row(&v.payroll, lang, state.clock.today()),
        error,
        notice,
        note,
        by_town: v
            .totals
            .by_town
            .iter()
            .map(|(t, n, f)| {
                let name = RegionCode::parse(t).ok().and_then(|c| Division::find(&c)).map(|d| d.name).unwrap_or_default();
                let review = match signed.iter().find(|x| x.town.as_str() == t) {
                    Some(x) => format!("{} {}", x.by.username, beijing_minutes(x.at)),
                    None if v.payroll.reviewed_by.is_some() => lang.t("县级统一审核", "reviewed by the county").to_string(),
                    None => lang.t("待审核", "to review").to_string(),
                };
                (format!("{name} {t}"), *n, sum(*f), review)
            })
            .collect(),
        by_state: v.totals.by_state.iter().map(|(st, n, f)| (lang.t(st.zh(), st.en()).to_string(), *n, sum(*f))).collect(),
        by_fund: v.totals.by_fund.iter().map(|(fund, f)| (lang.t(fund.zh(), fund.en()).to_string(), sum(*f))).collect(),
        blocked: v.blocked_lines.iter().map(|l| line_row(l, lang)).collect(),
        failed: v.failed_lines.iter().map(|l| line_row(l, lang)).collect(),
        exceptions: v.exceptions.iter().map(|e| format!("第 {} 行 {}：{}", e.line_no, e.reference, e.problem)).collect(),
        layouts: bankfile::layouts().iter().map(|l| (l.name.clone(), lang.t(&l.description_zh, &l.description_en).to_string())).collect(),
        can_manage: u.can(Permission::ManagePayments),
        can_households: u.can(Permission::ReadHousehold),
        can_review: u.can(Permission::ReviewPayroll) && s == PayrollState::Generated && !(town_part && mine_signed),
        town_part,
        can_approve: u.can(Permission::ApprovePayroll) && matches!(s, PayrollState::Generated | PayrollState::Reviewed),
        can_cancel: u.can(Permission::ManagePayments)
            && matches!(s, PayrollState::Generated | PayrollState::Reviewed | PayrollState::Approved),
        reauth_fresh: reauth_fresh(state, session, Guarded::Payroll),
    };
    let status = if page.error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(page)).into_response()
}

async fn payroll_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    payroll_view(&state, &session, lang, id, String::new(), String::new(), String::new()).await
}

/// A refusal shown on the payroll's page with the note as typed (the line forms keep a tab draft).
async fn refused(state: &AppState, session: &SignedIn, lang: PageLang, id: i64, e: WebError, note: String) -> Response {
    match super::refusal_text(e, lang) {
        Ok(message) => payroll_view(state, session, lang, id, message, String::new(), note).await,
        Err(e) => e.page(lang.0),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    /// `review`, `approve`, `reject`, `cancel`
    action: String,
    password: String,
    note: String,
}

async fn decide_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<DecideForm>,
) -> Response {
    let u = &session.user;
    let r = match f.action.as_str() {
        "review" => state.payments.review(u, id, &f.note).await,
        "approve" => state.payments.approve(u, id, &f.password, &f.note).await,
        "reject" => state.payments.reject(u, id, &f.password, &f.note).await,
        "cancel" => state.payments.cancel(Some(u), id, &f.note).await,
        _ => return WebError::NotFound.page(lang.0),
    };
    match r {
        Ok(_) => Redirect::to(&format!("/payrolls/{id}")).into_response(),
        Err(e) => refused(&state, &session, lang, id, e.into(), f.note).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClearForm {
    /// `release` or `cancel`
    decision: String,
    note: String,
}

async fn clear_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path((id, line)): Path<(i64, i64)>,
    Form(f): Form<ClearForm>,
) -> Response {
    match state.payments.clear_line(&session.user, id, line, f.decision == "release", &f.note).await {
        Ok(_) => Redirect::to(&format!("/payrolls/{id}")).into_response(),
        Err(e) => refused(&state, &session, lang, id, e.into(), String::new()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportForm {
    layout: String,
    password: String,
}

/// 报盘: the bank file written in memory (never on the server's disk), read back, handed out once.
async fn export_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<ExportForm>,
) -> Response {
    let written =
        state.payments.export(Some((&session.user, &f.password)), id, &f.layout, Vec::new(), |v| Ok(std::io::Cursor::new(v))).await;
    let (report, file) = match written {
        Ok(w) => w,
        Err(e) => return refused(&state, &session, lang, id, e.into(), String::new()).await,
    };
    let layout = bankfile::layout(&report.layout);
    let ext = layout.map(|l| l.file_extension()).unwrap_or("txt");
    let mut r = (StatusCode::OK, file.into_inner()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(layout.map(|l| l.content_type()).unwrap_or("text/plain")));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"payroll-{id}-{}.{ext}\"", report.layout)) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// 回盘: the bank's return file (multipart field `file`).
async fn returns_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    mut form: Multipart,
) -> Response {
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => match f.bytes().await {
                Ok(b) => file = Some(b.to_vec()),
                Err(_) => break,
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => break,
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let e = jiuzhu_domain::FieldError::new(
            "file",
            "required",
            "请选择银行回盘文件（不超过 64 MB；更大的文件请用命令行导入）",
            "choose the bank's return file (up to 64 MB; larger ones from the command line)",
        );
        return refused(&state, &session, lang, id, WebError::Invalid(e.into()), String::new()).await;
    };
    match state.payments.reconcile(Some(&session.user), id, None, &bytes).await {
        Ok(r) => {
            let notice = if r.already_seen {
                lang.t("该回盘文件已导入过，未作任何更改。", "This return file was imported before; nothing changed.").to_string()
            } else {
                lang.t(
                    &format!("回盘已导入：到账 {} 笔，失败 {} 笔，冲正 {} 笔，异常 {} 笔。", r.paid, r.failed, r.reversed, r.exceptions),
                    &format!(
                        "Return file imported: {} paid, {} failed, {} reversed, {} exceptions.",
                        r.paid, r.failed, r.reversed, r.exceptions
                    ),
                )
                .to_string()
            };
            payroll_view(&state, &session, lang, id, String::new(), notice, String::new()).await
        }
        Err(e) => refused(&state, &session, lang, id, e.into(), String::new()).await,
    }
}
