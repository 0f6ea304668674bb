//! 收款安排 (see `PaymentStore::set_payee`): a household's institution, guardian or carer account.
//! The code and the account are encrypted, each bound to its row; a change is written in the
//! household's history (account masked) in the same transaction. A carer's months are checked
//! against the months already generated under a lock that generation takes too.

use super::super::households::{bump_version, insert_history};
use super::*;

const PAYEE_COLUMNS: &str =
    "id, household_id, role, name, code_enc, bank, account_enc, basis, recorded_by, recorded_on, care_amount, care_from, care_until";

fn code_context(id: i64) -> String {
    crate::columns::PAYEE_CODE.context(id)
}

fn payee_account_context(id: i64) -> String {
    crate::columns::PAYEE_ACCOUNT.context(id)
}

impl SqlStore {
    fn read_payee(&self, r: &<Db as sqlx::Database>::Row) -> Result<Payee> {
        let id: i64 = r.try_get("id").map_err(backend)?;
        let code: Vec<u8> = r.try_get("code_enc").map_err(backend)?;
        let account: Vec<u8> = r.try_get("account_enc").map_err(backend)?;
        let details = PayeeDetails {
            role: get_enum(r, "role", PayeeRole::parse)?,
            name: r.try_get("name").map_err(backend)?,
            code: self.keys.decrypt_text(&code_context(id), &code).map_err(|e| undecryptable("payees.code", e))?,
            bank: r.try_get("bank").map_err(backend)?,
            account_no: self.keys.decrypt_text(&payee_account_context(id), &account).map_err(|e| undecryptable("payees.account", e))?,
            basis: r.try_get("basis").map_err(backend)?,
            care: match (r.try_get::<Option<i64>, _>("care_amount").map_err(backend)?, r.try_get("care_from").map_err(backend)?) {
                (Some(fen), Some(from_month)) => Some(CareTerms { monthly: Fen(fen), from_month }),
                _ => None,
            },
        };
        Ok(Payee {
            id,
            household_id: r.try_get("household_id").map_err(backend)?,
            details,
            recorded_by: r.try_get("recorded_by").map_err(backend)?,
            recorded_on: r.try_get("recorded_on").map_err(backend)?,
            care_until: r.try_get("care_until").map_err(backend)?,
        })
    }

    /// The live arrangements of households `lo..=hi`, by household then id.
    pub(super) async fn live_payees(&self, conn: &mut Conn, lo: i64, hi: i64) -> Result<Vec<Payee>> {
        self.payees_where(conn, lo, hi, "ended_at IS NULL").await
    }

    /// What generation routes by: the live arrangements, and the ended carers whose months were
    /// paid (a month of theirs owed late is still theirs).
    pub(super) async fn routing_payees(&self, conn: &mut Conn, lo: i64, hi: i64) -> Result<Vec<Payee>> {
        self.payees_where(conn, lo, hi, "(ended_at IS NULL OR (role = 'carer' AND care_until >= care_from))").await
    }

    async fn payees_where(&self, conn: &mut Conn, lo: i64, hi: i64, filter: &str) -> Result<Vec<Payee>> {
        sqlx::query(&format!(
            "SELECT {PAYEE_COLUMNS} FROM payees WHERE household_id BETWEEN $1 AND $2 AND {filter} ORDER BY household_id, id"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?
        .iter()
        .map(|r| self.read_payee(r))
        .collect()
    }

    /// The first month of 特困 not yet in a live payroll of the household's county: a carer's
    /// months start there at the earliest and end just before it (a generated month stays as
    /// frozen). Under the lock generation takes, so no generation is half-way meanwhile.
    async fn first_open_month(&self, conn: &mut Conn, household_id: i64) -> Result<Option<NaiveDate>> {
        lock_care_months(&mut *conn).await.map_err(backend)?;
        let latest: Option<NaiveDate> = sqlx::query_scalar(
            "SELECT MAX(y.month) FROM payrolls y JOIN households h ON y.region = substr(h.hukou_region, 1, 6) \
             WHERE h.id = $1 AND y.programme IN ('tekun', 'care') AND y.state NOT IN ('rejected', 'cancelled')",
        )
        .bind(household_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        Ok(latest.and_then(|m| m.checked_add_months(chrono::Months::new(1))))
    }

    pub(super) async fn record_payee(&self, household_id: i64, p: &PayeeDetails, by: &Actor, on: NaiveDate) -> Result<Payee> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Payee> = async {
            let now = Utc::now();
            let care_from = p.care.map(|c| c.from_month);
            if let Some(from) = care_from
                && self.first_open_month(&mut tx, household_id).await?.is_some_and(|open| from < open)
            {
                return Err(StoreError::Conflict { constraint: "payees_care_from".into() });
            }
            bump_version(&mut tx, household_id, None, now).await?;
            let old = self.live_payees(&mut tx, household_id, household_id).await?.into_iter().find(|o| o.details.role == p.role);
            if let Some(o) = &old {
                // The carer replaced keeps the months before the new one's first.
                end_row(&mut tx, o.id, by, now, care_from.map(previous_month)).await?;
            }
            let id = alloc_ids(&mut tx, "payees", 1).await.map_err(backend)?[0];
            sqlx::query(&format!(
                "INSERT INTO payees ({PAYEE_COLUMNS}, recorded_by_id, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14)"
            ))
            .bind(id)
            .bind(household_id)
            .bind(p.role.as_str())
            .bind(&p.name)
            .bind(self.keys.encrypt(&code_context(id), p.code.as_bytes()))
            .bind(&p.bank)
            .bind(self.keys.encrypt(&payee_account_context(id), p.account_no.as_bytes()))
            .bind(&p.basis)
            .bind(&by.username)
            .bind(on)
            .bind(p.care.map(|c| c.monthly.0))
            .bind(care_from)
            .bind(by.account_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let change = Change {
                entity: "household".into(),
                field: format!("payee.{}", p.role.as_str()),
                old: old.map(|o| shown(&o.details)).unwrap_or_default(),
                new: shown(p),
            };
            insert_history(&mut tx, household_id, by, now, &[change]).await?;
            Ok(Payee { id, household_id, details: p.clone(), recorded_by: by.username.clone(), recorded_on: on, care_until: None })
        }
        .await;
        finish(tx, result).await
    }

    pub(super) async fn close_payee(&self, household_id: i64, payee_id: i64, by: &Actor) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            let now = Utc::now();
            let live = self.live_payees(&mut tx, household_id, household_id).await?;
            let Some(p) = live.iter().find(|p| p.id == payee_id) else { return Err(StoreError::NotFound) };
            // A carer keeps the months already generated; the rest go back to the person.
            let until = match p.details.care {
                Some(c) => {
                    let open = self.first_open_month(&mut tx, household_id).await?.unwrap_or(c.from_month);
                    Some(previous_month(open.max(c.from_month)))
                }
                None => None,
            };
            bump_version(&mut tx, household_id, None, now).await?;
            end_row(&mut tx, p.id, by, now, until).await?;
            let change = Change {
                entity: "household".into(),
                field: format!("payee.{}", p.details.role.as_str()),
                old: shown(&p.details),
                new: String::new(),
            };
            insert_history(&mut tx, household_id, by, now, &[change]).await
        }
        .await;
        finish(tx, result).await
    }
}

/// An arrangement as the household's history shows it: code and account masked, a carer's terms.
fn shown(p: &PayeeDetails) -> String {
    let terms = p.care.map(|c| format!("，照料护理费 {} 元/月，自 {} 起", c.monthly, month_label(c.from_month))).unwrap_or_default();
    format!("{}（{}）{} {}{terms}", p.name, mask::id_number(&p.code), p.bank, mask::bank_account_no(&p.account_no))
}

fn previous_month(m: NaiveDate) -> NaiveDate {
    m.checked_sub_months(chrono::Months::new(1)).unwrap_or(m)
}

async fn end_row(conn: &mut Conn, id: i64, by: &Actor, now: DateTime<Utc>, care_until: Option<NaiveDate>) -> Result<()> {
    sqlx::query("UPDATE payees SET ended_by = $1, ended_at = $2, care_until = $3 WHERE id = $4 AND ended_at IS NULL")
        .bind(&by.username)
        .bind(now)
        .bind(care_until)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    Ok(())
}
