//! 差评整改 for the units that handled a matter: the bad ratings (不满意, 非常不满意) residents gave
//! in the user's scope — of applications for the town reviewer and county approver, of complaints
//! for the 举报受理员 — soonest due first, and one rating with the form to record what was found,
//! what was done and whether the resident was told (回访).

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, Errs, beijing_minutes, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::rating::RatedMatter;
use jiuzhu_domain::trail::Action;
use jiuzhu_residents::ratings::RatingView;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ratings", get(list)).route("/ratings/{id}", get(one)).route("/ratings/{id}/rectify", post(rectify))
}

#[derive(Template)]
#[template(path = "ratings.html")]
struct ListPage {
    c: Chrome,
    views: Vec<RatingView>,
    done: bool,
}

impl ListPage {
    fn level(&self, v: &RatingView) -> &'static str {
        self.c.lang.t(v.rating.level.zh(), v.rating.level.en())
    }
    fn when(&self, v: &RatingView) -> String {
        beijing_minutes(v.rating.rated_at)
    }
    fn due(&self, v: &RatingView) -> String {
        v.rating.rectify_by.map(|d| d.to_string()).unwrap_or_default()
    }
    fn matter_link(&self, v: &RatingView) -> Option<String> {
        matter_link(v)
    }
    /// The start of the comment (the whole one is on the rating's page).
    fn gist(&self, v: &RatingView) -> String {
        let c = &v.rating.comment;
        if c.chars().count() > 30 { format!("{}…", c.chars().take(30).collect::<String>()) } else { c.clone() }
    }
}

/// Where the rated matter is read: the complaint's page, or the household an application was
/// taken into (its cases and decisions; an application declined at the window has none).
fn matter_link(v: &RatingView) -> Option<String> {
    match v.rating.matter {
        RatedMatter::Application => v.household_id.map(|h| format!("/households/{h}")),
        RatedMatter::Complaint => Some(format!("/complaints/{}", v.rating.matter_id)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<ListQuery>) -> Response {
    let done = q.done.is_some();
    match state.ratings.to_rectify(&session.user, done).await {
        Ok(views) => render(ListPage { c: Chrome::new(&state, &session, lang, "/ratings").await, views, done }),
        Err(e) => WebError::from(e).page(lang.0),
    }
}

#[derive(Template)]
#[template(path = "rating.html")]
struct OnePage {
    c: Chrome,
    v: RatingView,
    place: String,
    error: String,
    errs: Errs,
    typed: RectifyForm,
}

impl OnePage {
    fn level(&self) -> &'static str {
        self.c.lang.t(self.v.rating.level.zh(), self.v.rating.level.en())
    }
    fn matter(&self) -> &'static str {
        self.c.lang.t(self.v.rating.matter.zh(), self.v.rating.matter.en())
    }
    fn matter_link(&self) -> Option<String> {
        matter_link(&self.v)
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        beijing_minutes(*at)
    }
    fn due(&self) -> String {
        self.v.rating.rectify_by.map(|d| d.to_string()).unwrap_or_default()
    }
}

/// The rectification form as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct RectifyForm {
    version: Option<i64>,
    found: String,
    action: String,
    contacted: String,
}

async fn one_page(
    state: &AppState,
    session: &SignedIn,
    lang: crate::i18n::PageLang,
    id: i64,
    error: String,
    errs: Errs,
    typed: RectifyForm,
) -> Response {
    match state.ratings.rating(&session.user, id).await {
        Ok(v) => {
            let place = state.registry.region_names(&v.rating.region).await;
            render(OnePage { c: Chrome::new(state, session, lang, "/ratings").await, v, place, error, errs, typed })
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

async fn one(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    one_page(&state, &session, lang, id, String::new(), Errs::default(), RectifyForm::default()).await
}

async fn rectify(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<RectifyForm>,
) -> Response {
    match state.ratings.rectify(&session.user, id, f.version.unwrap_or(0), &f.found, &f.action, &f.contacted).await {
        Ok(()) => Redirect::to(&format!("/ratings/{id}")).into_response(),
        Err(e) => {
            let trail = &session.user.trail;
            crate::frame::redraw_refused(WebError::from(e), lang, trail, Action::Update, async |error, errs| {
                one_page(&state, &session, lang, id, error, errs, f).await
            })
            .await
        }
    }
}
