//! PostgreSQL backend. Ids come from each table's identity sequence, so concurrent writers
//! never collide; names are stored with `COLLATE "C"` so prefix search is a byte range.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

pub type Db = sqlx::Postgres;
const BACKEND: &str = "postgres";

impl SqlStore {
    /// Connects to `url` (e.g. `postgres://postgres@127.0.0.1:5432/jiuzhu`) and applies migrations.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        SqlStore::connect_with(PgConnectOptions::from_str(url).map_err(backend)?).await
    }

    /// Connects with explicit options (tests use this to work in a schema of their own).
    pub async fn connect_with(options: PgConnectOptions) -> Result<SqlStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await.map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(SqlStore { pool })
    }
}

async fn begin_write(pool: &sqlx::Pool<Db>) -> sqlx::Result<sqlx::Transaction<'static, Db>> {
    pool.begin().await
}

async fn alloc_ids(conn: &mut sqlx::PgConnection, table: &str, n: usize) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)")
        .bind(table)
        .bind(n as i64)
        .fetch_all(conn)
        .await
}

type Conn = sqlx::PgConnection;

include!("common.rs");
