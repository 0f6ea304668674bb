//! 预约办理: a resident books a half day at the window of their town (what for, when, their name
//! and mobile number) and gets a 预约编号; they look it up or cancel it with the number and the
//! same mobile number (a wrong pair answers like an unknown one); the window sees the day's
//! bookings and records who came. [`Bookings`] is the only door.
//!
//! How many places a town's half day holds is the office's setting, passed in by the caller
//! (`capacity`); a town with none set takes no bookings and the page says to come or call.

pub mod rules;

use crate::tickets::Tickets;
use crate::{ResidentsError, Result, numbers};
use chrono::NaiveDate;
use jiuzhu_casework::Casework;
use jiuzhu_domain::booking::{BookingSlot, BookingState};
use jiuzhu_domain::clock::beijing_date;
use jiuzhu_domain::trail::{Action, Denial, ObjectKind, Trail};
use jiuzhu_domain::{Clock, FieldError, Permission, RegionCode, User, ValidationErrors, mask};
use jiuzhu_store::{Booking, BookingStore, NewBooking, Store, StoreError};
use rules::BookingInput;
use std::sync::Arc;

/// The 预约编号's letters.
pub const PREFIX: &str = "YY";
/// The tickets' purpose (cancelling from the look-up page).
const TICKET: &str = "book";

/// One bookable day with the places left in each half day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOffer {
    pub day: NaiveDate,
    pub morning_left: u32,
    pub afternoon_left: u32,
}

impl DayOffer {
    pub fn left(&self, slot: BookingSlot) -> u32 {
        match slot {
            BookingSlot::Morning => self.morning_left,
            BookingSlot::Afternoon => self.afternoon_left,
        }
    }
}

/// What a resident's look-up shows (the name masked) and, while it may be cancelled, the ticket.
#[derive(Debug, Clone)]
pub struct BookingView {
    pub booking: Booking,
    pub cancel_ticket: Option<String>,
}

#[derive(Clone)]
pub struct Bookings {
    store: Arc<dyn BookingStore>,
    tickets: Tickets,
    casework: Arc<Casework>,
    clock: Arc<dyn Clock>,
}

impl Bookings {
    pub fn new(store: &Arc<dyn Store>, tickets: Tickets, casework: Arc<Casework>, clock: Arc<dyn Clock>) -> Bookings {
        Bookings { store: store.clone(), tickets, casework, clock }
    }

    fn today(&self) -> NaiveDate {
        beijing_date(self.clock.now())
    }

    fn not_open() -> ResidentsError {
        ResidentsError::Invalid(
            FieldError::new(
                "region",
                "booking.not_open",
                "这个乡镇（街道）的窗口还没有开通网上预约，请在办公时间直接到窗口，或先打电话咨询",
                "this town's window does not take bookings online yet: come during office hours, or call first",
            )
            .into(),
        )
    }

    /// The days `town` may be booked with the places left (`capacity` per half day, the office's
    /// setting; `None`: it takes no bookings).
    pub async fn offer(&self, town: &RegionCode, capacity: Option<u32>) -> Result<Vec<DayOffer>> {
        let Some(capacity) = capacity.filter(|c| *c > 0) else { return Err(Self::not_open()) };
        let days = rules::bookable_days(&self.casework.calendar(), self.today());
        let (Some(first), Some(last)) = (days.first(), days.last()) else { return Ok(Vec::new()) };
        let taken = self.store.places_taken(town, *first, *last).await?;
        let left = |d: NaiveDate, s: BookingSlot| {
            capacity.saturating_sub(taken.iter().find(|(td, ts, _)| *td == d && *ts == s).map_or(0, |(_, _, n)| *n))
        };
        Ok(days
            .into_iter()
            .map(|d| DayOffer { day: d, morning_left: left(d, BookingSlot::Morning), afternoon_left: left(d, BookingSlot::Afternoon) })
            .collect())
    }

    /// 预约: checks and stores a booking at `town`'s window; the stored booking (with its code).
    /// `may_try` is the caller's limit on tries per mobile number, asked once the form is in order
    /// and before anything about the number's other bookings is looked at (a refusal that names
    /// them tells something about whoever holds the number).
    pub async fn book(
        &self,
        trail: &Trail,
        town: &RegionCode,
        capacity: Option<u32>,
        input: &BookingInput,
        may_try: impl FnOnce(&str) -> bool,
    ) -> Result<Booking> {
        trail.action(Action::Create);
        let Some(capacity) = capacity.filter(|c| *c > 0) else {
            trail.refuse(Denial::Invalid);
            return Err(Self::not_open());
        };
        let today = self.today();
        let days = rules::bookable_days(&self.casework.calendar(), today);
        let checked = rules::check_booking(input, &days).inspect_err(|_| trail.refuse(Denial::Invalid))?;
        if !may_try(&checked.phone) {
            trail.refuse(Denial::Unauthenticated);
            return Err(ResidentsError::TooMany);
        }
        let held: Vec<NaiveDate> = self.store.bookings_by_phone(&checked.phone, today).await?.into_iter().map(|b| b.day).collect();
        if let Some(e) = rules::phone_may_book(&held, checked.day) {
            trail.refuse(Denial::Invalid);
            return Err(ValidationErrors::from(e).into());
        }
        let now = self.clock.now();
        for _ in 0..5 {
            let code = numbers::issue(PREFIX, today, &mut rand::rng());
            let new = NewBooking {
                code,
                region: town.clone(),
                day: checked.day,
                slot: checked.slot,
                purpose: checked.purpose,
                name: checked.name.clone(),
                phone: checked.phone.clone(),
                note: checked.note.clone(),
                booked_at: now,
            };
            match self.store.insert_booking(&new, capacity).await {
                Ok(Some(id)) => {
                    trail.object(ObjectKind::Booking, id);
                    trail.detail(format!("day={} slot={} purpose={}", checked.day, checked.slot, checked.purpose));
                    return Ok(self.store.booking(id).await?);
                }
                Ok(None) => {
                    trail.refuse(Denial::Conflict);
                    return Err(ValidationErrors::from(FieldError::new(
                        "when",
                        "booking.full",
                        "您选的时段刚刚约满了，请另选一个时段（您填写的其他内容都还在）",
                        "that half day has just been fully booked: choose another (everything else you entered is kept)",
                    ))
                    .into());
                }
                Err(StoreError::Conflict { constraint }) if constraint == "bookings_code" => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict { constraint: "bookings_code".into() }.into())
    }

    /// 查询预约 by its code and the mobile number given; anything that does not match is
    /// `NotFound`. The page's cancel ticket is bound to the browser `bound`.
    pub async fn find(&self, trail: &Trail, code: &str, phone: &str, bound: &str) -> Result<BookingView> {
        trail.action(Action::View);
        let (Some(code), Some(phone)) = (numbers::read(PREFIX, code), rules::read_mobile(phone)) else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        let Some(booking) = self.store.booking_for(&code, &phone).await? else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        trail.object(ObjectKind::Booking, booking.id);
        Ok(self.view(booking, bound))
    }

    fn view(&self, mut booking: Booking, bound: &str) -> BookingView {
        let cancel_ticket =
            rules::may_cancel(booking.state, booking.day, self.today()).then(|| self.tickets.issue(TICKET, "booking", booking.id, bound));
        booking.name = mask::name(&booking.name);
        booking.phone = mask::phone(&booking.phone);
        BookingView { booking, cancel_ticket }
    }

    fn ticket(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<i64> {
        let Some(id) = self.tickets.read(TICKET, ticket, bound).filter(|(k, _)| k == "booking").map(|(_, id)| id) else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::Invalid(
                FieldError::new(
                    "ticket",
                    "booking.ticket",
                    "这个页面已经过期，请重新查询预约后再取消",
                    "this page has expired: look the booking up again to cancel it",
                )
                .into(),
            ));
        };
        trail.object(ObjectKind::Booking, id);
        Ok(id)
    }

    /// The booking of a look-up page's ticket (to ask before cancelling).
    pub async fn peek(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<BookingView> {
        trail.action(Action::View);
        let id = self.ticket(trail, ticket, bound)?;
        Ok(self.view(self.store.booking(id).await?, bound))
    }

    /// 取消预约 with the look-up page's ticket; the booking as it now is.
    pub async fn cancel(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<BookingView> {
        trail.action(Action::Update);
        let id = self.ticket(trail, ticket, bound)?;
        let b = self.store.booking(id).await?;
        if !rules::may_cancel(b.state, b.day, self.today()) {
            trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        self.store
            .set_booking_state(id, b.version, BookingState::Cancelled, None, self.clock.now())
            .await
            .inspect_err(|_| trail.refuse(Denial::Conflict))?;
        Ok(self.view(self.store.booking(id).await?, bound))
    }

    fn require(user: &User) -> Result<()> {
        if !user.can(Permission::ServeBookings) {
            user.trail.refuse(Denial::Role);
            return Err(ResidentsError::Forbidden);
        }
        Ok(())
    }

    /// The bookings of the user's scope from `from` to `to` (at most 31 days), the morning first;
    /// names in full (the window calls them), phone numbers masked.
    pub async fn day_list(&self, user: &User, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>> {
        user.trail.action(Action::Search);
        Self::require(user)?;
        let to = to.min(from + chrono::Days::new(30));
        let list = self.store.bookings_on(&user.scope.0, from, to).await?;
        user.trail.fields(&["name"]);
        user.trail.detail(format!("from={from} to={to} rows={}", list.len()));
        Ok(list.into_iter().map(|b| Booking { phone: mask::phone(&b.phone), ..b }).collect())
    }

    /// One booking in full (the phone number to call: the read is audited).
    pub async fn booking(&self, user: &User, id: i64) -> Result<Booking> {
        user.trail.action(Action::View);
        Self::require(user)?;
        let b = self.in_scope(user, id).await?;
        user.trail.fields(&["name", "phone"]);
        Ok(b)
    }

    async fn in_scope(&self, user: &User, id: i64) -> Result<Booking> {
        let b = self.store.booking(id).await.inspect_err(|_| user.trail.refuse(Denial::NotFound))?;
        user.trail.object(ObjectKind::Booking, id);
        if !user.scope.contains(&b.region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(ResidentsError::NotFound);
        }
        Ok(b)
    }

    /// Records 到场 (`arrived`) or 未到场 (`missed`), as the button pressed says, on the day or later,
    /// at `version`; the booking's day. Nothing chosen is never read as a choice.
    pub async fn record(&self, user: &User, id: i64, version: i64, to: &str) -> Result<NaiveDate> {
        user.trail.action(Action::Update);
        Self::require(user)?;
        let b = self.in_scope(user, id).await?;
        let Some(to) = BookingState::parse(to).filter(|s| matches!(s, BookingState::Arrived | BookingState::Missed)) else {
            user.trail.refuse(Denial::Invalid);
            return Err(ValidationErrors::from(FieldError::new(
                "arrival",
                "booking.arrival",
                "请选择“已到场办理”或“未到场”",
                "choose “came and was served” or “did not come”",
            ))
            .into());
        };
        if !rules::may_record(b.state, b.day, self.today(), to) || b.version != version {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        self.store
            .set_booking_state(id, version, to, Some(&user.username), self.clock.now())
            .await
            .inspect_err(|_| user.trail.refuse(Denial::Conflict))?;
        user.trail.detail(format!("state={to}"));
        Ok(b.day)
    }
}
