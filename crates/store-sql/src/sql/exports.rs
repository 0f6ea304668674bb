use super::*;

const EXPORT_COLUMNS: &str = "id, account_id, username, region, programme, format, purpose, rows, state, requested_at, decided_by, decided_at, \
                              decision_note, downloaded_at";

fn read_export(r: &<Db as sqlx::Database>::Row) -> Result<ExportRequest> {
    Ok(ExportRequest {
        id: r.try_get("id").map_err(backend)?,
        account_id: r.try_get("account_id").map_err(backend)?,
        username: r.try_get("username").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        programme: opt_enum(r, "programme", AssistanceKind::parse)?,
        format: get_enum(r, "format", ExportFormat::parse)?,
        purpose: r.try_get("purpose").map_err(backend)?,
        rows: r.try_get("rows").map_err(backend)?,
        state: get_enum(r, "state", ExportState::parse)?,
        requested_at: r.try_get("requested_at").map_err(backend)?,
        decided_by: r.try_get("decided_by").map_err(backend)?,
        decided_at: r.try_get("decided_at").map_err(backend)?,
        decision_note: r.try_get("decision_note").map_err(backend)?,
        downloaded_at: r.try_get("downloaded_at").map_err(backend)?,
    })
}

/// `WHERE` of a roster: households inside `within`, with an active benefit of `programme` when given.
fn push_roster_filter(q: &mut QueryBuilder<'_, Db>, within: &RegionCode, programme: Option<AssistanceKind>) {
    if let Some(p) = programme {
        q.push(" JOIN benefits b ON b.household_id = h.id AND b.status <> 'ended' AND b.kind = ").push_bind(p.as_str());
    }
    q.push(" WHERE h.hukou_region >= ")
        .push_bind(within.as_str().to_string())
        .push(" AND h.hukou_region < ")
        .push_bind(within.upper_bound());
}

impl SqlStore {
    async fn export_state_changed(&self, id: i64, rows_affected: u64) -> Result<()> {
        if rows_affected == 1 {
            return Ok(());
        }
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM exports WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        Err(if exists.is_some() { StoreError::Conflict { constraint: "export_state".into() } } else { StoreError::NotFound })
    }
}

#[async_trait]
impl ExportStore for SqlStore {
    async fn request_export(&self, e: &NewExport, since: DateTime<Utc>, approval_rows: i64) -> Result<RequestedExport> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            lock_account(&mut tx, e.account_id).await.map_err(backend)?;
            let before: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(rows) AS BIGINT) FROM exports WHERE account_id = $1 AND requested_at >= $2 AND state <> 'rejected'",
            )
            .bind(e.account_id)
            .bind(since)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            let rows_today = before.unwrap_or(0) + e.rows;
            let state = if rows_today > approval_rows { ExportState::Pending } else { ExportState::Approved };
            let id = alloc_ids(&mut tx, "exports", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO exports (id, account_id, username, region, programme, format, purpose, rows, state, requested_at, decision_note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '')",
            )
            .bind(id)
            .bind(e.account_id)
            .bind(&e.username)
            .bind(e.region.as_str())
            .bind(e.programme.map(|p| p.as_str()))
            .bind(e.format.as_str())
            .bind(&e.purpose)
            .bind(e.rows)
            .bind(state.as_str())
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(RequestedExport { id, state, rows_today })
        }
        .await;
        finish(tx, result).await
    }

    async fn export(&self, id: i64) -> Result<Option<ExportRequest>> {
        let r = sqlx::query(&format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_export).transpose()
    }

    async fn exports(&self, query: &ExportQuery) -> Result<Vec<ExportRequest>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE 1 = 1"));
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a);
        }
        if let Some(w) = &query.within {
            q.push(" AND region >= ").push_bind(w.as_str().to_string()).push(" AND region < ").push_bind(w.upper_bound());
        }
        if let Some(s) = query.state {
            q.push(" AND state = ").push_bind(s.as_str());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_export).collect()
    }

    async fn decide_export(&self, id: i64, approve: bool, by: &str, note: &str) -> Result<()> {
        let state = if approve { ExportState::Approved } else { ExportState::Rejected };
        let done = sqlx::query(
            "UPDATE exports SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $5 AND state = 'pending'",
        )
        .bind(state.as_str())
        .bind(by)
        .bind(Utc::now())
        .bind(note)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        self.export_state_changed(id, done.rows_affected()).await
    }

    async fn mark_export_downloaded(&self, id: i64) -> Result<()> {
        let done = sqlx::query("UPDATE exports SET state = 'downloaded', downloaded_at = $1 WHERE id = $2 AND state = 'approved'")
            .bind(Utc::now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        self.export_state_changed(id, done.rows_affected()).await
    }

    async fn roster(&self, within: &RegionCode, programme: Option<AssistanceKind>, after_id: i64, limit: i64) -> Result<Vec<RosterRow>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT h.id, h.hukou_region, p.id AS person_id, p.name, p.id_number_enc, v.name AS village_name, t.name AS town_name, \
             (SELECT COUNT(*) FROM persons c WHERE c.household_id = h.id) AS member_count",
        );
        q.push(if programme.is_some() { ", b.kind, b.monthly_amount" } else { ", NULL AS kind, NULL AS monthly_amount" });
        q.push(
            " FROM households h JOIN persons p ON p.household_id = h.id AND p.seq = 0 \
             LEFT JOIN regions v ON v.code = h.hukou_region LEFT JOIN regions t ON t.code = substr(h.hukou_region, 1, 9)",
        );
        push_roster_filter(&mut q, within, programme);
        q.push(" AND h.id > ").push_bind(after_id).push(" ORDER BY h.id LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|r| {
                let id_number = decrypt_id(
                    &self.keys,
                    r.try_get("person_id").map_err(backend)?,
                    &r.try_get::<Vec<u8>, _>("id_number_enc").map_err(backend)?,
                )?;
                Ok(RosterRow {
                    household_id: r.try_get("id").map_err(backend)?,
                    hukou_region: region(&r.try_get::<String, _>("hukou_region").map_err(backend)?)?,
                    town_name: r.try_get("town_name").map_err(backend)?,
                    village_name: r.try_get("village_name").map_err(backend)?,
                    head_name: r.try_get("name").map_err(backend)?,
                    head_id_number: id_number.masked(),
                    member_count: r.try_get("member_count").map_err(backend)?,
                    programme: opt_enum(r, "kind", AssistanceKind::parse)?,
                    monthly_amount: r.try_get("monthly_amount").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn roster_count(&self, within: &RegionCode, programme: Option<AssistanceKind>) -> Result<i64> {
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM households h");
        push_roster_filter(&mut q, within, programme);
        q.build_query_scalar().fetch_one(&self.pool).await.map_err(backend)
    }
}
