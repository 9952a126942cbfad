//! POST backchannel authentication (CIBA §7, spec §3.2, §12): authenticate the client, take
//! the parameters (from the signed request when there is one), run the core steps, notify the
//! user's devices.
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use phonelogin_core::notify::Event;
use phonelogin_core::{backchannel, request_object};

use super::client_request;
use crate::error::OAuthResponse;
use crate::state::SharedState;

pub async fn handle(
    State(s): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, OAuthResponse> {
    let now = s.clock.now();
    let (form, client) = client_request(&s, &headers, &body, crate::paths::BACKCHANNEL).await?;
    let store = s.store.as_ref();
    let params = request_object::parameters(store, s.as_ref(), &client, form, &s.issuer, now).await?;
    let accepted = backchannel::handle(store, &s.keys, &s.settings, &s.issuer, &client, &params, now).await?;
    s.notifier
        .publish(Event::LoginRequest { user_id: accepted.user_id.clone(), request_id: accepted.request_id.clone() })
        .await;
    if accepted.messages > 0 {
        s.outbox.wake();
    }
    metrics::counter!("phonelogin_login_requests_total").increment(1);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(accepted)))
}
