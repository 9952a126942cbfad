//! The App API (spec §6): enrollment, the request views, PIN and lockout, misuse, events.
use futures::StreamExt;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn enrollment_with_the_one_time_code_gives_a_device_that_can_approve() {
    let app = spawn_with(Options { dev: true, ..Options::default() }).await;
    let phone = app.enroll("4511223344", "2580").await;
    let (_, me) = body(app.app_get(&phone.token, "/me").await).await;
    assert_eq!((me["given_name"].as_str(), me["phone_number"].as_str()), (Some("Karen"), Some("4511223344")));
    let auth_req_id = app.start(SHOP, "4511223344", "openid name").await;
    let id = app.newest_request(&phone.token).await;
    assert_eq!(app.approve_signed(&phone, &id, "2580").await.status(), 200);
    assert_eq!(app.poll(SHOP, &auth_req_id).await.status(), 200);
    // A second phone with the same name is a second device: the first keeps working.
    let second = app.enroll("4511223344", "1111").await;
    let (_, me) = body(app.app_get(&second.token, "/me").await).await;
    assert_eq!(me["device_name"], "Test phone (2)");
    assert_eq!(app.app_get(&phone.token, "/me").await.status(), 200);
}

#[tokio::test]
async fn an_unknown_device_token_is_401() {
    let app = spawn_app().await;
    assert_error(app.app_get("nope", "/login-requests").await, 401, "invalid_token").await;
    let r = app.http.get(app.url("/app-api/v1/login-requests")).send().await.unwrap();
    assert_error(r, 401, "invalid_token").await;
}

#[tokio::test]
async fn the_request_view_shows_merchant_scopes_binding_message_and_time_left() {
    let app = spawn_app().await;
    let hint = format!("urn:msisdn:{ADA}");
    app.backchannel(SHOP, &[("login_hint", &hint), ("scope", "openid name email"), ("binding_message", "AB-123")])
        .await;
    app.clock.advance(10);
    let (_, list) = body(app.app_get(ADA_DEVICE, "/login-requests").await).await;
    let v = &list["login_requests"][0];
    assert_eq!(v["merchant"]["name"], "Shop");
    assert_eq!(v["merchant"]["logo_url"], "https://shop.example/logo.png");
    assert_eq!(v["binding_message"], "AB-123");
    assert_eq!(
        v["scopes"],
        json!([{"scope": "name", "label": {"EN": "Name", "NO": "Navn"}}, {"scope": "email", "label": {"EN": "Email address", "NO": "E-postadresse"}}])
    );
    assert_eq!(v["expires_in"], 590);
    assert_eq!(v["flow"], "in_app");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    let (_, one) = body(app.app_get(ADA_DEVICE, &format!("/login-requests/{}", v["id"].as_str().unwrap())).await).await;
    assert_eq!(one["id"], v["id"]);
    // Decided and expired requests leave the list.
    app.clock.advance(600);
    let (_, list) = body(app.app_get(ADA_DEVICE, "/login-requests").await).await;
    assert_eq!(list["login_requests"], json!([]));
}

#[tokio::test]
async fn a_wrong_pin_is_refused_counts_down_and_changes_nothing() {
    let app = spawn_app().await;
    let auth_req_id = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    let b = assert_error(app.approve(ADA_DEVICE, &id, "9999").await, 400, "wrong_pin").await;
    assert_eq!(b["attempts_left"], 4);
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "authorization_pending").await;
    // A right PIN resets the count.
    assert_eq!(app.approve(ADA_DEVICE, &id, "1234").await.status(), 200);
    app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    let b = assert_error(app.approve(ADA_DEVICE, &id, "0000").await, 400, "wrong_pin").await;
    assert_eq!(b["attempts_left"], 4);
}

#[tokio::test]
async fn five_wrong_pins_in_a_row_lock_the_device() {
    let app = spawn_app().await;
    app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    for left in (1..=4).rev() {
        let b = assert_error(app.approve(ADA_DEVICE, &id, "9999").await, 400, "wrong_pin").await;
        assert_eq!(b["attempts_left"], left);
    }
    assert_error(app.approve(ADA_DEVICE, &id, "9999").await, 401, "device_locked").await;
    assert_error(app.approve(ADA_DEVICE, &id, "1234").await, 401, "device_locked").await;
    // A locked device is refused everywhere, not only when approving.
    assert_error(app.app_get(ADA_DEVICE, "/login-requests").await, 401, "device_locked").await;
}

#[tokio::test]
async fn a_phone_locking_on_a_login_ends_it_so_the_merchant_is_not_left_waiting() {
    let app = spawn_app().await;
    let auth_req_id = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    for _ in 1..=4 {
        assert_error(app.approve(ADA_DEVICE, &id, "9999").await, 400, "wrong_pin").await;
    }
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "authorization_pending").await;
    assert_error(app.approve(ADA_DEVICE, &id, "9999").await, 401, "device_locked").await;
    // Ada has no other phone that could answer: the merchant hears access_denied at once.
    app.clock.advance(5);
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "access_denied").await;
}

#[tokio::test]
async fn approving_twice_after_rejection_or_after_expiry_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    let first = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &id, "1234").await.status(), 200);
    assert_error(app.approve(ADA_DEVICE, &id, "1234").await, 409, "request_closed").await;
    assert_error(
        app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/reject"), json!({})).await,
        409,
        "request_closed",
    )
    .await;
    assert_eq!(app.poll(SHOP, &first).await.status(), 200);

    let second = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/reject"), json!({})).await.status(), 200);
    assert_error(app.approve(ADA_DEVICE, &id, "1234").await, 409, "request_closed").await;
    assert_error(app.poll(SHOP, &second).await, 400, "access_denied").await;

    let third = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    app.clock.advance(600);
    assert_error(app.approve(ADA_DEVICE, &id, "1234").await, 409, "request_closed").await;
    assert_error(app.poll(SHOP, &third).await, 400, "expired_token").await;
}

#[tokio::test]
async fn another_users_request_is_404_and_untouched() {
    let app = spawn_app().await;
    let auth_req_id = app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    assert_error(app.app_get(ALAN_DEVICE, &format!("/login-requests/{id}")).await, 404, "not_found").await;
    assert_error(app.approve(ALAN_DEVICE, &id, "4321").await, 404, "not_found").await;
    assert_error(app.app_post(ALAN_DEVICE, &format!("/login-requests/{id}/reject"), json!({})).await, 404, "not_found")
        .await;
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "authorization_pending").await;
}

#[tokio::test]
async fn a_malformed_approval_body_is_invalid_request() {
    let app = spawn_app().await;
    app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    let r = app
        .http
        .post(app.url(&format!("/app-api/v1/login-requests/{id}/approve")))
        .bearer_auth(ADA_DEVICE)
        .body("pin=1234")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn the_event_stream_pushes_a_started_login_and_its_end() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/app-api/v1/events")).bearer_auth(ADA_DEVICE).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut stream = r.bytes_stream();
    // Alan's login is not Ada's business; hers arrives.
    app.start(SHOP, ALAN, "openid").await;
    let hint = format!("urn:msisdn:{ADA}");
    app.backchannel(SHOP, &[("login_hint", &hint), ("scope", "openid"), ("binding_message", "PUSH-1")]).await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !text.contains("PUSH-1") {
        let chunk = tokio::time::timeout_at(deadline, stream.next()).await.expect("push within 10 s").unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: login_request\n"), "{text}");
    assert!(!text.contains(ALAN));
    let id = app.newest_request(ADA_DEVICE).await;
    assert!(text.contains(&id));
    assert_eq!(app.approve(ADA_DEVICE, &id, "1234").await.status(), 200);
    while !text.contains("login_request_closed") {
        let chunk =
            tokio::time::timeout_at(deadline, stream.next()).await.expect("closed event within 10 s").unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains(&format!("{{\"id\":\"{id}\",\"reason\":\"approved\"}}")), "{text}");
}
