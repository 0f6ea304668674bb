//! 智能研判 over HTTP: the public `POST /api/v1/assess` (assess-v1.md; rate-limited, stores
//! nothing), staff assessment of a registered household (kept for before/after comparison),
//! and the printable result page.

use crate::error::{ErrorBody, WebError};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, beijing_minutes, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use jiuzhu_domain::{Fen, FieldError, Permission};
use jiuzhu_policy::{AssessError, Assessment, Defaults, Policies, Status, assess_str};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assess", post(assess_public))
        .route("/api/v1/households/{id}/assessments", get(list_assessments).post(assess_household))
        .route("/households/{id}/assess", post(assess_page_submit))
        .route("/households/{id}/assessments/{aid}", get(assessment_page))
}

/// At most this many situations in one public request.
const MAX_SITUATIONS: usize = 1_000;

/// The client's address (loopback when the server was not started with connection info, as in tests).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<ClientIp, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]))))
    }
}

fn invalid(e: AssessError, at: &str) -> WebError {
    match e {
        AssessError::Input(v) => WebError::Invalid(jiuzhu_domain::ValidationErrors(
            v.0.into_iter()
                .map(|x| {
                    if at.is_empty() { x } else { FieldError { field: format!("{at}.{}", x.field).trim_end_matches('.').to_string(), ..x } }
                })
                .collect(),
        )),
        AssessError::Parameter(m) => WebError::Invalid(
            FieldError::new(format!("{at}.region").trim_start_matches('.').to_string(), "parameter.missing", m.zh(), m.en()).into(),
        ),
    }
}

/// Assess one situation (a JSON object) or many (an array): see assess-v1.md. Public and
/// rate-limited; stores nothing.
#[utoipa::path(post, path = "/api/v1/assess", request_body(content = serde_json::Value, description = "a situation (assess-v1) or an array of them"),
    responses((status = 200, description = "the result, or an array of results"), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn assess_public(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    if !state.assess_limiter.allow(ip, Instant::now()) {
        return Err(WebError::TooMany);
    }
    let policies = Policies::builtin();
    let defaults = Defaults::default();
    let syntax = |e: serde_json::Error| {
        WebError::Invalid(
            FieldError::new(
                "",
                "json.syntax",
                format!("第 {} 行第 {} 列 JSON 格式错误：{e}", e.line(), e.column()),
                format!("malformed JSON at line {} column {}: {e}", e.line(), e.column()),
            )
            .into(),
        )
    };
    let text = std::str::from_utf8(&body)
        .map_err(|_| WebError::Invalid(FieldError::new("", "json.utf8", "请求内容不是 UTF-8 文本", "the body is not UTF-8 text").into()))?;
    // The same path as `jiuzhu assess`: each situation's text is parsed once, typed, and the
    // result written by the direct JSON writer.
    let mut out = Vec::with_capacity(8 * 1024);
    if text.trim_start().starts_with('[') {
        let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(syntax)?;
        if items.len() > MAX_SITUATIONS {
            return Err(WebError::Invalid(
                FieldError::new(
                    "",
                    "too_many",
                    format!("一次最多评估 {MAX_SITUATIONS} 个情形"),
                    format!("at most {MAX_SITUATIONS} situations per request"),
                )
                .into(),
            ));
        }
        out.push(b'[');
        for (i, v) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let a = assess_str(v.get(), &defaults, policies).map_err(|e| invalid(e, &format!("[{i}]")))?;
            jiuzhu_policy::json::write_assessment(&a, &mut out);
        }
        out.push(b']');
    } else {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(syntax)?;
        let a = assess_str(text, &defaults, policies).map_err(|e| invalid(e, ""))?;
        jiuzhu_policy::json::write_assessment(&a, &mut out);
    }
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], out).into_response())
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct AssessRequest {
    /// The date to assess on (default: today).
    pub date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentCreated {
    pub id: i64,
    /// The assess-v1 result.
    #[schema(value_type = Object)]
    pub result: Assessment,
}

/// Assess a registered household in your region and keep the result.
#[utoipa::path(post, path = "/api/v1/households/{id}/assessments", params(crate::extract::Id), request_body = Option<AssessRequest>,
    responses((status = 201, body = AssessmentCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn assess_household(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
    body: Option<Json<AssessRequest>>,
) -> Result<Response, WebError> {
    let date = body.and_then(|b| b.0.date).unwrap_or_else(|| state.clock.today());
    let (aid, result) = state.registry.assess(&user, id, date, Policies::builtin()).await?;
    Ok((StatusCode::CREATED, Json(AssessmentCreated { id: aid, result })).into_response())
}

/// One stored assessment, without the full result.
#[derive(Serialize, ToSchema)]
pub struct AssessmentSummary {
    pub id: i64,
    pub as_of: NaiveDate,
    pub at: String,
    pub actor: String,
    pub score: i64,
    pub level: String,
    pub dibao: i64,
    pub tekun: i64,
    pub flags: i64,
}

/// A household's stored assessments, newest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/assessments", params(crate::extract::Id), responses((status = 200, body = [AssessmentSummary]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_assessments(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(Id(id)): Path<Id>,
) -> Result<Json<Vec<AssessmentSummary>>, WebError> {
    Ok(Json(state.registry.assessments(&user, id).await?.into_iter().map(AssessmentSummary::from).collect()))
}

impl AssessmentSummary {
    pub fn dibao_yuan(&self) -> String {
        Fen(self.dibao).to_string()
    }
    pub fn tekun_yuan(&self) -> String {
        Fen(self.tekun).to_string()
    }
}

impl From<jiuzhu_store::AssessmentRecord> for AssessmentSummary {
    fn from(a: jiuzhu_store::AssessmentRecord) -> AssessmentSummary {
        AssessmentSummary {
            id: a.id,
            as_of: a.as_of,
            at: beijing_minutes(a.at),
            actor: a.actor,
            score: a.score,
            level: a.level,
            dibao: a.dibao,
            tekun: a.tekun,
            flags: a.flags,
        }
    }
}

#[derive(Deserialize)]
struct AssessForm {
    #[serde(default)]
    date: String,
}

async fn assess_page_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    axum::Form(f): axum::Form<AssessForm>,
) -> Response {
    let date = match f.date.trim() {
        "" => state.clock.today(),
        d => match d.parse() {
            Ok(d) => d,
            Err(_) => {
                return WebError::Invalid(FieldError::new("date", "date.format", "日期格式应为 YYYY-MM-DD", "date is YYYY-MM-DD").into())
                    .page(lang.0);
            }
        },
    };
    match state.registry.assess(&session.user, id, date, Policies::builtin()).await {
        Ok((aid, _)) => Redirect::to(&format!("/households/{id}/assessments/{aid}")).into_response(),
        Err(e) => WebError::from(e).page(lang.0),
    }
}

/// A reason as the page shows it.
struct ReasonRow {
    text: String,
    reference: String,
}

/// One programme as the page shows it.
struct ProgrammeRow {
    name: &'static str,
    status: &'static str,
    status_class: &'static str,
    amount: String,
    members: String,
    receiving: bool,
    reasons: Vec<ReasonRow>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    c: Chrome,
    household_id: i64,
    head: String,
    as_of: String,
    at: String,
    actor: String,
    eligible: Vec<ProgrammeRow>,
    others: Vec<ProgrammeRow>,
    receiving: Vec<ProgrammeRow>,
    members_counted: i64,
    monthly_income: String,
    per_capita: String,
    assets_ok: bool,
    /// (department, reason)
    referrals: Vec<(String, String)>,
    recommendation: Option<String>,
    score: i64,
    level: String,
    /// (dimension, score, weight)
    dimensions: Vec<(&'static str, i64, i64)>,
    /// The score of the assessment before this one, its id and date.
    previous: Option<(i64, i64, String)>,
    warnings: Vec<String>,
    /// (parameter, value, region, reference)
    parameters: Vec<(String, String, String, String)>,
    can_assess: bool,
    /// Kept by a registry-wide re-assessment (no reasons stored).
    batch: bool,
}

fn status_zh(s: Status, lang: PageLang) -> (&'static str, &'static str) {
    match s {
        Status::Eligible => (lang.t("符合条件", "eligible"), "ok"),
        Status::NotEligible => (lang.t("不符合", "not eligible"), "no"),
        Status::NeedsCheck => (lang.t("需核实", "needs a check"), "check"),
    }
}

async fn assessment_page(State(state): State<AppState>, Page { session, lang }: Page, Path((Id(id), Id(aid))): Path<(Id, Id)>) -> Response {
    let list = match state.registry.assessments(&session.user, id).await {
        Ok(x) => x,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let Some(pos) = list.iter().position(|x| x.id == aid) else { return WebError::NotFound.page(lang.0) };
    let rec = &list[pos];
    let previous = list.get(pos + 1).map(|p| (p.score, p.id, p.as_of.to_string()));
    let r: Value = match serde_json::from_str(&rec.result) {
        Ok(v) => v,
        Err(e) => return WebError::internal(e).page(lang.0),
    };
    let head = state.registry.get(&session.user, id).await.map(|h| h.head().data.name.clone()).unwrap_or_default();
    let (mut eligible, mut others, mut receiving) = (Vec::new(), Vec::new(), Vec::new());
    for p in r["programmes"].as_array().cloned().unwrap_or_default() {
        let prog = p["programme"].as_str().unwrap_or("");
        let name = match prog {
            "dibao" => lang.t("最低生活保障（低保）", "Minimum living allowance (dibao)"),
            "tekun" => lang.t("特困人员救助供养", "Extreme-poverty support (tekun)"),
            "dibao_edge" => lang.t("低保边缘家庭", "Near-dibao (edge) family"),
            "rigid_expense" => lang.t("刚性支出困难家庭", "Rigid-expense hardship family"),
            _ => lang.t("临时救助", "Temporary assistance"),
        };
        let status = match p["status"].as_str() {
            Some("eligible") => Status::Eligible,
            Some("needs_check") => Status::NeedsCheck,
            _ => Status::NotEligible,
        };
        let (st, class) = status_zh(status, lang);
        let amount = match (p["monthly_amount"].as_i64(), p["amount"].as_i64()) {
            (Some(m), _) if status == Status::Eligible => format!("{} {}", Fen(m), lang.t("元/月", "yuan/month")),
            (_, Some(x)) if status == Status::Eligible => format!("{} {}", Fen(x), lang.t("元（一次性）", "yuan (once)")),
            _ => String::new(),
        };
        let reasons = p["reasons"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|x| ReasonRow {
                        text: x[if lang.is_en() { "text_en" } else { "text" }].as_str().unwrap_or("").to_string(),
                        reference: x["reference"].as_str().unwrap_or("").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let members =
            p["members"].as_array().map(|m| m.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("、")).unwrap_or_default();
        let row = ProgrammeRow {
            name,
            status: st,
            status_class: class,
            amount,
            members,
            receiving: p["receiving"].as_bool().unwrap_or(false),
            reasons,
        };
        if row.receiving {
            receiving.push(row);
        } else if status == Status::Eligible {
            eligible.push(row);
        } else {
            others.push(row);
        }
    }
    let hh = &r["household"];
    let dims = &r["difficulty_index"]["dimensions"];
    let weights = &r["difficulty_index"]["weights"];
    let dimensions = [
        ("income", lang.t("收支", "Income and spending")),
        ("health", lang.t("健康", "Health")),
        ("education", lang.t("教育", "Education")),
        ("living", lang.t("居住与生活", "Living conditions")),
        ("labour", lang.t("劳动能力", "Labour capacity")),
    ]
    .iter()
    .enumerate()
    .map(|(i, (k, name))| (*name, dims[*k].as_i64().unwrap_or(0), weights[i].as_i64().unwrap_or(0)))
    .collect();
    let referrals = r["referrals"]
        .as_array()
        .map(|rs| {
            rs.iter().map(|x| (x["to_zh"].as_str().unwrap_or("").to_string(), x["reason"].as_str().unwrap_or("").to_string())).collect()
        })
        .unwrap_or_default();
    let parameters = r["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|x| {
                    let name = x["name"].as_str().unwrap_or("");
                    let zh = jiuzhu_policy::params::spec(name).map(|s| s.zh).unwrap_or(name);
                    let shown = jiuzhu_policy::params::display_value(name, x["value"].as_i64().unwrap_or(0));
                    let region = match x["region"].as_str().unwrap_or("") {
                        "" => lang.t("全国", "national").to_string(),
                        r => r.to_string(),
                    };
                    (zh.to_string(), shown, region, x["reference"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let c = Chrome::new(&state, &session, lang, &format!("/households/{id}/assessments/{aid}")).await;
    render(AssessmentPage {
        c,
        household_id: id,
        head,
        as_of: rec.as_of.to_string(),
        at: beijing_minutes(rec.at),
        actor: rec.actor.clone(),
        eligible,
        others,
        receiving,
        members_counted: hh["members_counted"].as_i64().unwrap_or(0),
        monthly_income: Fen(hh["monthly_income"].as_i64().unwrap_or(0)).to_string(),
        per_capita: Fen(hh["per_capita_monthly_income"].as_i64().unwrap_or(0)).to_string(),
        assets_ok: hh["assets_ok"].as_bool().unwrap_or(false),
        referrals,
        recommendation: r["recommendation"]["text"].as_str().map(str::to_string),
        score: rec.score,
        level: jiuzhu_policy::index::level(rec.score.clamp(0, 100) as u8).1.to_string(),
        dimensions,
        previous,
        warnings: r["warnings"].as_array().map(|w| w.iter().filter_map(|x| x.as_str().map(|t| lang.half(t))).collect()).unwrap_or_default(),
        parameters,
        can_assess: session.user.can(Permission::AssessHousehold),
        batch: r["batch"].as_bool().unwrap_or(false),
    })
}
