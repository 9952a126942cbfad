//! Signed authentication requests (CIBA §7.1.1, spec §12): required for clients registered
//! with a request signing algorithm; a bad one is `invalid_request`.
use phonelogin_core::keys::Alg;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::jwt::*;

const BANK: (&str, &str) = ("bank", "bank-secret-0123456789abcdef0123456789");

async fn bank(app: &TestApp) -> &'static ClientKey {
    let key = ClientKey::get(Alg::Ps256, 0);
    register(
        app,
        json!({"client_id": BANK.0, "client_secret": BANK.1, "jwks": jwks(&[key]),
               "backchannel_authentication_request_signing_alg": "PS256"}),
    )
    .await;
    key
}

fn ada() -> Value {
    json!({"login_hint": "urn:msisdn:4712345678", "scope": "openid name", "binding_message": "AB-123"})
}

async fn send(app: &TestApp, request: &str) -> reqwest::Response {
    app.backchannel(BANK, &[("request", request)]).await
}

#[tokio::test]
async fn a_signed_request_starts_a_login_with_the_parameters_inside() {
    let app = spawn_app().await;
    let key = bank(&app).await;
    let mut params = ada();
    params["requested_expiry"] = json!(120);
    let (s, b) = body(send(&app, &key.sign(&request_claims(&app, "bank", params))).await).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["expires_in"], 120, "a number claim is a parameter too");
    let (_, view) =
        body(app.app_get(ADA_DEVICE, &format!("/login-requests/{}", app.newest_request(ADA_DEVICE).await)).await).await;
    assert_eq!(view["binding_message"], "AB-123", "{view}");
}

#[tokio::test]
async fn a_client_that_must_sign_is_refused_without_a_request() {
    let app = spawn_app().await;
    bank(&app).await;
    let r = app.backchannel(BANK, &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")]).await;
    assert_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn a_bad_signature_another_alg_or_a_broken_claim_is_invalid_request() {
    let app = spawn_app().await;
    let key = bank(&app).await;
    let claims = request_claims(&app, "bank", ada());
    assert_error(
        send(&app, &ClientKey::get(Alg::Ps256, 1).sign_as(&claims, Some(&key.kid))).await,
        400,
        "invalid_request",
    )
    .await;
    assert_error(send(&app, &ClientKey::get(Alg::Es256, 0).sign(&claims)).await, 400, "invalid_request").await;
    let mut tampered: Vec<String> = key.sign(&claims).split('.').map(str::to_owned).collect();
    tampered[1] = tampered[1].chars().rev().collect();
    assert_error(send(&app, &tampered.join(".")).await, 400, "invalid_request").await;
    let now = START;
    for (name, value) in [
        ("iss", json!("shop")),
        ("aud", json!(app.url("/vipps-login-ciba/api/backchannel/authentication"))),
        ("exp", json!(now - 1)),
        ("nbf", json!(now + 600)),
        ("exp", json!(now + 3601)),
        ("nbf", Value::Null),
        ("iat", Value::Null),
        ("exp", Value::Null),
        ("jti", Value::Null),
    ] {
        let mut c = request_claims(&app, "bank", ada());
        if value.is_null() {
            c.as_object_mut().unwrap().remove(name);
        } else {
            c[name] = value.clone();
        }
        assert_error(send(&app, &key.sign(&c)).await, 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn a_replayed_request_is_invalid_request() {
    let app = spawn_app().await;
    let key = bank(&app).await;
    let request = key.sign(&request_claims(&app, "bank", ada()));
    assert_eq!(send(&app, &request).await.status(), 200);
    assert_error(send(&app, &request).await, 400, "invalid_request").await;
}

#[tokio::test]
async fn racing_replays_of_one_request_start_one_login() {
    let app = spawn_with(Options { max_pending: 50, ..Options::default() }).await;
    let key = bank(&app).await;
    let request = key.sign(&request_claims(&app, "bank", ada()));
    let answers = futures::future::join_all((0..10).map(|_| send(&app, &request))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 9, "{statuses:?}");
}

#[tokio::test]
async fn only_the_parameters_inside_the_request_count() {
    let app = spawn_app().await;
    let key = bank(&app).await;
    // The hint outside the signed request is not used.
    let request = key.sign(&request_claims(&app, "bank", json!({"scope": "openid"})));
    let r = app.backchannel(BANK, &[("request", &request), ("login_hint", "urn:msisdn:4712345678")]).await;
    assert_error(r, 400, "invalid_request").await;
    // Inside, the usual rules hold.
    let mut p = ada();
    p["binding_message"] = json!("lower");
    assert_error(send(&app, &key.sign(&request_claims(&app, "bank", p))).await, 400, "invalid_binding_message").await;
}

#[tokio::test]
async fn other_clients_may_sign_their_requests_too() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    register(&app, json!({"client_id": "signer", "client_secret": BANK.1, "jwks": jwks(&[key])})).await;
    let request = key.sign(&request_claims(&app, "signer", ada()));
    assert_eq!(app.backchannel(("signer", BANK.1), &[("request", &request)]).await.status(), 200);
    // Without one, the form's parameters are used.
    let r = app.backchannel(("signer", BANK.1), &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")]).await;
    assert_eq!(r.status(), 200);
}
