//! Token revocation (RFC 7009) and introspection (RFC 7662) for an authenticated client, which
//! touches only its own access tokens (spec §12). `token_type_hint` is only a hint: access
//! tokens are the only tokens a client holds.
use serde_json::{Value, json};

use crate::OAuthError;
use crate::backchannel::Params;
use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, sha256_hex};
use crate::grant::common::ACCESS_TOKEN_LIFETIME;
use crate::model::Client;
use crate::store::Store;

fn token(params: &Params) -> Result<&str, OAuthError> {
    params.get("token").ok_or(OAuthError::InvalidRequest("token is required"))
}

/// RFC 7009 §2.1: an unknown, expired or already revoked token is answered like a revoked
/// one; another client's token is refused and stays valid.
pub async fn revoke(store: &dyn Store, client: &Client, params: &Params) -> Result<(), OAuthError> {
    let hash = sha256_hex(token(params)?);
    match store.access_token(&hash).await? {
        None => Ok(()),
        Some(t) if t.client_id != client.client_id => {
            Err(OAuthError::InvalidRequest("the token was not issued to this client"))
        }
        Some(_) => {
            store.revoke_access_token(&hash).await?;
            Ok(())
        }
    }
}

/// RFC 7662 §2.2: `{"active": false}` for anything but a live token of this client whose user
/// is still active.
pub async fn introspect(
    store: &dyn Store,
    keys: &DerivedKeys,
    issuer: &str,
    client: &Client,
    params: &Params,
    now: UnixTime,
) -> Result<Value, OAuthError> {
    let inactive = json!({"active": false});
    let Some(t) = store.access_token(&sha256_hex(token(params)?)).await? else { return Ok(inactive) };
    if t.client_id != client.client_id || t.expires_at <= now {
        return Ok(inactive);
    }
    let Some(user) = store.user(&t.user_id).await?.filter(|u| u.active) else { return Ok(inactive) };
    Ok(json!({
        "active": true,
        "scope": t.scopes.to_string(),
        "client_id": t.client_id,
        "token_type": "Bearer",
        "exp": t.expires_at,
        "iat": t.expires_at - ACCESS_TOKEN_LIFETIME,
        "sub": keys.pairwise_sub(&user.user_id, &client.sector),
        "aud": t.client_id,
        "iss": issuer,
    }))
}
