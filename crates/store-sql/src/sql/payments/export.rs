//! 报盘: a payroll's ready lines as the bank file needs them — its nine columns only, the ID
//! number and account decrypted (the one place they leave the store in clear).

use super::*;

impl SqlStore {
    pub(super) async fn ready_for_bank(&self, payroll_id: i64, ids: std::ops::Range<i64>) -> Result<Vec<BankFileLine>> {
        let rows = sqlx::query(
            "SELECT id, reference, benefit_month, kind, amount, withheld, payee_name, payee_id_enc, account_enc FROM payment_lines \
             WHERE payroll_id = $1 AND id >= $2 AND id < $3 AND state = 'ready' ORDER BY id",
        )
        .bind(payroll_id)
        .bind(ids.start)
        .bind(ids.end)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get(0).map_err(backend)?;
                let payee: Vec<u8> = r.try_get(7).map_err(backend)?;
                Ok(BankFileLine {
                    id,
                    reference: r.try_get(1).map_err(backend)?,
                    benefit_month: r.try_get(2).map_err(backend)?,
                    kind: LineKind::parse(r.try_get::<&str, _>(3).map_err(backend)?).ok_or_else(|| corrupt("payment_lines.kind", ""))?,
                    amount: Fen(r.try_get(4).map_err(backend)?),
                    withheld: Fen(r.try_get(5).map_err(backend)?),
                    payee_name: r.try_get(6).map_err(backend)?,
                    payee_id_number: self
                        .keys
                        .decrypt_text(&payee_context(id), &payee)
                        .map_err(|e| undecryptable("payment_lines.payee_id", e))?,
                    account: self.decrypt_account(&account_context(id), r.try_get(8).map_err(backend)?)?,
                })
            })
            .collect()
    }
}
