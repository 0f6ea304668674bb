//! SQL backends for the jiuzhu store: SQLite (embedded, the default for a county on one
//! machine) and PostgreSQL (production, a province).
//!
//! Both backends share one implementation (`sql/`, one file per storage trait, compiled once per
//! backend as a module of `sqlite.rs` and of `postgres.rs` with that backend's `Db` type), because
//! the SQL is portable and two copies would drift. What differs — connecting, opening a write
//! transaction, allocating ids, migrations — lives in `sqlite.rs` and `postgres.rs`. Each backend
//! has its own migrations folder.

pub mod columns;
pub mod postgres;
pub mod sqlite;

use jiuzhu_crypto::Keyring;
use jiuzhu_store::{Store, StoreError};
use std::sync::Arc;

/// Opens the store a URL names: `sqlite://PATH` (created if missing) or `postgres://…`,
/// applying pending migrations. `keys` encrypt identifiers at rest.
pub async fn connect(url: &str, keys: Arc<Keyring>) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::SqlStore::connect(url, keys).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(sqlite::SqlStore::open(std::path::Path::new(path), keys).await?))
    } else {
        Err(StoreError::Backend(format!("unsupported database URL (expected sqlite://PATH or postgres://…): {url}").into()))
    }
}
