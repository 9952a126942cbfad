//! `spawn_app()`: a server on 127.0.0.1:0 with a fresh SQLite database, the fixtures of
//! `fixtures.json`, and a settable clock; plus helpers that speak the protocol as a merchant
//! and as the app would.
use std::sync::{Arc, OnceLock};

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use phonelogin_core::clock::{Clock, ManualClock, SystemClock};
use phonelogin_core::crypto::ServerSecret;
use phonelogin_core::keys::{Alg, StoredKey};
use phonelogin_core::store::Store;
use phonelogin_core::version::AppVersion;
use phonelogin_server::serve::{HttpLimits, serve};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub const CIBA: &str = "urn:openid:params:grant-type:ciba";
pub const CIBA_REDIRECT: &str = "urn:vipps:params:grant-type:ciba-redirect";
pub const SHOP: (&str, &str) = ("shop", "shop-secret-for-tests-0123456789abcdef");
pub const SHOP_WEB: (&str, &str) = ("shop-web", "shop-web-secret-for-tests-0123456789abcdef");
pub const OTHER: (&str, &str) = ("other", "other-secret-for-tests-0123456789abcdef");
pub const CLUB: (&str, &str) = ("club", "club-secret-for-tests-0123456789abcdef");
pub const ADA: &str = "4712345678";
pub const ADA_DEVICE: &str = "ada-device-token";
pub const ALAN: &str = "4798765432";
pub const ALAN_DEVICE: &str = "alan-device-token";
/// 2026-06-01T00:00:00Z: the clock's start.
pub const START: i64 = 1_780_272_000;

pub struct Options {
    pub dev: bool,
    pub demo: bool,
    pub real_clock: bool,
    pub max_pending: i64,
    pub alg: Alg,
    /// `--sms-webhook` and its secret.
    pub sms_webhook: Option<(String, String)>,
    pub trust_proxy: bool,
    pub self_registration: bool,
    pub limits: HttpLimits,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dev: false,
            demo: false,
            real_clock: false,
            max_pending: 3,
            alg: Alg::Rs256,
            trust_proxy: false,
            self_registration: false,
            limits: HttpLimits::default(),
            sms_webhook: None,
        }
    }
}

/// The `--vapid-subject` of test servers.
pub const VAPID_SUBJECT: &str = "mailto:ops@phonelogin.test";

/// Where a test server keeps its data: a fresh SQLite file, or — with
/// `PHONELOGIN_TEST_STORE=postgres` — a fresh database on `PHONELOGIN_TEST_DATABASE_URL`.
struct TestDatabase {
    url: String,
    /// PostgreSQL: (server URL, database name) to drop afterwards.
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    async fn create() -> Self {
        let dir = tempfile::tempdir().unwrap();
        if std::env::var("PHONELOGIN_TEST_STORE").as_deref() != Ok("postgres") {
            return Self { url: format!("sqlite://{}/test.db", dir.path().display()), postgres: None, _dir: dir };
        }
        let server = std::env::var("PHONELOGIN_TEST_DATABASE_URL")
            .expect("PHONELOGIN_TEST_STORE=postgres needs PHONELOGIN_TEST_DATABASE_URL");
        let name = format!("phonelogin_api_{}", phonelogin_core::crypto::random_id().replace('-', ""));
        admin(&server, &format!("CREATE DATABASE {name}")).await;
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        Self { url: format!("{base}/{name}"), postgres: Some((server.clone(), name)), _dir: dir }
    }
}

async fn admin(server: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(server).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut c).await.unwrap();
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres.take() {
            // The server task still holds connections: FORCE closes them.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(admin(&server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub url: String,
    pub issuer: String,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    /// The demo client's secret, with `demo`.
    pub demo_secret: Option<String>,
    /// Stops the server as SIGTERM does (`stop()`).
    stop: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// Completes when the server has stopped.
    pub stopped: tokio::sync::watch::Receiver<bool>,
    _db: TestDatabase,
}

/// One secret and one key per key type for the whole test process: RSA key generation is slow.
pub fn secret() -> &'static ServerSecret {
    static S: OnceLock<ServerSecret> = OnceLock::new();
    S.get_or_init(ServerSecret::generate)
}

/// The server's signing key of each algorithm (one per process: RSA generation is slow).
fn key(alg: Alg) -> StoredKey {
    static KEYS: [OnceLock<StoredKey>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let n = Alg::ALL.iter().position(|a| *a == alg).unwrap();
    KEYS[n].get_or_init(|| StoredKey::generate(alg, &secret().keys(), START).unwrap()).clone()
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(o: Options) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt().with_env_filter("debug").with_test_writer().try_init();
    }
    let db = TestDatabase::create().await;
    let store = phonelogin_store::open(&db.url).await.unwrap();
    let keys = secret().keys();
    for alg in Alg::ALL {
        store.rotate_in(&key(alg), START).await.unwrap();
    }
    let doc = serde_json::from_str(include_str!("fixtures.json")).unwrap();
    phonelogin_core::fixtures::import(store.as_ref(), &keys, &doc, START).await.unwrap();

    let manual = Arc::new(ManualClock::new(if o.real_clock { SystemClock.now() } else { START }));
    let clock: Arc<dyn Clock> = if o.real_clock { Arc::new(SystemClock) } else { manual.clone() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let settings = phonelogin_core::backchannel::Settings {
        max_pending_per_user: o.max_pending,
        min_app_version: AppVersion::parse("1.0.0").unwrap(),
        dev: o.dev,
        id_token_alg: o.alg,
    };
    let demo = if o.demo {
        let (doc, secret) = phonelogin_server::demo::fixtures(&url);
        phonelogin_core::fixtures::import(store.as_ref(), &keys, &doc, START).await.unwrap();
        Some(secret)
    } else {
        None
    };
    let mut state = phonelogin_server::single_node_state(store.clone(), clock.clone(), keys, settings, &url);
    Arc::get_mut(&mut state).unwrap().trust_proxy = o.trust_proxy;
    Arc::get_mut(&mut state).unwrap().self_registration = o.self_registration;
    let mut delivery = phonelogin_server::delivery::DeliveryConfig::new(&url);
    delivery.poll_every = std::time::Duration::from_millis(20);
    delivery.vapid_subject = VAPID_SUBJECT.into();
    (delivery.sms_webhook, delivery.sms_secret) = o.sms_webhook.clone().unzip();
    phonelogin_server::delivery::start(state.clone(), delivery).await.unwrap();
    let issuer = state.issuer.clone();
    let streams = state.streams.clone();
    let mut router = phonelogin_server::router(state);
    if let Some(secret) = demo.clone() {
        router = router.merge(phonelogin_server::demo::router(&url, secret, clock));
    }
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let (done, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let stop = async move {
            let _ = stopping.await;
        };
        serve(listener, router, o.limits, stop, move || streams.close_all()).await;
        let _ = done.send(true);
    });
    TestApp {
        url,
        issuer,
        clock: manual,
        store,
        http: reqwest::Client::new(),
        demo_secret: demo,
        stop: std::sync::Mutex::new(Some(stop)),
        stopped,
        _db: db,
    }
}

/// An app's device key: a P-256 key pair whose public JWK is registered at enrollment.
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    pub fn generate() -> Self {
        Self(SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng))
    }

    pub fn jwk(&self) -> Value {
        let point = self.0.verifying_key().to_encoded_point(false);
        json!({"kty": "EC", "crv": "P-256", "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
    }

    /// base64url of the ES256 signature (r‖s) of `message`.
    pub fn sign(&self, message: &str) -> String {
        let signature: Signature = self.0.sign(message.as_bytes());
        b64(&signature.to_bytes())
    }

    /// The signature of a decision on a request.
    pub fn decision(&self, request_id: &str, approve: bool) -> String {
        self.sign(&format!("phonelogin-decision:{request_id}:{}", if approve { "approve" } else { "reject" }))
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

/// A device enrolled through the App API: its token and its key.
pub struct Phone {
    pub token: String,
    pub key: DeviceKey,
}

pub async fn body(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Asserts an OAuth error response: status, `error`, JSON and `no-store`.
pub async fn assert_error(r: Response, status: u16, error: &str) -> Value {
    assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "no-store on {error}");
    assert_eq!(r.headers().get("content-type").map(|v| v.to_str().unwrap()), Some("application/json"));
    let (s, b) = body(r).await;
    assert_eq!((s.as_u16(), b["error"].as_str()), (status, Some(error)), "body: {b}");
    assert!(b["error_description"].as_str().is_some_and(|d| !d.is_empty()));
    b
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Stops the server as SIGTERM does.
    pub fn stop(&self) {
        if let Some(stop) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
    }

    /// Starts an enrollment for `phone`; returns the raw response.
    pub async fn start_enrollment(&self, phone: &str) -> Response {
        self.http.post(self.url("/app-api/v1/enrollments")).json(&json!({"phone_number": phone})).send().await.unwrap()
    }

    /// The newest code the dev outbox holds for `phone` (needs `dev`).
    pub async fn code_for(&self, phone: &str) -> Option<String> {
        let (_, outbox) = body(self.http.get(self.url("/app-api/v1/dev/outbox")).send().await.unwrap()).await;
        outbox["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["phone_number"] == phone)
            .map(|m| m["code"].as_str().unwrap().to_owned())
    }

    pub async fn verify_enrollment(&self, enrollment_id: &str, code: &str, pin: &str, key: &DeviceKey) -> Response {
        let verify = json!({"code": code, "pin": pin, "device_name": "Test phone", "app_version": "1.2.0",
                            "device_public_key": key.jwk()});
        self.http
            .post(self.url(&format!("/app-api/v1/enrollments/{enrollment_id}/verify")))
            .json(&verify)
            .send()
            .await
            .unwrap()
    }

    /// Enrolls a new device for `phone` with its own device key (needs `dev`).
    pub async fn enroll(&self, phone: &str, pin: &str) -> Phone {
        let (s, b) = body(self.start_enrollment(phone).await).await;
        assert_eq!(s, 200, "{b}");
        let id = b["enrollment_id"].as_str().unwrap();
        let code = self.code_for(phone).await.expect("a code was sent");
        let key = DeviceKey::generate();
        let (s, b) = body(self.verify_enrollment(id, &code, pin, &key).await).await;
        assert_eq!(s, 200, "{b}");
        Phone { token: b["device_token"].as_str().unwrap().to_owned(), key }
    }

    /// Approves with the PIN and the device key's signature.
    pub async fn approve_signed(&self, phone: &Phone, id: &str, pin: &str) -> Response {
        let signature = phone.key.decision(id, true);
        self.app_post(
            &phone.token,
            &format!("/login-requests/{id}/approve"),
            json!({"pin": pin, "consent": true, "signature": signature}),
        )
        .await
    }

    pub async fn reject_signed(&self, phone: &Phone, id: &str) -> Response {
        let signature = phone.key.decision(id, false);
        self.app_post(&phone.token, &format!("/login-requests/{id}/reject"), json!({"signature": signature})).await
    }

    pub async fn backchannel(&self, client: (&str, &str), params: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url("/vipps-login-ciba/api/backchannel/authentication"))
            .basic_auth(client.0, Some(client.1))
            .form(params)
            .send()
            .await
            .unwrap()
    }

    /// Starts a login for `phone` with the given scope; returns the auth_req_id.
    pub async fn start(&self, client: (&str, &str), phone: &str, scope: &str) -> String {
        let hint = format!("urn:msisdn:{phone}");
        let (s, b) = body(self.backchannel(client, &[("login_hint", &hint), ("scope", scope)]).await).await;
        assert_eq!(s, 200, "{b}");
        b["auth_req_id"].as_str().unwrap().to_owned()
    }

    pub async fn token(&self, client: (&str, &str), params: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url("/access-management-1.0/access/oauth2/token"))
            .basic_auth(client.0, Some(client.1))
            .form(params)
            .send()
            .await
            .unwrap()
    }

    pub async fn poll(&self, client: (&str, &str), auth_req_id: &str) -> Response {
        self.token(client, &[("grant_type", CIBA), ("auth_req_id", auth_req_id)]).await
    }

    pub async fn app_get(&self, device: &str, path: &str) -> Response {
        self.http.get(self.url(&format!("/app-api/v1{path}"))).bearer_auth(device).send().await.unwrap()
    }

    pub async fn app_post(&self, device: &str, path: &str, json: Value) -> Response {
        self.http.post(self.url(&format!("/app-api/v1{path}"))).bearer_auth(device).json(&json).send().await.unwrap()
    }

    /// The id the app sees for the user's newest open request.
    pub async fn newest_request(&self, device: &str) -> String {
        let (s, b) = body(self.app_get(device, "/login-requests").await).await;
        assert_eq!(s, 200, "{b}");
        b["login_requests"][0]["id"].as_str().expect("an open request").to_owned()
    }

    pub async fn approve(&self, device: &str, id: &str, pin: &str) -> Response {
        self.app_post(device, &format!("/login-requests/{id}/approve"), json!({"pin": pin, "consent": true})).await
    }

    /// A whole login: start, approve in the app, redeem. Returns the token response.
    pub async fn login(&self, client: (&str, &str), phone: &str, device: &str, pin: &str, scope: &str) -> Value {
        let auth_req_id = self.start(client, phone, scope).await;
        let id = self.newest_request(device).await;
        let (s, b) = body(self.approve(device, &id, pin).await).await;
        assert_eq!(s, 200, "{b}");
        let (s, tokens) = body(self.poll(client, &auth_req_id).await).await;
        assert_eq!(s, 200, "{tokens}");
        tokens
    }

    pub async fn userinfo(&self, access_token: &str) -> Response {
        self.http.get(self.url("/vipps-userinfo-api/userinfo")).bearer_auth(access_token).send().await.unwrap()
    }
}
