//! 家庭档案: the household list and search, one household's page, registering and editing
//! households and members — as pages and as the JSON API. Every read and write goes through the
//! registry service, which checks role and region scope and records what was read.

pub mod api;
pub mod declaration;
mod members;
mod pages;
pub mod view;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(pages::households))
        .route("/households/new", get(pages::new_household_page).post(pages::new_household_submit))
        .route("/households/{id}", get(pages::household_page))
        .route("/households/{id}/declaration", get(declaration::declaration_page).post(declaration::declaration_submit))
        .route("/households/{id}/edit", get(pages::edit_household_page).post(pages::edit_household_submit))
        .route("/households/{id}/members/new", get(members::new_member_page).post(members::new_member_submit))
        .route("/households/{id}/members/{mid}/edit", get(members::edit_member_page).post(members::edit_member_submit))
        .route("/households/{id}/members/{mid}/move", post(members::move_member_submit))
        .route("/ui/validate/member", post(members::validate_member))
        .route("/api/v1/households", get(api::list_households).post(api::create_household))
        .route("/api/v1/households/{id}", get(api::get_household).put(api::update_household))
        .route("/api/v1/households/{id}/members", post(api::add_member))
        .route("/api/v1/households/{id}/members/{member_id}", put(api::update_member))
        .route("/api/v1/households/{id}/members/{member_id}/move", post(api::move_member))
        .route("/api/v1/households/{id}/records", put(api::replace_records))
        .route("/api/v1/households/{id}/history", get(api::household_history))
}
