//! 预约办理 for the town window: the bookings of a day in the user's scope (morning first, names in
//! full, phone numbers masked), one booking with its phone number (the read audited), and 到场 /
//! 未到场 recorded on the day or after.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_minutes, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use jiuzhu_domain::booking::BookingState;
use jiuzhu_domain::trail::Action;
use jiuzhu_store::Booking;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bookings", get(list)).route("/bookings/{id}", get(one)).route("/bookings/{id}/record", post(record))
}

/// What the booking pages show of a booking.
trait Shows {
    fn lang(&self) -> crate::i18n::PageLang;
    fn slot(&self, b: &Booking) -> &'static str {
        self.lang().t(b.slot.zh(), b.slot.en())
    }
    fn purpose(&self, b: &Booking) -> &'static str {
        self.lang().t(b.purpose.zh(), b.purpose.en())
    }
    fn state(&self, b: &Booking) -> &'static str {
        self.lang().t(b.state.zh(), b.state.en())
    }
}

#[derive(Template)]
#[template(path = "bookings.html")]
struct ListPage {
    c: Chrome,
    day: NaiveDate,
    today: NaiveDate,
    lines: Vec<(Booking, String)>,
}

impl Shows for ListPage {
    fn lang(&self) -> crate::i18n::PageLang {
        self.c.lang
    }
}

impl ListPage {
    fn prev(&self) -> NaiveDate {
        self.day.pred_opt().unwrap_or(self.day)
    }
    fn next(&self) -> NaiveDate {
        self.day.succ_opt().unwrap_or(self.day)
    }
    /// Places taken (not cancelled).
    fn taken(&self) -> usize {
        self.lines.iter().filter(|(b, _)| b.state != BookingState::Cancelled).count()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DayQuery {
    day: Option<String>,
}

async fn list(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<DayQuery>) -> Response {
    let today = state.clock.today();
    let day = q.day.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(today);
    match state.bookings.day_list(&session.user, day, day).await {
        Ok(list) => {
            let mut lines = Vec::with_capacity(list.len());
            for b in list {
                let place = state.registry.region_names(&b.region).await;
                lines.push((b, place));
            }
            render(ListPage { c: Chrome::new(&state, &session, lang, "/bookings").await, day, today, lines })
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

#[derive(Template)]
#[template(path = "booking.html")]
struct OnePage {
    c: Chrome,
    b: Booking,
    place: String,
    booked: String,
    handled: String,
    /// On the day or later, still booked: 到场 / 未到场 may be recorded.
    may_record: bool,
    error: String,
}

impl Shows for OnePage {
    fn lang(&self) -> crate::i18n::PageLang {
        self.c.lang
    }
}

async fn one_page(state: &AppState, session: &jiuzhu_accounts::SignedIn, lang: crate::i18n::PageLang, id: i64, error: String) -> Response {
    match state.bookings.booking(&session.user, id).await {
        Ok(b) => {
            let place = state.registry.region_names(&b.region).await;
            let booked = beijing_minutes(b.booked_at);
            let handled = b.handled_at.map(beijing_minutes).unwrap_or_default();
            let may_record = b.state == BookingState::Booked && b.day <= state.clock.today();
            render(OnePage { c: Chrome::new(state, session, lang, "/bookings").await, b, place, booked, handled, may_record, error })
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

async fn one(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    one_page(&state, &session, lang, id, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Recording {
    version: Option<i64>,
    /// `arrived` or `missed`: the button pressed.
    state: String,
}

async fn record(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>, Form(f): Form<Recording>) -> Response {
    match state.bookings.record(&session.user, id, f.version.unwrap_or(0), &f.state).await {
        Ok(day) => Redirect::to(&format!("/bookings?day={day}")).into_response(),
        Err(e) => {
            crate::frame::redraw_refused(WebError::from(e), lang, &session.user.trail, Action::Update, async |error, _| {
                one_page(&state, &session, lang, id, error).await
            })
            .await
        }
    }
}
