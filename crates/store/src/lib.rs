//! Repository traits: what jiuzhu needs from a database, independent of which one — one trait per
//! capability, so that each service takes only the storage it needs.
//!
//! | trait | capability |
//! | --- | --- |
//! | [`RegionStore`] | 行政区划: divisions to village level |
//! | [`HouseholdStore`] | 家庭信息登记: households, members, records, history |
//! | [`AssessmentStore`] | 研判记录: policy results kept per household |
//! | [`CaseStore`] | 一门受理、协同办理: cases, timelines, photos, benefits |
//! | [`CalendarStore`] | 节假日安排 imported after the release |
//! | [`AccountStore`] | accounts, sign-in attempts, sessions |
//! | [`AuditStore`] | the sealed audit trail |
//! | [`AlertStore`] | 预警 raised by the audit rules |
//! | [`ExportStore`] | 名册导出: requests, approvals, the roster |
//! | [`FeedStore`] | 部门数据 and the 监测预警 pools |
//! | [`MaintenanceStore`] | ping, planner statistics, key rotation |
//! | [`PaymentStore`] | 资金发放: payrolls, bank returns, the fund ledger |
//! | [`OnlineApplicationStore`] | 网上申请: residents' applications waiting for the town window |
//! | [`ComplaintStore`] | 投诉举报: complaints, reports and hotline work orders |
//! | [`RatingStore`] | 好差评: residents' ratings and the rectification of bad ones |
//! | [`QuestionStore`] | 在线咨询: residents' questions and the threads that answer them |
//! | [`BookingStore`] | 预约办理: residents' bookings of a half day at the town window |
//!
//! [`Store`] is all of them; a backend implements each trait and gets [`Store`] for free.
//! Backends (`jiuzhu-store-sql`: SQLite embedded, PostgreSQL for production) must pass the
//! conformance suite in `jiuzhu-testkit`.

mod accounts;
mod alerts;
mod assessments;
mod audit;
mod bookings;
mod calendar;
mod cases;
mod complaints;
mod exports;
mod feeds;
mod households;
mod maintenance;
mod online;
mod payments;
mod questions;
mod ratings;
mod regions;
mod standby;

pub use accounts::*;
pub use alerts::*;
pub use assessments::*;
pub use audit::*;
pub use bookings::*;
pub use calendar::*;
pub use cases::*;
pub use complaints::*;
pub use exports::*;
pub use feeds::*;
pub use households::*;
pub use maintenance::*;
pub use online::*;
pub use payments::*;
pub use questions::*;
pub use ratings::*;
pub use regions::*;
pub use standby::*;

/// Any error a backend passes on, kept as the cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in the store, in terms the caller can act on. The database's own error is
/// kept as the [`source`](std::error::Error::source), never turned into text here.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken, e.g. `persons_id_number`: the person is already registered.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// Someone else changed the record since it was read (optimistic concurrency).
    #[error("the record was changed by someone else (expected version {expected})")]
    VersionMismatch { expected: i64 },
    /// The database did not answer: down, or every connection still busy after the timeout.
    /// Worth trying again later.
    #[error("the database is unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored value this program cannot read: corrupt, or encrypted under a key the key file
    /// lacks.
    #[error("unreadable stored value: {what}")]
    Corrupt {
        what: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Anything else the database or the driver said.
    #[error("database error")]
    Backend(#[source] BoxError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Every capability's storage: what a backend provides and what the server is built on.
pub trait Store:
    RegionStore
    + HouseholdStore
    + AssessmentStore
    + CaseStore
    + CalendarStore
    + AccountStore
    + AuditStore
    + AlertStore
    + ExportStore
    + FeedStore
    + MaintenanceStore
    + PaymentStore
    + OnlineApplicationStore
    + ComplaintStore
    + RatingStore
    + QuestionStore
    + BookingStore
    + StandbyStore
    + 'static
{
}

impl<T> Store for T where
    T: RegionStore
        + HouseholdStore
        + AssessmentStore
        + CaseStore
        + CalendarStore
        + AccountStore
        + AuditStore
        + AlertStore
        + ExportStore
        + FeedStore
        + MaintenanceStore
        + PaymentStore
        + OnlineApplicationStore
        + ComplaintStore
        + RatingStore
        + QuestionStore
        + BookingStore
        + StandbyStore
        + 'static
{
}
