//! 投诉举报 ([`ComplaintStore`]): what was reported, who reported and the answer, encrypted and
//! bound to the row (`crate::columns`, COMPLAINT_*), found by 举报编号 and the blind index of the
//! 查询密码 under every index key (a rotation may be half way), queued per handling region soonest
//! due first, and moved one step at a time at the version read.

use super::*;
use crate::columns::{COMPLAINT_ANSWER, COMPLAINT_DETAILS, COMPLAINT_PIN, COMPLAINT_PIN_INDEX, COMPLAINT_REPORTER};
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintChannel, ComplaintState, Finding};

const COMPLAINT_COLUMNS: &str = "id, code, category, channel, external_no, region, handling_region, excluded_accounts, details_enc, \
     reporter_enc, state, received_at, due_on, escalated_at, accepted_by, accepted_at, finding, answer_enc, answered_by, answered_at, version";

impl SqlStore {
    fn read_complaint(&self, r: &<Db as sqlx::Database>::Row) -> Result<Complaint> {
        let id: i64 = r.try_get("id").map_err(backend)?;
        let keys = &self.keys;
        let details: Vec<u8> = r.try_get("details_enc").map_err(backend)?;
        let details =
            keys.decrypt_text(&COMPLAINT_DETAILS.context(id), &details).map_err(|e| undecryptable("complaints.details_enc", e))?;
        let reporter = match r.try_get::<Option<Vec<u8>>, _>("reporter_enc").map_err(backend)? {
            Some(blob) => {
                Some(keys.decrypt_text(&COMPLAINT_REPORTER.context(id), &blob).map_err(|e| undecryptable("complaints.reporter_enc", e))?)
            }
            None => None,
        };
        let answer = match r.try_get::<Option<Vec<u8>>, _>("answer_enc").map_err(backend)? {
            Some(blob) => {
                Some(keys.decrypt_text(&COMPLAINT_ANSWER.context(id), &blob).map_err(|e| undecryptable("complaints.answer_enc", e))?)
            }
            None => None,
        };
        Ok(Complaint {
            id,
            code: r.try_get("code").map_err(backend)?,
            category: get_enum(r, "category", ComplaintCategory::parse)?,
            channel: get_enum(r, "channel", ComplaintChannel::parse)?,
            external_no: r.try_get("external_no").map_err(backend)?,
            region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
            handling_region: region(&r.try_get::<String, _>("handling_region").map_err(backend)?)?,
            excluded_accounts: parse_ids("complaints.excluded_accounts", &r.try_get::<String, _>("excluded_accounts").map_err(backend)?)?,
            details,
            reporter,
            state: get_enum(r, "state", ComplaintState::parse)?,
            received_at: r.try_get("received_at").map_err(backend)?,
            due_on: r.try_get("due_on").map_err(backend)?,
            escalated_at: r.try_get("escalated_at").map_err(backend)?,
            accepted_by: r.try_get("accepted_by").map_err(backend)?,
            accepted_at: r.try_get("accepted_at").map_err(backend)?,
            finding: opt_enum(r, "finding", Finding::parse)?,
            answer,
            answered_by: r.try_get("answered_by").map_err(backend)?,
            answered_at: r.try_get("answered_at").map_err(backend)?,
            version: r.try_get("version").map_err(backend)?,
        })
    }
}

#[async_trait]
impl ComplaintStore for SqlStore {
    async fn insert_complaint(&self, new: &NewComplaint) -> Result<i64> {
        Ok(self.insert_complaints(std::slice::from_ref(new)).await?[0])
    }

    async fn insert_complaints(&self, new: &[NewComplaint]) -> Result<Vec<i64>> {
        if new.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // The ids first: every ciphertext is bound to its row's.
            let ids = alloc_ids(&mut tx, "complaints", new.len()).await.map_err(backend)?;
            let keys = &self.keys;
            for (&id, new) in ids.iter().zip(new) {
                let reporter = new.reporter.as_ref().map(|r| keys.encrypt(&COMPLAINT_REPORTER.context(id), r.as_bytes()));
                sqlx::query(
                    "INSERT INTO complaints (id, code, pin_enc, pin_bidx, category, channel, external_no, region, handling_region, \
                     excluded_accounts, details_enc, reporter_enc, state, received_at, due_on, submission_key, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'received', $13, $14, $15, 1)",
                )
                .bind(id)
                .bind(&new.code)
                .bind(keys.encrypt(&COMPLAINT_PIN.context(id), new.pin.as_bytes()))
                .bind(keys.blind_index(COMPLAINT_PIN_INDEX, new.pin.as_bytes()))
                .bind(new.category.as_str())
                .bind(new.channel.as_str())
                .bind(new.external_no.as_deref())
                .bind(new.region.as_str())
                .bind(new.handling_region.as_str())
                .bind(join_ids(&new.excluded_accounts))
                .bind(keys.encrypt(&COMPLAINT_DETAILS.context(id), new.details.as_bytes()))
                .bind(reporter)
                .bind(new.received_at)
                .bind(new.due_on)
                .bind(new.submission_key.as_deref())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            Ok(ids)
        }
        .await;
        finish(tx, result).await
    }

    async fn complaint(&self, id: i64) -> Result<Complaint> {
        let r = sqlx::query(&format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match r {
            Some(r) => self.read_complaint(&r),
            None => Err(StoreError::NotFound),
        }
    }

    async fn complaint_for(&self, code: &str, pin: &str) -> Result<Option<Complaint>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE code = "));
        q.push_bind(code.to_string()).push(" AND ");
        push_index_match(&mut q, &self.keys, "pin_bidx", COMPLAINT_PIN_INDEX, pin);
        let r = q.build().fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(|r| self.read_complaint(r)).transpose()
    }

    async fn complaint_by_submission_key(&self, key: &str) -> Result<Option<(i64, String)>> {
        sqlx::query_as("SELECT id, code FROM complaints WHERE submission_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn complaint_by_external_no(&self, external_no: &str) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM complaints WHERE external_no = $1")
            .bind(external_no)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn complaints(&self, scope: &RegionCode, states: &[ComplaintState], limit: i64) -> Result<Vec<Complaint>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE handling_region >= "));
        q.push_bind(scope.as_str().to_string()).push(" AND handling_region < ").push_bind(scope.upper_bound()).push(" AND state IN (");
        let mut sep = q.separated(", ");
        for state in states {
            sep.push_bind(state.as_str());
        }
        sep.push_unseparated(")");
        q.push(" ORDER BY due_on, received_at, id LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| self.read_complaint(r)).collect()
    }

    async fn answered_complaints(&self, scope: &RegionCode, limit: i64) -> Result<Vec<Complaint>> {
        let rows = sqlx::query(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE state = 'answered' AND handling_region >= $1 AND handling_region < $2 \
             ORDER BY answered_at DESC, id DESC LIMIT $3"
        ))
        .bind(scope.as_str())
        .bind(scope.upper_bound())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| self.read_complaint(r)).collect()
    }

    async fn complaints_overdue(&self, day: NaiveDate, limit: i64) -> Result<Vec<Complaint>> {
        let rows = sqlx::query(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE state <> 'answered' AND due_on < $1 ORDER BY due_on, id LIMIT $2"
        ))
        .bind(day)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| self.read_complaint(r)).collect()
    }

    async fn advance_complaint(&self, id: i64, version: i64, step: &ComplaintStep, by: &Actor, at: DateTime<Utc>) -> Result<()> {
        // Every step: `version = version + 1 WHERE id = … AND version = … AND <the state it fits>`.
        let mut q = QueryBuilder::<Db>::new("UPDATE complaints SET ");
        let fits = match step {
            ComplaintStep::Accept => {
                q.push("state = 'handling', accepted_by = ").push_bind(by.username.clone()).push(", accepted_at = ").push_bind(at);
                "state = 'received'"
            }
            ComplaintStep::Escalate { handling_region, due_on } => {
                q.push("handling_region = ")
                    .push_bind(handling_region.as_str().to_string())
                    .push(", due_on = ")
                    .push_bind(*due_on)
                    .push(", escalated_at = ")
                    .push_bind(at);
                "state <> 'answered'"
            }
            ComplaintStep::Answer { finding, answer } => {
                let answer = self.keys.encrypt(&COMPLAINT_ANSWER.context(id), answer.as_bytes());
                q.push("state = 'answered', finding = ")
                    .push_bind(finding.as_str())
                    .push(", answer_enc = ")
                    .push_bind(answer)
                    .push(", answered_by = ")
                    .push_bind(by.username.clone())
                    .push(", answered_at = ")
                    .push_bind(at);
                "state = 'handling'"
            }
        };
        q.push(", version = version + 1 WHERE id = ").push_bind(id).push(" AND version = ").push_bind(version).push(" AND ").push(fits);
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = q.build().execute(&mut *tx).await.map_err(backend)?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM complaints WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                return Err(if exists.is_some() { StoreError::VersionMismatch { expected: version } } else { StoreError::NotFound });
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }
}
