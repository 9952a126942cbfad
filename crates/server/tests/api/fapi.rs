//! The FAPI-CIBA profile switch (spec §12, docs/fapi-ciba.md): what the profile asks of the
//! server, enforced for a client registered with `"profile": "fapi-ciba"`.
use jsonwebtoken::decode_header;
use phonelogin_core::keys::Alg;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::jwt::*;
use crate::token::verify_id_token;

async fn fapi_client(app: &TestApp, key: &ClientKey, extra: Value) {
    let mut spec = json!({"profile": "fapi-ciba", "backchannel_authentication_request_signing_alg": key.alg.as_str()});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    register_pkjwt(app, "bank", key, spec).await;
}

fn ada(binding: bool) -> Value {
    let mut p = json!({"login_hint": "urn:msisdn:4712345678", "scope": "openid name"});
    if binding {
        p["binding_message"] = json!("PAY-42");
    }
    p
}

async fn backchannel(app: &TestApp, key: &ClientKey, form: &[(&str, &str)]) -> reqwest::Response {
    app.with_assertion(BACKCHANNEL, "bank", key, form).await
}

#[tokio::test]
async fn fapi_registration_refuses_shared_secrets_rs256_and_plain_http() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Ps256, 0);
    let import = |spec: Value| {
        let doc = serde_json::from_value(json!({"clients": [spec]})).unwrap();
        let store = app.store.clone();
        async move { phonelogin_core::fixtures::import(store.as_ref(), &secret().keys().pin, &doc, START).await }
    };
    let base = json!({"client_id": "bank", "name": "Bank", "scopes": ["openid"], "profile": "fapi-ciba",
                      "token_endpoint_auth_method": "private_key_jwt", "jwks": jwks(&[key])});
    assert!(import(base.clone()).await.is_ok());
    for (name, value) in [
        ("token_endpoint_auth_method", json!("client_secret_basic")),
        ("id_token_signed_response_alg", json!("RS256")),
        ("backchannel_authentication_request_signing_alg", json!("RS256")),
        ("redirect_uris", json!(["http://bank.example/cb"])),
        ("jwks", Value::Null),
    ] {
        let mut spec = base.clone();
        spec[name] = value.clone();
        assert!(import(spec).await.is_err(), "{name}={value}");
    }
}

#[tokio::test]
async fn a_fapi_login_runs_with_signed_requests_private_key_jwt_and_a_ps256_id_token() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Ps256, 0);
    fapi_client(&app, key, json!({})).await;
    let request = key.sign(&request_claims(&app, "bank", ada(true)));
    let (s, b) = body(backchannel(&app, key, &[("request", &request)]).await).await;
    assert_eq!(s, 200, "{b}");
    let rid = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
    let auth_req_id = b["auth_req_id"].as_str().unwrap();
    let (s, t) =
        body(app.with_assertion(TOKEN, "bank", key, &[("grant_type", CIBA), ("auth_req_id", auth_req_id)]).await).await;
    assert_eq!(s, 200, "{t}");
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(decode_header(id_token).unwrap().alg, jsonwebtoken::Algorithm::PS256, "PS256 unless ES256 is chosen");
    verify_id_token(&app, id_token, "bank").await;
}

#[tokio::test]
async fn a_fapi_client_must_sign_its_request_and_bind_it_with_a_message() {
    let app = spawn_app().await;
    let key = ClientKey::get(Alg::Es256, 0);
    fapi_client(&app, key, json!({"id_token_signed_response_alg": "ES256"})).await;
    let r = backchannel(
        &app,
        key,
        &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid"), ("binding_message", "PAY-42")],
    )
    .await;
    assert_error(r, 400, "invalid_request").await;
    let request = key.sign(&request_claims(&app, "bank", ada(false)));
    assert_error(backchannel(&app, key, &[("request", &request)]).await, 400, "invalid_request").await;
    let request = key.sign(&request_claims(&app, "bank", ada(true)));
    assert_eq!(backchannel(&app, key, &[("request", &request)]).await.status(), 200);
}

#[tokio::test]
async fn a_fapi_client_may_not_use_rs256_even_with_a_registered_rsa_key() {
    let app = spawn_app().await;
    let (ps, rs) = (ClientKey::get(Alg::Ps256, 0), ClientKey::get(Alg::Rs256, 0));
    register(
        &app,
        json!({"client_id": "bank", "token_endpoint_auth_method": "private_key_jwt", "profile": "fapi-ciba",
               "jwks": jwks(&[ps, rs])}),
    )
    .await;
    // An RS256 client assertion is refused at authentication.
    let r = app.with_assertion(TOKEN, "bank", rs, &[("grant_type", CIBA), ("auth_req_id", "x")]).await;
    assert_error(r, 401, "invalid_client").await;
    // An RS256-signed request is refused even with a PS256 assertion.
    let request = rs.sign(&request_claims(&app, "bank", ada(true)));
    assert_error(backchannel(&app, ps, &[("request", &request)]).await, 400, "invalid_request").await;
    let request = ps.sign(&request_claims(&app, "bank", ada(true)));
    assert_eq!(backchannel(&app, ps, &[("request", &request)]).await.status(), 200);
}
