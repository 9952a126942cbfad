//! The App API (spec §6): JSON under `/app-api/v1` for the authenticator app. A device
//! authenticates with its bearer token; every refusal is an `AppError`.
pub mod consents;
pub mod enrollment;
pub mod events;
pub mod requests;
pub mod user_code;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use phonelogin_core::app::{self, AppError};
use phonelogin_core::model::Device;
use serde::de::DeserializeOwned;

use crate::error::AppResponse;
use crate::oidc::userinfo::bearer;
use crate::state::SharedState;

/// The calling device, from `Authorization: Bearer <device token>`.
pub struct AuthDevice(pub Device);

impl FromRequestParts<SharedState> for AuthDevice {
    type Rejection = AppResponse;

    async fn from_request_parts(parts: &mut Parts, s: &SharedState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(AppError::InvalidToken)?;
        Ok(Self(app::device(s.store.as_ref(), token).await?))
    }
}

/// A JSON body whose rejection is an App API error body, not plain text.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<SharedState> for AppJson<T> {
    type Rejection = AppResponse;

    async fn from_request(req: Request, s: &SharedState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, s).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(_) => Err(AppError::InvalidRequest("the body must be a JSON object with the documented fields").into()),
        }
    }
}
