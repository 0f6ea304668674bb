//! 监测预警 pages: the monitoring pools (一类库, 二类库) with why each household was found, where
//! it is referred and when the next quarterly visit (一季度一访问) is due; recording a visit;
//! 转介 into a department case; and 检出率. The pools are the monitoring service's
//! ([`jiuzhu_verify::monitoring`]), the referral casework's.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_store::{MonitoringPool, MonitoringRow};
use jiuzhu_verify::monitoring::{may_visit, referable};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring", get(monitoring_page))
        .route("/monitoring/{household_id}/visit", post(visit_submit))
        .route("/monitoring/{household_id}/refer", post(refer_submit))
}

/// One reason a household was found.
pub struct Reason {
    kind: String,
    member: String,
    evidence: String,
}

pub struct EntryRow {
    household_id: i64,
    head: String,
    region: String,
    pool: &'static str,
    pool_name: &'static str,
    reasons: Vec<Reason>,
    referrals: Vec<String>,
    /// Department cases this household can be referred as: (kind code, 转介 label).
    referable: Vec<(&'static str, String)>,
    assessment: String,
    found_on: String,
    next_visit_on: String,
    visit_due: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonitoringParams {
    /// `likely` (一类库), `watch` (二类库) or empty (both).
    pool: String,
    /// `1`: only visits due.
    due: String,
    page: Option<Id>,
    notice: String,
}

#[derive(Template)]
#[template(path = "monitoring.html")]
struct MonitoringPage {
    c: Chrome,
    entries: Vec<EntryRow>,
    likely: i64,
    watch: i64,
    pool: String,
    due: bool,
    page: i64,
    more: bool,
    notice: String,
    can_visit: bool,
    /// Window clerks open referral cases (转介) from the pools.
    can_refer: bool,
    /// 检出率 by town and month over the last 12 months (statistics readers).
    rates: Vec<RateRow>,
    can_rates: bool,
}

pub struct RateRow {
    region: String,
    month: String,
    programme: &'static str,
    checked: u64,
    failed: u64,
    percent: String,
}

async fn entry_row(state: &AppState, row: MonitoringRow, lang: PageLang, today: chrono::NaiveDate) -> EntryRow {
    let e = row.entry;
    EntryRow {
        household_id: e.household_id,
        head: row.head_name,
        region: state.registry.region_name(&e.region).await.ok().flatten().unwrap_or_else(|| e.region.to_string()),
        pool: e.pool.as_str(),
        pool_name: if e.pool == MonitoringPool::Likely { lang.t("一类库", "Pool 1") } else { lang.t("二类库", "Pool 2") },
        referable: referable(&e)
            .into_iter()
            .map(|k| (k.as_str(), format!("{}{}", lang.t("转介", "Refer: "), lang.t(k.zh(), k.en()))))
            .collect(),
        reasons: e
            .reasons
            .iter()
            .map(|r| Reason { kind: r.zh.clone(), member: r.member.clone().unwrap_or_default(), evidence: r.evidence.clone() })
            .collect(),
        referrals: e.referrals,
        assessment: e.assessment,
        found_on: e.found_on.to_string(),
        next_visit_on: e.next_visit_on.to_string(),
        visit_due: e.next_visit_on <= today,
    }
}

async fn monitoring_page(State(state): State<AppState>, Page { session, lang }: Page, Query(p): Query<MonitoringParams>) -> Response {
    let user = &session.user;
    let (pool, due, page) = (MonitoringPool::parse(&p.pool), p.due == "1", p.page.map_or(0, |p| p.0));
    let found = match state.monitoring.pools(user, pool, due, page).await {
        Ok(f) => f,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let today = state.clock.today();
    let mut entries = Vec::with_capacity(found.rows.len());
    for row in found.rows {
        entries.push(entry_row(&state, row, lang, today).await);
    }
    let can_rates = user.can(Permission::ReadStatistics);
    let mut rates = Vec::new();
    if can_rates {
        let found = match state.monitoring.rates(user).await {
            Ok(r) => r,
            Err(e) => return WebError::from(e).page(lang.0),
        };
        for r in found {
            let region = match RegionCode::parse(&r.region) {
                Ok(c) => state.registry.region_name(&c).await.ok().flatten().unwrap_or_else(|| r.region.clone()),
                Err(_) => r.region.clone(),
            };
            rates.push(RateRow {
                region,
                month: r.month,
                programme: if r.programme == "dibao" {
                    lang.t("低保检出率", "Dibao detection")
                } else {
                    lang.t("低收入检出率", "Low-income detection")
                },
                checked: r.checked,
                failed: r.failed,
                percent: format!("{:.1}%", r.rate * 100.0),
            });
        }
    }
    let page = MonitoringPage {
        c: Chrome::new(&state, &session, lang, "/monitoring").await,
        entries,
        likely: found.likely,
        watch: found.watch,
        pool: p.pool,
        due,
        page: page.clamp(0, 10_000),
        more: found.more,
        notice: p.notice.chars().take(200).collect(),
        can_visit: may_visit(user),
        can_refer: user.can(Permission::Intake),
        rates,
        can_rates,
    };
    render(page).into_response()
}

/// The pools again with a notice (what was done, or why not).
fn back_with(notice: &str) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(notice.as_bytes()).collect();
    Redirect::to(&format!("/monitoring?notice={encoded}")).into_response()
}

/// A refusal the user can act on goes back to the list with its message; others are pages.
fn refused(e: WebError, lang: PageLang) -> Response {
    match e {
        WebError::Invalid(v) => back_with(&v.0.iter().map(|e| e.message(lang.0)).collect::<Vec<_>>().join("；")),
        e => e.page(lang.0),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VisitForm {
    note: String,
}

/// A quarterly visit done: the next one is due three months from today.
async fn visit_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(household_id)): Path<Id>,
    Form(f): Form<VisitForm>,
) -> Response {
    match state.monitoring.record_visit(&session.user, household_id, &f.note).await {
        Ok(_) => back_with(&format!(
            "{}{}{}",
            lang.t("已记录走访：家庭 #", "Visit recorded: household #"),
            household_id,
            lang.t("，下次走访三个月后", "; next visit in three months")
        )),
        Err(e) => refused(e.into(), lang),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferForm {
    kind: String,
}

/// 转介: a department case for a household in the pools (see [`jiuzhu_casework::Casework::refer_from_pool`]).
async fn refer_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(household_id)): Path<Id>,
    Form(f): Form<ReferForm>,
) -> Response {
    match state.casework.refer_from_pool(&session.user, household_id, &f.kind, state.clock.today()).await {
        Ok((kind, id)) => back_with(&format!(
            "{}{}{}{id}",
            lang.t("已转介：", "Referred: "),
            lang.t(kind.zh(), kind.en()),
            lang.t("，案件 #", ", case #")
        )),
        Err(e) => refused(e.into(), lang),
    }
}
