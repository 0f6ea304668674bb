//! 公示: a town's notice board on the residents' site — the applications in their notice period
//! and this month's payment lists, names masked as on paper, with where to object or report.

use super::{Resident, error_page, town_of};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::render;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiuzhu_domain::trail::Trail;
use jiuzhu_domain::{Division, Fen};
use jiuzhu_residents::notices::TownNotices;

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/notices", get(board))
}

#[derive(Template)]
#[template(path = "public/notices.html")]
struct BoardPage<'a> {
    r: &'a Resident,
    town: Division,
    place: String,
    n: TownNotices,
    contacts: crate::offices::Contacts,
}

impl BoardPage<'_> {
    fn yuan(&self, fen: &i64) -> String {
        if *fen == 0 { String::new() } else { Fen(*fen).to_string() }
    }
    fn amount(&self, fen: &Fen) -> String {
        fen.to_string()
    }
    fn day(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| if self.r.lang.is_en() { d.format("%-d %b").to_string() } else { d.format("%-m月%-d日").to_string() }).unwrap_or_default()
    }
    fn programme(&self, line: &jiuzhu_casework::notice::NoticeLine) -> String {
        let kind = self.r.t(line.kind.zh(), line.kind.en());
        if line.stopping { format!("{kind}{}", self.r.t("（拟停止）", " (to stop)")) } else { kind.to_string() }
    }
    fn month(&self) -> String {
        if self.r.lang.is_en() { self.n.month.format("%B %Y").to_string() } else { self.n.month.format("%Y年%-m月").to_string() }
    }
    fn list_title(&self, p: &jiuzhu_store::Payroll) -> String {
        format!("{}{}", self.r.t(p.programme.zh(), p.programme.en()), self.r.t("发放名单", " payments"))
    }
    fn kind(&self, l: &jiuzhu_payments::PublicPayment) -> &'static str {
        self.r.t(l.kind.zh(), l.kind.en())
    }
}

#[derive(serde::Deserialize)]
struct RegionQuery {
    region: Option<String>,
}

async fn board(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Query(q): Query<RegionQuery>) -> Response {
    // Each board reads and decrypts every case on notice: limited per address.
    if !state.notices_limiter.allow(ip, std::time::Instant::now()) {
        return error_page(&r, WebError::TooMany);
    }
    // A village's board is its town's.
    let town = match town_of(&state, q.region.as_deref()).await {
        Ok(Some((town, _))) => town,
        Ok(None) => return Redirect::to("/m/town?next=notices").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let trail = Trail::default();
    let answer = match state.notices.town(&trail, &town.code).await {
        Ok(n) => {
            let place = state.registry.region_names(&town.code).await;
            let contacts = state.offices.contacts(&town.code);
            render(BoardPage { r: &r, town, place, n, contacts })
        }
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}
