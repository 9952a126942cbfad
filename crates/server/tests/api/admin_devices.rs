//! `/admin/v1/devices` (PRODUCT §13): an operator lists a user's devices, unlocks one that
//! wrong PINs locked, and removes one.
use reqwest::Method;

use crate::admin::{admin_token, call};
use crate::helpers::{ADA, ADA_DEVICE, SHOP, assert_error, body, spawn_app};

#[tokio::test]
async fn an_operator_lists_unlocks_and_removes_a_users_device() {
    let app = spawn_app().await;
    let token = admin_token(&app, "support").await;
    let (s, list) =
        body(call(&app, &token, Method::GET, &format!("/admin/v1/devices?phone_number={ADA}"), None).await).await;
    assert_eq!(s, 200, "{list}");
    let device = list["devices"][0].clone();
    assert_eq!((device["locked"].as_bool(), list["devices"].as_array().unwrap().len()), (Some(false), 1));
    let id = device["id"].as_str().unwrap().to_owned();

    // Wrong PINs lock it.
    app.start(SHOP, ADA, "openid").await;
    let request = app.newest_request(ADA_DEVICE).await;
    for _ in 0..phonelogin_core::app::MAX_WRONG_PINS {
        app.approve(ADA_DEVICE, &request, "0000").await;
    }
    assert_eq!(app.app_get(ADA_DEVICE, "/me").await.status(), 401);
    let (_, list) =
        body(call(&app, &token, Method::GET, &format!("/admin/v1/devices?phone_number={ADA}"), None).await).await;
    assert_eq!(list["devices"][0]["locked"], true);

    let (s, unlocked) =
        body(call(&app, &token, Method::POST, &format!("/admin/v1/devices/{id}/unlock"), None).await).await;
    assert_eq!(
        (s.as_u16(), unlocked["locked"].as_bool(), unlocked["failed_pins"].as_i64()),
        (200, Some(false), Some(0))
    );
    assert_eq!(app.app_get(ADA_DEVICE, "/me").await.status(), 200, "the device works again");

    assert_eq!(call(&app, &token, Method::DELETE, &format!("/admin/v1/devices/{id}"), None).await.status(), 204);
    assert_eq!(app.app_get(ADA_DEVICE, "/me").await.status(), 401, "its token stops working");
    let (_, list) =
        body(call(&app, &token, Method::GET, &format!("/admin/v1/devices?phone_number={ADA}"), None).await).await;
    assert_eq!(list["devices"], serde_json::json!([]));
    assert_error(call(&app, &token, Method::DELETE, &format!("/admin/v1/devices/{id}"), None).await, 404, "not_found")
        .await;
}

#[tokio::test]
async fn device_refusals_have_their_status_and_error() {
    let app = spawn_app().await;
    let token = admin_token(&app, "support").await;
    for (path, status, error) in [
        ("/admin/v1/devices", 400, "invalid_request"),
        ("/admin/v1/devices?phone_number=12", 400, "invalid_request"),
        ("/admin/v1/devices?phone_number=4799999999", 404, "not_found"),
    ] {
        assert_error(call(&app, &token, Method::GET, path, None).await, status, error).await;
    }
    assert_error(call(&app, &token, Method::POST, "/admin/v1/devices/nope/unlock", None).await, 404, "not_found").await;
    let r = app.http.delete(app.url("/admin/v1/devices/nope")).send().await.unwrap();
    assert_error(r, 401, "invalid_token").await;
}
