//! The user's login requests: list, show, approve, reject.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use phonelogin_core::app::{self, AppError, ApproveInput, LoginRequestView, Outcome, RejectInput};
use phonelogin_core::notify::Event;
use serde_json::{Value, json};

use super::{AppJson, AuthDevice};
use crate::error::AppResponse;
use crate::state::SharedState;

pub async fn me(State(s): State<SharedState>, AuthDevice(d): AuthDevice) -> Result<Json<app::Me>, AppResponse> {
    Ok(Json(app::me(s.store.as_ref(), &d).await?))
}

pub async fn list(State(s): State<SharedState>, AuthDevice(d): AuthDevice) -> Result<Json<Value>, AppResponse> {
    let views = app::open_requests(s.store.as_ref(), &d, s.clock.now()).await?;
    Ok(Json(json!({"login_requests": views})))
}

pub async fn show(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    Path(id): Path<String>,
) -> Result<Json<LoginRequestView>, AppResponse> {
    Ok(Json(app::view(s.store.as_ref(), &d, &id, s.clock.now()).await?))
}

async fn closed(s: &SharedState, user_id: &str, id: &str, reason: &'static str) {
    s.notifier
        .publish(Event::LoginRequestClosed { user_id: user_id.to_owned(), request_id: id.to_owned(), reason })
        .await;
}

pub async fn approve(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    Path(id): Path<String>,
    AppJson(input): AppJson<ApproveInput>,
) -> Result<Json<Outcome>, AppResponse> {
    let outcome = match app::approve(s.store.as_ref(), &s.keys.pin, &d, &id, &input, s.clock.now()).await {
        Err(AppError::DeviceLocked) => return Err(locked(&s, &d, &id).await),
        other => other?,
    };
    closed(&s, &d.user_id, &id, "approved").await;
    metrics::counter!("phonelogin_logins_approved_total").increment(1);
    Ok(Json(outcome))
}

/// The phone locked answering login `id`: the login ends unless another phone can answer it
/// (so the merchant hears `access_denied` at once), and the phone's streams close like a
/// removed device's (spec §10).
async fn locked(s: &SharedState, d: &phonelogin_core::model::Device, id: &str) -> AppResponse {
    if app::end_after_lock(s.store.as_ref(), d, id, s.clock.now()).await.unwrap_or(false) {
        closed(s, &d.user_id, id, "rejected").await;
    }
    let removed = Event::DeviceRemoved { user_id: d.user_id.clone(), device_id: d.device_id.clone() };
    s.notifier.publish(removed).await;
    AppError::DeviceLocked.into()
}

pub async fn reject(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Outcome>, AppResponse> {
    // The body (the signature) may be absent for a device without a key.
    let input: RejectInput = if body.iter().all(u8::is_ascii_whitespace) {
        RejectInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| AppError::InvalidRequest("the body must be a JSON object"))?
    };
    let outcome = app::reject(s.store.as_ref(), &d, &id, &input, s.clock.now()).await?;
    closed(&s, &d.user_id, &id, "rejected").await;
    Ok(Json(outcome))
}
