//! `id_token_hint` (spec §12): an ID token this server issued to this client names the user;
//! exactly one hint; anything else is `invalid_request`.
use phonelogin_core::keys::Alg;

use crate::helpers::*;
use crate::jwt::*;

async fn ada_id_token(app: &TestApp, client: (&str, &str)) -> String {
    let t = app.login(client, ADA, ADA_DEVICE, "1234", "openid").await;
    t["id_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_id_token_hint_starts_a_login_for_its_user_even_when_expired() {
    let app = spawn_app().await;
    let hint = ada_id_token(&app, SHOP).await;
    app.clock.advance(2 * 3600);
    let (s, b) = body(app.backchannel(SHOP, &[("id_token_hint", &hint), ("scope", "openid")]).await).await;
    assert_eq!(s, 200, "{b}");
    // The request reached Ada's phone, and the new token has the same sub.
    let rid = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
    let (_, t) = body(app.poll(SHOP, b["auth_req_id"].as_str().unwrap()).await).await;
    let sub = |jwt: &str| phonelogin_core::jose::unverified_claims(jwt).unwrap()["sub"].clone();
    assert_eq!(sub(t["id_token"].as_str().unwrap()), sub(&hint));
}

#[tokio::test]
async fn two_hints_are_invalid_request() {
    let app = spawn_app().await;
    let hint = ada_id_token(&app, SHOP).await;
    let r = app
        .backchannel(SHOP, &[("id_token_hint", &hint), ("login_hint", "urn:msisdn:4712345678"), ("scope", "openid")])
        .await;
    assert_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn another_clients_or_a_forged_id_token_is_invalid_request() {
    let app = spawn_app().await;
    let others = ada_id_token(&app, SHOP_WEB).await;
    assert_error(
        app.backchannel(SHOP, &[("id_token_hint", &others), ("scope", "openid")]).await,
        400,
        "invalid_request",
    )
    .await;
    // Signed by a key that is not ours, with our claims.
    let claims = phonelogin_core::jose::unverified_claims(&ada_id_token(&app, SHOP).await).unwrap();
    let forged = ClientKey::get(Alg::Rs256, 0).sign(&serde_json::Value::Object(claims.clone()));
    assert_error(
        app.backchannel(SHOP, &[("id_token_hint", &forged), ("scope", "openid")]).await,
        400,
        "invalid_request",
    )
    .await;
    for junk in ["x.y.z", "not a token"] {
        assert_error(
            app.backchannel(SHOP, &[("id_token_hint", junk), ("scope", "openid")]).await,
            400,
            "invalid_request",
        )
        .await;
    }
}
