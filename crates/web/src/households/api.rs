//! The households' JSON API (`/api/v1/households…`). Money is fen; identifiers come masked.

use super::view::{HistoryView, HouseholdView, SummaryView};
use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, RequireUser};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuzhu_domain::{HouseholdInput, MemberInput};
use jiuzhu_registry::{NewHouseholdInput, RecordsInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// A full ID number, a region code or name, or the start of a member's name. Empty: all.
    #[serde(default)]
    pub q: String,
    /// Continue after this household id (from `next_after`).
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub after: Option<Id>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdList {
    pub items: Vec<SummaryView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// Households in the caller's region matching the search; identifiers masked.
#[utoipa::path(get, path = "/api/v1/households", params(SearchParams), responses((status = 200, body = HouseholdList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list_households(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Query(p): Query<SearchParams>,
) -> Result<Json<HouseholdList>, WebError> {
    let found = state.registry.search(&user, &p.q, p.after.map_or(0, |a| a.0)).await?;
    let next_after = (found.len() as i64 == jiuzhu_registry::PAGE_SIZE).then(|| found.last().map(|h| h.id)).flatten();
    Ok(Json(HouseholdList { items: found.iter().map(|s| SummaryView::new(s, user.role)).collect(), next_after }))
}

/// One household with members and records; 404 outside the caller's region.
#[utoipa::path(get, path = "/api/v1/households/{id}", params(crate::extract::Id), responses((status = 200, body = HouseholdView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_household(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<HouseholdView>, WebError> {
    let h = state.registry.get(&user, id).await?;
    let hukou = state.registry.region_names(&h.data.hukou_region).await;
    let residence = state.registry.region_names(&h.data.residence_region).await;
    Ok(Json(HouseholdView::new(&h, user.role, hukou, residence, state.clock.today())))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Register a household: household fields, `members` (head first), and optional `incomes`,
/// `assets`, `expenses`, `supporters` (member references are indexes into `members`).
#[utoipa::path(post, path = "/api/v1/households", request_body(content = Object, description = "NewHouseholdInput"),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create_household(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Json(input): Json<NewHouseholdInput>,
) -> Result<Response, WebError> {
    let id = state.registry.create(&user, &input, state.clock.today()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize)]
pub struct Versioned<T> {
    /// The version the edit started from.
    pub version: i64,
    #[serde(flatten)]
    pub body: T,
}

/// Replace the household-level fields. Body: the household fields and `version`.
#[utoipa::path(put, path = "/api/v1/households/{id}", params(crate::extract::Id), request_body(content = Object, description = "HouseholdInput + version"),
    responses((status = 204), (status = 409, body = ErrorBody, description = "changed by someone else"), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_household(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(v): Json<Versioned<HouseholdInput>>,
) -> Result<StatusCode, WebError> {
    state.registry.update_household(&user, id, v.version, &v.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a member. Body: member fields and the household's `version`.
#[utoipa::path(post, path = "/api/v1/households/{id}/members", params(crate::extract::Id), request_body(content = Object, description = "MemberInput + version"),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(v): Json<Versioned<MemberInput>>,
) -> Result<Response, WebError> {
    let mid = state.registry.add_member(&user, id, v.version, &v.body, state.clock.today()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: mid })).into_response())
}

/// Replace a member's fields. Body: member fields and the household's `version`.
#[utoipa::path(put, path = "/api/v1/households/{id}/members/{member_id}", params(("id" = i64, Path, description = "the household"), ("member_id" = i64, Path, description = "the member")), request_body(content = Object, description = "MemberInput + version"),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_member(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(ids): Path<(Id, Id)>,
    Json(v): Json<Versioned<MemberInput>>,
) -> Result<StatusCode, WebError> {
    let (Id(id), Id(member_id)) = ids;
    state.registry.update_member(&user, id, member_id, v.version, &v.body, state.clock.today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct MoveRequest {
    pub version: i64,
    pub to_household: i64,
}

/// Move a member to another household in the caller's region (recorded in both histories).
#[utoipa::path(post, path = "/api/v1/households/{id}/members/{member_id}/move", params(("id" = i64, Path, description = "the household"), ("member_id" = i64, Path, description = "the member")), request_body(content = Object, description = "{version, to_household}"),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn move_member(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(ids): Path<(Id, Id)>,
    Json(m): Json<MoveRequest>,
) -> Result<StatusCode, WebError> {
    let (Id(id), Id(member_id)) = ids;
    state.registry.move_member(&user, id, member_id, m.version, m.to_household).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace incomes, assets, expenses and supporters at once (member references are member ids).
#[utoipa::path(put, path = "/api/v1/households/{id}/records", params(crate::extract::Id), request_body(content = Object, description = "RecordsInput + version"),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn replace_records(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(v): Json<Versioned<RecordsInput>>,
) -> Result<StatusCode, WebError> {
    state.registry.replace_records(&user, id, v.version, &v.body, state.clock.today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The household's change history (identifiers masked).
#[utoipa::path(get, path = "/api/v1/households/{id}/history", params(crate::extract::Id), responses((status = 200, body = Vec<HistoryView>), (status = 404, body = ErrorBody)))]
pub(crate) async fn household_history(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<Vec<HistoryView>>, WebError> {
    let entries = state.registry.history(&user, id).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| {
                let at = e.at.to_rfc3339();
                HistoryView::new(e, at)
            })
            .collect(),
    ))
}
