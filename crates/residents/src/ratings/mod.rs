//! 好差评: residents rate how their application or complaint was handled, once it was decided or
//! answered; a bad rating (不满意, 非常不满意) opens a rectification (整改) for the unit that handled
//! it, due in [`rules::RECTIFY_WITHIN`] working days, which the town reviewer or county approver
//! (applications) or the 举报受理员 (complaints) records. [`Ratings`] is the only door.
//!
//! A resident proves the matter is theirs once, on the result page (办件编号 with the ID number or
//! query code; 举报编号 with the PIN); the page then carries a rating ticket ([`crate::tickets`]),
//! so that neither the secret nor the ID number travels in the rating form. A matter is rated
//! once (一事一评).

pub mod rules;

use crate::tickets::Tickets;
use crate::{ResidentsError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_casework::Casework;
use jiuzhu_domain::clock::beijing_date;
use jiuzhu_domain::complaint::ComplaintState;
use jiuzhu_domain::rating::{RatedMatter, Satisfaction};
use jiuzhu_domain::trail::{Action, Denial, ObjectKind, Trail};
use jiuzhu_domain::{Clock, FieldError, Permission, RegionCode, User};
use jiuzhu_store::{
    CaseStore, ComplaintStore, NewRating, OnlineApplicationStore, OnlineState, Rating, RatingStore, Rectification, Store, StoreError,
};
use std::sync::Arc;

/// How many ratings a rectification list shows.
const LIST_LIMIT: i64 = 500;
/// The tickets' purpose.
const TICKET: &str = "rate";

/// What a resident's result page offers about rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// Not decided or answered yet: nothing to rate.
    NotYet,
    /// May be rated with this ticket.
    Rate { ticket: String },
    /// Rated already (一事一评): the level, and for a bad one whether it was put right and by when.
    Rated { level: Satisfaction, rectify_by: Option<NaiveDate>, rectified: bool },
}

/// A rating just given: what the thank-you page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    pub level: Satisfaction,
    pub rectify_by: Option<NaiveDate>,
}

/// A bad rating as its handler reads it.
#[derive(Debug, Clone)]
pub struct RatingView {
    pub rating: Rating,
    /// The matter's number: the 办件编号 or the 举报编号.
    pub matter_no: String,
    /// For an application taken in: its household (where the town reviewer reads the matter).
    pub household_id: Option<i64>,
    /// Working days left to put it right (0 when due today or overdue), while open.
    pub days_left: Option<u32>,
    pub overdue: bool,
}

#[derive(Clone)]
pub struct Ratings {
    store: Arc<dyn RatingStore>,
    applications: Arc<dyn OnlineApplicationStore>,
    cases: Arc<dyn CaseStore>,
    complaints: Arc<dyn ComplaintStore>,
    tickets: Tickets,
    casework: Arc<Casework>,
    clock: Arc<dyn Clock>,
}

impl Ratings {
    pub fn new(store: &Arc<dyn Store>, tickets: Tickets, casework: Arc<Casework>, clock: Arc<dyn Clock>) -> Ratings {
        Ratings {
            store: store.clone(),
            applications: store.clone(),
            cases: store.clone(),
            complaints: store.clone(),
            tickets,
            casework,
            clock,
        }
    }

    /// Whether a ticket holds for this browser (a cheap check without the database: the page
    /// counts only these against the per-address limit, so a forged one spends nobody's allowance).
    pub fn ticket_holds(&self, ticket: &str, bound: &str) -> bool {
        self.read_ticket(ticket, bound).is_some()
    }

    fn read_ticket(&self, ticket: &str, bound: &str) -> Option<(RatedMatter, i64)> {
        let (kind, id) = self.tickets.read(TICKET, ticket, bound)?;
        Some((RatedMatter::parse(&kind)?, id))
    }

    async fn offer(&self, matter: RatedMatter, id: i64, decided: bool, bound: &str) -> Result<Offer> {
        if let Some(r) = self.store.rating_of(matter, id).await? {
            return Ok(Offer::Rated { level: r.level, rectify_by: r.rectify_by, rectified: r.rectification.is_some() });
        }
        Ok(if decided { Offer::Rate { ticket: self.tickets.issue(TICKET, matter.as_str(), id, bound) } } else { Offer::NotYet })
    }

    /// Whether an application has its result — declined at the window, or every case it opened
    /// closed (a rating is given once, so not while one programme is still pending) — and if so
    /// the region of the town that handled it.
    async fn application_decided(&self, id: i64) -> Result<Option<RegionCode>> {
        let app = self.applications.online_application(id).await?;
        if app.state == OnlineState::Declined {
            return Ok(Some(app.region));
        }
        if app.state != OnlineState::Taken || app.case_ids.is_empty() {
            return Ok(None);
        }
        for c in &app.case_ids {
            if self.cases.case(*c).await?.is_none_or(|c| c.data.state.is_open()) {
                return Ok(None);
            }
        }
        Ok(Some(app.region))
    }

    /// The offer on an application's progress page (the resident proved it is theirs there), for
    /// the browser whose form token is `bound`.
    pub async fn offer_for_application(&self, application_id: i64, bound: &str) -> Result<Offer> {
        let decided = self.application_decided(application_id).await?.is_some();
        self.offer(RatedMatter::Application, application_id, decided, bound).await
    }

    /// The offer on a report's result page (the reporter proved it with the code and PIN).
    pub async fn offer_for_complaint(&self, complaint_id: i64, bound: &str) -> Result<Offer> {
        let c = self.complaints.complaint(complaint_id).await?;
        self.offer(RatedMatter::Complaint, complaint_id, c.state == ComplaintState::Answered, bound).await
    }

    /// A resident rates the matter of `ticket`. A ticket that does not hold reads like an expired
    /// page; a matter rated before is refused (一事一评) with what was given.
    pub async fn rate(&self, trail: &Trail, ticket: &str, bound: &str, level: &str, comment: &str) -> Result<Rated> {
        trail.action(Action::Create);
        let Some((matter, id)) = self.read_ticket(ticket, bound) else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::Invalid(
                FieldError::new(
                    "ticket",
                    "rating.ticket",
                    "这个评价页面已经过期，请重新查询后再评价（您填写的内容在下面）",
                    "this page has expired: look the matter up again to rate it (what you wrote is below)",
                )
                .into(),
            ));
        };
        trail.object(
            match matter {
                RatedMatter::Application => ObjectKind::OnlineApplication,
                RatedMatter::Complaint => ObjectKind::Complaint,
            },
            id,
        );
        let checked = rules::check_rating(level, comment).inspect_err(|_| trail.refuse(Denial::Invalid))?;
        let region = match matter {
            RatedMatter::Application => self.application_decided(id).await?,
            RatedMatter::Complaint => {
                let c = self.complaints.complaint(id).await?;
                (c.state == ComplaintState::Answered).then_some(c.handling_region)
            }
        };
        let Some(region) = region else {
            trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        };
        let now = self.clock.now();
        let rectify_by = rules::rectify_by(&self.casework.calendar(), checked.level, beijing_date(now));
        let new = NewRating { matter, matter_id: id, region, level: checked.level, comment: checked.comment, rated_at: now, rectify_by };
        match self.store.insert_rating(&new).await {
            Ok(rid) => {
                trail.detail(format!("rating={rid} level={}", checked.level.as_str()));
                Ok(Rated { level: checked.level, rectify_by })
            }
            Err(StoreError::Conflict { .. }) => {
                trail.refuse(Denial::Conflict);
                Err(ResidentsError::Conflict)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn require(user: &User) -> Result<RatedMatter> {
        match rules::matter_of(user.role).filter(|_| user.can(Permission::RectifyRatings)) {
            Some(m) => Ok(m),
            None => {
                user.trail.refuse(Denial::Role);
                Err(ResidentsError::Forbidden)
            }
        }
    }

    async fn view(&self, rating: Rating) -> Result<RatingView> {
        let (matter_no, household_id) = match rating.matter {
            RatedMatter::Application => {
                let app = self.applications.online_application(rating.matter_id).await?;
                (app.reference, app.household_id)
            }
            RatedMatter::Complaint => (self.complaints.complaint(rating.matter_id).await?.code, None),
        };
        let today = beijing_date(self.clock.now());
        let open = rating.rectification.is_none();
        let due = rating.rectify_by.filter(|_| open);
        let days_left =
            due.map(|d| if d <= today { 0 } else { crate::complaints::rules::working_days_left(&self.casework.calendar(), today, d) });
        Ok(RatingView { overdue: due.is_some_and(|d| d < today), days_left, matter_no, household_id, rating })
    }

    /// The bad ratings in the user's scope of the matters their role answers for: those still to
    /// put right (soonest due first), or those put right (latest first).
    pub async fn to_rectify(&self, user: &User, done: bool) -> Result<Vec<RatingView>> {
        user.trail.action(Action::Search);
        let matter = Self::require(user)?;
        let list = self.store.ratings_to_rectify(&user.scope.0, matter, !done, LIST_LIMIT).await?;
        let mut out = Vec::with_capacity(list.len());
        for r in list {
            out.push(self.view(r).await?);
        }
        user.trail.detail(format!("rows={}", out.len()));
        Ok(out)
    }

    async fn visible_one(&self, user: &User, id: i64) -> Result<Rating> {
        let matter = Self::require(user)?;
        let r = self.store.rating(id).await.inspect_err(|_| user.trail.refuse(Denial::NotFound))?;
        user.trail.object(
            match r.matter {
                RatedMatter::Application => ObjectKind::OnlineApplication,
                RatedMatter::Complaint => ObjectKind::Complaint,
            },
            r.matter_id,
        );
        if r.matter != matter || r.rectify_by.is_none() || !user.scope.contains(&r.region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(ResidentsError::NotFound);
        }
        Ok(r)
    }

    /// One bad rating with its comment (audited as a view of the matter).
    pub async fn rating(&self, user: &User, id: i64) -> Result<RatingView> {
        user.trail.action(Action::View);
        let r = self.visible_one(user, id).await?;
        user.trail.detail(format!("rating={id}"));
        self.view(r).await
    }

    /// 整改: what was found and done, and whether the resident was told; once.
    pub async fn rectify(&self, user: &User, id: i64, version: i64, found: &str, action: &str, contacted: &str) -> Result<()> {
        user.trail.action(Action::Update);
        let r = self.visible_one(user, id).await?;
        user.trail.detail(format!("rating={id} step=rectify"));
        let checked = rules::check_rectification(found, action, contacted).inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        if r.rectification.is_some() {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        let now: DateTime<Utc> = self.clock.now();
        let done = Rectification {
            found: checked.found,
            action: checked.action,
            contacted: checked.contacted,
            by: user.username.clone(),
            at: now,
        };
        self.store.rectify_rating(id, version, &done).await.inspect_err(|_| user.trail.refuse(Denial::Conflict))?;
        Ok(())
    }
}
