//! The demo merchant (`--demo`): its server side calls the provider as a merchant would.
use serde_json::{Value, json};

use crate::helpers::*;

async fn demo_status(app: &TestApp, id: &str) -> Value {
    body(app.http.get(app.url(&format!("/demo/api/logins/{id}"))).send().await.unwrap()).await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pos_login_ends_with_the_profile_and_the_secret_stays_server_side() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    let secret = app.demo_secret.clone().unwrap();
    for page in ["/demo/pos", "/demo/pos.js"] {
        let text = app.http.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        assert!(text.len() > 100 && !text.contains(&secret), "{page}");
    }
    let device = app.enroll("4712345678", "1234").await;
    let r = app
        .http
        .post(app.url("/demo/api/logins"))
        .json(&json!({"phone_number": "4712345678", "binding_message": "POS-42"}))
        .send()
        .await
        .unwrap();
    let (s, b) = body(r).await;
    assert_eq!(s, 200, "{b}");
    let id = b["id"].as_str().unwrap();
    assert_eq!(demo_status(&app, id).await["status"], "waiting");
    let rid = app.newest_request(&device.token).await;
    assert_eq!(app.approve_signed(&device, &rid, "1234").await.status(), 200);
    assert_eq!(demo_status(&app, id).await["status"], "waiting", "the merchant waits its interval");
    app.clock.advance(5);
    let status = demo_status(&app, id).await;
    assert_eq!(status["status"], "approved", "{status}");
    assert_eq!(status["profile"]["name"], "Ada Lovelace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pos_shows_a_rejection_and_provider_refusals() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    let device = app.enroll("4798765432", "1234").await;
    let (_, b) = body(
        app.http.post(app.url("/demo/api/logins")).json(&json!({"phone_number": "4798765432"})).send().await.unwrap(),
    )
    .await;
    let rid = app.newest_request(&device.token).await;
    assert_eq!(app.reject_signed(&device, &rid).await.status(), 200);
    assert_eq!(demo_status(&app, b["id"].as_str().unwrap()).await["status"], "rejected");
    let r =
        app.http.post(app.url("/demo/api/logins")).json(&json!({"phone_number": "4799999999"})).send().await.unwrap();
    assert_error_body(r, 400, "unknown_user_id").await;
}

async fn assert_error_body(r: reqwest::Response, status: u16, error: &str) {
    let (s, b) = body(r).await;
    assert_eq!((s.as_u16(), b["error"].as_str()), (status, Some(error)), "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_page_flow_lands_on_the_welcome_page_with_the_users_name() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    let device = app.enroll("4711111111", "1234").await;
    let (_, b) = body(
        app.http
            .post(app.url("/demo/api/logins"))
            .json(&json!({"phone_number": "4711111111", "flow": "webpage"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rid = app.newest_request(&device.token).await;
    let (_, out) = body(app.approve_signed(&device, &rid, "1234").await).await;
    let url = out["redirect_url"].as_str().unwrap();
    assert!(url.starts_with(&app.url("/demo/welcome?code=")), "{url}");
    let page = app.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Welcome, Grace!"), "{page}");
    assert_eq!(demo_status(&app, b["id"].as_str().unwrap()).await["profile"]["family_name"], "Hopper");
    // The code was single use: reloading the page fails cleanly.
    let again = app.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("invalid_grant"), "{again}");
}
