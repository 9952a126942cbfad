//! The user's devices (spec §10): list, and remove one (its token stops working and its event
//! streams close).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use phonelogin_core::app;
use phonelogin_core::notify::Event;
use serde_json::{Value, json};

use super::AuthDevice;
use crate::error::AppResponse;
use crate::state::SharedState;

pub async fn list(State(s): State<SharedState>, AuthDevice(d): AuthDevice) -> Result<Json<Value>, AppResponse> {
    Ok(Json(json!({"devices": app::devices(s.store.as_ref(), &d).await?})))
}

pub async fn remove(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    Path(id): Path<String>,
) -> Result<StatusCode, AppResponse> {
    let removed = app::remove_device(s.store.as_ref(), &d, &id).await?;
    s.notifier.publish(Event::DeviceRemoved { user_id: removed.user_id, device_id: removed.device_id }).await;
    Ok(StatusCode::NO_CONTENT)
}
