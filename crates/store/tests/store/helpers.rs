//! Test databases (a temp SQLite file, or a fresh PostgreSQL database per test) and the
//! records the tests build: clients, users, devices, login requests, approvals.
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use phonelogin_core::clock::UnixTime;
use phonelogin_core::crypto::sha256_hex;
use phonelogin_core::login_request::{Flow, LoginRequest, Status};
use phonelogin_core::model::{AuthMethod, Client, Device, User};
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{Approval, Insert, IssuedToken, NewLoginRequest, Store};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// The clock of every test: requests live 600 s from here.
pub const NOW: UnixTime = 1_700_000_000;
pub const USER: &str = "u-ada";
pub const CLIENT: &str = "shop";

/// Where the PostgreSQL tests create their databases, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
const DATABASE_URL_VAR: &str = "PHONELOGIN_TEST_DATABASE_URL";

/// A store on a database of its own, removed by `finish` (a failed test leaves it to look at).
pub struct TestDb {
    store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(PgDatabase),
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/store.db", dir.path().display());
        let store = phonelogin_store::open(&url).await.expect("open SQLite store");
        Self { store, cleanup: Cleanup::Sqlite(dir) }
    }

    pub async fn postgres() -> Self {
        let db = PgDatabase::create().await;
        let store = phonelogin_store::open(&db.url).await.expect("open PostgreSQL store");
        Self { store, cleanup: Cleanup::Postgres(db) }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub async fn finish(self) {
        drop(self.store);
        if let Cleanup::Postgres(db) = self.cleanup {
            db.drop().await;
        }
    }
}

/// A new, empty database on the server `PHONELOGIN_TEST_DATABASE_URL` names.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl PgDatabase {
    /// Without `PHONELOGIN_TEST_DATABASE_URL` the test fails: a PostgreSQL test that did not
    /// run must not read as passed. Leave them out with `-- --skip postgres` (scripts/test
    /// does, and counts them as skipped).
    pub async fn create() -> Self {
        let admin_url = std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{DATABASE_URL_VAR} is not set, so this PostgreSQL test cannot run: set it \
                 (e.g. {DATABASE_URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres) \
                 or leave the PostgreSQL tests out with `-- --skip postgres`"
            )
        });
        let name = format!("phonelogin_test_{:016x}", RandomState::new().build_hasher().finish());
        let mut admin = PgConnection::connect(&admin_url).await.expect("connect to PHONELOGIN_TEST_DATABASE_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        eprintln!("test database: {name}");
        let url = with_database(&admin_url, &name);
        Self { admin_url, name, url }
    }

    pub async fn drop(self) {
        let mut admin = PgConnection::connect(&self.admin_url).await.expect("connect to drop the test database");
        // FORCE ends the pool's connections that are still closing.
        let name = self.name;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
            .execute(&mut admin)
            .await
            .expect("drop the test database");
    }
}

/// `url` with its database (the path) replaced, keeping any query string.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, String::new()), |(b, q)| (b, format!("?{q}")));
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URL");
    let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
    format!("{scheme}://{authority}/{database}{query}")
}

pub fn client(client_id: &str, sector: &str) -> Client {
    Client {
        client_id: client_id.into(),
        secret_hash: format!("secret-hash-of-{client_id}"),
        name: format!("{client_id} store"),
        logo_url: None,
        auth_method: AuthMethod::ClientSecretBasic,
        scopes: ScopeSet::parse_lenient("openid name email"),
        redirect_uris: vec![format!("https://{client_id}.example/callback")],
        grant_types: vec!["urn:openid:params:grant-type:ciba".into()],
        sector: sector.into(),
        delegated_consents: None,
        security: Default::default(),
        created_at: NOW,
        delivery: Default::default(),
    }
}

pub fn user(user_id: &str, phone: &str) -> User {
    User {
        user_id: user_id.into(),
        phone_number: Msisdn::parse(phone).expect("a valid test number"),
        given_name: "Ada".into(),
        family_name: "Lovelace".into(),
        email: Some("ada@example.com".into()),
        email_verified: true,
        birthdate: Some("1990-12-10".into()),
        nin: None,
        active: true,
        addresses: vec![],
        created_at: NOW,
    }
}

pub fn device(device_id: &str, user_id: &str, name: &str, token_hash: &str) -> Device {
    Device {
        device_id: device_id.into(),
        user_id: user_id.into(),
        name: name.into(),
        token_hash: token_hash.into(),
        pin_hash: "hmac-sha256$test".into(),
        app_version: "1.0.0".into(),
        failed_pins: 0,
        locked: false,
        created_at: NOW,
        public_key: None,
        last_used_at: None,
    }
}

/// Stores the user `USER` that devices and enrollments belong to.
pub async fn with_user(store: &dyn Store) {
    store.upsert_user(&user(USER, "4712345678")).await.unwrap();
}

/// A pending in-app login of `USER` at `CLIENT`, created at `NOW`, expiring 600 s later;
/// its `auth_req_id` is `auth-req-<id>`, stored hashed.
pub fn login(id: &str) -> NewLoginRequest {
    NewLoginRequest {
        request: LoginRequest {
            id: id.into(),
            client_id: CLIENT.into(),
            user_id: USER.into(),
            scopes: ScopeSet::parse_lenient("openid name"),
            binding_message: None,
            nonce: None,
            client_state: None,
            flow: Flow::InApp,
            status: Status::Pending,
            created_at: NOW,
            expires_at: NOW + 600,
            interval: 5,
            decided_at: None,
            delegated: None,
        },
        auth_req_hash: sha256_hex(&format!("auth-req-{id}")),
        push: None,
        ping_body: None,
    }
}

/// Inserts a login (no limit in the way) and returns its id.
pub async fn insert(store: &dyn Store, new: NewLoginRequest) -> String {
    let outcome = store.insert_login_request(&new, 1_000, NOW).await.unwrap();
    assert!(matches!(outcome, Insert::Inserted { .. }), "{outcome:?}");
    new.request.id
}

/// An access token `hash` to issue with a redemption at `NOW`, valid 300 s.
pub fn issued(hash: &str) -> IssuedToken {
    IssuedToken { token_hash: hash.into(), expires_at: NOW + 300 }
}

/// A login `id` approved and redeemed at `NOW` with the access token `token_hash`.
pub async fn redeemed(store: &dyn Store, id: &str, token_hash: &str) {
    insert(store, login(id)).await;
    assert!(store.approve_login_request(id, &approval(), NOW).await.unwrap());
    assert!(store.redeem_login_request(id, &issued(token_hash), NOW).await.unwrap());
}

/// An approval with nothing attached.
pub fn approval() -> Approval {
    Approval { code_hash: None, code_expires_at: None, consent: None, delegated: None }
}

/// An approval that hands out a redirect-flow code valid for 60 s.
pub fn approval_with_code(code_hash: &str) -> Approval {
    Approval { code_hash: Some(code_hash.into()), code_expires_at: Some(NOW + 60), ..approval() }
}

/// How many times a race is run: the first round also fills the connection pool, so that
/// the later rounds' statements really reach the database together.
pub const ROUNDS: usize = 4;

/// Exactly one `true` among racing outcomes.
/// What a test takes: `&dyn Store`, or `&Arc<dyn Store>` to race calls on tasks of their own.
pub trait StoreArg {
    fn arg(store: &Arc<dyn Store>) -> &Self;
}

impl StoreArg for dyn Store {
    fn arg(store: &Arc<dyn Store>) -> &Self {
        store.as_ref()
    }
}

impl StoreArg for Arc<dyn Store> {
    fn arg(store: &Arc<dyn Store>) -> &Self {
        store
    }
}

/// Runs `n` calls at once, each on a task of its own on the multi-threaded runtime, released
/// together, so that they contend for the database on either backend (on SQLite through its
/// writer); their results in call order.
pub async fn race<T, Fut>(store: &Arc<dyn Store>, n: usize, call: impl Fn(Arc<dyn Store>, usize) -> Fut) -> Vec<T>
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (call, start) = (call(store.clone(), i), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                call.await
            })
        })
        .collect();
    futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("a racing call panicked")).collect()
}

pub fn exactly_one(wins: &[bool]) -> bool {
    wins.iter().filter(|w| **w).count() == 1
}
