//! CIBA ping mode (CIBA Core §10.2, spec §11): registration, `client_notification_token`
//! required, the ping on approval and on rejection with the bearer token, then the token as
//! in poll mode.
use serde_json::json;

use crate::helpers::*;
use crate::receiver::{Receiver, register};

const TILL: (&str, &str) = ("till", "till-secret-0123456789abcdef0123456789");

async fn till(app: &TestApp, endpoint: &str) {
    register(
        app,
        json!({"client_id": TILL.0, "client_secret": TILL.1, "name": "Till", "scopes": ["openid", "name"],
        "backchannel_token_delivery_mode": "ping", "backchannel_client_notification_endpoint": endpoint}),
    )
    .await;
}

async fn start_ping(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut params = vec![("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")];
    if let Some(t) = token {
        params.push(("client_notification_token", t));
    }
    app.backchannel(TILL, &params).await
}

#[tokio::test]
async fn a_ping_client_must_send_a_client_notification_token() {
    let receiver = Receiver::start().await;
    let app = spawn_with(Options { dev: true, ..Default::default() }).await;
    till(&app, &receiver.url("/ciba")).await;
    assert_error(start_ping(&app, None).await, 400, "invalid_request").await;
    assert_error(start_ping(&app, Some(&"x".repeat(1025))).await, 400, "invalid_request").await;
    assert_eq!(start_ping(&app, Some(&"x".repeat(1024))).await.status(), 200, "1024 characters are allowed");
    assert_eq!(start_ping(&app, Some("tok")).await.status(), 200);
    // A poll client may send one; it is ignored.
    let r = app
        .backchannel(
            SHOP,
            &[("login_hint", "urn:msisdn:4798765432"), ("scope", "openid"), ("client_notification_token", "t")],
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_http_notification_endpoint_needs_dev() {
    let receiver = Receiver::start().await;
    let app = spawn_app().await;
    till(&app, &receiver.url("/ciba")).await;
    assert_error(start_ping(&app, Some("tok")).await, 400, "invalid_request").await;
}

#[tokio::test]
async fn approval_and_rejection_ping_the_client_with_its_bearer_token() {
    let receiver = Receiver::start().await;
    let app = spawn_with(Options { dev: true, ..Default::default() }).await;
    till(&app, &receiver.url("/ciba/notify")).await;

    let (_, b) = body(start_ping(&app, Some("bearer-for-approval")).await).await;
    let approved = b["auth_req_id"].as_str().unwrap().to_owned();
    let id = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &id, "1234").await.status(), 200);
    let ping = receiver.next().await;
    assert_eq!(ping.path, "/ciba/notify");
    assert_eq!(ping.header("authorization"), "Bearer bearer-for-approval");
    assert_eq!(ping.header("content-type"), "application/json");
    assert_eq!(ping.json(), json!({"auth_req_id": approved}));
    assert_eq!(app.poll(TILL, &approved).await.status(), 200, "then the token, as in poll mode");

    app.clock.advance(1);
    let (_, b) = body(start_ping(&app, Some("bearer-for-rejection")).await).await;
    let rejected = b["auth_req_id"].as_str().unwrap().to_owned();
    let id = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/reject"), json!({})).await.status(), 200);
    let ping = receiver.next().await;
    assert_eq!(ping.header("authorization"), "Bearer bearer-for-rejection");
    assert_eq!(ping.json(), json!({"auth_req_id": rejected}));
    assert_error(app.poll(TILL, &rejected).await, 400, "access_denied").await;
}

#[tokio::test]
async fn a_failed_ping_is_retried_while_the_request_lives() {
    let receiver = Receiver::start().await;
    let app = spawn_with(Options { dev: true, ..Default::default() }).await;
    till(&app, &receiver.url("/ciba")).await;
    receiver.answer(&[500]);
    let (_, b) = body(start_ping(&app, Some("tok")).await).await;
    let id = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &id, "1234").await.status(), 200);
    let first = receiver.next().await;
    app.clock.advance(5);
    let second = receiver.next().await;
    assert_eq!(first.json(), second.json());
    assert_eq!(second.json()["auth_req_id"], b["auth_req_id"]);
}

#[tokio::test]
async fn ping_mode_needs_a_notification_endpoint_at_registration() {
    let app = spawn_app().await;
    let spec: phonelogin_core::fixtures::ClientSpec = serde_json::from_value(
        json!({"client_id": "p", "name": "P", "scopes": ["openid"], "backchannel_token_delivery_mode": "ping"}),
    )
    .unwrap();
    let keys = secret().keys();
    let e = phonelogin_core::fixtures::import_client(app.store.as_ref(), &keys, &spec, START, &mut Default::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("backchannel_client_notification_endpoint"), "{e}");
}
