//! 一门受理: the intake form at the window (several kinds at once, every material ticked off),
//! and the same over the API.

use super::views::CaseRow;
use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, messages, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use jiuzhu_accounts::SignedIn;
use jiuzhu_casework::service::IntakeInput;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{FieldError, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub struct KindChoice {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub checked: bool,
    pub group: &'static str,
}

pub struct MaterialChoice {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub checked: bool,
    /// The kinds that ask for it.
    pub for_kinds: String,
    /// Their codes, space-separated (the page shows only what the ticked kinds need).
    pub kind_codes: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    c: Chrome,
    household_id: i64,
    head: String,
    kinds: Vec<KindChoice>,
    materials: Vec<MaterialChoice>,
    track: String,
    request: String,
    near_relative_note: String,
    emergency_description: String,
    commitment_signed: bool,
    errors: Vec<String>,
    open_cases: Vec<CaseRow>,
}

fn kind_choices(checked: &[AssistanceKind]) -> Vec<KindChoice> {
    AssistanceKind::ALL
        .iter()
        .map(|k| KindChoice {
            code: k.as_str().into(),
            zh: k.zh().into(),
            en: k.en().into(),
            checked: checked.contains(k),
            group: match k.route() {
                Route::CivilAffairs => "civil",
                Route::Department(_) => "referral",
                Route::Needs => "needs",
            },
        })
        .collect()
}

/// The union of every kind's checklist, each item once, saying which kinds ask for it.
fn material_choices(received: &[String], has_disability: bool, has_illness: bool) -> Vec<MaterialChoice> {
    let mut out: Vec<MaterialChoice> = Vec::new();
    for k in AssistanceKind::ALL {
        for track in [Track::Normal, Track::Commitment] {
            for m in materials_for(*k, track, has_disability, has_illness) {
                match out.iter_mut().find(|x| x.code == m.code) {
                    Some(x) if !x.for_kinds.contains(k.zh()) => {
                        x.for_kinds = format!("{}、{}", x.for_kinds, k.zh());
                        x.kind_codes = format!("{} {}", x.kind_codes, k.as_str());
                    }
                    Some(_) => {}
                    None => out.push(MaterialChoice {
                        checked: received.contains(&m.code),
                        code: m.code,
                        name: m.name,
                        name_en: m.name_en,
                        for_kinds: k.zh().to_string(),
                        kind_codes: k.as_str().to_string(),
                    }),
                }
            }
        }
    }
    out
}

async fn intake_view(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    id: i64,
    form: &IntakeForm,
    errors: Vec<String>,
) -> Result<IntakePage, WebError> {
    if !session.user.can(Permission::Intake) {
        session.user.trail.refuse(jiuzhu_domain::Denial::Role);
        return Err(WebError::Forbidden);
    }
    let h = state.registry.get(&session.user, id).await?;
    let t = state.clock.today();
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    let open_cases = state
        .casework
        .household_cases(&session.user, id)
        .await?
        .iter()
        .filter(|c| c.state.is_open())
        .map(|c| CaseRow::new(c, t, soon))
        .collect();
    let has_disability = h.members.iter().any(|m| m.data.disability.is_some());
    let has_illness = h.members.iter().any(|m| m.data.serious_illness);
    Ok(IntakePage {
        c: Chrome::new(state, session, lang, &format!("/households/{id}/intake")).await,
        household_id: id,
        head: h.head().data.name.clone(),
        kinds: kind_choices(&form.kinds()),
        materials: material_choices(&form.received(), has_disability, has_illness),
        track: if form.track.is_empty() { "normal".into() } else { form.track.clone() },
        request: form.request.clone(),
        near_relative_note: form.near_relative_note.clone(),
        emergency_description: form.emergency_description.clone(),
        commitment_signed: form.commitment_signed.is_some(),
        errors,
        open_cases,
    })
}

/// The intake form as posted: repeated `kind` and `received` fields.
#[derive(Default)]
struct IntakeForm {
    pairs: Vec<(String, String)>,
    track: String,
    request: String,
    near_relative_note: String,
    emergency_description: String,
    commitment_signed: Option<String>,
}

impl IntakeForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> IntakeForm {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        IntakeForm {
            track: get("track"),
            request: get("request"),
            near_relative_note: get("near_relative_note"),
            emergency_description: get("emergency_description"),
            commitment_signed: pairs.iter().any(|(n, _)| n == "commitment_signed").then(|| "on".to_string()),
            pairs,
        }
    }
    fn kinds(&self) -> Vec<AssistanceKind> {
        self.pairs.iter().filter(|(n, _)| n == "kind").filter_map(|(_, v)| AssistanceKind::parse(v)).collect()
    }
    fn received(&self) -> Vec<String> {
        self.pairs.iter().filter(|(n, _)| n == "received").map(|(_, v)| v.clone()).collect()
    }
    fn input(&self) -> IntakeInput {
        IntakeInput {
            kinds: self.kinds(),
            track: Track::parse(&self.track),
            received: self.received(),
            request: self.request.clone(),
            near_relative_note: Some(self.near_relative_note.clone()).filter(|s| !s.trim().is_empty()),
            commitment_signed: self.commitment_signed.is_some(),
            emergency_description: Some(self.emergency_description.clone()).filter(|s| !s.trim().is_empty()),
            applicant_member_id: None,
        }
    }
}

pub(super) async fn intake_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    match intake_view(&state, &session, lang, id, &IntakeForm::default(), Vec::new()).await {
        Ok(p) => render(p),
        Err(e) => e.page(lang.0),
    }
}

pub(super) async fn intake_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = IntakeForm::from_pairs(pairs);
    match state.casework.intake(&session.user, id, &form.input(), state.clock.today()).await {
        Ok(ids) => Redirect::to(&format!("/cases/{}?new={}", ids[0], ids.len())).into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => match intake_view(&state, &session, lang, id, &form, messages(&v, lang)).await {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(p)).into_response(),
                Err(e) => e.page(lang.0),
            },
            e => e.page(lang.0),
        },
    }
}

/// What is asked for at one intake (the JSON form of the window's form).
#[derive(Deserialize, ToSchema)]
pub struct IntakeBody {
    /// `dibao`, `tekun`, `dibao_edge`, `rigid_expense`, `temporary`, `medical`, `education`,
    /// `housing`, `employment`, `disaster`, `social_forces`.
    pub kinds: Vec<String>,
    /// `normal` (default), `commitment` (告知承诺制), `emergency` (先行救助, temporary only).
    #[serde(default)]
    pub track: Option<String>,
    /// Materials received (checklist codes, e.g. `application`, `id_cards`, `hukou`, `authorisation`, `declaration`).
    #[serde(default)]
    pub received: Vec<String>,
    #[serde(default)]
    pub request: String,
    /// 近亲属备案: which member is a close relative of staff or village cadres, and how.
    #[serde(default)]
    pub near_relative_note: Option<String>,
    #[serde(default)]
    pub commitment_signed: bool,
    #[serde(default)]
    pub emergency_description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IntakeCreated {
    pub case_ids: Vec<i64>,
}

/// 受理: opens one case per kind asked for (all or nothing); window clerks only.
#[utoipa::path(post, path = "/api/v1/households/{id}/intakes", params(crate::extract::Id), request_body = IntakeBody,
    responses((status = 201, body = IntakeCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_intake(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(b): Json<IntakeBody>,
) -> Result<Response, WebError> {
    let mut kinds = Vec::new();
    for (i, k) in b.kinds.iter().enumerate() {
        kinds.push(AssistanceKind::parse(k).ok_or_else(|| {
            WebError::Invalid(
                FieldError::new(
                    format!("kinds[{i}]"),
                    "enum.unknown",
                    format!("“{k}”不是救助类型"),
                    format!("\"{k}\" is not a kind of assistance"),
                )
                .into(),
            )
        })?);
    }
    let track = match b.track.as_deref() {
        None | Some("") => None,
        Some(t) => Some(Track::parse(t).ok_or_else(|| {
            WebError::Invalid(
                FieldError::new("track", "enum.unknown", format!("“{t}”不是办理方式"), format!("\"{t}\" is not a track")).into(),
            )
        })?),
    };
    let input = IntakeInput {
        kinds,
        track,
        received: b.received,
        request: b.request,
        near_relative_note: b.near_relative_note,
        commitment_signed: b.commitment_signed,
        emergency_description: b.emergency_description,
        applicant_member_id: None,
    };
    let ids = state.casework.intake(&u, id, &input, state.clock.today()).await?;
    Ok((StatusCode::CREATED, Json(IntakeCreated { case_ids: ids })).into_response())
}

/// A household's applications and reviews, newest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/cases", params(crate::extract::Id), responses((status = 200, body = [CaseRow]), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_household_cases(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<Vec<CaseRow>>, WebError> {
    let t = state.clock.today();
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), t, 3).unwrap_or(t);
    Ok(Json(state.casework.household_cases(&u, id).await?.iter().map(|c| CaseRow::new(c, t, soon)).collect()))
}
