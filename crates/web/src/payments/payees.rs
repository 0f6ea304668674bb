//! 收款安排 page of a household: where its benefit goes when not to its own account (the
//! 供养服务机构 of 集中供养, a child's 监护人, the 照料护理人 of a 特困 person cared for at home). The town reviewer records or ends one with the
//! password again; everyone who reads payments sees them masked. Each handler parses, calls one
//! service method and renders.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::Permission;
use jiuzhu_domain::payment::month_label;
use jiuzhu_domain::payment::payee::{PayeeInput, PayeeRole};
use jiuzhu_payments::PayeeView;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/households/{id}/payees", get(page).post(submit)).route("/households/{id}/payees/{pid}/end", post(end_submit))
}

/// What was typed (kept after a refusal; the password never).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PayeeForm {
    role: String,
    name: String,
    code: String,
    bank: String,
    account_no: String,
    basis: String,
    care_amount: String,
    from_month: String,
    password: String,
}

pub struct PayeeRow {
    id: i64,
    role: String,
    programmes: String,
    name: String,
    code: String,
    account: String,
    basis: String,
    recorded: String,
}

fn row(p: &PayeeView, lang: PageLang) -> PayeeRow {
    PayeeRow {
        id: p.id,
        role: lang.t(p.role.zh(), p.role.en()).into(),
        programmes: match p.role {
            PayeeRole::Institution => lang.t("特困人员供养金", "Extreme-poverty support").into(),
            PayeeRole::Guardian => {
                lang.t("低保、特困（无供养机构时）、临时救助", "all programmes (特困 only without an institution)").into()
            }
            PayeeRole::Carer => p.care.map_or_else(String::new, |c| {
                let zh = format!("照料护理费 {} 元/月，自{}起", c.monthly, month_label(c.from_month));
                let en = format!("care allowance {} a month from {}", c.monthly, c.from_month.format("%Y-%m"));
                lang.t(&zh, &en).to_string()
            }),
        },
        name: p.name.clone(),
        code: p.code_masked.clone(),
        account: format!("{} {}", p.bank, p.account_masked),
        basis: p.basis.clone(),
        recorded: format!("{} {}", p.recorded_by, p.recorded_on),
    }
}

#[derive(Template)]
#[template(path = "payees.html")]
struct PayeesPage {
    c: Chrome,
    household_id: i64,
    rows: Vec<PayeeRow>,
    form: PayeeForm,
    error: String,
    notice: String,
    can_arrange: bool,
    /// The arrangements in force: a draft typed before one was recorded or ended is not put back.
    draft_version: String,
}

async fn view(state: &AppState, session: &SignedIn, lang: PageLang, id: i64, form: PayeeForm, error: String, notice: &str) -> Response {
    let payees = match state.payments.household_payments(&session.user, id).await {
        Ok(p) => p.payees,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = PayeesPage {
        c: Chrome::new(state, session, lang, &format!("/households/{id}")).await,
        household_id: id,
        rows: payees.iter().map(|p| row(p, lang)).collect(),
        form: PayeeForm { password: String::new(), ..form },
        error,
        notice: notice.into(),
        can_arrange: session.user.can(Permission::ArrangePayee),
        draft_version: payees.iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join("-"),
    };
    (status, render(page)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Done {
    done: String,
}

async fn page(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Response {
    let notice = match q.done.as_str() {
        "set" => lang.t("收款安排已登记：自下次生成的清册起按此发放；首笔将以“账号变更”暂停，由财务人员核对后放行。", "Recorded: payrolls generated from now on pay this account; its first line stops as \"account changed\" for the finance officer to confirm."),
        "end" => lang.t("收款安排已终止：自下次生成的清册起发放至本户账户（照料护理费并入本人特困人员供养金）。", "Ended: payrolls generated from now on pay the household's own account (a care allowance goes back into the person's support)."),
        _ => "",
    };
    view(&state, &session, lang, id, PayeeForm::default(), String::new(), notice).await
}

async fn submit(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>, Form(f): Form<PayeeForm>) -> Response {
    let input = PayeeInput {
        role: f.role.clone(),
        name: f.name.clone(),
        code: f.code.clone(),
        bank: f.bank.clone(),
        account_no: f.account_no.clone(),
        basis: f.basis.clone(),
        care_amount: f.care_amount.clone(),
        from_month: f.from_month.clone(),
    };
    match state.payments.set_payee(&session.user, &f.password, id, &input).await {
        Ok(_) => Redirect::to(&format!("/households/{id}/payees?done=set")).into_response(),
        Err(e) => match super::refusal_text(e.into(), lang) {
            Ok(m) => view(&state, &session, lang, id, f, m, "").await,
            Err(e) => e.page(lang.0),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EndForm {
    password: String,
}

async fn end_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path((id, payee)): Path<(i64, i64)>,
    Form(f): Form<EndForm>,
) -> Response {
    match state.payments.end_payee(&session.user, &f.password, id, payee).await {
        Ok(()) => Redirect::to(&format!("/households/{id}/payees?done=end")).into_response(),
        Err(e) => match super::refusal_text(e.into(), lang) {
            Ok(m) => view(&state, &session, lang, id, PayeeForm::default(), m, "").await,
            Err(e) => e.page(lang.0),
        },
    }
}
