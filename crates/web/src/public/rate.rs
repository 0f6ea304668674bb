//! 好差评 on the residents' site: the rating form sits on the result pages of an application
//! (once decided) and of a report (once answered), with the ticket the lookup gave; sending it
//! thanks the resident and, for a bad rating, says by when it will be checked and put right. A
//! refusal shows the form again with what was written.

use super::{Resident, error_page};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::{Errs, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use jiuzhu_domain::trail::Trail;
use jiuzhu_residents::ResidentsError;
use jiuzhu_residents::ratings::{Offer, Rated};

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/rate", post(rate))
}

/// The five levels as the form lists them: code, Chinese, English, the national stars.
pub const LEVELS: [(&str, &str, &str, &str); 5] = [
    ("very_satisfied", "非常满意", "Very satisfied", "★★★★★"),
    ("satisfied", "满意", "Satisfied", "★★★★☆"),
    ("fairly_satisfied", "基本满意", "Fairly satisfied", "★★★☆☆"),
    ("dissatisfied", "不满意", "Dissatisfied", "★★☆☆☆"),
    ("very_dissatisfied", "非常不满意", "Very dissatisfied", "★☆☆☆☆"),
];

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RateForm {
    ticket: String,
    level: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "public/rate.html")]
struct RatePage<'a> {
    r: &'a Resident,
    offer: Offer,
    level: String,
    comment: String,
    errs: Errs,
    messages: Vec<String>,
}

/// A rating that cannot be taken now (rated already, too many tries): why, with what was written
/// still on the page.
fn refused(r: &Resident, f: &RateForm, e: WebError) -> Response {
    let b = e.body();
    let messages = vec![r.lang.0.pick(&b.message, &b.message_en).to_string()];
    let page = RatePage { r, offer: Offer::NotYet, level: f.level.clone(), comment: f.comment.clone(), errs: Errs::default(), messages };
    (e.status(), render(page)).into_response()
}

#[derive(Template)]
#[template(path = "public/rated.html")]
struct RatedPage<'a> {
    r: &'a Resident,
    rated: Rated,
}

impl RatedPage<'_> {
    fn level(&self) -> &'static str {
        self.r.t(self.rated.level.zh(), self.rated.level.en())
    }
    fn bad(&self) -> bool {
        self.rated.level.is_bad()
    }
}

async fn rate(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(f): Form<RateForm>) -> Response {
    if state.ratings.ticket_holds(&f.ticket, &r.token) && !state.residents_limiter.allow(ip, std::time::Instant::now()) {
        return refused(&r, &f, WebError::TooMany);
    }
    let trail = Trail::default();
    let answer = match state.ratings.rate(&trail, &f.ticket, &r.token, &f.level, &f.comment).await {
        Ok(rated) => render(RatedPage { r: &r, rated }),
        Err(ResidentsError::Invalid(v)) => {
            let (errs, messages) = (Errs::new(&v, r.lang), crate::frame::messages(&v, r.lang));
            // An expired ticket: no form to send again, but what was written stays on the page.
            let offer = if v.for_field("ticket").is_some() { Offer::NotYet } else { Offer::Rate { ticket: f.ticket.clone() } };
            let page = RatePage { r: &r, offer, level: f.level.clone(), comment: f.comment.clone(), errs, messages };
            (StatusCode::UNPROCESSABLE_ENTITY, render(page)).into_response()
        }
        Err(ResidentsError::Conflict) => refused(
            &r,
            &f,
            WebError::refused(
                StatusCode::CONFLICT,
                "rating.once",
                "这件事已经评价过了（每件事评价一次），或者还没有办结。",
                "this matter has been rated already (once per matter), or it has not ended yet.",
            ),
        ),
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}
