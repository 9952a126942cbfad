//! The backchannel authentication request: one test per row of spec §3.2.
use crate::helpers::*;

const HINT: &str = "urn:msisdn:4712345678";

async fn refused(params: &[(&str, &str)], status: u16, error: &str) -> serde_json::Value {
    let app = spawn_app().await;
    assert_error(app.backchannel(SHOP, params).await, status, error).await
}

#[tokio::test]
async fn success_returns_an_unguessable_auth_req_id_expiry_and_interval() {
    let app = spawn_app().await;
    let r = app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid name")]).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let (s, b) = body(r).await;
    assert_eq!(s, 200);
    let id = b["auth_req_id"].as_str().unwrap();
    assert!(id.len() >= 22 && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{id}");
    assert_eq!((b["expires_in"].as_i64(), b["interval"].as_i64()), (Some(600), Some(5)));
    let other = app.start(SHOP, ALAN, "openid").await;
    assert_ne!(id, other);
}

#[tokio::test]
async fn login_hint_missing_is_invalid_request() {
    refused(&[("scope", "openid")], 400, "invalid_request").await;
}

#[tokio::test]
async fn login_hint_of_bad_form_is_invalid_request() {
    for hint in [
        "4712345678",
        "urn:msisdn:+4712345678",
        "urn:msisdn:47123",
        "urn:msisdn:4612345678",
        "urn:mobilenumber:4712345678",
        "tel:4712345678",
    ] {
        refused(&[("login_hint", hint), ("scope", "openid")], 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn legacy_mobilenumber_hint_means_a_norwegian_number() {
    let app = spawn_app().await;
    let r = app.backchannel(SHOP, &[("login_hint", "urn:mobilenumber:12345678"), ("scope", "openid")]).await;
    assert_eq!(r.status(), 200);
    // Danish and Finnish numbers are valid forms too (unknown here).
    for hint in ["urn:msisdn:4511223344"] {
        assert_eq!(app.backchannel(SHOP, &[("login_hint", hint), ("scope", "openid")]).await.status(), 200);
    }
    let r = app.backchannel(SHOP, &[("login_hint", "urn:msisdn:358401234567"), ("scope", "openid")]).await;
    assert_error(r, 400, "unknown_user_id").await;
}

#[tokio::test]
async fn unknown_number_is_unknown_user_id_with_error_code_invalid_user() {
    let b = refused(&[("login_hint", "urn:msisdn:4799999999"), ("scope", "openid")], 400, "unknown_user_id").await;
    assert_eq!(b["error_code"], "invalid_user");
}

#[tokio::test]
async fn deactivated_user_is_unknown_user_id() {
    let b = refused(&[("login_hint", "urn:msisdn:4700000002"), ("scope", "openid")], 400, "unknown_user_id").await;
    assert_eq!(b["error_code"], "invalid_user");
}

#[tokio::test]
async fn user_under_15_is_unknown_user_id() {
    let b = refused(&[("login_hint", "urn:msisdn:4700000001"), ("scope", "openid")], 400, "unknown_user_id").await;
    assert_eq!(b["error_code"], "invalid_user");
}

#[tokio::test]
async fn app_older_than_the_minimum_is_access_denied_old_app() {
    let b = refused(&[("login_hint", "urn:msisdn:4700000003"), ("scope", "openid")], 400, "access_denied").await;
    assert_eq!(b["error_code"], "old_app");
}

/// Adds users (fixtures form) to a test server's database.
async fn with_users(app: &TestApp, users: serde_json::Value) {
    let doc = serde_json::from_value(serde_json::json!({ "users": users })).unwrap();
    phonelogin_core::fixtures::import(app.store.as_ref(), &secret().keys(), &doc, START).await.unwrap();
}

#[tokio::test]
async fn a_user_turning_15_today_may_log_in_and_one_a_day_younger_may_not() {
    let app = spawn_app().await;
    // START is 2026-06-01.
    with_users(
        &app,
        serde_json::json!([
            {"phone_number": "4700000015", "given_name": "Fifteen", "family_name": "Today", "birthdate": "2011-06-01"},
            {"phone_number": "4700000014", "given_name": "Fifteen", "family_name": "Tomorrow", "birthdate": "2011-06-02"},
        ]),
    )
    .await;
    let today = app.backchannel(SHOP, &[("login_hint", "urn:msisdn:4700000015"), ("scope", "openid")]).await;
    assert_eq!(today.status(), 200);
    let tomorrow = app.backchannel(SHOP, &[("login_hint", "urn:msisdn:4700000014"), ("scope", "openid")]).await;
    assert_error(tomorrow, 400, "unknown_user_id").await;
}

#[tokio::test]
async fn an_app_at_exactly_the_minimum_version_may_log_in() {
    let app = spawn_app().await;
    // The test servers' minimum is 1.0.0.
    with_users(
        &app,
        serde_json::json!([{"phone_number": "4700000100", "given_name": "Min", "family_name": "Version",
            "devices": [{"name": "min", "pin": "1111", "app_version": "1.0.0", "device_token": "min-device-token"}]}]),
    )
    .await;
    let r = app.backchannel(SHOP, &[("login_hint", "urn:msisdn:4700000100"), ("scope", "openid")]).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn scope_missing_or_without_openid_is_invalid_scope() {
    refused(&[("login_hint", HINT)], 400, "invalid_scope").await;
    refused(&[("login_hint", HINT), ("scope", "name email")], 400, "invalid_scope").await;
}

#[tokio::test]
async fn unknown_or_legacy_nnin_scope_is_invalid_scope() {
    refused(&[("login_hint", HINT), ("scope", "openid profile")], 400, "invalid_scope").await;
    refused(&[("login_hint", HINT), ("scope", "openid nnin")], 400, "invalid_scope").await;
}

#[tokio::test]
async fn nin_for_a_client_not_approved_for_it_is_invalid_scope() {
    refused(&[("login_hint", HINT), ("scope", "openid nin")], 400, "invalid_scope").await;
    let app = spawn_app().await;
    let r = app
        .backchannel(("gov", "gov-secret-for-tests-0123456789abcdef"), &[("login_hint", HINT), ("scope", "openid nin")])
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn binding_message_outside_the_pattern_is_invalid_binding_message() {
    for m in ["abc-12", "AB12", "ABCDEFGH9", "AB 123", "AB_123", "ÅØ-123"] {
        refused(&[("login_hint", HINT), ("scope", "openid"), ("binding_message", m)], 400, "invalid_binding_message")
            .await;
    }
    // 4 and 9 characters are refused above; 5, 6 and 8 are taken.
    let app = spawn_app().await;
    for m in ["AB-12", "AB-123", "ABCD-123"] {
        let r = app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid"), ("binding_message", m)]).await;
        assert_eq!(r.status(), 200, "{m}");
    }
}

#[tokio::test]
async fn requested_flow_other_than_login_to_webpage_is_invalid_request() {
    refused(&[("login_hint", HINT), ("scope", "openid"), ("requested_flow", "in_app")], 400, "invalid_request").await;
}

#[tokio::test]
async fn redirect_uri_is_required_with_login_to_webpage_and_forbidden_otherwise() {
    refused(
        &[("login_hint", HINT), ("scope", "openid"), ("requested_flow", "login_to_webpage")],
        400,
        "invalid_request",
    )
    .await;
    refused(
        &[("login_hint", HINT), ("scope", "openid"), ("redirect_uri", "https://shop.example/cb")],
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn redirect_uri_must_equal_a_registered_uri_exactly() {
    for uri in [
        "https://shop.example/cb/",
        "https://shop.example/cb?x=1",
        "https://evil.example/cb",
        "HTTPS://shop.example/cb",
    ] {
        let params =
            [("login_hint", HINT), ("scope", "openid"), ("requested_flow", "login_to_webpage"), ("redirect_uri", uri)];
        refused(&params, 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn http_redirect_uri_is_refused_unless_dev() {
    let params = [
        ("login_hint", HINT),
        ("scope", "openid"),
        ("requested_flow", "login_to_webpage"),
        ("redirect_uri", "http://shop.example/insecure"),
    ];
    refused(&params, 400, "invalid_request").await;
    let dev = spawn_with(Options { dev: true, ..Options::default() }).await;
    assert_eq!(dev.backchannel(SHOP, &params).await.status(), 200);
}

#[tokio::test]
async fn state_or_nonce_over_512_characters_is_invalid_request() {
    let long = "x".repeat(513);
    refused(&[("login_hint", HINT), ("scope", "openid"), ("state", &long)], 400, "invalid_request").await;
    refused(&[("login_hint", HINT), ("scope", "openid"), ("nonce", &long)], 400, "invalid_request").await;
    let app = spawn_app().await;
    let ok = "y".repeat(512);
    assert_eq!(
        app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid"), ("nonce", &ok), ("state", &ok)])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn requested_expiry_not_a_positive_integer_is_invalid_request() {
    for v in ["0", "-1", "1.5", "soon", "+30"] {
        refused(&[("login_hint", HINT), ("scope", "openid"), ("requested_expiry", v)], 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn the_request_lives_the_requested_expiry_capped_at_600() {
    let app = spawn_app().await;
    let (_, b) =
        body(app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid"), ("requested_expiry", "120")]).await)
            .await;
    assert_eq!(b["expires_in"], 120);
    let (_, b) =
        body(app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid"), ("requested_expiry", "86400")]).await)
            .await;
    assert_eq!(b["expires_in"], 600);
}

#[tokio::test]
async fn more_than_one_hint_or_an_unsupported_hint_is_invalid_request() {
    refused(&[("login_hint", HINT), ("id_token_hint", "eyJ.x.y"), ("scope", "openid")], 400, "invalid_request").await;
    refused(&[("login_hint_token", "t"), ("scope", "openid")], 400, "invalid_request").await;
    refused(&[("user_code", "1234"), ("scope", "openid")], 400, "invalid_request").await;
}

#[tokio::test]
async fn a_parameter_given_twice_is_invalid_request() {
    refused(&[("login_hint", HINT), ("scope", "openid"), ("scope", "openid")], 400, "invalid_request").await;
}

#[tokio::test]
async fn a_body_that_is_not_a_form_is_invalid_request() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.url("/vipps-login-ciba/api/backchannel/authentication"))
        .basic_auth("shop", Some("shop-secret-for-tests-0123456789abcdef"))
        .json(&serde_json::json!({"login_hint": HINT, "scope": "openid"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn over_max_pending_per_user_is_429_with_retry_after() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.start(SHOP, ADA, "openid").await;
    }
    app.clock.advance(100);
    let r = app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid")]).await;
    assert_eq!(r.status(), 429);
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry, 500, "the oldest pending request expires in 500 s");
    assert_error(r, 429, "too_many_requests").await;
    // Another user is not affected, and a decided request frees a place.
    app.start(SHOP, ALAN, "openid").await;
    let id = app.newest_request(ADA_DEVICE).await;
    assert_eq!(
        app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/reject"), serde_json::json!({})).await.status(),
        200
    );
    app.start(SHOP, ADA, "openid").await;
}

#[tokio::test]
async fn malformed_requests_never_get_a_5xx() {
    let app = spawn_app().await;
    let bodies: [&[u8]; 6] = [
        b"",
        b"%%%",
        b"a=%ZZ",
        b"\xff\xfe",
        b"login_hint=&scope=",
        b"scope=openid&&&=&login_hint=urn%3Amsisdn%3A4712345678",
    ];
    for path in ["/vipps-login-ciba/api/backchannel/authentication", "/access-management-1.0/access/oauth2/token"] {
        for b in bodies {
            for auth in [None, Some("Basic !!!"), Some("Basic c2hvcDpzaG9wLXNlY3JldA=="), Some("Bearer x")] {
                let mut req = app
                    .http
                    .post(app.url(path))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(b.to_vec());
                if let Some(a) = auth {
                    req = req.header("authorization", a);
                }
                let r = req.send().await.unwrap();
                let status = r.status();
                assert!(status.is_success() || status.is_client_error(), "{path} {b:?} {auth:?}: {status}");
                let answer = body(r).await.1;
                assert!(status.is_success() || answer["error"].is_string(), "{answer}");
            }
        }
    }
}
