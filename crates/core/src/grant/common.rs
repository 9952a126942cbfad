//! Steps shared by the grants: issuing the access token and the signed ID token.
use serde::Serialize;
use serde_json::json;

use super::pacer::Pacer;
use crate::OAuthError;
use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, at_hash, random_id, random_token, sha256_hex};
use crate::keys::Alg;
use crate::login_request::LoginRequest;
use crate::model::Client;
use crate::store::IssuedToken;

pub const ACCESS_TOKEN_LIFETIME: i64 = 300;
pub const ID_TOKEN_LIFETIME: i64 = 3600;

/// Signs with the active key of an algorithm; asked only when tokens are issued, so that a
/// pending poll never touches it. The signature is CPU-bound work: implementations on an
/// async runtime run it off the runtime's workers.
#[async_trait::async_trait]
pub trait SigningKeys: Send + Sync {
    async fn sign(&self, alg: Alg, claims: serde_json::Value) -> Result<String, OAuthError>;
}

/// What issuing tokens needs from the server.
pub struct TokenContext<'a> {
    pub keys: &'a DerivedKeys,
    pub signing: &'a dyn SigningKeys,
    /// The issuer identifier, with its trailing slash.
    pub issuer: &'a str,
    /// The ID-token algorithm of clients that registered none.
    pub default_alg: Alg,
    /// This node's pace of pending polls (`slow_down`).
    pub pacer: &'a Pacer,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
}

/// A new access token, and what the store keeps of it when it redeems the request.
pub fn new_access_token(now: UnixTime) -> (String, IssuedToken) {
    let access_token = random_token();
    let issued = IssuedToken { token_hash: sha256_hex(&access_token), expires_at: now + ACCESS_TOKEN_LIFETIME };
    (access_token, issued)
}

/// The token response for a request that `client` has just redeemed, with `access_token`
/// (stored by the redemption) and the merchant's `auth_req_id` for it: signs the ID token.
pub async fn issue(
    ctx: &TokenContext<'_>,
    client: &Client,
    request: &LoginRequest,
    auth_req_id: &str,
    access_token: String,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let mut claims = json!({
        "iss": ctx.issuer,
        "sub": ctx.keys.pairwise_sub(&request.user_id, &client.sector),
        "aud": client.client_id,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "auth_time": request.decided_at.unwrap_or(now),
        "jti": random_id(),
        "sid": request.id,
        "at_hash": at_hash(&access_token),
        "auth_req_id": auth_req_id,
    });
    if let (Some(nonce), Some(map)) = (&request.nonce, claims.as_object_mut()) {
        map.insert("nonce".into(), nonce.clone().into());
    }
    // id_token_signed_response_alg (spec §12); FAPI clients are registered with PS256 or ES256.
    let alg = client.security.id_token_alg.unwrap_or(ctx.default_alg);
    let id_token = ctx.signing.sign(alg, claims).await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_LIFETIME,
        id_token,
        scope: request.scopes.to_string(),
    })
}
