//! 在线咨询 ([`QuestionStore`]): a question and its first message stored together, found by 咨询编号
//! and the blind index of the 查询密码 under every index key (a rotation may be half way), as
//! complaints are; each message's text encrypted and bound to the message's row
//! (`crate::columns`, QUESTION_*); queued per town soonest due first (or latest step first), and
//! moved one step at a time at the version read, the step's message in the same transaction.

use super::*;
use crate::columns::{QUESTION_MESSAGE_BODY, QUESTION_PIN, QUESTION_PIN_INDEX};
use jiuzhu_domain::question::{QuestionState, QuestionTopic};

const QUESTION_COLUMNS: &str = "id, code, topic, region, state, asked_at, due_on, last_at, version";

fn read_question(r: &<Db as sqlx::Database>::Row) -> Result<Question> {
    Ok(Question {
        id: r.try_get("id").map_err(backend)?,
        code: r.try_get("code").map_err(backend)?,
        topic: get_enum(r, "topic", QuestionTopic::parse)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        state: get_enum(r, "state", QuestionState::parse)?,
        asked_at: r.try_get("asked_at").map_err(backend)?,
        due_on: r.try_get("due_on").map_err(backend)?,
        last_at: r.try_get("last_at").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
    })
}

/// Adds one message to question `question_id`'s thread, its text encrypted under its own id.
async fn insert_message(
    tx: &mut Conn,
    keys: &Keyring,
    question_id: i64,
    from_staff: bool,
    author: Option<&str>,
    body: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    // The id first: the body's ciphertext is bound to it.
    let id = alloc_ids(&mut *tx, "question_messages", 1).await.map_err(backend)?[0];
    sqlx::query("INSERT INTO question_messages (id, question_id, from_staff, author, body_enc, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(question_id)
        .bind(from_staff)
        .bind(author)
        .bind(keys.encrypt(&QUESTION_MESSAGE_BODY.context(id), body.as_bytes()))
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    Ok(())
}

#[async_trait]
impl QuestionStore for SqlStore {
    async fn insert_question(&self, new: &NewQuestion) -> Result<i64> {
        let keys = &self.keys;
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // The id first: the PIN's ciphertext is bound to it.
            let id = alloc_ids(&mut tx, "questions", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO questions (id, code, pin_enc, pin_bidx, topic, region, state, asked_at, due_on, last_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'waiting', $7, $8, $7, 1)",
            )
            .bind(id)
            .bind(&new.code)
            .bind(keys.encrypt(&QUESTION_PIN.context(id), new.pin.as_bytes()))
            .bind(keys.blind_index(QUESTION_PIN_INDEX, new.pin.as_bytes()))
            .bind(new.topic.as_str())
            .bind(new.region.as_str())
            .bind(new.asked_at)
            .bind(new.due_on)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            insert_message(&mut tx, keys, id, false, None, &new.body, new.asked_at).await?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn question(&self, id: i64) -> Result<Question> {
        let r = sqlx::query(&format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match r {
            Some(r) => read_question(&r),
            None => Err(StoreError::NotFound),
        }
    }

    async fn question_for(&self, code: &str, pin: &str) -> Result<Option<Question>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE code = "));
        q.push_bind(code.to_string()).push(" AND ");
        push_index_match(&mut q, &self.keys, "pin_bidx", QUESTION_PIN_INDEX, pin);
        let r = q.build().fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(read_question).transpose()
    }

    async fn questions(&self, scope: &RegionCode, states: &[QuestionState], limit: i64) -> Result<Vec<Question>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        // The waiting queue by its deadline; any list with another state by the latest step.
        let order = if states.iter().all(|s| *s == QuestionState::Waiting) { "due_on, asked_at, id" } else { "last_at DESC, id DESC" };
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE region >= "));
        q.push_bind(scope.as_str().to_string()).push(" AND region < ").push_bind(scope.upper_bound()).push(" AND state IN (");
        let mut sep = q.separated(", ");
        for state in states {
            sep.push_bind(state.as_str());
        }
        sep.push_unseparated(")");
        q.push(format!(" ORDER BY {order} LIMIT ")).push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_question).collect()
    }

    async fn question_messages(&self, id: i64) -> Result<Vec<QuestionMessage>> {
        let rows = sqlx::query("SELECT id, from_staff, author, body_enc, at FROM question_messages WHERE question_id = $1 ORDER BY at, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id").map_err(backend)?;
                let body: Vec<u8> = r.try_get("body_enc").map_err(backend)?;
                Ok(QuestionMessage {
                    id,
                    from_staff: r.try_get("from_staff").map_err(backend)?,
                    author: r.try_get("author").map_err(backend)?,
                    body: self
                        .keys
                        .decrypt_text(&QUESTION_MESSAGE_BODY.context(id), &body)
                        .map_err(|e| undecryptable("question_messages.body_enc", e))?,
                    at: r.try_get("at").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn advance_question(&self, id: i64, version: i64, step: &QuestionStep, at: DateTime<Utc>) -> Result<()> {
        // Every step: `last_at = at, version = version + 1 WHERE id = … AND version = … AND <the
        // state it fits>`, then its message (none for closing).
        let mut q = QueryBuilder::<Db>::new("UPDATE questions SET ");
        let (fits, message) = match step {
            QuestionStep::Answer { author, body } => {
                q.push("state = 'answered'");
                ("state = 'waiting'", Some((true, Some(author.as_str()), body.as_str())))
            }
            QuestionStep::FollowUp { body, due_on } => {
                q.push("state = 'waiting', due_on = ").push_bind(*due_on);
                ("state = 'answered'", Some((false, None, body.as_str())))
            }
            QuestionStep::Close => {
                q.push("state = 'closed'");
                ("state IN ('waiting', 'answered')", None)
            }
        };
        q.push(", last_at = ").push_bind(at);
        q.push(", version = version + 1 WHERE id = ").push_bind(id).push(" AND version = ").push_bind(version).push(" AND ").push(fits);
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = q.build().execute(&mut *tx).await.map_err(backend)?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM questions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                return Err(if exists.is_some() { StoreError::VersionMismatch { expected: version } } else { StoreError::NotFound });
            }
            if let Some((from_staff, author, body)) = message {
                insert_message(&mut tx, &self.keys, id, from_staff, author, body, at).await?;
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }
}
