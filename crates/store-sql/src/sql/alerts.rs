use super::*;

const ALERT_COLUMNS: &str =
    "id, rule, account_id, username, region, opened_at, last_at, count, first_entry, last_entry, state, outcome, version";

fn read_alert(r: &<Db as sqlx::Database>::Row) -> Result<Alert> {
    Ok(Alert {
        id: r.try_get("id").map_err(backend)?,
        rule: r.try_get("rule").map_err(backend)?,
        account_id: r.try_get("account_id").map_err(backend)?,
        username: r.try_get("username").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        opened_at: r.try_get("opened_at").map_err(backend)?,
        last_at: r.try_get("last_at").map_err(backend)?,
        count: r.try_get("count").map_err(backend)?,
        first_entry: r.try_get("first_entry").map_err(backend)?,
        last_entry: r.try_get("last_entry").map_err(backend)?,
        state: get_enum(r, "state", AlertState::parse)?,
        outcome: get_enum(r, "outcome", AlertOutcome::parse)?,
        version: r.try_get("version").map_err(backend)?,
    })
}

#[async_trait]
impl AlertStore for SqlStore {
    async fn raise_alert(&self, a: &NewAlert) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM alerts WHERE rule = $1 AND COALESCE(account_id, 0) = $2 AND state <> 'closed' AND last_at >= $3 ORDER BY id DESC LIMIT 1",
            )
            .bind(&a.rule)
            .bind(a.account_id.unwrap_or(0))
            .bind(a.merge_since)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(id) = open {
                sqlx::query("UPDATE alerts SET count = count + $1, last_entry = $2, last_at = $3, version = version + 1 WHERE id = $4")
                    .bind(a.count)
                    .bind(a.last_entry)
                    .bind(a.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                return Ok(id);
            }
            let id = alloc_ids(&mut tx, "alerts", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO alerts (id, rule, account_id, username, region, opened_at, last_at, count, first_entry, last_entry, state, outcome, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', '', 1)",
            )
            .bind(id)
            .bind(&a.rule)
            .bind(a.account_id)
            .bind(&a.username)
            .bind(a.region.as_str())
            .bind(a.at)
            .bind(a.at)
            .bind(a.count)
            .bind(a.first_entry)
            .bind(a.last_entry)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn alert(&self, id: i64) -> Result<Option<Alert>> {
        let r = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_alert).transpose()
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE 1 = 1"));
        if let Some(s) = query.state {
            q.push(" AND state = ").push_bind(s.as_str());
        }
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a);
        }
        if let Some(b) = query.before_id {
            q.push(" AND id < ").push_bind(b);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_alert).collect()
    }

    async fn alert_notes(&self, alert_id: i64) -> Result<Vec<AlertNote>> {
        let rows = sqlx::query("SELECT at, account_id, username, state, outcome, note FROM alert_notes WHERE alert_id = $1 ORDER BY id")
            .bind(alert_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(AlertNote {
                    at: r.try_get("at").map_err(backend)?,
                    account_id: r.try_get("account_id").map_err(backend)?,
                    username: r.try_get("username").map_err(backend)?,
                    state: get_enum(r, "state", AlertState::parse)?,
                    outcome: get_enum(r, "outcome", AlertOutcome::parse)?,
                    note: r.try_get("note").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn handle_alert(&self, id: i64, expected_version: i64, note: &AlertNote) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = sqlx::query("UPDATE alerts SET state = $1, outcome = $2, version = version + 1 WHERE id = $3 AND version = $4")
                .bind(note.state.as_str())
                .bind(note.outcome.as_str())
                .bind(id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM alerts WHERE id = $1").bind(id).fetch_optional(&mut *tx).await.map_err(backend)?;
                return Err(if exists.is_some() { StoreError::VersionMismatch { expected: expected_version } } else { StoreError::NotFound });
            }
            let note_id = alloc_ids(&mut tx, "alert_notes", 1).await.map_err(backend)?[0];
            sqlx::query("INSERT INTO alert_notes (id, alert_id, at, account_id, username, state, outcome, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(note_id)
                .bind(id)
                .bind(note.at)
                .bind(note.account_id)
                .bind(&note.username)
                .bind(note.state.as_str())
                .bind(note.outcome.as_str())
                .bind(&note.note)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }
}
