//! `private_key_jwt` (spec §12, RFC 7523): every client endpoint, each algorithm, and each
//! refusal as `401 invalid_client`.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use phonelogin_core::clock::Clock;
use phonelogin_core::keys::Alg;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::jwt::*;

#[tokio::test]
async fn private_key_jwt_authenticates_at_every_client_endpoint_with_rs256_ps256_and_es256() {
    let app = spawn_app().await;
    for alg in Alg::ALL {
        let id = format!("pk-{}", alg.as_str());
        let key = ClientKey::get(alg, 0);
        register_pkjwt(&app, &id, key, json!({})).await;
        let r = app
            .with_assertion(BACKCHANNEL, &id, key, &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")])
            .await;
        let (s, b) = body(r).await;
        assert_eq!(s, 200, "{alg:?}: {b}");
        let auth_req_id = b["auth_req_id"].as_str().unwrap();
        let rid = app.newest_request(ADA_DEVICE).await;
        assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
        let r = app.with_assertion(TOKEN, &id, key, &[("grant_type", CIBA), ("auth_req_id", auth_req_id)]).await;
        let (s, t) = body(r).await;
        assert_eq!(s, 200, "{alg:?}: {t}");
        let token = t["access_token"].as_str().unwrap();
        let (s, i) = body(app.with_assertion(INTROSPECT, &id, key, &[("token", token)]).await).await;
        assert_eq!((s.as_u16(), &i["active"]), (200, &json!(true)), "{i}");
        assert_eq!(app.with_assertion(REVOKE, &id, key, &[("token", token)]).await.status(), 200);
    }
}

#[tokio::test]
async fn the_endpoint_url_is_an_accepted_audience() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    register_pkjwt(&app, "bank", key, json!({})).await;
    let jwt = key.sign(&assertion_claims("bank", &app.url(TOKEN), START));
    let r = app.with_jwt(TOKEN, &jwt, &[("grant_type", CIBA), ("auth_req_id", "unknown")]).await;
    assert_error(r, 400, "invalid_grant").await;
    // The token endpoint's URL is not the revocation endpoint's audience.
    let jwt = key.sign(&assertion_claims("bank", &app.url(TOKEN), START));
    assert_error(app.with_jwt(REVOKE, &jwt, &[("token", "x")]).await, 401, "invalid_client").await;
}

/// Each broken assertion is refused with `401 invalid_client`.
async fn refused(app: &TestApp, jwt: &str) {
    let r = app.with_jwt(TOKEN, jwt, &[("grant_type", CIBA), ("auth_req_id", "unknown")]).await;
    assert!(r.headers().get("www-authenticate").is_none());
    assert_error(r, 401, "invalid_client").await;
}

#[tokio::test]
async fn a_wrong_key_an_unknown_kid_or_a_disallowed_alg_is_invalid_client() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Ps256, 0);
    register_pkjwt(&app, "bank", key, json!({})).await;
    let claims = assertion_claims("bank", &app.issuer, START);
    // Another key under the registered kid, and another key under its own kid.
    refused(&app, &ClientKey::get(Alg::Ps256, 1).sign_as(&claims, Some(&key.kid))).await;
    refused(&app, &ClientKey::get(Alg::Ps256, 1).sign(&claims)).await;
    // An RS256 signature by the same RSA key is not a PS256 one; a key of another type fails.
    refused(&app, &ClientKey::get(Alg::Es256, 0).sign_as(&claims, Some(&key.kid))).await;
    // HS256 with the public key as a secret, and alg none.
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key.jwk.to_string().as_bytes()),
    )
    .unwrap();
    refused(&app, &hs).await;
    refused(&app, &format!("eyJhbGciOiJub25lIn0.{}.", hs.split('.').nth(1).unwrap())).await;
    refused(&app, "not-a-jwt").await;
    // The right key still works.
    let r = app.with_jwt(TOKEN, &key.sign(&claims), &[("grant_type", CIBA), ("auth_req_id", "unknown")]).await;
    assert_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn expired_too_long_lived_wrong_aud_or_wrong_iss_assertions_are_invalid_client() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    register_pkjwt(&app, "bank", key, json!({})).await;
    let broken = |name: &str, value: Value| {
        let mut c = assertion_claims("bank", &app.issuer, START);
        if value.is_null() {
            c.as_object_mut().unwrap().remove(name);
        } else {
            c[name] = value;
        }
        key.sign(&c)
    };
    for (name, value) in [
        ("exp", json!(START - 1)),
        ("exp", json!(START + 301)),
        ("exp", Value::Null),
        ("aud", json!("https://elsewhere.example/")),
        ("aud", json!(app.url("/vipps-userinfo-api/userinfo"))),
        ("iss", json!("other")),
        ("sub", json!("other")),
        ("jti", Value::Null),
    ] {
        refused(&app, &broken(name, value)).await;
    }
    // Valid for 5 minutes exactly is fine; time passing expires it.
    let mut c = assertion_claims("bank", &app.issuer, START);
    c["exp"] = json!(START + 300);
    let jwt = key.sign(&c);
    app.clock.advance(300);
    refused(&app, &jwt).await;
}

#[tokio::test]
async fn a_replayed_jti_is_invalid_client_even_when_racing() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    register_pkjwt(&app, "bank", key, json!({})).await;
    let jwt = key.sign(&assertion_claims("bank", &app.issuer, START));
    let form = [("grant_type", CIBA), ("auth_req_id", "unknown")];
    assert_error(app.with_jwt(TOKEN, &jwt, &form).await, 400, "invalid_grant").await;
    refused(&app, &jwt).await;
    // Another endpoint does not make it new.
    assert_error(app.with_jwt(REVOKE, &jwt, &[("token", "x")]).await, 401, "invalid_client").await;

    let jwt = key.sign(&assertion_claims("bank", &app.issuer, START));
    let racing = futures::future::join_all((0..12).map(|_| app.with_jwt(TOKEN, &jwt, &form))).await;
    let statuses: Vec<u16> = racing.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 11, "{statuses:?}");
}

#[tokio::test]
async fn each_client_uses_only_its_registered_method() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    register_pkjwt(&app, "bank", key, json!({})).await;
    // A secret client cannot switch to an assertion, nor a key client to a secret.
    let jwt = key.sign(&assertion_claims("shop", &app.issuer, START));
    refused(&app, &jwt).await;
    assert_error(app.poll(("bank", "anything"), "x").await, 401, "invalid_client").await;
    // The form's client_id must be the assertion's.
    let jwt = key.sign(&assertion_claims("bank", &app.issuer, START));
    let r = app.with_jwt(TOKEN, &jwt, &[("client_id", "shop"), ("grant_type", CIBA), ("auth_req_id", "x")]).await;
    assert_error(r, 401, "invalid_client").await;
    // A wrong assertion type, or an assertion and a secret together.
    let r = app
        .post_form(TOKEN, &[("client_assertion_type", "urn:other"), ("client_assertion", &jwt), ("grant_type", CIBA)])
        .await;
    assert_error(r, 401, "invalid_client").await;
    let r = app.with_jwt(TOKEN, &jwt, &[("client_id", "bank"), ("client_secret", "s"), ("grant_type", CIBA)]).await;
    assert_error(r, 400, "invalid_request").await;
}

/// A JWKS served from 127.0.0.1 (allowed with --dev), counting its fetches.
struct JwksServer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn serve_jwks(initial: Value) -> JwksServer {
    let jwks = Arc::new(Mutex::new(initial));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (j, f) = (jwks.clone(), fetches.clone());
    let router = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let (j, f) = (j.clone(), f.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                axum::Json(j.lock().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    JwksServer { url, jwks, fetches }
}

#[tokio::test]
async fn a_jwks_uri_is_cached_and_fetched_again_for_a_new_kid() {
    let app = spawn_with(Options { dev: true, ..Options::default() }).await;
    let (old, new) = (ClientKey::get(Alg::Es256, 0), ClientKey::get(Alg::Es256, 1));
    let server = serve_jwks(jwks(&[old])).await;
    register(
        &app,
        json!({"client_id": "bank", "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": server.url}),
    )
    .await;
    let form = [("grant_type", CIBA), ("auth_req_id", "unknown")];
    for _ in 0..3 {
        assert_error(app.with_assertion(TOKEN, "bank", old, &form).await, 400, "invalid_grant").await;
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1, "cached");
    // The client rotates its key: an unknown kid fetches the set again (not more than every 10 s).
    *server.jwks.lock().unwrap() = jwks(&[new]);
    app.clock.advance(10);
    assert_error(app.with_assertion(TOKEN, "bank", new, &form).await, 400, "invalid_grant").await;
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);
    // The retired key is gone from the fresh copy.
    assert_error(app.with_assertion(TOKEN, "bank", old, &form).await, 401, "invalid_client").await;
    // Unknown kids right after a fetch do not fetch again.
    let stranger = ClientKey::get(Alg::Es256, 2);
    assert_error(app.with_assertion(TOKEN, "bank", stranger, &form).await, 401, "invalid_client").await;
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);
    assert!(app.clock.now() >= START);
}

#[tokio::test]
async fn outside_dev_a_jwks_uri_must_be_https_on_a_public_address() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    let server = serve_jwks(jwks(&[key])).await;
    let https_private = server.url.replace("http://", "https://");
    for (id, uri) in [("plain", server.url.as_str()), ("private", https_private.as_str())] {
        register(&app, json!({"client_id": id, "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": uri}))
            .await;
        refused(&app, &key.sign(&assertion_claims(id, &app.issuer, START))).await;
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 0, "never contacted");
}
