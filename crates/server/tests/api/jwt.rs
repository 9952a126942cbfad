//! The merchant's side of spec §12 in tests: client key pairs (RS256, PS256, ES256), JWTs
//! they sign (client assertions, signed requests), and registering clients that use them.
use std::sync::OnceLock;

use jsonwebtoken::{EncodingKey, Header};
use phonelogin_core::clock::Clock;
use phonelogin_core::keys::{Alg, StoredKey};
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::*;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client's key pair.
pub struct ClientKey {
    pub alg: Alg,
    pub kid: String,
    /// The public JWK.
    pub jwk: Value,
    der: Vec<u8>,
}

impl ClientKey {
    /// The `n`th key of an algorithm, generated once per test process.
    pub fn get(alg: Alg, n: usize) -> &'static ClientKey {
        static KEYS: OnceLock<Vec<OnceLock<ClientKey>>> = OnceLock::new();
        let cells = KEYS.get_or_init(|| (0..9).map(|_| OnceLock::new()).collect());
        let i = Alg::ALL.iter().position(|a| *a == alg).unwrap() * 3 + n;
        cells[i].get_or_init(|| {
            let keys = secret().keys();
            let stored = StoredKey::generate(alg, &keys, START).unwrap();
            let der = keys.open(&stored.private_sealed).unwrap();
            ClientKey { alg, kid: stored.kid, jwk: serde_json::from_str(&stored.public_jwk).unwrap(), der }
        })
    }

    /// The private key as base64 DER (PKCS#1 for RSA, PKCS#8 for EC), for the interop run.
    pub fn der_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// A JWS of `claims` with this key and its `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(claims, Some(&self.kid))
    }

    /// A JWS with this key but the given `kid` header (none with `None`).
    pub fn sign_as(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(self.alg.jwt());
        header.kid = kid.map(str::to_owned);
        let key =
            if self.alg.is_rsa() { EncodingKey::from_rsa_der(&self.der) } else { EncodingKey::from_ec_der(&self.der) };
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }
}

pub fn jwks(keys: &[&ClientKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

/// Registers a client from a fixtures-shaped object (defaults: scopes openid name email).
pub async fn register(app: &TestApp, mut spec: Value) {
    let m = spec.as_object_mut().unwrap();
    m.entry("name").or_insert("Bank".into());
    m.entry("scopes").or_insert(json!(["openid", "name", "email"]));
    let doc = serde_json::from_value(json!({"clients": [spec]})).unwrap();
    phonelogin_core::fixtures::import(app.store.as_ref(), &secret().keys().pin, &doc, START).await.unwrap();
}

/// A `private_key_jwt` client named `client_id` with `key` in its inline JWKS.
pub async fn register_pkjwt(app: &TestApp, client_id: &str, key: &ClientKey, extra: Value) {
    let mut spec =
        json!({"client_id": client_id, "token_endpoint_auth_method": "private_key_jwt", "jwks": jwks(&[key])});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    register(app, spec).await;
}

/// Client-assertion claims valid at `now` for `aud`.
pub fn assertion_claims(client_id: &str, aud: &str, now: i64) -> Value {
    json!({"iss": client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + 60,
           "jti": phonelogin_core::crypto::random_id()})
}

/// Signed-request claims valid at `now`, with the authentication parameters.
pub fn request_claims(app: &TestApp, client_id: &str, params: Value) -> Value {
    let now = app.clock.now();
    let mut c = json!({"iss": client_id, "aud": app.issuer, "iat": now, "nbf": now, "exp": now + 300,
                       "jti": phonelogin_core::crypto::random_id()});
    for (k, v) in params.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

impl TestApp {
    /// POSTs a form with no Basic credentials.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(self.url(path)).form(form).send().await.unwrap()
    }

    /// POSTs `form` to `path` authenticated by a fresh assertion of `client_id` signed by `key`.
    pub async fn with_assertion(
        &self,
        path: &str,
        client_id: &str,
        key: &ClientKey,
        form: &[(&str, &str)],
    ) -> Response {
        let jwt = key.sign(&assertion_claims(client_id, &self.issuer, self.clock.now()));
        self.with_jwt(path, &jwt, form).await
    }

    /// POSTs `form` to `path` with `jwt` as the client assertion.
    pub async fn with_jwt(&self, path: &str, jwt: &str, form: &[(&str, &str)]) -> Response {
        let mut all = vec![("client_assertion_type", ASSERTION_TYPE), ("client_assertion", jwt)];
        all.extend_from_slice(form);
        self.post_form(path, &all).await
    }
}

pub const TOKEN: &str = "/access-management-1.0/access/oauth2/token";
pub const BACKCHANNEL: &str = "/vipps-login-ciba/api/backchannel/authentication";
pub const REVOKE: &str = "/access-management-1.0/access/oauth2/revoke";
pub const INTROSPECT: &str = "/access-management-1.0/access/oauth2/introspect";
