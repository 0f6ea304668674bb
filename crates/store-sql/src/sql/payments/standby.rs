//! 乡镇临时救助备用金 (see [`StandbyStore`]): the towns' imprest accounts and their vouchers. The
//! fund ledger sees the imprest (fund `standby`: money the county advanced to the towns) and the
//! replenishments (临时救助 spending, drawn on the county's funds in order); a payout moves money
//! only inside the town's imprest (cash → voucher).

use super::ledger::{Leg, fill};
use super::*;

const ACCOUNT_COLUMNS: &str = "a.town, a.imprest, a.payment_limit, a.cash, a.version, a.updated_by, a.updated_at, \
    (SELECT COUNT(*) FROM standby_vouchers v WHERE v.town = a.town AND v.replenished_at IS NULL) AS outstanding, \
    (SELECT CAST(COALESCE(SUM(v.amount), 0) AS BIGINT) FROM standby_vouchers v WHERE v.town = a.town AND v.replenished_at IS NULL) AS outstanding_total";

const VOUCHER_COLUMNS: &str =
    "id, town, household_id, region, amount, reason, paid_on, paid_by, paid_at, replenished_at, replenished_by, case_id";

fn read_account(r: &<Db as sqlx::Database>::Row) -> Result<StandbyAccount> {
    Ok(StandbyAccount {
        town: region(&r.try_get::<String, _>("town").map_err(backend)?)?,
        imprest: Fen(r.try_get("imprest").map_err(backend)?),
        payment_limit: Fen(r.try_get("payment_limit").map_err(backend)?),
        cash: Fen(r.try_get("cash").map_err(backend)?),
        outstanding: r.try_get("outstanding").map_err(backend)?,
        outstanding_total: Fen(r.try_get("outstanding_total").map_err(backend)?),
        version: r.try_get("version").map_err(backend)?,
        updated_by: r.try_get("updated_by").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

fn read_voucher(r: &<Db as sqlx::Database>::Row) -> Result<StandbyVoucher> {
    Ok(StandbyVoucher {
        id: r.try_get("id").map_err(backend)?,
        town: region(&r.try_get::<String, _>("town").map_err(backend)?)?,
        household_id: r.try_get("household_id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        amount: Fen(r.try_get("amount").map_err(backend)?),
        reason: r.try_get("reason").map_err(backend)?,
        paid_on: r.try_get("paid_on").map_err(backend)?,
        paid_by: r.try_get("paid_by").map_err(backend)?,
        paid_at: r.try_get("paid_at").map_err(backend)?,
        replenished_at: r.try_get("replenished_at").map_err(backend)?,
        replenished_by: r.try_get("replenished_by").map_err(backend)?,
        case_id: r.try_get("case_id").map_err(backend)?,
    })
}

impl SqlStore {
    async fn standby_in(&self, conn: &mut Conn, town: &RegionCode) -> Result<Option<StandbyAccount>> {
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM standby_accounts a WHERE a.town = $1"))
            .bind(town.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
        row.as_ref().map(read_account).transpose()
    }

    /// Every town's `cash + outstanding = imprest`, and the ledger's standby fund equal to the
    /// imprests together: the first problem in words.
    pub(super) async fn verify_standby(&self) -> Result<Option<String>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM standby_accounts a ORDER BY a.town"))
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
        let mut imprests = 0i64;
        for r in &rows {
            let a = read_account(r)?;
            if a.cash.0 + a.outstanding_total.0 != a.imprest.0 {
                return Ok(Some(format!(
                    "standby fund of town {}: cash {} + outstanding vouchers {} ≠ imprest {}",
                    a.town, a.cash, a.outstanding_total, a.imprest
                )));
            }
            imprests += a.imprest.0;
        }
        let ledger: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(credit - debit), 0) AS BIGINT) FROM ledger_postings WHERE fund = 'standby' AND account = 'appropriation'",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        if ledger != imprests {
            return Ok(Some(format!("standby fund: the ledger holds {} but the towns' imprests add up to {}", Fen(ledger), Fen(imprests))));
        }
        Ok(None)
    }
}

#[async_trait]
impl StandbyStore for SqlStore {
    async fn set_standby(
        &self,
        town: &RegionCode,
        version: Option<i64>,
        imprest: Fen,
        limit: Fen,
        year: i32,
        by: &Actor,
    ) -> Result<StandbyAccount> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<StandbyAccount> = async {
            let now = Utc::now();
            let delta = match self.standby_in(&mut tx, town).await? {
                None => {
                    if version.is_some() {
                        return Err(StoreError::VersionMismatch { expected: version.unwrap_or_default() });
                    }
                    sqlx::query(
                        "INSERT INTO standby_accounts (town, imprest, payment_limit, cash, version, updated_by, updated_at) \
                         VALUES ($1, $2, $3, $2, 1, $4, $5)",
                    )
                    .bind(town.as_str())
                    .bind(imprest.0)
                    .bind(limit.0)
                    .bind(&by.username)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    imprest.0
                }
                Some(a) => {
                    if version != Some(a.version) {
                        return Err(StoreError::VersionMismatch { expected: version.unwrap_or_default() });
                    }
                    let delta = imprest.0 - a.imprest.0;
                    if a.cash.0 + delta < 0 {
                        return Err(StoreError::Conflict { constraint: "standby_cash".into() });
                    }
                    sqlx::query(
                        "UPDATE standby_accounts SET imprest = $1, payment_limit = $2, cash = cash + $3, version = version + 1, \
                         updated_by = $4, updated_at = $5 WHERE town = $6 AND version = $7",
                    )
                    .bind(imprest.0)
                    .bind(limit.0)
                    .bind(delta)
                    .bind(&by.username)
                    .bind(now)
                    .bind(town.as_str())
                    .bind(a.version)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    delta
                }
            };
            let (f, p) = (FundSource::Standby, Programme::Temporary);
            let (debit, credit) = if delta >= 0 { (Fen(delta), Fen::ZERO) } else { (Fen::ZERO, Fen(-delta)) };
            let legs = [
                Leg { fund: f, programme: p, year, account: "available", debit, credit },
                Leg { fund: f, programme: p, year, account: "appropriation", debit: credit, credit: debit },
            ];
            self.post(&mut tx, &legs, None, &format!("乡镇临时救助备用金定额 {town}：{imprest}（{}）", by.username)).await?;
            self.standby_in(&mut tx, town).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, result).await
    }

    async fn standby_accounts(&self, within: &RegionCode) -> Result<Vec<StandbyAccount>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACCOUNT_COLUMNS} FROM standby_accounts a WHERE (a.town >= "));
        q.push_bind(within.as_str().to_string()).push(" AND a.town < ").push_bind(within.upper_bound()).push(")");
        // A village's account sees its town's fund.
        q.push(" OR a.town = ").push_bind(within.as_str().chars().take(9).collect::<String>());
        q.push(" ORDER BY a.town");
        q.build().fetch_all(&self.pool).await.map_err(backend)?.iter().map(read_account).collect()
    }

    async fn pay_advance(&self, a: &NewAdvance, by: &Actor) -> Result<StandbyVoucher> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<StandbyVoucher> = async {
            let account = self.standby_in(&mut tx, &a.town).await?.ok_or(StoreError::NotFound)?;
            if a.amount > account.payment_limit {
                return Err(StoreError::Conflict { constraint: "standby_limit".into() });
            }
            let done = sqlx::query("UPDATE standby_accounts SET cash = cash - $1, version = version + 1 WHERE town = $2 AND cash >= $1")
                .bind(a.amount.0)
                .bind(a.town.as_str())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict { constraint: "standby_cash".into() });
            }
            if let Some(case_id) = a.case_id {
                // Serialised with a 临时救助 generation, which would not see this voucher (nor it the line).
                lock_temporary_payments(&mut tx).await.map_err(backend)?;
                let paid: Option<i64> = sqlx::query_scalar("SELECT id FROM standby_vouchers WHERE case_id = $1")
                    .bind(case_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                if paid.is_some() {
                    return Err(StoreError::Conflict { constraint: "standby_case_paid".into() });
                }
                let in_payroll: Option<i64> = sqlx::query_scalar(
                    "SELECT l.id FROM payment_lines l JOIN benefits b ON b.id = l.benefit_id WHERE b.case_id = $1 AND l.live LIMIT 1",
                )
                .bind(case_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                if in_payroll.is_some() {
                    return Err(StoreError::Conflict { constraint: "standby_case_in_payroll".into() });
                }
            }
            let id = alloc_ids(&mut tx, "standby_vouchers", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO standby_vouchers (id, town, household_id, region, amount, reason, paid_on, paid_by_id, paid_by, paid_at, case_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(a.town.as_str())
            .bind(a.household_id)
            .bind(a.region.as_str())
            .bind(a.amount.0)
            .bind(&a.reason)
            .bind(a.paid_on)
            .bind(by.account_id)
            .bind(&by.username)
            .bind(Utc::now())
            .bind(a.case_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let row = sqlx::query(&format!("SELECT {VOUCHER_COLUMNS} FROM standby_vouchers WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            read_voucher(&row)
        }
        .await;
        finish(tx, result).await
    }

    async fn standby_vouchers(&self, town: &RegionCode, limit: i64) -> Result<Vec<StandbyVoucher>> {
        sqlx::query(&format!(
            "SELECT {VOUCHER_COLUMNS} FROM standby_vouchers WHERE town = $1 \
             ORDER BY CASE WHEN replenished_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $2"
        ))
        .bind(town.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(read_voucher)
        .collect()
    }

    async fn replenish_standby(&self, town: &RegionCode, ids: &[i64], year: i32, by: &Actor) -> Result<StandbyAccount> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<StandbyAccount> = async {
            if ids.is_empty() {
                return Err(StoreError::Conflict { constraint: "standby_voucher".into() });
            }
            let now = Utc::now();
            let mut total = 0i64;
            for chunk in ids.chunks(500) {
                let mut q = QueryBuilder::<Db>::new("UPDATE standby_vouchers SET replenished_at = ");
                q.push_bind(now).push(", replenished_by = ").push_bind(by.username.clone());
                q.push(" WHERE town = ").push_bind(town.as_str().to_string()).push(" AND replenished_at IS NULL AND id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(") RETURNING amount");
                let amounts: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await.map_err(backend)?;
                if amounts.len() != chunk.len() {
                    return Err(StoreError::Conflict { constraint: "standby_voucher".into() });
                }
                total += amounts.iter().sum::<i64>();
            }
            sqlx::query(
                "UPDATE standby_accounts SET cash = cash + $1, version = version + 1, updated_by = $2, updated_at = $3 WHERE town = $4",
            )
            .bind(total)
            .bind(&by.username)
            .bind(now)
            .bind(town.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            // The county's 临时救助 budget pays what the town advanced, drawn on the funds in order.
            let p = Programme::Temporary;
            let available = self.net_by_fund(&mut tx, "available", None, p, year).await?;
            let pools: Vec<(FundSource, Fen)> =
                FundSource::PAYROLL_ORDER.iter().map(|f| (*f, Fen(available.get(f).copied().unwrap_or(0)))).collect();
            if pools.iter().map(|(_, a)| a.0).sum::<i64>() < total {
                return Err(StoreError::Conflict { constraint: "fund_budget".into() });
            }
            let mut legs = Vec::new();
            for (fund, amount) in fill(&pools, Fen(total)).into_iter().filter(|(_, a)| a.0 > 0) {
                legs.push(Leg { fund, programme: p, year, account: "spent", debit: amount, credit: Fen::ZERO });
                legs.push(Leg { fund, programme: p, year, account: "available", debit: Fen::ZERO, credit: amount });
            }
            let memo = format!("乡镇临时救助备用金报账 {town}：{} 张凭证 {}（{}）", ids.len(), Fen(total), by.username);
            self.post(&mut tx, &legs, None, &memo).await?;
            self.standby_in(&mut tx, town).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, result).await
    }
}
