//! Storage backends for phonelogin's store traits: one module per backend, one file per
//! concern inside each. A backend applies transitions; it decides no protocol outcome.
use std::sync::Arc;

use phonelogin_core::store::{Store, StoreError};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

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
        // Only the scheme: the rest of a URL may hold a password.
        let scheme = url.split_once(':').map_or("none", |(scheme, _)| scheme);
        Err(StoreError(format!(
            "unsupported database URL scheme {scheme:?} (expected sqlite://PATH or postgres://...)"
        )))
    }
}

/// sqlx's migrator for PostgreSQL's embedded migrations, `(number, description, SQL)` in order.
/// sqlx keeps a checksum of each applied one: a migration file, once released, is never edited.
pub(crate) fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = migrations
        .iter()
        .map(|(v, d, sql)| Migration::new(*v, (*d).into(), MigrationType::Simple, sql.into_sql_str(), false))
        .collect();
    Migrator::with_migrations(migrations)
}

pub(crate) fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}
