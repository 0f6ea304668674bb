//! 对账: a bank's return file applied to an exported payroll in one transaction. Each line the
//! bank names becomes paid or failed; what does not fit (unknown reference, a second success,
//! another amount or account) goes to the exceptions and changes nothing.

use super::*;

/// What one return row does to its line, or why it is an exception.
/// What a returned line becomes: its state and, when it failed, the reason's code and text.
type Outcome<'a> = (LineState, Option<&'a str>, Option<&'a str>);

fn decide(line_state: LineState, outcome: ReturnOutcome) -> std::result::Result<LineState, &'static str> {
    match (line_state, outcome) {
        (LineState::Exported, ReturnOutcome::Paid) => Ok(LineState::Paid),
        (LineState::Exported, ReturnOutcome::Failed) => Ok(LineState::Failed),
        // 冲正/退回: money that arrived came back; the line is open again (failed, to re-issue).
        (LineState::Paid, ReturnOutcome::Reversed) => Ok(LineState::Failed),
        (LineState::Paid, ReturnOutcome::Paid) => Err("重复的成功回盘：该笔已到账 / a second success for a paid line"),
        (LineState::Paid, ReturnOutcome::Failed) => Err("已到账的明细报失败（退回应以冲正报回） / a failure for a paid line"),
        (LineState::Failed | LineState::Reissued, ReturnOutcome::Failed) => Err("重复的失败回盘 / a second failure"),
        (LineState::Failed | LineState::Reissued, _) => Err("已失败的明细又报成功 / a success for a failed line"),
        (_, ReturnOutcome::Reversed) => Err("冲正的明细未到账 / a reversal for a line not paid"),
        _ => Err("该明细未报盘 / the line was not sent to the bank"),
    }
}

impl SqlStore {
    pub(super) async fn reconcile_file(
        &self,
        payroll_id: i64,
        file_sha256: &str,
        by: &Actor,
        next: &mut (dyn FnMut() -> Option<Vec<ReturnRow>> + Send),
    ) -> Result<ReconcileReport> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<ReconcileReport> = async {
            let payroll = self.payroll_in(&mut tx, payroll_id).await?.ok_or(StoreError::NotFound)?;
            let seen: Option<i64> = sqlx::query_scalar("SELECT paid FROM payment_returns WHERE payroll_id = $1 AND file_sha256 = $2")
                .bind(payroll_id)
                .bind(file_sha256)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            if seen.is_some() {
                return Ok(ReconcileReport { already_seen: true, state: Some(payroll.state), ..Default::default() });
            }
            if !matches!(payroll.state, PayrollState::Exported | PayrollState::Reconciled | PayrollState::Closed) {
                return Err(StoreError::Conflict { constraint: "payroll_state".into() });
            }
            let mut report = ReconcileReport::default();
            let now = Utc::now();
            while let Some(rows) = next() {
                // References in a batch stay under the bind limit; a huge batch is taken in parts.
                for rows in rows.chunks(MAX_BINDS / 4) {
                    self.apply_returns(&mut tx, payroll_id, file_sha256, rows, now, &mut report).await?;
                }
            }
            sqlx::query(
                "INSERT INTO payment_returns (payroll_id, file_sha256, imported_by, imported_at, paid, failed, reversed, exceptions) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(payroll_id)
            .bind(file_sha256)
            .bind(&by.username)
            .bind(now)
            .bind(report.paid)
            .bind(report.failed)
            .bind(report.reversed)
            .bind(report.exceptions)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            self.post_spending(&mut tx, &payroll).await?;
            report.state = Some(self.settle_if_done(&mut tx, &payroll, by).await?);
            Ok(report)
        }
        .await;
        finish(tx, result).await
    }

    async fn apply_returns(
        &self,
        conn: &mut Conn,
        payroll_id: i64,
        file_sha256: &str,
        rows: &[ReturnRow],
        now: DateTime<Utc>,
        report: &mut ReconcileReport,
    ) -> Result<()> {
        // Found by the reference's unique index: `+payroll_id` keeps SQLite's planner off the
        // payroll's index, which scanned every line of the payroll for each batch (a 1,000,000-line
        // return file took 86 s instead of a few).
        let mut q = QueryBuilder::<Db>::new("SELECT id, reference, amount, account_enc, state FROM payment_lines WHERE +payroll_id = ");
        q.push_bind(payroll_id).push(" AND reference IN (");
        let mut sep = q.separated(", ");
        for r in rows {
            sep.push_bind(r.reference.clone());
        }
        sep.push_unseparated(")");
        let mut lines: HashMap<String, (i64, i64, Option<String>, LineState)> = HashMap::with_capacity(rows.len());
        for r in q.build().fetch_all(&mut *conn).await.map_err(backend)? {
            let id: i64 = r.try_get("id").map_err(backend)?;
            let account = self.decrypt_account(&account_context(id), r.try_get("account_enc").map_err(backend)?)?;
            lines.insert(
                r.try_get("reference").map_err(backend)?,
                (id, r.try_get("amount").map_err(backend)?, account, get_enum(&r, "state", LineState::parse)?),
            );
        }
        let mut updates: Vec<(i64, LineState, &ReturnRow)> = Vec::new();
        let mut exceptions: Vec<(&ReturnRow, String)> = Vec::new();
        for row in rows {
            let Some((id, amount, account, state)) = lines.get_mut(&row.reference) else {
                exceptions.push((row, "未知流水号，不是本清册的明细 / unknown reference".into()));
                continue;
            };
            if *amount != row.amount.0 {
                exceptions.push((row, format!("金额不符：报盘 {}，回盘 {} / amount differs", Fen(*amount), row.amount)));
                continue;
            }
            if account.as_deref() != Some(row.account.as_str()) {
                exceptions.push((row, "账号与报盘不符 / account differs from the one sent".into()));
                continue;
            }
            match decide(*state, row.outcome) {
                Ok(to) => {
                    *state = to;
                    match row.outcome {
                        ReturnOutcome::Paid => report.paid += 1,
                        ReturnOutcome::Failed => report.failed += 1,
                        ReturnOutcome::Reversed => report.reversed += 1,
                    }
                    updates.push((*id, to, row));
                }
                Err(problem) => exceptions.push((row, problem.to_string())),
            }
        }
        // One UPDATE per outcome (state, reason) with the ids listed: a return file is nearly all
        // 成功, so a batch is one or a few statements, each row found by its key, a quarter of
        // the bound values of an `UPDATE … FROM (VALUES …)` (5× faster per batch on SQLite).
        let mut groups: HashMap<Outcome<'_>, Vec<i64>> = HashMap::new();
        for (id, to, row) in &updates {
            let failed = *to == LineState::Failed;
            let code = failed.then_some(row.reason_code.as_str());
            let text = failed.then_some(row.reason_text.as_str());
            groups.entry((*to, code, text)).or_default().push(*id);
        }
        for ((to, code, text), ids) in groups {
            let mut q = QueryBuilder::<Db>::new("UPDATE payment_lines SET state = ");
            q.push_bind(to.as_str()).push(", failure_code = ").push_bind(code.map(str::to_string));
            q.push(", failure_text = ").push_bind(text.map(str::to_string)).push(", updated_at = ").push_bind(now);
            q.push(" WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in ids {
                sep.push_bind(id);
            }
            sep.push_unseparated(")");
            q.build().execute(&mut *conn).await.map_err(backend)?;
        }
        if !exceptions.is_empty() {
            report.exceptions += exceptions.len() as i64;
            let ids = alloc_ids(&mut *conn, "payment_exceptions", exceptions.len()).await.map_err(backend)?;
            let mut q =
                QueryBuilder::<Db>::new("INSERT INTO payment_exceptions (id, payroll_id, file_sha256, line_no, reference, problem, at) ");
            q.push_values(exceptions.iter().zip(ids), |mut b, ((row, problem), id)| {
                b.push_bind(id)
                    .push_bind(payroll_id)
                    .push_bind(file_sha256.to_string())
                    .push_bind(i64::try_from(row.line_no).unwrap_or(i64::MAX))
                    .push_bind(row.reference.clone())
                    .push_bind(problem.clone())
                    .push_bind(now);
            });
            q.build().execute(&mut *conn).await.map_err(backend)?;
        }
        Ok(())
    }

    /// An exported payroll whose lines are all terminal, and whose paid and failed lines add up
    /// to what was sent, is reconciled; what is still committed goes back to the funds.
    async fn settle_if_done(&self, conn: &mut Conn, payroll: &Payroll, by: &Actor) -> Result<PayrollState> {
        if payroll.state != PayrollState::Exported {
            return Ok(payroll.state);
        }
        let r = sqlx::query(
            "SELECT \
               CAST(COALESCE(SUM(CASE WHEN state IN ('ready', 'blocked', 'exported') THEN 1 ELSE 0 END), 0) AS BIGINT) AS open, \
               CAST(COALESCE(SUM(CASE WHEN state IN ('paid', 'failed', 'reissued', 'cancelled') THEN amount ELSE 0 END), 0) AS BIGINT) AS settled, \
               CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total \
             FROM payment_lines WHERE payroll_id = $1",
        )
        .bind(payroll.id)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        let (open, settled, total): (i64, i64, i64) =
            (r.try_get("open").map_err(backend)?, r.try_get("settled").map_err(backend)?, r.try_get("total").map_err(backend)?);
        if open > 0 || settled != total {
            return Ok(payroll.state);
        }
        let step =
            PayrollStep { id: payroll.id, version: payroll.version, action: PayrollAction::Reconcile, by: by.clone(), note: String::new() };
        let (_, moved) = self.move_payroll(conn, &step).await?;
        self.release_commitment(conn, &moved, &format!("发放清册 #{} 对账完成，未发放资金退回", moved.id)).await?;
        Ok(moved.state)
    }
}
