//! The binary's first hour: mistakes an operator makes get a sentence that says what to do, and
//! `--help` describes every flag once.
mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::BIN;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .env_remove("PHONELOGIN_DATABASE_URL")
        .env_remove("PHONELOGIN_SECRET_FILE")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn admin_commands_in_an_empty_directory_create_nothing_and_say_where_they_looked() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["client", "list"][..], &["user", "list"], &["keys", "list"], &["outbox"]] {
        let out = run(dir.path(), args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = stderr(&out);
        let secret = dir.path().canonicalize().unwrap().join("phonelogin.secret");
        assert!(err.contains(&format!("no server secret at {}", secret.display())), "{args:?}: {err}");
        assert!(err.contains("phonelogin serve") && err.contains("--secret-file"), "{err}");
    }
    // With a secret but no database: the database's path is named.
    std::fs::write(dir.path().join("phonelogin.secret"), "00".repeat(32)).unwrap();
    let out = run(dir.path(), &["client", "list"]);
    assert!(!out.status.success());
    let db = dir.path().canonicalize().unwrap().join("phonelogin.db");
    assert!(stderr(&out).contains(&format!("no database at {}", db.display())), "{}", stderr(&out));
    assert_eq!(files_in(dir.path()), ["phonelogin.secret"], "nothing else was created");
}

#[test]
fn a_sqlite_database_in_a_missing_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nope/pl.db", dir.path().display());
    let out = run(dir.path(), &["serve", "--listen", "127.0.0.1:0", "--database-url", &url]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("the directory {}/nope does not exist", dir.path().display())), "{err}");
    assert!(!err.contains("code: 14"), "{err}");
}

#[test]
fn an_unreachable_database_server_is_reported_with_host_port_and_cause_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on (closed again at once): the connection is refused.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let out = run(dir.path(), &["serve", "--listen", "127.0.0.1:0", "--database-url", &url]);
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot connect to PostgreSQL at 127.0.0.1:{port}: ")), "{err}");
    assert!(err.to_lowercase().contains("refused"), "the cause is given: {err}");
}

#[test]
fn an_address_in_use_suggests_listen_and_logs_carry_no_colour_codes_when_redirected() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(dir.path(), &["serve", "--listen", &addr]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot listen on {addr}: the address is already in use")), "{err}");
    assert!(err.contains("--listen"), "{err}");
    // Its output went to a pipe: plain text, no ANSI escape codes.
    let all = format!("{}{}", stdout(&out), err);
    assert!(!all.contains('\u{1b}'), "colour codes in redirected output: {all:?}");
}

#[test]
fn help_names_each_default_once_and_describes_every_client_flag_and_command() {
    let dir = tempfile::tempdir().unwrap();
    let help = stdout(&run(dir.path(), &["serve", "--help"]));
    for default in ["[default: sqlite://./phonelogin.db]", "[default: ./phonelogin.secret]"] {
        assert_eq!(help.matches(default).count(), 1, "{default} in:\n{help}");
    }
    let client = stdout(&run(dir.path(), &["client", "--help"]));
    for line in client.lines().filter(|l| l.starts_with("  ") && !l.trim().is_empty()) {
        assert!(line.split_whitespace().count() > 1, "no description: {line:?}\n{client}");
    }
    for command in ["create", "list", "show", "delete"] {
        assert!(client.lines().any(|l| l.trim_start().starts_with(command)), "{command}:\n{client}");
    }
    // Long help puts each description on the line under its flag.
    let create = stdout(&run(dir.path(), &["client", "create", "--help"]));
    let lines: Vec<&str> = create.lines().collect();
    let flags: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with("--")).collect();
    assert!(flags.len() >= 10, "{create}");
    for i in flags {
        let description = lines.get(i + 1).copied().unwrap_or_default().trim();
        assert!(!description.is_empty() && !description.starts_with('-'), "no description: {:?}\n{create}", lines[i]);
    }
    for sub in [&["client", "show", "--help"][..], &["client", "delete", "--help"], &["user", "show", "--help"]] {
        let text = stdout(&run(dir.path(), sub));
        let arg = text.lines().skip_while(|l| !l.starts_with("Arguments:")).nth(1).unwrap_or_default();
        assert!(arg.split_whitespace().count() > 1, "{sub:?}: argument without description:\n{text}");
    }
}

#[test]
fn scripts_test_without_chromium_says_how_to_install_it() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(repo.join("scripts/test"))
        .env("PHONELOGIN_CHROMIUM", "/nonexistent/chromium")
        .output()
        .expect("bash runs");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("/nonexistent/chromium, which is not installed"), "{err}");
    assert!(err.contains("sudo apt-get install -y chromium"), "{err}");
}

#[test]
fn scripts_test_counts_the_postgresql_tests_it_could_not_run_as_skipped() {
    // Stand-ins for cargo, node and npm: they only answer the test lists scripts/test counts.
    let bin = tempfile::tempdir().unwrap();
    let fake = |name: &str, body: &str| {
        use std::os::unix::fs::PermissionsExt;
        let path = bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\nexit 0\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    fake(
        "cargo",
        r#"case "$*" in
  *"--skip postgres"*) printf 'sqlite::a: test\n' ;;
  *"--test api -- --list"*) printf 'x: test\ny: test\n' ;;
  *"-- --list"*) printf 'sqlite::a: test\npostgres::a: test\npostgres::b: test\n' ;;
esac"#,
    );
    fake("node", "");
    fake("npm", "");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(repo.join("scripts/test"))
        .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
        .env("PHONELOGIN_CHROMIUM", "/bin/true")
        .env_remove("PHONELOGIN_TEST_DATABASE_URL")
        .output()
        .expect("bash runs");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    // Two store tests on PostgreSQL, and the two tests of the HTTP suite's PostgreSQL run.
    assert!(text.contains("SKIPPED: 4 PostgreSQL tests did not run"), "{text}");
    assert!(text.contains("PHONELOGIN_TEST_DATABASE_URL=postgres://"), "{text}");
    assert!(!text.contains("(SQLite and PostgreSQL)"), "{text}");
}
