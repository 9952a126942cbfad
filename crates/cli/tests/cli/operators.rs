//! The operator's and the merchant's commands (PRODUCT §13): `admin-token` against a served
//! node, and `phonelogin login` against our server and against panva's oidc-provider.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::{BIN, serve};
use super::{phonelogin, stdout};

const SECRET: &str = "login-test-secret-0123456789abcdef0123456789";
const DEVICE: &str = "login-test-device-token-0123456789abcdef";

fn login(dir: &Path, args: &[&str]) -> Child {
    Command::new(BIN)
        .current_dir(dir)
        .arg("login")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

fn finish(child: Child) -> (bool, String, String) {
    let out: Output = child.wait_with_output().unwrap();
    (out.status.success(), stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn admin_tokens_are_created_once_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let url = &server.url;

    let token = stdout(&phonelogin(dir.path(), &["admin-token", "create", "crm"])).trim().to_owned();
    assert!(token.starts_with("pla_"), "{token}");
    let again = Command::new(BIN).current_dir(dir.path()).args(["admin-token", "create", "crm"]).output().unwrap();
    assert!(!again.status.success(), "a name is used once");
    let list = stdout(&phonelogin(dir.path(), &["admin-token", "list"]));
    assert!(list.starts_with("crm\t") && list.contains("active") && !list.contains(&token), "{list}");

    let get = |t: &str| {
        reqwest::blocking::Client::new().get(format!("{url}/admin/v1/keys")).bearer_auth(t).send().unwrap().status()
    };
    assert_eq!(get(&token), 200);
    phonelogin(dir.path(), &["admin-token", "revoke", "crm"]);
    assert_eq!(get(&token), 401, "revoked at once, on a running node");
    assert!(stdout(&phonelogin(dir.path(), &["admin-token", "list"])).contains("revoked"));
}

#[test]
fn login_runs_the_ciba_flow_against_our_server_and_verifies_the_id_token() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = json!({
        "clients": [{"client_id": "till", "client_secret": SECRET, "name": "Till", "scopes": ["openid", "name", "phoneNumber"]}],
        "users": [{"phone_number": "4712345678", "given_name": "Ada", "family_name": "Lovelace",
                   "devices": [{"name": "phone", "pin": "1234", "device_token": DEVICE}]}],
    });
    std::fs::write(dir.path().join("fixtures.json"), fixtures.to_string()).unwrap();
    let server = serve(dir.path(), &["--fixtures", "fixtures.json"]);
    let url = &server.url;

    let issuer = format!("{url}/access-management-1.0/access/");
    let args = ["--issuer", &issuer, "--client-id", "till", "--client-secret", SECRET, "--scope", "name phoneNumber"];
    let child = login(dir.path(), &[&args[..], &["--binding-message", "AB-123", "+47 12345678"]].concat());

    // The phone: the request arrives, the user confirms it with the PIN.
    let http = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let open: Value =
            http.get(format!("{url}/app-api/v1/login-requests")).bearer_auth(DEVICE).send().unwrap().json().unwrap();
        if let Some(id) = open["login_requests"][0]["id"].as_str() {
            assert_eq!(open["login_requests"][0]["binding_message"], "AB-123");
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "no login request reached the phone");
        std::thread::sleep(Duration::from_millis(100));
    };
    let approved = http
        .post(format!("{url}/app-api/v1/login-requests/{id}/approve"))
        .bearer_auth(DEVICE)
        .json(&json!({"pin": "1234", "consent": true}))
        .send()
        .unwrap();
    assert_eq!(approved.status(), 200);

    let (ok, out, err) = finish(child);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("id token   verified: signature (RS256), iss, aud, exp, nonce"), "{out}");
    assert!(out.contains("\"given_name\": \"Ada\""), "userinfo printed: {out}");
    assert!(out.contains("\"phone_number\": \"4712345678\""), "{out}");

    let (ok, _, err) = finish(login(
        dir.path(),
        &["--issuer", &issuer, "--client-id", "till", "--client-secret", "wrong", "4712345678"],
    ));
    assert!(!ok && err.contains("invalid_client"), "{err}");
    let (ok, _, err) = finish(login(dir.path(), &[&args[..], &["4798765432"]].concat()));
    assert!(!ok && err.contains("unknown_user_id"), "{err}");
}

/// panva's oidc-provider (tests/oidc-provider/server.mjs) on a free port; killed when dropped.
struct Peer {
    child: Child,
    /// Kept open: node exits on a closed stdout.
    _stdout: BufReader<std::process::ChildStdout>,
    issuer: String,
    client_id: String,
    client_secret: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peer() -> Peer {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider");
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "the peer provider needs its npm package: run `npm ci --prefix tests/oidc-provider` (scripts/test does it)"
    );
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let info: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("the peer's first line: {line:?}"));
    let text = |k: &str| info[k].as_str().unwrap().to_owned();
    Peer {
        issuer: text("issuer"),
        client_id: text("client_id"),
        client_secret: text("client_secret"),
        child,
        _stdout: stdout,
    }
}

#[test]
fn a_client_secret_may_start_with_a_hyphen() {
    // base64url secrets start with `-` one time in 64: it is the secret, not an option.
    let dir = tempfile::tempdir().unwrap();
    let child = login(
        dir.path(),
        &["--issuer", "http://127.0.0.1:9", "--client-id", "shop", "--client-secret", "-kX_secret", "4712345678"],
    );
    let (ok, _, err) = finish(child);
    assert!(!ok, "nothing listens on port 9");
    assert!(!err.contains("unexpected argument"), "{err}");
    assert!(err.contains("127.0.0.1:9"), "fails on the provider, not on the arguments: {err}");
}

#[test]
fn login_speaks_the_standard_with_a_provider_we_did_not_write() {
    let p = peer();
    let dir = tempfile::tempdir().unwrap();
    let args = ["--issuer", &p.issuer, "--client-id", &p.client_id, "--client-secret", &p.client_secret];
    let approved = login(
        dir.path(),
        &[&args[..], &["--scope", "profile phone", "--binding-message", "AB-123", "4712345678"]].concat(),
    );
    let denied = login(dir.path(), &[&args[..], &["4712345670"]].concat());
    let wrong = login(
        dir.path(),
        &["--issuer", &p.issuer, "--client-id", &p.client_id, "--client-secret", "nope", "4712345678"],
    );

    let (ok, out, err) = finish(approved);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("id token   verified: signature (RS256), iss, aud, exp, nonce"), "{out}");
    assert!(out.contains("\"name\": \"Peer User 5678\""), "userinfo: {out}");
    let (ok, _, err) = finish(denied);
    assert!(!ok && err.contains("declined"), "{err}");
    let (ok, _, err) = finish(wrong);
    assert!(!ok && err.contains("invalid_client"), "{err}");
}
