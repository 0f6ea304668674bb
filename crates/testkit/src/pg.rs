//! A fresh PostgreSQL schema for a test, in the one way every suite gets one: the server named by
//! `JIUZHU_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`), the database
//! `jiuzhu_test`, a schema `{prefix}_{pid}_{n}`. Locally an unreachable server skips the caller
//! (`None`, with a message); with `CI` set it must be there. Schemas an earlier run left with the
//! same prefix are dropped (a test cannot await in `Drop`; test binaries run one after another).

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

/// The admin connection options (database `jiuzhu_test`) and the new schema's name.
#[derive(Debug, Clone)]
pub struct PgSchema {
    pub admin: PgConnectOptions,
    pub schema: String,
}

impl PgSchema {
    /// A new, empty schema whose name starts with `prefix`; `None` locally without a server.
    pub async fn fresh(prefix: &str) -> Option<PgSchema> {
        static N: AtomicU32 = AtomicU32::new(0);
        let url = std::env::var("JIUZHU_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let server = PgConnectOptions::from_str(&url).expect("JIUZHU_TEST_PG is a PostgreSQL URL");
        let mut c = match server.connect().await {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("PostgreSQL is not reachable at {url} ({e}); PostgreSQL tests skipped locally (set JIUZHU_TEST_PG)");
                return None;
            }
            Err(e) => panic!("PostgreSQL must be reachable in CI at {url}: {e}"),
        };
        // Parallel test processes may race to create it; either way it then exists.
        let _ = sqlx::query("CREATE DATABASE jiuzhu_test").execute(&mut c).await;
        c.close().await.ok();
        let admin = server.database("jiuzhu_test");
        let mut c = admin.connect().await.expect("the test database");
        let pid = std::process::id();
        let old: Vec<String> = sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1")
            .bind(format!("{prefix}\\_%"))
            .fetch_all(&mut c)
            .await
            .unwrap_or_default();
        for name in old {
            let owner: Option<u32> = name.strip_prefix(prefix).and_then(|r| r.split('_').nth(1)).and_then(|p| p.parse().ok());
            if owner != Some(pid) {
                let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {name} CASCADE")).execute(&mut c).await;
            }
        }
        let schema = format!("{prefix}_{pid}_{}", N.fetch_add(1, Ordering::Relaxed));
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}")).execute(&mut c).await.expect("a fresh schema");
        c.close().await.ok();
        Some(PgSchema { admin, schema })
    }

    /// Connection options that work in this schema.
    pub fn options(&self) -> PgConnectOptions {
        self.admin.clone().options([("search_path", self.schema.as_str())])
    }
}
