//! The `phonelogin` binary as an operator uses it: config file, fixtures, admin commands, and
//! a served node on a free port.
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "cli/operators.rs"]
mod operators;

const BIN: &str = env!("CARGO_BIN_EXE_phonelogin");

fn phonelogin(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .current_dir(dir)
        .env_remove("PHONELOGIN_DATABASE_URL")
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "phonelogin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, args: &[&str], url: &str) -> Server {
    let child = Command::new(BIN)
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reqwest::blocking::get(format!("{url}/readyz")).is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "server at {url} did not become ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

#[test]
fn a_config_file_sets_serve_flags_and_the_secret_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("pl.toml"),
        format!("listen = \"127.0.0.1:{port}\"\nmax_pending_per_user = 7\ndev = true\n"),
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let _server = serve(dir.path(), &["--config", "pl.toml"], &url);
    let discovery: serde_json::Value =
        reqwest::blocking::get(format!("{url}/access-management-1.0/access/.well-known/openid-configuration"))
            .unwrap()
            .json()
            .unwrap();
    assert_eq!(discovery["issuer"], format!("{url}/access-management-1.0/access/"));
    assert!(dir.path().join("phonelogin.db").exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("phonelogin.secret")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // --dev from the file: the outbox answers.
    assert_eq!(reqwest::blocking::get(format!("{url}/app-api/v1/dev/outbox")).unwrap().status(), 200);
}

#[test]
fn config_example_documents_every_setting_with_its_env_variable() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(&phonelogin(dir.path(), &["config", "example"]));
    for key in [
        "listen",
        "public_url",
        "database_url",
        "secret_file",
        "fixtures",
        "min_app_version",
        "max_pending_per_user",
        "dev",
        "demo",
    ] {
        assert!(text.contains(&format!("#{key} = ")), "{key} missing:\n{text}");
    }
    assert!(text.contains("# env: PHONELOGIN_MAX_PENDING_PER_USER"));
    // The example parses as a config file.
    let uncommented: String = text
        .lines()
        .filter_map(|l| l.strip_prefix('#').filter(|l| l.contains(" = ")))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(
        dir.path().join("all.toml"),
        uncommented.replace("#fixtures = \"\"\n", "").replace("fixtures = \"\"\n", ""),
    )
    .unwrap();
    phonelogin(dir.path(), &["--config", "all.toml", "client", "list"]);
}

#[test]
fn admin_commands_manage_clients_users_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let created = stdout(&phonelogin(
        dir.path(),
        &["client", "create", "--client-id", "shop", "--name", "Shop", "--redirect-uri", "https://shop.example/cb"],
    ));
    assert!(created.contains("client shop secret: "), "{created}");
    assert!(stdout(&phonelogin(dir.path(), &["client", "list"])).contains("shop\tShop\tclient_secret_basic"));
    assert!(stdout(&phonelogin(dir.path(), &["client", "show", "shop"])).contains("https://shop.example/cb"));
    phonelogin(
        dir.path(),
        &["user", "create", "--phone", "4712345678", "--given-name", "Ada", "--family-name", "Lovelace"],
    );
    phonelogin(dir.path(), &["user", "set-phone", "4712345678", "4711112222"]);
    phonelogin(dir.path(), &["user", "deactivate", "4711112222"]);
    assert!(stdout(&phonelogin(dir.path(), &["user", "list"])).contains("4711112222\tAda Lovelace\tdeactivated"));
    phonelogin(dir.path(), &["keys", "rotate", "--alg", "ES256"]);
    phonelogin(dir.path(), &["keys", "rotate"]);
    let keys = stdout(&phonelogin(dir.path(), &["keys", "list"]));
    assert_eq!(keys.lines().filter(|l| l.ends_with("\tactive")).count(), 1, "{keys}");
    assert!(keys.contains("ES256\t") && keys.contains("retired, still published"), "{keys}");
    phonelogin(dir.path(), &["client", "delete", "shop"]);
    assert!(stdout(&phonelogin(dir.path(), &["client", "list"])).is_empty());
}

#[test]
fn importing_fixtures_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/api/fixtures.json");
    let fixtures = fixtures.to_str().unwrap();
    phonelogin(dir.path(), &["import", fixtures]);
    let db = format!("sqlite://{}/phonelogin.db", dir.path().display());
    let first = snapshot(&db);
    phonelogin(dir.path(), &["import", fixtures]);
    assert_eq!(snapshot(&db), first);
    assert!(first.contains("client_id: \"club\"") && first.contains("pin_hash: \"$argon2id$"), "{first}");
}

/// Everything imported, as stored: clients (with secret hashes), users, devices (with token and
/// PIN hashes).
fn snapshot(db: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = phonelogin_store::open(db).await.unwrap();
        let mut out = format!("{:?}\n{:?}\n", store.clients().await.unwrap(), store.users().await.unwrap());
        for u in store.users().await.unwrap() {
            out += &format!("{:?}\n", store.devices(&u.user_id).await.unwrap());
        }
        out
    })
}
