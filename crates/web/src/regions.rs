//! The region tree (行政区划), one level at a time, limited to the caller's region, with the
//! households each part holds — the page and the API.

use crate::error::WebError;
use crate::extract::{Page, RequireUser};
use crate::frame::{Chrome, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use jiuzhu_domain::{Division, RegionCode, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/regions", get(regions_page)).route("/api/v1/regions", get(regions))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct RegionParams {
    /// Parent code; absent for the top of the caller's tree.
    pub parent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub level: String,
    pub households: i64,
}

/// One level of the tree under `parent` (the top of the caller's tree when absent or empty).
async fn level(state: &AppState, user: &User, parent: Option<&str>) -> Result<(Vec<Division>, Vec<RegionView>), WebError> {
    let parent = parent.filter(|p| !p.is_empty()).map(RegionCode::parse).transpose().map_err(|e| WebError::Invalid(e.into()))?;
    let tree = state.registry.region_tree(user, parent.as_ref()).await?;
    let children = tree
        .children
        .into_iter()
        .map(|(d, households)| RegionView { level: d.code.level().as_str().into(), code: d.code.to_string(), name: d.name, households })
        .collect();
    Ok((tree.crumbs, children))
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    c: Chrome,
    crumbs: Vec<Division>,
    children: Vec<RegionView>,
}

async fn regions_page(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<RegionParams>) -> Response {
    let (crumbs, children) = match level(&state, &session.user, q.parent.as_deref()).await {
        Ok(x) => x,
        Err(e) => return e.page(lang.0),
    };
    let c = Chrome::new(&state, &session, lang, "/regions").await;
    render(RegionsPage { c, crumbs, children })
}

/// The region tree, one level at a time, limited to the caller's region.
#[utoipa::path(get, path = "/api/v1/regions", params(RegionParams), responses((status = 200, body = Vec<RegionView>)))]
pub(crate) async fn regions(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Query(p): Query<RegionParams>,
) -> Result<Json<Vec<RegionView>>, WebError> {
    Ok(Json(level(&state, &user, p.parent.as_deref()).await?.1))
}
