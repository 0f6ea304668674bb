//! The home survey (入户调查) on a phone: the form, photos taken on the spot, and the photos and
//! investigators over the API.

use super::views::Choice;
use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, messages, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::{FieldError, Role};
use jiuzhu_store::Case;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "survey.html")]
pub(super) struct SurveyPage {
    c: Chrome,
    case: Case,
    members: Vec<(i64, String, u8)>,
    co_investigators: Vec<Choice>,
    photos: Vec<jiuzhu_store::PhotoInfo>,
    error: String,
    today: String,
    /// 申报 parts still missing, in the page's language.
    undeclared: Vec<&'static str>,
}

pub(super) async fn survey_view(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    id: i64,
    error: String,
) -> Result<SurveyPage, WebError> {
    let sheet = state.casework.survey_sheet(&session.user, id).await?;
    Ok(SurveyPage {
        undeclared: sheet.case.undeclared.iter().map(|p| lang.t(p.zh(), p.en())).collect(),
        c: Chrome::new(state, session, lang, &format!("/cases/{id}/survey")).await,
        case: sheet.case.case,
        members: sheet.members,
        co_investigators: sheet.co_investigators.into_iter().map(|x| Choice { value: x.id.to_string(), label: x.display_name }).collect(),
        photos: sheet.photos,
        error,
        today: state.clock.today().to_string(),
    })
}

pub(super) async fn survey_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    match survey_view(&state, &session, lang, id, String::new()).await {
        Ok(p) => render(p),
        Err(e) => e.page(lang.0),
    }
}

pub(super) async fn photo_upload(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    mp: Multipart,
) -> Response {
    let (bytes, caption) = match read_photo(mp).await {
        Ok(x) => x,
        Err((zh, en)) => return survey_error(&state, &session, lang, id, lang.t(zh, en)).await,
    };
    match state.casework.add_photo(&session.user, id, &bytes, &caption).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}/survey")).into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => survey_error(&state, &session, lang, id, &messages(&v, lang).join("；")).await,
            e => e.page(lang.0),
        },
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(super) struct RemoveForm {
    reason: String,
}

/// 删除照片: a photo taken by mistake, removed with the reason before the survey is submitted.
pub(super) async fn photo_remove(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path((Id(id), Id(pid))): Path<(Id, Id)>,
    axum::Form(f): axum::Form<RemoveForm>,
) -> Response {
    match state.casework.remove_photo(&session.user, id, pid, &f.reason).await {
        Ok(()) => Redirect::to(&format!("/cases/{id}/survey")).into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => survey_error(&state, &session, lang, id, &messages(&v, lang).join("；")).await,
            e => e.page(lang.0),
        },
    }
}

async fn survey_error(state: &AppState, session: &SignedIn, lang: PageLang, id: i64, msg: &str) -> Response {
    match survey_view(state, session, lang, id, msg.to_string()).await {
        Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(p)).into_response(),
        Err(e) => e.page(lang.0),
    }
}

pub(super) async fn photo_get(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path((Id(id), Id(pid))): Path<(Id, Id)>,
) -> Response {
    match state.casework.photo(&session.user, id, pid).await {
        Ok(p) => ([(header::CONTENT_TYPE, p.content_type), (header::CACHE_CONTROL, "private, no-store".into())], p.bytes).into_response(),
        Err(e) => WebError::from(e).page(lang.0),
    }
}

/// A survey photo's id (fetch it at `/cases/{case}/photos/{id}`) and caption.
#[derive(Serialize, ToSchema)]
pub struct PhotoId {
    pub id: i64,
    /// 照片说明 (absent in an upload's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// The photos of a case (investigators add them during the survey).
#[utoipa::path(get, path = "/api/v1/cases/{id}/photos", params(crate::extract::Id), responses((status = 200, body = [PhotoId]), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_photos(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<Vec<PhotoId>>, WebError> {
    Ok(Json(state.casework.photos(&u, id).await?.into_iter().map(|p| PhotoId { id: p.id, caption: Some(p.caption) }).collect()))
}

/// Adds a survey photo: multipart field `photo` (JPEG, PNG or WebP by its bytes, whatever its name
/// or declared type; at most 5 MB) and `caption`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/photos", params(crate::extract::Id), request_body(content = String, content_type = "multipart/form-data"),
    responses((status = 201, body = PhotoId), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_photo_upload(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let (bytes, caption) =
        read_photo(mp).await.map_err(|(zh, en)| WebError::Invalid(FieldError::new("photo", "photo.upload", zh, en).into()))?;
    let pid = state.casework.add_photo(&u, id, &bytes, &caption).await?;
    Ok((StatusCode::CREATED, Json(PhotoId { id: pid, caption: None })).into_response())
}

/// An investigator who may survey with the caller.
#[derive(Serialize, ToSchema)]
pub struct InvestigatorView {
    pub id: i64,
    pub display_name: String,
}

/// The investigators the caller may name as the second investigator of a survey.
#[utoipa::path(get, path = "/api/v1/investigators", responses((status = 200, body = [InvestigatorView])))]
pub(crate) async fn api_investigators(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
) -> Result<Json<Vec<InvestigatorView>>, WebError> {
    if u.role != Role::Investigator {
        u.trail.refuse(jiuzhu_domain::Denial::Role);
        return Err(WebError::Forbidden);
    }
    Ok(Json(
        state
            .casework
            .co_investigators(&u)
            .await?
            .into_iter()
            .map(|a| InvestigatorView { id: a.id, display_name: a.display_name })
            .collect(),
    ))
}

/// The photo and caption of an upload form (the declared type is not read: the bytes say).
async fn read_photo(mut mp: Multipart) -> Result<(Vec<u8>, String), (&'static str, &'static str)> {
    let failed = ("照片上传失败，请重试（单张不超过 5 MB）", "the upload failed: try again (at most 5 MB)");
    let (mut caption, mut photo) = (String::new(), None);
    while let Some(f) = mp.next_field().await.map_err(|_| failed)? {
        let name = f.name().unwrap_or_default().to_string();
        let bytes = f.bytes().await.map_err(|_| failed)?;
        match name.as_str() {
            "photo" => photo = Some(bytes.to_vec()),
            "caption" => caption = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let bytes = photo.filter(|b| !b.is_empty()).ok_or(("请先拍照或选择照片", "take or choose a photo first"))?;
    Ok((bytes, caption))
}
