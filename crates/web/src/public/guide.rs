//! 政策指南: each programme in plain words for the town of one's 户籍 — who may get it, the
//! standards in force today with the notice each comes from, what to bring and where to go.

use super::{Resident, chosen_region, error_page};
use crate::error::WebError;
use crate::frame::render;
use crate::offices::Contacts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiuzhu_domain::{FieldError, RegionLevel};
use jiuzhu_policy::Policies;
use jiuzhu_policy::guide::{Guide, guide};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/guide", get(guide_page))
}

#[derive(Deserialize)]
pub struct RegionQuery {
    pub region: Option<String>,
}

/// Where to apply: the town window of the 户籍 (and its phone, when the offices are set up).
pub struct WhereToApply {
    /// The chosen place's full name (`甘肃省 平凉市 庄浪县 水洛镇`).
    pub place: String,
    /// A town was chosen (else the resident is told to go to the town of the 户籍).
    pub is_town: bool,
    pub contacts: Contacts,
}

impl WhereToApply {
    pub async fn of(state: &AppState, d: &jiuzhu_domain::Division) -> WhereToApply {
        WhereToApply {
            place: state.registry.region_names(&d.code).await,
            is_town: d.code.level() >= RegionLevel::Town,
            contacts: state.offices.contacts(&d.code),
        }
    }
}

#[derive(Template)]
#[template(path = "public/guide.html")]
struct GuidePage<'a> {
    r: &'a Resident,
    region: String,
    apply: WhereToApply,
    guide: Guide,
}

impl GuidePage<'_> {
    /// A notice's date as people write it.
    fn since(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| if self.r.lang.is_en() { d.format("%Y-%m-%d").to_string() } else { d.format("%Y年%-m月%-d日").to_string() })
            .unwrap_or_default()
    }
    /// `，2023年1月1日起执行` unless the notice's own words already say when.
    fn since_note(&self, s: &jiuzhu_policy::guide::Standard) -> String {
        let d = self.since(&s.source.since);
        if d.is_empty() || s.source.reference.contains(&d) {
            return String::new();
        }
        format!("{}{d}{}", self.r.t("，", ", "), self.r.t("起执行", " onwards"))
    }
    fn today(&self) -> String {
        self.since(&Some(self.guide.date))
    }
    fn kind_name(&self, p: &jiuzhu_policy::Programme) -> &'static str {
        self.r.t(p.kind().zh(), p.kind().en())
    }
}

async fn guide_page(State(state): State<AppState>, r: Resident, Query(q): Query<RegionQuery>) -> Response {
    let d = match chosen_region(&state, q.region.as_deref()).await {
        Ok(Some(d)) => d,
        Ok(None) => return Redirect::to("/m/town?next=guide").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let today = state.clock.today();
    let g = match guide(Policies::builtin(), d.code.as_str(), today) {
        Ok(g) => g,
        Err(m) => return error_page(&r, WebError::Invalid(FieldError::new("region", "parameter.missing", m.zh(), m.en()).into())),
    };
    let apply = WhereToApply::of(&state, &d).await;
    render(GuidePage { r: &r, region: d.code.as_str().to_string(), apply, guide: g })
}
