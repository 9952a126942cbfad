//! Devices (spec §10): decisions signed by the device key, the PIN lockout under parallel
//! guessing, the Devices screen, `device_added`, event streams per device, removal.
use futures::StreamExt;
use futures::future::join_all;
use serde_json::json;

use crate::helpers::*;

fn dev() -> Options {
    Options { dev: true, ..Options::default() }
}

#[tokio::test]
async fn a_decision_without_the_device_keys_signature_is_401_and_changes_nothing() {
    let app = spawn_with(dev()).await;
    let phone = app.enroll(ALAN, "2468").await;
    let auth_req_id = app.start(SHOP, ALAN, "openid").await;
    let id = app.newest_request(&phone.token).await;
    let other_key = DeviceKey::generate();
    let path = format!("/login-requests/{id}/approve");
    let approve = |signature: Option<String>| {
        let mut b = json!({"pin": "2468", "consent": true});
        if let Some(s) = signature {
            b["signature"] = s.into();
        }
        app.app_post(&phone.token, &path, b)
    };
    for bad in [
        None,
        Some("not-base64!".into()),
        Some(phone.key.decision("another-request", true)),
        Some(phone.key.decision(&id, false)),
        Some(other_key.decision(&id, true)),
    ] {
        assert_error(approve(bad).await, 401, "invalid_signature").await;
    }
    for bad in [json!({}), json!({"signature": phone.key.decision(&id, true)})] {
        let r = app.app_post(&phone.token, &format!("/login-requests/{id}/reject"), bad).await;
        assert_error(r, 401, "invalid_signature").await;
    }
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "authorization_pending").await;
    // Bad signatures are not PIN guesses: five of them locked nothing.
    assert_eq!(app.approve_signed(&phone, &id, "2468").await.status(), 200);
    app.clock.advance(5);
    assert_eq!(app.poll(SHOP, &auth_req_id).await.status(), 200);
}

#[tokio::test]
async fn a_signed_rejection_ends_the_login_with_access_denied() {
    let app = spawn_with(dev()).await;
    let phone = app.enroll(ALAN, "2468").await;
    let auth_req_id = app.start(SHOP, ALAN, "openid").await;
    let id = app.newest_request(&phone.token).await;
    assert_eq!(app.reject_signed(&phone, &id).await.status(), 200);
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "access_denied").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_wrong_pins_lock_the_device_and_the_right_pin_then_fails() {
    let app = spawn_with(dev()).await;
    let phone = app.enroll(ALAN, "2468").await;
    let auth_req_id = app.start(SHOP, ALAN, "openid").await;
    let id = app.newest_request(&phone.token).await;
    let guesses = join_all((0..200).map(|n| {
        let pin = format!("{:04}", (n % 9000) + 1000);
        let pin = if pin == "2468" { "9999".to_owned() } else { pin };
        let (app, phone, id) = (&app, &phone, &id);
        async move { app.approve_signed(phone, id, &pin).await.status().as_u16() }
    }))
    .await;
    assert!(guesses.iter().all(|s| [400, 401, 429].contains(s)), "{guesses:?}");
    assert!(guesses.iter().filter(|s| **s == 400).count() <= 5, "at most five PINs were compared: {guesses:?}");
    assert_error(app.approve_signed(&phone, &id, "2468").await, 401, "device_locked").await;
    assert_error(app.app_get(&phone.token, "/me").await, 401, "device_locked").await;
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "authorization_pending").await;
}

#[tokio::test]
async fn the_devices_screen_lists_devices_and_removing_one_ends_its_token() {
    let app = spawn_with(dev()).await;
    let phone = app.enroll(ADA, "2468").await;
    let (s, list) = body(app.app_get(&phone.token, "/devices").await).await;
    assert_eq!(s, 200, "{list}");
    let devices = list["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    let fixture = devices.iter().find(|d| d["name"] == "Ada's phone").unwrap();
    let mine = devices.iter().find(|d| d["current"] == true).unwrap();
    assert_eq!((mine["name"].as_str(), mine["device_key"].as_bool()), (Some("Test phone"), Some(true)));
    assert_eq!(fixture["device_key"], false);
    assert!(mine["created_at"].as_str().unwrap().ends_with('Z') && mine["last_used_at"].is_string());
    // Alan cannot remove Ada's device.
    let path = format!("/app-api/v1/devices/{}", fixture["id"].as_str().unwrap());
    let r = app.http.delete(app.url(&path)).bearer_auth(ALAN_DEVICE).send().await.unwrap();
    assert_error(r, 404, "not_found").await;
    let r = app.http.delete(app.url(&path)).bearer_auth(&phone.token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_error(app.app_get(ADA_DEVICE, "/login-requests").await, 401, "invalid_token").await;
    let (_, list) = body(app.app_get(&phone.token, "/devices").await).await;
    assert_eq!(list["devices"].as_array().unwrap().len(), 1);
}

async fn read_until(
    stream: &mut (impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
    text: &mut String,
    needle: &str,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !text.contains(needle) {
        let chunk =
            tokio::time::timeout_at(deadline, stream.next()).await.expect("in time").expect("stream open").unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Whether the stream ends (the server closed it) within a few seconds.
async fn ends(stream: &mut (impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin)) -> bool {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn events(app: &TestApp, token: &str) -> impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin {
    let r = app.http.get(app.url("/app-api/v1/events")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    Box::pin(r.bytes_stream())
}

#[tokio::test]
async fn a_new_device_is_announced_to_the_users_other_devices() {
    let app = spawn_with(dev()).await;
    let mut stream = events(&app, ADA_DEVICE).await;
    let mut text = String::new();
    app.enroll(ADA, "2468").await;
    read_until(&mut stream, &mut text, "event: device_added").await;
    read_until(&mut stream, &mut text, "Test phone").await;
}

#[tokio::test]
async fn a_fourth_event_stream_of_a_device_closes_the_oldest() {
    let app = spawn_app().await;
    let mut first = events(&app, ADA_DEVICE).await;
    let _second = events(&app, ADA_DEVICE).await;
    let mut third = events(&app, ADA_DEVICE).await;
    let _fourth = events(&app, ADA_DEVICE).await;
    assert!(ends(&mut first).await, "the oldest stream is closed");
    // The others stay open and still get pushes.
    app.start(SHOP, ADA, "openid").await;
    let mut text = String::new();
    read_until(&mut third, &mut text, "event: login_request").await;
}

#[tokio::test]
async fn removing_or_locking_a_device_closes_its_event_streams() {
    let app = spawn_with(dev()).await;
    let phone = app.enroll(ADA, "2468").await;
    let mut removed = events(&app, ADA_DEVICE).await;
    let mut mine = events(&app, &phone.token).await;
    let (_, list) = body(app.app_get(&phone.token, "/devices").await).await;
    let fixture = list["devices"].as_array().unwrap().iter().find(|d| d["current"] == false).unwrap()["id"].clone();
    let r = app
        .http
        .delete(app.url(&format!("/app-api/v1/devices/{}", fixture.as_str().unwrap())))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(ends(&mut removed).await, "the removed device's stream closes");
    app.start(SHOP, ADA, "openid").await;
    let id = app.newest_request(&phone.token).await;
    for _ in 0..5 {
        app.approve_signed(&phone, &id, "0000").await;
    }
    assert!(ends(&mut mine).await, "a locked device's stream closes");
    let r = app.http.get(app.url("/app-api/v1/events")).bearer_auth(&phone.token).send().await.unwrap();
    assert_error(r, 401, "device_locked").await;
}

#[tokio::test]
async fn a_device_removed_by_an_admin_command_hears_no_further_login() {
    let app = spawn_app().await;
    let mut stream = events(&app, ADA_DEVICE).await;
    let hash = phonelogin_core::crypto::sha256_hex(ADA_DEVICE);
    let device = app.store.device_by_token(&hash).await.unwrap().unwrap();
    // What `phonelogin device revoke` does, from another process: no event reaches this node.
    assert!(app.store.delete_device(&device.device_id).await.unwrap());
    app.start(SHOP, ADA, "openid").await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => break,
            Err(_) => panic!("the stream stayed open"),
        }
    }
    assert!(!text.contains("event: login_request"), "{text}");
}
