//! What generation reads: the benefits in force with their payee, account, members and what
//! was paid before (see [`PayrollSource`]).

use super::*;
use jiuzhu_domain::payment::amounts::AmountChange;
use std::collections::{BTreeMap, HashSet};

/// A household's earlier lines of the programme.
#[derive(Debug, Clone, Default)]
struct History {
    /// Benefit months covered by a live line.
    covered: Vec<NaiveDate>,
    /// Months cancelled while stopped for the payee's death.
    waived: Vec<NaiveDate>,
    failed: Vec<FailedLine>,
    paid: Vec<PaidLine>,
    /// The newest line: its id and encrypted account.
    newest: Option<(i64, Option<Vec<u8>>)>,
    delivered: BTreeMap<NaiveDate, Fen>,
    adjusted: BTreeMap<NaiveDate, Fen>,
    adjustments: Vec<AdjustmentLine>,
}

impl SqlStore {
    /// The sources of households `lo..=hi` (see [`PayrollSource`]).
    pub(super) async fn payroll_sources(
        &self,
        conn: &mut Conn,
        p: &NewPayroll,
        first_month: NaiveDate,
        lo: i64,
        hi: i64,
    ) -> Result<(Vec<PayrollSource>, KeyCounts)> {
        // The batch's bounds on both tables (PostgreSQL does not carry them across the join);
        // `CROSS JOIN` keeps benefits outer on SQLite (see the batch query in payments.rs).
        let rows = sqlx::query(
            "SELECT b.id, b.version, b.household_id, h.hukou_region, b.kind, b.status, b.monthly_amount, b.one_off_amount, \
                    b.since_month, b.until_month, b.held_from, h.bank, h.bank_account_enc, p.id AS person_id, p.name, p.id_number_enc, \
                    (SELECT COUNT(*) FROM persons m WHERE m.household_id = h.id AND m.excluded IS NULL) AS members, \
                    (SELECT MIN(f.on_date) FROM feed_records f WHERE f.feed = 'deaths' AND f.person_bidx = p.id_number_bidx) AS died_on \
             FROM benefits b CROSS JOIN households h \
             LEFT JOIN persons p ON p.household_id = h.id AND p.relation = 'head' \
             WHERE h.id = b.household_id AND b.kind = $1 AND b.household_id BETWEEN $2 AND $3 AND h.id BETWEEN $2 AND $3 \
               AND h.hukou_region >= $4 AND h.hukou_region < $5 \
               AND b.since_month <= $6 AND (b.until_month IS NULL OR b.until_month >= $7) \
             ORDER BY b.household_id, b.id",
        )
        .bind(p.programme.kind().as_str())
        .bind(lo)
        .bind(hi)
        .bind(p.region.as_str())
        .bind(p.region.upper_bound())
        .bind(p.month)
        .bind(first_month)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        // What was paid before, per household.
        let lines = sqlx::query(
            "SELECT l.id, l.household_id, l.benefit_month, l.kind, l.state, l.live, l.amount, l.account_enc, l.withheld, l.receivable_id, \
                    l.block_reason, l.parts, r.id AS recovered_by \
             FROM payment_lines l LEFT JOIN payment_receivables r ON r.origin_line = l.id \
             WHERE l.programme = $1 AND l.household_id BETWEEN $2 AND $3 ORDER BY l.household_id, l.benefit_month, l.id",
        )
        .bind(p.programme.as_str())
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        let mut history: HashMap<i64, History> = HashMap::new();
        let mut counts = KeyCounts::new();
        for r in &lines {
            let household: i64 = r.try_get("household_id").map_err(backend)?;
            let id: i64 = r.try_get("id").map_err(backend)?;
            let month: NaiveDate = r.try_get("benefit_month").map_err(backend)?;
            let kind = get_enum(r, "kind", LineKind::parse)?;
            let state = get_enum(r, "state", LineState::parse)?;
            let account: Option<Vec<u8>> = r.try_get("account_enc").map_err(backend)?;
            *counts.entry((household, month, kind)).or_default() += 1;
            if !r.try_get::<bool, _>("live").map_err(backend)? {
                if state == LineState::Cancelled
                    && r.try_get::<Option<String>, _>("block_reason").map_err(backend)?.as_deref() == Some("dead")
                {
                    history.entry(household).or_default().waived.push(month);
                }
                continue;
            }
            let h = history.entry(household).or_default();
            // A re-issue covers the month it pays again (the failed line it replaces is no
            // longer live): without it the month came back as arrears and was paid twice.
            if matches!(kind, LineKind::Regular | LineKind::Arrears | LineKind::OneOff | LineKind::Reissue) {
                h.covered.push(month);
            }
            let amount = Fen(r.try_get("amount").map_err(backend)?);
            let withheld = Fen(r.try_get("withheld").map_err(backend)?);
            let parts = match r.try_get::<Option<String>, _>("parts").map_err(backend)? {
                Some(text) => parse_parts(&text).ok_or_else(|| corrupt("payment_lines.parts", &text))?,
                None => Vec::new(),
            };
            let sent = matches!(state, LineState::Exported | LineState::Paid | LineState::Failed);
            if kind == LineKind::Adjustment {
                // Its months count as paid unless the bank returned it (then they are owed again).
                if state != LineState::Failed {
                    for (m, f) in &parts {
                        h.adjusted.entry(*m).or_insert(Fen::ZERO).0 += f.0;
                    }
                }
                h.adjustments.push(AdjustmentLine {
                    id,
                    benefit_month: month,
                    failed: state == LineState::Failed,
                    account: self.decrypt_account(&account_context(id), account.clone())?,
                });
            } else if sent && matches!(kind, LineKind::Regular | LineKind::Arrears | LineKind::Reissue) {
                h.delivered.entry(month).or_insert(Fen::ZERO).0 += amount.0 + withheld.0;
            }
            match state {
                LineState::Failed if kind != LineKind::Adjustment => h.failed.push(FailedLine {
                    id,
                    benefit_month: month,
                    amount,
                    account: self.decrypt_account(&account_context(id), account.clone())?,
                    withheld,
                    receivable_id: r.try_get("receivable_id").map_err(backend)?,
                }),
                LineState::Paid => h.paid.push(PaidLine {
                    id,
                    benefit_month: month,
                    amount,
                    recovered: r.try_get::<Option<i64>, _>("recovered_by").map_err(backend)?.is_some(),
                    parts,
                }),
                _ => {}
            }
            h.newest = Some((id, account));
        }
        let mut receivables = self.open_receivables(conn, p.programme, lo, hi).await?;
        // 先行救助 paid in cash out of a town's standby fund (a one-off line for the same help would pay it twice).
        let mut advances: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
        let mut paid_in_cash: HashSet<i64> = HashSet::new();
        if p.programme == Programme::Temporary {
            let rows = sqlx::query(
                "SELECT v.household_id, v.paid_on, b.id AS benefit_id FROM standby_vouchers v \
                 LEFT JOIN benefits b ON b.case_id = v.case_id WHERE v.household_id BETWEEN $1 AND $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
            for r in &rows {
                // A voucher naming its case pays that case; one naming none may be any help.
                match r.try_get::<Option<i64>, _>("benefit_id").map_err(backend)? {
                    Some(b) => {
                        paid_in_cash.insert(b);
                    }
                    None => advances
                        .entry(r.try_get("household_id").map_err(backend)?)
                        .or_default()
                        .push(r.try_get("paid_on").map_err(backend)?),
                }
            }
        }
        // Each benefit's amounts over time, in recorded order.
        let mut amounts: HashMap<i64, Vec<AmountChange>> = HashMap::new();
        let changes = sqlx::query(
            "SELECT a.benefit_id, a.from_month, a.monthly_amount FROM benefit_amounts a JOIN benefits b ON b.id = a.benefit_id \
             WHERE b.kind = $1 AND b.household_id BETWEEN $2 AND $3 ORDER BY a.benefit_id, a.seq",
        )
        .bind(p.programme.kind().as_str())
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        for r in &changes {
            amounts.entry(r.try_get("benefit_id").map_err(backend)?).or_default().push(AmountChange {
                from_month: r.try_get("from_month").map_err(backend)?,
                amount: Fen(r.try_get("monthly_amount").map_err(backend)?),
            });
        }
        // 收款安排 (few households have one), with the carers whose months were paid.
        let mut payees: HashMap<i64, Vec<Payee>> = HashMap::new();
        for p in self.routing_payees(conn, lo, hi).await? {
            payees.entry(p.household_id).or_default().push(p);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let household_id: i64 = r.try_get("household_id").map_err(backend)?;
            let person_id: Option<i64> = r.try_get("person_id").map_err(backend)?;
            let id_blob: Option<Vec<u8>> = r.try_get("id_number_enc").map_err(backend)?;
            let payee_id_number = match (person_id, id_blob) {
                (Some(pid), Some(blob)) => decrypt_id(&self.keys, pid, &blob)?.as_str().to_string(),
                _ => String::new(),
            };
            let History { covered, waived, failed, paid, newest, delivered, adjusted, adjustments } =
                history.get(&household_id).cloned().unwrap_or_default();
            let benefit_id: i64 = r.try_get("id").map_err(backend)?;
            let previous_account = match newest {
                Some((id, blob)) => self.decrypt_account(&account_context(id), blob)?,
                None => None,
            };
            out.push(PayrollSource {
                benefit_id,
                benefit_version: r.try_get("version").map_err(backend)?,
                household_id,
                region: region(&r.try_get::<String, _>("hukou_region").map_err(backend)?)?,
                kind: get_enum(r, "kind", AssistanceKind::parse)?,
                status: get_enum(r, "status", BenefitStatus::parse)?,
                monthly_amount: Fen(r.try_get("monthly_amount").map_err(backend)?),
                one_off_amount: Fen(r.try_get("one_off_amount").map_err(backend)?),
                since_month: r.try_get("since_month").map_err(backend)?,
                until_month: r.try_get("until_month").map_err(backend)?,
                held_from: r.try_get("held_from").map_err(backend)?,
                payee_name: r.try_get::<Option<String>, _>("name").map_err(backend)?.unwrap_or_default(),
                payee_id_number,
                bank: r.try_get("bank").map_err(backend)?,
                account: self.decrypt_account(&bank_context(household_id), r.try_get("bank_account_enc").map_err(backend)?)?,
                members: r.try_get("members").map_err(backend)?,
                payee_died_on: r.try_get("died_on").map_err(backend)?,
                previous_account,
                arrears_from: first_month,
                covered_months: covered,
                waived_months: waived,
                failed,
                paid,
                receivables: receivables.remove(&household_id).unwrap_or_default(),
                advances: advances.remove(&household_id).unwrap_or_default(),
                paid_from_standby: paid_in_cash.contains(&benefit_id),
                amounts: amounts.remove(&benefit_id).unwrap_or_default(),
                delivered: delivered.into_iter().collect(),
                adjusted: adjusted.into_iter().collect(),
                adjustments,
                payees: payees.get(&household_id).cloned().unwrap_or_default(),
            });
        }
        Ok((out, counts))
    }
}
