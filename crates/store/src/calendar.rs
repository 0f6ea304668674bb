//! 节假日安排: official holiday years imported after the release, shared by every server, with
//! the history of every import (who, when, from which notice, the file's SHA-256).

use crate::Result;
use crate::cases::{Case, NewCaseEvent};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuzhu_domain::Actor;
use serde::Serialize;

/// A year's file to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCalendarImport {
    pub year: i32,
    /// The file's text, as imported.
    pub content: String,
    /// The notice it comes from (国务院办公厅关于…节假日安排的通知).
    pub source: String,
    /// The SHA-256 of `content`, hex.
    pub sha256: String,
    pub actor: Actor,
}

/// One import of a year, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarImport {
    pub id: i64,
    pub year: i32,
    pub source: String,
    /// `None` for the import made before the history was kept (0008_calendar_imports).
    pub sha256: Option<String>,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
    /// Cases whose deadlines the import computed or moved (`None`: before the history was kept).
    pub cases_changed: Option<i64>,
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Holiday files of years published after the release, as last imported: (year, file text).
    async fn calendar_years(&self) -> Result<Vec<(i32, String)>>;
    /// Imports a year in one transaction: the year's file becomes the current one, the import
    /// is added to the history, and every case in `cases` gets its recomputed deadlines
    /// (`step_due`, `overall_due` and the deadlines in its details; nothing else of the case)
    /// with its timeline entry. Each case's `version` is the one it was read at: a case
    /// changed since is `VersionMismatch` and nothing is stored. Returns the import's id.
    async fn import_calendar_year(&self, import: &NewCalendarImport, cases: &[(Case, NewCaseEvent)]) -> Result<i64>;
    /// The history of imports, newest first.
    async fn calendar_imports(&self, limit: i64) -> Result<Vec<CalendarImport>>;
}
