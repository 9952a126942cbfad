//! POST backchannel authentication (CIBA §7, spec §3.2): authenticate the client, run the
//! core steps, notify the user's devices.
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use phonelogin_core::backchannel;
use phonelogin_core::notify::Event;

use super::client_request;
use crate::error::OAuthResponse;
use crate::state::SharedState;

pub async fn handle(
    State(s): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, OAuthResponse> {
    let now = s.clock.now();
    let (params, client) = client_request(&s, &headers, &body).await?;
    let accepted = backchannel::handle(s.store.as_ref(), &s.keys, &s.settings, &client, &params, now).await?;
    s.notifier
        .publish(Event::LoginRequest { user_id: accepted.user_id.clone(), request_id: accepted.request_id.clone() })
        .await;
    s.outbox.wake();
    metrics::counter!("phonelogin_login_requests_total").increment(1);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(accepted)))
}
