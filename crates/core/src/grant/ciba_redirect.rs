//! The redirect grant (`urn:vipps:params:grant-type:ciba-redirect`, spec §3.3): the code from
//! the merchant's redirect is single use, bound to its client, valid 60 s; a replay is
//! `invalid_grant` and revokes the tokens issued from it.
use super::common::{TokenContext, TokenResponse, issue};
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
    match store.exchange_code(&sha256_hex(code), &client.client_id, now).await? {
        CodeExchange::Redeemed(request) => issue(store, ctx, client, &request, now).await,
        CodeExchange::Replayed | CodeExchange::Invalid => Err(OAuthError::InvalidGrant),
    }
}
