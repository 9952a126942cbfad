//! The `phonelogin` binary as an operator uses it: config file, fixtures, admin commands, and
//! a served node on a free port.
mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

#[path = "cli/operators.rs"]
mod operators;

use common::{BIN, Server, serve};

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

/// What `serve` does on its first start in `dir`: create the database and the server secret.
/// Admin commands never create them.
fn initialise(dir: &Path) {
    drop(serve(dir, &[]));
}

#[test]
fn a_config_file_sets_serve_flags_and_the_secret_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pl.toml"), "listen = \"127.0.0.1:0\"\nmax_pending_per_user = 7\ndev = true\n")
        .unwrap();
    let server = Server::start(dir.path(), &["--config", "pl.toml"], &[]);
    let url = &server.url;
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
    initialise(dir.path());
    phonelogin(dir.path(), &["--config", "all.toml", "client", "list"]);
}

#[test]
fn admin_commands_manage_clients_users_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    initialise(dir.path());
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
    phonelogin(dir.path(), &["keys", "rotate", "--alg", "ps256"]);
    phonelogin(dir.path(), &["keys", "rotate", "--alg", "ES256"]);
    let keys = stdout(&phonelogin(dir.path(), &["keys", "list"]));
    // One active key per algorithm; the replaced keys stay published for a while.
    let active: Vec<&str> = keys.lines().filter(|l| l.ends_with("\tactive")).collect();
    assert_eq!(active.len(), 3, "{keys}");
    for alg in ["RS256", "PS256", "ES256"] {
        assert!(active.iter().any(|l| l.contains(&format!("\t{alg}\t"))), "{alg}: {keys}");
    }
    assert!(keys.lines().any(|l| l.contains("\tES256\t") && l.ends_with("retired, still published")), "{keys}");
    phonelogin(dir.path(), &["client", "delete", "shop"]);
    assert!(stdout(&phonelogin(dir.path(), &["client", "list"])).is_empty());
}

#[test]
fn client_create_registers_private_key_jwt_and_fapi_ciba_clients() {
    let dir = tempfile::tempdir().unwrap();
    initialise(dir.path());
    let jwk = r#"{"keys": [{"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
    std::fs::write(dir.path().join("keys.json"), jwk).unwrap();
    let created = stdout(&phonelogin(
        dir.path(),
        &[
            "client",
            "create",
            "--client-id",
            "bank",
            "--name",
            "Bank",
            "--auth-method",
            "private_key_jwt",
            "--jwks",
            "keys.json",
            "--profile",
            "fapi-ciba",
            "--request-signing-alg",
            "ES256",
            "--id-token-alg",
            "ES256",
            "--user-code-required",
        ],
    ));
    assert!(!created.contains("secret"), "no shared secret is made: {created}");
    let shown = stdout(&phonelogin(dir.path(), &["client", "show", "bank"]));
    for line in [
        "private_key_jwt",
        "inline jwks",
        "profile:       fapi-ciba",
        "signed req.:   ES256",
        "user code:     required",
    ] {
        assert!(shown.contains(line), "{line}:\n{shown}");
    }
    phonelogin(
        dir.path(),
        &[
            "client",
            "create",
            "--client-id",
            "remote",
            "--name",
            "Remote",
            "--auth-method",
            "private_key_jwt",
            "--jwks-uri",
            "https://remote.example/jwks.json",
        ],
    );
    // FAPI-CIBA refuses a shared secret; private_key_jwt needs keys.
    for args in [
        &["client", "create", "--client-id", "weak", "--name", "Weak", "--profile", "fapi-ciba"][..],
        &["client", "create", "--client-id", "keyless", "--name", "K", "--auth-method", "private_key_jwt"][..],
    ] {
        let out = Command::new(BIN).current_dir(dir.path()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
    }
}

#[test]
fn importing_fixtures_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/api/fixtures.json");
    let fixtures = fixtures.to_str().unwrap();
    initialise(dir.path());
    phonelogin(dir.path(), &["import", fixtures]);
    let db = format!("sqlite://{}/phonelogin.db", dir.path().display());
    let first = snapshot(&db);
    phonelogin(dir.path(), &["import", fixtures]);
    assert_eq!(snapshot(&db), first);
    assert!(first.contains("client_id: \"club\"") && first.contains("pin_hash: \"hmac-sha256$"), "{first}");
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

/// Runs the binary expecting it to fail; returns its stderr.
fn phonelogin_fails(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN).current_dir(dir).env_remove("PHONELOGIN_DATABASE_URL").args(args).output().unwrap();
    assert!(!out.status.success(), "phonelogin {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_secret_file_others_can_read_is_refused_with_the_fix_and_the_database_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    initialise(dir.path());
    phonelogin(dir.path(), &["client", "list"]);
    let mode = std::fs::metadata(dir.path().join("phonelogin.db")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the SQLite file is created private");
    let secret = dir.path().join("phonelogin.secret");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = phonelogin_fails(dir.path(), &["client", "list"]);
    assert!(err.contains("chmod 600") && err.contains("phonelogin.secret"), "{err}");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    phonelogin(dir.path(), &["client", "list"]);
}

#[test]
fn dev_and_demo_refuse_a_non_loopback_address() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--dev", "--demo"] {
        let err = phonelogin_fails(dir.path(), &["serve", flag, "--listen", "0.0.0.0:0"]);
        assert!(err.contains("loopback"), "{err}");
    }
}

#[test]
fn short_fixture_client_secrets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.json");
    std::fs::write(
        &file,
        r#"{"clients": [{"client_id": "c", "client_secret": "short", "name": "C", "scopes": ["openid"]}]}"#,
    )
    .unwrap();
    initialise(dir.path());
    let err = phonelogin_fails(dir.path(), &["import", file.to_str().unwrap()]);
    assert!(err.contains("at least 32 characters"), "{err}");
}

#[test]
fn device_and_unlock_commands_manage_a_users_devices() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/api/fixtures.json");
    initialise(dir.path());
    phonelogin(dir.path(), &["import", fixtures.to_str().unwrap()]);
    let list = stdout(&phonelogin(dir.path(), &["device", "list", "4712345678"]));
    assert!(list.contains("Ada's phone") && list.contains("active") && list.contains("PIN only"), "{list}");
    let id = list.split('\t').next().unwrap().to_owned();
    phonelogin(dir.path(), &["device", "unlock", &id]);
    phonelogin(dir.path(), &["device", "revoke", &id]);
    assert!(stdout(&phonelogin(dir.path(), &["device", "list", "4712345678"])).is_empty());
    assert!(phonelogin_fails(dir.path(), &["device", "revoke", &id]).contains("no such device"));
    assert!(stdout(&phonelogin(dir.path(), &["user", "unlock", "4712345678"])).contains("was not locked"));
}

#[test]
fn sigterm_closes_the_event_streams_and_exits_within_ten_seconds() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/api/fixtures.json");
    let server = serve(dir.path(), &["--fixtures", fixtures.to_str().unwrap()]);
    let url = server.url.clone();
    let mut server = server;
    let streams: Vec<_> = (0..2)
        .map(|_| {
            let r = reqwest::blocking::Client::new()
                .get(format!("{url}/app-api/v1/events"))
                .bearer_auth("ada-device-token")
                .send()
                .unwrap();
            assert_eq!(r.status(), 200);
            std::thread::spawn(move || {
                let mut r = r;
                let mut sink = Vec::new();
                let _ = r.read_to_end(&mut sink);
            })
        })
        .collect();
    let start = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still running 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a clean exit: {status:?}");
    for s in streams {
        s.join().unwrap();
    }
    assert!(start.elapsed() < Duration::from_secs(5), "the streams were closed, not waited out: {:?}", start.elapsed());
}
