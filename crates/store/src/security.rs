//! Records of the security capability as the store keeps them: audit entries and their seals,
//! alerts, export requests. The audit crate gives them meaning (typed actions, sealing,
//! verification, alert rules); the store only keeps them in order.

use chrono::{DateTime, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::casework::AssistanceKind;
use serde::Serialize;

/// One audit entry before it is sealed. Text fields, so that the seal covers exactly what is
/// stored and read back. Never holds a sensitive value: `fields` names fields, `detail` holds
/// counts and codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// UTC, written with offset and microseconds (`2026-12-02T05:31:00.123456+00:00`).
    pub at: String,
    pub account_id: Option<i64>,
    pub username: String,
    pub role: String,
    /// The account's region scope at the time.
    pub region: String,
    pub ip: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub household_id: Option<i64>,
    pub fields: String,
    pub purpose: String,
    pub outcome: String,
    pub reason: String,
    pub detail: String,
}

/// A stored entry: its place in the chain and its seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub key_id: i64,
    #[serde(skip)]
    pub seal: Vec<u8>,
}

/// The chain's head or a checkpoint: which entry, its seal, and a seal over both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditMarker {
    pub entry_id: i64,
    pub entry_seal: Vec<u8>,
    pub at: String,
    pub key_id: i64,
    pub seal: Vec<u8>,
}

/// Computes seals while the store appends (it holds the chain's lock, the sealer holds the key).
pub trait AuditSealer: Send + Sync {
    /// The seal of entry `id` following `prev` (32 zero bytes before the first): (key id, seal).
    fn seal_entry(&self, prev: &[u8], id: i64, record: &AuditRecord) -> (i64, Vec<u8>);
    /// The seal of a head or checkpoint marker (`kind` is `head` or `checkpoint`).
    fn seal_marker(&self, kind: &str, entry_id: i64, entry_seal: &[u8], at: &str) -> (i64, Vec<u8>);
}

/// A checkpoint is written after every this many entries.
pub const AUDIT_CHECKPOINT_EVERY: i64 = 1_000;

/// What an auditor looks for. Every filter is optional; results are newest first, before
/// `before_id` (keyset pagination).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub account_id: Option<i64>,
    pub username: Option<String>,
    pub household_id: Option<i64>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// Inclusive, same text format as `AuditRecord::at`.
    pub from: Option<String>,
    /// Exclusive.
    pub to: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// 预警: abnormal access found by a rule, for an auditor to handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub rule: String,
    pub account_id: Option<i64>,
    pub username: String,
    pub region: RegionCode,
    pub opened_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// How many audit entries the alert covers.
    pub count: i64,
    pub first_entry: i64,
    pub last_entry: i64,
    pub state: AlertState,
    pub outcome: AlertOutcome,
    pub version: i64,
}

/// A rule fired: what the store merges into an unclosed alert of the same rule and account (when
/// that alert's last entry is not older than `merge_since`) or opens as a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub rule: String,
    pub account_id: Option<i64>,
    pub username: String,
    pub region: RegionCode,
    pub at: DateTime<Utc>,
    pub count: i64,
    pub first_entry: i64,
    pub last_entry: i64,
    pub merge_since: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// 待处理
    Open,
    /// 处理中
    InProgress,
    /// 已办结
    Closed,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::InProgress => "in_progress",
            AlertState::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<AlertState> {
        [AlertState::Open, AlertState::InProgress, AlertState::Closed].into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            AlertState::Open => "待处理",
            AlertState::InProgress => "处理中",
            AlertState::Closed => "已办结",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::InProgress => "in progress",
            AlertState::Closed => "closed",
        }
    }
}

/// How a closed alert was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertOutcome {
    /// Not judged yet.
    None,
    /// 属实（违规）
    Confirmed,
    /// 误报（有正当理由）
    FalsePositive,
}

impl AlertOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertOutcome::None => "",
            AlertOutcome::Confirmed => "confirmed",
            AlertOutcome::FalsePositive => "false_positive",
        }
    }
    pub fn parse(s: &str) -> Option<AlertOutcome> {
        [AlertOutcome::None, AlertOutcome::Confirmed, AlertOutcome::FalsePositive].into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            AlertOutcome::None => "",
            AlertOutcome::Confirmed => "属实",
            AlertOutcome::FalsePositive => "误报",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            AlertOutcome::None => "",
            AlertOutcome::Confirmed => "confirmed",
            AlertOutcome::FalsePositive => "false positive",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertQuery {
    /// `None`: every state.
    pub state: Option<AlertState>,
    pub account_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// A handling note: who moved the alert to which state, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertNote {
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub username: String,
    pub state: AlertState,
    pub outcome: AlertOutcome,
    pub note: String,
}

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
    /// `Approved` when small enough to need no approver, else `Pending`.
    pub state: ExportState,
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

/// Which table a key-rotation pass works through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekeyTable {
    /// `persons`: ID number ciphertext and blind index.
    Persons,
    /// `households`: bank account ciphertext.
    Households,
}

/// One batch of a key-rotation pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RekeyBatch {
    /// The last row id looked at (`None`: the table is done).
    pub last_id: Option<i64>,
    pub rows: usize,
    /// Rows whose ciphertext or index was rewritten under the active keys.
    pub rewritten: usize,
}

/// The time format of audit entries: UTC, offset written, microseconds (PostgreSQL keeps no finer).
pub fn audit_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}
