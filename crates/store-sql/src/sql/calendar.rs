use super::cases::insert_event;
use super::*;

#[async_trait]
impl CalendarStore for SqlStore {
    async fn calendar_years(&self) -> Result<Vec<(i32, String)>> {
        let rows = sqlx::query("SELECT year, content FROM calendar_years ORDER BY year").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| Ok((r.try_get("year").map_err(backend)?, r.try_get("content").map_err(backend)?))).collect()
    }

    async fn import_calendar_year(&self, import: &NewCalendarImport, cases: &[(Case, NewCaseEvent)]) -> Result<i64> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<i64> = async {
            // The cases first: one changed since it was read rolls the whole import back, so the
            // stored calendar and the stored deadlines never disagree.
            for (case, event) in cases {
                let c = &case.data;
                let done = sqlx::query(
                    "UPDATE cases SET step_due = $1, overall_due = $2, details = $3, version = version + 1, updated_at = $4 \
                     WHERE id = $5 AND version = $6",
                )
                .bind(c.step_due)
                .bind(c.overall_due)
                .bind(details_json(&c.details))
                .bind(now)
                .bind(case.id)
                .bind(case.version)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::VersionMismatch { expected: case.version });
                }
                insert_event(&mut tx, case.id, event, now).await?;
            }
            let id = alloc_ids(&mut tx, "calendar_imports", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO calendar_imports (id, year, content, sha256, source, imported_by, imported_at, cases_changed) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(import.year)
            .bind(&import.content)
            .bind(&import.sha256)
            .bind(&import.source)
            .bind(&import.actor.username)
            .bind(now)
            .bind(cases.len() as i64)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            // The current file of the year; its earlier imports stay in calendar_imports.
            sqlx::query(
                "INSERT INTO calendar_years (year, content, source, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (year) DO UPDATE SET content = excluded.content, source = excluded.source, imported_by = excluded.imported_by, imported_at = excluded.imported_at",
            )
            .bind(import.year)
            .bind(&import.content)
            .bind(&import.source)
            .bind(&import.actor.username)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn calendar_imports(&self, limit: i64) -> Result<Vec<CalendarImport>> {
        let rows = sqlx::query(
            "SELECT id, year, sha256, source, imported_by, imported_at, cases_changed FROM calendar_imports ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(CalendarImport {
                    id: r.try_get("id").map_err(backend)?,
                    year: r.try_get("year").map_err(backend)?,
                    source: r.try_get("source").map_err(backend)?,
                    sha256: r.try_get("sha256").map_err(backend)?,
                    imported_by: r.try_get("imported_by").map_err(backend)?,
                    imported_at: r.try_get("imported_at").map_err(backend)?,
                    cases_changed: r.try_get("cases_changed").map_err(backend)?,
                })
            })
            .collect()
    }
}
