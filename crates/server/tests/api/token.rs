//! The token endpoint's CIBA grant: one test per row of spec §3.3, and the ID token (§3.4).
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn poll_while_waiting_for_the_user_is_authorization_pending() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid").await;
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
    app.clock.advance(5);
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
}

#[tokio::test]
async fn poll_sooner_than_interval_is_slow_down_and_grows_interval() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid").await;
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
    app.clock.advance(1);
    assert_error(app.poll(SHOP, &id).await, 400, "slow_down").await;
    // The interval is now 10 s: 6 s later is still too soon (and grows it to 15 s) ...
    app.clock.advance(6);
    assert_error(app.poll(SHOP, &id).await, 400, "slow_down").await;
    app.clock.advance(14);
    assert_error(app.poll(SHOP, &id).await, 400, "slow_down").await;
    // ... and waiting the whole grown interval (20 s) is fine.
    app.clock.advance(20);
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
}

/// The pace is kept in memory per request: of parallel polls that all come when the interval
/// has passed, exactly the first is `authorization_pending`, each later one too soon.
#[tokio::test]
async fn parallel_polls_after_the_interval_let_exactly_one_through() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid").await;
    let other = app.start(SHOP, ADA, "openid").await;
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
    app.clock.advance(5);
    let polls = futures::future::join_all((0..50).map(|_| app.poll(SHOP, &id))).await;
    let mut errors = Vec::new();
    for r in polls {
        assert_eq!(r.status(), 400);
        errors.push(body(r).await.1["error"].as_str().unwrap().to_owned());
    }
    let pending = errors.iter().filter(|e| *e == "authorization_pending").count();
    let slow = errors.iter().filter(|e| *e == "slow_down").count();
    assert_eq!((pending, slow), (1, 49), "{errors:?}");
    // 49 early polls grew the interval to 5 + 49 × 5 s; another request keeps its own pace.
    assert_error(app.poll(SHOP, &other).await, 400, "authorization_pending").await;
    app.clock.advance(249);
    assert_error(app.poll(SHOP, &id).await, 400, "slow_down").await;
    // ... now 255 s, waited in full.
    app.clock.advance(255);
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
}

#[tokio::test]
async fn poll_past_expiry_is_expired_token() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid").await;
    app.clock.advance(599);
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
    app.clock.advance(1);
    assert_error(app.poll(SHOP, &id).await, 400, "expired_token").await;
}

#[tokio::test]
async fn an_approved_request_not_redeemed_before_expiry_is_expired_token() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid").await;
    let rid = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
    app.clock.advance(600);
    assert_error(app.poll(SHOP, &id).await, 400, "expired_token").await;
}

#[tokio::test]
async fn poll_of_a_request_rejected_by_the_user_is_access_denied() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid name").await;
    let rid = app.newest_request(ADA_DEVICE).await;
    assert_eq!(
        app.app_post(ADA_DEVICE, &format!("/login-requests/{rid}/reject"), serde_json::json!({})).await.status(),
        200
    );
    assert_error(app.poll(SHOP, &id).await, 400, "access_denied").await;
}

#[tokio::test]
async fn an_approved_request_gives_tokens_once() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid name").await;
    let rid = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
    let r = app.poll(SHOP, &id).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let (s, t) = body(r).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 300);
    assert_eq!(t["scope"], "openid name");
    assert!(t["access_token"].as_str().unwrap().len() >= 43);
    app.clock.advance(10);
    assert_error(app.poll(SHOP, &id).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn unknown_auth_req_id_is_invalid_grant() {
    let app = spawn_app().await;
    assert_error(app.poll(SHOP, "no-such-request").await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn another_clients_auth_req_id_is_invalid_grant() {
    let app = spawn_app().await;
    let id = app.start(SHOP, ADA, "openid").await;
    assert_error(app.poll(OTHER, &id).await, 400, "invalid_grant").await;
    // ... and that poll did not count against the owner's interval.
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
}

#[tokio::test]
async fn unknown_grant_type_is_unsupported_grant_type() {
    let app = spawn_app().await;
    assert_error(app.token(SHOP, &[("grant_type", "password")]).await, 400, "unsupported_grant_type").await;
    assert_error(
        app.token(SHOP, &[("grant_type", "authorization_code"), ("code", "x")]).await,
        400,
        "unsupported_grant_type",
    )
    .await;
}

#[tokio::test]
async fn a_grant_the_client_is_not_registered_for_is_unauthorized_client() {
    let app = spawn_app().await;
    let r = app
        .token(
            ("redirect-only", "redirect-only-secret-for-tests-0123456789abcdef"),
            &[("grant_type", CIBA), ("auth_req_id", "x")],
        )
        .await;
    assert_error(r, 400, "unauthorized_client").await;
    let r = app
        .backchannel(
            ("redirect-only", "redirect-only-secret-for-tests-0123456789abcdef"),
            &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")],
        )
        .await;
    assert_error(r, 400, "unauthorized_client").await;
}

#[tokio::test]
async fn missing_grant_type_or_auth_req_id_is_invalid_request() {
    let app = spawn_app().await;
    assert_error(app.token(SHOP, &[("auth_req_id", "x")]).await, 400, "invalid_request").await;
    assert_error(app.token(SHOP, &[("grant_type", CIBA)]).await, 400, "invalid_request").await;
    assert_error(
        app.token(SHOP, &[("grant_type", CIBA), ("auth_req_id", "a"), ("auth_req_id", "b")]).await,
        400,
        "invalid_request",
    )
    .await;
}

pub async fn verify_id_token(app: &TestApp, id_token: &str, audience: &str) -> Value {
    let header = decode_header(id_token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let jwks: JwkSet = app
        .http
        .get(app.url("/access-management-1.0/access/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).expect("kid is in the JWKS");
    let mut v = Validation::new(header.alg);
    v.set_audience(&[audience]);
    v.set_issuer(&[&app.issuer]);
    v.validate_exp = false; // the test clock is not the wall clock
    decode::<Value>(id_token, &DecodingKey::from_jwk(jwk).unwrap(), &v).unwrap().claims
}

#[tokio::test]
async fn the_id_token_is_rs256_signed_with_a_published_key_and_carries_the_claims() {
    let app = spawn_app().await;
    let nonce = "n-0S6_WzA2Mj";
    let (_, b) = body(
        app.backchannel(SHOP, &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid name"), ("nonce", nonce)])
            .await,
    )
    .await;
    let auth_req_id = b["auth_req_id"].as_str().unwrap();
    let rid = app.newest_request(ADA_DEVICE).await;
    app.clock.advance(3);
    assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
    app.clock.advance(2);
    let (_, t) = body(app.poll(SHOP, auth_req_id).await).await;
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(decode_header(id_token).unwrap().alg, jsonwebtoken::Algorithm::RS256);
    let c = verify_id_token(&app, id_token, "shop").await;
    assert_eq!(c["iss"], app.issuer);
    assert_eq!(c["aud"], "shop");
    assert_eq!(c["iat"], START + 5);
    assert_eq!(c["exp"], START + 5 + 3600);
    assert_eq!(c["auth_time"], START + 3);
    assert_eq!(c["nonce"], nonce);
    assert_eq!(c["auth_req_id"], auth_req_id);
    assert_eq!(c["sid"], rid);
    assert!(uuid_like(c["sub"].as_str().unwrap()));
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(c["at_hash"], phonelogin_core::crypto::at_hash(t["access_token"].as_str().unwrap()));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
}

#[tokio::test]
async fn es256_is_selectable() {
    let app = spawn_with(Options { alg: phonelogin_core::keys::Alg::Es256, ..Options::default() }).await;
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid").await;
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(decode_header(id_token).unwrap().alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(verify_id_token(&app, id_token, "shop").await["aud"], "shop");
}

#[tokio::test]
async fn after_key_rotation_the_new_key_signs_and_the_old_stays_published() {
    let app = spawn_app().await;
    let before = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid").await;
    let old_kid = decode_header(before["id_token"].as_str().unwrap()).unwrap().kid.unwrap();
    let keys = secret().keys();
    let new = phonelogin_core::keys::StoredKey::generate(phonelogin_core::keys::Alg::Rs256, &keys, START).unwrap();
    app.store.rotate_in(&new, START).await.unwrap();
    let (_, jwks) =
        body(app.http.get(app.url("/access-management-1.0/access/.well-known/jwks.json")).send().await.unwrap()).await;
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&new.kid.as_str()), "{kids:?}");
    // The old token still verifies against the published JWKS.
    verify_id_token(&app, before["id_token"].as_str().unwrap(), "shop").await;
    app.clock.advance(3600 + 300);
    let (_, jwks) =
        body(app.http.get(app.url("/access-management-1.0/access/.well-known/jwks.json")).send().await.unwrap()).await;
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert!(kids.contains(&new.kid.as_str()) && !kids.contains(&old_kid.as_str()), "{kids:?}");
    // The other algorithms' keys were not rotated.
    assert_eq!(kids.len(), 3, "{kids:?}");
}
