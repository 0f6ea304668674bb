//! Casework over HTTP: the queues, intake at the one window, the case page with the steps the
//! user may take, the phone survey form with photos, the print-ready notices, the public notice
//! list (names masked), the holiday calendar import, reports on benefits — and the JSON API for
//! the same operations. Every handler goes through the casework service, which checks role and
//! region scope and records what it read.

mod benefits;
mod calendar;
pub mod case_page;
mod documents;
pub mod intake;
pub mod publicity;
pub mod queue;
mod step_form;
pub mod survey;
pub mod views;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use jiuzhu_casework::service::MAX_PHOTO_BYTES;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(queue::queue_page))
        .route("/households/{id}/intake", get(intake::intake_page).post(intake::intake_submit))
        .route("/cases/bulk", post(queue::bulk_submit))
        .route("/api/v1/cases/bulk", post(queue::api_bulk))
        .route("/cases/{id}", get(case_page::case_page))
        .route("/cases/{id}/step", post(case_page::step_submit))
        .route("/cases/{id}/survey", get(survey::survey_page))
        // A photo is up to 5 MB; axum's default limit for a body read whole is 2 MB.
        .route("/cases/{id}/photos", post(survey::photo_upload).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + 64 * 1024)))
        .route("/cases/{id}/photos/{pid}", get(survey::photo_get))
        .route("/cases/{id}/photos/{pid}/remove", post(survey::photo_remove))
        .route("/cases/{id}/documents/{doc}", get(documents::document_page))
        .route("/publicity", get(publicity::publicity_page))
        .route("/admin/calendar", get(calendar::calendar_page).post(calendar::calendar_submit))
        .route("/api/v1/households/{id}/intakes", post(intake::api_intake))
        .route("/api/v1/households/{id}/cases", get(intake::api_household_cases))
        .route("/api/v1/cases", get(queue::api_queue))
        .route("/api/v1/cases/{id}", get(case_page::api_case))
        .route("/api/v1/cases/{id}/steps", post(case_page::api_step))
        .route(
            "/api/v1/cases/{id}/photos",
            get(survey::api_photos).post(survey::api_photo_upload).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + 64 * 1024)),
        )
        .route("/api/v1/investigators", get(survey::api_investigators))
        .route("/api/v1/publicity", get(publicity::api_publicity))
        .route("/benefits/{id}/report", post(benefits::report_submit))
        .route("/benefits/{id}/job-refusal", post(benefits::refusal_submit))
}
