use super::*;

const MONITORING_COLUMNS: &str = "household_id, region, pool, reasons, referrals, assessment, found_on, next_visit_on, updated_at";

fn read_monitoring(r: &<Db as sqlx::Database>::Row) -> Result<MonitoringEntry> {
    let region: String = r.try_get("region").map_err(backend)?;
    let pool: String = r.try_get("pool").map_err(backend)?;
    Ok(MonitoringEntry {
        household_id: r.try_get("household_id").map_err(backend)?,
        region: RegionCode::parse(&region).map_err(|_| corrupt("monitoring.region", &region))?,
        pool: MonitoringPool::parse(&pool).ok_or_else(|| corrupt("monitoring.pool", &pool))?,
        reasons: r.try_get("reasons").map_err(backend)?,
        referrals: r.try_get("referrals").map_err(backend)?,
        assessment: r.try_get("assessment").map_err(backend)?,
        found_on: r.try_get("found_on").map_err(backend)?,
        next_visit_on: r.try_get("next_visit_on").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

#[async_trait]
impl FeedStore for SqlStore {
    async fn import_feed(&self, import: &NewFeedImport, records: &[NewFeedRecord]) -> Result<FeedImportOutcome> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM feed_imports WHERE feed = $1 AND sha256 = $2")
                .bind(&import.feed)
                .bind(&import.sha256)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            if let Some(import_id) = existing {
                return Ok(FeedImportOutcome { import_id, new_rows: 0, already_imported: true });
            }
            let import_id = alloc_ids(&mut tx, "feed_imports", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO feed_imports (id, feed, file_name, sha256, rows, new_rows, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
            )
            .bind(import_id)
            .bind(&import.feed)
            .bind(&import.file_name)
            .bind(&import.sha256)
            .bind(import.rows)
            .bind(&import.imported_by)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let mut new_rows = 0i64;
            const PER_ROW: usize = 7;
            for chunk in records.chunks(MAX_BINDS / PER_ROW) {
                let ids = alloc_ids(&mut tx, "feed_records", chunk.len()).await.map_err(backend)?;
                let mut q = QueryBuilder::<Db>::new("INSERT INTO feed_records (id, import_id, feed, row_key, person_bidx, on_date, detail_enc) ");
                q.push_values(chunk.iter().zip(&ids), |mut b, (r, id)| {
                    let row_key = self.keys.blind_index("feed_row", format!("{}\u{1f}{}", import.feed, r.key).as_bytes());
                    let context = format!("feed_records.detail:{id}");
                    b.push_bind(*id)
                        .push_bind(import_id)
                        .push_bind(import.feed.clone())
                        .push_bind(row_key)
                        .push_bind(self.keys.blind_index(ID_INDEX, r.id_number.as_bytes()))
                        .push_bind(r.on)
                        .push_bind(self.keys.encrypt(&context, r.detail.as_bytes()));
                });
                q.push(" ON CONFLICT (feed, row_key) DO NOTHING");
                new_rows += q.build().execute(&mut *tx).await.map_err(backend)?.rows_affected() as i64;
            }
            sqlx::query("UPDATE feed_imports SET new_rows = $1 WHERE id = $2").bind(new_rows).bind(import_id).execute(&mut *tx).await.map_err(backend)?;
            Ok(FeedImportOutcome { import_id, new_rows, already_imported: false })
        }
        .await;
        finish(tx, result).await
    }

    async fn feed_imports(&self, limit: i64) -> Result<Vec<FeedImport>> {
        let rows = sqlx::query(
            "SELECT id, feed, file_name, sha256, rows, new_rows, imported_by, imported_at FROM feed_imports ORDER BY id DESC LIMIT $1",
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
                "SELECT id, import_id, feed, person_bidx, on_date, detail_enc FROM feed_records WHERE person_bidx IN (",
            );
            let mut sep = q.separated(", ");
            for index in chunk {
                sep.push_bind((*index).clone());
            }
            sep.push_unseparated(") ORDER BY id");
            for r in q.build().fetch_all(&self.pool).await.map_err(backend)? {
                let id: i64 = r.try_get("id").map_err(backend)?;
                let bidx: Vec<u8> = r.try_get("person_bidx").map_err(backend)?;
                let enc: Vec<u8> = r.try_get("detail_enc").map_err(backend)?;
                let detail = self
                    .keys
                    .decrypt_text(&format!("feed_records.detail:{id}"), &enc)
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
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            for chunk in entries.chunks(MAX_BINDS / 9) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO monitoring (household_id, region, pool, reasons, referrals, assessment, found_on, next_visit_on, updated_at) ",
                );
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(e.household_id)
                        .push_bind(e.region.as_str().to_string())
                        .push_bind(e.pool.as_str())
                        .push_bind(e.reasons.clone())
                        .push_bind(e.referrals.clone())
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

    async fn monitoring(&self, query: &MonitoringQuery) -> Result<Vec<MonitoringEntry>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {MONITORING_COLUMNS} FROM monitoring WHERE region >= "));
        q.push_bind(query.within.as_str().to_string()).push(" AND region < ").push_bind(query.within.upper_bound());
        if let Some(p) = query.pool {
            q.push(" AND pool = ").push_bind(p.as_str());
        }
        if let Some(d) = query.visit_due_by {
            q.push(" AND next_visit_on <= ").push_bind(d);
        }
        q.push(" ORDER BY next_visit_on, household_id LIMIT ").push_bind(query.limit).push(" OFFSET ").push_bind(query.offset);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_monitoring).collect()
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
