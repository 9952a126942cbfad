//! Login to the merchant's web page (spec §3.2 `requested_flow`, §3.3 the redirect grant) and
//! delegated consents (§5).
use serde_json::{Value, json};

use crate::helpers::*;

const HINT: &str = "urn:msisdn:4712345678";

/// Starts a web-page login for Ada and approves it; returns (auth_req_id, redirect_url).
async fn approved_webpage_login(app: &TestApp, state: &str) -> (String, String) {
    let params = [
        ("login_hint", HINT),
        ("scope", "openid name"),
        ("requested_flow", "login_to_webpage"),
        ("redirect_uri", "https://shop.example/cb"),
        ("state", state),
    ];
    let (s, b) = body(app.backchannel(SHOP, &params).await).await;
    assert_eq!(s, 200, "{b}");
    let id = app.newest_request(ADA_DEVICE).await;
    let (_, view) = body(app.app_get(ADA_DEVICE, &format!("/login-requests/{id}")).await).await;
    assert_eq!(view["flow"], "login_to_webpage");
    let (s, out) = body(app.approve(ADA_DEVICE, &id, "1234").await).await;
    assert_eq!((s.as_u16(), out["result"].as_str()), (200, Some("redirect")), "{out}");
    (b["auth_req_id"].as_str().unwrap().to_owned(), out["redirect_url"].as_str().unwrap().to_owned())
}

fn query(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok()?.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

async fn exchange(app: &TestApp, client: (&str, &str), code: &str) -> reqwest::Response {
    app.token(client, &[("grant_type", CIBA_REDIRECT), ("code", code)]).await
}

#[tokio::test]
async fn approval_redirects_with_code_and_state_and_the_code_gives_tokens_for_the_same_auth_req_id() {
    let app = spawn_app().await;
    let (auth_req_id, url) = approved_webpage_login(&app, "st&ate 1").await;
    assert!(url.starts_with("https://shop.example/cb?code="), "{url}");
    assert_eq!(query(&url, "state").as_deref(), Some("st&ate 1"));
    let (s, t) = body(exchange(&app, SHOP, &query(&url, "code").unwrap()).await).await;
    assert_eq!(s, 200, "{t}");
    let claims = crate::token::verify_id_token(&app, t["id_token"].as_str().unwrap(), "shop").await;
    assert_eq!(claims["auth_req_id"], auth_req_id);
    assert_eq!(body(app.userinfo(t["access_token"].as_str().unwrap()).await).await.1["name"], "Ada Lovelace");
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant_and_revokes_its_tokens() {
    let app = spawn_app().await;
    let (_, url) = approved_webpage_login(&app, "s").await;
    let code = query(&url, "code").unwrap();
    let (_, t) = body(exchange(&app, SHOP, &code).await).await;
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(app.userinfo(access).await.status(), 200);
    assert_error(exchange(&app, SHOP, &code).await, 400, "invalid_grant").await;
    assert_error(app.userinfo(access).await, 401, "invalid_token").await;
}

#[tokio::test]
async fn the_code_is_bound_to_its_client_and_lives_60_seconds() {
    let app = spawn_app().await;
    let (_, url) = approved_webpage_login(&app, "s").await;
    let code = query(&url, "code").unwrap();
    assert_error(exchange(&app, OTHER, &code).await, 400, "invalid_grant").await;
    app.clock.advance(60);
    assert_error(exchange(&app, SHOP, &code).await, 400, "invalid_grant").await;
    let (_, url) = approved_webpage_login(&app, "s").await;
    app.clock.advance(59);
    assert_eq!(exchange(&app, SHOP, &query(&url, "code").unwrap()).await.status(), 200);
    assert_error(exchange(&app, SHOP, "made-up").await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn rejection_sends_the_browser_back_with_access_denied_and_state() {
    let app = spawn_app().await;
    let params = [
        ("login_hint", HINT),
        ("scope", "openid"),
        ("requested_flow", "login_to_webpage"),
        ("redirect_uri", "https://shop.example/cb"),
        ("state", "xyz"),
    ];
    let auth_req_id = body(app.backchannel(SHOP, &params).await).await.1["auth_req_id"].as_str().unwrap().to_owned();
    let id = app.newest_request(ADA_DEVICE).await;
    let (_, out) = body(app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/reject"), json!({})).await).await;
    assert_eq!(out["redirect_url"], "https://shop.example/cb?error=access_denied&state=xyz");
    assert_error(app.poll(SHOP, &auth_req_id).await, 400, "access_denied").await;
}

/// Starts a club login for Ada and approves it with these ticks; returns (auth_req_id, answer).
async fn club_login(app: &TestApp, ticks: Value, language: &str) -> (String, reqwest::Response) {
    let auth_req_id = app.start(CLUB, ADA, "openid name delegatedConsents").await;
    let id = app.newest_request(ADA_DEVICE).await;
    let approval = json!({"pin": "1234", "consent": true, "delegated_consents": ticks, "language": language});
    (auth_req_id, app.app_post(ADA_DEVICE, &format!("/login-requests/{id}/approve"), approval).await)
}

#[tokio::test]
async fn delegated_consents_need_a_configured_form() {
    let app = spawn_app().await;
    let r = app.backchannel(SHOP, &[("login_hint", HINT), ("scope", "openid delegatedConsents")]).await;
    assert_error(r, 400, "invalid_scope").await;
}

#[tokio::test]
async fn the_form_is_shown_and_a_required_consent_left_unticked_is_refused() {
    let app = spawn_app().await;
    app.start(CLUB, ADA, "openid delegatedConsents").await;
    let id = app.newest_request(ADA_DEVICE).await;
    let (_, view) = body(app.app_get(ADA_DEVICE, &format!("/login-requests/{id}")).await).await;
    let form = &view["delegated_consents"];
    assert_eq!(form["heading"]["NO"], "Bli medlem");
    assert_eq!(form["terms_url"], "https://club.example/terms");
    assert_eq!(
        form["consents"][0],
        json!({"id": "email", "required": true, "text": {"EN": "Receive offers via email", "NO": "Motta tilbud på e-post"}, "previous_answer": null})
    );
    assert_eq!(form["consents"][2]["text"]["EN"], "Receive the member magazine");
    let r = app
        .app_post(
            ADA_DEVICE,
            &format!("/login-requests/{id}/approve"),
            json!({"pin": "1234", "consent": true, "delegated_consents": {"sms": true}}),
        )
        .await;
    assert_error(r, 400, "required_consent_missing").await;
}

#[tokio::test]
async fn userinfo_returns_the_answers_in_the_language_shown_and_they_are_prefilled_next_time() {
    let app = spawn_app().await;
    app.clock.advance(7);
    let (auth_req_id, r) = club_login(&app, json!({"email": true, "magazine": true}), "NO").await;
    assert_eq!(r.status(), 200);
    let (_, t) = body(app.poll(CLUB, &auth_req_id).await).await;
    let (_, u) = body(app.userinfo(t["access_token"].as_str().unwrap()).await).await;
    let d = &u["delegatedConsents"];
    assert_eq!(d["language"], "NO");
    assert_eq!(d["heading"], "Bli medlem");
    assert_eq!(d["text"], "Få de beste tilbudene");
    assert_eq!(d["timeOfConsent"], "2026-06-01T00:00:07Z");
    assert_eq!(d["links"]["termsLinkUrl"], "https://club.example/terms");
    assert_eq!(d["links"]["privacyStatementLinkUrl"], "https://club.example/privacy");
    assert!(d["termsDescription"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(d["confirmConsentButtonText"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        d["consents"],
        json!([
            {"id": "email", "accepted": true, "required": true, "textDisplayedToUser": "Motta tilbud på e-post"},
            {"id": "sms", "accepted": false, "required": false, "textDisplayedToUser": "Motta tilbud på SMS"},
            {"id": "magazine", "accepted": true, "required": false, "textDisplayedToUser": "Motta medlemsbladet"}
        ])
    );
    app.start(CLUB, ADA, "openid delegatedConsents").await;
    let id = app.newest_request(ADA_DEVICE).await;
    let (_, view) = body(app.app_get(ADA_DEVICE, &format!("/login-requests/{id}")).await).await;
    let previous: Vec<Value> = view["delegated_consents"]["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["previous_answer"].clone())
        .collect();
    assert_eq!(previous, vec![json!(true), json!(false), json!(true)]);
}
