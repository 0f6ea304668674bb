//! 在线咨询: residents' questions to the town window and the threads that answer them, read by
//! the resident with the 咨询编号 and the 查询密码.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::question::{QuestionState, QuestionTopic};

/// A question as it is first stored, with its first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    /// 咨询编号 (`ZX20261207-482913`), unique.
    pub code: String,
    /// 查询密码 (8 digits): found with the code through a blind index, never in clear.
    pub pin: String,
    pub topic: QuestionTopic,
    /// The town whose window answers.
    pub region: RegionCode,
    /// The question (encrypted at rest).
    pub body: String,
    pub asked_at: DateTime<Utc>,
    pub due_on: NaiveDate,
}

/// A stored question (its messages apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    pub code: String,
    pub topic: QuestionTopic,
    pub region: RegionCode,
    pub state: QuestionState,
    pub asked_at: DateTime<Utc>,
    /// The day the next answer is due (while waiting).
    pub due_on: NaiveDate,
    /// The latest step's time: the latest message's, or the closing's (`asked_at` at first).
    pub last_at: DateTime<Utc>,
    pub version: i64,
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionMessage {
    pub id: i64,
    /// From the town's staff (else from the resident).
    pub from_staff: bool,
    /// The staff account that wrote it (its username); `None` for the resident.
    pub author: Option<String>,
    /// Encrypted at rest.
    pub body: String,
    pub at: DateTime<Utc>,
}

/// One step of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionStep {
    /// The town answers: `Waiting` → `Answered`, with the message.
    Answer { author: String, body: String },
    /// The resident asks again: `Answered` → `Waiting` with a new due day.
    FollowUp { body: String, due_on: NaiveDate },
    /// The resident says it is resolved: `Waiting` or `Answered` → `Closed`.
    Close,
}

#[async_trait]
pub trait QuestionStore: Send + Sync {
    /// Stores a new question as `Waiting` with its first message; a code already used is
    /// `Conflict { "questions_code" }`.
    async fn insert_question(&self, new: &NewQuestion) -> Result<i64>;
    /// One question by id; `NotFound` when there is none.
    async fn question(&self, id: i64) -> Result<Question>;
    /// The question with this code whose PIN is `pin`; `None` when either does not match.
    async fn question_for(&self, code: &str, pin: &str) -> Result<Option<Question>>;
    /// Questions whose `region` lies within `scope` in one of `states`, at most `limit`. When every
    /// state asked for is `Waiting`: soonest due first, then the oldest asked, then in the order
    /// stored. Otherwise (any other state in `states`): latest `last_at` first, then the one stored
    /// last first. No states, no questions.
    async fn questions(&self, scope: &RegionCode, states: &[QuestionState], limit: i64) -> Result<Vec<Question>>;
    /// A thread's messages, oldest first (by time, then in the order stored); empty when there is
    /// no such question.
    async fn question_messages(&self, id: i64) -> Result<Vec<QuestionMessage>>;
    /// Records one step at `version` (one transaction: the message, none for `Close`; the state;
    /// the due day, changed by `FollowUp` only; `last_at` = `at`, for `Close` too; the version up
    /// by one); `VersionMismatch` when it changed meanwhile or the step does not fit its state,
    /// `NotFound` when there is none.
    async fn advance_question(&self, id: i64, version: i64, step: &QuestionStep, at: DateTime<Utc>) -> Result<()>;
}
