//! Secrets, tokens, PINs and codes are stored only as hashes and never logged outside `--dev`
//! (spec §10): a whole flow against `phonelogin serve` logging at debug — enrollment with the
//! code from the SMS webhook, a login with consent, approval with PIN and device signature,
//! tokens, userinfo, a web-page login and its redirect code — then every byte of the database
//! files and of the log is searched for each of them in clear.
mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use common::Server;

const CLIENT: &str = "shop";
const CLIENT_SECRET: &str = "shop-secret-ZQ7x3Lr9Kp2Wm8Vt5Nd4Hb6Gc1Fj0Ys";
const PHONE: &str = "4712345678";
/// Six digits that occur nowhere else in the flow.
const PIN: &str = "865392";
const SMS_SECRET: &str = "sms-webhook-secret-for-the-secrets-test";
/// The app's device key (a P-256 key made for this test) and its public JWK.
const DEVICE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxDZfvs5QM4Sx3/uT
dg1dlicJwsdhR/Z3bHQq3kaEH/mhRANCAAT8EUOknB4e4PBJahVxUOuH6AayyLMN
qTM61PUMSmJKkwQtxIDoeHgJJLNLvgbTG39ymQFDvEXAu5yTOwRm9WFK
-----END PRIVATE KEY-----";
const DEVICE_X: &str = "_BFDpJweHuDwSWoVcVDrh-gGssizDakzOtT1DEpiSpM";
const DEVICE_Y: &str = "BC3EgOh4eAkks0u-BtMbf3KZAUO8RcC7nJM7BGb1YUo";

/// The SMS receiver: the messages it got, on a port of its own.
async fn sms_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = got.clone();
    let app = axum::Router::new().fallback(move |body: Bytes| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// The device's signature of a decision, as the app makes it.
fn decision(request_id: &str) -> String {
    let key = EncodingKey::from_ec_pem(DEVICE_KEY.as_bytes()).unwrap();
    jsonwebtoken::crypto::sign(format!("phonelogin-decision:{request_id}:approve").as_bytes(), &key, Algorithm::ES256)
        .unwrap()
}

struct Flow {
    http: reqwest::Client,
    url: String,
    device_token: String,
}

impl Flow {
    async fn send(&self, r: reqwest::RequestBuilder) -> Value {
        let r = r.send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    async fn backchannel(&self, params: &[(&str, &str)]) -> String {
        let r = self.http.post(format!("{}/vipps-login-ciba/api/backchannel/authentication", self.url));
        let b = self.send(r.basic_auth(CLIENT, Some(CLIENT_SECRET)).form(params)).await;
        b["auth_req_id"].as_str().unwrap().to_owned()
    }

    async fn token(&self, params: &[(&str, &str)]) -> Value {
        let r = self.http.post(format!("{}/access-management-1.0/access/oauth2/token", self.url));
        self.send(r.basic_auth(CLIENT, Some(CLIENT_SECRET)).form(params)).await
    }

    /// Approves the newest request with the PIN, consent and the device's signature.
    async fn approve_newest(&self) -> Value {
        let app = format!("{}/app-api/v1/login-requests", self.url);
        let list = self.send(self.http.get(&app).bearer_auth(&self.device_token)).await;
        let id = list["login_requests"][0]["id"].as_str().unwrap().to_owned();
        let approve = json!({"pin": PIN, "consent": true, "signature": decision(&id)});
        self.send(self.http.post(format!("{app}/{id}/approve")).bearer_auth(&self.device_token).json(&approve)).await
    }

    async fn userinfo(&self, tokens: &Value) {
        let r = self.http.get(format!("{}/vipps-userinfo-api/userinfo", self.url));
        let info = self.send(r.bearer_auth(tokens["access_token"].as_str().unwrap())).await;
        assert_eq!(info["given_name"], "Ada", "{info}");
    }
}

/// Whether `needle` occurs in `haystack`, not counting an occurrence inside a longer run of
/// hexadecimal characters (a stored hash can hold six digits in a row by chance).
fn occurs(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    let hex = |i: usize| haystack.get(i).is_some_and(u8::is_ascii_hexdigit);
    haystack.windows(needle.len()).enumerate().any(|(at, w)| {
        w == needle && !(at > 0 && hex(at - 1) && hex(at + needle.len()) && needle.iter().all(u8::is_ascii_hexdigit))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_whole_flow_no_secret_is_in_the_database_or_the_debug_log() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = json!({
        "clients": [{"client_id": CLIENT, "client_secret": CLIENT_SECRET, "name": "Shop", "scopes": ["openid", "name"],
                     "redirect_uris": ["https://shop.example/cb"]}],
        "users": [{"phone_number": PHONE, "given_name": "Ada", "family_name": "Lovelace"}],
    });
    // The fixtures hold the client secret in clear by design: outside the data directory.
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let fixtures_file = dir.path().join("fixtures.json");
    std::fs::write(&fixtures_file, fixtures.to_string()).unwrap();
    let (sms_url, sms) = sms_receiver().await;
    let db = format!("sqlite://{}/phonelogin.db", data.display());
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db,
        "--fixtures",
        fixtures_file.to_str().unwrap(),
        "--sms-webhook",
        &sms_url,
        "--sms-webhook-secret",
        SMS_SECRET,
    ];
    let mut server = Server::start(&data, &args, &[("PHONELOGIN_LOG", "debug")]);
    let http = reqwest::Client::new();
    let url = server.url.clone();

    // Enrollment: the code comes by SMS.
    let started = http.post(format!("{url}/app-api/v1/enrollments")).json(&json!({"phone_number": PHONE}));
    let mut flow = Flow { http: http.clone(), url: url.clone(), device_token: String::new() };
    let started = flow.send(started).await;
    let enrollment_id = started["enrollment_id"].as_str().unwrap();
    let message = loop {
        if let Some(m) = sms.lock().unwrap().first() {
            break m.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let text = message["message"].as_str().unwrap();
    let code: String = text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).unwrap().to_owned();
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": DEVICE_X, "y": DEVICE_Y});
    let verify = json!({"code": code, "pin": PIN, "device_name": "Test phone", "app_version": "1.2.0",
                        "device_public_key": jwk});
    let enrolled =
        flow.send(http.post(format!("{url}/app-api/v1/enrollments/{enrollment_id}/verify")).json(&verify)).await;
    flow.device_token = enrolled["device_token"].as_str().unwrap().to_owned();

    // A login with consent, approved with PIN and signature; tokens; userinfo.
    let hint = format!("urn:msisdn:{PHONE}");
    let auth_req_id = flow.backchannel(&[("login_hint", &hint), ("scope", "openid name")]).await;
    flow.approve_newest().await;
    let tokens =
        flow.token(&[("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", &auth_req_id)]).await;
    flow.userinfo(&tokens).await;

    // A login to the merchant's web page: the redirect carries a code, exchanged for tokens.
    let web_auth_req_id = flow
        .backchannel(&[
            ("login_hint", &hint),
            ("scope", "openid name"),
            ("requested_flow", "login_to_webpage"),
            ("redirect_uri", "https://shop.example/cb"),
        ])
        .await;
    let approved = flow.approve_newest().await;
    let redirect = approved["redirect_url"].as_str().unwrap();
    let redirect_code = redirect.split_once("code=").unwrap().1.split('&').next().unwrap().to_owned();
    let web_tokens =
        flow.token(&[("grant_type", "urn:vipps:params:grant-type:ciba-redirect"), ("code", &redirect_code)]).await;
    flow.userinfo(&web_tokens).await;

    server.kill();
    let secrets = [
        ("the enrollment code", code.as_str()),
        ("the PIN", PIN),
        ("the device token", &flow.device_token),
        ("the client secret", CLIENT_SECRET),
        ("the SMS webhook secret", SMS_SECRET),
        ("an auth_req_id", &auth_req_id),
        ("an auth_req_id", &web_auth_req_id),
        ("the redirect code", &redirect_code),
        ("an access token", tokens["access_token"].as_str().unwrap()),
        ("an access token", web_tokens["access_token"].as_str().unwrap()),
        ("an ID token", tokens["id_token"].as_str().unwrap()),
        ("an ID token", web_tokens["id_token"].as_str().unwrap()),
    ];
    // The log is complete and at debug: it shows the requests that carried them.
    let log = server.output();
    assert!(log.contains("DEBUG"), "logging at debug:\n{log}");
    assert!(log.contains("outbox: delivered"), "the SMS delivery is logged:\n{log}");
    // Every database file (the database, its WAL and shared memory), every byte: tables,
    // indexes, free pages.
    let mut files: Vec<(String, Vec<u8>)> = vec![("the log".into(), log.into_bytes())];
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if name(&path).starts_with("phonelogin.db") {
            files.push((name(&path), std::fs::read(&path).unwrap()));
        }
    }
    let stored: usize = files.iter().skip(1).map(|(_, bytes)| bytes.len()).sum();
    assert!(stored > 64 * 1024, "the database files were read: {stored} bytes");
    for (what, secret) in secrets {
        assert!(secret.len() >= 6, "{what}: {secret}");
        for (file, bytes) in &files {
            assert!(!occurs(bytes, secret), "{what} ({secret}) is in {file} in clear");
        }
    }
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}
