//! Revocation (RFC 7009) and introspection (RFC 7662), spec §12: client-authenticated, and a
//! client touches only its own tokens.
use serde_json::json;

use crate::helpers::*;
use crate::jwt::{INTROSPECT, REVOKE};

async fn call(app: &TestApp, client: (&str, &str), path: &str, token: &str) -> reqwest::Response {
    app.http.post(app.url(path)).basic_auth(client.0, Some(client.1)).form(&[("token", token)]).send().await.unwrap()
}

async fn access_token(app: &TestApp) -> String {
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    t["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn introspection_describes_a_live_token_of_the_client() {
    let app = spawn_app().await;
    let token = access_token(&app).await;
    let r = call(&app, SHOP, INTROSPECT, &token).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let (s, b) = body(r).await;
    assert_eq!(s, 200);
    assert_eq!(b["active"], true);
    assert_eq!(b["client_id"], "shop");
    assert_eq!(b["scope"], "openid name");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["exp"], START + 300);
    assert_eq!(b["iss"], app.issuer);
    assert!(b["sub"].as_str().is_some_and(|s| s.len() == 36));
    app.clock.advance(300);
    assert_eq!(body(call(&app, SHOP, INTROSPECT, &token).await).await.1, json!({"active": false}));
}

#[tokio::test]
async fn a_revoked_token_is_inactive_and_refused_at_userinfo() {
    let app = spawn_app().await;
    let token = access_token(&app).await;
    let r = call(&app, SHOP, REVOKE, &token).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.userinfo(&token).await.status(), 401);
    assert_eq!(body(call(&app, SHOP, INTROSPECT, &token).await).await.1, json!({"active": false}));
    // Revoking again, or an unknown token, is answered the same (RFC 7009 §2.2).
    assert_eq!(call(&app, SHOP, REVOKE, &token).await.status(), 200);
    assert_eq!(call(&app, SHOP, REVOKE, "no-such-token").await.status(), 200);
}

#[tokio::test]
async fn another_clients_token_is_neither_revoked_nor_described() {
    let app = spawn_app().await;
    let token = access_token(&app).await;
    assert_error(call(&app, OTHER, REVOKE, &token).await, 400, "invalid_request").await;
    assert_eq!(body(call(&app, OTHER, INTROSPECT, &token).await).await.1, json!({"active": false}));
    // Even a client of the same sector.
    assert_eq!(body(call(&app, SHOP_WEB, INTROSPECT, &token).await).await.1, json!({"active": false}));
    assert_eq!(app.userinfo(&token).await.status(), 200, "still valid");
}

#[tokio::test]
async fn both_endpoints_need_client_authentication_and_a_token() {
    let app = spawn_app().await;
    for path in [REVOKE, INTROSPECT] {
        let r = app.http.post(app.url(path)).form(&[("token", "x")]).send().await.unwrap();
        assert_error(r, 401, "invalid_client").await;
        assert_error(call(&app, ("shop", "wrong"), path, "x").await, 401, "invalid_client").await;
        let r = app.http.post(app.url(path)).basic_auth(SHOP.0, Some(SHOP.1)).form(&[("x", "y")]).send().await.unwrap();
        assert_error(r, 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn a_deactivated_users_token_is_inactive() {
    let app = spawn_app().await;
    let token = access_token(&app).await;
    let ada = phonelogin_core::msisdn::Msisdn::parse(ADA).unwrap();
    app.store.set_user_active(&ada, false).await.unwrap();
    assert_eq!(body(call(&app, SHOP, INTROSPECT, &token).await).await.1, json!({"active": false}));
}
