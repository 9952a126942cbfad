//! The admin API (PRODUCT §13): admin tokens, clients with secret rotation, signing keys,
//! the audit log, and the OpenAPI document.
use futures::future::join_all;
use phonelogin_core::admin::new_token;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{OTHER, SHOP, START, TestApp, assert_error, body, spawn_app};

/// A new admin token named `name`, as `phonelogin admin-token create` makes one.
pub async fn admin_token(app: &TestApp, name: &str) -> String {
    let (token, record) = new_token(name, START).unwrap();
    assert!(app.store.insert_admin_token(&record).await.unwrap());
    token
}

pub async fn call(app: &TestApp, token: &str, method: Method, path: &str, json: Option<Value>) -> Response {
    let mut req = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(j) = json {
        req = req.json(&j);
    }
    req.send().await.unwrap()
}

fn shop2() -> Value {
    json!({"client_id": "shop2", "name": "Shop Two", "scopes": ["openid", "name"], "redirect_uris": ["https://two.example/cb"]})
}

async fn backchannel_status(app: &TestApp, id: &str, secret: &str) -> u16 {
    app.backchannel((id, secret), &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid name")])
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn admin_calls_without_a_valid_token_are_401_with_an_error_body() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    for auth in [None, Some("Bearer pla_not-a-token"), Some("Bearer wrong"), Some(format!("Basic {token}").as_str())] {
        let mut req = app.http.get(app.url("/admin/v1/clients"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        assert_error(r, 401, "invalid_token").await;
    }
}

#[tokio::test]
async fn a_revoked_token_is_refused_also_under_parallel_calls() {
    let app = spawn_app().await;
    let token = admin_token(&app, "crm").await;
    assert_eq!(call(&app, &token, Method::GET, "/admin/v1/keys", None).await.status(), 200);
    assert!(app.store.revoke_admin_token("crm", START + 1).await.unwrap());
    let calls = (0..16).map(|_| call(&app, &token, Method::GET, "/admin/v1/clients", None));
    for r in join_all(calls).await {
        assert_error(r, 401, "invalid_token").await;
    }
}

#[tokio::test]
async fn a_client_is_created_with_a_secret_shown_once_and_read_in_the_fixtures_shape() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    let (s, created) = body(call(&app, &token, Method::POST, "/admin/v1/clients", Some(shop2())).await).await;
    assert_eq!(s, 201, "{created}");
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32);
    assert_eq!(backchannel_status(&app, "shop2", &secret).await, 200);

    let (s, shown) = body(call(&app, &token, Method::GET, "/admin/v1/clients/shop2", None).await).await;
    assert_eq!(s, 200);
    assert!(shown.get("client_secret").is_none(), "never shown again: {shown}");
    assert_eq!(shown["scopes"], json!(["openid", "name"]));
    assert_eq!(shown["sector"], "shop2");
    assert_eq!(shown["token_endpoint_auth_method"], "client_secret_basic");
    let (_, list) = body(call(&app, &token, Method::GET, "/admin/v1/clients", None).await).await;
    assert!(list["clients"].as_array().unwrap().iter().any(|c| c == &shown));

    // What GET returns can be PUT back, changed.
    let mut changed = shown.clone();
    changed["name"] = "Shop 2".into();
    let (s, updated) = body(call(&app, &token, Method::PUT, "/admin/v1/clients/shop2", Some(changed)).await).await;
    assert_eq!((s.as_u16(), updated["name"].as_str()), (200, Some("Shop 2")), "{updated}");
    assert_eq!(backchannel_status(&app, "shop2", &secret).await, 200, "the secret stays");
}

#[tokio::test]
async fn webhook_and_ping_settings_are_part_of_the_client_json() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    let mut spec = shop2();
    spec["webhook_url"] = "https://two.example/hooks".into();
    let (s, created) = body(call(&app, &token, Method::POST, "/admin/v1/clients", Some(spec)).await).await;
    assert_eq!(s, 201, "{created}");
    assert!(created["webhook_secret"].as_str().is_some_and(|w| w.len() >= 32), "generated, shown once: {created}");
    let (_, shown) = body(call(&app, &token, Method::GET, "/admin/v1/clients/shop2", None).await).await;
    assert_eq!(shown["webhook_url"], "https://two.example/hooks");
    assert_eq!(shown["backchannel_token_delivery_mode"], "poll");
    assert!(shown.get("webhook_secret").is_none(), "{shown}");

    // Ping needs its endpoint; a PUT of what GET shows keeps the webhook and its secret.
    let mut ping = shown.clone();
    ping["backchannel_token_delivery_mode"] = "ping".into();
    let r = call(&app, &token, Method::PUT, "/admin/v1/clients/shop2", Some(ping.clone())).await;
    assert_eq!(r.status(), 400);
    ping["backchannel_client_notification_endpoint"] = "https://two.example/ping".into();
    let (s, updated) = body(call(&app, &token, Method::PUT, "/admin/v1/clients/shop2", Some(ping)).await).await;
    assert_eq!(s, 200, "{updated}");
    assert!(updated.get("webhook_secret").is_none(), "the secret was kept, not made again: {updated}");
    let stored = app.store.client("shop2").await.unwrap().unwrap();
    assert_eq!(stored.delivery.notification_endpoint.as_deref(), Some("https://two.example/ping"));
    assert!(stored.delivery.webhook_secret.is_some());
}

#[tokio::test]
async fn client_refusals_have_their_status_and_error() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    let post = |j: Value| call(&app, &token, Method::POST, "/admin/v1/clients", Some(j));
    assert_error(post(json!({"client_id": "shop", "name": "Dup", "scopes": ["openid"]})).await, 409, "conflict").await;
    assert_error(
        post(json!({"client_id": "x", "name": "X", "scopes": ["openid", "telepathy"]})).await,
        400,
        "invalid_request",
    )
    .await;
    assert_error(
        post(json!({"client_id": "x", "name": "X", "scopes": ["openid"], "colour": "red"})).await,
        400,
        "invalid_request",
    )
    .await;
    assert_error(post(json!({"name": "X"})).await, 400, "invalid_request").await;
    let r = app.http.post(app.url("/admin/v1/clients")).bearer_auth(&token).body("{not json").send().await.unwrap();
    assert_error(r, 400, "invalid_request").await;
    let r = call(&app, &token, Method::PUT, "/admin/v1/clients/shop", Some(shop2())).await;
    assert_error(r, 400, "invalid_request").await;
    let mut big = shop2();
    big["name"] = "x".repeat(70 * 1024).into();
    assert_error(post(big).await, 413, "invalid_request").await;
    let r = call(&app, &token, Method::PUT, "/admin/v1/clients/shop2", Some(shop2())).await;
    assert_error(r, 404, "not_found").await;
    assert_error(call(&app, &token, Method::GET, "/admin/v1/clients/nope", None).await, 404, "not_found").await;
    assert_error(call(&app, &token, Method::POST, "/admin/v1/clients/nope/secret", None).await, 404, "not_found").await;
}

#[tokio::test]
async fn racing_creations_of_one_client_id_make_one_client() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    let calls = (0..8).map(|_| call(&app, &token, Method::POST, "/admin/v1/clients", Some(shop2())));
    let mut secrets = vec![];
    for r in join_all(calls).await {
        let (s, b) = body(r).await;
        match s.as_u16() {
            201 => secrets.push(b["client_secret"].as_str().unwrap().to_owned()),
            409 => {}
            other => panic!("{other}: {b}"),
        }
    }
    assert_eq!(secrets.len(), 1);
    assert_eq!(backchannel_status(&app, "shop2", &secrets[0]).await, 200, "the one secret shown works");
}

#[tokio::test]
async fn rotating_a_secret_stops_the_old_one_at_once() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    assert_eq!(backchannel_status(&app, SHOP.0, SHOP.1).await, 200);
    let (s, b) = body(call(&app, &token, Method::POST, "/admin/v1/clients/shop/secret", None).await).await;
    assert_eq!(s, 200, "{b}");
    let new = b["client_secret"].as_str().unwrap();
    assert_eq!(backchannel_status(&app, SHOP.0, SHOP.1).await, 401);
    assert_eq!(backchannel_status(&app, "shop", new).await, 200);
}

#[tokio::test]
async fn a_deleted_client_is_gone() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    assert_eq!(call(&app, &token, Method::DELETE, "/admin/v1/clients/other", None).await.status(), 204);
    assert_eq!(backchannel_status(&app, OTHER.0, OTHER.1).await, 401);
    assert_error(call(&app, &token, Method::DELETE, "/admin/v1/clients/other", None).await, 404, "not_found").await;
    assert_error(call(&app, &token, Method::GET, "/admin/v1/clients/other", None).await, 404, "not_found").await;
}

#[tokio::test]
async fn signing_keys_are_listed_and_rotated() {
    let app = spawn_app().await;
    let token = admin_token(&app, "ops").await;
    let (_, before) = body(call(&app, &token, Method::GET, "/admin/v1/keys", None).await).await;
    let before = before["keys"].as_array().unwrap().clone();
    let es256 = |keys: &[Value]| keys.iter().filter(|k| k["alg"] == "ES256").cloned().collect::<Vec<_>>();
    assert!(before.iter().all(|k| k["active"] == true), "one active key per algorithm: {before:?}");
    let (s, key) =
        body(call(&app, &token, Method::POST, "/admin/v1/keys/rotate", Some(json!({"alg": "ES256"}))).await).await;
    assert_eq!((s.as_u16(), key["alg"].as_str(), key["active"].as_bool()), (201, Some("ES256"), Some(true)), "{key}");
    let (_, after) = body(call(&app, &token, Method::GET, "/admin/v1/keys", None).await).await;
    let keys = after["keys"].as_array().unwrap();
    assert_eq!(keys.len(), before.len() + 1);
    let es = es256(keys);
    assert_eq!(
        es.iter().filter(|k| k["active"] == true).map(|k| k["kid"].clone()).collect::<Vec<_>>(),
        [key["kid"].clone()]
    );
    assert!(es.iter().all(|k| k["published"] == true), "the old key stays in the JWKS: {after}");
    let (_, jwks) =
        body(app.http.get(app.url("/access-management-1.0/access/.well-known/jwks.json")).send().await.unwrap()).await;
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == key["kid"]));
    let r = call(&app, &token, Method::POST, "/admin/v1/keys/rotate", Some(json!({"alg": "HS256"}))).await;
    assert_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn every_admin_call_is_in_the_audit_log_paged_by_cursor() {
    let app = spawn_app().await;
    let ops = admin_token(&app, "ops").await;
    let crm = admin_token(&app, "crm").await;
    call(&app, &ops, Method::GET, "/admin/v1/clients", None).await;
    call(&app, &crm, Method::GET, "/admin/v1/clients/nope", None).await;
    call(&app, &crm, Method::GET, "/scim/v2/ServiceProviderConfig", None).await;
    call(&app, "pla_bad", Method::GET, "/admin/v1/clients", None).await;

    let mut seen = vec![];
    let mut after = 0;
    loop {
        let (s, page) =
            body(call(&app, &ops, Method::GET, &format!("/admin/v1/audit?after={after}&limit=2"), None).await).await;
        assert_eq!(s, 200, "{page}");
        seen.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    let actions: Vec<(String, String, i64)> = seen
        .iter()
        .map(|e| {
            (e["actor"].as_str().unwrap().into(), e["action"].as_str().unwrap().into(), e["status"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        actions[..3],
        [
            ("ops".into(), "GET /admin/v1/clients".into(), 200),
            ("crm".into(), "GET /admin/v1/clients/nope".into(), 404),
            ("crm".into(), "GET /scim/v2/ServiceProviderConfig".into(), 200),
        ]
    );
    assert!(actions[3..].iter().all(|(who, what, _)| who == "ops" && what == "GET /admin/v1/audit"), "{actions:?}");
    assert!(seen.iter().all(|e| e["at"].as_str().is_some_and(|t| t.starts_with("2026-06-01T"))));

    for bad in ["after=x", "after=-1", "limit=0", "limit=5000"] {
        assert_error(
            call(&app, &ops, Method::GET, &format!("/admin/v1/audit?{bad}"), None).await,
            400,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/admin/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let (s, doc) = body(r).await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/clients/{id}/secret"]["post"].is_object());
}
