//! 群众端 JSON API (`/api/v1/public/…`): what the residents' pages show, for a county's WeChat
//! 公众号 or the province's app to show in their own pages. No login; the same services, limits,
//! masking and audit as the pages (`/m/`), and nothing personal in an address: the lookups by
//! number and secret are POSTs. The public assessment is `POST /api/v1/assess` (crate::assess).

use super::{chosen_region, lookup_allowed, town_of};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use jiuzhu_domain::trail::Trail;
use jiuzhu_domain::{FieldError, RegionCode};
use jiuzhu_policy::Policies;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/public/regions", get(regions))
        .route("/api/v1/public/guide", get(guide))
        .route("/api/v1/public/notices", get(notices))
        .route("/api/v1/public/progress", post(progress))
        .route("/api/v1/public/reports/lookup", post(report))
}

/// Chinese and English words.
#[derive(Serialize, ToSchema)]
pub struct Words {
    pub zh: String,
    pub en: String,
}

fn words(zh: &str, en: &str) -> Words {
    Words { zh: zh.to_string(), en: en.to_string() }
}

/// One division to choose from.
#[derive(Serialize, ToSchema)]
pub struct PublicRegion {
    /// 统计用区划代码 (12 digits for towns and villages).
    pub code: String,
    pub name: String,
    /// `province`, `city`, `county`, `town` or `village`.
    pub level: String,
}

#[derive(Deserialize, IntoParams)]
pub struct Within {
    /// The division whose children are listed; none: the deployment's top level.
    pub within: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct RegionParam {
    /// A county, town or village code (a village's notices are its town's).
    pub region: String,
}

fn region_invalid() -> WebError {
    WebError::Invalid(
        FieldError::new("region", "region.format", "请填写乡镇（街道）或村的区划代码", "give the code of a town or village").into(),
    )
}

/// 行政区划 to choose the 户籍 from: the children of `within` (none: the top of this deployment).
#[utoipa::path(get, path = "/api/v1/public/regions", params(Within),
    responses((status = 200, body = [PublicRegion]), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn regions(State(state): State<AppState>, Query(q): Query<Within>) -> Result<Json<Vec<PublicRegion>>, WebError> {
    let parent = match q.within.as_deref().filter(|w| !w.is_empty()) {
        Some(w) => Some(RegionCode::parse(w).map_err(|_| WebError::NotFound)?),
        None => None,
    };
    if let Some(p) = &parent
        && state.registry.public_region(p).await.map_err(WebError::from)?.is_none()
    {
        return Err(WebError::NotFound);
    }
    let children = state.registry.public_children(parent.as_ref()).await.map_err(WebError::from)?;
    Ok(Json(
        children
            .into_iter()
            .map(|d| PublicRegion { level: d.code.level().as_str().to_string(), code: d.code.to_string(), name: d.name })
            .collect(),
    ))
}

/// A standard in force, with the notice it comes from.
#[derive(Serialize, ToSchema)]
pub struct StandardView {
    pub label: Words,
    /// Fen (元 × 100).
    pub fen: i64,
    /// How it is applied, in words.
    pub how: Words,
    /// The notice (文件) the figure comes from.
    pub reference: String,
    /// The day it took effect, when known.
    pub since: Option<NaiveDate>,
    /// From an official notice; `false`: illustrative or unverified (shown with a warning).
    pub official: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeView {
    /// `dibao`, `tekun`, `edge`, `rigid_expense`, `temporary`.
    pub kind: String,
    pub name: Words,
    pub what: Words,
    pub who: Vec<Words>,
    pub standards: Vec<StandardView>,
    pub materials: Vec<Words>,
}

/// Where to ask: the town window (from the deployment's `offices.yaml`; empty when not set up).
#[derive(Serialize, ToSchema)]
pub struct ContactsView {
    pub office: String,
    pub phone: String,
    /// 监督举报电话.
    pub supervision_phone: String,
}

impl From<crate::offices::Contacts> for ContactsView {
    fn from(c: crate::offices::Contacts) -> Self {
        ContactsView { office: c.office, phone: c.phone, supervision_phone: c.supervision_phone }
    }
}

/// 政策指南 of one region on today's date.
#[derive(Serialize, ToSchema)]
pub struct GuideView {
    pub region: String,
    /// The full name (`甘肃省 平凉市 庄浪县 水洛镇`).
    pub place: String,
    pub date: NaiveDate,
    pub programmes: Vec<ProgrammeView>,
    /// Doubts about figures (illustrative, unverified or old notices).
    pub warnings: Vec<String>,
    /// Where to apply: the window of the town of the 户籍.
    pub where_to_apply: ContactsView,
}

/// 政策指南: what each programme is, who may get it, today's standards with their notices, what to
/// bring and where to apply.
#[utoipa::path(get, path = "/api/v1/public/guide", params(RegionParam),
    responses((status = 200, body = GuideView), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn guide(State(state): State<AppState>, Query(q): Query<RegionParam>) -> Result<Json<GuideView>, WebError> {
    let d = chosen_region(&state, Some(&q.region)).await?.ok_or_else(region_invalid)?;
    let today = state.clock.today();
    let g = jiuzhu_policy::guide::guide(Policies::builtin(), d.code.as_str(), today)
        .map_err(|m| WebError::Invalid(FieldError::new("region", "parameter.missing", m.zh(), m.en()).into()))?;
    let apply = super::guide::WhereToApply::of(&state, &d).await;
    let programmes = g
        .programmes
        .iter()
        .map(|p| ProgrammeView {
            kind: p.programme.kind().as_str().to_string(),
            name: words(p.programme.kind().zh(), p.programme.kind().en()),
            what: words(p.what_zh, p.what_en),
            who: p.who.iter().map(|(zh, en)| words(zh, en)).collect(),
            standards: p
                .standards
                .iter()
                .map(|s| StandardView {
                    label: words(s.label_zh, s.label_en),
                    fen: s.fen,
                    how: words(&s.how_zh, &s.how_en),
                    reference: s.source.reference.to_string(),
                    since: s.source.since,
                    official: s.official(),
                })
                .collect(),
            materials: p.materials.iter().map(|m| words(&m.name, &m.name_en)).collect(),
        })
        .collect();
    Ok(Json(GuideView {
        region: d.code.to_string(),
        place: apply.place,
        date: g.date,
        programmes,
        warnings: g.warnings,
        where_to_apply: apply.contacts.into(),
    }))
}

/// An application on notice (拟救助对象公示): the name masked, never an identifier.
#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    pub village: String,
    /// 张*丰
    pub applicant: String,
    pub household_size: usize,
    pub programme: Words,
    /// A review that would stop the benefit (拟停止).
    pub stopping: bool,
    pub monthly_amount_fen: i64,
    pub one_off_amount_fen: i64,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentLineView {
    pub village: String,
    /// 张*丰
    pub payee: String,
    pub members: i64,
    pub kind: Words,
    /// `YYYY-MM`: the month the money is for (arrears name an earlier one).
    pub benefit_month: String,
    pub amount_fen: i64,
}

/// One approved payment list of the month, the town's lines.
#[derive(Serialize, ToSchema)]
pub struct PaymentListView {
    pub programme: Words,
    pub lines: Vec<PaymentLineView>,
}

/// 公示: a town's notice board today.
#[derive(Serialize, ToSchema)]
pub struct NoticesView {
    pub town: String,
    pub place: String,
    pub today: NaiveDate,
    pub on_notice: Vec<NoticeView>,
    /// The first day of the month whose lists are posted.
    pub month: NaiveDate,
    pub payments: Vec<PaymentListView>,
    /// How to object or report: the town window and the supervision phone.
    pub how_to_object: ContactsView,
}

/// 公示: the applications in their notice period and this month's approved payment lists of a
/// town (a village's board is its town's). Limited per address, like the page.
#[utoipa::path(get, path = "/api/v1/public/notices", params(RegionParam),
    responses((status = 200, body = NoticesView), (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn notices(State(state): State<AppState>, ClientIp(ip): ClientIp, Query(q): Query<RegionParam>) -> Response {
    if !state.notices_limiter.allow(ip, std::time::Instant::now()) {
        return WebError::TooMany.into_response();
    }
    let town = match town_of(&state, Some(&q.region)).await {
        Ok(Some((town, _))) => town,
        Ok(None) => return region_invalid().into_response(),
        Err(e) => return e.into_response(),
    };
    let trail = Trail::default();
    let answer = match state.notices.town(&trail, &town.code).await {
        Ok(n) => Json(NoticesView {
            town: town.code.to_string(),
            place: state.registry.region_names(&town.code).await,
            today: n.today,
            on_notice: n
                .approvals
                .into_iter()
                .map(|l| NoticeView {
                    village: l.village,
                    applicant: l.applicant,
                    household_size: l.household_size,
                    programme: words(l.kind.zh(), l.kind.en()),
                    stopping: l.stopping,
                    monthly_amount_fen: l.monthly_amount,
                    one_off_amount_fen: l.one_off_amount,
                    starts_on: l.starts_on,
                    ends_on: l.ends_on,
                })
                .collect(),
            month: n.month,
            payments: n
                .payments
                .into_iter()
                .map(|(p, lines)| PaymentListView {
                    programme: words(p.programme.zh(), p.programme.en()),
                    lines: lines
                        .into_iter()
                        .map(|l| PaymentLineView {
                            village: l.village,
                            payee: l.payee,
                            members: l.members,
                            kind: words(l.kind.zh(), l.kind.en()),
                            benefit_month: l.benefit_month,
                            amount_fen: l.amount.0,
                        })
                        .collect(),
                })
                .collect(),
            how_to_object: state.offices.contacts(&town.code).into(),
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    };
    crate::audit::resident_trail(answer, trail)
}

/// A lookup of an application: its 办件编号 and the applicant's ID number or the query code.
#[derive(Deserialize, ToSchema)]
pub struct ProgressQuery {
    /// 办件编号 (`WS20261207-482913`).
    pub reference: String,
    /// The applicant's ID number, or the query code from the receipt.
    pub proof: String,
}

#[derive(Serialize, ToSchema)]
pub struct StepView {
    pub on: NaiveDate,
    pub step: Words,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeView {
    pub on: NaiveDate,
    pub approved: bool,
    pub monthly_amount_fen: i64,
    pub one_off_amount_fen: i64,
    /// The first month paid.
    pub effective_month: Option<NaiveDate>,
    pub reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseProgressView {
    pub programme: Words,
    pub state: Words,
    pub steps: Vec<StepView>,
    /// The day the current step is due (working days of the official calendar).
    pub due: Option<NaiveDate>,
    pub working_days_left: Option<u32>,
    /// Materials still to bring.
    pub missing: Vec<Words>,
    pub outcome: Option<OutcomeView>,
}

/// 进度查询: an application as its resident follows it.
#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub reference: String,
    pub submitted_on: NaiveDate,
    pub state: Words,
    pub handled_on: Option<NaiveDate>,
    /// Why the town declined it (不予受理).
    pub declined_reason: Option<String>,
    pub programmes: Vec<Words>,
    /// 张* (masked).
    pub applicant: String,
    pub cases: Vec<CaseProgressView>,
}

/// 进度查询 by 办件编号 and ID number or query code. A wrong pair answers exactly like an unknown
/// number (404); limited per address, per number and per secret tried, like the page.
#[utoipa::path(post, path = "/api/v1/public/progress", request_body = ProgressQuery,
    responses((status = 200, body = ProgressView), (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn progress(State(state): State<AppState>, ClientIp(ip): ClientIp, Json(q): Json<ProgressQuery>) -> Response {
    use jiuzhu_residents::submission::{read_proof, read_reference};
    let pair = read_reference(&q.reference).zip(read_proof(&q.proof)).map(|(r, p)| (format!("ref:{r}"), format!("proof:{p:?}")));
    if !lookup_allowed(&state, ip, pair) {
        return WebError::TooMany.into_response();
    }
    let trail = Trail::default();
    let answer = match state.residents.progress(&trail, &q.reference, &q.proof).await {
        Ok(p) => Json(ProgressView {
            reference: p.reference,
            submitted_on: p.submitted_on,
            state: words(p.state.zh(), p.state.en()),
            handled_on: p.handled_on,
            declined_reason: p.declined_reason,
            programmes: p.kinds.iter().map(|k| words(k.zh(), k.en())).collect(),
            applicant: p.applicant,
            cases: p
                .cases
                .into_iter()
                .map(|c| CaseProgressView {
                    programme: words(c.kind.zh(), c.kind.en()),
                    state: words(c.state.zh(), c.state.en()),
                    steps: c.steps.into_iter().map(|s| StepView { on: s.on, step: Words { zh: s.zh, en: s.en } }).collect(),
                    due: c.due,
                    working_days_left: c.working_days_left,
                    missing: c.missing.into_iter().map(|(zh, en)| Words { zh, en }).collect(),
                    outcome: c.outcome.map(|o| OutcomeView {
                        on: o.on,
                        approved: o.approved,
                        monthly_amount_fen: o.monthly_amount,
                        one_off_amount_fen: o.one_off_amount,
                        effective_month: o.effective_month,
                        reasons: o.reasons,
                    }),
                })
                .collect(),
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    };
    crate::audit::resident_trail(answer, trail)
}

/// A lookup of a report (投诉举报): its code and PIN.
#[derive(Deserialize, ToSchema)]
pub struct ReportQuery {
    /// 举报编号 (`JB20261207-482913`).
    pub code: String,
    /// 查询密码 (8 digits).
    pub pin: String,
}

/// A report as its reporter reads it: where it stands and the reply; never the findings kept
/// inside.
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub code: String,
    pub category: Words,
    pub state: Words,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// Passed to the county because the town did not answer in time.
    pub escalated_on: Option<NaiveDate>,
    /// The day an answer is due (working days).
    pub due_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
    pub finding: Option<Words>,
    pub reply: Option<String>,
}

/// 查投诉举报结果 by code and PIN. A wrong PIN answers exactly like an unknown code (404); limited
/// like the page.
#[utoipa::path(post, path = "/api/v1/public/reports/lookup", request_body = ReportQuery,
    responses((status = 200, body = ReportView), (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn report(State(state): State<AppState>, ClientIp(ip): ClientIp, Json(q): Json<ReportQuery>) -> Response {
    use jiuzhu_residents::complaints::rules::{read_code, read_pin};
    let pair = read_code(&q.code).zip(read_pin(&q.pin)).map(|(c, p)| (format!("report:{c}"), format!("pin:{p}")));
    if !lookup_allowed(&state, ip, pair) {
        return WebError::TooMany.into_response();
    }
    let trail = Trail::default();
    let answer = match state.complaints.read_back(&trail, &q.code, &q.pin).await {
        Ok(v) => Json(ReportView {
            code: v.code,
            category: words(v.category.zh(), v.category.en()),
            state: words(v.state.zh(), v.state.en()),
            received_on: v.received_on,
            accepted_on: v.accepted_on,
            escalated_on: v.escalated_on,
            due_on: v.due_on,
            answered_on: v.answered_on,
            finding: v.finding.map(|f| words(f.zh(), f.en())),
            reply: v.reply,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    };
    crate::audit::resident_trail(answer, trail)
}
