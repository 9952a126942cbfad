//! A deactivated user (spec §10): pending requests end with `access_denied`, access tokens
//! stop working at userinfo, devices decide nothing.
use phonelogin_core::msisdn::Msisdn;

use crate::helpers::*;

#[tokio::test]
async fn a_deactivated_users_logins_end_tokens_fail_and_devices_decide_nothing() {
    let app = spawn_app().await;
    let tokens = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.userinfo(access).await.status(), 200);
    let pending = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;

    // What `phonelogin user deactivate` (and SCIM) call.
    assert!(app.store.set_user_active(&Msisdn::parse(ADA).unwrap(), false).await.unwrap());

    assert_error(app.poll(SHOP, &pending).await, 400, "access_denied").await;
    let r = app.userinfo(access).await;
    assert_eq!(r.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    assert_error(r, 401, "invalid_token").await;
    assert_error(app.approve(ADA_DEVICE, &id, "1234").await, 401, "invalid_token").await;
    let hint = format!("urn:msisdn:{ADA}");
    let r = app.backchannel(SHOP, &[("login_hint", &hint), ("scope", "openid")]).await;
    assert_error(r, 400, "unknown_user_id").await;
}
