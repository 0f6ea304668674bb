//! The SQL both backends share, compiled once for each: `sqlite.rs` and `postgres.rs` each define
//! `SqlStore`, `Db`, `Conn`, `BACKEND`, `begin_write`, `alloc_ids`, the `lock_*` functions and
//! `column_exists`, then declare this module. The SQL here must run unchanged on both (numbered
//! `$n` placeholders, `ON CONFLICT`, `substr`). One file per storage trait; this one holds what
//! they all use: error mapping, enum columns, transactions, identifier encryption contexts.

mod accounts;
mod alerts;
mod assessments;
mod audit;
mod bookings;
mod calendar;
mod cases;
mod complaints;
mod exports;
mod feeds;
mod households;
mod identifiers;
mod maintenance;
mod members;
mod online;
mod payments;
mod questions;
mod ratings;
mod recipients;
mod regions;

pub(super) use identifiers::{check_keys, upgrade_identifiers};

use super::{
    BACKEND, Conn, Db, SqlStore, alloc_ids, begin_write, column_exists, lock_account, lock_audit_chain, lock_booking_slot,
    lock_care_months, lock_ledger, lock_temporary_payments, refresh_statistics,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_crypto::Keyring;
use jiuzhu_domain::casework::*;
use jiuzhu_domain::*;
use jiuzhu_store::*;
use sqlx::{QueryBuilder, Row};
use std::sync::Arc;

/// Where an encrypted value lives, bound into its ciphertext (moved elsewhere, it fails to decrypt).
/// The contexts are the registry's (`crate::columns`), which rotation and the key check read.
fn id_context(person_id: i64) -> String {
    crate::columns::PERSON_ID_NUMBER.context(person_id)
}

fn certificate_context(person_id: i64) -> String {
    crate::columns::PERSON_DISABILITY_CERTIFICATE.context(person_id)
}

fn bank_context(household_id: i64) -> String {
    crate::columns::HOUSEHOLD_BANK_ACCOUNT.context(household_id)
}

/// The blind index's domain for ID numbers.
const ID_INDEX: &str = crate::columns::ID_INDEX;

fn undecryptable(what: &str, e: jiuzhu_crypto::CryptoError) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), source: Some(Box::new(e)) }
}

fn decrypt_id(keys: &Keyring, person_id: i64, blob: &[u8]) -> Result<IdNumber> {
    let text = keys.decrypt_text(&id_context(person_id), blob).map_err(|e| undecryptable("persons.id_number", e))?;
    IdNumber::parse(&text, NaiveDate::MAX).map_err(|_| corrupt("id_number", "(masked)"))
}

/// Pushes `column IN (index under each key)`: during a key rotation a person's row carries the
/// old or the new index.
fn push_id_index_match(q: &mut QueryBuilder<'_, Db>, keys: &Keyring, id_number: &str) {
    q.push("id_number_bidx IN (");
    let mut sep = q.separated(", ");
    for index in keys.blind_indexes(ID_INDEX, id_number.as_bytes()) {
        sep.push_bind(index);
    }
    sep.push_unseparated(")");
}

/// Pushes `column IN (index of value under each key)`, as [`push_id_index_match`] does for
/// persons: during a key rotation a row carries the old or the new index.
fn push_index_match(q: &mut QueryBuilder<'_, Db>, keys: &Keyring, column: &str, domain: &str, value: &str) {
    q.push(column).push(" IN (");
    let mut sep = q.separated(", ");
    for index in keys.blind_indexes(domain, value.as_bytes()) {
        sep.push_bind(index);
    }
    sep.push_unseparated(")");
}

/// A list of ids as a text column stores it (`online_applications.case_ids`,
/// `complaints.excluded_accounts`): separated by commas, in order, empty for none.
fn parse_ids(what: &str, s: &str) -> Result<Vec<i64>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',').map(|x| x.parse().map_err(|_| corrupt(what, s))).collect()
}

/// The text [`parse_ids`] reads back.
fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Bind parameters per statement we stay under (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_BINDS: usize = 30_000;

/// The database's error as the caller can act on it: a unique violation names its constraint, an
/// unreachable or exhausted pool is `Unavailable`, anything else keeps sqlx's error as its cause.
pub(super) fn backend(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error()
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        // PostgreSQL names the index; SQLite says "UNIQUE constraint failed: persons.id_number".
        let constraint = db.constraint().map(str::to_string).unwrap_or_else(|| {
            db.message().rsplit(": ").next().unwrap_or("unique").split(',').next().unwrap_or("unique").trim().replace('.', "_")
        });
        // The blind index keeps the constraint the plaintext column had.
        let constraint = if constraint == "persons_id_number_bidx" { "persons_id_number".to_string() } else { constraint };
        return StoreError::Conflict { constraint };
    }
    // A full disk (SQLite SQLITE_FULL = 13, its I/O errors 10 and extended codes; PostgreSQL
    // 53100 disk_full, 53200 out_of_memory, 58030 io_error) is the storage's trouble, not the request's.
    if let Some(code) = e.as_database_error().and_then(|db| db.code())
        && (matches!(code.as_ref(), "13" | "53100" | "53200" | "58030")
            || (BACKEND == "sqlite" && code.parse::<i32>().is_ok_and(|c| c & 0xff == 10)))
    {
        return StoreError::Unavailable(Box::new(e));
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(Box::new(e)),
        e => StoreError::Backend(Box::new(e)),
    }
}

#[allow(clippy::expect_used, reason = "case details are plain data with text keys: they always serialise")]
fn details_json(d: &CaseDetails) -> String {
    serde_json::to_string(d).expect("case details serialise")
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt { what: format!("{what}: {value:?}"), source: None }
}

fn parse_enum<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| corrupt(what, s))
}

fn region(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s).map_err(|_| corrupt("region", s))
}

/// Whether an idle pooled connection may be handed out: not left inside a transaction. After a
/// failed COMMIT (SQLITE_FULL on a full disk) sqlx kept the connection's transaction depth at 1,
/// and every later `BEGIN` on it failed ("begin_with at non-zero transaction depth") until the
/// server was restarted; such a connection is now closed and replaced.
pub(super) async fn usable(conn: &mut Conn) -> sqlx::Result<bool> {
    use sqlx::Connection;
    // The round trip runs after any rollback the connection still has queued.
    conn.ping().await?;
    Ok(<<Db as sqlx::Database>::TransactionManager as sqlx::TransactionManager>::get_transaction_depth(conn) == 0)
}

/// Ends a transaction explicitly: commit on success, roll back on error. A transaction that
/// is merely dropped is rolled back lazily by sqlx, and meanwhile its pooled connection sits
/// idle in transaction holding locks (on PostgreSQL this blocked DDL and vacuum).
///
/// Inside a request ([`current_audit_intent`]) a committed change carries the request's
/// pending audit entries in the same transaction: no change without its entries.
async fn finish<T>(mut tx: sqlx::Transaction<'static, Db>, result: Result<T>) -> Result<T> {
    let Some(intent) = current_audit_intent() else { return finish_unaudited(tx, result).await };
    let result = match result {
        Ok(v) => audit::store_pending(&mut tx, intent.as_ref(), Utc::now()).await.map(|()| v),
        Err(e) => Err(e),
    };
    let committed = finish_unaudited(tx, result).await;
    match &committed {
        Ok(_) => intent.committed(),
        Err(_) => intent.rolled_back(),
    }
    committed
}

/// [`finish`] without pending audit entries: for reads and the audit trail's own transactions.
async fn finish_unaudited<T>(tx: sqlx::Transaction<'static, Db>, result: Result<T>) -> Result<T> {
    match result {
        Ok(v) => {
            tx.commit().await.map_err(backend)?;
            Ok(v)
        }
        Err(e) => {
            tx.rollback().await.ok();
            Err(e)
        }
    }
}

fn opt_enum<T>(r: &<Db as sqlx::Database>::Row, col: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
    match r.try_get::<Option<String>, _>(col).map_err(backend)? {
        Some(s) => Ok(Some(parse_enum(col, &s, parse)?)),
        None => Ok(None),
    }
}

fn get_enum<T>(r: &<Db as sqlx::Database>::Row, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = r.try_get(col).map_err(backend)?;
    parse_enum(col, &s, parse)
}
