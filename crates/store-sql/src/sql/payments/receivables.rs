//! Receivables (应追回) and stops: money paid that was not owed, what came back of it (refunds
//! in the ledger, offsets withheld on later lines), and lines cancelled before export because the
//! payee died or the benefit ended after they were generated.

use super::ledger::Leg;
use super::*;
use chrono::Datelike;

const RECEIVABLE_COLUMNS: &str = "r.id, r.version, r.household_id, r.region, r.programme, r.reason, r.amount, r.refunded, r.origin_line, \
    r.note, r.created_by_id, r.created_by, r.created_at, \
    (SELECT CAST(COALESCE(SUM(l.withheld), 0) AS BIGINT) FROM payment_lines l WHERE l.receivable_id = r.id AND l.live) AS withheld_total";

fn read_receivable(r: &<Db as sqlx::Database>::Row) -> Result<Receivable> {
    let amount = Fen(r.try_get("amount").map_err(backend)?);
    let refunded = Fen(r.try_get("refunded").map_err(backend)?);
    let offset = Fen(r.try_get("withheld_total").map_err(backend)?);
    Ok(Receivable {
        id: r.try_get("id").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        household_id: r.try_get("household_id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        programme: get_enum(r, "programme", Programme::parse)?,
        reason: get_enum(r, "reason", ReceivableReason::parse)?,
        amount,
        refunded,
        offset,
        outstanding: Fen((amount.0 - refunded.0 - offset.0).max(0)),
        origin_line: r.try_get("origin_line").map_err(backend)?,
        note: r.try_get("note").map_err(backend)?,
        created_by: actor(r, "created_by_id", "created_by")?.ok_or_else(|| corrupt("payment_receivables.created_by", ""))?,
        created_at: r.try_get("created_at").map_err(backend)?,
    })
}

impl SqlStore {
    /// The receivables of households `lo..=hi` with money still owed, per household.
    pub(super) async fn open_receivables(
        &self,
        conn: &mut Conn,
        programme: Programme,
        lo: i64,
        hi: i64,
    ) -> Result<HashMap<i64, Vec<OpenReceivable>>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECEIVABLE_COLUMNS} FROM payment_receivables r WHERE r.programme = $1 AND r.household_id BETWEEN $2 AND $3 ORDER BY r.id"
        ))
        .bind(programme.as_str())
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        let mut out: HashMap<i64, Vec<OpenReceivable>> = HashMap::new();
        for r in &rows {
            let rec = read_receivable(r)?;
            if rec.outstanding.0 > 0 {
                out.entry(rec.household_id).or_default().push(OpenReceivable { id: rec.id, outstanding: rec.outstanding });
            }
        }
        Ok(out)
    }

    /// Receivables the rules found while generating; one per paid line, so a second generation
    /// finds it recorded and adds nothing.
    pub(super) async fn insert_found_receivables(&self, conn: &mut Conn, found: &[NewReceivable], by: &Actor) -> Result<()> {
        for r in found {
            let id = alloc_ids(&mut *conn, "payment_receivables", 1).await.map_err(backend)?[0];
            self.insert_receivable(conn, id, r, by, " ON CONFLICT (origin_line) DO NOTHING").await?;
        }
        Ok(())
    }

    async fn insert_receivable(&self, conn: &mut Conn, id: i64, r: &NewReceivable, by: &Actor, tail: &str) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO payment_receivables (id, household_id, region, programme, reason, amount, refunded, origin_line, note, \
             created_by_id, created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11, 1){tail}"
        ))
        .bind(id)
        .bind(r.household_id)
        .bind(r.region.as_str())
        .bind(r.programme.as_str())
        .bind(r.reason.as_str())
        .bind(r.amount.0)
        .bind(r.origin_line)
        .bind(&r.note)
        .bind(by.account_id)
        .bind(&by.username)
        .bind(Utc::now())
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
        Ok(())
    }

    pub(super) async fn receivable_in(&self, conn: &mut Conn, id: i64) -> Result<Option<Receivable>> {
        let row = sqlx::query(&format!("SELECT {RECEIVABLE_COLUMNS} FROM payment_receivables r WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
        row.as_ref().map(read_receivable).transpose()
    }

    pub(super) async fn list_receivables(
        &self,
        within: &RegionCode,
        household_id: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<Receivable>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {RECEIVABLE_COLUMNS} FROM payment_receivables r WHERE r.region >= "));
        q.push_bind(within.as_str().to_string()).push(" AND r.region < ").push_bind(within.upper_bound());
        if let Some(h) = household_id {
            q.push(" AND r.household_id = ").push_bind(h);
        }
        q.push(" ORDER BY r.id DESC LIMIT ").push_bind(limit.unwrap_or(1000));
        q.build().fetch_all(&self.pool).await.map_err(backend)?.iter().map(read_receivable).collect()
    }

    pub(super) async fn record_decided(&self, r: &NewReceivable, by: &Actor) -> Result<Receivable> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Receivable> = async {
            let id = alloc_ids(&mut tx, "payment_receivables", 1).await.map_err(backend)?[0];
            self.insert_receivable(&mut tx, id, r, by, "").await?;
            self.receivable_in(&mut tx, id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, result).await
    }

    /// A refund: the receivable's `refunded` grows, and the money goes back to the funds (debit
    /// `available`, credit `recovered`) that paid the line it came from — or, for a receivable
    /// with no line, the household's newest paid line of the programme; the county's own funds
    /// (市县配套) when it has none.
    pub(super) async fn refund(
        &self,
        id: i64,
        version: i64,
        amount: Fen,
        memo: &str,
        year_if_unpaid: i32,
        by: &Actor,
    ) -> Result<Receivable> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Receivable> = async {
            let rec = self.receivable_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            if rec.version != version {
                return Err(StoreError::VersionMismatch { expected: version });
            }
            if amount.0 <= 0 || amount > rec.outstanding {
                return Err(StoreError::Conflict { constraint: "receivable_outstanding".into() });
            }
            let done = sqlx::query(
                "UPDATE payment_receivables SET refunded = refunded + $1, version = version + 1 WHERE id = $2 AND version = $3",
            )
            .bind(amount.0)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::VersionMismatch { expected: version });
            }
            let paid_from: Option<i64> = match rec.origin_line {
                Some(line) => {
                    sqlx::query_scalar("SELECT payroll_id FROM payment_lines WHERE id = $1").bind(line).fetch_optional(&mut *tx).await
                }
                None => {
                    sqlx::query_scalar(
                        "SELECT payroll_id FROM payment_lines WHERE household_id = $1 AND programme = $2 AND state = 'paid' \
                         ORDER BY benefit_month DESC, id DESC LIMIT 1",
                    )
                    .bind(rec.household_id)
                    .bind(rec.programme.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                }
            }
            .map_err(backend)?;
            let (funds, year) = match paid_from {
                Some(pid) => {
                    let payroll = self.payroll_in(&mut tx, pid).await?.ok_or(StoreError::NotFound)?;
                    (self.payroll_funds(&mut tx, pid).await?, payroll.month.year())
                }
                None => (Vec::new(), year_if_unpaid),
            };
            // Newest drawn first; what the funds did not pay (a fraud sum larger than a line)
            // goes to the county's own funds.
            let mut left = amount.0;
            let mut shares: Vec<(FundSource, Fen)> = Vec::new();
            for (fund, paid) in funds.iter().rev() {
                let take = left.min(paid.0).max(0);
                if take > 0 {
                    shares.push((*fund, Fen(take)));
                    left -= take;
                }
            }
            if left > 0 {
                shares.push((FundSource::Local, Fen(left)));
            }
            let p = rec.programme.budget();
            let mut legs = Vec::new();
            for (fund, share) in shares {
                legs.push(Leg { fund, programme: p, year, account: "available", debit: share, credit: Fen::ZERO });
                legs.push(Leg { fund, programme: p, year, account: "recovered", debit: Fen::ZERO, credit: share });
            }
            let memo = format!("追回款 #{id} 退回：{}（{}）", memo.trim(), by.username);
            self.post(&mut tx, &legs, None, &memo).await?;
            self.receivable_in(&mut tx, id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, result).await
    }

    /// Ready and blocked lines of a payroll not yet exported whose household has a recorded
    /// death or a benefit not simply in force (ending, ended or held): the candidates the
    /// service's rules look at.
    pub(super) async fn stops_of(&self, payroll_id: i64) -> Result<Vec<LineStop>> {
        let rows = sqlx::query(
            "SELECT l.id, l.household_id, l.benefit_month, l.parts, b.until_month, b.held_from, d.died_on \
             FROM payment_lines l JOIN payrolls y ON y.id = l.payroll_id \
             LEFT JOIN benefits b ON b.id = l.benefit_id \
             LEFT JOIN (SELECT p.household_id, MIN(f.on_date) AS died_on FROM feed_records f \
                        JOIN persons p ON p.id_number_bidx = f.person_bidx AND p.relation = 'head' \
                        WHERE f.feed = 'deaths' GROUP BY p.household_id) d ON d.household_id = l.household_id \
             WHERE l.payroll_id = $1 AND l.state IN ('ready', 'blocked') AND y.state IN ('generated', 'reviewed', 'approved') \
               AND (d.died_on IS NOT NULL OR b.until_month IS NOT NULL OR b.held_from IS NOT NULL) \
             ORDER BY l.id",
        )
        .bind(payroll_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                // An adjustment line pays for its parts' months, not the payroll's.
                let parts = r.try_get::<Option<String>, _>("parts").map_err(backend)?;
                let last_part = parts.as_deref().and_then(parse_parts).and_then(|p| p.iter().map(|(m, _)| *m).max());
                Ok(LineStop {
                    line_id: r.try_get("id").map_err(backend)?,
                    household_id: r.try_get("household_id").map_err(backend)?,
                    benefit_month: last_part.map_or_else(|| r.try_get("benefit_month").map_err(backend), Ok)?,
                    payee_died_on: r.try_get("died_on").map_err(backend)?,
                    until_month: r.try_get("until_month").map_err(backend)?,
                    held_from: r.try_get("held_from").map_err(backend)?,
                })
            })
            .collect()
    }

    pub(super) async fn cancel_stopped(&self, payroll_id: i64, line_ids: &[i64], note: &str, by: &Actor) -> Result<Payroll> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            let payroll = self.payroll_in(&mut tx, payroll_id).await?.ok_or(StoreError::NotFound)?;
            if !matches!(payroll.state, PayrollState::Generated | PayrollState::Reviewed | PayrollState::Approved) {
                return Err(StoreError::Conflict { constraint: "payroll_state".into() });
            }
            let note = format!("{}（{}）", note.trim(), by.username);
            for chunk in line_ids.chunks(1000) {
                let mut q = QueryBuilder::<Db>::new("UPDATE payment_lines SET state = 'cancelled', live = FALSE, note = ");
                q.push_bind(note.clone()).push(", updated_at = ").push_bind(Utc::now());
                q.push(" WHERE payroll_id = ").push_bind(payroll_id).push(" AND state IN ('ready', 'blocked') AND id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                q.build().execute(&mut *tx).await.map_err(backend)?;
            }
            self.refresh_sums(&mut tx, payroll_id).await
        }
        .await;
        finish(tx, result).await
    }
}
