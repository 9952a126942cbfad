//! Enrollment: a one-time code to the phone number, a check of the code, then code + PIN +
//! device key give a device token. The same answer for every number (spec §10).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use phonelogin_core::app::{self, AppError, CheckInput, CodeDelivery, VerifyInput};
use phonelogin_core::clock;
use phonelogin_core::notify::Event;
use phonelogin_core::store::OutboxMessage;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppJson, ClientAddr};
use crate::error::AppResponse;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct Start {
    phone_number: String,
}

pub async fn start(
    State(s): State<SharedState>,
    ClientAddr(addr): ClientAddr,
    AppJson(input): AppJson<Start>,
) -> Result<Json<Value>, AppResponse> {
    let now = s.clock.now();
    let delivery = match (s.outbox.sms_configured(), s.settings.dev) {
        (true, _) => CodeDelivery::Sms(&s.keys),
        (false, true) => CodeDelivery::DevOnly,
        (false, false) => CodeDelivery::Unavailable,
    };
    let started =
        app::start_enrollment(s.store.as_ref(), input.phone_number.trim(), &addr, delivery, s.self_registration, now)
            .await?;
    if let Some(code) = started.code {
        s.outbox.wake();
        if s.settings.dev {
            // Only --dev keeps or logs the code; otherwise it exists only as a hash (and sealed
            // in the outbox until the SMS is sent).
            tracing::info!(phone = %started.phone_number, code = %code, "dev SMS outbox");
            s.store
                .push_outbox(&OutboxMessage {
                    phone_number: started.phone_number.to_string(),
                    message: format!("Your phonelogin code is {code}"),
                    code,
                    sent_at: now,
                })
                .await
                .map_err(AppError::from)?;
        }
    }
    Ok(Json(json!({"enrollment_id": started.enrollment_id, "expires_in": app::ENROLLMENT_LIFETIME})))
}

/// Checks the code before the user chooses a PIN (the guess counts toward the limits). With
/// `--self-registration`, a right code for a number without an account answers
/// `200 {"registration": true}`: the app then asks for the new user's name.
pub async fn check(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    AppJson(input): AppJson<CheckInput>,
) -> Result<Response, AppResponse> {
    if app::check_code(s.store.as_ref(), &id, &input, s.self_registration, s.clock.now()).await? {
        return Ok(Json(json!({"registration": true})).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn verify(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    AppJson(input): AppJson<VerifyInput>,
) -> Result<Json<Value>, AppResponse> {
    let enrolled =
        app::verify_enrollment(s.store.as_ref(), &s.keys.pin, &id, &input, s.self_registration, s.clock.now()).await?;
    let d = enrolled.device;
    if let Err(e) = app::announce_device(s.store.as_ref(), &s.keys, &d, s.clock.now()).await {
        tracing::warn!(error = %e, "cannot write the device_added push");
    }
    s.outbox.wake();
    s.notifier.publish(Event::DeviceAdded { user_id: d.user_id, device_id: d.device_id.clone(), name: d.name }).await;
    Ok(Json(json!({"device_token": enrolled.token, "device_id": d.device_id})))
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
