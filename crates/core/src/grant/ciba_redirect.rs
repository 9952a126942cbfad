//! The redirect grant (`urn:vipps:params:grant-type:ciba-redirect`, spec §3.3): the code from
//! the merchant's redirect is single use, bound to its client, valid 60 s; a replay is
//! `invalid_grant` and revokes the tokens issued from it.
use super::common::{TokenContext, TokenResponse, issue, new_access_token};
use crate::OAuthError;
use crate::clock::UnixTime;
use crate::crypto::sha256_hex;
use crate::model::Client;
use crate::store::{CodeExchange, Store};

pub async fn handle(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &Client,
    code: &str,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    // The code is redeemed and the access token inserted in one transaction.
    let (access_token, issued) = new_access_token(now);
    match store.exchange_code(&sha256_hex(code), &client.client_id, &issued, now).await? {
        CodeExchange::Redeemed(request) => {
            let auth_req_id = ctx.keys.auth_req_id(&request.id);
            issue(ctx, client, &request, &auth_req_id, access_token, now).await
        }
        CodeExchange::Replayed | CodeExchange::Invalid => Err(OAuthError::InvalidGrant),
    }
}
