//! Discovery (OpenID Connect Discovery 1.0, RFC 8414, CIBA §4) and the JWKS. It lists every
//! endpoint, method and algorithm the server supports, and nothing it doesn't.
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use phonelogin_core::keys::Alg;
use phonelogin_core::model::{AuthMethod, GRANT_CIBA, GRANT_CIBA_REDIRECT};
use phonelogin_core::scope::Scope;
use serde_json::json;

use crate::error::OAuthResponse;
use crate::paths;
use crate::state::SharedState;

pub async fn openid_configuration(State(s): State<SharedState>) -> impl IntoResponse {
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let mut claims =
        vec!["iss", "sub", "aud", "iat", "exp", "auth_time", "jti", "sid", "at_hash", "auth_req_id", "nonce"];
    claims.extend(Scope::ALL.iter().flat_map(|s| s.claims().iter().copied()).filter(|c| *c != "sub" && *c != "sid"));
    let methods: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.as_str()).collect();
    let algs: Vec<&str> = Alg::ALL.iter().map(|a| a.as_str()).collect();
    let doc = json!({
        "issuer": s.issuer,
        "backchannel_authentication_endpoint": s.url(paths::BACKCHANNEL),
        "token_endpoint": s.url(paths::TOKEN),
        "userinfo_endpoint": s.url(paths::USERINFO),
        "jwks_uri": s.url(paths::JWKS),
        "revocation_endpoint": s.url(paths::REVOCATION),
        "introspection_endpoint": s.url(paths::INTROSPECTION),
        "grant_types_supported": [GRANT_CIBA, GRANT_CIBA_REDIRECT],
        "backchannel_token_delivery_modes_supported": ["poll"],
        "backchannel_user_code_parameter_supported": true,
        "backchannel_authentication_request_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": algs,
        "revocation_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_signing_alg_values_supported": algs,
        "introspection_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_signing_alg_values_supported": algs,
        "scopes_supported": scopes,
        "claims_supported": claims,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": [],
        "claims_parameter_supported": false,
        "tls_client_certificate_bound_access_tokens": false,
    });
    ([(header::CACHE_CONTROL, "max-age=3600")], Json(doc))
}

pub async fn jwks(State(s): State<SharedState>) -> Result<impl IntoResponse, OAuthResponse> {
    let keys = s.store.signing_keys().await.map_err(phonelogin_core::OAuthError::from)?;
    let doc = phonelogin_core::keys::jwks(&keys, s.clock.now());
    Ok(([(header::CACHE_CONTROL, "max-age=300")], Json(doc)))
}
