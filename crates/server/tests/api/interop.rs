//! Interoperability: panva's `openid-client` and `jose` (libraries we did not write) run the
//! merchant side against a real server: discovery, the CIBA flow, ID-token validation against
//! the JWKS, userinfo and the error rows (see tests/interop/interop.mjs).
use std::path::PathBuf;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_runs_the_flow_and_validates_our_id_token() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(
        dir.join("node_modules/openid-client").exists(),
        "the interop check needs its npm packages: run `npm ci --prefix tests/interop` (scripts/test does it)"
    );
    // The library waits the real interval between polls, so this server runs on the wall clock.
    let app = spawn_with(Options { real_clock: true, ..Options::default() }).await;
    let doc = serde_json::from_str(&std::fs::read_to_string(dir.join("fixtures.json")).unwrap()).unwrap();
    phonelogin_core::fixtures::import(app.store.as_ref(), &secret().keys().pin, &doc, START).await.unwrap();
    let out = tokio::process::Command::new("node")
        .arg(dir.join("interop.mjs"))
        .env("PHONELOGIN_URL", &app.url)
        .env("CLIENT_ID", "interop-basic")
        .env("CLIENT_SECRET", "interop-basic-secret-0123456789abcdef0123456789abcdef")
        .env("CLIENT_POST_ID", "interop-post")
        .env("CLIENT_POST_SECRET", "interop-post-secret-0123456789abcdef0123456789abcdef")
        .env("PHONE", "4790000001")
        .env("DEVICE_TOKEN", "interop-device-token-0123456789abcdef0123456789")
        .env("PIN", "2468")
        .env("OTHER_PHONE", "4790000009")
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "interop failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(", 0 failed"), "{stdout}");
}

/// Spec §12 with the same libraries: private_key_jwt with ES256 and PS256 client keys (one a
/// FAPI-CIBA client sending a signed request), PS256 and ES256 ID tokens (tests/interop/fapi.mjs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_logs_in_with_private_key_jwt_and_validates_ps256_and_es256_id_tokens() {
    use crate::jwt::{ClientKey, jwks, register_pkjwt};
    use phonelogin_core::keys::Alg;
    use serde_json::json;

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(dir.join("node_modules/openid-client").exists(), "run `npm ci --prefix tests/interop`");
    let app = spawn_with(Options { real_clock: true, ..Options::default() }).await;
    let doc = serde_json::from_str(&std::fs::read_to_string(dir.join("fixtures.json")).unwrap()).unwrap();
    phonelogin_core::fixtures::import(app.store.as_ref(), &secret().keys().pin, &doc, START).await.unwrap();
    let (es, ps) = (ClientKey::get(Alg::Es256, 0), ClientKey::get(Alg::Ps256, 0));
    register_pkjwt(&app, "interop-es", es, json!({"id_token_signed_response_alg": "ES256"})).await;
    let fapi =
        json!({"profile": "fapi-ciba", "backchannel_authentication_request_signing_alg": "PS256", "jwks": jwks(&[ps])});
    register_pkjwt(&app, "interop-fapi", ps, fapi).await;
    let out = tokio::process::Command::new("node")
        .arg(dir.join("fapi.mjs"))
        .env("PHONELOGIN_URL", &app.url)
        .env("PHONE", "4790000001")
        .env("DEVICE_TOKEN", "interop-device-token-0123456789abcdef0123456789")
        .env("PIN", "2468")
        .env("ES_CLIENT", "interop-es")
        .env("ES_KEY", es.der_base64())
        .env("ES_KID", &es.kid)
        .env("PS_CLIENT", "interop-fapi")
        .env("PS_KEY", ps.der_base64())
        .env("PS_KID", &ps.kid)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "fapi interop failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(", 0 failed"), "{stdout}");
}
