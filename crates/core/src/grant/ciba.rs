//! The CIBA poll grant (`urn:openid:params:grant-type:ciba`, spec §3.3), read like the table:
//! find (a pure read) → belongs to this client → expired? → pending / slow_down (this node's
//! pacer) → rejected → consume once, with the access token → sign the ID token.
use super::common::{TokenContext, TokenResponse, issue, new_access_token};
use super::pacer::pace_key;
use crate::OAuthError;
use crate::clock::UnixTime;
use crate::crypto::{hex, sha256};
use crate::login_request::{State, redeem};
use crate::model::Client;
use crate::store::Store;

pub async fn handle(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &Client,
    auth_req_id: &str,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let digest = sha256(auth_req_id.as_bytes());
    // One round trip that writes nothing: unknown ids and other clients' ids come back as None.
    let request = store.poll_login_request(&hex(&digest), &client.client_id).await?.ok_or(OAuthError::InvalidGrant)?;
    let key = pace_key(&digest);
    let state = request.state_at(now);
    if state != State::Pending {
        ctx.pacer.forget(key);
    }
    match state {
        State::Expired => Err(OAuthError::ExpiredToken),
        State::Pending if ctx.pacer.poll(key, request.interval, request.expires_at, now) => Err(OAuthError::SlowDown),
        State::Pending => Err(OAuthError::AuthorizationPending),
        State::Rejected => Err(OAuthError::AccessDenied),
        State::Redeemed => Err(OAuthError::InvalidGrant),
        State::Approved => {
            // A racing poll may have redeemed it since: only one wins, and only the winner's
            // access token is inserted.
            let (access_token, issued) = new_access_token(now);
            if redeem(state).is_none() || !store.redeem_login_request(&request.id, &issued, now).await? {
                return Err(OAuthError::InvalidGrant);
            }
            issue(ctx, client, &request, access_token, now).await
        }
    }
}
