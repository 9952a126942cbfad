//! The App API (spec §6): JSON under `/app-api/v1` for the authenticator app. A device
//! authenticates with its bearer token; every refusal is an `AppError`.
pub mod consents;
pub mod devices;
pub mod enrollment;
pub mod events;
pub mod requests;
pub mod user_code;

use std::net::{IpAddr, SocketAddr};

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

/// The client's address for the per-address limits: the peer, or with `--trust-proxy` the
/// left-most `X-Forwarded-For` when it is an IP address. IPv6 addresses count per /64 (one
/// subscriber's network), IPv4-mapped ones as IPv4.
pub struct ClientAddr(pub String);

impl FromRequestParts<SharedState> for ClientAddr {
    type Rejection = AppResponse;

    async fn from_request_parts(parts: &mut Parts, s: &SharedState) -> Result<Self, Self::Rejection> {
        let forwarded = s
            .trust_proxy
            .then(|| parts.headers.get("x-forwarded-for")?.to_str().ok()?.split(',').next().and_then(parse_ip))
            .flatten();
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip());
        Ok(Self(forwarded.or(peer).map_or_else(|| "unknown".to_owned(), limit_key)))
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[')?.split(']').next()?.parse().ok())
}

fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_parse_and_ipv6_counts_per_64() {
        let key = |s: &str| parse_ip(s).map(limit_key);
        assert_eq!(key(" 203.0.113.7 "), Some("203.0.113.7".into()));
        assert_eq!(key("203.0.113.7:5678"), Some("203.0.113.7".into()));
        assert_eq!(key("::ffff:203.0.113.7"), Some("203.0.113.7".into()));
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), Some("2001:db8:1:2::/64".into()));
        assert_eq!(key("[2001:db8:1:2::9]:443"), Some("2001:db8:1:2::/64".into()));
        assert_eq!(key("garbage-1"), None);
        assert_eq!(key("005.005.005.005"), None);
    }
}
