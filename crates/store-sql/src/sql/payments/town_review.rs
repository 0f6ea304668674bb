//! 乡镇审核 per town: each town signs off its own part of a county's payroll; the last town's
//! sign-off moves the payroll to reviewed in the same transaction.

use super::*;

/// The towns (9 digits) with live lines in a payroll, in code order.
async fn towns_with_lines(conn: &mut Conn, payroll_id: i64) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT substr(region, 1, 9) AS town FROM payment_lines WHERE payroll_id = $1 AND live ORDER BY town")
        .bind(payroll_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| r.try_get("town").map_err(backend)).collect()
}

async fn signed(conn: &mut Conn, payroll_id: i64) -> Result<Vec<TownSignOff>> {
    let rows = sqlx::query("SELECT town, by_id, by_name, at, note FROM payroll_town_reviews WHERE payroll_id = $1 ORDER BY town")
        .bind(payroll_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            Ok(TownSignOff {
                town: region(&r.try_get::<String, _>("town").map_err(backend)?)?,
                by: actor(r, "by_id", "by_name")?.ok_or_else(|| corrupt("payroll_town_reviews.by_name", ""))?,
                at: r.try_get("at").map_err(backend)?,
                note: r.try_get("note").map_err(backend)?,
            })
        })
        .collect()
}

impl SqlStore {
    pub(super) async fn sign_town_part(&self, step: &PayrollStep, town: &RegionCode) -> Result<Payroll> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            let payroll = self.payroll_in(&mut tx, step.id).await?.ok_or(StoreError::NotFound)?;
            if payroll.state != PayrollState::Generated || step.action != PayrollAction::Review {
                return Err(StoreError::Conflict { constraint: "payroll_state".into() });
            }
            let done = sqlx::query(
                "INSERT INTO payroll_town_reviews (payroll_id, town, by_id, by_name, at, note) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (payroll_id, town) DO NOTHING",
            )
            .bind(step.id)
            .bind(town.as_str())
            .bind(step.by.account_id)
            .bind(&step.by.username)
            .bind(Utc::now())
            .bind(&step.note)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict { constraint: "payroll_town_signed".into() });
            }
            let have: Vec<String> = signed(&mut tx, step.id).await?.into_iter().map(|s| s.town.as_str().to_string()).collect();
            if towns_with_lines(&mut tx, step.id).await?.iter().all(|t| have.contains(t)) {
                let whole = PayrollStep { version: payroll.version, ..step.clone() };
                return Ok(self.move_payroll(&mut tx, &whole).await?.1);
            }
            Ok(payroll)
        }
        .await;
        finish(tx, result).await
    }

    pub(super) async fn sign_offs(&self, payroll_id: i64) -> Result<(Vec<TownSignOff>, Vec<RegionCode>)> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        let done = signed(&mut conn, payroll_id).await?;
        let mut waiting = Vec::new();
        for t in towns_with_lines(&mut conn, payroll_id).await? {
            if !done.iter().any(|s| s.town.as_str() == t) {
                waiting.push(region(&t)?);
            }
        }
        Ok((done, waiting))
    }
}
