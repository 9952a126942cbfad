//! The embedded migrations and their bookkeeping (`schema_migrations`). A migration file, once
//! released, is never edited.
//!
//! All pending migrations apply in one `BEGIN IMMEDIATE` transaction with their bookkeeping rows:
//! processes opening a new file together (`serve` and `phonelogin import`, say) take turns, and
//! the later ones find everything applied. A database made by the sqlx-based versions records
//! its migrations in `_sqlx_migrations`; those versions count as applied.
use rusqlite::{Connection, params};

/// The migrations, in order; the PostgreSQL folder has the same numbers.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/sqlite/0001_initial.sql")),
    (2, "revocation guards", include_str!("../../migrations/sqlite/0002_revocation_guards.sql")),
    (3, "account security", include_str!("../../migrations/sqlite/0003_account_security.sql")),
    (4, "fapi", include_str!("../../migrations/sqlite/0004_fapi.sql")),
    (5, "admin", include_str!("../../migrations/sqlite/0005_admin.sql")),
    (6, "outbox", include_str!("../../migrations/sqlite/0006_outbox.sql")),
    (7, "poll paces", include_str!("../../migrations/sqlite/0007_poll_paces.sql")),
    (8, "one user index", include_str!("../../migrations/sqlite/0008_one_user_index.sql")),
    (9, "login requests by id", include_str!("../../migrations/sqlite/0009_login_requests_by_id.sql")),
];

/// Applies what is pending, all or nothing.
pub(super) fn run(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match apply(conn).and_then(|()| conn.execute_batch("COMMIT")) {
        Ok(()) => Ok(()),
        Err(e) => {
            // The transaction may already be gone; the error that matters is `e`.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn apply(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             description TEXT NOT NULL,
             applied_at  INTEGER NOT NULL
         )",
    )?;
    let from_sqlx: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_sqlx_migrations')",
        [],
        |row| row.get(0),
    )?;
    if from_sqlx {
        conn.execute(
            "INSERT OR IGNORE INTO schema_migrations (version, description, applied_at)
             SELECT version, description, COALESCE(unixepoch(installed_on), unixepoch()) FROM _sqlx_migrations
             WHERE success",
            [],
        )?;
    }
    for (version, description, sql) in MIGRATIONS {
        let applied: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |row| {
                row.get(0)
            })?;
        if !applied {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, unixepoch())",
                params![version, description],
            )?;
        }
    }
    Ok(())
}
