//! The user's consents: list and revoke (future logins only).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use phonelogin_core::app;
use serde_json::{Value, json};

use super::AuthDevice;
use crate::error::AppResponse;
use crate::state::SharedState;

pub async fn list(State(s): State<SharedState>, AuthDevice(d): AuthDevice) -> Result<Json<Value>, AppResponse> {
    Ok(Json(json!({"consents": app::consents(s.store.as_ref(), &d).await?})))
}

pub async fn revoke(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    Path(client_id): Path<String>,
) -> Result<StatusCode, AppResponse> {
    app::revoke(s.store.as_ref(), &s.keys, &d, &client_id, s.clock.now()).await?;
    s.outbox.wake();
    Ok(StatusCode::NO_CONTENT)
}
