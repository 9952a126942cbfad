//! Merchant webhooks (spec §11): `consent.revoked` to the client's `webhook_url`, signed with
//! its `webhook_secret`, the same `id` on every retry, retried for 24 hours.
use phonelogin_core::outbox::signature;
use serde_json::json;

use crate::helpers::*;
use crate::receiver::{Receiver, eventually, register};

async fn shop_with_webhook(app: &TestApp, receiver: &Receiver, secret: Option<&str>) -> Vec<String> {
    let mut spec = json!({"client_id": SHOP.0, "client_secret": SHOP.1, "name": "Shop",
        "scopes": ["openid", "name", "email"], "webhook_url": receiver.url("/hooks/phonelogin")});
    if let Some(s) = secret {
        spec["webhook_secret"] = json!(s);
    }
    register(app, spec).await
}

async fn revoke(app: &TestApp, client_id: &str) -> u16 {
    let url = app.url(&format!("/app-api/v1/consents/{client_id}"));
    app.http.delete(url).bearer_auth(ADA_DEVICE).send().await.unwrap().status().as_u16()
}

/// The `sub` the client got for Ada in its ID token.
fn id_token_sub(tokens: &serde_json::Value) -> String {
    let payload = tokens["id_token"].as_str().unwrap().split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    claims["sub"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_revoked_consent_is_posted_signed_with_the_pairwise_sub() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    shop_with_webhook(&app, &receiver, Some("whsec-shop-0123456789abcdef0123456789")).await;
    let tokens = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    assert_eq!(revoke(&app, "shop").await, 204);

    let hook = receiver.next().await;
    assert_eq!(hook.path, "/hooks/phonelogin");
    assert_eq!(hook.header("content-type"), "application/json");
    let sig = hook.header("phonelogin-signature");
    assert!(signature::verify(sig, "whsec-shop-0123456789abcdef0123456789", &hook.body, START), "{sig}");
    assert!(!signature::verify(sig, "another secret", &hook.body, START));
    let event = hook.json();
    assert_eq!(event["type"], "consent.revoked");
    assert_eq!(event["client_id"], "shop");
    assert_eq!(event["sub"], id_token_sub(&tokens), "the client's pairwise sub");
    assert_eq!(event["time"], "2026-06-01T00:00:00Z");
    assert!(event["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(event.as_object().unwrap().len(), 5, "nothing more: {event}");
}

#[tokio::test]
async fn a_failing_merchant_gets_the_same_id_again_until_24_hours_passed() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let generated = shop_with_webhook(&app, &receiver, None).await;
    let secret = generated[0].strip_prefix("client shop webhook secret: ").expect("a generated secret").to_owned();
    app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    receiver.answer(&[500, 502]);
    assert_eq!(revoke(&app, "shop").await, 204);

    let first = receiver.next().await;
    app.clock.advance(5);
    let second = receiver.next().await;
    app.clock.advance(10);
    let third = receiver.next().await;
    assert_eq!(first.json(), third.json(), "the body, id included, stays the same");
    assert_eq!(first.json()["id"], second.json()["id"]);
    assert!(signature::verify(third.header("phonelogin-signature"), &secret, &third.body, START + 15));
    assert!(third.header("phonelogin-signature").starts_with(&format!("t={},", START + 15)), "t of this attempt");
    eventually(|| async { app.store.pending_messages().await.unwrap() == 0 }).await;

    // A merchant down for good: retried, then given up after 24 hours.
    app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    receiver.answer(&[503; 200]);
    assert_eq!(revoke(&app, "shop").await, 204);
    receiver.next().await;
    app.clock.advance(24 * 3600 - 2);
    receiver.next().await;
    app.clock.advance(2);
    eventually(|| async { app.store.pending_messages().await.unwrap() == 0 }).await;
}

#[tokio::test]
async fn a_client_without_webhook_or_consent_hears_nothing() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    shop_with_webhook(&app, &receiver, Some("whsec-shop-0123456789abcdef0123456789")).await;
    assert_eq!(revoke(&app, "shop").await, 404, "nothing to revoke");
    app.login(OTHER, ADA, ADA_DEVICE, "1234", "openid name").await;
    assert_eq!(revoke(&app, "other").await, 204);
    assert_eq!(app.store.pending_messages().await.unwrap(), 0);
}

#[tokio::test]
async fn a_webhook_url_without_a_secret_gets_one_generated_and_kept() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let first = shop_with_webhook(&app, &receiver, None).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(shop_with_webhook(&app, &receiver, None).await.is_empty(), "kept on re-import, not printed again");
    let bad = json!({"client_id": "x", "name": "X", "scopes": ["openid"], "webhook_url": "ftp://x"});
    let spec: phonelogin_core::fixtures::ClientSpec = serde_json::from_value(bad).unwrap();
    let keys = secret().keys();
    let e = phonelogin_core::fixtures::import_client(app.store.as_ref(), &keys, &spec, START, &mut Default::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("webhook_url"), "{e}");
}
