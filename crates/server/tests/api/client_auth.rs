//! Client authentication (spec §3.1).
use crate::helpers::*;

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_with_a_basic_challenge() {
    let app = spawn_app().await;
    let r = app.poll(("shop", "wrong"), "x").await;
    assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"phonelogin\"");
    assert_error(r, 401, "invalid_client").await;
}

#[tokio::test]
async fn an_unknown_client_is_invalid_client() {
    let app = spawn_app().await;
    assert_error(app.backchannel(("nobody", "x"), &[("scope", "openid")]).await, 401, "invalid_client").await;
}

#[tokio::test]
async fn no_credentials_is_invalid_client() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.url("/access-management-1.0/access/oauth2/token"))
        .form(&[("grant_type", CIBA), ("client_id", "shop")])
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("www-authenticate").is_none());
    assert_error(r, 401, "invalid_client").await;
}

#[tokio::test]
async fn another_method_than_the_clients_is_invalid_client() {
    let app = spawn_app().await;
    // shop is registered for client_secret_basic: the right secret in the form is refused.
    let req = app.http.post(app.url("/access-management-1.0/access/oauth2/token")).form(&[
        ("grant_type", CIBA),
        ("auth_req_id", "x"),
        ("client_id", "shop"),
        ("client_secret", "shop-secret-for-tests-0123456789abcdef"),
    ]);
    let r = req.send().await.unwrap();
    assert!(r.headers().get("www-authenticate").is_none());
    assert_error(r, 401, "invalid_client").await;
    // poster is registered for client_secret_post: Basic is refused, with the Basic challenge.
    let r = app.poll(("poster", "poster-secret-for-tests-0123456789abcdef"), "x").await;
    assert!(r.headers().get("www-authenticate").is_some());
    assert_error(r, 401, "invalid_client").await;
}

#[tokio::test]
async fn client_secret_post_authenticates_a_post_client() {
    let app = spawn_app().await;
    let req = app.http.post(app.url("/access-management-1.0/access/oauth2/token")).form(&[
        ("grant_type", CIBA),
        ("auth_req_id", "unknown"),
        ("client_id", "poster"),
        ("client_secret", "poster-secret-for-tests-0123456789abcdef"),
    ]);
    assert_error(req.send().await.unwrap(), 400, "invalid_grant").await;
}

#[tokio::test]
async fn two_authentication_methods_at_once_are_invalid_request() {
    let app = spawn_app().await;
    let r = app
        .token(
            SHOP,
            &[("grant_type", CIBA), ("auth_req_id", "x"), ("client_secret", "shop-secret-for-tests-0123456789abcdef")],
        )
        .await;
    assert_error(r, 400, "invalid_request").await;
    // Half an assertion next to Basic is two methods too, not Basic with something ignored.
    for half in [
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        ("client_assertion", "x.y.z"),
    ] {
        let r = app.token(SHOP, &[("grant_type", CIBA), ("auth_req_id", "x"), half]).await;
        assert_error(r, 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn a_client_created_again_with_a_new_secret_authenticates_at_once() {
    let app = spawn_app().await;
    // The node has the registration cached...
    assert_error(app.poll(SHOP, "x").await, 400, "invalid_grant").await;
    // ...when the admin deletes the client and creates it again with another secret.
    assert!(app.store.delete_client("shop").await.unwrap());
    let spec: phonelogin_core::fixtures::ClientSpec = serde_json::from_value(serde_json::json!({
        "client_id": "shop", "client_secret": "a-new-secret-for-the-same-shop-0123456789", "name": "Shop",
        "scopes": ["openid", "name"]
    }))
    .unwrap();
    let mut generated = phonelogin_core::fixtures::Generated::default();
    phonelogin_core::fixtures::import_client(app.store.as_ref(), &secret().keys(), &spec, START, &mut generated)
        .await
        .unwrap();
    assert_error(app.poll(("shop", "a-new-secret-for-the-same-shop-0123456789"), "x").await, 400, "invalid_grant")
        .await;
    assert_error(app.poll(SHOP, "x").await, 401, "invalid_client").await;
}
