//! The database's own upkeep: ping, statistics, key rotation over the registry of encrypted
//! columns (`crate::columns`), which keys stored values carry, and leases.

use super::*;
use crate::columns::{AUDIT_KEY_COLUMNS, ENCRYPTED_COLUMNS, EncryptedColumn};

#[async_trait]
impl MaintenanceStore for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    fn rekey_tables(&self) -> Vec<&'static str> {
        crate::columns::tables()
    }

    async fn rekey(&self, table: &str, after_id: i64, limit: i64) -> Result<RekeyBatch> {
        let columns: Vec<&EncryptedColumn> = crate::columns::of_table(table).collect();
        let Some(first) = columns.first() else { return Err(StoreError::NotFound) };
        let table = first.table;
        let mut select = vec!["id".to_string()];
        for c in &columns {
            select.push(c.column.into());
            select.extend(c.index.map(|i| i.column.to_string()));
        }
        let sql = format!("SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT $2", select.join(", "));
        // Up to `limit` rows: fewer where each may be megabytes (the caller goes on from `last_id`).
        let limit = crate::columns::rekey_batch(table, limit);
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let rows = sqlx::query(&sql).bind(after_id).bind(limit).fetch_all(&mut *tx).await.map_err(backend)?;
            let mut batch = RekeyBatch { rows: rows.len(), ..RekeyBatch::default() };
            for r in &rows {
                let id: i64 = r.try_get("id").map_err(backend)?;
                batch.last_id = Some(id);
                let mut sets: Vec<(&str, Vec<u8>)> = Vec::new();
                let mut stuck = false;
                for c in &columns {
                    let enc: Option<Vec<u8>> = r.try_get(c.column).map_err(backend)?;
                    let index: Option<Vec<u8>> = match c.index {
                        Some(i) => r.try_get(i.column).map_err(backend)?,
                        None => None,
                    };
                    let Some(enc) = enc else {
                        // Nothing to recompute the index from (imported before migration 0009).
                        stuck |= index.is_some_and(|b| !self.keys.is_current_index(&b));
                        continue;
                    };
                    let enc_stale = !self.keys.is_current_ciphertext(&enc);
                    let index_stale = c.index.is_some() && index.as_deref().is_none_or(|b| !self.keys.is_current_index(b));
                    if !enc_stale && !index_stale {
                        continue;
                    }
                    let plain =
                        self.keys.decrypt(&c.context(id), &enc).map_err(|e| undecryptable(&format!("{}.{}", c.table, c.column), e))?;
                    if enc_stale {
                        sets.push((c.column, self.keys.encrypt(&c.context(id), &plain)));
                    }
                    if let Some(i) = c.index
                        && index_stale
                    {
                        sets.push((i.column, self.keys.blind_index(i.domain, &plain)));
                    }
                }
                batch.stuck += usize::from(stuck);
                if sets.is_empty() {
                    continue;
                }
                let mut q = QueryBuilder::<Db>::new(format!("UPDATE {table} SET "));
                let mut sep = q.separated(", ");
                for (column, value) in sets {
                    sep.push(format!("{column} = ")).push_bind_unseparated(value);
                }
                q.push(" WHERE id = ").push_bind(id);
                q.build().execute(&mut *tx).await.map_err(backend)?;
                batch.rewritten += 1;
            }
            Ok(batch)
        }
        .await;
        finish(tx, result).await
    }

    async fn key_usage(&self) -> Result<Vec<KeyUse>> {
        let mut out = Vec::new();
        let mut push = |family, column: String, rows: Vec<<Db as sqlx::Database>::Row>| -> Result<()> {
            for r in rows {
                let key: Vec<u8> = r.try_get("k").map_err(backend)?;
                out.push(KeyUse {
                    family,
                    key_id: key.first().map_or(0, |k| i64::from(*k)),
                    column: column.clone(),
                    values: r.try_get("n").map_err(backend)?,
                    stuck: r.try_get("stuck").map_err(backend)?,
                });
            }
            Ok(())
        };
        for c in ENCRYPTED_COLUMNS {
            // A ciphertext's second byte and an index's first are the key's id.
            let sql = format!(
                "SELECT substr({col}, 2, 1) AS k, COUNT(*) AS n, CAST(0 AS BIGINT) AS stuck FROM {t} WHERE {col} IS NOT NULL GROUP BY substr({col}, 2, 1)",
                t = c.table,
                col = c.column
            );
            let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(backend)?;
            push(KeyFamily::Data, format!("{}.{}", c.table, c.column), rows)?;
            if let Some(i) = c.index {
                let sql = format!(
                    "SELECT substr({ix}, 1, 1) AS k, COUNT(*) AS n, COALESCE(SUM(CASE WHEN {col} IS NULL THEN 1 ELSE 0 END), 0) AS stuck \
                     FROM {t} WHERE {ix} IS NOT NULL GROUP BY substr({ix}, 1, 1)",
                    t = c.table,
                    col = c.column,
                    ix = i.column
                );
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(backend)?;
                push(KeyFamily::Index, format!("{}.{}", c.table, i.column), rows)?;
            }
        }
        for (t, col) in AUDIT_KEY_COLUMNS {
            let sql = format!("SELECT CAST({col} AS BIGINT) AS k, COUNT(*) AS n FROM {t} GROUP BY {col}");
            for r in sqlx::query(&sql).fetch_all(&self.pool).await.map_err(backend)? {
                out.push(KeyUse {
                    family: KeyFamily::Audit,
                    key_id: r.try_get("k").map_err(backend)?,
                    column: format!("{t}.{col}"),
                    values: r.try_get("n").map_err(backend)?,
                    stuck: 0,
                });
            }
        }
        Ok(out)
    }

    async fn take_lease(&self, lease: &Lease, now: DateTime<Utc>) -> Result<Option<Lease>> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Option<Lease>> = async {
            if BACKEND == "postgres" {
                // Two processes checking then inserting at once must not both get in (SQLite's
                // BEGIN IMMEDIATE already holds the one write lock).
                sqlx::query("LOCK TABLE server_leases IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await.map_err(backend)?;
            }
            let rows = sqlx::query(&format!("SELECT {LEASE_COLUMNS} FROM server_leases")).fetch_all(&mut *tx).await.map_err(backend)?;
            let mut conflict = None;
            for held in rows.iter().map(read_lease) {
                let held = held?;
                if held.expires_at <= now {
                    sqlx::query("DELETE FROM server_leases WHERE token = $1").bind(&held.token).execute(&mut *tx).await.map_err(backend)?;
                } else if lease.purpose.excludes(held.purpose) && conflict.is_none() {
                    conflict = Some(held);
                }
            }
            if conflict.is_none() {
                sqlx::query("INSERT INTO server_leases (token, purpose, host, pid, since, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&lease.token)
                    .bind(lease.purpose.as_str())
                    .bind(&lease.host)
                    .bind(lease.pid)
                    .bind(lease.since)
                    .bind(lease.expires_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            Ok(conflict)
        }
        .await;
        finish(tx, result).await
    }

    async fn renew_lease(&self, token: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query("UPDATE server_leases SET expires_at = $1 WHERE token = $2")
            .bind(expires_at)
            .bind(token)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_lease(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM server_leases WHERE token = $1").bind(token).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn leases(&self) -> Result<Vec<Lease>> {
        let rows = sqlx::query(&format!("SELECT {LEASE_COLUMNS} FROM server_leases ORDER BY since, token"))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(read_lease).collect()
    }
}

const LEASE_COLUMNS: &str = "token, purpose, host, pid, since, expires_at";

fn read_lease(r: &<Db as sqlx::Database>::Row) -> Result<Lease> {
    Ok(Lease {
        token: r.try_get("token").map_err(backend)?,
        purpose: get_enum(r, "purpose", LeasePurpose::parse)?,
        host: r.try_get("host").map_err(backend)?,
        pid: r.try_get("pid").map_err(backend)?,
        since: r.try_get("since").map_err(backend)?,
        expires_at: r.try_get("expires_at").map_err(backend)?,
    })
}
