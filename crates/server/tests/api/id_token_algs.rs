//! ID-token algorithms per client (spec §12): RS256 by default, PS256 and ES256 by
//! `id_token_signed_response_alg`, each with its own key in the JWKS, rotated on its own.
use jsonwebtoken::decode_header;
use phonelogin_core::keys::{Alg, StoredKey};
use serde_json::json;

use crate::helpers::*;
use crate::jwt::register;
use crate::token::verify_id_token;

const SECRET: &str = "alg-client-secret-0123456789abcdef0123";

async fn id_token_of(app: &TestApp, client_id: &str) -> String {
    let t = app.login((client_id, SECRET), ADA, ADA_DEVICE, "1234", "openid").await;
    t["id_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn ps256_and_es256_id_tokens_verify_against_the_jwks() {
    let app = spawn_app().await;
    for alg in Alg::ALL {
        let id = format!("alg-{}", alg.as_str());
        register(&app, json!({"client_id": id, "client_secret": SECRET, "id_token_signed_response_alg": alg.as_str()}))
            .await;
        let token = id_token_of(&app, &id).await;
        assert_eq!(decode_header(&token).unwrap().alg, alg.jwt(), "{id}");
        assert_eq!(verify_id_token(&app, &token, &id).await["aud"], id);
    }
}

#[tokio::test]
async fn rotating_one_algorithms_key_leaves_the_others() {
    let app = spawn_app().await;
    register(&app, json!({"client_id": "ps", "client_secret": SECRET, "id_token_signed_response_alg": "PS256"})).await;
    let jwks = |app: &TestApp| {
        let url = app.url("/access-management-1.0/access/.well-known/jwks.json");
        let http = app.http.clone();
        async move { body(http.get(url).send().await.unwrap()).await.1 }
    };
    let before = jwks(&app).await;
    let new = StoredKey::generate(Alg::Ps256, &secret().keys(), START).unwrap();
    app.store.rotate_in(&new, START).await.unwrap();
    let token = id_token_of(&app, "ps").await;
    assert_eq!(decode_header(&token).unwrap().kid.unwrap(), new.kid);
    verify_id_token(&app, &token, "ps").await;
    // The old PS256 key stays published beside the new one; RS256 and ES256 are untouched.
    let after = jwks(&app).await;
    let keys = |d: &serde_json::Value| d["keys"].as_array().unwrap().clone();
    assert_eq!(keys(&after).len(), 4);
    assert!(keys(&before).iter().all(|k| keys(&after).contains(k)));
}
