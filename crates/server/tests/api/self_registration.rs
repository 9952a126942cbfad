//! Self-registration (PRODUCT §13, `--self-registration`): a number without an account enrolls
//! and the new user gives a name (optionally email and birth date), counted in the §10 limits.
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{ADA, DeviceKey, Options, SHOP, TestApp, assert_error, body, spawn_with};

const NEW: &str = "4791112233";

async fn app(self_registration: bool) -> TestApp {
    spawn_with(Options { dev: true, self_registration, ..Options::default() }).await
}

async fn started(app: &TestApp, phone: &str) -> String {
    let (s, b) = body(app.start_enrollment(phone).await).await;
    assert_eq!(s, 200, "{b}");
    b["enrollment_id"].as_str().unwrap().to_owned()
}

async fn check(app: &TestApp, id: &str, code: &str) -> Response {
    app.http
        .post(app.url(&format!("/app-api/v1/enrollments/{id}/check")))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap()
}

async fn verify(app: &TestApp, id: &str, code: &str, profile: Option<Value>) -> Response {
    let mut v = json!({"code": code, "pin": "2468", "device_name": "New phone", "app_version": "1.2.0",
                       "device_public_key": DeviceKey::generate().jwk()});
    if let Some(p) = profile {
        v["profile"] = p;
    }
    app.http.post(app.url(&format!("/app-api/v1/enrollments/{id}/verify"))).json(&v).send().await.unwrap()
}

#[tokio::test]
async fn without_the_flag_a_number_without_an_account_gets_no_code() {
    let app = app(false).await;
    started(&app, NEW).await;
    assert_eq!(app.code_for(NEW).await, None);
    assert!(app.store.user_by_phone(&phonelogin_core::msisdn::Msisdn::parse(NEW).unwrap()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_new_number_enrolls_and_the_user_exists_with_the_claims_given() {
    let app = app(true).await;
    let id = started(&app, NEW).await;
    let code = app.code_for(NEW).await.expect("a code is sent to a number without an account");
    let (s, b) = body(check(&app, &id, &code).await).await;
    assert_eq!((s.as_u16(), b), (200, json!({"registration": true})), "the app asks for the name");

    // Without a profile nothing is used up; the same code then opens the account.
    assert_error(verify(&app, &id, &code, None).await, 400, "invalid_request").await;
    let profile = json!({"given_name": " Grace ", "family_name": "Hopper", "email": "grace@example.com", "birthdate": "1906-12-09"});
    let (s, b) = body(verify(&app, &id, &code, Some(profile)).await).await;
    assert_eq!(s, 200, "{b}");
    let token = b["device_token"].as_str().unwrap();
    assert_eq!(app.app_get(token, "/me").await.status(), 200);

    let u = app.store.user_by_phone(&phonelogin_core::msisdn::Msisdn::parse(NEW).unwrap()).await.unwrap().unwrap();
    assert_eq!((u.given_name.as_str(), u.family_name.as_str(), u.active), ("Grace", "Hopper", true));
    assert_eq!(
        (u.email.as_deref(), u.email_verified, u.birthdate.as_deref()),
        (Some("grace@example.com"), false, Some("1906-12-09"))
    );

    // A merchant can now ask the new user to log in.
    let r =
        app.backchannel(SHOP, &[("login_hint", &format!("urn:msisdn:{NEW}")), ("scope", "openid name email")]).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_known_number_checks_as_before_and_a_deactivated_one_gets_no_code() {
    let app = app(true).await;
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    assert_eq!(check(&app, &id, &code).await.status(), 204);
    started(&app, "4700000002").await;
    assert_eq!(app.code_for("4700000002").await, None, "a deactivated user does not register again");
}

#[tokio::test]
async fn an_invalid_profile_is_refused_and_keeps_the_code() {
    let app = app(true).await;
    let id = started(&app, NEW).await;
    let code = app.code_for(NEW).await.unwrap();
    for bad in [
        json!({"given_name": "  "}),
        json!({"given_name": "Grace", "email": "not an address"}),
        json!({"given_name": "Grace", "birthdate": "9 December 1906"}),
        json!({"family_name": "Hopper"}),
    ] {
        assert_error(verify(&app, &id, &code, Some(bad)).await, 400, "invalid_request").await;
    }
    let (s, b) = body(verify(&app, &id, &code, Some(json!({"given_name": "Grace"}))).await).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn registrations_count_in_the_enrollment_limits() {
    let app = app(true).await;
    for _ in 0..3 {
        started(&app, NEW).await;
    }
    let r = app.start_enrollment(NEW).await;
    assert_eq!(r.status(), 429, "three codes per number in ten minutes, as for any enrollment");
}
