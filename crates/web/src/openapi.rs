//! The JSON API's description (`/api/v1/…`): OpenAPI at `/api/openapi.json` with a vendored
//! Swagger UI at `/api/docs`. The handlers live with their pages, one module per resource.

use crate::error::ErrorBody;
use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    modifiers(&CommonErrors),
    info(
        title = "jiuzhu 救助 API",
        description = "Integrated social assistance platform. Money is integer fen; identifiers are masked. \
        Log in with POST /api/v1/session, then send the session cookie and, on state-changing calls, the X-CSRF-Token header."
    ),
    paths(
        crate::session::api_login,
        crate::session::api_logout,
        crate::households::api::list_households,
        crate::households::api::get_household,
        crate::households::api::create_household,
        crate::households::api::update_household,
        crate::households::api::add_member,
        crate::households::api::update_member,
        crate::households::api::move_member,
        crate::households::api::replace_records,
        crate::households::api::household_history,
        crate::regions::regions,
        crate::assess::assess_public,
        crate::assess::assess_household,
        crate::assess::list_assessments,
        crate::cases::intake::api_intake,
        crate::cases::intake::api_household_cases,
        crate::cases::queue::api_queue,
        crate::cases::case_page::api_case,
        crate::cases::case_page::api_step,
        crate::cases::queue::api_bulk,
        crate::cases::survey::api_photos,
        crate::cases::survey::api_photo_upload,
        crate::cases::survey::api_investigators,
        crate::cases::publicity::api_publicity,
        crate::reveal::api_reveal,
        crate::payments::api::api_payrolls,
        crate::payments::api::api_payroll,
        crate::payments::api::api_review,
        crate::payments::api::api_approve,
        crate::payments::api::api_reject,
        crate::payments::api::api_household_payments,
        crate::public::api::regions,
        crate::public::api::guide,
        crate::public::api::notices,
        crate::public::api::progress,
        crate::public::api::report
    ),
    components(schemas(
        ErrorBody,
        crate::extract::Id,
        crate::households::view::SummaryView,
        crate::households::view::HouseholdView,
        crate::households::view::DeclarationJson,
        crate::households::view::HistoryView,
        crate::households::api::HouseholdList,
        crate::households::api::Created,
        crate::session::LoginRequest,
        crate::session::LoginResponse,
        crate::regions::RegionView,
        crate::cases::intake::IntakeBody,
        crate::cases::intake::IntakeCreated,
        crate::cases::views::QueueView,
        crate::cases::views::CaseRow,
        crate::cases::views::CountsView,
        crate::cases::views::CaseJson,
        crate::cases::views::EventView,
        crate::cases::case_page::StepBody,
        crate::cases::publicity::PublicLine,
        crate::cases::queue::BulkBody,
        crate::cases::queue::BulkItem,
        crate::cases::queue::BulkView,
        crate::cases::survey::PhotoId,
        crate::cases::survey::InvestigatorView,
        crate::reveal::RevealBody,
        crate::reveal::RevealView,
        crate::reveal::RevealedMemberView,
        crate::payments::api::PayrollJson,
        crate::payments::api::LineJson,
        crate::payments::api::PartJson,
        crate::payments::api::SumJson,
        crate::payments::api::PayrollViewJson,
        crate::payments::api::TownReviewJson,
        crate::payments::api::DecisionBody,
        crate::public::api::Words,
        crate::public::api::PublicRegion,
        crate::public::api::StandardView,
        crate::public::api::ProgrammeView,
        crate::public::api::ContactsView,
        crate::public::api::GuideView,
        crate::public::api::NoticeView,
        crate::public::api::PaymentLineView,
        crate::public::api::PaymentListView,
        crate::public::api::NoticesView,
        crate::public::api::ProgressQuery,
        crate::public::api::StepView,
        crate::public::api::OutcomeView,
        crate::public::api::CaseProgressView,
        crate::public::api::ProgressView,
        crate::public::api::ReportQuery,
        crate::public::api::ReportView
    ))
)]
pub struct ApiDoc;

/// The errors any operation may answer, documented once for all of them (schemathesis checks
/// every status against the document): a malformed query or path (400), not signed in (401),
/// the role, CSRF or a password still to change (403), a body that is not JSON (415), invalid
/// fields (422). Each is an [`ErrorBody`].
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let common = [
            ("400", "请求参数格式不正确 / malformed query or path parameter"),
            ("401", "未登录 / not signed in"),
            ("403", "无权限、CSRF 令牌不符或须先修改密码 / forbidden, CSRF, or a password to change first"),
            ("415", "请求体不是 JSON / the body is not JSON"),
            ("422", "内容有误，逐字段说明 / invalid, field by field"),
        ];
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                // A group named in words, not by the handler's module (`crate::assess`).
                op.tags = op.tags.take().map(|tags| tags.iter().map(|t| tag_words(t).to_string()).collect());
                for (code, description) in common {
                    op.responses.responses.entry(code.to_string()).or_insert_with(|| {
                        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
                        RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
                    });
                }
            }
        }
    }
}

/// The API documentation's group of a handler's module.
fn tag_words(module: &str) -> &str {
    let last = module.rsplit("::").find(|p| *p != "api").unwrap_or(module);
    match last {
        "session" => "登录 Session",
        "households" => "家庭档案 Households",
        "assess" => "救助研判 Assessment",
        "intake" | "case_page" | "queue" | "survey" | "publicity" | "cases" => "救助办理 Casework",
        "exports" => "名册导出 Exports",
        "feeds" => "部门数据 Department data",
        "monitoring" => "监测预警 Monitoring",
        "regions" => "行政区划 Regions",
        "reveal" => "完整信息 Reveal",
        "payments" => "资金发放 Payments",
        "public" => "群众服务（不用登录）Residents, no login",
        _ => module,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}

/// Swagger UI, served from files compiled into the binary (no download).
pub fn docs() -> Router<AppState> {
    SwaggerUi::new("/api/docs").url("/api/openapi-docs.json", ApiDoc::openapi()).into()
}
