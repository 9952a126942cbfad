//! `id_token_hint` (CIBA §7.1, spec §12): an ID token this server issued to this client names
//! the user. Its signature is checked against our own keys (retired ones too); its expiry is
//! ignored. The pairwise `sub` cannot be inverted, so the token's `sid` (the login request it
//! came from) leads to the user, and the `sub` must be that user's for this client's sector.
use serde_json::{Value, json};

use crate::OAuthError;
use crate::client_jwt::{audience_matches, text};
use crate::crypto::DerivedKeys;
use crate::jose;
use crate::keys::Alg;
use crate::model::{Client, User};
use crate::store::Store;

const NOT_OURS: OAuthError = OAuthError::InvalidRequest("id_token_hint is not an ID token issued to this client");

pub async fn resolve(
    store: &dyn Store,
    keys: &DerivedKeys,
    issuer: &str,
    client: &Client,
    token: &str,
) -> Result<User, OAuthError> {
    let ours: Vec<Value> =
        store.signing_keys().await?.iter().filter_map(|k| serde_json::from_str(&k.public_jwk).ok()).collect();
    let claims = jose::verify(token, &json!({ "keys": ours }), &Alg::ALL).map_err(|_| NOT_OURS)?;
    if text(&claims, "iss") != Some(issuer) || !audience_matches(&claims, &[client.client_id.as_str()]) {
        return Err(NOT_OURS);
    }
    let (Some(sid), Some(sub)) = (text(&claims, "sid"), text(&claims, "sub")) else { return Err(NOT_OURS) };
    let request = store.login_request(sid).await?.ok_or(NOT_OURS)?;
    if request.client_id != client.client_id || keys.pairwise_sub(&request.user_id, &client.sector) != sub {
        return Err(NOT_OURS);
    }
    store.user(&request.user_id).await?.ok_or(NOT_OURS)
}
