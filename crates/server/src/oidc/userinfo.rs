//! GET/POST userinfo (spec §3.5) with a bearer access token (RFC 6750 §2.1).
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use phonelogin_core::{OAuthError, userinfo};

use crate::error::OAuthResponse;
use crate::state::SharedState;

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

pub async fn handle(State(s): State<SharedState>, headers: HeaderMap) -> Result<impl IntoResponse, OAuthResponse> {
    let token = bearer(&headers).ok_or(OAuthError::InvalidToken)?;
    let claims = userinfo::handle(s.store.as_ref(), &s.keys, token, s.clock.now()).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(claims)))
}
