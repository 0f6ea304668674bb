//! The JSON API (`/api/v1/…`), described by OpenAPI at `/api/openapi.json` with a vendored
//! Swagger UI at `/api/docs`. Money is fen; identifiers come masked.

use crate::AppState;
use crate::auth::{self, Authenticated, LoginError};
use crate::error::{ErrorBody, WebError};
use crate::view::{HouseholdView, SummaryView, region_names};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use chrono::{Local, Utc};
use jiuzhu_domain::{HouseholdInput, MemberInput, RegionCode};
use jiuzhu_registry::{NewHouseholdInput, RecordsInput, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
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
        login,
        logout,
        list_households,
        get_household,
        create_household,
        update_household,
        add_member,
        update_member,
        move_member,
        replace_records,
        household_history,
        regions,
        crate::assess::assess_public,
        crate::assess::assess_household,
        crate::assess::list_assessments,
        crate::cases::api_intake,
        crate::cases::api_household_cases,
        crate::cases::api_queue,
        crate::cases::api_case,
        crate::cases::api_step,
        crate::cases::api_bulk,
        crate::cases::api_photos,
        crate::cases::api_photo_upload,
        crate::cases::api_investigators,
        crate::cases::api_publicity,
        crate::security::api_reveal
    ),
    components(schemas(
        ErrorBody,
        SummaryView,
        HouseholdView,
        HouseholdList,
        LoginRequest,
        LoginResponse,
        Created,
        RegionView,
        HistoryView,
        crate::cases::IntakeBody,
        crate::cases::IntakeCreated,
        crate::cases::QueueView,
        crate::cases::CaseRow,
        crate::cases::CountsView,
        crate::cases::CaseJson,
        crate::cases::EventView,
        crate::cases::StepBody,
        crate::cases::PublicLine,
        crate::cases::BulkBody,
        crate::cases::BulkItem,
        crate::cases::BulkView,
        crate::cases::PhotoId,
        crate::cases::InvestigatorView,
        crate::security::RevealBody,
        crate::security::RevealView,
        crate::security::RevealedMemberView
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(login).delete(logout))
        .route("/api/v1/households", get(list_households).post(create_household))
        .route("/api/v1/households/{id}", get(get_household).put(update_household))
        .route("/api/v1/households/{id}/members", post(add_member))
        .route("/api/v1/households/{id}/members/{member_id}", put(update_member))
        .route("/api/v1/households/{id}/members/{member_id}/move", post(move_member))
        .route("/api/v1/households/{id}/records", put(replace_records))
        .route("/api/v1/households/{id}/history", get(household_history))
        .route("/api/v1/regions", get(regions))
        .route("/api/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}

/// Swagger UI, served from files compiled into the binary (no download).
pub fn docs() -> Router<AppState> {
    SwaggerUi::new("/api/docs").url("/api/openapi-docs.json", ApiDoc::openapi()).into()
}

fn user(auth: Option<Authenticated>) -> Result<User, WebError> {
    auth.map(|a| a.user).ok_or(WebError::Unauthenticated)
}

fn today() -> chrono::NaiveDate {
    Local::now().date_naive()
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `X-CSRF-Token` on every state-changing call.
    pub csrf_token: String,
}

/// Log in: sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody, description = "locked after repeated failures")))]
async fn login(State(state): State<AppState>, Json(req): Json<LoginRequest>) -> Response {
    let mut r = login_response(&state, &req).await;
    r.extensions_mut().insert(crate::audit::AuditNote::login(&req.username));
    r
}

async fn login_response(state: &AppState, req: &LoginRequest) -> Response {
    match auth::login(state.store.as_ref(), &req.username, &req.password, Utc::now()).await {
        Ok(done) => (
            [(header::SET_COOKIE, auth::session_cookie(&done.token, state.secure_cookies))],
            Json(LoginResponse { csrf_token: done.csrf_token }),
        )
            .into_response(),
        Err(LoginError::Invalid) => (
            StatusCode::UNAUTHORIZED,
            Json(ErrorBody {
                error: "invalid_credentials",
                message: "用户名或密码错误".into(),
                message_en: "wrong username or password".into(),
                errors: vec![],
            }),
        )
            .into_response(),
        Err(LoginError::Locked { until }) => (
            StatusCode::LOCKED,
            Json(ErrorBody {
                error: "locked",
                message: format!("连续登录失败次数过多，账号已锁定至 {}", until.with_timezone(&Local).format("%H:%M")),
                message_en: format!("too many failed logins: locked until {}", until.with_timezone(&Local).format("%H:%M")),
                errors: vec![],
            }),
        )
            .into_response(),
        Err(LoginError::Store(e)) => WebError::from(e).into_response(),
    }
}

/// Log out: the session ends on the server at once.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
async fn logout(State(state): State<AppState>, Extension(auth): Extension<Option<Authenticated>>) -> Result<Response, WebError> {
    if let Some(a) = auth {
        state.store.delete_session(&a.token_hash).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::clear_session_cookie())]).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// A full ID number, a region code or name, or the start of a member's name. Empty: all.
    #[serde(default)]
    pub q: String,
    /// Continue after this household id (from `next_after`).
    #[serde(default)]
    pub after: i64,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdList {
    pub items: Vec<SummaryView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// Households in the caller's region matching the search; identifiers masked.
#[utoipa::path(get, path = "/api/v1/households", params(SearchParams), responses((status = 200, body = HouseholdList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_households(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Query(p): Query<SearchParams>,
) -> Result<Json<HouseholdList>, WebError> {
    let user = user(auth)?;
    let found = state.registry.search(&user, &p.q, p.after).await?;
    tracing::info!(target: "access", user = %user.username, action = "search", count = found.len(), "household search");
    let next_after = (found.len() as i64 == jiuzhu_registry::PAGE_SIZE).then(|| found.last().map(|h| h.id)).flatten();
    Ok(Json(HouseholdList { items: found.iter().map(|s| SummaryView::new(s, user.role)).collect(), next_after }))
}

pub(crate) async fn household_view(state: &AppState, user: &User, id: i64) -> Result<HouseholdView, WebError> {
    let h = state.registry.get(user, id).await?;
    tracing::info!(target: "access", user = %user.username, action = "view", household = id, "household viewed");
    let hukou = region_names(&state.registry, &h.data.hukou_region).await;
    let residence = region_names(&state.registry, &h.data.residence_region).await;
    Ok(HouseholdView::new(&h, user.role, hukou, residence, today()))
}

/// One household with members and records; 404 outside the caller's region.
#[utoipa::path(get, path = "/api/v1/households/{id}", responses((status = 200, body = HouseholdView), (status = 404, body = ErrorBody)))]
async fn get_household(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdView>, WebError> {
    let user = user(auth)?;
    Ok(Json(household_view(&state, &user, id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Register a household: household fields, `members` (head first), and optional `incomes`,
/// `assets`, `expenses`, `supporters` (member references are indexes into `members`).
#[utoipa::path(post, path = "/api/v1/households", request_body(content = Object, description = "NewHouseholdInput"),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_household(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Json(input): Json<NewHouseholdInput>,
) -> Result<Response, WebError> {
    let user = user(auth)?;
    let id = state.registry.create(&user, &input, today()).await?;
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
#[utoipa::path(put, path = "/api/v1/households/{id}", request_body(content = Object, description = "HouseholdInput + version"),
    responses((status = 204), (status = 409, body = ErrorBody, description = "changed by someone else"), (status = 422, body = ErrorBody)))]
async fn update_household(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
    Json(v): Json<Versioned<HouseholdInput>>,
) -> Result<StatusCode, WebError> {
    state.registry.update_household(&user(auth)?, id, v.version, &v.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a member. Body: member fields and the household's `version`.
#[utoipa::path(post, path = "/api/v1/households/{id}/members", request_body(content = Object, description = "MemberInput + version"),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
    Json(v): Json<Versioned<MemberInput>>,
) -> Result<Response, WebError> {
    let mid = state.registry.add_member(&user(auth)?, id, v.version, &v.body, today()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: mid })).into_response())
}

/// Replace a member's fields. Body: member fields and the household's `version`.
#[utoipa::path(put, path = "/api/v1/households/{id}/members/{member_id}", request_body(content = Object, description = "MemberInput + version"),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_member(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path((id, member_id)): Path<(i64, i64)>,
    Json(v): Json<Versioned<MemberInput>>,
) -> Result<StatusCode, WebError> {
    state.registry.update_member(&user(auth)?, id, member_id, v.version, &v.body, today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct MoveRequest {
    pub version: i64,
    pub to_household: i64,
}

/// Move a member to another household in the caller's region (recorded in both histories).
#[utoipa::path(post, path = "/api/v1/households/{id}/members/{member_id}/move", request_body(content = Object, description = "{version, to_household}"),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_member(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path((id, member_id)): Path<(i64, i64)>,
    Json(m): Json<MoveRequest>,
) -> Result<StatusCode, WebError> {
    state.registry.move_member(&user(auth)?, id, member_id, m.version, m.to_household).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace incomes, assets, expenses and supporters at once (member references are member ids).
#[utoipa::path(put, path = "/api/v1/households/{id}/records", request_body(content = Object, description = "RecordsInput + version"),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace_records(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
    Json(v): Json<Versioned<RecordsInput>>,
) -> Result<StatusCode, WebError> {
    state.registry.replace_records(&user(auth)?, id, v.version, &v.body, today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub at: String,
    pub actor: String,
    /// `household`, `member:ID`, `records`, `membership`
    pub entity: String,
    pub entity_zh: String,
    pub field: String,
    pub field_zh: String,
    pub old: String,
    pub new: String,
}

impl HistoryView {
    pub fn new(e: jiuzhu_store::HistoryEntry, at: String) -> HistoryView {
        HistoryView {
            entity_zh: crate::view::entity_zh(&e.entity),
            field_zh: crate::view::field_zh(&e.field).to_string(),
            at,
            actor: e.actor,
            entity: e.entity,
            field: e.field,
            old: e.old,
            new: e.new,
        }
    }
}

/// The household's change history (identifiers masked).
#[utoipa::path(get, path = "/api/v1/households/{id}/history", responses((status = 200, body = Vec<HistoryView>), (status = 404, body = ErrorBody)))]
async fn household_history(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HistoryView>>, WebError> {
    let entries = state.registry.history(&user(auth)?, id).await?;
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

#[derive(Deserialize, IntoParams)]
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

/// The region tree, one level at a time, limited to the caller's region.
#[utoipa::path(get, path = "/api/v1/regions", params(RegionParams), responses((status = 200, body = Vec<RegionView>)))]
async fn regions(
    State(state): State<AppState>,
    Extension(auth): Extension<Option<Authenticated>>,
    Query(p): Query<RegionParams>,
) -> Result<Json<Vec<RegionView>>, WebError> {
    let user = user(auth)?;
    let parent = p.parent.as_deref().map(RegionCode::parse).transpose().map_err(|e| WebError::Invalid(e.into()))?;
    Ok(Json(crate::pages::region_views(&state, &user, parent.as_ref()).await?))
}
