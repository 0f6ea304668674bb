//! Reports on a granted benefit: a change or a death (opens a review), a refused job offer.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct ReportForm {
    /// `change` or `death`.
    kind: String,
    #[serde(default)]
    member: String,
    note: String,
}

/// 情况变化 or a death reported on a benefit: opens a review and shows it.
pub(super) async fn report_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<ReportForm>,
) -> Response {
    let member = Some(f.member.trim().to_string()).filter(|m| !m.is_empty());
    match state.casework.report_change(&session.user, id, f.kind == "death", member, &f.note, state.clock.today()).await {
        Ok(case_id) => Redirect::to(&format!("/cases/{case_id}")).into_response(),
        Err(e) => WebError::from(e).page(lang.0),
    }
}

#[derive(Deserialize)]
pub(super) struct RefusalForm {
    member: String,
    offer: String,
    household_id: Id,
}

pub(super) async fn refusal_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<RefusalForm>,
) -> Response {
    match state.casework.record_job_refusal(&session.user, id, &f.member, &f.offer, state.clock.today()).await {
        Ok(_) => Redirect::to(&format!("/households/{}", f.household_id.0)).into_response(),
        Err(e) => WebError::from(e).page(lang.0),
    }
}
