//! 网上申请 ([`OnlineApplicationStore`]): what a resident sent, encrypted and bound to its row
//! (`crate::columns`, ONLINE_*), found by 办件编号 and the blind index of the applicant's ID number
//! or query code under every index key (a rotation may be half way), and the town's decision on it;
//! the photos of documents the resident adds to it, each picture encrypted and bound to its own row
//! (ONLINE_DOCUMENT_BYTES), listed without their pictures oldest first.

use super::*;
use crate::columns::{ONLINE_APPLICANT_ID, ONLINE_DOCUMENT_BYTES, ONLINE_QUERY_CODE, ONLINE_SUBMISSION, QUERY_CODE_INDEX};

const ONLINE_COLUMNS: &str =
    "id, reference, region, state, submission_enc, submitted_at, household_id, case_ids, handled_by, handled_at, declined_reason, version";

const DOCUMENT_COLUMNS: &str = "id, application_id, material, content_type, size, uploaded_at";

fn read_document_info(r: &<Db as sqlx::Database>::Row) -> Result<OnlineDocumentInfo> {
    Ok(OnlineDocumentInfo {
        id: r.try_get("id").map_err(backend)?,
        application_id: r.try_get("application_id").map_err(backend)?,
        material: r.try_get("material").map_err(backend)?,
        content_type: r.try_get("content_type").map_err(backend)?,
        size: r.try_get("size").map_err(backend)?,
        uploaded_at: r.try_get("uploaded_at").map_err(backend)?,
    })
}

impl SqlStore {
    fn read_online(&self, r: &<Db as sqlx::Database>::Row) -> Result<OnlineApplication> {
        let id: i64 = r.try_get("id").map_err(backend)?;
        let blob: Vec<u8> = r.try_get("submission_enc").map_err(backend)?;
        let submission = self
            .keys
            .decrypt_text(&ONLINE_SUBMISSION.context(id), &blob)
            .map_err(|e| undecryptable("online_applications.submission_enc", e))?;
        Ok(OnlineApplication {
            id,
            reference: r.try_get("reference").map_err(backend)?,
            region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
            state: get_enum(r, "state", OnlineState::parse)?,
            submission,
            submitted_at: r.try_get("submitted_at").map_err(backend)?,
            household_id: r.try_get("household_id").map_err(backend)?,
            // In the order the intake opened them.
            case_ids: parse_ids("online_applications.case_ids", &r.try_get::<String, _>("case_ids").map_err(backend)?)?,
            handled_by: r.try_get("handled_by").map_err(backend)?,
            handled_at: r.try_get("handled_at").map_err(backend)?,
            declined_reason: r.try_get("declined_reason").map_err(backend)?,
            version: r.try_get("version").map_err(backend)?,
        })
    }
}

#[async_trait]
impl OnlineApplicationStore for SqlStore {
    async fn insert_online_application(&self, new: &NewOnlineApplication) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // The id first: every ciphertext is bound to it.
            let id = alloc_ids(&mut tx, "online_applications", 1).await.map_err(backend)?[0];
            let keys = &self.keys;
            sqlx::query(
                "INSERT INTO online_applications (id, reference, region, state, submission_enc, applicant_id_enc, applicant_id_bidx, \
                 query_code_enc, query_code_bidx, submitted_at, case_ids, version) \
                 VALUES ($1, $2, $3, 'submitted', $4, $5, $6, $7, $8, $9, '', 1)",
            )
            .bind(id)
            .bind(&new.reference)
            .bind(new.region.as_str())
            .bind(keys.encrypt(&ONLINE_SUBMISSION.context(id), new.submission.as_bytes()))
            .bind(keys.encrypt(&ONLINE_APPLICANT_ID.context(id), new.applicant_id_number.as_bytes()))
            .bind(keys.blind_index(ID_INDEX, new.applicant_id_number.as_bytes()))
            .bind(keys.encrypt(&ONLINE_QUERY_CODE.context(id), new.query_code.as_bytes()))
            .bind(keys.blind_index(QUERY_CODE_INDEX, new.query_code.as_bytes()))
            .bind(new.submitted_at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn online_application(&self, id: i64) -> Result<OnlineApplication> {
        let r = sqlx::query(&format!("SELECT {ONLINE_COLUMNS} FROM online_applications WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match r {
            Some(r) => self.read_online(&r),
            None => Err(StoreError::NotFound),
        }
    }

    async fn online_application_for(&self, reference: &str, secret: &QuerySecret) -> Result<Option<OnlineApplication>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ONLINE_COLUMNS} FROM online_applications WHERE reference = "));
        q.push_bind(reference.to_string()).push(" AND ");
        match secret {
            QuerySecret::IdNumber(id_number) => push_index_match(&mut q, &self.keys, "applicant_id_bidx", ID_INDEX, id_number),
            QuerySecret::QueryCode(code) => push_index_match(&mut q, &self.keys, "query_code_bidx", QUERY_CODE_INDEX, code),
        }
        let r = q.build().fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(|r| self.read_online(r)).transpose()
    }

    async fn online_applications(&self, scope: &RegionCode, state: OnlineState, limit: i64) -> Result<Vec<OnlineApplication>> {
        let rows = sqlx::query(&format!(
            "SELECT {ONLINE_COLUMNS} FROM online_applications WHERE region >= $1 AND region < $2 AND state = $3 \
             ORDER BY submitted_at, id LIMIT $4"
        ))
        .bind(scope.as_str())
        .bind(scope.upper_bound())
        .bind(state.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| self.read_online(r)).collect()
    }

    async fn handle_online_application(&self, id: i64, version: i64, handling: &Handling, by: &Actor, at: DateTime<Utc>) -> Result<()> {
        let (state, household_id, case_ids, reason) = match handling {
            Handling::Taken { household_id, case_ids } => (OnlineState::Taken, Some(*household_id), join_ids(case_ids), None),
            Handling::Declined { reason } => (OnlineState::Declined, None, String::new(), Some(reason.as_str())),
        };
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = sqlx::query(
                "UPDATE online_applications SET state = $1, household_id = $2, case_ids = $3, declined_reason = $4, handled_by = $5, \
                 handled_at = $6, version = version + 1 WHERE id = $7 AND version = $8 AND state = 'submitted'",
            )
            .bind(state.as_str())
            .bind(household_id)
            .bind(case_ids)
            .bind(reason)
            .bind(&by.username)
            .bind(at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM online_applications WHERE id = $1")
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

    async fn insert_online_document(&self, new: &NewOnlineDocument) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // A photo of no application is refused as such (not as the foreign key's error).
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM online_applications WHERE id = $1")
                .bind(new.application_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            // The id first: the picture's ciphertext is bound to it.
            let id = alloc_ids(&mut tx, "online_documents", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO online_documents (id, application_id, material, content_type, size, bytes_enc, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(new.application_id)
            .bind(&new.material)
            .bind(&new.content_type)
            .bind(i64::try_from(new.bytes.len()).unwrap_or(i64::MAX))
            .bind(self.keys.encrypt(&ONLINE_DOCUMENT_BYTES.context(id), &new.bytes))
            .bind(new.uploaded_at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn online_documents(&self, application_id: i64) -> Result<Vec<OnlineDocumentInfo>> {
        let rows =
            sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS} FROM online_documents WHERE application_id = $1 ORDER BY uploaded_at, id"))
                .bind(application_id)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
        rows.iter().map(read_document_info).collect()
    }

    async fn online_document(&self, id: i64) -> Result<Option<OnlineDocument>> {
        let r = sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS}, bytes_enc FROM online_documents WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        let Some(r) = r else { return Ok(None) };
        let blob: Vec<u8> = r.try_get("bytes_enc").map_err(backend)?;
        let bytes =
            self.keys.decrypt(&ONLINE_DOCUMENT_BYTES.context(id), &blob).map_err(|e| undecryptable("online_documents.bytes_enc", e))?;
        Ok(Some(OnlineDocument { info: read_document_info(&r)?, bytes }))
    }

    async fn delete_online_document(&self, application_id: i64, id: i64) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // Only a photo of that application, and only while it waits at the window (taken in
            // meanwhile, the window relied on it): another's, none, or too late is not found.
            let done = sqlx::query(
                "DELETE FROM online_documents WHERE id = $1 AND application_id = $2 \
                 AND EXISTS (SELECT 1 FROM online_applications WHERE id = $2 AND state = 'submitted')",
            )
            .bind(id)
            .bind(application_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }
}
