use super::*;

#[async_trait]
impl AssessmentStore for SqlStore {
    async fn insert_assessments(&self, items: &[NewAssessment], actor: &Actor) -> Result<Vec<i64>> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Vec<i64>> = async {
            let ids = alloc_ids(&mut tx, "assessments", items.len()).await.map_err(backend)?;
            for chunk in items.iter().zip(&ids).collect::<Vec<_>>().chunks(MAX_BINDS / 13) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO assessments (id, household_id, region, at, account_id, actor, as_of, score, level, dibao, tekun, flags, result) ",
                );
                q.push_values(chunk, |mut b, (a, id)| {
                    b.push_bind(**id)
                        .push_bind(a.household_id)
                        .push_bind(a.region.as_str().to_string())
                        .push_bind(now)
                        .push_bind(actor.account_id)
                        .push_bind(actor.username.clone())
                        .push_bind(a.as_of)
                        .push_bind(a.score as i16)
                        .push_bind(a.level.clone())
                        .push_bind(a.dibao)
                        .push_bind(a.tekun)
                        .push_bind(a.flags as i16)
                        .push_bind(a.result.clone());
                });
                q.build().execute(&mut *tx).await.map_err(backend)?;
            }
            Ok(ids)
        }
        .await;
        finish(tx, result).await
    }

    async fn assessments(&self, household_id: i64) -> Result<Vec<AssessmentRecord>> {
        let rows = sqlx::query(
            "SELECT id, household_id, region, at, actor, as_of, score, level, dibao, tekun, flags, result FROM assessments WHERE household_id = $1 ORDER BY id DESC",
        )
        .bind(household_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(AssessmentRecord {
                    id: r.try_get("id").map_err(backend)?,
                    household_id: r.try_get("household_id").map_err(backend)?,
                    region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
                    at: r.try_get("at").map_err(backend)?,
                    actor: r.try_get("actor").map_err(backend)?,
                    as_of: r.try_get("as_of").map_err(backend)?,
                    score: i64::from(r.try_get::<i16, _>("score").map_err(backend)?),
                    level: r.try_get("level").map_err(backend)?,
                    dibao: r.try_get("dibao").map_err(backend)?,
                    tekun: r.try_get("tekun").map_err(backend)?,
                    flags: i64::from(r.try_get::<i16, _>("flags").map_err(backend)?),
                    result: r.try_get("result").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn assessment_totals(&self, within: &RegionCode, as_of: NaiveDate) -> Result<Vec<AssessmentTotals>> {
        let rows = sqlx::query(
            "SELECT SUBSTR(a.region, 1, 9) AS town, CAST(COUNT(*) AS BIGINT) AS n, CAST(ROUND(AVG(a.score * 100.0)) AS BIGINT) AS mean_x100, \
             CAST(SUM(CASE WHEN a.score >= 60 THEN 1 ELSE 0 END) AS BIGINT) AS hard, \
             CAST(SUM(CASE WHEN (a.flags & 1) <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS dibao_n, CAST(SUM(a.dibao) AS BIGINT) AS dibao_sum, \
             CAST(SUM(CASE WHEN (a.flags & 2) <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS tekun_n, CAST(SUM(a.tekun) AS BIGINT) AS tekun_sum \
             FROM assessments a \
             WHERE a.region >= $1 AND a.region < $2 AND a.as_of = $3 \
               AND a.id = (SELECT MAX(b.id) FROM assessments b WHERE b.household_id = a.household_id AND b.as_of = a.as_of) \
             GROUP BY SUBSTR(a.region, 1, 9) ORDER BY town",
        )
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(as_of)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                // Every aggregate is cast to BIGINT in SQL, so both backends decode the same way.
                let int = |c: &str| -> Result<i64> { r.try_get::<i64, _>(c).map_err(backend) };
                Ok(AssessmentTotals {
                    region: r.try_get("town").map_err(backend)?,
                    households: int("n")?,
                    mean_score_x100: int("mean_x100")?,
                    hard_households: int("hard")?,
                    dibao_households: int("dibao_n")?,
                    dibao_monthly: int("dibao_sum")?,
                    tekun_households: int("tekun_n")?,
                    tekun_monthly: int("tekun_sum")?,
                })
            })
            .collect()
    }

    async fn assessment_dates(&self, within: &RegionCode) -> Result<Vec<NaiveDate>> {
        sqlx::query_scalar("SELECT DISTINCT as_of FROM assessments WHERE region >= $1 AND region < $2 ORDER BY as_of DESC LIMIT 50")
            .bind(within.as_str())
            .bind(within.upper_bound())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }
}
