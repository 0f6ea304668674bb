//! 公示: the applications in public notice in the user's region, as the notice posts them —
//! names masked, never an identifier, phone, bank or health detail.

use super::views::yuan;
use crate::error::{ErrorBody, WebError};
use crate::extract::{Page, RequireUser};
use crate::frame::{Chrome, render};
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use jiuzhu_casework::notice::NoticeLine;
use jiuzhu_domain::User;
use serde::Serialize;
use utoipa::ToSchema;

/// One line of the public notice: name masked, household size, programme, amount — never an
/// identifier, phone, bank or health detail (SECURITY.md).
#[derive(Serialize, ToSchema)]
pub struct PublicLine {
    pub case_id: i64,
    pub village: String,
    /// Masked: first and last character kept (张*丰, 欧**娜; two characters: 张*).
    pub applicant: String,
    pub household_size: usize,
    pub programme: String,
    pub monthly_amount_yuan: String,
    pub one_off_amount_yuan: String,
    pub starts_on: String,
    pub ends_on: String,
}

async fn public_lines(state: &AppState, u: &User) -> Result<Vec<PublicLine>, WebError> {
    let mut out = Vec::new();
    for (s, c) in state.casework.in_publicity(u).await? {
        let x = NoticeLine::of(&s, &c);
        out.push(PublicLine {
            case_id: x.case_id,
            village: x.village,
            applicant: x.applicant,
            household_size: x.household_size,
            programme: if x.stopping { format!("{}（停止）", x.kind.zh()) } else { x.kind.zh().into() },
            monthly_amount_yuan: if c.data.details.town.is_some() { yuan(x.monthly_amount) } else { String::new() },
            one_off_amount_yuan: if c.data.details.town.is_some() { yuan(x.one_off_amount) } else { String::new() },
            starts_on: x.starts_on.map(|d| d.to_string()).unwrap_or_default(),
            ends_on: x.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "publicity.html")]
struct PublicityPage {
    c: Chrome,
    lines: Vec<PublicLine>,
    region: String,
    today: String,
    /// Where objections go and the complaints hotline (blank: to fill in by hand).
    contacts: crate::offices::Contacts,
}

pub(super) async fn publicity_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    match public_lines(&state, &session.user).await {
        Ok(lines) => render(PublicityPage {
            contacts: state.offices.contacts(&session.user.scope.0),
            region: state.registry.region_name(&session.user.scope.0).await.ok().flatten().unwrap_or_default(),
            c: Chrome::new(&state, &session, lang, "/publicity").await,
            lines,
            today: state.clock.today().to_string(),
        }),
        Err(e) => e.page(lang.0),
    }
}

/// The cases in 公示 in the caller's region, as the notice posts them (names masked).
#[utoipa::path(get, path = "/api/v1/publicity", responses((status = 200, body = [PublicLine]), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_publicity(State(state): State<AppState>, RequireUser(u): RequireUser) -> Result<Json<Vec<PublicLine>>, WebError> {
    Ok(Json(public_lines(&state, &u).await?))
}
