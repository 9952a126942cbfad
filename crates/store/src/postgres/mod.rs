//! The PostgreSQL backend, for several server nodes sharing one database: a connection pool,
//! embedded migrations, and READ COMMITTED transactions made race-free by row or advisory locks.
mod admin;
mod clients;
mod consents;
mod devices;
mod enrollments;
mod events;
mod jtis;
pub use events::PgEvents;
mod keys;
mod login_requests;
mod outbox;
mod provisioning;
mod push;
mod retention;
mod tokens;
mod user_codes;
mod users;

use std::str::FromStr;
use std::time::Duration;

use phonelogin_core::store::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::{err, migrator};

/// The migrations, in order; the SQLite folder has the same numbers.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/postgres/0001_initial.sql")),
    (2, "revocation guards", include_str!("../../migrations/postgres/0002_revocation_guards.sql")),
    (3, "account security", include_str!("../../migrations/postgres/0003_account_security.sql")),
    (4, "fapi", include_str!("../../migrations/postgres/0004_fapi.sql")),
    (5, "admin", include_str!("../../migrations/postgres/0005_admin.sql")),
    (6, "outbox", include_str!("../../migrations/postgres/0006_outbox.sql")),
    (7, "poll paces", include_str!("../../migrations/postgres/0007_poll_paces.sql")),
    (8, "one user index", include_str!("../../migrations/postgres/0008_one_user_index.sql")),
    (9, "login requests by id", include_str!("../../migrations/postgres/0009_login_requests_by_id.sql")),
];

/// Connections per node: enough for the async handlers of a busy node, few enough that a
/// handful of nodes stay under PostgreSQL's default `max_connections` (100).
const MAX_CONNECTIONS: u32 = 16;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 400;

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to a `postgres://` (or `postgresql://`) URL and applies pending migrations.
    /// Nodes starting together are safe: sqlx's PostgreSQL migrator holds a session advisory
    /// lock (`pg_advisory_lock`, keyed on the database name) while it checks and applies them,
    /// and applies each migration with its bookkeeping row in one transaction.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let cannot = |e| StoreError(format!("cannot connect to PostgreSQL: {e}"));
        // Every query is prepared once per connection and kept (sqlx's `persistent`, the
        // default of `sqlx::query`); the cache holds all of this backend's statements (about
        // a hundred, sqlx's default capacity), so the hot ones are never evicted and re-parsed.
        let options = PgConnectOptions::from_str(url).map_err(cannot)?.statement_cache_capacity(STATEMENT_CACHE);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(cannot)?;
        migrator(MIGRATIONS).run(&pool).await.map_err(err)?;
        Ok(Self { pool })
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(err)
    }
}
