//! SQLite backend: WAL journal, foreign keys on, `BEGIN IMMEDIATE` for every write
//! transaction (a deferred transaction that reads then writes fails at once with SQLITE_BUSY,
//! ignoring the busy timeout), synchronous=FULL (registry and payment data must survive a
//! power cut).

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub type Db = sqlx::Sqlite;
const BACKEND: &str = "sqlite";

impl SqlStore {
    /// Opens (creating if needed) the database file at `path` and applies migrations.
    pub async fn open(path: &Path) -> Result<SqlStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(backend)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await.map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(|e| StoreError::Backend(e.to_string()))?;
        // Gathers planner statistics where they are missing or stale (SQLite has no autovacuum
        // to do it); cheap when nothing changed.
        sqlx::query("PRAGMA optimize=0x10002").execute(&pool).await.map_err(backend)?;
        Ok(SqlStore { pool })
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

include!("common.rs");
