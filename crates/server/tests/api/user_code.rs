//! User codes (spec §12): set in the app, required by clients with
//! `backchannel_user_code_parameter`, and locked for an hour after 5 wrong ones in a row.
use serde_json::json;

use crate::helpers::*;
use crate::jwt::register;

const COUNTER: (&str, &str) = ("counter", "counter-secret-0123456789abcdef012345");

async fn setup(app: &TestApp) {
    register(app, json!({"client_id": COUNTER.0, "client_secret": COUNTER.1, "backchannel_user_code_parameter": true}))
        .await;
    let r =
        app.http.put(app.url("/app-api/v1/user-code")).bearer_auth(ADA_DEVICE).json(&json!({"user_code": "kaffe42"}));
    assert_eq!(r.send().await.unwrap().status(), 204);
}

async fn start(app: &TestApp, user_code: Option<&str>) -> reqwest::Response {
    let mut form = vec![("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")];
    form.extend(user_code.map(|c| ("user_code", c)));
    app.backchannel(COUNTER, &form).await
}

#[tokio::test]
async fn the_app_sets_a_user_code_of_4_to_12_characters() {
    let app = spawn_app().await;
    let put = |token: &'static str, body: serde_json::Value| {
        app.http.put(app.url("/app-api/v1/user-code")).bearer_auth(token).json(&body).send()
    };
    assert_eq!(put(ADA_DEVICE, json!({"user_code": "1234"})).await.unwrap().status(), 204);
    for bad in [json!({"user_code": "123"}), json!({"user_code": "1234567890123"}), json!({"code": "1234"})] {
        let (s, b) = body(put(ADA_DEVICE, bad).await.unwrap()).await;
        assert_eq!((s.as_u16(), b["error"].as_str()), (400, Some("invalid_request")), "{b}");
    }
    assert_eq!(put("no-such-device", json!({"user_code": "1234"})).await.unwrap().status(), 401);
}

#[tokio::test]
async fn a_client_that_uses_user_codes_must_send_the_right_one() {
    let app = spawn_app().await;
    setup(&app).await;
    assert_error(start(&app, None).await, 400, "missing_user_code").await;
    assert_error(start(&app, Some("te42")).await, 400, "invalid_user_code").await;
    assert_eq!(start(&app, Some("kaffe42")).await.status(), 200);
    // Alan has no user code: nothing he could send matches.
    let r = app.backchannel(
        COUNTER,
        &[("login_hint", "urn:msisdn:4798765432"), ("scope", "openid"), ("user_code", "kaffe42")],
    );
    assert_error(r.await, 400, "invalid_user_code").await;
}

#[tokio::test]
async fn other_clients_ignore_user_codes() {
    let app = spawn_app().await;
    setup(&app).await;
    let r =
        app.backchannel(SHOP, &[("login_hint", "urn:msisdn:4712345678"), ("scope", "openid"), ("user_code", "nope")]);
    assert_eq!(r.await.status(), 200);
}

#[tokio::test]
async fn five_wrong_user_codes_in_a_row_refuse_user_codes_for_an_hour() {
    let app = spawn_app().await;
    setup(&app).await;
    for _ in 0..4 {
        assert_error(start(&app, Some("wrong")).await, 400, "invalid_user_code").await;
    }
    // A right code clears the count.
    assert_eq!(start(&app, Some("kaffe42")).await.status(), 200);
    for _ in 0..5 {
        assert_error(start(&app, Some("wrong")).await, 400, "invalid_user_code").await;
    }
    let b = assert_error(start(&app, Some("kaffe42")).await, 400, "invalid_user_code").await;
    assert!(b["error_description"].as_str().unwrap().contains("hour"), "{b}");
    app.clock.advance(3599);
    assert_error(start(&app, Some("kaffe42")).await, 400, "invalid_user_code").await;
    app.clock.advance(1);
    assert_eq!(start(&app, Some("kaffe42")).await.status(), 200);
}

#[tokio::test]
async fn racing_wrong_user_codes_get_no_more_than_five_guesses() {
    let app = spawn_with(Options { max_pending: 50, ..Options::default() }).await;
    setup(&app).await;
    let guesses: Vec<String> = (0..20).map(|n| format!("guess{n}")).collect();
    let answers = futures::future::join_all(guesses.iter().map(|g| start(&app, Some(g)))).await;
    assert!(answers.iter().all(|r| r.status() == 400));
    // Whatever raced, the lock holds now: even the right code is refused.
    assert_error(start(&app, Some("kaffe42")).await, 400, "invalid_user_code").await;
}

#[tokio::test]
async fn a_fixtures_user_code_is_stored_like_a_pin() {
    let app = spawn_app().await;
    register(
        &app,
        json!({"client_id": COUNTER.0, "client_secret": COUNTER.1, "backchannel_user_code_parameter": true}),
    )
    .await;
    let doc =
        serde_json::from_value(json!({"users": [{"phone_number": ADA, "given_name": "Ada", "user_code": "fixture1"}]}))
            .unwrap();
    phonelogin_core::fixtures::import(app.store.as_ref(), &secret().keys().pin, &doc, START).await.unwrap();
    assert_eq!(start(&app, Some("fixture1")).await.status(), 200);
}
