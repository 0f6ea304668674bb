//! 存量对象迁移: existing recipients taken over in one transaction, with multi-row inserts (a
//! county's list of tens of thousands goes in within seconds on both backends).

use super::households::{bump_version, insert_history};
use super::*;

/// Rows per multi-row `INSERT` (cases have 24 binds, benefits 16: under [`MAX_BINDS`]).
const CHUNK: usize = 500;

pub(super) async fn migrate(store: &SqlStore, rows: &[MigratedBenefit], event: &NewCaseEvent) -> Result<Vec<i64>> {
    let now = Utc::now();
    let mut tx = begin_write(&store.pool).await.map_err(backend)?;
    let result: Result<Vec<i64>> = async {
        let mut benefit_ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let case_ids = alloc_ids(&mut tx, "cases", chunk.len()).await.map_err(backend)?;
            let ids = alloc_ids(&mut tx, "benefits", chunk.len()).await.map_err(backend)?;
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO cases (id, intake_id, household_id, region, kind, purpose, track, state, is_open, version, applicant, \
                 opened_on, accepted_on, step_started_on, step_due, overall_due, due_role, department, contested, near_relative, \
                 extended, spot_check_required, benefit_id, details, created_at, updated_at) ",
            );
            q.push_values(chunk.iter().zip(case_ids.iter().zip(&ids)), |mut b, (r, (case_id, benefit_id))| {
                let c = &r.case;
                b.push_bind(*case_id)
                    .push_bind(*case_id)
                    .push_bind(c.household_id)
                    .push_bind(c.region.as_str().to_string())
                    .push_bind(c.kind.as_str())
                    .push_bind(c.purpose.as_str())
                    .push_bind(c.track.as_str())
                    .push_bind(c.state.as_str())
                    .push_bind(c.state.is_open())
                    .push_bind(1_i64)
                    .push_bind(c.applicant.clone())
                    .push_bind(c.opened_on)
                    .push_bind(c.accepted_on)
                    .push_bind(c.step_started_on)
                    .push_bind(c.step_due)
                    .push_bind(c.overall_due)
                    .push_bind(c.due_role.map(|r| r.as_str()))
                    .push_bind(c.department.map(|d| d.as_str()))
                    .push_bind(c.contested)
                    .push_bind(c.near_relative)
                    .push_bind(c.extended)
                    .push_bind(c.spot_check_required)
                    .push_bind(Some(*benefit_id))
                    .push_bind(details_json(&c.details))
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.map_err(backend)?;
            let events: Vec<(i64, NewCaseEvent)> =
                chunk.iter().zip(&case_ids).map(|(r, id)| (*id, NewCaseEvent { to_state: r.case.state, ..event.clone() })).collect();
            insert_event_rows(&mut tx, &events, now).await?;
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO benefits (id, version, household_id, region, kind, case_id, monthly_amount, one_off_amount, since_month, \
                 until_month, status, next_review_on, next_review_reason, review_months, job_refusals, created_at, updated_at, amount_from) ",
            );
            q.push_values(chunk.iter().zip(case_ids.iter().zip(&ids)), |mut b, (r, (case_id, id))| {
                let x = &r.benefit;
                b.push_bind(*id)
                    .push_bind(1_i64)
                    .push_bind(x.household_id)
                    .push_bind(x.region.as_str().to_string())
                    .push_bind(x.kind.as_str())
                    .push_bind(*case_id)
                    .push_bind(x.monthly_amount.0)
                    .push_bind(x.one_off_amount.0)
                    .push_bind(x.since_month)
                    .push_bind(x.until_month)
                    .push_bind(x.status.as_str())
                    .push_bind(x.next_review_on)
                    .push_bind(x.next_review_reason.as_str())
                    .push_bind(x.review_months)
                    .push_bind(x.job_refusals)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(x.amount_from);
            });
            q.build().execute(&mut *tx).await.map_err(|e| match backend(e) {
                StoreError::Conflict { .. } => StoreError::Conflict { constraint: "benefits_one_in_force".into() },
                e => e,
            })?;
            // Each benefit's amount record begins with its migrated amount (payment::amounts).
            let mut q = QueryBuilder::<Db>::new("INSERT INTO benefit_amounts (benefit_id, seq, from_month, monthly_amount, recorded_at, note) ");
            q.push_values(chunk.iter().zip(&ids), |mut b, (r, id)| {
                b.push_bind(*id).push_bind(1_i64).push_bind(r.benefit.amount_from).push_bind(r.benefit.monthly_amount.0).push_bind(now).push_bind("迁移时的金额");
            });
            q.build().execute(&mut *tx).await.map_err(backend)?;
            for r in chunk {
                if let Some(account) = &r.account {
                    set_account(store, &mut tx, r.case.household_id, account, &event.actor, now).await?;
                }
            }
            benefit_ids.extend(ids);
        }
        Ok(benefit_ids)
    }
    .await;
    finish(tx, result).await
}

/// Replaces the household's account when it differs, with its history entry (masked).
async fn set_account(
    store: &SqlStore,
    conn: &mut Conn,
    household_id: i64,
    account: &BankAccount,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = sqlx::query("SELECT bank, bank_account_enc FROM households WHERE id = $1")
        .bind(household_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    let old_bank: Option<String> = row.try_get("bank").map_err(backend)?;
    let old_no = match row.try_get::<Option<Vec<u8>>, _>("bank_account_enc").map_err(backend)? {
        Some(blob) => {
            Some(store.keys.decrypt_text(&bank_context(household_id), &blob).map_err(|e| undecryptable("households.bank_account_no", e))?)
        }
        None => None,
    };
    let mut changes = Vec::new();
    if old_bank.as_deref() != Some(account.bank.as_str()) {
        changes.push(Change {
            entity: "household".into(),
            field: "bank".into(),
            old: old_bank.unwrap_or_default(),
            new: account.bank.clone(),
        });
    }
    if old_no.as_deref() != Some(account.account_no.as_str()) {
        changes.push(Change {
            entity: "household".into(),
            field: "bank_account_no".into(),
            old: old_no.map(|n| mask::bank_account_no(&n)).unwrap_or_default(),
            new: mask::bank_account_no(&account.account_no),
        });
    }
    if changes.is_empty() {
        return Ok(());
    }
    bump_version(conn, household_id, None, now).await?;
    sqlx::query("UPDATE households SET bank = $1, bank_account_enc = $2 WHERE id = $3")
        .bind(&account.bank)
        .bind(store.keys.encrypt(&bank_context(household_id), account.account_no.as_bytes()))
        .bind(household_id)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    insert_history(conn, household_id, by, now, &changes).await
}

/// Timeline entries of many cases in one multi-row insert.
async fn insert_event_rows(conn: &mut Conn, events: &[(i64, NewCaseEvent)], at: DateTime<Utc>) -> Result<()> {
    for chunk in events.chunks(MAX_BINDS / 10) {
        let ids = alloc_ids(&mut *conn, "case_events", chunk.len()).await.map_err(backend)?;
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO case_events (id, case_id, at, account_id, actor, role, action, from_state, to_state, note) ",
        );
        q.push_values(chunk.iter().zip(ids), |mut b, ((case_id, e), id)| {
            b.push_bind(id)
                .push_bind(*case_id)
                .push_bind(at)
                .push_bind(e.actor.account_id)
                .push_bind(e.actor.username.clone())
                .push_bind(e.role.map(|r| r.as_str()))
                .push_bind(e.action.clone())
                .push_bind(e.from_state.map(|s| s.as_str()))
                .push_bind(e.to_state.as_str())
                .push_bind(e.note.clone());
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}
