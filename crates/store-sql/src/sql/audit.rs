use super::*;

const AUDIT_COLUMNS: &str = "id, at, account_id, username, role, region, ip, action, object_kind, object_id, household_id, fields, purpose, outcome, reason, detail, key_id, seal";

/// The record columns (`audit_pending` has them too, unsealed).
const PENDING_COLUMNS: &str =
    "at, account_id, username, role, region, ip, action, object_kind, object_id, household_id, fields, purpose, outcome, reason, detail";

fn read_audit(r: &<Db as sqlx::Database>::Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("id").map_err(backend)?,
        record: read_record(r)?,
        key_id: r.try_get("key_id").map_err(backend)?,
        seal: r.try_get("seal").map_err(backend)?,
    })
}

fn read_record(r: &<Db as sqlx::Database>::Row) -> Result<AuditRecord> {
    let g = |c: &str| r.try_get::<String, _>(c).map_err(backend);
    Ok(AuditRecord {
        at: g("at")?,
        account_id: r.try_get("account_id").map_err(backend)?,
        username: g("username")?,
        role: g("role")?,
        region: g("region")?,
        ip: g("ip")?,
        action: g("action")?,
        object_kind: g("object_kind")?,
        object_id: g("object_id")?,
        household_id: r.try_get("household_id").map_err(backend)?,
        fields: g("fields")?,
        purpose: g("purpose")?,
        outcome: g("outcome")?,
        reason: g("reason")?,
        detail: g("detail")?,
    })
}

fn read_marker(r: &<Db as sqlx::Database>::Row) -> Result<AuditMarker> {
    Ok(AuditMarker {
        entry_id: r.try_get("entry_id").map_err(backend)?,
        entry_seal: r.try_get("entry_seal").map_err(backend)?,
        at: r.try_get("at").map_err(backend)?,
        key_id: r.try_get("key_id").map_err(backend)?,
        seal: r.try_get("seal").map_err(backend)?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, records: &[AuditRecord], sealer: &dyn AuditSealer) -> Result<Vec<i64>> {
        self.settle_audit(records, &[], sealer).await
    }

    async fn settle_audit(&self, records: &[AuditRecord], settled: &[String], sealer: &dyn AuditSealer) -> Result<Vec<i64>> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            lock_audit_chain(&mut tx).await.map_err(backend)?;
            for key in settled {
                sqlx::query("DELETE FROM audit_pending WHERE request_key = $1").bind(key).execute(&mut *tx).await.map_err(backend)?;
            }
            append_in(&mut tx, records, sealer).await
        }
        .await;
        finish_unaudited(tx, result).await
    }

    async fn seal_pending_audit(&self, before: DateTime<Utc>, sealer: &dyn AuditSealer) -> Result<Vec<(i64, AuditRecord)>> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // Under the chain's lock, so a request settling its own entries at the same moment
            // either ran first (its pending rows are gone) or waits and finds them sealed.
            lock_audit_chain(&mut tx).await.map_err(backend)?;
            let rows = sqlx::query(&format!("SELECT id, {PENDING_COLUMNS} FROM audit_pending WHERE created_at < $1 ORDER BY id"))
                .bind(audit_time(before))
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?;
            let records = rows.iter().map(read_record).collect::<Result<Vec<_>>>()?;
            let Some(last) = rows.last() else { return Ok(Vec::new()) };
            let last: i64 = last.try_get("id").map_err(backend)?;
            sqlx::query("DELETE FROM audit_pending WHERE id <= $1 AND created_at < $2")
                .bind(last)
                .bind(audit_time(before))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let ids = append_in(&mut tx, &records, sealer).await?;
            Ok(ids.into_iter().zip(records).collect())
        }
        .await;
        finish_unaudited(tx, result).await
    }

    async fn pending_audit_count(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending").fetch_one(&self.pool).await.map_err(backend)
    }

    async fn probe_write(&self, at: DateTime<Utc>) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        // A page's worth of bytes, so the probe needs the space a small real change needs.
        let result: Result<()> = sqlx::query(
            "INSERT INTO health_probe (id, at, pad) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET at = excluded.at, pad = excluded.pad",
        )
        .bind(audit_time(at))
        .bind(vec![0u8; 4096])
        .execute(&mut *tx)
        .await
        .map(|_| ())
        .map_err(backend);
        finish_unaudited(tx, result).await
    }

    async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(read_audit).collect()
    }

    async fn audit_head(&self) -> Result<Option<AuditMarker>> {
        let r = sqlx::query("SELECT entry_id, entry_seal, at, key_id, seal FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_marker).transpose()
    }

    async fn audit_checkpoints(&self) -> Result<Vec<AuditMarker>> {
        let rows = sqlx::query("SELECT entry_id, entry_seal, at, key_id, seal FROM audit_checkpoints ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(read_marker).collect()
    }

    async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE 1 = 1"));
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a);
        }
        if let Some(u) = &query.username {
            q.push(" AND username = ").push_bind(u.clone());
        }
        if let Some(h) = query.household_id {
            q.push(" AND household_id = ").push_bind(h);
        }
        if let Some(a) = &query.action {
            q.push(" AND action = ").push_bind(a.clone());
        }
        if let Some(o) = &query.outcome {
            q.push(" AND outcome = ").push_bind(o.clone());
        }
        if let Some(f) = &query.from {
            q.push(" AND at >= ").push_bind(f.clone());
        }
        if let Some(t) = &query.to {
            q.push(" AND at < ").push_bind(t.clone());
        }
        if let Some(b) = query.before_id {
            q.push(" AND id < ").push_bind(b);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_audit).collect()
    }
}

/// Appends `records` to the chain inside `tx`, which holds the chain's lock: each gets the next
/// id and its seal; the head is resealed and a checkpoint written every
/// [`AUDIT_CHECKPOINT_EVERY`] entries.
async fn append_in(tx: &mut Conn, records: &[AuditRecord], sealer: &dyn AuditSealer) -> Result<Vec<i64>> {
    // The chain continues from the newest stored row (not from the head, which only
    // verification trusts).
    let last = sqlx::query("SELECT id, seal FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut *tx).await.map_err(backend)?;
    let (mut last_id, mut prev): (i64, Vec<u8>) = match last {
        Some(r) => (r.try_get("id").map_err(backend)?, r.try_get("seal").map_err(backend)?),
        None => (0, vec![0; 32]),
    };
    let mut ids = Vec::with_capacity(records.len());
    for chunk in records.chunks(MAX_BINDS / 17) {
        let mut sealed = Vec::with_capacity(chunk.len());
        for r in chunk {
            last_id += 1;
            let (key_id, seal) = sealer.seal_entry(&prev, last_id, r);
            prev = seal.clone();
            sealed.push((last_id, r, key_id, seal));
        }
        let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO audit_log (id, {PENDING_COLUMNS}, key_id, seal) "));
        q.push_values(&sealed, |mut b, (id, r, key_id, seal)| {
            b.push_bind(*id);
            push_record(&mut b, r);
            b.push_bind(*key_id).push_bind(seal.clone());
        });
        q.build().execute(&mut *tx).await.map_err(backend)?;
        for (id, r, _, seal) in &sealed {
            if id % AUDIT_CHECKPOINT_EVERY == 0 {
                let (key_id, marker) = sealer.seal_marker("checkpoint", *id, seal, &r.at);
                sqlx::query("INSERT INTO audit_checkpoints (id, entry_id, entry_seal, at, key_id, seal) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id / AUDIT_CHECKPOINT_EVERY)
                    .bind(*id)
                    .bind(seal.clone())
                    .bind(r.at.clone())
                    .bind(key_id)
                    .bind(marker)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
        }
        ids.extend(sealed.iter().map(|(id, ..)| *id));
    }
    if let Some(r) = records.last() {
        let (key_id, marker) = sealer.seal_marker("head", last_id, &prev, &r.at);
        sqlx::query(
            "INSERT INTO audit_head (id, entry_id, entry_seal, at, key_id, seal) VALUES (1, $1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET entry_id = excluded.entry_id, entry_seal = excluded.entry_seal, at = excluded.at, \
             key_id = excluded.key_id, seal = excluded.seal",
        )
        .bind(last_id)
        .bind(prev.clone())
        .bind(r.at.clone())
        .bind(key_id)
        .bind(marker)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    Ok(ids)
}

fn push_record<'q>(b: &mut sqlx::query_builder::Separated<'_, 'q, Db, &'static str>, r: &'q AuditRecord) {
    b.push_bind(r.at.clone())
        .push_bind(r.account_id)
        .push_bind(r.username.clone())
        .push_bind(r.role.clone())
        .push_bind(r.region.clone())
        .push_bind(r.ip.clone())
        .push_bind(r.action.clone())
        .push_bind(r.object_kind.clone())
        .push_bind(r.object_id.clone())
        .push_bind(r.household_id)
        .push_bind(r.fields.clone())
        .push_bind(r.purpose.clone())
        .push_bind(r.outcome.clone())
        .push_bind(r.reason.clone())
        .push_bind(r.detail.clone());
}

/// Stores the request's pending entries inside the change's transaction (replacing those of its
/// earlier transactions: the newest snapshot of its trail says the most).
pub(super) async fn store_pending(tx: &mut Conn, intent: &dyn AuditIntent, now: DateTime<Utc>) -> Result<()> {
    let records = intent.records();
    sqlx::query("DELETE FROM audit_pending WHERE request_key = $1").bind(intent.key()).execute(&mut *tx).await.map_err(backend)?;
    for chunk in records.chunks(MAX_BINDS / 17) {
        let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO audit_pending (request_key, created_at, {PENDING_COLUMNS}) "));
        q.push_values(chunk, |mut b, r| {
            b.push_bind(intent.key().to_string()).push_bind(audit_time(now));
            push_record(&mut b, r);
        });
        q.build().execute(&mut *tx).await.map_err(backend)?;
    }
    Ok(())
}
