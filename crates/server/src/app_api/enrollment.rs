//! Enrollment: a one-time code to the phone number, then code + PIN → a device token.
use axum::Json;
use axum::extract::{Path, State};
use phonelogin_core::app::{self, AppError, VerifyInput};
use phonelogin_core::clock;
use phonelogin_core::store::OutboxMessage;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppJson;
use crate::error::AppResponse;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct Start {
    phone_number: String,
}

pub async fn start(State(s): State<SharedState>, AppJson(input): AppJson<Start>) -> Result<Json<Value>, AppResponse> {
    let now = s.clock.now();
    let started = app::start_enrollment(s.store.as_ref(), input.phone_number.trim(), now).await?;
    let message = format!("Your phonelogin code is {}", started.code);
    if s.settings.dev {
        // Only --dev keeps or logs the code; otherwise it exists only as a hash.
        tracing::info!(phone = %started.phone_number, code = %started.code, "dev SMS outbox");
        s.store
            .push_outbox(&OutboxMessage {
                phone_number: started.phone_number.to_string(),
                message,
                code: started.code,
                sent_at: now,
            })
            .await
            .map_err(AppError::from)?;
    } else {
        tracing::warn!(phone = %started.phone_number, "no SMS sender is configured: the one-time code was not delivered");
    }
    Ok(Json(json!({"enrollment_id": started.enrollment_id, "expires_in": app::ENROLLMENT_LIFETIME})))
}

pub async fn verify(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    AppJson(input): AppJson<VerifyInput>,
) -> Result<Json<Value>, AppResponse> {
    let token = app::verify_enrollment(s.store.as_ref(), &s.keys.pin, &id, &input, s.clock.now()).await?;
    Ok(Json(json!({"device_token": token})))
}

/// `--dev` only: the SMS that would have been sent, newest first.
pub async fn outbox(State(s): State<SharedState>) -> Result<Json<Value>, AppResponse> {
    if !s.settings.dev {
        return Err(AppError::NotFound.into());
    }
    let messages = s.store.outbox(50).await.map_err(AppError::from)?;
    let list: Vec<Value> = messages
        .into_iter()
        .map(|m| json!({"phone_number": m.phone_number, "message": m.message, "code": m.code, "sent_at": clock::rfc3339(m.sent_at)}))
        .collect();
    Ok(Json(json!({"messages": list})))
}
