//! Consent (spec §4) and the pairwise subject (§3.4).
use serde_json::json;

use crate::helpers::*;

async fn open_view(app: &TestApp, device: &str) -> serde_json::Value {
    let id = app.newest_request(device).await;
    body(app.app_get(device, &format!("/login-requests/{id}")).await).await.1
}

#[tokio::test]
async fn a_first_login_needs_consent_and_approving_without_it_changes_nothing() {
    let app = spawn_app().await;
    let auth_req_id = app.start(SHOP, ADA, "openid name email").await;
    let view = open_view(&app, ADA_DEVICE).await;
    assert_eq!(view["needs_consent"], true);
    let id = view["id"].as_str().unwrap();
    let r = app
        .app_post(ADA_DEVICE, &format!("/login-requests/{id}/approve"), json!({"pin": "1234", "consent": false}))
        .await;
    assert_error(r, 400, "consent_required").await;
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "authorization_pending").await;
    assert_eq!(app.approve(ADA_DEVICE, id, "1234").await.status(), 200);
}

#[tokio::test]
async fn a_second_login_asking_no_more_skips_consent() {
    let app = spawn_app().await;
    app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name email").await;
    app.start(SHOP, ADA, "openid email").await;
    let view = open_view(&app, ADA_DEVICE).await;
    assert_eq!(view["needs_consent"], false);
    let id = view["id"].as_str().unwrap();
    let r = app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/approve"), json!({"pin": "1234"})).await;
    assert_eq!(r.status(), 200);
    // Asking for more than was consented asks again.
    app.start(SHOP, ADA, "openid name address").await;
    assert_eq!(open_view(&app, ADA_DEVICE).await["needs_consent"], true);
}

#[tokio::test]
async fn openid_alone_needs_no_consent() {
    let app = spawn_app().await;
    app.start(OTHER, ADA, "openid").await;
    assert_eq!(open_view(&app, ADA_DEVICE).await["needs_consent"], false);
}

#[tokio::test]
async fn consent_is_per_sector_shared_by_its_clients() {
    let app = spawn_app().await;
    app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    app.start(SHOP_WEB, ADA, "openid name").await;
    assert_eq!(open_view(&app, ADA_DEVICE).await["needs_consent"], false, "same sector");
    app.clock.advance(1); // so that the next request is the newest
    app.start(OTHER, ADA, "openid name").await;
    assert_eq!(open_view(&app, ADA_DEVICE).await["needs_consent"], true, "another merchant");
}

#[tokio::test]
async fn revoking_consent_brings_the_consent_step_back_and_is_audited() {
    let app = spawn_app().await;
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    let (_, list) = body(app.app_get(ADA_DEVICE, "/consents").await).await;
    assert_eq!(list["consents"][0]["client_id"], "shop");
    assert_eq!(list["consents"][0]["merchant"]["name"], "Shop");
    assert_eq!(list["consents"][0]["scopes"][0]["scope"], "name");
    let r = app.http.delete(app.url("/app-api/v1/consents/shop")).bearer_auth(ADA_DEVICE).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let (_, list) = body(app.app_get(ADA_DEVICE, "/consents").await).await;
    assert_eq!(list["consents"], json!([]));
    // Future logins ask again; tokens already issued keep working.
    app.start(SHOP, ADA, "openid name").await;
    assert_eq!(open_view(&app, ADA_DEVICE).await["needs_consent"], true);
    assert_eq!(app.userinfo(t["access_token"].as_str().unwrap()).await.status(), 200);
    let r = app.http.delete(app.url("/app-api/v1/consents/shop")).bearer_auth(ADA_DEVICE).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let user = app.store.user_by_phone(&phonelogin_core::msisdn::Msisdn::parse(ADA).unwrap()).await.unwrap().unwrap();
    let audit = app.store.consent_audit(&user.user_id).await.unwrap();
    let actions: Vec<(&str, &str)> =
        audit.iter().map(|(_, a, s, sc)| (a.as_str(), if s == "shop" { sc.as_str() } else { "" })).collect();
    assert_eq!(actions, vec![("grant", "name"), ("revoke", "name")]);
}

#[tokio::test]
async fn pairwise_sub_differs_between_merchants_and_is_shared_within_a_sector() {
    let app = spawn_app().await;
    let sub = |t: serde_json::Value, aud: &'static str| {
        let app = &app;
        async move {
            crate::token::verify_id_token(app, t["id_token"].as_str().unwrap(), aud).await["sub"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let shop = sub(app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid").await, "shop").await;
    let web = sub(app.login(SHOP_WEB, ADA, ADA_DEVICE, "1234", "openid").await, "shop-web").await;
    let other = sub(app.login(OTHER, ADA, ADA_DEVICE, "1234", "openid").await, "other").await;
    let alan = sub(app.login(SHOP, ALAN, ALAN_DEVICE, "4321", "openid").await, "shop").await;
    assert_eq!(shop, web);
    assert_ne!(shop, other);
    assert_ne!(shop, alan);
    // A new phone number for the same person keeps the subject.
    let ada = phonelogin_core::msisdn::Msisdn::parse(ADA).unwrap();
    let new = phonelogin_core::msisdn::Msisdn::parse("4711112222").unwrap();
    assert!(app.store.change_phone_number(&ada, &new).await.unwrap());
    let again = sub(app.login(SHOP, "4711112222", ADA_DEVICE, "1234", "openid").await, "shop").await;
    assert_eq!(shop, again);
}
