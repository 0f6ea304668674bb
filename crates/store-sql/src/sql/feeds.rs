use super::*;

const MONITORING_COLUMNS: &str = "household_id, region, pool, reasons, referrals, assessment, found_on, next_visit_on, updated_at";

fn read_monitoring(r: &<Db as sqlx::Database>::Row) -> Result<MonitoringEntry> {
    let region: String = r.try_get("region").map_err(backend)?;
    let pool: String = r.try_get("pool").map_err(backend)?;
    Ok(MonitoringEntry {
        household_id: r.try_get("household_id").map_err(backend)?,
        region: RegionCode::parse(&region).map_err(|_| corrupt("monitoring.region", &region))?,
        pool: MonitoringPool::parse(&pool).ok_or_else(|| corrupt("monitoring.pool", &pool))?,
        reasons: json_column(r, "reasons")?,
        referrals: json_column(r, "referrals")?,
        assessment: r.try_get("assessment").map_err(backend)?,
        found_on: r.try_get("found_on").map_err(backend)?,
        next_visit_on: r.try_get("next_visit_on").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

/// A JSON column read back into its type (reasons and referrals are lists kept as one value).
fn json_column<T: serde::de::DeserializeOwned>(r: &<Db as sqlx::Database>::Row, column: &str) -> Result<T> {
    let text: String = r.try_get(column).map_err(backend)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt { what: format!("monitoring.{column}"), source: Some(Box::new(e)) })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(Box::new(e)))
}

#[async_trait]
impl FeedStore for SqlStore {
    async fn begin_feed_import(&self, import: &NewFeedImport) -> Result<ImportStart> {
        let existing: Option<(i64, String)> = sqlx::query_as("SELECT id, state FROM feed_imports WHERE feed = $1 AND sha256 = $2")
            .bind(&import.feed)
            .bind(&import.sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match existing {
            Some((import_id, state)) if state == "complete" => return Ok(ImportStart::AlreadyImported { import_id }),
            // Left staged by a run that did not finish: start again.
            Some((import_id, _)) => self.abandon_feed_import(import_id).await?,
            None => {}
        }
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let import_id = alloc_ids(&mut tx, "feed_imports", 1).await.map_err(backend)?[0];
            let now = Utc::now();
            sqlx::query(
                "INSERT INTO feed_imports (id, feed, file_name, sha256, rows, new_rows, imported_by, imported_at, state, touched_at) \
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $7, 'staging', $7)",
            )
            .bind(import_id)
            .bind(&import.feed)
            .bind(&import.file_name)
            .bind(&import.sha256)
            .bind(import.rows)
            .bind(&import.imported_by)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(ImportStart::Staged { import_id })
        }
        .await;
        finish(tx, result).await
    }

    async fn stage_feed_records(&self, import_id: i64, feed: &str, records: &[NewFeedRecord]) -> Result<i64> {
        let started = std::time::Instant::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let mut new_rows = 0i64;
            const PER_ROW: usize = 9;
            use crate::columns::{FEED_DETAIL, FEED_ID_NUMBER, FEED_ROW_INDEX, FEED_ROW_KEY};
            for chunk in records.chunks(MAX_BINDS / PER_ROW) {
                let ids = alloc_ids(&mut tx, "feed_records", chunk.len()).await.map_err(backend)?;
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO feed_records (id, import_id, feed, row_key, person_bidx, on_date, detail_enc, id_number_enc, row_key_enc) ",
                );
                q.push_values(chunk.iter().zip(&ids), |mut b, (r, id)| {
                    // The indexes' plaintexts are kept encrypted, so a new index key can recompute them.
                    let row_key = format!("{feed}\u{1f}{}", r.key);
                    b.push_bind(*id)
                        .push_bind(import_id)
                        .push_bind(feed.to_string())
                        .push_bind(self.keys.blind_index(FEED_ROW_INDEX, row_key.as_bytes()))
                        .push_bind(self.keys.blind_index(ID_INDEX, r.id_number.as_bytes()))
                        .push_bind(r.on)
                        .push_bind(self.keys.encrypt(&FEED_DETAIL.context(*id), r.detail.as_bytes()))
                        .push_bind(self.keys.encrypt(&FEED_ID_NUMBER.context(*id), r.id_number.as_bytes()))
                        .push_bind(self.keys.encrypt(&FEED_ROW_KEY.context(*id), row_key.as_bytes()));
                });
                q.push(" ON CONFLICT (feed, row_key) DO NOTHING");
                new_rows += q.build().execute(&mut *tx).await.map_err(backend)?.rows_affected() as i64;
            }
            let touched = sqlx::query("UPDATE feed_imports SET touched_at = $1 WHERE id = $2 AND state = 'staging'")
                .bind(Utc::now())
                .bind(import_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if touched.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            Ok(new_rows)
        }
        .await;
        let stored = finish(tx, result).await?;
        if BACKEND == "sqlite" {
            // SQLite has one writer, and a writer waiting in its busy handler only retries now
            // and then: a batch taken straight after another would starve it (every request's
            // audit entry, in this process or the server's). The lock is left free as long as
            // the batch held it.
            tokio::time::sleep(started.elapsed()).await;
        }
        Ok(stored)
    }

    async fn complete_feed_imports(&self, imports: &[(i64, i64)]) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            for (import_id, new_rows) in imports {
                let done = sqlx::query("UPDATE feed_imports SET state = 'complete', new_rows = $1 WHERE id = $2 AND state = 'staging'")
                    .bind(new_rows)
                    .bind(import_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn abandon_feed_import(&self, import_id: i64) -> Result<()> {
        // In batches, like the import itself: removing a large file must not hold the lock long.
        loop {
            let mut tx = begin_write(&self.pool).await.map_err(backend)?;
            let result: Result<u64> = async {
                let done = sqlx::query(
                    "DELETE FROM feed_records WHERE id IN (SELECT r.id FROM feed_records r JOIN feed_imports i ON i.id = r.import_id \
                     WHERE r.import_id = $1 AND i.state = 'staging' LIMIT 5000)",
                )
                .bind(import_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                if done.rows_affected() == 0 {
                    sqlx::query("DELETE FROM feed_imports WHERE id = $1 AND state = 'staging'")
                        .bind(import_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                Ok(done.rows_affected())
            }
            .await;
            if finish(tx, result).await? == 0 {
                return Ok(());
            }
        }
    }

    async fn stale_feed_imports(&self, before: DateTime<Utc>) -> Result<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM feed_imports WHERE state = 'staging' AND touched_at < $1 ORDER BY id")
            .bind(before)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn feed_imports(&self, limit: i64) -> Result<Vec<FeedImport>> {
        let rows = sqlx::query(
            "SELECT id, feed, file_name, sha256, rows, new_rows, imported_by, imported_at FROM feed_imports WHERE state = 'complete' \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(FeedImport {
                    id: r.try_get("id").map_err(backend)?,
                    feed: r.try_get("feed").map_err(backend)?,
                    file_name: r.try_get("file_name").map_err(backend)?,
                    sha256: r.try_get("sha256").map_err(backend)?,
                    rows: r.try_get("rows").map_err(backend)?,
                    new_rows: r.try_get("new_rows").map_err(backend)?,
                    imported_by: r.try_get("imported_by").map_err(backend)?,
                    imported_at: r.try_get("imported_at").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn feed_records_of(&self, id_numbers: &[String]) -> Result<Vec<StoredFeedRecord>> {
        // Every key's index of every person (a rotation leaves rows under the old key).
        let mut by_index: std::collections::HashMap<Vec<u8>, &str> = std::collections::HashMap::new();
        for id in id_numbers {
            for index in self.keys.blind_indexes(ID_INDEX, id.as_bytes()) {
                by_index.insert(index, id.as_str());
            }
        }
        let indexes: Vec<&Vec<u8>> = by_index.keys().collect();
        let mut out = Vec::new();
        for chunk in indexes.chunks(MAX_BINDS) {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT r.id, r.import_id, r.feed, r.person_bidx, r.on_date, r.detail_enc FROM feed_records r \
                 JOIN feed_imports i ON i.id = r.import_id AND i.state = 'complete' WHERE r.person_bidx IN (",
            );
            let mut sep = q.separated(", ");
            for index in chunk {
                sep.push_bind((*index).clone());
            }
            sep.push_unseparated(") ORDER BY r.id");
            for r in q.build().fetch_all(&self.pool).await.map_err(backend)? {
                let id: i64 = r.try_get("id").map_err(backend)?;
                let bidx: Vec<u8> = r.try_get("person_bidx").map_err(backend)?;
                let enc: Vec<u8> = r.try_get("detail_enc").map_err(backend)?;
                let detail = self
                    .keys
                    .decrypt_text(&crate::columns::FEED_DETAIL.context(id), &enc)
                    .map_err(|e| undecryptable("feed_records.detail", e))?;
                out.push(StoredFeedRecord {
                    import_id: r.try_get("import_id").map_err(backend)?,
                    feed: r.try_get("feed").map_err(backend)?,
                    id_number: by_index.get(&bidx).map(|s| s.to_string()).unwrap_or_default(),
                    on: r.try_get("on_date").map_err(backend)?,
                    detail,
                });
            }
        }
        Ok(out)
    }

    async fn put_monitoring(&self, entries: &[MonitoringEntry]) -> Result<()> {
        let texts: Vec<(String, String)> =
            entries.iter().map(|e| Ok((to_json(&e.reasons)?, to_json(&e.referrals)?))).collect::<Result<_>>()?;
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            for chunk in entries.iter().zip(&texts).collect::<Vec<_>>().chunks(MAX_BINDS / 9) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO monitoring (household_id, region, pool, reasons, referrals, assessment, found_on, next_visit_on, updated_at) ",
                );
                q.push_values(chunk, |mut b, (e, (reasons, referrals))| {
                    b.push_bind(e.household_id)
                        .push_bind(e.region.as_str().to_string())
                        .push_bind(e.pool.as_str())
                        .push_bind(reasons.clone())
                        .push_bind(referrals.clone())
                        .push_bind(e.assessment.clone())
                        .push_bind(e.found_on)
                        .push_bind(e.next_visit_on)
                        .push_bind(e.updated_at);
                });
                // A household already in a pool keeps the day it was first found.
                q.push(
                    " ON CONFLICT (household_id) DO UPDATE SET region = excluded.region, pool = excluded.pool, reasons = excluded.reasons, \
                     referrals = excluded.referrals, assessment = excluded.assessment, next_visit_on = excluded.next_visit_on, updated_at = excluded.updated_at",
                );
                q.build().execute(&mut *tx).await.map_err(backend)?;
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn remove_monitoring(&self, household_ids: &[i64]) -> Result<()> {
        for chunk in household_ids.chunks(MAX_BINDS) {
            let mut q = QueryBuilder::<Db>::new("DELETE FROM monitoring WHERE household_id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            q.build().execute(&self.pool).await.map_err(backend)?;
        }
        Ok(())
    }

    async fn monitoring(&self, query: &MonitoringQuery) -> Result<Vec<MonitoringRow>> {
        // The head's name in the same query: a page of 50 entries is one round trip, not 51.
        let columns: Vec<String> = MONITORING_COLUMNS.split(", ").map(|c| format!("m.{c}")).collect();
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {}, p.name AS head_name FROM monitoring m LEFT JOIN persons p ON p.household_id = m.household_id AND p.relation = 'head' \
             WHERE m.region >= ",
            columns.join(", ")
        ));
        q.push_bind(query.within.as_str().to_string()).push(" AND m.region < ").push_bind(query.within.upper_bound());
        if let Some(p) = query.pool {
            q.push(" AND m.pool = ").push_bind(p.as_str());
        }
        if let Some(d) = query.visit_due_by {
            q.push(" AND m.next_visit_on <= ").push_bind(d);
        }
        q.push(" ORDER BY m.next_visit_on, m.household_id LIMIT ").push_bind(query.limit).push(" OFFSET ").push_bind(query.offset);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(MonitoringRow {
                    entry: read_monitoring(r)?,
                    head_name: r.try_get::<Option<String>, _>("head_name").map_err(backend)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn monitoring_entry(&self, household_id: i64) -> Result<Option<MonitoringEntry>> {
        let r = sqlx::query(&format!("SELECT {MONITORING_COLUMNS} FROM monitoring WHERE household_id = $1"))
            .bind(household_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_monitoring).transpose()
    }

    async fn check_outcomes(&self, within: &RegionCode, since: DateTime<Utc>) -> Result<Vec<CheckOutcome>> {
        let rows = sqlx::query(
            "SELECT c.region, c.kind, e.at, e.to_state FROM case_events e JOIN cases c ON c.id = e.case_id \
             WHERE e.action = 'check' AND c.purpose = 'application' AND c.region >= $1 AND c.region < $2 AND e.at >= $3 ORDER BY e.id",
        )
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let region: String = r.try_get("region").map_err(backend)?;
                let to: String = r.try_get("to_state").map_err(backend)?;
                Ok(CheckOutcome {
                    region: RegionCode::parse(&region).map_err(|_| corrupt("cases.region", &region))?,
                    kind: r.try_get("kind").map_err(backend)?,
                    at: r.try_get("at").map_err(backend)?,
                    failed: to == CaseState::CheckFailed.as_str(),
                })
            })
            .collect()
    }

    async fn monitoring_counts(&self, within: &RegionCode) -> Result<(i64, i64)> {
        let rows = sqlx::query("SELECT pool, COUNT(*) AS n FROM monitoring WHERE region >= $1 AND region < $2 GROUP BY pool")
            .bind(within.as_str())
            .bind(within.upper_bound())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let (mut likely, mut watch) = (0, 0);
        for r in rows {
            let pool: String = r.try_get("pool").map_err(backend)?;
            let n: i64 = r.try_get("n").map_err(backend)?;
            match MonitoringPool::parse(&pool) {
                Some(MonitoringPool::Likely) => likely = n,
                Some(MonitoringPool::Watch) => watch = n,
                None => {}
            }
        }
        Ok((likely, watch))
    }
}
