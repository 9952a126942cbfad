//! Nothing sent out is lost by a crash (spec §11): a merchant webhook whose receiver is down,
//! the server killed with SIGKILL and started again, the receiver back: the message arrives,
//! once per `id`, signed. On SQLite, and on PostgreSQL with `PHONELOGIN_TEST_DATABASE_URL`.
mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use phonelogin_core::outbox::signature;
use serde_json::{Value, json};
use sqlx::Connection;

use common::Server;

const WEBHOOK_SECRET: &str = "whsec-crash-test-0123456789abcdef012345";

fn serve(dir: &Path, database_url: &str) -> Server {
    let args =
        ["--dev", "--database-url", database_url, "--secret-file", "crash.secret", "--fixtures", "fixtures.json"];
    common::serve(dir, &args)
}

/// Waits (at most 60 s) until `check` holds.
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "{what} did not happen within a minute");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `GET url` with Ada's device token, as JSON.
async fn app_get(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).bearer_auth("ada-device-token").send().await.unwrap().json().await.unwrap()
}

type Log = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// The merchant's receiver on a port of its own: while `up` is false it is down (503),
/// then it logs what arrives. Returns its port.
async fn receiver(up: Arc<AtomicBool>, log: Log) -> u16 {
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let (log, up) = (log.clone(), up.clone());
        async move {
            if !up.load(Ordering::SeqCst) {
                return axum::http::StatusCode::SERVICE_UNAVAILABLE;
            }
            log.lock().unwrap().push((headers, body.to_vec()));
            axum::http::StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

async fn crash_and_restart(database_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (up, log): (Arc<AtomicBool>, Log) = Default::default();
    let hook_port = receiver(up.clone(), log.clone()).await;
    let fixtures = json!({
        "clients": [{"client_id": "shop", "client_secret": "shop-secret-0123456789abcdef0123456789", "name": "Shop",
            "scopes": ["openid", "name"], "webhook_url": format!("http://127.0.0.1:{hook_port}/hook"),
            "webhook_secret": WEBHOOK_SECRET}],
        "users": [{"phone_number": "4712345678", "given_name": "Ada", "family_name": "Lovelace",
            "devices": [{"name": "phone", "pin": "1234", "device_token": "ada-device-token"}]}]
    });
    std::fs::write(dir.path().join("fixtures.json"), fixtures.to_string()).unwrap();
    let secret = dir.path().join("crash.secret");
    std::fs::write(&secret, "cd".repeat(32)).unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let http = reqwest::Client::new();
    let mut server = serve(dir.path(), database_url);
    let url = server.url.clone();

    // Ada consents to the shop, then revokes: the shop's webhook is written, its receiver is down.
    let started: Value = http
        .post(format!("{url}/vipps-login-ciba/api/backchannel/authentication"))
        .basic_auth("shop", Some("shop-secret-0123456789abcdef0123456789"))
        .form(&[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid name")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(started["auth_req_id"].is_string(), "{started}");
    let list = app_get(&http, &format!("{url}/app-api/v1/login-requests")).await;
    let id = list["login_requests"][0]["id"].as_str().unwrap();
    let approve = http
        .post(format!("{url}/app-api/v1/login-requests/{id}/approve"))
        .bearer_auth("ada-device-token")
        .json(&json!({"pin": "1234", "consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 200);
    let revoke =
        http.delete(format!("{url}/app-api/v1/consents/shop")).bearer_auth("ada-device-token").send().await.unwrap();
    assert_eq!(revoke.status(), 204);
    let failed = || async {
        let metrics = http.get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
        metrics.contains("phonelogin_outbox_failed_attempts_total{kind=\"webhook\"} 1")
    };
    wait_until("a failed webhook attempt", failed).await;

    // SIGKILL: no chance to finish anything.
    server.kill();
    let _server = serve(dir.path(), database_url);
    up.store(true, Ordering::SeqCst);
    let back = Instant::now();

    wait_until("the webhook's arrival", || async { !log.lock().unwrap().is_empty() }).await;
    // Give a duplicate every chance to show up: two more retry periods.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 1, "delivered once");
    let (headers, body) = &log[0];
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(event["type"], "consent.revoked");
    let sig = headers.get("phonelogin-signature").unwrap().to_str().unwrap();
    let t: i64 = sig.split(',').next().unwrap().strip_prefix("t=").unwrap().parse().unwrap();
    assert!(signature::verify(sig, WEBHOOK_SECRET, body, t));
    eprintln!("delivered {:?} after the receiver came back", back.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_webhook_survives_sigkill_and_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_restart(&format!("sqlite://{}/crash.db", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_webhook_survives_sigkill_and_arrives_once() {
    let server = std::env::var("PHONELOGIN_TEST_DATABASE_URL")
        .expect("needs PHONELOGIN_TEST_DATABASE_URL=postgres://... (or `--skip postgres`)");
    let name = format!("phonelogin_crash_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    let sql = |s: String| sqlx::raw_sql(sqlx::AssertSqlSafe(s));
    sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
    sql(format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    crash_and_restart(&format!("{}/{name}", server.rsplit_once('/').unwrap().0)).await;
    sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
}
