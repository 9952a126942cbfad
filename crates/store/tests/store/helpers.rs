//! Test databases (a temp SQLite file, or a fresh PostgreSQL database per test) and the
//! records the tests build: clients, users, devices, login requests, approvals.
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, Once};

use phonelogin_core::clock::UnixTime;
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
    pub async fn sqlite() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/store.db", dir.path().display());
        let store = phonelogin_store::open(&url).await.expect("open SQLite store");
        Some(Self { store, cleanup: Cleanup::Sqlite(dir) })
    }

    pub async fn postgres() -> Option<Self> {
        let db = PgDatabase::create().await?;
        let store = phonelogin_store::open(&db.url).await.expect("open PostgreSQL store");
        Some(Self { store, cleanup: Cleanup::Postgres(db) })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
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
    /// Without `PHONELOGIN_TEST_DATABASE_URL`: a failure under CI, elsewhere a notice and
    /// `None`, so that the suite runs without a PostgreSQL server.
    pub async fn create() -> Option<Self> {
        let Ok(admin_url) = std::env::var(DATABASE_URL_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{DATABASE_URL_VAR} is not set: CI must run the PostgreSQL store tests \
                 (e.g. {DATABASE_URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres)"
            );
            // Once, and past the test harness's capture, so that it is seen.
            static NOTICE: Once = Once::new();
            NOTICE.call_once(|| {
                let notice =
                    format!("notice: {DATABASE_URL_VAR} is not set; the PostgreSQL store tests pass without running\n");
                let _ = std::io::stderr().write_all(notice.as_bytes());
            });
            return None;
        };
        let name = format!("phonelogin_test_{:016x}", RandomState::new().build_hasher().finish());
        let mut admin = PgConnection::connect(&admin_url).await.expect("connect to PHONELOGIN_TEST_DATABASE_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        eprintln!("test database: {name}");
        let url = with_database(&admin_url, &name);
        Some(Self { admin_url, name, url })
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
/// its `auth_req_id` hash is `hash-<id>`.
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
        auth_req_hash: format!("hash-{id}"),
        push: None,
        ping_body: None,
    }
}

/// Inserts a login (no limit in the way) and returns its id.
pub async fn insert(store: &dyn Store, new: NewLoginRequest) -> String {
    let outcome = store.insert_login_request(&new, 1_000, NOW).await.unwrap();
    assert_eq!(outcome, Insert::Inserted);
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
pub fn exactly_one(wins: &[bool]) -> bool {
    wins.iter().filter(|w| **w).count() == 1
}
