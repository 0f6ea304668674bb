//! 投诉举报: complaints and reports from residents (phone, kiosk), hotline work orders (12345) and
//! letters or visits, handled by the 举报受理 role of the town or county they are routed to, and
//! read back by the reporter with the 举报编号 and the 查询密码.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintChannel, ComplaintState, Finding};
use jiuzhu_domain::{Actor, RegionCode};

/// A complaint as it is first stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    /// 举报编号: unique, given to the reporter; not secret on its own.
    pub code: String,
    /// 查询密码: kept encrypted, found by blind index only.
    pub pin: String,
    pub category: ComplaintCategory,
    pub channel: ComplaintChannel,
    /// The hotline's own work order number (12345 工单编号); unique where present.
    pub external_no: Option<String>,
    /// Where the matter lies (a village, a town or the county).
    pub region: RegionCode,
    /// Whose 举报受理 accounts see it: a town, or the county above it.
    pub handling_region: RegionCode,
    /// Accounts that must never handle it (a staff member the report names).
    pub excluded_accounts: Vec<i64>,
    /// What was reported and whom it names, as JSON made by the service: kept encrypted.
    pub details: String,
    /// The reporter's identity as JSON; `None` for an anonymous report. Kept encrypted.
    pub reporter: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The day (Beijing) by which it must be answered.
    pub due_on: NaiveDate,
    /// The sending form's one-time key (a hash), for a resident's report: the same form sent
    /// twice (a double tap on a slow phone) is `Conflict { "complaints_submission_key" }`.
    pub submission_key: Option<String>,
}

/// A stored complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: i64,
    pub code: String,
    pub category: ComplaintCategory,
    pub channel: ComplaintChannel,
    pub external_no: Option<String>,
    pub region: RegionCode,
    pub handling_region: RegionCode,
    pub excluded_accounts: Vec<i64>,
    pub details: String,
    pub reporter: Option<String>,
    pub state: ComplaintState,
    pub received_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    /// Set when it was passed up because it was not answered in time (逾期上提).
    pub escalated_at: Option<DateTime<Utc>>,
    /// Who signed for it (受理), and when.
    pub accepted_by: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The check's conclusion, once answered (kept in clear for counting).
    pub finding: Option<Finding>,
    /// The findings and the reply as JSON made by the service: kept encrypted.
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// One step of a complaint's handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintStep {
    /// 受理: `Received` → `Handling`; records the actor as `accepted_by`.
    Accept,
    /// 逾期上提: an open complaint moves to `handling_region` with a new `due_on`; the state is kept.
    Escalate { handling_region: RegionCode, due_on: NaiveDate },
    /// 办结: `Handling` → `Answered`, with the finding and the answer (JSON, encrypted).
    Answer { finding: Finding, answer: String },
}

#[async_trait]
pub trait ComplaintStore: Send + Sync {
    /// Stores a new complaint as `Received`; a code already used is
    /// `Conflict { "complaints_code" }`, an external number already used
    /// `Conflict { "complaints_external_no" }`.
    async fn insert_complaint(&self, new: &NewComplaint) -> Result<i64>;
    /// Stores every complaint of `new` or none (one transaction: an import is whole or absent);
    /// the first conflict refuses them all, as [`ComplaintStore::insert_complaint`] names it.
    async fn insert_complaints(&self, new: &[NewComplaint]) -> Result<Vec<i64>>;
    /// One complaint by id; `NotFound` when there is none.
    async fn complaint(&self, id: i64) -> Result<Complaint>;
    /// The complaint with this code whose PIN is `pin`; `None` when either does not match.
    async fn complaint_for(&self, code: &str, pin: &str) -> Result<Option<Complaint>>;
    /// The id and code of the complaint sent with this form key, if any.
    async fn complaint_by_submission_key(&self, key: &str) -> Result<Option<(i64, String)>>;
    /// The id of the complaint entered with this hotline work order number, if any.
    async fn complaint_by_external_no(&self, external_no: &str) -> Result<Option<i64>>;
    /// Complaints whose `handling_region` lies within `scope`, in one of `states`, soonest due
    /// first (then oldest), at most `limit`.
    async fn complaints(&self, scope: &RegionCode, states: &[ComplaintState], limit: i64) -> Result<Vec<Complaint>>;
    /// Answered complaints whose `handling_region` lies within `scope`, the latest answered first,
    /// at most `limit` (the 已办结 list: what was done lately, not what was due long ago).
    async fn answered_complaints(&self, scope: &RegionCode, limit: i64) -> Result<Vec<Complaint>>;
    /// Complaints not yet answered whose `due_on` is before `day`, soonest due first, at most `limit`.
    async fn complaints_overdue(&self, day: NaiveDate, limit: i64) -> Result<Vec<Complaint>>;
    /// Records one step on a complaint at `version` (the version goes up by one);
    /// `VersionMismatch` when it changed meanwhile or the step does not fit its state, `NotFound`
    /// when there is none.
    async fn advance_complaint(&self, id: i64, version: i64, step: &ComplaintStep, by: &Actor, at: DateTime<Utc>) -> Result<()>;
}
