//! Userinfo (spec §3.5).
use crate::helpers::*;

#[tokio::test]
async fn userinfo_returns_sub_sid_and_the_claims_of_the_granted_scopes() {
    let app = spawn_app().await;
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name email phoneNumber address birthDate").await;
    let r = app.userinfo(t["access_token"].as_str().unwrap()).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let (s, u) = body(r).await;
    assert_eq!(s, 200, "{u}");
    let claims = crate::token::verify_id_token(&app, t["id_token"].as_str().unwrap(), "shop").await;
    assert_eq!(u["sub"], claims["sub"]);
    assert_eq!(u["sid"], claims["sid"]);
    assert_eq!(
        (u["name"].as_str(), u["given_name"].as_str(), u["family_name"].as_str()),
        (Some("Ada Lovelace"), Some("Ada"), Some("Lovelace"))
    );
    assert_eq!((u["email"].as_str(), u["email_verified"].as_bool()), (Some("ada@example.com"), Some(true)));
    assert_eq!(u["phone_number"], "4712345678");
    assert_eq!(u["birthdate"], "1990-12-10");
    assert_eq!(u["address"]["street_address"], "Suburbia 23");
    assert_eq!(u["address"]["address_type"], "home");
    assert_eq!(u["address"]["formatted"], "Suburbia 23\n2101 OSLO\nNO");
    assert_eq!(u["other_addresses"][0]["street_address"], "Office 1");
    assert_eq!(u["other_addresses"][0]["address_type"], "work");
    assert!(u.get("nin").is_none());
}

#[tokio::test]
async fn userinfo_releases_only_what_was_asked() {
    let app = spawn_app().await;
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid email").await;
    let (_, u) = body(app.userinfo(t["access_token"].as_str().unwrap()).await).await;
    assert_eq!(u["email"], "ada@example.com");
    for absent in ["name", "phone_number", "address", "birthdate"] {
        assert!(u.get(absent).is_none(), "{absent} in {u}");
    }
}

#[tokio::test]
async fn a_user_without_address_gets_every_address_field_empty() {
    let app = spawn_app().await;
    let t = app.login(SHOP, ALAN, ALAN_DEVICE, "4321", "openid address").await;
    let (_, u) = body(app.userinfo(t["access_token"].as_str().unwrap()).await).await;
    for f in ["street_address", "postal_code", "region", "country", "formatted", "address_type"] {
        assert_eq!(u["address"][f], "", "{f}");
    }
    assert_eq!(u["other_addresses"], serde_json::json!([]));
}

#[tokio::test]
async fn nin_is_released_to_an_approved_client() {
    let app = spawn_app().await;
    let t = app.login(("gov", "gov-secret-for-tests-0123456789abcdef"), ADA, ADA_DEVICE, "1234", "openid nin").await;
    let (_, u) = body(app.userinfo(t["access_token"].as_str().unwrap()).await).await;
    assert_eq!(u["nin"], "10129012345");
}

#[tokio::test]
async fn a_bad_or_expired_token_is_401_invalid_token() {
    let app = spawn_app().await;
    let r = app.userinfo("not-a-token").await;
    assert_eq!(r.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    assert_error(r, 401, "invalid_token").await;
    let r = app
        .http
        .get(app.url("/vipps-userinfo-api/userinfo"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "invalid_token").await;
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid").await;
    let token = t["access_token"].as_str().unwrap();
    app.clock.advance(299);
    assert_eq!(app.userinfo(token).await.status(), 200);
    app.clock.advance(1);
    assert_error(app.userinfo(token).await, 401, "invalid_token").await;
}

#[tokio::test]
async fn userinfo_answers_post_too() {
    let app = spawn_app().await;
    let t = app.login(SHOP, ADA, ADA_DEVICE, "1234", "openid name").await;
    let r = app
        .http
        .post(app.url("/vipps-userinfo-api/userinfo"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await.1["given_name"], "Ada");
}
