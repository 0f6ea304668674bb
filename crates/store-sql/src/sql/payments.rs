use super::*;
use jiuzhu_domain::payment::amounts::{encode_parts, parse_parts};
use jiuzhu_domain::payment::payee::{CareTerms, Payee, PayeeDetails, PayeeRole};
use jiuzhu_domain::payment::*;
use std::collections::HashMap;

mod export;
mod ledger;
mod payees;
mod receivables;
mod reconcile;
mod rises;
mod sources;
mod standby;
mod town_review;

/// Lines per multi-row `INSERT` (26 binds each, under [`MAX_BINDS`]).
const INSERT_BATCH: usize = 1_000;
/// Households read per batch while generating: each batch costs a few statements (planned each
/// time), so batches are large; its sources and lines are held in memory (about 5 MB).
const GENERATE_BATCH: i64 = 10_000;

const PAYROLL_COLUMNS: &str = "id, region, programme, month, state, version, lines, total, blocked, rule_version, generated_by_id, \
    generated_by, generated_at, reviewed_by_id, reviewed_by, reviewed_at, approved_by_id, approved_by, approved_at, exported_at, \
    export_layout, export_sha256, reconciled_at, note";

const LINE_COLUMNS: &str = "id, payroll_id, reference, household_id, region, programme, benefit_month, kind, amount, members, payee_name, \
    payee_id_enc, bank, account_enc, benefit_id, rule_version, state, block_reason, note, origin_line, withheld, receivable_id, failure_code, failure_text, updated_at, parts, payee_role";

fn payee_context(line_id: i64) -> String {
    crate::columns::PAYMENT_PAYEE_ID.context(line_id)
}

fn account_context(line_id: i64) -> String {
    crate::columns::PAYMENT_ACCOUNT.context(line_id)
}

fn actor(r: &<Db as sqlx::Database>::Row, id: &str, name: &str) -> Result<Option<Actor>> {
    let username: Option<String> = r.try_get(name).map_err(backend)?;
    Ok(username.map(|username| Actor { account_id: r.try_get(id).ok().flatten(), username }))
}

fn read_payroll(r: &<Db as sqlx::Database>::Row) -> Result<Payroll> {
    Ok(Payroll {
        id: r.try_get("id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        programme: get_enum(r, "programme", Programme::parse)?,
        month: r.try_get("month").map_err(backend)?,
        state: get_enum(r, "state", PayrollState::parse)?,
        version: r.try_get("version").map_err(backend)?,
        lines: r.try_get("lines").map_err(backend)?,
        total: Fen(r.try_get("total").map_err(backend)?),
        blocked: r.try_get("blocked").map_err(backend)?,
        rule_version: r.try_get("rule_version").map_err(backend)?,
        generated_by: actor(r, "generated_by_id", "generated_by")?.ok_or_else(|| corrupt("payrolls.generated_by", ""))?,
        generated_at: r.try_get("generated_at").map_err(backend)?,
        reviewed_by: actor(r, "reviewed_by_id", "reviewed_by")?,
        reviewed_at: r.try_get("reviewed_at").map_err(backend)?,
        approved_by: actor(r, "approved_by_id", "approved_by")?,
        approved_at: r.try_get("approved_at").map_err(backend)?,
        exported_at: r.try_get("exported_at").map_err(backend)?,
        export_layout: r.try_get("export_layout").map_err(backend)?,
        export_sha256: r.try_get("export_sha256").map_err(backend)?,
        reconciled_at: r.try_get("reconciled_at").map_err(backend)?,
        note: r.try_get("note").map_err(backend)?,
    })
}

impl SqlStore {
    fn read_line(&self, r: &<Db as sqlx::Database>::Row) -> Result<PaymentLine> {
        let id: i64 = r.try_get("id").map_err(backend)?;
        let payee: Vec<u8> = r.try_get("payee_id_enc").map_err(backend)?;
        let account: Option<Vec<u8>> = r.try_get("account_enc").map_err(backend)?;
        Ok(PaymentLine {
            id,
            payroll_id: r.try_get("payroll_id").map_err(backend)?,
            reference: r.try_get("reference").map_err(backend)?,
            household_id: r.try_get("household_id").map_err(backend)?,
            region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
            programme: get_enum(r, "programme", Programme::parse)?,
            benefit_month: r.try_get("benefit_month").map_err(backend)?,
            kind: get_enum(r, "kind", LineKind::parse)?,
            amount: Fen(r.try_get("amount").map_err(backend)?),
            members: r.try_get("members").map_err(backend)?,
            payee_name: r.try_get("payee_name").map_err(backend)?,
            payee_id_number: self.keys.decrypt_text(&payee_context(id), &payee).map_err(|e| undecryptable("payment_lines.payee_id", e))?,
            bank: r.try_get("bank").map_err(backend)?,
            account: account
                .map(|b| self.keys.decrypt_text(&account_context(id), &b).map_err(|e| undecryptable("payment_lines.account", e)))
                .transpose()?,
            benefit_id: r.try_get("benefit_id").map_err(backend)?,
            rule_version: r.try_get("rule_version").map_err(backend)?,
            state: get_enum(r, "state", LineState::parse)?,
            block: opt_enum(r, "block_reason", BlockReason::parse)?,
            note: r.try_get("note").map_err(backend)?,
            origin_line: r.try_get("origin_line").map_err(backend)?,
            withheld: Fen(r.try_get("withheld").map_err(backend)?),
            receivable_id: r.try_get("receivable_id").map_err(backend)?,
            failure_code: r.try_get("failure_code").map_err(backend)?,
            failure_text: r.try_get("failure_text").map_err(backend)?,
            updated_at: r.try_get("updated_at").map_err(backend)?,
            parts: match r.try_get::<Option<String>, _>("parts").map_err(backend)? {
                Some(text) => parse_parts(&text).ok_or_else(|| corrupt("payment_lines.parts", &text))?,
                None => Vec::new(),
            },
            payee_role: opt_enum(r, "payee_role", PayeeRole::parse)?,
        })
    }

    fn decrypt_account(&self, context: &str, blob: Option<Vec<u8>>) -> Result<Option<String>> {
        blob.map(|b| self.keys.decrypt_text(context, &b).map_err(|e| undecryptable(context, e))).transpose()
    }

    /// Starts writing a batch's generated lines: the failed lines their re-issues replace leave
    /// the live set, ids are taken, and the rows (identifiers encrypted) are made on another
    /// thread while the connection reads the next batch; [`SqlStore::write_lines`] writes them.
    async fn start_lines(&self, conn: &mut Conn, programme: Programme, counts: KeyCounts, lines: Vec<NewLine>) -> Result<PendingLines> {
        // A re-issue of a re-issue has the key of the line it replaces (and was dropped as
        // already there) unless that line leaves first.
        let origins: Vec<i64> = lines.iter().filter_map(|l| l.origin_line).collect();
        for chunk in origins.chunks(MAX_BINDS) {
            let mut q = QueryBuilder::<Db>::new("UPDATE payment_lines SET state = 'reissued', live = FALSE, updated_at = ");
            q.push_bind(Utc::now()).push(" WHERE state = 'failed' AND id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            q.build().execute(&mut *conn).await.map_err(backend)?;
        }
        let ids = if lines.is_empty() { Vec::new() } else { alloc_ids(&mut *conn, "payment_lines", lines.len()).await.map_err(backend)? };
        let keys = self.keys.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let rows = lines.iter().zip(ids).map(|(l, id)| line_row(&keys, programme, &counts, l, id)).collect();
            (rows, lines)
        }))
    }

    /// Writes the rows [`SqlStore::start_lines`] made; a key already live with the same amount
    /// adds nothing, with another amount it is `payment_lines_amount`.
    async fn write_lines(&self, conn: &mut Conn, payroll: &Payroll, pending: PendingLines) -> Result<()> {
        let (rows, lines) = pending.await.map_err(|e| StoreError::Backend(Box::new(e)))?;
        let now = Utc::now();
        for (chunk, new) in rows.chunks(INSERT_BATCH).zip(lines.chunks(INSERT_BATCH)) {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO payment_lines (id, payroll_id, reference, household_id, region, programme, benefit_month, kind, amount, members, \
                 payee_name, payee_id_enc, bank, account_enc, benefit_id, rule_version, state, live, block_reason, note, origin_line, \
                 withheld, receivable_id, updated_at, parts, payee_role) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id)
                    .push_bind(payroll.id)
                    .push_bind(r.reference.as_str())
                    .push_bind(r.household_id)
                    .push_bind(r.region.as_str())
                    .push_bind(payroll.programme.as_str())
                    .push_bind(r.benefit_month)
                    .push_bind(r.kind)
                    .push_bind(r.amount)
                    .push_bind(r.members)
                    .push_bind(r.payee_name.as_str())
                    .push_bind(r.payee_id_enc.as_slice())
                    .push_bind(r.bank.as_deref())
                    .push_bind(r.account_enc.as_deref())
                    .push_bind(r.benefit_id)
                    .push_bind(r.rule_version.as_str())
                    .push_bind(r.state)
                    .push_bind(true)
                    .push_bind(r.block_reason)
                    .push_bind(r.note.as_str())
                    .push_bind(r.origin_line)
                    .push_bind(r.withheld)
                    .push_bind(r.receivable_id)
                    .push_bind(now)
                    .push_bind(r.parts.as_deref())
                    .push_bind(r.payee_role);
            });
            q.push(" ON CONFLICT (household_id, programme, benefit_month, kind) WHERE live DO NOTHING RETURNING id");
            let inserted: Vec<i64> = q.build_query_scalar().fetch_all(&mut *conn).await.map_err(backend)?;
            if inserted.len() < chunk.len() {
                self.check_existing_amounts(conn, payroll.programme, new).await?;
            }
        }
        Ok(())
    }

    /// A retried line with the amount of the live one adds nothing; with another amount it is refused.
    async fn check_existing_amounts(&self, conn: &mut Conn, programme: Programme, chunk: &[NewLine]) -> Result<()> {
        for l in chunk {
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT amount FROM payment_lines WHERE household_id = $1 AND programme = $2 AND benefit_month = $3 AND kind = $4 AND live",
            )
            .bind(l.household_id)
            .bind(programme.as_str())
            .bind(l.benefit_month)
            .bind(l.kind.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            if existing.is_some_and(|a| a != l.amount.0) {
                return Err(StoreError::Conflict { constraint: "payment_lines_amount".into() });
            }
        }
        Ok(())
    }

    /// Recounts a payroll's lines, total and blocked lines; bumps its version.
    async fn refresh_sums(&self, conn: &mut Conn, payroll_id: i64) -> Result<Payroll> {
        sqlx::query(
            "UPDATE payrolls SET \
               lines = (SELECT COUNT(*) FROM payment_lines WHERE payroll_id = $1 AND state <> 'cancelled'), \
               total = (SELECT COALESCE(SUM(amount), 0) FROM payment_lines WHERE payroll_id = $1 AND state <> 'cancelled'), \
               blocked = (SELECT COUNT(*) FROM payment_lines WHERE payroll_id = $1 AND state = 'blocked'), \
               version = version + 1 \
             WHERE id = $1",
        )
        .bind(payroll_id)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
        self.payroll_in(conn, payroll_id).await?.ok_or(StoreError::NotFound)
    }

    async fn payroll_in(&self, conn: &mut Conn, id: i64) -> Result<Option<Payroll>> {
        let row = sqlx::query(&format!("SELECT {PAYROLL_COLUMNS} FROM payrolls WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
        row.as_ref().map(read_payroll).transpose()
    }

    /// Takes `step.action` on the payroll as it is at `step.version` (the domain's state machine
    /// decides where it goes), stamping who did it. Returns the payroll before and after.
    async fn move_payroll(&self, conn: &mut Conn, step: &PayrollStep) -> Result<(Payroll, Payroll)> {
        let current = self.payroll_in(conn, step.id).await?.ok_or(StoreError::NotFound)?;
        if current.version != step.version {
            return Err(StoreError::VersionMismatch { expected: step.version });
        }
        let to = current.state.after(step.action).map_err(|_| StoreError::Conflict { constraint: "payroll_state".into() })?;
        let now = Utc::now();
        let mut q = QueryBuilder::<Db>::new("UPDATE payrolls SET ");
        match to {
            PayrollState::Reviewed => {
                q.push("reviewed_by_id = ").push_bind(step.by.account_id).push(", reviewed_by = ").push_bind(step.by.username.clone());
                q.push(", reviewed_at = ").push_bind(now).push(", ");
            }
            PayrollState::Approved => {
                q.push("approved_by_id = ").push_bind(step.by.account_id).push(", approved_by = ").push_bind(step.by.username.clone());
                q.push(", approved_at = ").push_bind(now).push(", ");
            }
            PayrollState::Exported => {
                q.push("exported_at = ").push_bind(now).push(", ");
            }
            PayrollState::Reconciled => {
                q.push("reconciled_at = ").push_bind(now).push(", ");
            }
            _ => {}
        }
        q.push("state = ").push_bind(to.as_str()).push(", note = ").push_bind(step.note.clone());
        q.push(", version = version + 1 WHERE id = ").push_bind(step.id).push(" AND version = ").push_bind(step.version);
        let done = q.build().execute(&mut *conn).await.map_err(backend)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch { expected: step.version });
        }
        let moved = self.payroll_in(conn, step.id).await?.ok_or(StoreError::NotFound)?;
        Ok((current, moved))
    }
}

/// Lines ever written per (household, benefit month, kind): the next line of a key is numbered after them.
type KeyCounts = HashMap<(i64, NaiveDate, LineKind), u32>;

/// A generated line as written: its identifiers already encrypted (made off the connection's
/// task, see [`SqlStore::start_lines`]).
struct LineRow {
    id: i64,
    reference: String,
    household_id: i64,
    region: String,
    benefit_month: NaiveDate,
    kind: &'static str,
    amount: i64,
    members: i64,
    payee_name: String,
    payee_id_enc: Vec<u8>,
    bank: Option<String>,
    account_enc: Option<Vec<u8>>,
    benefit_id: Option<i64>,
    rule_version: String,
    state: &'static str,
    block_reason: Option<&'static str>,
    note: String,
    origin_line: Option<i64>,
    withheld: i64,
    receivable_id: Option<i64>,
    parts: Option<String>,
    payee_role: Option<&'static str>,
}

/// A batch's rows being made (with the lines they came from).
type PendingLines = tokio::task::JoinHandle<(Vec<LineRow>, Vec<NewLine>)>;

/// A generated line as its row: numbered after the key's earlier lines, identifiers encrypted.
fn line_row(keys: &Keyring, programme: Programme, counts: &KeyCounts, l: &NewLine, id: i64) -> LineRow {
    let seq = counts.get(&(l.household_id, l.benefit_month, l.kind)).copied().unwrap_or(0);
    LineRow {
        id,
        reference: line_reference(programme, l.benefit_month, l.household_id, l.kind, seq).unwrap_or_default(),
        household_id: l.household_id,
        region: l.region.as_str().to_string(),
        benefit_month: l.benefit_month,
        kind: l.kind.as_str(),
        amount: l.amount.0,
        members: l.members,
        payee_name: l.payee_name.clone(),
        payee_id_enc: keys.encrypt(&payee_context(id), l.payee_id_number.as_bytes()),
        bank: l.bank.clone(),
        account_enc: l.account.as_ref().map(|a| keys.encrypt(&account_context(id), a.as_bytes())),
        benefit_id: l.benefit_id,
        rule_version: l.rule_version.clone(),
        state: if l.block.is_some() { LineState::Blocked } else { LineState::Ready }.as_str(),
        block_reason: l.block.map(|b| b.as_str()),
        note: l.note.clone(),
        origin_line: l.origin_line,
        withheld: l.withheld.0,
        receivable_id: l.receivable_id,
        parts: (!l.parts.is_empty()).then(|| encode_parts(&l.parts)),
        payee_role: l.payee_role.map(|r| r.as_str()),
    }
}

#[async_trait]
impl PaymentStore for SqlStore {
    async fn generate_payroll(
        &self,
        p: &NewPayroll,
        build: &mut (dyn for<'s> FnMut(&'s [PayrollSource]) -> Batch + Send),
    ) -> Result<(Payroll, bool)> {
        let existing = || async {
            let row = sqlx::query(&format!(
                "SELECT {PAYROLL_COLUMNS} FROM payrolls WHERE region = $1 AND programme = $2 AND month = $3 \
                 AND state NOT IN ('rejected', 'cancelled')"
            ))
            .bind(p.region.as_str())
            .bind(p.programme.as_str())
            .bind(p.month)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
            row.as_ref().map(read_payroll).transpose()
        };
        if let Some(found) = existing().await? {
            return Ok((found, false));
        }
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            if p.programme == Programme::Temporary {
                // A voucher naming a case, written meanwhile, would not be seen (nor this line by it).
                lock_temporary_payments(&mut tx).await.map_err(backend)?;
            }
            if p.programme.kind() == AssistanceKind::Tekun {
                // A carer's months are checked against the months generated (payees.rs).
                lock_care_months(&mut tx).await.map_err(backend)?;
            }
            let id = alloc_ids(&mut tx, "payrolls", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO payrolls (id, region, programme, month, state, version, lines, total, blocked, rule_version, generated_by_id, \
                 generated_by, generated_at, note) VALUES ($1, $2, $3, $4, 'generated', 1, 0, 0, 0, $5, $6, $7, $8, '')",
            )
            .bind(id)
            .bind(p.region.as_str())
            .bind(p.programme.as_str())
            .bind(p.month)
            .bind(&p.rule_version)
            .bind(p.by.account_id)
            .bind(&p.by.username)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let payroll = self.payroll_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            // Arrears reach back to the first month paid through jiuzhu, never before it.
            let first_month: NaiveDate = sqlx::query_scalar(
                "SELECT MIN(month) FROM payrolls WHERE region = $1 AND programme = $2 AND state NOT IN ('rejected', 'cancelled')",
            )
            .bind(p.region.as_str())
            .bind(p.programme.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            let mut after = 0i64;
            // A batch's rows are made while the next batch is read; they are written before its
            // lines are built (households of different batches never share a line or a key).
            let mut pending: Option<PendingLines> = None;
            loop {
                let households: Vec<i64> = sqlx::query_scalar(
                    // Each planner once read every household for each batch (quadratic). `h.id > $2`
                    // as well: PostgreSQL does not carry the bound across the join (its merge join
                    // read every household below the batch: 100 s of 111 s at 1,000,000). `CROSS
                    // JOIN` keeps benefits outer on SQLite, in the index's order, so LIMIT stops early
                    // (with statistics it may scan the county's households first); PostgreSQL still
                    // orders an inner join as it sees fit.
                    "SELECT DISTINCT b.household_id FROM benefits b CROSS JOIN households h \
                     WHERE h.id = b.household_id AND b.kind = $1 AND b.household_id > $2 AND h.id > $2 \
                       AND h.hukou_region >= $3 AND h.hukou_region < $4 \
                       AND b.since_month <= $5 AND (b.until_month IS NULL OR b.until_month >= $6) \
                     ORDER BY b.household_id LIMIT $7",
                )
                .bind(p.programme.kind().as_str())
                .bind(after)
                .bind(p.region.as_str())
                .bind(p.region.upper_bound())
                .bind(p.month)
                .bind(first_month)
                .bind(GENERATE_BATCH)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?;
                let (Some(&lo), Some(&hi)) = (households.first(), households.last()) else { break };
                let (sources, counts) = self.payroll_sources(&mut tx, p, first_month, lo, hi).await?;
                if let Some(rows) = pending.take() {
                    self.write_lines(&mut tx, &payroll, rows).await?;
                }
                let batch = build(&sources);
                self.insert_found_receivables(&mut tx, &batch.receivables, &p.by).await?;
                pending = Some(self.start_lines(&mut tx, payroll.programme, counts, batch.lines).await?);
                after = hi;
            }
            if let Some(rows) = pending.take() {
                self.write_lines(&mut tx, &payroll, rows).await?;
            }
            self.refresh_sums(&mut tx, id).await
        }
        .await;
        match finish(tx, result).await {
            Ok(p) => {
                if p.lines > 0 {
                    refresh_statistics(&self.pool, "payment_lines").await.map_err(backend)?;
                }
                Ok((p, true))
            }
            // Another generation of the same month committed first: it is the one.
            Err(StoreError::Conflict { constraint }) if constraint.contains("payrolls") => {
                existing().await?.map(|p| (p, false)).ok_or(StoreError::Conflict { constraint })
            }
            Err(e) => Err(e),
        }
    }

    async fn payroll(&self, id: i64) -> Result<Option<Payroll>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        self.payroll_in(&mut conn, id).await
    }

    async fn payrolls(&self, within: &RegionCode, month: Option<NaiveDate>) -> Result<Vec<Payroll>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {PAYROLL_COLUMNS} FROM payrolls WHERE ((region >= "));
        q.push_bind(within.as_str().to_string()).push(" AND region < ").push_bind(within.upper_bound()).push(")");
        // A town's account sees its county's payrolls (its part of them).
        if let Some(county) = within.county().filter(|c| c != within) {
            q.push(" OR region = ").push_bind(county.as_str().to_string());
        }
        q.push(")");
        if let Some(m) = month {
            q.push(" AND month = ").push_bind(m);
        }
        q.push(" ORDER BY month DESC, programme, id DESC LIMIT 500");
        q.build().fetch_all(&self.pool).await.map_err(backend)?.iter().map(read_payroll).collect()
    }

    async fn payroll_lines(
        &self,
        payroll_id: i64,
        within: &RegionCode,
        state: Option<LineState>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PaymentLine>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {LINE_COLUMNS} FROM payment_lines WHERE payroll_id = "));
        q.push_bind(payroll_id).push(" AND id > ").push_bind(after_id);
        q.push(" AND region >= ").push_bind(within.as_str().to_string()).push(" AND region < ").push_bind(within.upper_bound());
        if let Some(s) = state {
            q.push(" AND state = ").push_bind(s.as_str());
        }
        q.push(" ORDER BY id LIMIT ").push_bind(limit);
        q.build().fetch_all(&self.pool).await.map_err(backend)?.iter().map(|r| self.read_line(r)).collect()
    }

    async fn line_id_range(&self, payroll_id: i64) -> Result<Option<(i64, i64)>> {
        // Each end on its own, by the payroll's index: SQLite answers one MIN or MAX from an
        // index, not both in one query.
        let first: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM payment_lines WHERE payroll_id = $1")
            .bind(payroll_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM payment_lines WHERE payroll_id = $1")
            .bind(payroll_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(first.zip(last))
    }

    async fn bank_file_lines(&self, payroll_id: i64, ids: std::ops::Range<i64>) -> Result<Vec<BankFileLine>> {
        self.ready_for_bank(payroll_id, ids).await
    }

    async fn payroll_totals(&self, payroll_id: i64, within: &RegionCode) -> Result<PayrollTotals> {
        let town = sqlx::query(
            "SELECT substr(region, 1, 9) AS town, COUNT(*) AS n, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM payment_lines \
             WHERE payroll_id = $1 AND state <> 'cancelled' AND region >= $2 AND region < $3 GROUP BY substr(region, 1, 9) ORDER BY town",
        )
        .bind(payroll_id)
        .bind(within.as_str())
        .bind(within.upper_bound())
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let state = sqlx::query(
            "SELECT state, COUNT(*) AS n, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM payment_lines \
             WHERE payroll_id = $1 AND region >= $2 AND region < $3 GROUP BY state ORDER BY state",
        )
        .bind(payroll_id)
        .bind(within.as_str())
        .bind(within.upper_bound())
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let funds = sqlx::query("SELECT fund, amount FROM payroll_funds WHERE payroll_id = $1 ORDER BY fund")
            .bind(payroll_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let sum = |r: &<Db as sqlx::Database>::Row| -> Result<(i64, Fen)> {
            Ok((r.try_get("n").map_err(backend)?, Fen(r.try_get::<i64, _>("total").map_err(backend)?)))
        };
        Ok(PayrollTotals {
            by_town: town
                .iter()
                .map(|r| {
                    let (n, t) = sum(r)?;
                    Ok((r.try_get("town").map_err(backend)?, n, t))
                })
                .collect::<Result<_>>()?,
            by_state: state
                .iter()
                .map(|r| {
                    let (n, t) = sum(r)?;
                    Ok((get_enum(r, "state", LineState::parse)?, n, t))
                })
                .collect::<Result<_>>()?,
            by_fund: funds
                .iter()
                .map(|r| Ok((get_enum(r, "fund", FundSource::parse)?, Fen(r.try_get("amount").map_err(backend)?))))
                .collect::<Result<_>>()?,
        })
    }

    async fn payees(&self, household_id: i64) -> Result<Vec<Payee>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        self.live_payees(&mut conn, household_id, household_id).await
    }

    async fn set_payee(&self, household_id: i64, payee: &PayeeDetails, by: &Actor, on: NaiveDate) -> Result<Payee> {
        self.record_payee(household_id, payee, by, on).await
    }

    async fn end_payee(&self, household_id: i64, payee_id: i64, by: &Actor) -> Result<()> {
        self.close_payee(household_id, payee_id, by).await
    }

    async fn household_payments(&self, household_id: i64) -> Result<Vec<PaymentLine>> {
        sqlx::query(&format!(
            "SELECT {LINE_COLUMNS} FROM payment_lines WHERE household_id = $1 ORDER BY benefit_month DESC, id DESC LIMIT 500"
        ))
        .bind(household_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(|r| self.read_line(r))
        .collect()
    }

    async fn clear_line(&self, payroll_id: i64, line_id: i64, to: LineState, note: &str, by: &Actor) -> Result<Payroll> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            let payroll = self.payroll_in(&mut tx, payroll_id).await?.ok_or(StoreError::NotFound)?;
            if !payroll.state.lines_editable() || !matches!(to, LineState::Ready | LineState::Cancelled) {
                return Err(StoreError::Conflict { constraint: "payment_line_state".into() });
            }
            let note = format!("{}（{}）", note.trim(), by.username);
            let done = sqlx::query(
                "UPDATE payment_lines SET state = $1, live = $2, note = $3, updated_at = $4 \
                 WHERE id = $5 AND payroll_id = $6 AND state = 'blocked'",
            )
            .bind(to.as_str())
            .bind(to.is_live())
            .bind(note)
            .bind(Utc::now())
            .bind(line_id)
            .bind(payroll_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict { constraint: "payment_line_state".into() });
            }
            self.refresh_sums(&mut tx, payroll_id).await
        }
        .await;
        finish(tx, result).await
    }

    async fn step_payroll(&self, step: &PayrollStep) -> Result<Payroll> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            // Approval, export and reconciliation write more than the state: their own methods.
            if !matches!(step.action, PayrollAction::Review | PayrollAction::Reject | PayrollAction::Cancel | PayrollAction::Close) {
                return Err(StoreError::Conflict { constraint: "payroll_state".into() });
            }
            let (before, moved) = self.move_payroll(&mut tx, step).await?;
            if moved.state.is_dead() {
                sqlx::query(
                    "UPDATE payment_lines SET state = 'cancelled', live = FALSE, updated_at = $1 WHERE payroll_id = $2 AND state IN ('ready', 'blocked')",
                )
                .bind(Utc::now())
                .bind(step.id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                if before.state == PayrollState::Approved {
                    self.release_commitment(&mut tx, &moved, "作废清册，释放已审批资金").await?;
                }
            }
            Ok(moved)
        }
        .await;
        finish(tx, result).await
    }

    async fn sign_town(&self, step: &PayrollStep, town: &RegionCode) -> Result<Payroll> {
        self.sign_town_part(step, town).await
    }

    async fn town_sign_offs(&self, payroll_id: i64) -> Result<(Vec<TownSignOff>, Vec<RegionCode>)> {
        self.sign_offs(payroll_id).await
    }

    async fn raise_benefits(&self, rise: &NewRise, apply: bool) -> Result<Rise> {
        self.raise(rise, apply).await
    }

    async fn rises(&self, within: &RegionCode) -> Result<Vec<Rise>> {
        self.rises_in(within).await
    }

    async fn approve_payroll(&self, step: &PayrollStep) -> Result<Payroll> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            let payroll = self.payroll_in(&mut tx, step.id).await?.ok_or(StoreError::NotFound)?;
            if payroll.blocked > 0 {
                return Err(StoreError::Conflict { constraint: "payroll_blocked".into() });
            }
            if step.action != PayrollAction::Approve {
                return Err(StoreError::Conflict { constraint: "payroll_state".into() });
            }
            let (_, approved) = self.move_payroll(&mut tx, step).await?;
            self.commit_funds(&mut tx, &approved).await?;
            Ok(approved)
        }
        .await;
        finish(tx, result).await
    }

    async fn mark_exported(&self, step: &PayrollStep, layout: &str, verdict: Verdict<'_>) -> Result<Payroll> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payroll> = async {
            if step.action != PayrollAction::Export {
                return Err(StoreError::Conflict { constraint: "payroll_state".into() });
            }
            self.move_payroll(&mut tx, step).await?;
            sqlx::query("UPDATE payment_lines SET state = 'exported', updated_at = $1 WHERE payroll_id = $2 AND state = 'ready'")
                .bind(Utc::now())
                .bind(step.id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let Some(sha256) = verdict.await else { return Err(StoreError::Conflict { constraint: "bank_file_read_back".into() }) };
            sqlx::query("UPDATE payrolls SET export_layout = $1, export_sha256 = $2 WHERE id = $3")
                .bind(layout)
                .bind(sha256)
                .bind(step.id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            self.payroll_in(&mut tx, step.id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        finish(tx, result).await
    }

    async fn reconcile(
        &self,
        payroll_id: i64,
        file_sha256: &str,
        by: &Actor,
        next: &mut (dyn FnMut() -> Option<Vec<ReturnRow>> + Send),
    ) -> Result<ReconcileReport> {
        self.reconcile_file(payroll_id, file_sha256, by, next).await
    }

    async fn return_exceptions(&self, payroll_id: i64) -> Result<Vec<ReturnException>> {
        let rows = sqlx::query(
            "SELECT id, payroll_id, file_sha256, line_no, reference, problem, at FROM payment_exceptions WHERE payroll_id = $1 ORDER BY id LIMIT 1000",
        )
        .bind(payroll_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(ReturnException {
                    id: r.try_get("id").map_err(backend)?,
                    payroll_id: r.try_get("payroll_id").map_err(backend)?,
                    file_sha256: r.try_get("file_sha256").map_err(backend)?,
                    line_no: r.try_get("line_no").map_err(backend)?,
                    reference: r.try_get("reference").map_err(backend)?,
                    problem: r.try_get("problem").map_err(backend)?,
                    at: r.try_get("at").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn add_budget(&self, fund: FundSource, programme: Programme, year: i32, amount: Fen, memo: &str, by: &Actor) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            let memo = format!("{memo}（{}）", by.username);
            let legs = [
                ledger::Leg { fund, programme, year, account: "available", debit: amount, credit: Fen::ZERO },
                ledger::Leg { fund, programme, year, account: "appropriation", debit: Fen::ZERO, credit: amount },
            ];
            self.post(&mut tx, &legs, None, &memo).await
        }
        .await;
        finish(tx, result).await
    }

    async fn fund_balances(&self, year: Option<i32>) -> Result<Vec<FundBalance>> {
        self.balances(year).await
    }

    async fn ledger_postings(&self, payroll_id: Option<i64>, after_seq: i64, limit: i64) -> Result<Vec<Posting>> {
        self.postings(payroll_id, after_seq, limit).await
    }

    async fn verify_ledger(&self) -> Result<LedgerCheck> {
        self.verify_postings().await
    }

    async fn line_stops(&self, payroll_id: i64) -> Result<Vec<LineStop>> {
        self.stops_of(payroll_id).await
    }

    async fn cancel_lines(&self, payroll_id: i64, line_ids: &[i64], note: &str, by: &Actor) -> Result<Payroll> {
        self.cancel_stopped(payroll_id, line_ids, note, by).await
    }

    async fn receivables(&self, within: &RegionCode, household_id: Option<i64>) -> Result<Vec<Receivable>> {
        self.list_receivables(within, household_id, None).await
    }

    async fn receivable(&self, id: i64) -> Result<Option<Receivable>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        self.receivable_in(&mut conn, id).await
    }

    async fn record_receivable(&self, r: &NewReceivable, by: &Actor) -> Result<Receivable> {
        self.record_decided(r, by).await
    }

    async fn refund_receivable(&self, id: i64, version: i64, amount: Fen, memo: &str, year: i32, by: &Actor) -> Result<Receivable> {
        self.refund(id, version, amount, memo, year, by).await
    }
}
