//! SQLite backend: WAL journal, foreign keys on, `BEGIN IMMEDIATE` for every write
//! transaction (a deferred transaction that reads then writes fails at once with SQLITE_BUSY,
//! ignoring the busy timeout), synchronous=FULL (registry and payment data must survive a
//! power cut), secure_delete on (deleted personal data is overwritten, not left in free pages).

use jiuzhu_crypto::Keyring;
use jiuzhu_store::{Result, StoreError};
use sql::{backend, check_keys, upgrade_identifiers};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub type Db = sqlx::Sqlite;
/// Rows buffered between SQLite's worker thread and the caller per query (at most a few MB).
const ROW_BUFFER: usize = 4_096;
const BACKEND: &str = "sqlite";

impl SqlStore {
    /// Opens (creating if needed) the database file at `path` and applies migrations. `keys`
    /// encrypt identifiers at rest; they never go into the database.
    pub async fn open(path: &Path, keys: Arc<Keyring>) -> Result<SqlStore> {
        create_private(path).map_err(|e| StoreError::Backend(Box::new(e)))?;
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(backend)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Rows cross from SQLite's worker thread to the caller through a channel: with room
            // for 50 (the default) the two threads hand over every few rows, and a bank file's
            // read of 1,000,000 lines spent its time switching threads.
            .row_buffer_size(ROW_BUFFER)
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // The hook pings (after any queued rollback) and drops a connection left in a transaction.
            .test_before_acquire(false)
            .before_acquire(|conn, _| Box::pin(sql::usable(conn)))
            .connect_with(opts)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(|e| StoreError::Backend(Box::new(e)))?;
        if upgrade_identifiers(&pool, &keys).await? > 0 {
            // Rewrite the file and empty the WAL: pages that held the plaintext are gone.
            sqlx::query("VACUUM").execute(&pool).await.map_err(backend)?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.map_err(backend)?;
        }
        check_keys(&pool, &keys).await?;
        // Gathers planner statistics where they are missing or stale (SQLite has no autovacuum
        // to do it); cheap when nothing changed.
        sqlx::query("PRAGMA optimize=0x10002").execute(&pool).await.map_err(backend)?;
        Ok(SqlStore { pool, keys })
    }
}

/// Creates the database file readable by its owner only (0600) before SQLite opens it: it holds
/// personal data (encrypted identifiers, names, incomes). SQLite gives its journal files the same
/// mode. An existing file is left as it is.
fn create_private(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it a moment ago.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

async fn begin_write(pool: &sqlx::Pool<Db>) -> sqlx::Result<sqlx::Transaction<'static, Db>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Ids for `n` new rows. Safe because the caller holds SQLite's single write lock.
async fn alloc_ids(conn: &mut sqlx::SqliteConnection, table: &str, n: usize) -> sqlx::Result<Vec<i64>> {
    let max: i64 = sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}")).fetch_one(conn).await?;
    Ok((max + 1..=max + n as i64).collect())
}

type Conn = sqlx::SqliteConnection;

/// One account's counted requests are already serial: `BEGIN IMMEDIATE` holds the write lock.
async fn lock_account(_conn: &mut Conn, _account_id: i64) -> sqlx::Result<()> {
    Ok(())
}

/// Appends to the audit chain are already serial: `BEGIN IMMEDIATE` holds SQLite's one write lock.
async fn lock_audit_chain(_conn: &mut Conn) -> sqlx::Result<()> {
    Ok(())
}

/// 临时救助 generation and vouchers naming a case: `BEGIN IMMEDIATE` already serialises them.
async fn lock_temporary_payments(_conn: &mut Conn) -> sqlx::Result<()> {
    Ok(())
}

/// A carer's months against generation: `BEGIN IMMEDIATE` already holds the write lock.
async fn lock_care_months(_conn: &mut Conn) -> sqlx::Result<()> {
    Ok(())
}

/// SQLite's planner takes the payroll's index without statistics (and its ANALYZE reads every row).
async fn refresh_statistics(_pool: &sqlx::Pool<Db>, _table: &str) -> sqlx::Result<()> {
    Ok(())
}

/// The fund ledger's chain: `BEGIN IMMEDIATE` already holds the write lock.
async fn lock_ledger(_conn: &mut Conn) -> sqlx::Result<()> {
    Ok(())
}

/// A town's half day being booked: `BEGIN IMMEDIATE` already holds the write lock, so the places
/// counted stay counted until the booking is stored.
async fn lock_booking_slot(_conn: &mut Conn, _slot: &str) -> sqlx::Result<()> {
    Ok(())
}

async fn column_exists(pool: &sqlx::Pool<Db>, table: &str, column: &str) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2").bind(table).bind(column).fetch_one(pool).await?;
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
