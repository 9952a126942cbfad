//! Discovery (OpenID Connect Discovery 1.0) and the JWKS.
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use phonelogin_core::model::{GRANT_CIBA, GRANT_CIBA_REDIRECT};
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
    let doc = json!({
        "issuer": s.issuer,
        "backchannel_authentication_endpoint": s.url(paths::BACKCHANNEL),
        "token_endpoint": s.url(paths::TOKEN),
        "userinfo_endpoint": s.url(paths::USERINFO),
        "jwks_uri": s.url(paths::JWKS),
        "grant_types_supported": [GRANT_CIBA, GRANT_CIBA_REDIRECT],
        "backchannel_token_delivery_modes_supported": ["poll", "ping"],
        "backchannel_user_code_parameter_supported": false,
        "backchannel_authentication_request_signing_alg_values_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
        "claims_supported": claims,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "userinfo_signing_alg_values_supported": [],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
    });
    ([(header::CACHE_CONTROL, "max-age=3600")], Json(doc))
}

pub async fn jwks(State(s): State<SharedState>) -> Result<impl IntoResponse, OAuthResponse> {
    let keys = s.store.signing_keys().await.map_err(phonelogin_core::OAuthError::from)?;
    let doc = phonelogin_core::keys::jwks(&keys, s.clock.now());
    Ok(([(header::CACHE_CONTROL, "max-age=300")], Json(doc)))
}
