use super::*;

#[async_trait]
impl CalendarStore for SqlStore {
    async fn calendar_years(&self) -> Result<Vec<(i32, String)>> {
        let rows = sqlx::query("SELECT year, content FROM calendar_years ORDER BY year").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| Ok((r.try_get("year").map_err(backend)?, r.try_get("content").map_err(backend)?))).collect()
    }

    async fn put_calendar_year(&self, year: i32, text: &str, source: &str, actor: &Actor) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            sqlx::query(
                "INSERT INTO calendar_years (year, content, source, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (year) DO UPDATE SET content = excluded.content, source = excluded.source, imported_by = excluded.imported_by, imported_at = excluded.imported_at",
            )
            .bind(year)
            .bind(text)
            .bind(source)
            .bind(&actor.username)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }
}
