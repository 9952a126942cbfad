//! POST token (spec §3.3): authenticate the client, parse the grant, let core handle it.
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use phonelogin_core::grant::{self, TokenContext, TokenRequest};

use super::client_request;
use crate::error::OAuthResponse;
use crate::state::SharedState;

pub async fn handle(
    State(s): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, OAuthResponse> {
    let now = s.clock.now();
    let (params, client) = client_request(&s, &headers, &body, crate::paths::TOKEN).await?;
    let request = TokenRequest::parse(&params)?;
    let ctx = TokenContext {
        keys: &s.keys,
        signing: s.as_ref(),
        issuer: &s.issuer,
        default_alg: s.settings.id_token_alg,
        pacer: &s.pacer,
    };
    let tokens = grant::handle(s.store.as_ref(), &ctx, &client, &request, now).await?;
    metrics::counter!("phonelogin_tokens_issued_total").increment(1);
    Ok(([(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(tokens)))
}
