//! PostgreSQL backend. Ids come from each table's identity sequence, so concurrent writers
//! never collide; names are stored with `COLLATE "C"` so prefix search is a byte range.

use jiuzhu_crypto::Keyring;
use jiuzhu_store::{Result, StoreError};
use sql::{backend, check_keys, upgrade_identifiers};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;

pub type Db = sqlx::Postgres;
const BACKEND: &str = "postgres";

impl SqlStore {
    /// Connects to `url` (e.g. `postgres://postgres@127.0.0.1:5432/jiuzhu`) and applies migrations.
    /// `keys` encrypt identifiers at rest; they never go into the database.
    pub async fn connect(url: &str, keys: Arc<Keyring>) -> Result<SqlStore> {
        SqlStore::connect_with(PgConnectOptions::from_str(url).map_err(backend)?, keys).await
    }

    /// Connects with explicit options (tests use this to work in a schema of their own).
    pub async fn connect_with(options: PgConnectOptions, keys: Arc<Keyring>) -> Result<SqlStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            // The hook pings and drops a connection left in a transaction (see `sql::usable`).
            .test_before_acquire(false)
            .before_acquire(|conn, _| Box::pin(sql::usable(conn)))
            .connect_with(options)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await.map_err(|e| StoreError::Backend(Box::new(e)))?;
        if upgrade_identifiers(&pool, &keys).await? > 0 {
            // Dropped columns and updated rows leave the old tuples in the table files until
            // they are rewritten.
            sqlx::query("VACUUM FULL persons").execute(&pool).await.map_err(backend)?;
            sqlx::query("VACUUM FULL households").execute(&pool).await.map_err(backend)?;
        }
        check_keys(&pool, &keys).await?;
        Ok(SqlStore { pool, keys })
    }
}

async fn begin_write(pool: &sqlx::Pool<Db>) -> sqlx::Result<sqlx::Transaction<'static, Db>> {
    pool.begin().await
}

async fn alloc_ids(conn: &mut sqlx::PgConnection, table: &str, n: usize) -> sqlx::Result<Vec<i64>> {
    // The sequence is looked up once: `pg_get_serial_sequence` per row cost 4 µs of each id
    // (a tenth of the rest of a payroll's insert); a subquery is pulled up, a materialised one is not.
    sqlx::query_scalar(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) \
         SELECT nextval(s.seq) FROM s CROSS JOIN generate_series(1, $2)",
    )
    .bind(table)
    .bind(n as i64)
    .fetch_all(conn)
    .await
}

type Conn = sqlx::PgConnection;

/// Serialises appends to the audit chain across connections and processes (released at commit).
async fn lock_audit_chain(conn: &mut Conn) -> sqlx::Result<()> {
    // An arbitrary constant naming "the audit chain" among advisory locks.
    sqlx::query("SELECT pg_advisory_xact_lock(7431000001)").execute(conn).await?;
    Ok(())
}

/// Serialises appends to the fund ledger's chain (released at commit).
async fn lock_ledger(conn: &mut Conn) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7431000002)").execute(conn).await?;
    Ok(())
}

/// Serialises a 临时救助 payroll's generation with standby vouchers naming a case: each checks the
/// other's rows, which a concurrent transaction would not see yet.
async fn lock_temporary_payments(conn: &mut Conn) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7431000003)").execute(conn).await?;
    Ok(())
}

/// Serialises a 特困 or 照料护理费 payroll's generation with a carer's arrangement being recorded or
/// ended: the arrangement's months are checked against the months generated, which a concurrent
/// generation would not show yet.
async fn lock_care_months(conn: &mut Conn) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7431000004)").execute(conn).await?;
    Ok(())
}

/// Serialises bookings of one town's half day (`slot` names the region, the day and the half day)
/// until commit: each counts the places taken before it stores its own, which a concurrent
/// booking's row would not show yet. The first key (an arbitrary constant) names bookings among
/// the two-key advisory locks; the second is the half day's hash (a collision only serialises two
/// half days that need not be).
async fn lock_booking_slot(conn: &mut Conn, slot: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(743100, hashtext($1))").bind(slot).execute(conn).await?;
    Ok(())
}

/// After a payroll's lines were written in bulk: PostgreSQL's planner, on statistics from before
/// them, read the rest of the payroll for every batch of the bank file (a bitmap scan and a sort
/// where the index gives the order: 0.5 s a batch at 1,000,000 lines, 5 ms with fresh statistics).
/// Autovacuum would catch up only later. Samples a fixed number of rows: well under a second.
async fn refresh_statistics(pool: &sqlx::Pool<Db>, table: &str) -> sqlx::Result<()> {
    sqlx::query(&format!("ANALYZE {table}")).execute(pool).await?;
    Ok(())
}

/// Serialises one account's counted requests (exports per day): the account's row, locked to
/// the end of the transaction.
async fn lock_account(conn: &mut Conn, account_id: i64) -> sqlx::Result<()> {
    sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE").bind(account_id).execute(conn).await?;
    Ok(())
}

async fn column_exists(pool: &sqlx::Pool<Db>, table: &str, column: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
    )
    .bind(table)
    .bind(column)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// The store on one database pool, with the keys that encrypt identifiers at rest.
#[derive(Clone)]
pub struct SqlStore {
    pool: sqlx::Pool<Db>,
    keys: Arc<Keyring>,
}

// The same SQL is compiled for each backend, against this module's `Db` (see sql/mod.rs).
#[allow(clippy::duplicate_mod, reason = "the shared SQL is compiled once per backend on purpose")]
#[path = "sql/mod.rs"]
mod sql;
