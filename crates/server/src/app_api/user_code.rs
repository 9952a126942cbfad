//! `PUT /app-api/v1/user-code` (spec §12): the user sets the code that merchants requiring
//! user codes must send with each login for them.
use axum::extract::State;
use axum::http::StatusCode;
use phonelogin_core::user_code;
use serde::Deserialize;

use super::{AppJson, AuthDevice};
use crate::error::AppResponse;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct UserCodeInput {
    user_code: String,
}

pub async fn set(
    State(s): State<SharedState>,
    AuthDevice(d): AuthDevice,
    AppJson(input): AppJson<UserCodeInput>,
) -> Result<StatusCode, AppResponse> {
    user_code::set(s.store.as_ref(), &s.keys.pin, &d.user_id, &input.user_code).await?;
    Ok(StatusCode::NO_CONTENT)
}
