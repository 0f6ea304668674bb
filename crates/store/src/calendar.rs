//! 节假日安排: official holiday years imported after the release, shared by every server.

use crate::Result;
use async_trait::async_trait;
use jiuzhu_domain::Actor;

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Holiday files of years published after the release, as imported: (year, file text).
    async fn calendar_years(&self) -> Result<Vec<(i32, String)>>;
    /// Stores a year's file (replacing an earlier import of the same year).
    async fn put_calendar_year(&self, year: i32, text: &str, source: &str, actor: &Actor) -> Result<()>;
}
