//! 预约办理 on the residents' site: choose the town, what for and a half day with places left, give
//! a name and a mobile number, and get a 预约编号; look it up (or cancel it, asked first) with the
//! number and the same mobile number. A town whose office sets no places says to come or call.

use super::{Resident, error_page, town_of};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::{Errs, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_domain::booking::{BookingPurpose, BookingSlot, BookingState};
use jiuzhu_domain::trail::Trail;
use jiuzhu_domain::{Division, ValidationErrors};
use jiuzhu_residents::ResidentsError;
use jiuzhu_residents::bookings::rules::{BookingInput, NOTE_MAX, read_mobile};
use jiuzhu_residents::bookings::{BookingView, DayOffer, PREFIX};
use jiuzhu_store::Booking;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/book", get(start).post(submit))
        .route("/m/book/check", get(check_form).post(check))
        .route("/m/book/cancel", post(cancel))
}

/// The town's window as the booking pages describe it (from the offices file).
struct Window {
    name: String,
    address: String,
    hours: String,
    phone: String,
    /// Places per half day; `None`: no bookings online.
    capacity: Option<u32>,
}

fn window(state: &AppState, town: &Division) -> Window {
    let o = state.offices.window(&town.code);
    let contacts = state.offices.contacts(&town.code);
    Window {
        name: o.map(|o| o.name.clone()).unwrap_or_else(|| format!("{}社会救助窗口", town.name)),
        address: o.map(|o| o.address.clone()).unwrap_or_default(),
        hours: o.map(|o| o.hours.clone()).unwrap_or_default(),
        phone: contacts.phone,
        capacity: o.and_then(|o| o.bookings_per_half_day).filter(|c| *c > 0),
    }
}

/// A day with its weekday (2026年12月9日 星期三): what people go by when they plan a trip.
fn with_weekday(r: &Resident, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const ZH: [&str; 7] = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"];
    let i = d.weekday().num_days_from_monday() as usize;
    if r.lang.is_en() { format!("{}, {}", d.format("%A"), r.day(d)) } else { format!("{} {}", r.day(d), ZH[i]) }
}

#[derive(Template)]
#[template(path = "public/book.html")]
struct FormPage<'a> {
    r: &'a Resident,
    town: Division,
    place: String,
    w: Window,
    days: Vec<DayOffer>,
    t: BookingInput,
    errs: Errs,
    messages: Vec<String>,
}

impl FormPage<'_> {
    fn purposes(&self) -> Vec<(&'static str, &'static str)> {
        BookingPurpose::ALL.iter().map(|p| (p.as_str(), self.r.t(p.zh(), p.en()))).collect()
    }
    fn slots(&self) -> &'static [BookingSlot] {
        BookingSlot::ALL
    }
    fn slot(&self, s: &BookingSlot) -> &'static str {
        self.r.t(s.zh(), s.en())
    }
    fn day(&self, d: &DayOffer) -> String {
        with_weekday(self.r, d.day)
    }
    fn value(&self, d: &DayOffer, s: &BookingSlot) -> String {
        format!("{}.{}", d.day, s.as_str())
    }
    fn left(&self, d: &DayOffer, s: &BookingSlot) -> u32 {
        d.left(*s)
    }
    fn note_max(&self) -> usize {
        NOTE_MAX
    }
}

#[derive(Template)]
#[template(path = "public/book_done.html")]
struct DonePage<'a> {
    r: &'a Resident,
    b: Booking,
    w: Window,
    place: String,
}

#[derive(Template)]
#[template(path = "public/book_check.html")]
struct CheckPage<'a> {
    r: &'a Resident,
    code: String,
    not_found: bool,
    /// Why a cancel was refused, in words.
    message: String,
}

#[derive(Template)]
#[template(path = "public/book_found.html")]
struct FoundPage<'a> {
    r: &'a Resident,
    v: BookingView,
    w: Window,
    place: String,
    /// The cancel step: ask before cancelling.
    confirming: bool,
    /// What was done or refused, in words.
    message: String,
}

impl FoundPage<'_> {
    fn cancelled(&self) -> bool {
        self.v.booking.state == BookingState::Cancelled
    }
}

/// What the booking pages show of a booking (shared by the receipt and the look-up).
trait Shows {
    fn r(&self) -> &Resident;
    fn when(&self, b: &Booking) -> String {
        format!("{} {}", with_weekday(self.r(), b.day), self.r().t(b.slot.zh(), b.slot.en()))
    }
    fn purpose(&self, b: &Booking) -> &'static str {
        self.r().t(b.purpose.zh(), b.purpose.en())
    }
    fn state(&self, b: &Booking) -> &'static str {
        self.r().t(b.state.zh(), b.state.en())
    }
}

impl Shows for DonePage<'_> {
    fn r(&self) -> &Resident {
        self.r
    }
}

impl Shows for FoundPage<'_> {
    fn r(&self) -> &Resident {
        self.r
    }
}

#[derive(serde::Deserialize)]
struct RegionQuery {
    region: Option<String>,
}

async fn start(State(state): State<AppState>, r: Resident, Query(q): Query<RegionQuery>) -> Response {
    match town_of(&state, q.region.as_deref()).await {
        Ok(Some((town, _))) => form_page(&state, &r, town, BookingInput::default(), None).await,
        Ok(None) => Redirect::to("/m/town?next=book").into_response(),
        Err(e) => error_page(&r, e),
    }
}

async fn form_page(state: &AppState, r: &Resident, town: Division, t: BookingInput, refused: Option<&ValidationErrors>) -> Response {
    let place = state.registry.region_names(&town.code).await;
    let w = window(state, &town);
    // A town without bookings shows the page with its window's phone and hours, and no form.
    let days = match state.bookings.offer(&town.code, w.capacity).await {
        Ok(d) => d,
        Err(ResidentsError::Invalid(_)) => Vec::new(),
        Err(e) => return error_page(r, WebError::from(e)),
    };
    let (errs, messages) = match refused {
        Some(v) => (Errs::new(v, r.lang), crate::frame::messages(v, r.lang)),
        None => (Errs::default(), Vec::new()),
    };
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, render(FormPage { r, town, place, w, days, t, errs, messages })).into_response()
}

/// The form posted: a display switch draws it again with everything typed; else it is booked.
async fn submit(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let mut r = r;
    let cookie = fields.iter().find(|(k, _)| k == "switch").map(|(_, v)| super::switch(&mut r, v));
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (town, _) = match town_of(&state, Some(&field("town"))).await {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/m/town?next=book").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let t =
        BookingInput { purpose: field("purpose"), when: field("when"), name: field("name"), phone: field("phone"), note: field("note") };
    let now = std::time::Instant::now();
    let response = if cookie.is_some() {
        form_page(&state, &r, town, t, None).await
    } else if !state.residents_limiter.allow(ip, now) || !state.booking_address_limiter.allow(ip, now) {
        too_many(&state, &r, town, t).await
    } else {
        let trail = Trail::default();
        let w = window(&state, &town);
        let per_phone = |phone: &str| state.booking_phone_limiter.allow(format!("book-phone:{phone}"), now);
        let answer = match state.bookings.book(&trail, &town.code, w.capacity, &t, per_phone).await {
            Ok(b) => {
                let place = state.registry.region_names(&town.code).await;
                render(DonePage { r: &r, b, w, place })
            }
            Err(ResidentsError::Invalid(v)) => form_page(&state, &r, town, t, Some(&v)).await,
            Err(ResidentsError::TooMany) => too_many(&state, &r, town, t).await,
            Err(e) => error_page(&r, WebError::from(e)),
        };
        crate::audit::resident_trail(answer, trail)
    };
    super::with_cookie(response, cookie)
}

/// Too many tries: the form again with everything typed, saying to wait (429).
async fn too_many(state: &AppState, r: &Resident, town: Division, t: BookingInput) -> Response {
    let why = ValidationErrors::from(jiuzhu_domain::FieldError::new(
        "when",
        "booking.too_many_tries",
        "这个手机号或这台设备刚才预约的次数太多了，请过一会儿（一小时后）再试；着急的话请直接打电话到窗口",
        "too many bookings were tried with this number or from this device just now: try again in an hour, or phone the window",
    ));
    let mut page = form_page(state, r, town, t, Some(&why)).await;
    *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    page
}

async fn check_form(r: Resident) -> Response {
    render(CheckPage { r: &r, code: String::new(), not_found: false, message: String::new() })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Asked {
    code: String,
    phone: String,
}

async fn found_page(state: &AppState, r: &Resident, v: BookingView, confirming: bool, message: String) -> Response {
    let town = state.registry.public_region(&v.booking.region).await.ok().flatten();
    let place = state.registry.region_names(&v.booking.region).await;
    let w = match &town {
        Some(t) => window(state, t),
        None => Window { name: String::new(), address: String::new(), hours: String::new(), phone: String::new(), capacity: None },
    };
    render(FoundPage { r, v, w, place, confirming, message })
}

async fn check(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(a): Form<Asked>) -> Response {
    let pair = jiuzhu_residents::numbers::read(PREFIX, &a.code)
        .zip(read_mobile(&a.phone))
        .map(|(c, phone)| (format!("book:{c}"), format!("phone:{phone}")));
    if !super::lookup_allowed(&state, ip, pair) {
        return error_page(&r, WebError::TooMany);
    }
    let trail = Trail::default();
    let answer = match state.bookings.find(&trail, &a.code, &a.phone, &r.token).await {
        Ok(v) => found_page(&state, &r, v, false, String::new()).await,
        Err(ResidentsError::NotFound) => render(CheckPage { r: &r, code: a.code.clone(), not_found: true, message: String::new() }),
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Cancelling {
    ticket: String,
    /// Present once the resident confirmed.
    confirm: Option<String>,
    /// 不取消: the booking again, as it was.
    keep: Option<String>,
}

/// 取消预约: the first press asks ("确定取消吗？"), the second cancels.
async fn cancel(State(state): State<AppState>, r: Resident, Form(c): Form<Cancelling>) -> Response {
    let trail = Trail::default();
    let answer = if c.confirm.is_none() {
        // Asking first: the booking again (masked) with 确定取消 and 不取消; 不取消 shows it as it was.
        match state.bookings.peek(&trail, &c.ticket, &r.token).await {
            Ok(v) => found_page(&state, &r, v, c.keep.is_none(), String::new()).await,
            Err(e) => error_page(&r, WebError::from(e)),
        }
    } else {
        match state.bookings.cancel(&trail, &c.ticket, &r.token).await {
            Ok(v) => {
                let done = r.t(
                    "预约已取消，这个时段让给了别人。需要时可以重新预约。",
                    "The booking is cancelled and the place freed. Book again whenever you need.",
                );
                found_page(&state, &r, v, false, done.to_string()).await
            }
            Err(ResidentsError::Conflict) => {
                let why = r.t(
                    "这个预约已经不能取消了（已取消、已办理，或日期已过）。",
                    "This booking can no longer be cancelled (cancelled, served, or its day has passed).",
                );
                (StatusCode::CONFLICT, render(CheckPage { r: &r, code: String::new(), not_found: false, message: why.to_string() }))
                    .into_response()
            }
            Err(e) => error_page(&r, WebError::from(e)),
        }
    };
    crate::audit::resident_trail(answer, trail)
}
