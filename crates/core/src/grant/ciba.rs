//! The CIBA poll grant (`urn:openid:params:grant-type:ciba`, spec §3.3), read like the table:
//! find (one round trip) → belongs to this client → expired? → pending / slow_down (the
//! store's verdict on PostgreSQL, shared by the nodes; this node's pacer on SQLite) →
//! rejected → consume once, with the access token → sign the ID token.
use super::common::{TokenContext, TokenResponse, issue, new_access_token};
use super::pacer::pace_key;
use crate::OAuthError;
use crate::clock::UnixTime;
use crate::login_request::{State, redeem};
use crate::model::Client;
use crate::store::{AuthReqKey, Polled, Store};

pub async fn handle(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &Client,
    auth_req_id: &str,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let request_id = ctx.keys.request_id_of(auth_req_id);
    let key = AuthReqKey { auth_req_id, request_id: request_id.as_deref() };
    // One round trip that writes nothing: unknown ids and other clients' ids come back as None.
    let Polled { request, too_soon } =
        store.poll_login_request(key, &client.client_id, now).await?.ok_or(OAuthError::InvalidGrant)?;
    let state = request.state_at(now);
    // The store's verdict when it keeps the pace (shared by the nodes), else this node's.
    let too_soon = match (state, too_soon) {
        (State::Pending, None) => ctx.pacer.poll(pace_key(&request.id), request.interval, request.expires_at, now),
        (_, None) => {
            ctx.pacer.forget(pace_key(&request.id));
            false
        }
        (_, Some(too_soon)) => too_soon,
    };
    match state {
        State::Expired => Err(OAuthError::ExpiredToken),
        State::Pending if too_soon => Err(OAuthError::SlowDown),
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
            issue(ctx, client, &request, auth_req_id, access_token, now).await
        }
    }
}
