use super::*;

fn division(r: &<Db as sqlx::Database>::Row) -> Result<Division> {
    Ok(Division { code: region(&r.try_get::<String, _>("code").map_err(backend)?)?, name: r.try_get("name").map_err(backend)? })
}

#[async_trait]
impl RegionStore for SqlStore {
    async fn upsert_regions(&self, divisions: &[Division]) -> Result<u64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let mut n = 0;
            for chunk in divisions.chunks(MAX_BINDS / 3) {
                let mut q = QueryBuilder::<Db>::new("INSERT INTO regions (code, name, parent) ");
                q.push_values(chunk, |mut b, d| {
                    b.push_bind(d.code.as_str().to_string()).push_bind(d.name.clone()).push_bind(d.code.parent().map(String::from));
                });
                q.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent");
                n += q.build().execute(&mut *tx).await.map_err(backend)?.rows_affected();
            }
            Ok(n)
        }
        .await;
        finish(tx, result).await
    }

    async fn region(&self, code: &RegionCode) -> Result<Option<Division>> {
        let r = sqlx::query("SELECT code, name FROM regions WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(division).transpose()
    }

    async fn region_children(&self, parent: Option<&RegionCode>) -> Result<Vec<Division>> {
        let rows = match parent {
            Some(p) => {
                sqlx::query("SELECT code, name FROM regions WHERE parent = $1 ORDER BY code").bind(p.as_str()).fetch_all(&self.pool).await
            }
            None => {
                sqlx::query("SELECT code, name FROM regions WHERE parent IS NULL OR parent NOT IN (SELECT code FROM regions) ORDER BY code")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(backend)?;
        rows.iter().map(division).collect()
    }

    async fn find_regions(&self, within: &RegionCode, text: &str, limit: i64) -> Result<Vec<Division>> {
        let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows = sqlx::query(
            "SELECT code, name FROM regions WHERE code >= $1 AND code < $2 AND name LIKE $3 ESCAPE '\\' ORDER BY code LIMIT $4",
        )
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(division).collect()
    }
}
