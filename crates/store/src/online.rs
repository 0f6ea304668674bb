//! 网上申请: applications residents send from their phone or the kiosk, waiting for the town
//! window of their 户籍 to take them in (受理), then followed by the resident with the
//! application's 办件编号 and their ID number or query code.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuzhu_domain::{Actor, RegionCode};

/// 网上申请的办理状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineState {
    /// 待受理: sent, not yet taken in by the town window.
    Submitted,
    /// 已受理: the town registered the household and opened its cases.
    Taken,
    /// 不予受理: the town declined it (the reason is kept and shown to the resident).
    Declined,
}

impl OnlineState {
    pub const ALL: [OnlineState; 3] = [OnlineState::Submitted, OnlineState::Taken, OnlineState::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            OnlineState::Submitted => "submitted",
            OnlineState::Taken => "taken",
            OnlineState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<OnlineState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            OnlineState::Submitted => "待受理",
            OnlineState::Taken => "已受理",
            OnlineState::Declined => "不予受理",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            OnlineState::Submitted => "waiting to be taken in",
            OnlineState::Taken => "taken in",
            OnlineState::Declined => "declined",
        }
    }
}

/// What a resident sent, as it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOnlineApplication {
    /// 办件编号: unique, printed on the resident's receipt; not secret on its own.
    pub reference: String,
    /// The 户籍 village the resident chose: the application's region for scope and queues.
    pub region: RegionCode,
    /// The applicant's (head's) ID number: kept encrypted, found by blind index only.
    pub applicant_id_number: String,
    /// 查询码: kept encrypted, found by blind index only.
    pub query_code: String,
    /// Everything the resident entered (household, members, what they ask for, signatures), as
    /// JSON: kept encrypted (it holds ID numbers and signature images).
    pub submission: String,
    pub submitted_at: DateTime<Utc>,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineApplication {
    pub id: i64,
    pub reference: String,
    pub region: RegionCode,
    pub state: OnlineState,
    pub submission: String,
    pub submitted_at: DateTime<Utc>,
    /// Set once taken in.
    pub household_id: Option<i64>,
    /// The cases the intake opened (one per kind asked for).
    pub case_ids: Vec<i64>,
    /// Who took it in or declined it, when, and why it was declined.
    pub handled_by: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
    pub declined_reason: Option<String>,
    pub version: i64,
}

/// How a resident proves the application is theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuerySecret {
    /// 申请人身份证号
    IdNumber(String),
    /// 查询码
    QueryCode(String),
}

/// The town's decision on an application waiting to be taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handling {
    /// Taken in: the household it was registered as (or found), and the cases opened.
    Taken {
        household_id: i64,
        case_ids: Vec<i64>,
    },
    Declined {
        reason: String,
    },
}

/// A photo of a document (材料照片) a resident adds to their application, as first stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOnlineDocument {
    pub application_id: i64,
    /// The materials checklist's code it shows (`hukou`, `id_cards` …, or `other`).
    pub material: String,
    /// `image/jpeg`, `image/png` or `image/webp`, from the bytes.
    pub content_type: String,
    /// The picture: kept encrypted (a 户口簿 or an ID card is personal data).
    pub bytes: Vec<u8>,
    pub uploaded_at: DateTime<Utc>,
}

/// A document photo as a list shows it (without the picture).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineDocumentInfo {
    pub id: i64,
    pub application_id: i64,
    pub material: String,
    pub content_type: String,
    /// The picture's size in bytes.
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A document photo with its picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineDocument {
    pub info: OnlineDocumentInfo,
    pub bytes: Vec<u8>,
}

#[async_trait]
pub trait OnlineApplicationStore: Send + Sync {
    /// Stores a new application; a reference already used is `Conflict { "online_applications_reference" }`.
    async fn insert_online_application(&self, new: &NewOnlineApplication) -> Result<i64>;
    /// One application by id (any state); `NotFound` when there is none.
    async fn online_application(&self, id: i64) -> Result<OnlineApplication>;
    /// The application with this 办件编号 whose applicant ID number or query code is `secret`;
    /// `None` when either does not match (the caller cannot tell which).
    async fn online_application_for(&self, reference: &str, secret: &QuerySecret) -> Result<Option<OnlineApplication>>;
    /// Applications inside `scope` in `state`, oldest first, at most `limit`.
    async fn online_applications(&self, scope: &RegionCode, state: OnlineState, limit: i64) -> Result<Vec<OnlineApplication>>;
    /// Records the town's decision on an application still waiting at `version`;
    /// `VersionMismatch` when it was handled or changed meanwhile, `NotFound` when there is none.
    async fn handle_online_application(&self, id: i64, version: i64, handling: &Handling, by: &Actor, at: DateTime<Utc>) -> Result<()>;
    /// Stores a document photo of an application (any state: the service decides when).
    async fn insert_online_document(&self, new: &NewOnlineDocument) -> Result<i64>;
    /// The document photos of an application, oldest first (by time, then in the order stored);
    /// empty when there is none or no such application.
    async fn online_documents(&self, application_id: i64) -> Result<Vec<OnlineDocumentInfo>>;
    /// One document photo with its picture; `None` when there is none.
    async fn online_document(&self, id: i64) -> Result<Option<OnlineDocument>>;
    /// Deletes a document photo of `application_id` for good (the resident took it back before
    /// the window took the application in); `NotFound` when that application has no such photo,
    /// or is no longer waiting (`Submitted`) — checked in the same statement, so a take-in that
    /// comes first keeps the photo.
    async fn delete_online_document(&self, application_id: i64, id: i64) -> Result<()>;
}
