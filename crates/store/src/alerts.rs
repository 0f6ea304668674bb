//! 预警: alerts raised by the audit rules, and how auditors handled them.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuzhu_domain::RegionCode;
use serde::Serialize;

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

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Merges into an unclosed alert of the same rule and account whose last entry is not older
    /// than `merge_since`, or opens a new one. Returns the alert's id.
    async fn raise_alert(&self, alert: &NewAlert) -> Result<i64>;
    async fn alert(&self, id: i64) -> Result<Option<Alert>>;
    /// Alerts matching the query, newest first.
    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>>;
    async fn alert_notes(&self, alert_id: i64) -> Result<Vec<AlertNote>>;
    /// Moves an alert to a state with a note; `expected_version` as read (`VersionMismatch` when
    /// someone else handled it meanwhile).
    async fn handle_alert(&self, id: i64, expected_version: i64, note: &AlertNote) -> Result<()>;
}
