//! Checks before the store is opened, so that a mistake gets a sentence that says what to do:
//! admin commands never create a database or a secret (only `serve` does), a missing SQLite
//! directory is named, and an unreachable PostgreSQL is reported with its host, port and cause
//! within seconds.
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Global;

/// How long to wait for PostgreSQL's port to accept a connection before saying it is unreachable.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether the command may create what is missing (`serve`) or must find it (admin commands).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Existing,
}

/// The file a `sqlite:` URL names, or None for in-memory databases and other schemes.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// `path` made absolute against the current directory, for messages.
fn shown(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned()).display().to_string()
}

fn cwd() -> String {
    std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| "?".into())
}

const WHERE_HINT: &str = "Admin commands work on the database and secret of `phonelogin serve`, which creates them on \
     its first start: run them in the directory where serve runs, or pass the same --database-url and --secret-file \
     (or PHONELOGIN_DATABASE_URL / PHONELOGIN_SECRET_FILE).";

/// Checks the database and the secret file before anything opens them.
pub async fn check(global: &Global, mode: Mode) -> Result<(), String> {
    if mode == Mode::Existing && !global.secret_file.exists() {
        return Err(format!(
            "no server secret at {} (--secret-file {}, looked in {}). {WHERE_HINT}",
            shown(&global.secret_file),
            global.secret_file.display(),
            cwd()
        ));
    }
    if let Some(path) = sqlite_path(&global.database_url) {
        return check_sqlite(&global.database_url, &path, mode);
    }
    if let Some((host, port)) = postgres_address(&global.database_url) {
        return check_postgres(&host, port).await;
    }
    Ok(())
}

fn check_sqlite(url: &str, path: &Path, mode: Mode) -> Result<(), String> {
    if mode == Mode::Existing && !path.exists() {
        return Err(format!(
            "no database at {} (--database-url {url}, looked in {}). {WHERE_HINT}",
            shown(path),
            cwd()
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(format!(
            "cannot create the SQLite database {}: the directory {} does not exist (create it first, or choose \
             another --database-url)",
            shown(path),
            shown(parent)
        ));
    }
    Ok(())
}

/// Host and port of a `postgres://` URL (default port 5432); None for Unix sockets and others.
pub fn postgres_address(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.is_empty() || hostport.contains(',') {
        return None; // a socket from the query string, or several hosts: let the driver decide
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 5432,
    };
    Some((host.to_owned(), port))
}

async fn check_postgres(host: &str, port: u16) -> Result<(), String> {
    let unreachable = |cause: String| {
        format!(
            "cannot connect to PostgreSQL at {host}:{port}: {cause}. Is the server running and listening there \
             (check --database-url)?"
        )
    };
    match tokio::time::timeout(PG_CONNECT_TIMEOUT, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!("no answer within {} s", PG_CONNECT_TIMEOUT.as_secs()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_file_or_address() {
        assert_eq!(sqlite_path("sqlite://./phonelogin.db"), Some(PathBuf::from("./phonelogin.db")));
        assert_eq!(sqlite_path("sqlite:///tmp/x.db?mode=rwc"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(postgres_address("postgres://u:p@db.example:6543/x"), Some(("db.example".into(), 6543)));
        assert_eq!(postgres_address("postgresql://127.0.0.1/x"), Some(("127.0.0.1".into(), 5432)));
        assert_eq!(postgres_address("postgres://[::1]:5433/x"), Some(("::1".into(), 5433)));
        assert_eq!(postgres_address("postgres:///x?host=/run/postgresql"), None);
    }
}
