//! Web Push (spec §11, RFC 8030/8291/8292): the VAPID key, subscriptions and their address
//! rules, and whole deliveries to a local push service that decrypts with the subscription's
//! private key and verifies the VAPID token.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::SecretKey;
use p256::elliptic_curve::rand_core::{OsRng, RngCore};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use phonelogin_core::outbox::webpush;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::receiver::{Receiver, eventually};

/// A browser's side of a subscription: its key pair and auth secret.
struct Browser {
    key: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Self {
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        Self { key: SecretKey::random(&mut OsRng), auth }
    }

    fn subscription(&self, endpoint: &str) -> Value {
        json!({"endpoint": endpoint, "expirationTime": null, "keys": {
            "p256dh": URL_SAFE_NO_PAD.encode(self.key.public_key().to_encoded_point(false).as_bytes()),
            "auth": URL_SAFE_NO_PAD.encode(self.auth)}})
    }

    fn open(&self, body: &[u8]) -> Value {
        serde_json::from_slice(&webpush::decrypt(body, &self.key, &self.auth).unwrap()).unwrap()
    }
}

async fn put(app: &TestApp, device: &str, subscription: Value) -> reqwest::Response {
    app.http.put(app.url("/app-api/v1/push-subscription")).bearer_auth(device).json(&subscription).send().await.unwrap()
}

async fn app_error(r: reqwest::Response, status: u16, error: &str) {
    let (s, b) = body(r).await;
    assert_eq!((s.as_u16(), b["error"].as_str()), (status, Some(error)), "{b}");
}

async fn dev_app_with_push(receiver: &Receiver, browser: &Browser) -> TestApp {
    let app = spawn_with(Options { dev: true, ..Default::default() }).await;
    assert_eq!(put(&app, ADA_DEVICE, browser.subscription(&receiver.url("/push/ada"))).await.status(), 204);
    app
}

/// Checks the `Authorization: vapid t=<JWT>, k=<key>` header: ES256 by the server's VAPID key,
/// `aud` the push service's origin, `exp` at most 24 h ahead, `sub` the configured subject.
fn assert_vapid(header: &str, vapid_public_key: &str, origin: &str, now: i64) {
    let (t, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, vapid_public_key);
    let point = URL_SAFE_NO_PAD.decode(k).unwrap();
    let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
    let key = jsonwebtoken::DecodingKey::from_ec_components(&x, &y).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[origin]);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(t, &key, &validation).unwrap().claims;
    let exp = claims["exp"].as_i64().unwrap();
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp} at {now}");
    assert_eq!(claims["sub"], VAPID_SUBJECT);
}

#[tokio::test]
async fn the_vapid_public_key_is_one_65_byte_point_for_devices_only() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/app-api/v1/push/vapid-public-key")).send().await.unwrap();
    app_error(r, 401, "invalid_token").await;
    let (s, b) = body(app.app_get(ADA_DEVICE, "/push/vapid-public-key").await).await;
    assert_eq!(s, 200);
    let key = b["vapid_public_key"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(key).unwrap().len(), 65);
    let again = body(app.app_get(ALAN_DEVICE, "/push/vapid-public-key").await).await.1;
    assert_eq!(again["vapid_public_key"], key, "one pair for every device");
}

#[tokio::test]
async fn a_subscription_needs_https_and_a_public_address_outside_dev() {
    let app = spawn_app().await;
    let browser = Browser::new();
    for endpoint in [
        "http://push.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "https://192.168.0.1/x",
        "https://169.254.169.254/x",
        "https://[::1]/x",
        "https://[fe80::1]/x",
        "https://localhost/x",
        "not a url",
    ] {
        app_error(put(&app, ADA_DEVICE, browser.subscription(endpoint)).await, 400, "invalid_request").await;
    }
    let mut bad_keys = browser.subscription("https://93.184.216.34/x");
    bad_keys["keys"]["p256dh"] = json!("AAAA");
    app_error(put(&app, ADA_DEVICE, bad_keys).await, 400, "invalid_request").await;
    let mut bad_auth = browser.subscription("https://93.184.216.34/x");
    bad_auth["keys"]["auth"] = json!("c2hvcnQ");
    app_error(put(&app, ADA_DEVICE, bad_auth).await, 400, "invalid_request").await;
    app_error(put(&app, ADA_DEVICE, json!({"endpoint": 5})).await, 400, "invalid_request").await;
    app_error(put(&app, "no-such-device", browser.subscription("https://93.184.216.34/x")).await, 401, "invalid_token")
        .await;
    // A public address is taken; the device then has one subscription.
    assert_eq!(put(&app, ADA_DEVICE, browser.subscription("https://93.184.216.34/x")).await.status(), 204);
    let device = app.store.device_by_token(&phonelogin_core::crypto::sha256_hex(ADA_DEVICE)).await.unwrap().unwrap();
    let stored = app.store.push_subscription(&device.device_id).await.unwrap().unwrap();
    assert_eq!(stored.endpoint, "https://93.184.216.34/x");
    let r = app.http.delete(app.url("/app-api/v1/push-subscription")).bearer_auth(ADA_DEVICE).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.store.push_subscription(&device.device_id).await.unwrap(), None);
}

#[tokio::test]
async fn a_new_login_request_is_pushed_encrypted_with_vapid_ttl_and_high_urgency() {
    let receiver = Receiver::start().await;
    let browser = Browser::new();
    let app = dev_app_with_push(&receiver, &browser).await;
    let vapid = body(app.app_get(ADA_DEVICE, "/push/vapid-public-key").await).await.1;
    app.start(SHOP, ADA, "openid name").await;
    let id = app.newest_request(ADA_DEVICE).await;

    let push = receiver.next().await;
    assert_eq!(push.path, "/push/ada");
    assert_eq!(push.header("content-encoding"), "aes128gcm");
    assert_eq!(push.header("urgency"), "high");
    assert_eq!(push.header("ttl"), "600", "seconds until the request expires");
    assert_vapid(push.header("authorization"), vapid["vapid_public_key"].as_str().unwrap(), &receiver.url, START);
    assert_eq!(
        browser.open(&push.body),
        json!({"type": "login_request", "request_id": id, "merchant": "Shop", "expires_at": START + 600})
    );
    // Alan has no subscription, and Ada's other logins each get their own push.
    app.start(OTHER, ALAN, "openid").await;
    app.start(OTHER, ADA, "openid").await;
    assert_eq!(browser.open(&receiver.next().await.body)["merchant"], "Other Store");
}

#[tokio::test]
async fn a_failed_push_is_retried_with_backoff_until_its_ttl() {
    let receiver = Receiver::start().await;
    let browser = Browser::new();
    let app = dev_app_with_push(&receiver, &browser).await;
    receiver.answer(&[500, 503, 429]);
    app.backchannel(SHOP, &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid"), ("requested_expiry", "30")])
        .await;
    let first = receiver.next().await;
    assert!(receiver.is_quiet().await, "no retry before its time");
    app.clock.advance(5);
    let second = receiver.next().await;
    assert_eq!(second.header("ttl"), "25", "the TTL counts down");
    assert_eq!(browser.open(&first.body), browser.open(&second.body));
    app.clock.advance(10);
    assert_eq!(receiver.next().await.header("ttl"), "15");
    // The fourth attempt (after 20 s more) would come after the request expired: it comes a
    // second before instead, and then no more.
    app.clock.advance(14);
    receiver.answer(&[500]);
    assert_eq!(receiver.next().await.header("ttl"), "1");
    eventually(|| async { app.store.pending_messages().await.unwrap() == 0 }).await;
    app.clock.advance(600);
    assert!(receiver.is_quiet().await);
}

#[tokio::test]
async fn a_push_service_answering_410_or_404_ends_the_subscription() {
    for status in [410, 404] {
        let receiver = Receiver::start().await;
        let browser = Browser::new();
        let app = dev_app_with_push(&receiver, &browser).await;
        receiver.answer(&[status]);
        app.start(SHOP, ADA, "openid").await;
        receiver.next().await;
        let device =
            app.store.device_by_token(&phonelogin_core::crypto::sha256_hex(ADA_DEVICE)).await.unwrap().unwrap();
        eventually(|| async { app.store.push_subscription(&device.device_id).await.unwrap().is_none() }).await;
        eventually(|| async { app.store.pending_messages().await.unwrap() == 0 }).await;
        app.clock.advance(5);
        assert!(receiver.is_quiet().await, "{status}: not retried");
    }
}

#[tokio::test]
async fn deliveries_are_counted_in_metrics() {
    let receiver = Receiver::start().await;
    let browser = Browser::new();
    let app = dev_app_with_push(&receiver, &browser).await;
    app.start(SHOP, ADA, "openid").await;
    receiver.next().await;
    eventually(|| async { app.store.pending_messages().await.unwrap() == 0 }).await;
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("phonelogin_outbox_delivered_total{kind=\"web_push\"}"), "{metrics}");
    assert!(metrics.contains("phonelogin_outbox_failed_attempts_total"), "{metrics}");
}

#[tokio::test]
async fn a_new_device_is_announced_to_the_users_subscribed_devices() {
    let receiver = Receiver::start().await;
    let browser = Browser::new();
    let app = dev_app_with_push(&receiver, &browser).await;
    let added = app.enroll(ADA, "1357").await;
    let push = receiver.next().await;
    let payload = browser.open(&push.body);
    assert_eq!(payload["type"], "device_added");
    assert_eq!(payload["device_name"], "Test phone");
    assert_eq!(push.header("urgency"), "high");
    // The new device subscribes too; the next device is announced to both, never to itself.
    let other = Browser::new();
    assert_eq!(put(&app, &added.token, other.subscription(&receiver.url("/push/new"))).await.status(), 204);
    app.clock.advance(1);
    app.enroll(ADA, "2468").await;
    let mut paths = vec![receiver.next().await.path, receiver.next().await.path];
    paths.sort();
    assert_eq!(paths, ["/push/ada", "/push/new"]);
}
