//! POST introspection (RFC 7662, spec §12): an authenticated client learns whether one of its
//! own access tokens is active; anyone else's token is `{"active": false}`.
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use phonelogin_core::revocation;

use super::client_request;
use crate::error::OAuthResponse;
use crate::state::SharedState;

pub async fn handle(
    State(s): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, OAuthResponse> {
    let now = s.clock.now();
    let (params, client) = client_request(&s, &headers, &body, crate::paths::INTROSPECTION).await?;
    let answer = revocation::introspect(s.store.as_ref(), &s.keys, &s.issuer, &client, &params, now).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)))
}
