//! 进度查询: a resident follows an application with its 办件编号 and the applicant's ID number or
//! the query code. A wrong pair answers exactly like an unknown number (same page, same status),
//! and lookups are limited per address, per number and per ID number or code tried.

use super::{Resident, error_page};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use jiuzhu_domain::Fen;
use jiuzhu_domain::trail::Trail;
use jiuzhu_residents::Progress;
use jiuzhu_residents::submission::{read_proof, read_reference};

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/progress", get(form).post(query))
}

#[derive(Template)]
#[template(path = "public/progress.html")]
struct QueryPage<'a> {
    r: &'a Resident,
    reference: String,
    /// Shown when a query found nothing.
    not_found: bool,
}

#[derive(Template)]
#[template(path = "public/progress_result.html")]
struct ResultPage<'a> {
    r: &'a Resident,
    p: Progress,
    /// 好差评 once decided.
    offer: jiuzhu_residents::ratings::Offer,
    /// 材料照片: the photos page's ticket while photos can be added or seen.
    photos: Option<String>,
    /// The rating form starts empty.
    blank: String,
    errs: crate::frame::Errs,
}

impl ResultPage<'_> {
    fn yuan(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }
    fn state(&self) -> &'static str {
        self.r.t(self.p.state.zh(), self.p.state.en())
    }
    fn kinds(&self) -> String {
        self.p.kinds.iter().map(|k| self.r.t(k.zh(), k.en())).collect::<Vec<_>>().join(self.r.t("、", ", "))
    }
}

async fn form(r: Resident) -> Response {
    render(QueryPage { r: &r, reference: String::new(), not_found: false })
}

#[derive(serde::Deserialize)]
struct Asked {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    proof: String,
}

async fn query(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(a): Form<Asked>) -> Response {
    let pair = read_reference(&a.reference).zip(read_proof(&a.proof)).map(|(r, p)| (format!("ref:{r}"), format!("proof:{p:?}")));
    if !super::lookup_allowed(&state, ip, pair) {
        return error_page(&r, WebError::TooMany);
    }
    let trail = Trail::default();
    let answer = match state.residents.progress(&trail, &a.reference, &a.proof).await {
        Ok(p) => {
            let offers = async {
                let offer = state.ratings.offer_for_application(p.application_id, &r.token).await?;
                let photos = state.documents.offer(p.application_id, &r.token).await?;
                Ok::<_, jiuzhu_residents::ResidentsError>((offer, photos))
            };
            match offers.await {
                Ok((offer, photos)) => {
                    render(ResultPage { r: &r, p, offer, photos, blank: String::new(), errs: crate::frame::Errs::default() })
                }
                Err(e) => error_page(&r, WebError::from(e)),
            }
        }
        // The form again with "nothing found": the same page whatever did not match.
        Err(jiuzhu_residents::ResidentsError::NotFound) => render(QueryPage { r: &r, reference: a.reference.clone(), not_found: true }),
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}
