//! Resources and hardening (spec §10): body size, slow and idle connections, the connection
//! limit, a graceful stop, the pending limit per merchant, the retention job, page headers.
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use phonelogin_server::serve::HttpLimits;

fn short(limits: HttpLimits) -> Options {
    Options { limits, ..Options::default() }
}

fn addr(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; `None` when it is still open at `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = vec![];
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_in_the_endpoints_own_error_format() {
    let app = spawn_app().await;
    let big = "x".repeat(65 * 1024);
    let r = app.backchannel(SHOP, &[("login_hint", &big), ("scope", "openid")]).await;
    assert_error(r, 413, "invalid_request").await;
    let r = app.app_post(ADA_DEVICE, "/login-requests/x/approve", json!({"pin": big})).await;
    assert_error(r, 413, "invalid_request").await;
    // Without a declared length (chunked), the limit holds all the same.
    let chunks = futures::stream::iter((0..80).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 1024])));
    let r = app
        .http
        .post(app.url("/access-management-1.0/access/oauth2/token"))
        .basic_auth(SHOP.0, Some(SHOP.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_error(r, 413, "invalid_request").await;
}

#[tokio::test]
async fn a_connection_that_sends_half_a_request_line_is_closed() {
    let app =
        spawn_with(short(HttpLimits { header_read_timeout: Duration::from_millis(300), ..HttpLimits::default() }))
            .await;
    let mut slow = TcpStream::connect(addr(&app)).await.unwrap();
    slow.write_all(b"GET /healthz HT").await.unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(3)).await.is_some(), "closed after the header timeout");
    assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().status(), 200, "others are served");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_outlives_the_header_timeout_and_closes_at_the_idle_timeout() {
    let limits = HttpLimits {
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(1500),
        ..HttpLimits::default()
    };
    let app = spawn_with(short(limits)).await;
    let mut conn = TcpStream::connect(addr(&app)).await.unwrap();
    let mut buf = [0u8; 1024];
    for _ in 0..2 {
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let n = conn.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        // Waiting for the next request is not reading headers: longer than their timeout is fine.
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let started = std::time::Instant::now();
    assert!(closed_within(&mut conn, Duration::from_secs(5)).await.is_some(), "the idle connection is closed");
    assert!(started.elapsed() >= Duration::from_millis(600), "not before the idle timeout");
}

#[tokio::test]
async fn past_max_connections_a_new_connection_waits_until_one_closes() {
    let app = spawn_with(short(HttpLimits { max_connections: 2, ..HttpLimits::default() })).await;
    let first = TcpStream::connect(addr(&app)).await.unwrap();
    let _second = TcpStream::connect(addr(&app)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(addr(&app)).await.unwrap();
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let waited = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(waited.is_err(), "the third connection is not served while two are open");
    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf)).await.expect("served").unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_stop_closes_the_event_streams_and_refuses_new_connections() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/app-api/v1/events")).bearer_auth(ADA_DEVICE).send().await.unwrap();
    let mut stream = r.bytes_stream();
    app.stop();
    let ended =
        tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(ended.is_ok(), "the event stream ends at once");
    let mut stopped = app.stopped.clone();
    tokio::time::timeout(Duration::from_secs(10), stopped.wait_for(|s| *s))
        .await
        .expect("stopped within 10 s")
        .unwrap();
    assert!(TcpStream::connect(addr(&app)).await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn the_pending_limit_counts_per_merchant() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.start(SHOP, ADA, "openid").await;
    }
    let hint = format!("urn:msisdn:{ADA}");
    let r = app.backchannel(SHOP, &[("login_hint", &hint), ("scope", "openid")]).await;
    assert!(r.headers().contains_key("retry-after"));
    assert_error(r, 429, "too_many_requests").await;
    app.start(OTHER, ADA, "openid").await;
}

#[tokio::test]
async fn the_retention_job_deletes_what_ended_long_ago_and_nothing_live() {
    let app = spawn_app().await;
    let old = app.start(SHOP, ADA, "openid").await;
    app.clock.advance(8 * 86_400);
    let live = app.start(SHOP, ADA, "openid").await;
    let clock: &dyn phonelogin_core::clock::Clock = app.clock.as_ref();
    let deleted = phonelogin_server::retention::run_once(app.store.as_ref(), clock, 7).await.unwrap();
    assert_eq!(deleted, 1);
    assert_error(app.poll(SHOP, &old).await, 400, "invalid_grant").await;
    assert_error(app.poll(SHOP, &live).await, 400, "authorization_pending").await;
}

#[tokio::test]
async fn web_pages_carry_csp_nosniff_and_no_referrer() {
    let app = spawn_with(Options { demo: true, dev: true, ..Options::default() }).await;
    for page in ["/app/", "/app/app.js", "/demo/pos"] {
        let r = app.http.get(app.url(page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    }
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}
