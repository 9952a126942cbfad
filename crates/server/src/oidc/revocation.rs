//! POST revocation (RFC 7009, spec §12): an authenticated client revokes one of its own
//! access tokens; unknown tokens are answered 200 like revoked ones.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
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
    let (params, client) = client_request(&s, &headers, &body, crate::paths::REVOCATION).await?;
    revocation::revoke(s.store.as_ref(), &client, &params).await?;
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]))
}
