//! 名册导出: export requests, their approval and one download, and the roster they list.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::casework::AssistanceKind;
use serde::Serialize;

/// 导出申请: a household roster to download as CSV or Excel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRequest {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub region: RegionCode,
    pub programme: Option<AssistanceKind>,
    pub format: ExportFormat,
    pub purpose: String,
    pub rows: i64,
    pub state: ExportState,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    pub downloaded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExport {
    pub account_id: i64,
    pub username: String,
    pub region: RegionCode,
    pub programme: Option<AssistanceKind>,
    pub format: ExportFormat,
    pub purpose: String,
    pub rows: i64,
}

/// A request stored by [`ExportStore::request_export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestedExport {
    pub id: i64,
    /// `Approved` when the day's total stays within the line, else `Pending`.
    pub state: ExportState,
    /// Households this account asked for since the start of the day, this request included.
    pub rows_today: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
    pub fn parse(s: &str) -> Option<ExportFormat> {
        [ExportFormat::Csv, ExportFormat::Xlsx].into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// 待审批
    Pending,
    /// 已批准（可下载一次）
    Approved,
    /// 未批准
    Rejected,
    /// 已下载
    Downloaded,
}

impl ExportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Pending => "pending",
            ExportState::Approved => "approved",
            ExportState::Rejected => "rejected",
            ExportState::Downloaded => "downloaded",
        }
    }
    pub fn parse(s: &str) -> Option<ExportState> {
        [ExportState::Pending, ExportState::Approved, ExportState::Rejected, ExportState::Downloaded].into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            ExportState::Pending => "待审批",
            ExportState::Approved => "已批准，可下载",
            ExportState::Rejected => "未批准",
            ExportState::Downloaded => "已下载",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            ExportState::Pending => "waiting for approval",
            ExportState::Approved => "approved, ready to download",
            ExportState::Rejected => "rejected",
            ExportState::Downloaded => "downloaded",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportQuery {
    /// Only this account's requests.
    pub account_id: Option<i64>,
    /// Only requests for regions inside this one.
    pub within: Option<RegionCode>,
    pub state: Option<ExportState>,
    pub limit: i64,
}

/// One line of a household roster (花名册): identifiers stay masked in every export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRow {
    pub household_id: i64,
    pub hukou_region: RegionCode,
    pub town_name: Option<String>,
    pub village_name: Option<String>,
    pub head_name: String,
    /// Masked (`620825********0018`).
    pub head_id_number: String,
    pub member_count: i64,
    /// The programme and monthly amount of the household's active benefit, when filtering by one.
    pub programme: Option<AssistanceKind>,
    pub monthly_amount: Option<i64>,
}

#[async_trait]
pub trait ExportStore: Send + Sync {
    /// Stores a request whose state the day's total decides: `Pending` when the households
    /// `account_id` asked for since `since` (rejected requests not counted) and these together
    /// exceed `approval_rows`, else `Approved`. Counted and inserted in one transaction holding the
    /// account's lock, so requests sent at once cannot each pass under the line, and however an
    /// export is split the approver sees it.
    async fn request_export(&self, export: &NewExport, since: DateTime<Utc>, approval_rows: i64) -> Result<RequestedExport>;
    async fn export(&self, id: i64) -> Result<Option<ExportRequest>>;
    /// Requests matching the query, newest first.
    async fn exports(&self, query: &ExportQuery) -> Result<Vec<ExportRequest>>;
    /// Approves or rejects a pending request (`Conflict { constraint: "export_state" }` when it
    /// is no longer pending).
    async fn decide_export(&self, id: i64, approve: bool, by: &str, note: &str) -> Result<()>;
    /// Marks an approved request downloaded; `Conflict { constraint: "export_state" }` unless it
    /// was approved and not yet downloaded (a file is handed out once).
    async fn mark_export_downloaded(&self, id: i64) -> Result<()>;
    /// Households registered inside `within` (receiving `programme`, when given, with its active
    /// benefit's amount), in id order after `after_id`.
    async fn roster(&self, within: &RegionCode, programme: Option<AssistanceKind>, after_id: i64, limit: i64) -> Result<Vec<RosterRow>>;
    /// How many lines [`ExportStore::roster`] has in all.
    async fn roster_count(&self, within: &RegionCode, programme: Option<AssistanceKind>) -> Result<i64>;
}
