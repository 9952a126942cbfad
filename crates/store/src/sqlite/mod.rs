//! The SQLite backend, on rusqlite (SQLite bundled): one file, WAL mode, embedded migrations.
//!
//! **Writes** go to one writer thread, a plain thread that owns the only write connection. A
//! call sends a job (a closure run inside the transaction) and awaits its answer. The thread
//! takes a job, drains whatever else is queued (up to [`BATCH`]) and runs them all in one
//! `BEGIN IMMEDIATE … COMMIT`, each inside its own `SAVEPOINT`, so that a failing (or panicking)
//! job rolls back only itself. Every caller is answered after the `COMMIT` succeeded (group
//! commit): no answer leaves before its batch is durable, and a failed `COMMIT` fails every job
//! of the batch. Conditional inserts and updates stay atomic: jobs run one after the other on
//! the one connection.
//!
//! **Reads** run inline on the calling thread (no thread hop), on reader connections kept in a
//! small pool: take one, open one when none is idle, give it back. WAL lets them read beside
//! the writer; a read started after a write's answer sees that write.
//!
//! Every statement is prepared once per connection (`prepare_cached`).
//!
//! **Checkpoints** (copying the WAL back into the database file, with its syncs) run on a
//! thread of their own, not on the writer after its commits: the writer's commits stay appends
//! to the WAL, and a slow disk sync no longer stalls every queued write behind it (see
//! [`checkpoint_loop`]).
//!
//! **Durability**: every answered write is committed (in the WAL) before the answer. The URL
//! chooses how far that goes: `synchronous = NORMAL` (the default) survives a crash or kill of
//! the server, and a power cut or OS crash may roll back the last commits (never corrupting the
//! file); `sqlite://PATH?synchronous=full` syncs the WAL at every commit, so answered writes also
//! survive a power cut. Group commit keeps FULL affordable under load (a batch costs one sync
//! however many jobs it holds), but its rate is bounded by concurrency ÷ sync latency: measured
//! with one insert per job (release build, 2-core VM whose disk takes about 4 ms per synchronous
//! write, other builds running): FULL 930 / 3,700 / 8,500 inserts/s with 1 / 16 / 64 concurrent
//! writers, NORMAL 8,200 / 20,000 / 21,000.
mod admin;
mod clients;
mod consents;
mod devices;
mod enrollments;
mod jtis;
mod keys;
mod login_requests;
mod migrate;
mod outbox;
mod provisioning;
mod push;
mod retention;
mod tokens;
mod user_codes;
mod users;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Duration;

use phonelogin_core::store::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags, Params, Row};

use crate::err;

pub use migrate::MIGRATIONS;
use writer::{Job, checkpoint_loop, write_loop};

/// Distinct statements a connection keeps prepared (the backend has about a hundred).
const STATEMENT_CACHE: usize = 256;
/// How long a connection waits for a lock another process holds (e.g. `phonelogin import`
/// beside `serve`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SqliteStore {
    jobs: mpsc::Sender<Box<dyn Job>>,
    /// Dropped with the store, which ends the checkpoint thread.
    _checkpoints: mpsc::Sender<()>,
    /// Idle reader connections.
    readers: Mutex<Vec<Connection>>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating when absent) the database file of a `sqlite://PATH` URL, applies the
    /// migrations and starts the writer thread.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let path = file_path(url)?;
        let sync = synchronous(url)?;
        create_private(&path)?;
        let writer = open_writer(&path, sync).await.map_err(|e| StoreError(format!("cannot open {url}: {}", e.0)))?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(&writer, &queue))
            .map_err(|e| StoreError(format!("cannot start the SQLite writer: {e}")))?;
        let checkpointer = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(|c| c.pragma_update(None, "synchronous", sync).map(|()| c))
            .map_err(err)?;
        let (checkpoints, stop) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &stop))
            .map_err(|e| StoreError(format!("cannot start the SQLite checkpointer: {e}")))?;
        let store = Self { jobs, _checkpoints: checkpoints, readers: Mutex::new(Vec::new()), path };
        // Open one reader now, so that a file that cannot be read fails here, not on a request.
        store.read(|_| Ok(()))?;
        Ok(store)
    }

    /// Runs `read` on a reader connection, inline.
    pub(super) fn read<T>(&self, read: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        // The lock guards only the list of idle connections, never held across a use: a poisoned
        // lock still holds a sound list.
        let idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path)?,
        };
        let result = read(&conn);
        self.readers.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
        result
    }
}

/// Runs one statement; the number of rows it changed.
pub(super) fn exec(conn: &Connection, sql: &str, params: impl Params) -> StoreResult<usize> {
    conn.prepare_cached(sql).and_then(|mut statement| statement.execute(params)).map_err(err)
}

/// The first row a statement returns, mapped (an `UPDATE … RETURNING` of one row included).
pub(super) fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: impl FnOnce(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut statement = conn.prepare_cached(sql).map_err(err)?;
    let mut rows = statement.query(params).map_err(err)?;
    rows.next().map_err(err)?.map(map).transpose()
}

/// Every row a statement returns, mapped.
pub(super) fn all<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    mut map: impl FnMut(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut statement = conn.prepare_cached(sql).map_err(err)?;
    let mut rows = statement.query(params).map_err(err)?;
    let mut mapped = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        mapped.push(map(row)?);
    }
    Ok(mapped)
}

/// The `synchronous` setting a URL asks for: `?synchronous=normal` (the default) or `full`.
/// Other options are refused, so a misspelt one is not silently dropped.
fn synchronous(url: &str) -> StoreResult<&'static str> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let mut mode = "NORMAL";
    for option in query.split('&').filter(|o| !o.is_empty()) {
        mode = match option.split_once('=') {
            Some(("synchronous", v)) if v.eq_ignore_ascii_case("normal") => "NORMAL",
            Some(("synchronous", v)) if v.eq_ignore_ascii_case("full") => "FULL",
            _ => {
                return Err(StoreError(format!(
                    "{url}: unknown option {option:?}; the one option is ?synchronous=normal|full"
                )));
            }
        };
    }
    Ok(mode)
}

/// The file of a `sqlite://PATH` (or `sqlite:PATH`) URL (before any `?options`). An in-memory
/// database is refused: the writer and the readers are separate connections.
fn file_path(url: &str) -> StoreResult<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Err(StoreError(format!(
            "{url}: an in-memory SQLite database is not supported; give a file (sqlite://PATH)"
        )));
    }
    Ok(PathBuf::from(path))
}

/// Creates the database file readable by its owner only (mode 0600) when it does not exist yet;
/// SQLite gives its WAL and shared-memory files the same mode.
fn create_private(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError(format!("cannot create the database file {}: {e}", path.display()))),
    }
}

/// Settings every connection shares: lock waits, prepared statements. No mmap: the file grows
/// under steady writes, and each reader then unmapped and remapped it at the start of a read
/// (`munmap` took 7 % of the server's CPU in the flow profile); reads through SQLite's page
/// cache and the OS's are as fast here.
///
/// The page cache stays at SQLite's default (2 MiB). A 32 MiB writer cache saved its reads of
/// index pages but cost more than it saved: when a B-tree split reorders sibling pages, SQLite
/// keys one of them briefly at the lock page's number (past the end of the file), and the next
/// COMMIT then walks the cache's whole hash table to drop pages past the end
/// (`pcache1TruncateUnsafe`), about 10 ns per cached page: 17 % of the writer's time at 32 MiB.
/// Measured on backchannel requests: writer CPU 68–69 µs per request with the default, 77–85
/// with 32 MiB, 71–82 with 8 MiB or with the writer's reads through mmap.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// The write connection, migrated. Processes opening a brand-new file together can find it
/// busy while one of them switches it to WAL (no busy timeout covers that): try a few times.
async fn open_writer(path: &Path, synchronous: &str) -> StoreResult<Connection> {
    let mut attempt = 1;
    loop {
        match try_open_writer(path, synchronous) {
            Err(e) if attempt < 10 && is_busy(&e) => {
                tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                attempt += 1;
            }
            other => return other.map_err(err),
        }
    }
}

fn try_open_writer(path: &Path, synchronous: &str) -> rusqlite::Result<Connection> {
    let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", synchronous)?;
    // Checkpoints belong to the checkpoint thread.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Keep the WAL from growing without bound between checkpoints.
    conn.pragma_update(None, "journal_size_limit", 67_108_864)?;
    migrate::run(&conn)?;
    Ok(conn)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// A reader connection: it refuses writes, which belong to the writer thread.
fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(err)?;
    conn.pragma_update(None, "query_only", true).map_err(err)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_url_chooses_how_far_a_commit_goes() {
        assert_eq!(super::synchronous("sqlite:///tmp/x.db").ok(), Some("NORMAL"));
        assert_eq!(super::synchronous("sqlite:///tmp/x.db?synchronous=full").ok(), Some("FULL"));
        assert_eq!(super::synchronous("sqlite:///tmp/x.db?synchronous=NORMAL").ok(), Some("NORMAL"));
        let e = super::synchronous("sqlite:///tmp/x.db?synchronus=full").err().map(|e| e.0).unwrap_or_default();
        assert!(e.contains("unknown option \"synchronus=full\""), "{e}");
        assert!(super::synchronous("sqlite:///tmp/x.db?synchronous=off").is_err(), "OFF is never allowed");
    }
}
