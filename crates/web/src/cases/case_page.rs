//! One case: its page with the facts, the timeline and the steps the user may take; a step
//! from the page's form or the API.

use super::step_form::step_from_form;
use super::survey::survey_view;
use super::views::{CaseJson, Choice, EventView, Line, case_json, documents_of, due, yuan};
use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, messages, present, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use jiuzhu_accounts::SignedIn;
use jiuzhu_casework::service::StepInput;
use jiuzhu_domain::access::Field;
use jiuzhu_domain::casework::*;
use jiuzhu_store::Case;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "case.html")]
pub(super) struct CasePage {
    c: Chrome,
    case: Case,
    /// Facts at the top: kind, track, state, deadlines …
    facts: Vec<Line>,
    events: Vec<EventView>,
    can: Vec<&'static str>,
    error: String,
    created: i64,
    region: String,
    suggestion: Option<jiuzhu_casework::service::Suggestion>,
    docs: Vec<Choice>,
    today: String,
    outcomes: Vec<Choice>,
    /// 申报 parts still missing (names in the page's language) and whether this user may enter them.
    undeclared: Vec<&'static str>,
    can_declare: bool,
}

impl CasePage {
    fn can(&self, code: &str) -> bool {
        self.can.contains(&code)
    }
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn received_count(&self) -> usize {
        self.case.data.details.materials.iter().filter(|m| m.received).count()
    }
}

pub(super) async fn case_page_view(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    id: i64,
    error: String,
    created: i64,
) -> Result<CasePage, WebError> {
    let v = state.casework.get(&session.user, id).await?;
    let c = &v.case.data;
    let suggestion = if v.can.contains(&"town_decision") || v.can.contains(&"grant_emergency") {
        state.casework.suggestion(&session.user, id, state.clock.today()).await.ok()
    } else {
        None
    };
    let region = state.registry.region_names(&c.region).await;
    // Where to go and whom to call (the investigator's first need), masked as the role's access rules say.
    let h = state.registry.get(&session.user, c.household_id).await.ok();
    let address = h.as_ref().map(|h| h.data.address.clone()).unwrap_or_default();
    let phone = h
        .as_ref()
        .and_then(|h| h.data.phone.as_deref().or(h.head().data.phone.as_deref()))
        .map(|p| present(session.user.role, Field::Phone, p, jiuzhu_domain::mask::phone))
        .unwrap_or_else(|| lang.t("未登记", "none on record").into());
    let mut facts = vec![
        Line { label: lang.t("救助类型", "Assistance").into(), value: lang.t(c.kind.zh(), c.kind.en()).into() },
        Line { label: lang.t("案件性质", "Purpose").into(), value: lang.t(c.purpose.zh(), c.purpose.en()).into() },
        Line { label: lang.t("办理方式", "Track").into(), value: lang.t(c.track.zh(), c.track.en()).into() },
        Line { label: lang.t("当前环节", "Step").into(), value: lang.t(c.state.zh(), c.state.en()).into() },
        Line {
            label: lang.t("待办岗位", "Waiting for").into(),
            value: c
                .due_role
                .map(|r| lang.t(r.zh(), r.en()).to_string())
                .unwrap_or_else(|| lang.t("无（已办结）", "nobody (closed)").into()),
        },
        Line { label: lang.t("申请人", "Applicant").into(), value: c.applicant.clone() },
        Line { label: lang.t("地址", "Address").into(), value: address },
        Line { label: lang.t("联系电话", "Phone").into(), value: phone },
        Line { label: lang.t("登记日期", "Opened").into(), value: c.opened_on.to_string() },
        Line {
            label: lang.t("受理日期", "Accepted").into(),
            value: c
                .accepted_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| lang.t("材料未齐，尚未受理", "not yet: materials missing").into()),
        },
        Line { label: lang.t("本环节期限", "Step due").into(), value: due(c.step_due, lang) },
        Line { label: lang.t("办理总期限", "Overall due").into(), value: due(c.overall_due, lang) },
    ];
    if c.state.is_open() && c.accepted_on.is_some() && (c.step_due.is_none() || c.overall_due.is_none()) && c.due_role.is_some() {
        facts.push(Line {
            label: lang.t("期限说明", "About the deadlines").into(),
            value: lang
                .t(
                    "期限超出已收录的法定节假日安排，待系统管理员导入次年安排后自动计算",
                    "a deadline runs past the holidays on record: it is computed once next year's holidays are imported",
                )
                .into(),
        });
    }
    if let Some(h) = &c.details.hold {
        let held = h.from_month.format("%Y-%m");
        facts.push(Line {
            label: lang.t("暂停发放", "Payments held").into(),
            value: match h.released_on {
                None => lang
                    .t(
                        &format!("自 {held} 起暂停：{}（{} {}）", h.reason, h.on, h.by),
                        &format!("from {held}: {} ({} {})", h.reason, h.on, h.by),
                    )
                    .into(),
                Some(r) => lang
                    .t(&format!("自 {held} 起暂停，{r} 已解除：{}", h.reason), &format!("held from {held}, lifted {r}: {}", h.reason))
                    .into(),
            },
        });
    }
    if let Some(d) = c.department {
        facts.push(Line { label: lang.t("承办部门", "Department").into(), value: lang.t(d.zh(), d.en()).into() });
    }
    if c.extended {
        facts.push(Line {
            label: lang.t("延期", "Extended").into(),
            value: c.details.extension.as_ref().map(|e| e.reason.clone()).unwrap_or_default(),
        });
    }
    Ok(CasePage {
        c: Chrome::new(state, session, lang, &format!("/cases/{id}")).await,
        facts,
        events: v.events.iter().map(EventView::from).collect(),
        can: v.can,
        error,
        created,
        region,
        suggestion,
        docs: documents_of(&v.case).into_iter().map(|(v, label)| Choice { value: v.into(), label: label.into() }).collect(),
        today: state.clock.today().to_string(),
        outcomes: ReviewOutcome::ALL.iter().map(|o| Choice { value: o.as_str().into(), label: lang.t(o.zh(), o.en()).into() }).collect(),
        undeclared: v.undeclared.iter().map(|p| lang.t(p.zh(), p.en())).collect(),
        can_declare: session.user.can(jiuzhu_domain::Permission::WriteHousehold),
        case: v.case,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CaseQuery {
    new: i64,
}

pub(super) async fn case_page(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Query(q): Query<CaseQuery>,
) -> Response {
    match case_page_view(&state, &session, lang, id, String::new(), q.new).await {
        Ok(p) => render(p),
        Err(e) => e.page(lang.0),
    }
}

pub(super) async fn step_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let back = pairs.iter().find(|(n, _)| n == "back").map(|(_, v)| v.clone()).filter(|b| b.starts_with("/cases/"));
    let result = match step_from_form(&pairs) {
        Ok((version, step)) => {
            state.casework.take_step(&session.user, id, version, step, state.clock.today()).await.map_err(WebError::from)
        }
        Err(v) => Err(WebError::Invalid(v)),
    };
    match result {
        // The investigator goes on to the next visit: back to the to-do list, saying what was done.
        Ok(_) if back.as_deref().is_some_and(|b| b.ends_with("/survey")) => Redirect::to(&format!("/cases?surveyed={id}")).into_response(),
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(WebError::NotFound) => WebError::NotFound.page(lang.0),
        Err(WebError::Forbidden) => WebError::Forbidden.page(lang.0),
        Err(e) => {
            let status = e.status();
            let body = e.body();
            let msg = match &e {
                WebError::Invalid(v) => messages(v, lang).join("；"),
                _ => lang.t(&body.message, &body.message_en).to_string(),
            };
            if back.is_some_and(|b| b.ends_with("/survey")) {
                return match survey_view(&state, &session, lang, id, msg).await {
                    Ok(p) => (status, render(p)).into_response(),
                    Err(e) => e.page(lang.0),
                };
            }
            match case_page_view(&state, &session, lang, id, msg, 0).await {
                Ok(p) => (status, render(p)).into_response(),
                Err(e) => e.page(lang.0),
            }
        }
    }
}

/// A step on a case: `{"version": 3, "action": "survey", …fields}`.
#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    /// The version of the case the caller last read (someone else's step in between is a 409).
    pub version: i64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub step: StepInput,
}

/// One case with its timeline and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(crate::extract::Id), responses((status = 200, body = CaseJson), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_case(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<CaseJson>, WebError> {
    let v = state.casework.get(&u, id).await?;
    Ok(Json(case_json(v)))
}

/// Takes a step: `action` is one of `supply_materials`, `check`, `object_to_feedback`,
/// `close_after_feedback`, `survey`, `request_survey`, `evaluation`, `town_decision`, `objection`,
/// `resolve_objection`, `end_publicity`, `spot_check`, `approve`, `reject`, `send_back`, `extend`,
/// `grant_emergency`, `paperwork_done`, `accept_referral`, `answer_referral`, `close_need`,
/// `withdraw`. 409 when someone else acted first or the step is not possible now.
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", params(crate::extract::Id), request_body = StepBody,
    responses((status = 200, body = CaseJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn api_step(
    State(state): State<AppState>,
    RequireUser(u): RequireUser,
    Path(Id(id)): Path<Id>,
    Json(b): Json<StepBody>,
) -> Result<Json<CaseJson>, WebError> {
    state.casework.take_step(&u, id, b.version, b.step, state.clock.today()).await?;
    Ok(Json(case_json(state.casework.get(&u, id).await?)))
}
