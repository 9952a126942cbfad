//! Web Push endpoints (spec §11): the VAPID public key, and the device's subscription.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use phonelogin_core::app::{self, AppError, SubscriptionInput};
use phonelogin_core::outbox::endpoint;
use serde_json::{Value, json};

use super::{AppJson, AuthDevice};
use crate::error::AppResponse;
use crate::state::SharedState;

pub async fn vapid_public_key(
    State(s): State<SharedState>,
    AuthDevice(_): AuthDevice,
) -> Result<Json<Value>, AppResponse> {
    let key = s.outbox.vapid().get(&s).await.map_err(AppError::from)?;
    Ok(Json(json!({"vapid_public_key": key.public_key()})))
}

pub async fn subscribe(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    AppJson(input): AppJson<SubscriptionInput>,
) -> Result<StatusCode, AppResponse> {
    let resolved_public = s.settings.dev || resolves_to_public(&input.endpoint).await;
    app::subscribe(s.store.as_ref(), &d, &input, s.settings.dev, resolved_public, s.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unsubscribe(State(s): State<SharedState>, AuthDevice(d): AuthDevice) -> Result<StatusCode, AppResponse> {
    app::unsubscribe(s.store.as_ref(), &d).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every address the endpoint's host resolves to is public (a name that does not resolve is
/// refused too: a push service always resolves).
async fn resolves_to_public(url: &str) -> bool {
    let Some(host) = url.split_once("://").and_then(|(_, rest)| endpoint::host(rest)) else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match tokio::net::lookup_host((host, 443)).await {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            !addrs.is_empty() && addrs.iter().all(|a| endpoint::is_public(a.ip()))
        }
        Err(_) => false,
    }
}
