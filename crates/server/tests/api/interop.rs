//! Interoperability: panva's `openid-client` and `jose` (libraries we did not write) run the
//! merchant side against a real server: discovery, the CIBA flow, ID-token validation against
//! the JWKS, userinfo and the error rows (tests/interop/interop.mjs), and spec §12 with
//! private_key_jwt, a signed request and PS256/ES256 ID tokens (tests/interop/fapi.mjs).
use std::path::PathBuf;

use phonelogin_core::keys::Alg;
use serde_json::json;

use crate::helpers::*;
use crate::jwt::{ClientKey, jwks, register_pkjwt};

fn interop_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop");
    assert!(
        dir.join("node_modules/openid-client").exists(),
        "the interop check needs its npm packages: run `npm ci --prefix tests/interop` (scripts/test does it)"
    );
    dir
}

/// A server on the wall clock (the library waits the real interval between polls) with the
/// interop fixtures.
async fn interop_app(dir: &std::path::Path) -> TestApp {
    let app = spawn_with(Options { real_clock: true, ..Options::default() }).await;
    let doc = serde_json::from_str(&std::fs::read_to_string(dir.join("fixtures.json")).unwrap()).unwrap();
    phonelogin_core::fixtures::import(app.store.as_ref(), &secret().keys().pin, &doc, START).await.unwrap();
    app
}

/// Runs `script` with the fixture user's settings and `env`; asserts that every check passed.
async fn run(dir: &std::path::Path, app: &TestApp, script: &str, env: &[(&str, &str)]) {
    let out = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .env("PHONELOGIN_URL", &app.url)
        .env("PHONE", "4790000001")
        .env("DEVICE_TOKEN", "interop-device-token-0123456789abcdef0123456789")
        .env("PIN", "2468")
        .envs(env.iter().copied())
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(", 0 failed"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_runs_the_flow_and_validates_our_id_token() {
    let dir = interop_dir();
    let app = interop_app(&dir).await;
    let env = [
        ("CLIENT_ID", "interop-basic"),
        ("CLIENT_SECRET", "interop-basic-secret-0123456789abcdef0123456789abcdef"),
        ("CLIENT_POST_ID", "interop-post"),
        ("CLIENT_POST_SECRET", "interop-post-secret-0123456789abcdef0123456789abcdef"),
        ("OTHER_PHONE", "4790000009"),
    ];
    run(&dir, &app, "interop.mjs", &env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_logs_in_with_private_key_jwt_and_validates_ps256_and_es256_id_tokens() {
    let dir = interop_dir();
    let app = interop_app(&dir).await;
    let (es, ps) = (ClientKey::get(Alg::Es256, 0), ClientKey::get(Alg::Ps256, 0));
    register_pkjwt(&app, "interop-es", es, json!({"id_token_signed_response_alg": "ES256"})).await;
    let fapi =
        json!({"profile": "fapi-ciba", "backchannel_authentication_request_signing_alg": "PS256", "jwks": jwks(&[ps])});
    register_pkjwt(&app, "interop-fapi", ps, fapi).await;
    let (es_key, ps_key) = (es.der_base64(), ps.der_base64());
    let env = [
        ("ES_CLIENT", "interop-es"),
        ("ES_KEY", es_key.as_str()),
        ("ES_KID", es.kid.as_str()),
        ("PS_CLIENT", "interop-fapi"),
        ("PS_KEY", ps_key.as_str()),
        ("PS_KID", ps.kid.as_str()),
    ];
    run(&dir, &app, "fapi.mjs", &env).await;
}
