//! Storage backends for phonelogin's store traits: one module per backend, one file per
//! concern inside each. A backend applies transitions; it decides no protocol outcome.
use std::sync::Arc;

use phonelogin_core::store::{Store, StoreError};

pub mod postgres;
mod rows;
pub mod sqlite;

/// Opens the store a `--database-url` names, applying embedded migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::open(url).await?))
    } else {
        Err(StoreError(format!("unsupported database URL (expected sqlite://PATH or postgres://...): {url}")))
    }
}

pub(crate) fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}
