//! 查看完整信息: a household's identifiers in full, for a case worker, with a purpose and the
//! password typed again — the page and the API, one service method
//! ([`jiuzhu_registry::Registry::reveal`]) behind both.

use crate::error::{ErrorBody, WebError, html_escape};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, beijing_seconds, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new().route("/households/{id}/reveal", post(reveal)).route("/api/v1/households/{id}/reveal", post(api_reveal))
}

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

async fn reveal(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<RevealForm>,
) -> Response {
    let h = match state.registry.reveal(&session.user, id, &f.purpose, &f.password).await.map_err(WebError::from) {
        Ok(h) => h,
        Err(WebError::Invalid(v)) => {
            let msg = crate::frame::form_errors(&v, lang);
            let msg = format!("{msg} {}", lang.t("未显示完整信息，请返回重试。", "Nothing was shown; go back and try again."));
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(format!(
                    "<!doctype html><meta charset=utf-8><p>{}</p><p><a href=\"/households/{id}\">{}</a></p>",
                    html_escape(&msg),
                    lang.t("返回家庭档案", "Back to the household")
                )),
            )
                .into_response();
        }
        Err(e) => return e.page(lang.0),
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
    render(RevealPage {
        c: Chrome::new(&state, &session, lang, &format!("/households/{id}")).await,
        household_id: id,
        head: h.head().data.name.clone(),
        purpose: jiuzhu_domain::text::clean(&f.purpose).chars().take(200).collect(),
        members,
        phone: h.data.phone.clone().unwrap_or_default(),
        bank_account: h.data.bank_account.as_ref().map(|b| format!("{} {}", b.bank, b.account_no)).unwrap_or_default(),
        shown_at: beijing_seconds(state.clock.now()),
    })
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
#[utoipa::path(post, path = "/api/v1/households/{id}/reveal", params(crate::extract::Id), request_body = RevealBody,
    responses((status = 200, body = RevealView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_reveal(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(b): Json<RevealBody>,
) -> Result<Json<RevealView>, WebError> {
    let h = state.registry.reveal(&user, id, &b.purpose, &b.password).await?;
    Ok(Json(RevealView {
        household_id: h.id,
        purpose: jiuzhu_domain::text::clean(&b.purpose).chars().take(200).collect(),
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
    }))
}
