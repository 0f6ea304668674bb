//! The fund ledger (资金台账): per fund, programme and year five accounts — `appropriation`
//! (the budget's source, credit), `available`, `committed` (approved payrolls), `spent` (paid
//! lines) and `recovered` (追回款 refunded, credit: money paid once and come back). Every entry is balanced; every posting is sealed with the audit key over the
//! previous posting's seal, so an edited, deleted or reordered row breaks the chain.

use super::*;
use chrono::Datelike;

/// One leg of an entry.
pub(super) struct Leg {
    pub fund: FundSource,
    pub programme: Programme,
    pub year: i32,
    pub account: &'static str,
    pub debit: Fen,
    pub credit: Fen,
}

const ACCOUNTS: [&str; 5] = ["appropriation", "available", "committed", "spent", "recovered"];

/// What a posting's seal covers, in order.
#[allow(clippy::too_many_arguments, reason = "the sealed columns, each once")]
fn seal_parts(
    prev: &[u8],
    seq: i64,
    entry_id: i64,
    at_micros: i64,
    fund: &str,
    programme: &str,
    year: i64,
    account: &str,
    debit: i64,
    credit: i64,
    payroll_id: Option<i64>,
    memo: &str,
) -> Vec<Vec<u8>> {
    vec![
        prev.to_vec(),
        seq.to_be_bytes().to_vec(),
        entry_id.to_be_bytes().to_vec(),
        at_micros.to_be_bytes().to_vec(),
        fund.as_bytes().to_vec(),
        programme.as_bytes().to_vec(),
        year.to_be_bytes().to_vec(),
        account.as_bytes().to_vec(),
        debit.to_be_bytes().to_vec(),
        credit.to_be_bytes().to_vec(),
        payroll_id.unwrap_or(-1).to_be_bytes().to_vec(),
        memo.as_bytes().to_vec(),
    ]
}

/// Fills `commitments` in their order up to `amount` (what each fund pays of it).
pub(super) fn fill(commitments: &[(FundSource, Fen)], amount: Fen) -> Vec<(FundSource, Fen)> {
    let mut left = amount.0;
    commitments
        .iter()
        .map(|(f, c)| {
            let take = left.min(c.0).max(0);
            left -= take;
            (*f, Fen(take))
        })
        .collect()
}

impl SqlStore {
    /// Appends a balanced entry, each leg sealed after the chain's last posting.
    pub(super) async fn post(&self, conn: &mut Conn, legs: &[Leg], payroll_id: Option<i64>, memo: &str) -> Result<()> {
        let debits: i64 = legs.iter().map(|l| l.debit.0).sum();
        let credits: i64 = legs.iter().map(|l| l.credit.0).sum();
        if debits != credits || legs.iter().any(|l| l.debit.0 < 0 || l.credit.0 < 0) {
            return Err(StoreError::Conflict { constraint: "ledger_balanced".into() });
        }
        if debits == 0 {
            return Ok(());
        }
        lock_ledger(&mut *conn).await.map_err(backend)?;
        let last = sqlx::query("SELECT id, entry_id, seal FROM ledger_postings ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
        let (mut seq, entry_id, mut prev) = match last {
            Some(r) => {
                let seq: i64 = r.try_get("id").map_err(backend)?;
                let entry: i64 = r.try_get("entry_id").map_err(backend)?;
                (seq, entry + 1, r.try_get::<Vec<u8>, _>("seal").map_err(backend)?)
            }
            None => (0, 1, vec![0u8; 32]),
        };
        // Microseconds: what both databases keep, so the sealed value reads back the same.
        let at = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default();
        for l in legs.iter().filter(|l| l.debit.0 != 0 || l.credit.0 != 0) {
            seq += 1;
            let parts = seal_parts(
                &prev,
                seq,
                entry_id,
                at.timestamp_micros(),
                l.fund.as_str(),
                l.programme.as_str(),
                i64::from(l.year),
                l.account,
                l.debit.0,
                l.credit.0,
                payroll_id,
                memo,
            );
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            let (key_id, seal) = self.keys.audit_seal(&refs);
            sqlx::query(
                "INSERT INTO ledger_postings (id, entry_id, at, fund, programme, year, account, debit, credit, payroll_id, memo, key_id, seal) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(seq)
            .bind(entry_id)
            .bind(at)
            .bind(l.fund.as_str())
            .bind(l.programme.as_str())
            .bind(i64::from(l.year))
            .bind(l.account)
            .bind(l.debit.0)
            .bind(l.credit.0)
            .bind(payroll_id)
            .bind(memo)
            .bind(i64::from(key_id))
            .bind(seal.to_vec())
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            prev = seal.to_vec();
        }
        Ok(())
    }

    /// Net (debit − credit) of `account` per fund, for one payroll or one programme-year.
    pub(super) async fn net_by_fund(
        &self,
        conn: &mut Conn,
        account: &str,
        payroll_id: Option<i64>,
        programme: Programme,
        year: i32,
    ) -> Result<HashMap<FundSource, i64>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT fund, CAST(COALESCE(SUM(debit - credit), 0) AS BIGINT) AS net FROM ledger_postings WHERE account = ",
        );
        q.push_bind(account.to_string())
            .push(" AND programme = ")
            .push_bind(programme.as_str())
            .push(" AND year = ")
            .push_bind(i64::from(year));
        if let Some(id) = payroll_id {
            q.push(" AND payroll_id = ").push_bind(id);
        }
        q.push(" GROUP BY fund");
        let mut out = HashMap::new();
        for r in q.build().fetch_all(&mut *conn).await.map_err(backend)? {
            out.insert(get_enum(&r, "fund", FundSource::parse)?, r.try_get::<i64, _>("net").map_err(backend)?);
        }
        Ok(out)
    }

    /// Approval: the ready lines' total drawn from the funds' available money in order; refused
    /// whole when the funds together do not have it.
    pub(super) async fn commit_funds(&self, conn: &mut Conn, payroll: &Payroll) -> Result<()> {
        let total: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payment_lines WHERE payroll_id = $1 AND state = 'ready'",
        )
        .bind(payroll.id)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        let year = payroll.month.year();
        let available = self.net_by_fund(conn, "available", None, payroll.programme.budget(), year).await?;
        let pools: Vec<(FundSource, Fen)> =
            FundSource::PAYROLL_ORDER.iter().map(|f| (*f, Fen(available.get(f).copied().unwrap_or(0)))).collect();
        if pools.iter().map(|(_, a)| a.0).sum::<i64>() < total {
            return Err(StoreError::Conflict { constraint: "fund_budget".into() });
        }
        let drawn: Vec<(FundSource, Fen)> = fill(&pools, Fen(total)).into_iter().filter(|(_, a)| a.0 > 0).collect();
        let mut legs = Vec::new();
        for (fund, amount) in &drawn {
            sqlx::query("INSERT INTO payroll_funds (payroll_id, fund, amount) VALUES ($1, $2, $3)")
                .bind(payroll.id)
                .bind(fund.as_str())
                .bind(amount.0)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            legs.push(Leg {
                fund: *fund,
                programme: payroll.programme.budget(),
                year,
                account: "committed",
                debit: *amount,
                credit: Fen::ZERO,
            });
            legs.push(Leg {
                fund: *fund,
                programme: payroll.programme.budget(),
                year,
                account: "available",
                debit: Fen::ZERO,
                credit: *amount,
            });
        }
        self.post(conn, &legs, Some(payroll.id), &format!("审批发放清册 #{}", payroll.id)).await
    }

    /// Brings the payroll's `spent` postings to its paid lines' total, drawn on its funds in
    /// the order they were committed: a payment moves committed → spent, a reversal spent →
    /// available.
    pub(super) async fn post_spending(&self, conn: &mut Conn, payroll: &Payroll) -> Result<()> {
        let paid: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payment_lines WHERE payroll_id = $1 AND state = 'paid'",
        )
        .bind(payroll.id)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        let funds = self.payroll_funds(conn, payroll.id).await?;
        let year = payroll.month.year();
        let spent = self.net_by_fund(conn, "spent", Some(payroll.id), payroll.programme.budget(), year).await?;
        let mut legs = Vec::new();
        for (fund, target) in fill(&funds, Fen(paid)) {
            let delta = target.0 - spent.get(&fund).copied().unwrap_or(0);
            let p = payroll.programme.budget();
            if delta > 0 {
                legs.push(Leg { fund, programme: p, year, account: "spent", debit: Fen(delta), credit: Fen::ZERO });
                legs.push(Leg { fund, programme: p, year, account: "committed", debit: Fen::ZERO, credit: Fen(delta) });
            } else if delta < 0 {
                legs.push(Leg { fund, programme: p, year, account: "available", debit: Fen(-delta), credit: Fen::ZERO });
                legs.push(Leg { fund, programme: p, year, account: "spent", debit: Fen::ZERO, credit: Fen(-delta) });
            }
        }
        self.post(conn, &legs, Some(payroll.id), &format!("发放清册 #{} 对账", payroll.id)).await
    }

    /// What is still committed for the payroll goes back to the funds' available money.
    pub(super) async fn release_commitment(&self, conn: &mut Conn, payroll: &Payroll, memo: &str) -> Result<()> {
        let year = payroll.month.year();
        let committed = self.net_by_fund(conn, "committed", Some(payroll.id), payroll.programme.budget(), year).await?;
        let mut legs = Vec::new();
        for fund in FundSource::PAYROLL_ORDER {
            let c = committed.get(&fund).copied().unwrap_or(0);
            if c > 0 {
                legs.push(Leg {
                    fund,
                    programme: payroll.programme.budget(),
                    year,
                    account: "available",
                    debit: Fen(c),
                    credit: Fen::ZERO,
                });
                legs.push(Leg {
                    fund,
                    programme: payroll.programme.budget(),
                    year,
                    account: "committed",
                    debit: Fen::ZERO,
                    credit: Fen(c),
                });
            }
        }
        self.post(conn, &legs, Some(payroll.id), memo).await
    }

    pub(super) async fn payroll_funds(&self, conn: &mut Conn, payroll_id: i64) -> Result<Vec<(FundSource, Fen)>> {
        let rows = sqlx::query("SELECT fund, amount FROM payroll_funds WHERE payroll_id = $1")
            .bind(payroll_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
        let mut funds: Vec<(FundSource, Fen)> = rows
            .iter()
            .map(|r| Ok((get_enum(r, "fund", FundSource::parse)?, Fen(r.try_get("amount").map_err(backend)?))))
            .collect::<Result<_>>()?;
        funds.sort_by_key(|(f, _)| FundSource::PAYROLL_ORDER.iter().position(|o| o == f));
        Ok(funds)
    }

    pub(super) async fn balances(&self, year: Option<i32>) -> Result<Vec<FundBalance>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT fund, programme, year, account, CAST(COALESCE(SUM(debit), 0) AS BIGINT) AS d, CAST(COALESCE(SUM(credit), 0) AS BIGINT) AS c \
             FROM ledger_postings",
        );
        if let Some(y) = year {
            q.push(" WHERE year = ").push_bind(i64::from(y));
        }
        q.push(" GROUP BY fund, programme, year, account ORDER BY year, programme, fund");
        let mut out: Vec<FundBalance> = Vec::new();
        for r in q.build().fetch_all(&self.pool).await.map_err(backend)? {
            let fund = get_enum(&r, "fund", FundSource::parse)?;
            let programme = get_enum(&r, "programme", Programme::parse)?;
            let year = i32::try_from(r.try_get::<i64, _>("year").map_err(backend)?).map_err(|_| corrupt("ledger_postings.year", ""))?;
            let (d, c): (i64, i64) = (r.try_get("d").map_err(backend)?, r.try_get("c").map_err(backend)?);
            let i = match out.iter().position(|b| b.fund == fund && b.programme == programme && b.year == year) {
                Some(i) => i,
                None => {
                    let zero = Fen::ZERO;
                    out.push(FundBalance {
                        fund,
                        programme,
                        year,
                        budget: zero,
                        committed: zero,
                        spent: zero,
                        recovered: zero,
                        available: zero,
                    });
                    out.len() - 1
                }
            };
            let b = &mut out[i];
            match r.try_get::<String, _>("account").map_err(backend)?.as_str() {
                "appropriation" => b.budget = Fen(c - d),
                "available" => b.available = Fen(d - c),
                "committed" => b.committed = Fen(d - c),
                "spent" => b.spent = Fen(d - c),
                "recovered" => b.recovered = Fen(c - d),
                other => return Err(corrupt("ledger_postings.account", other)),
            }
        }
        Ok(out)
    }

    pub(super) async fn postings(&self, payroll_id: Option<i64>, after_seq: i64, limit: i64) -> Result<Vec<Posting>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT id, entry_id, at, fund, programme, year, account, debit, credit, payroll_id, memo FROM ledger_postings WHERE id > ",
        );
        q.push_bind(after_seq);
        if let Some(id) = payroll_id {
            q.push(" AND payroll_id = ").push_bind(id);
        }
        q.push(" ORDER BY id LIMIT ").push_bind(limit);
        q.build()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(|r| {
                Ok(Posting {
                    seq: r.try_get("id").map_err(backend)?,
                    entry_id: r.try_get("entry_id").map_err(backend)?,
                    at: r.try_get("at").map_err(backend)?,
                    fund: get_enum(r, "fund", FundSource::parse)?,
                    programme: get_enum(r, "programme", Programme::parse)?,
                    year: i32::try_from(r.try_get::<i64, _>("year").map_err(backend)?).map_err(|_| corrupt("ledger_postings.year", ""))?,
                    account: r.try_get("account").map_err(backend)?,
                    debit: Fen(r.try_get("debit").map_err(backend)?),
                    credit: Fen(r.try_get("credit").map_err(backend)?),
                    payroll_id: r.try_get("payroll_id").map_err(backend)?,
                    memo: r.try_get("memo").map_err(backend)?,
                })
            })
            .collect()
    }

    /// `ledger verify`: the chain, the entries, the accounts, the reconciled payrolls.
    pub(super) async fn verify_postings(&self) -> Result<LedgerCheck> {
        let mut check = LedgerCheck { postings: 0, entries: 0, problem: None };
        let mut prev = vec![0u8; 32];
        let mut expected_seq = 1i64;
        let mut entry: Option<(i64, i64, i64)> = None; // (id, debits, credits)
        let mut after = 0i64;
        'walk: loop {
            let rows = sqlx::query(
                "SELECT id, entry_id, at, fund, programme, year, account, debit, credit, payroll_id, memo, key_id, seal FROM ledger_postings \
                 WHERE id > $1 ORDER BY id LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let seq: i64 = r.try_get("id").map_err(backend)?;
                let entry_id: i64 = r.try_get("entry_id").map_err(backend)?;
                let at: DateTime<Utc> = r.try_get("at").map_err(backend)?;
                let (fund, programme, account, memo): (String, String, String, String) = (
                    r.try_get("fund").map_err(backend)?,
                    r.try_get("programme").map_err(backend)?,
                    r.try_get("account").map_err(backend)?,
                    r.try_get("memo").map_err(backend)?,
                );
                let (year, debit, credit): (i64, i64, i64) =
                    (r.try_get("year").map_err(backend)?, r.try_get("debit").map_err(backend)?, r.try_get("credit").map_err(backend)?);
                let payroll_id: Option<i64> = r.try_get("payroll_id").map_err(backend)?;
                let key_id: i64 = r.try_get("key_id").map_err(backend)?;
                let seal: Vec<u8> = r.try_get("seal").map_err(backend)?;
                after = seq;
                if seq != expected_seq {
                    check.problem =
                        Some(format!("ledger posting {expected_seq} is missing (the next is {seq}): a posting was deleted or renumbered"));
                    break 'walk;
                }
                let parts = seal_parts(
                    &prev,
                    seq,
                    entry_id,
                    at.timestamp_micros(),
                    &fund,
                    &programme,
                    year,
                    &account,
                    debit,
                    credit,
                    payroll_id,
                    &memo,
                );
                let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                let mac = u8::try_from(key_id).ok().and_then(|k| self.keys.audit_mac(k, &refs));
                if mac.is_none_or(|m| m.as_slice() != seal.as_slice()) {
                    check.problem = Some(format!("ledger posting {seq} does not match its seal: it was edited, moved or reordered"));
                    break 'walk;
                }
                if !ACCOUNTS.contains(&account.as_str()) || FundSource::parse(&fund).is_none() || Programme::parse(&programme).is_none() {
                    check.problem = Some(format!("ledger posting {seq} names an unknown account, fund or programme"));
                    break 'walk;
                }
                match entry {
                    Some((id, d, c)) if id == entry_id => entry = Some((id, d + debit, c + credit)),
                    Some((id, d, c)) => {
                        if d != c {
                            check.problem = Some(format!("ledger entry {id} is not balanced: debits {} ≠ credits {}", Fen(d), Fen(c)));
                            break 'walk;
                        }
                        check.entries += 1;
                        entry = Some((entry_id, debit, credit));
                    }
                    None => entry = Some((entry_id, debit, credit)),
                }
                prev = seal;
                expected_seq += 1;
                check.postings += 1;
            }
        }
        if check.problem.is_none()
            && let Some((id, d, c)) = entry
        {
            if d != c {
                check.problem = Some(format!("ledger entry {id} is not balanced: debits {} ≠ credits {}", Fen(d), Fen(c)));
            } else {
                check.entries += 1;
            }
        }
        if check.problem.is_none() {
            check.problem = self.verify_balances().await?;
        }
        if check.problem.is_none() {
            check.problem = self.verify_standby().await?;
        }
        Ok(check)
    }

    /// No account below zero; every reconciled payroll's spending equals its paid lines and
    /// nothing of it is still committed.
    async fn verify_balances(&self) -> Result<Option<String>> {
        for b in self.balances(None).await? {
            let holds = b.available.0 + b.committed.0 + b.spent.0 == b.budget.0 + b.recovered.0;
            if b.available.0 < 0 || b.committed.0 < 0 || b.spent.0 < 0 || b.recovered.0 < 0 || !holds {
                return Ok(Some(format!(
                    "fund {} {} {}: budget {} + recovered {} ≠ available {} + committed {} + spent {}",
                    b.fund, b.programme, b.year, b.budget, b.recovered, b.available, b.committed, b.spent
                )));
            }
        }
        let rows = sqlx::query(
            "SELECT p.id, \
               (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payment_lines l WHERE l.payroll_id = p.id AND l.state = 'paid') AS paid, \
               (SELECT CAST(COALESCE(SUM(debit - credit), 0) AS BIGINT) FROM ledger_postings g WHERE g.payroll_id = p.id AND g.account = 'spent') AS spent, \
               (SELECT CAST(COALESCE(SUM(debit - credit), 0) AS BIGINT) FROM ledger_postings g WHERE g.payroll_id = p.id AND g.account = 'committed') AS committed \
             FROM payrolls p WHERE p.state IN ('reconciled', 'closed') ORDER BY p.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        for r in rows {
            let (id, paid, spent, committed): (i64, i64, i64, i64) = (
                r.try_get("id").map_err(backend)?,
                r.try_get("paid").map_err(backend)?,
                r.try_get("spent").map_err(backend)?,
                r.try_get("committed").map_err(backend)?,
            );
            if paid != spent {
                return Ok(Some(format!("payroll #{id}: paid lines {} ≠ spending posted {}", Fen(paid), Fen(spent))));
            }
            if committed != 0 {
                return Ok(Some(format!("payroll #{id} is reconciled but {} is still committed", Fen(committed))));
            }
        }
        Ok(None)
    }
}
