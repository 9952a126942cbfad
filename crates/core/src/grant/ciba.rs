//! The CIBA poll grant (`urn:openid:params:grant-type:ciba`, spec §3.3), read like the table:
//! find (recording the poll) → belongs to this client → expired? → pending / slow_down →
//! rejected → consume once → issue tokens.
use super::common::{TokenContext, TokenResponse, issue};
use crate::OAuthError;
use crate::clock::UnixTime;
use crate::crypto::sha256_hex;
use crate::login_request::{SLOW_DOWN_STEP, State, redeem};
use crate::model::Client;
use crate::store::Store;

pub async fn handle(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &Client,
    auth_req_id: &str,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    // One round trip: unknown ids and other clients' ids come back as None.
    let polled = store
        .poll_login_request(&sha256_hex(auth_req_id), &client.client_id, SLOW_DOWN_STEP, now)
        .await?
        .ok_or(OAuthError::InvalidGrant)?;
    let request = polled.request;
    let state = request.state_at(now);
    match state {
        State::Expired => Err(OAuthError::ExpiredToken),
        State::Pending if polled.too_soon => Err(OAuthError::SlowDown),
        State::Pending => Err(OAuthError::AuthorizationPending),
        State::Rejected => Err(OAuthError::AccessDenied),
        State::Redeemed => Err(OAuthError::InvalidGrant),
        State::Approved => {
            // A racing poll may have redeemed it since: only one wins.
            if redeem(state).is_none() || !store.redeem_login_request(&request.id, now).await? {
                return Err(OAuthError::InvalidGrant);
            }
            issue(store, ctx, client, &request, now).await
        }
    }
}
