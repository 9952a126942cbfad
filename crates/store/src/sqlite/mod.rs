//! The SQLite backend: one file, WAL mode, embedded migrations. Multi-statement changes run
//! in `BEGIN IMMEDIATE` transactions so that concurrent writers queue instead of failing.
mod admin;
mod clients;
mod consents;
mod devices;
mod enrollments;
mod jtis;
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
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use crate::{err, migrator};

/// The migrations, in order; the PostgreSQL folder has the same numbers.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/sqlite/0001_initial.sql")),
    (2, "revocation guards", include_str!("../../migrations/sqlite/0002_revocation_guards.sql")),
    (3, "account security", include_str!("../../migrations/sqlite/0003_account_security.sql")),
    (4, "fapi", include_str!("../../migrations/sqlite/0004_fapi.sql")),
    (5, "admin", include_str!("../../migrations/sqlite/0005_admin.sql")),
    (6, "outbox", include_str!("../../migrations/sqlite/0006_outbox.sql")),
];

#[derive(Clone)]
pub struct SqliteStore {
    /// Readers: WAL lets them run beside the writer.
    pool: SqlitePool,
    /// The one writing connection. SQLite admits one writer at a time; several pooled writers
    /// would only take turns through its busy-sleep, which costs milliseconds per write.
    writer: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating when absent) the database file of a `sqlite://PATH` URL.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Keep the WAL from growing without bound between checkpoints; read through mmap.
            .pragma("journal_size_limit", "67108864")
            .pragma("mmap_size", "268435456");
        create_private(options.get_filename())?;
        let writer = connect(&options, 1).await.map_err(|e| StoreError(format!("cannot open {url}: {e}")))?;
        migrate(&writer).await?;
        let pool = connect(&options, 8).await.map_err(|e| StoreError(format!("cannot open {url}: {e}")))?;
        Ok(Self { pool, writer })
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(err)
    }
}

/// Creates the database file readable by its owner only (mode 0600) when it does not exist yet;
/// SQLite gives its WAL and shared-memory files the same mode.
fn create_private(path: &std::path::Path) -> StoreResult<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" || path.exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError(format!("cannot create the database file {}: {e}", path.display()))),
    }
}

/// A pool of `n` connections. Processes opening a brand-new file together can find it busy
/// while one of them switches it to WAL (no busy timeout covers that): try a few times.
async fn connect(options: &SqliteConnectOptions, n: u32) -> Result<SqlitePool, sqlx::Error> {
    let mut attempt = 1;
    loop {
        let pool = SqlitePoolOptions::new().max_connections(n).min_connections(1).connect_with(options.clone()).await;
        match pool {
            Err(e) if attempt < 10 && e.to_string().contains("locked") => {
                tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// sqlx's SQLite migrator takes no lock: processes opening a new file together (`serve` and
/// `import`, say) all see a migration pending, and the losers fail ("table already exists").
/// Each migration commits with its bookkeeping row, so a loser's next run finds it applied.
async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    let mut attempt = 1;
    loop {
        match migrator(MIGRATIONS).run(pool).await {
            Ok(()) => return Ok(()),
            Err(_) if attempt <= MIGRATIONS.len() + 2 => {
                tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
                attempt += 1;
            }
            Err(e) => return Err(err(e)),
        }
    }
}
