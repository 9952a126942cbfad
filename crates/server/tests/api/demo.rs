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
    // The code was single use: without the merchant's session, reloading the page fails cleanly.
    let again = app.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("invalid_grant"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_welcome_page_keeps_the_customer_logged_in_across_reloads_and_has_no_link_to_the_till() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    let device = app.enroll("4711111111", "1234").await;
    let start = json!({"phone_number": "4711111111", "flow": "webpage"});
    let (_, b) = body(app.http.post(app.url("/demo/api/logins")).json(&start).send().await.unwrap()).await;
    let id = b["id"].as_str().unwrap().to_owned();
    let rid = app.newest_request(&device.token).await;
    let (_, out) = body(app.approve_signed(&device, &rid, "1234").await).await;
    let url = out["redirect_url"].as_str().unwrap();
    let first = app.http.get(url).send().await.unwrap();
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();
    let page = first.text().await.unwrap();
    assert!(page.contains("Welcome, Grace!") && !page.contains("/demo/pos"), "{page}");
    for reload in [url.to_owned(), app.url("/demo/welcome")] {
        let page = app.http.get(&reload).header("cookie", &session).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Welcome, Grace!"), "{reload}: {page}");
    }
    let anonymous = app.http.get(app.url("/demo/welcome")).send().await.unwrap().text().await.unwrap();
    assert!(anonymous.contains("You are not logged in"), "{anonymous}");
    let status = demo_status(&app, &id).await;
    assert_eq!(
        (status["status"].as_str(), status["profile"]["given_name"].as_str()),
        (Some("approved"), Some("Grace"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_demo_merchant_picks_a_login_up_again_from_its_id() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    let device = app.enroll("4712345678", "1234").await;
    // A login the merchant's memory does not hold (it started before a restart): its id is all
    // the till has.
    let demo = ("demo-pos", app.demo_secret.as_deref().unwrap());
    let auth_req_id = app.start(demo, "4712345678", "openid name").await;
    let id = format!("a.{auth_req_id}");
    assert_eq!(demo_status(&app, &id).await["status"], "waiting");
    let rid = app.newest_request(&device.token).await;
    assert_eq!(app.approve_signed(&device, &rid, "1234").await.status(), 200);
    app.clock.advance(5);
    let status = demo_status(&app, &id).await;
    assert_eq!(status["status"], "approved", "{status}");
    assert_eq!(status["profile"]["name"], "Ada Lovelace");
    for junk in ["nope", "a.", "x.abc", "w.only-state", "a.not%20base64"] {
        let r = app.http.get(app.url(&format!("/demo/api/logins/{junk}"))).send().await.unwrap();
        assert_eq!(r.status(), 404, "{junk}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_gets_the_providers_retry_after_with_a_429() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    app.enroll("4798765432", "1234").await;
    let start = json!({"phone_number": "4798765432"});
    let mut last = None;
    for _ in 0..10 {
        let r = app.http.post(app.url("/demo/api/logins")).json(&start).send().await.unwrap();
        if r.status() == 429 {
            last = Some(r);
            break;
        }
    }
    let r = last.expect("the pending limit answers 429");
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0, "{retry}");
    assert_error_body(r, 429, "too_many_requests").await;
}
