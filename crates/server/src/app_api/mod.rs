//! The App API (spec §6): JSON under `/app-api/v1` for the authenticator app. A device
//! authenticates with its bearer token; every refusal is an `AppError`.
pub mod consents;
pub mod devices;
pub mod enrollment;
pub mod events;
pub mod requests;

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use phonelogin_core::app::{self, AppError};
use phonelogin_core::model::Device;
use serde::de::DeserializeOwned;

use crate::error::AppResponse;
use crate::oidc::userinfo::bearer;
use crate::state::SharedState;

/// How often a device's "last used" time is written at most.
const TOUCH_EVERY: i64 = 60;

/// The calling device, from `Authorization: Bearer <device token>`; a removed or locked
/// device is refused (401).
pub struct AuthDevice(pub Device);

impl FromRequestParts<SharedState> for AuthDevice {
    type Rejection = AppResponse;

    async fn from_request_parts(parts: &mut Parts, s: &SharedState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(AppError::InvalidToken)?;
        let device = app::device(s.store.as_ref(), token).await?;
        let now = s.clock.now();
        if device.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
            s.store.touch_device(&device.device_id, now).await.map_err(AppError::from)?;
        }
        Ok(Self(device))
    }
}

/// The client's address: the peer, or with `--trust-proxy` the left-most `X-Forwarded-For`.
pub struct ClientAddr(pub String);

impl FromRequestParts<SharedState> for ClientAddr {
    type Rejection = AppResponse;

    async fn from_request_parts(parts: &mut Parts, s: &SharedState) -> Result<Self, Self::Rejection> {
        let forwarded = s
            .trust_proxy
            .then(|| parts.headers.get("x-forwarded-for")?.to_str().ok()?.split(',').next().map(str::trim))
            .flatten()
            .filter(|a| !a.is_empty());
        let addr = match forwarded {
            Some(a) => a.to_owned(),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string()),
        };
        Ok(Self(addr))
    }
}

/// A JSON body whose rejection is an App API error body, not plain text.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<SharedState> for AppJson<T> {
    type Rejection = AppResponse;

    async fn from_request(req: Request, s: &SharedState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, s).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::PayloadTooLarge.into()),
            Err(_) => Err(AppError::InvalidRequest("the body must be a JSON object with the documented fields").into()),
        }
    }
}
